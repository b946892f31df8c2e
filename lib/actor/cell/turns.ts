/**
 * Turns of an `ActorCell`: the dispatcher gives the cell a budget, and the turn runs system
 * notices first (a watched actor's or a child's `Terminated` through the actor's
 * `onTerminated` / `onChildTerminated` hooks, a child's escalated failure through the cell's
 * own supervision), then user messages, one handler at a time: `busy` is set while a handler
 * or hook runs, also across its promise. After each, the cell carries out a requested stop or
 * asks for its next turn. Handler failures go to `failure.ts`.
 */
import type { Actor } from '../actor.js'
import type { ActorCell } from '../cell.js'
import type { Envelope } from '../envelope.js'
import { fail, handleEscalation } from './failure.js'
import { RUNNING, STARTING, STOPPING, type SystemNotice } from './state.js'

/** Runs up to `budget` system notices and messages; returns how many. */
export function runTurn(cell: ActorCell, budget: number): number {
  let n = 0
  while (n < budget && !cell.busy && cell.state === RUNNING && cell.stopRequested === null) {
    const notices = cell.notices
    if (notices !== null && notices.length > 0) {
      handleSystem(cell, notices.shift() as SystemNotice)
      n++
      continue
    }
    const mailbox = cell.mailbox
    const env = mailbox === null ? undefined : mailbox.take()
    if (env === undefined) break
    n++
    if (env.reply !== null && env.reply.settled) {
      // Nobody waits for this ask any more: running it would only spend time and memory.
      env.stats.expired++
      continue
    }
    invoke(cell, env)
  }
  if (!cell.busy) afterIdle(cell)
  return n
}

/** Runs `env`'s handler. `busy` is set for the whole call so a stop waits for it. */
function invoke(cell: ActorCell, env: Envelope): void {
  const instance = cell.instance as Actor
  const stats = env.stats
  let t0 = 0
  const enqueuedAt = env.enqueuedAt
  if (enqueuedAt !== null) {
    t0 = performance.now()
    stats.mailboxWait.observe((t0 - enqueuedAt) / 1000)
  }
  let result: unknown
  cell.busy = true
  cell.current = env
  try {
    const fn = (instance as unknown as Record<string, (...a: unknown[]) => unknown>)[env.handler] as (
      ...a: unknown[]
    ) => unknown
    result = fn.apply(instance, env.args)
  } catch (e) {
    cell.busy = false
    cell.current = null
    handlerFailed(cell, env, e)
    return
  }
  if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
    ;(result as PromiseLike<unknown>).then(
      (value) => {
        cell.busy = false
        cell.current = null
        handlerSucceeded(env, value, t0)
        afterIdle(cell)
      },
      (e: unknown) => {
        cell.busy = false
        cell.current = null
        handlerFailed(cell, env, e)
        afterIdle(cell)
      },
    )
    return
  }
  cell.busy = false
  cell.current = null
  handlerSucceeded(env, result, t0)
}

function handlerSucceeded(env: Envelope, value: unknown, t0: number): void {
  const stats = env.stats
  stats.processed++
  if (t0 !== 0) stats.processing.observe((performance.now() - t0) / 1000)
  if (env.reply !== null) env.reply.resolve(value)
}

function handlerFailed(cell: ActorCell, env: Envelope, e: unknown): void {
  env.stats.failed++
  if (env.reply !== null) env.reply.reject(e)
  fail(cell, e, env.handler)
}

/** After a handler: carry out a requested stop, wake stop waiters, or take the next turn. */
function afterIdle(cell: ActorCell): void {
  if (cell.busyWaiters !== null) {
    const ws = cell.busyWaiters
    cell.busyWaiters = null
    for (const w of ws) w()
  }
  if (cell.stopRequested !== null && cell.state !== STARTING && cell.state < STOPPING) {
    void cell.stopWith(cell.stopRequested, cell.stopError)
    return
  }
  if (cell.state === RUNNING && !cell.queued && (cell.mailboxLength > 0 || (cell.notices !== null && cell.notices.length > 0))) {
    cell.host.dispatcher.schedule(cell)
  }
}

/** Runs one notice. A hook is a handler like any other: `busy` while it runs, failures supervised. */
function handleSystem(cell: ActorCell, notice: SystemNotice): void {
  if (notice.kind === 'escalated') {
    handleEscalation(cell, notice.child, notice.error, notice.handler)
    return
  }
  const instance = cell.instance as Actor
  const hook = notice.kind === 'terminated' ? instance.onTerminated : instance.onChildTerminated
  if (hook === undefined) return
  const handler = notice.kind === 'terminated' ? 'onTerminated' : 'onChildTerminated'
  let result: unknown
  cell.busy = true
  try {
    result = hook.call(instance, notice.notice)
  } catch (e) {
    cell.busy = false
    fail(cell, e, handler)
    return
  }
  if (result instanceof Promise) {
    result.then(
      () => {
        cell.busy = false
        afterIdle(cell)
      },
      (e: unknown) => {
        cell.busy = false
        fail(cell, e, handler)
        afterIdle(cell)
      },
    )
    return
  }
  cell.busy = false
}
