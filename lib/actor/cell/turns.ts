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
import type { UserMailbox } from '../mailbox.js'
import type { HandlerStats } from '../metrics.js'
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
    const m = mailbox === null ? undefined : mailbox.take()
    if (m === undefined) break
    n++
    if (Array.isArray(m)) {
      // A plain tell: its handler is beside it in the mailbox, its stats are the handler's.
      const handler = (mailbox as UserMailbox).takenHandler
      invoke(cell, handler, m, cell.statsFor(handler), null)
      continue
    }
    if (m.reply !== null && m.reply.settled) {
      // Nobody waits for this ask any more: running it would only spend time and memory.
      m.stats.expired++
      continue
    }
    invoke(cell, m.handler, m.args, m.stats, m)
  }
  if (!cell.busy) afterIdle(cell)
  return n
}

/**
 * Runs one message's handler: a plain tell (`env` null) or an envelope (a reply, a timing
 * sample). `busy` is set for the whole call so a stop waits for it.
 */
function invoke(cell: ActorCell, handler: string, args: unknown[], stats: HandlerStats, env: Envelope | null): void {
  const instance = cell.instance as Actor
  let t0 = 0
  if (env !== null && env.enqueuedAt !== null) {
    t0 = performance.now()
    stats.mailboxWait.observe((t0 - env.enqueuedAt) / 1000)
  }
  let result: unknown
  cell.busy = true
  cell.current = env ?? handler
  try {
    const fn = (instance as unknown as Record<string, (...a: unknown[]) => unknown>)[handler] as (...a: unknown[]) => unknown
    result = fn.apply(instance, args)
  } catch (e) {
    cell.busy = false
    cell.current = null
    handlerFailed(cell, handler, stats, env, e)
    return
  }
  if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
    ;(result as PromiseLike<unknown>).then(
      (value) => {
        cell.busy = false
        cell.current = null
        handlerSucceeded(stats, env, value, t0)
        afterIdle(cell)
      },
      (e: unknown) => {
        cell.busy = false
        cell.current = null
        handlerFailed(cell, handler, stats, env, e)
        afterIdle(cell)
      },
    )
    return
  }
  cell.busy = false
  cell.current = null
  handlerSucceeded(stats, env, result, t0)
}

function handlerSucceeded(stats: HandlerStats, env: Envelope | null, value: unknown, t0: number): void {
  stats.processed++
  if (t0 !== 0) stats.processing.observe((performance.now() - t0) / 1000)
  if (env !== null && env.reply !== null) env.reply.resolve(value)
}

function handlerFailed(cell: ActorCell, handler: string, stats: HandlerStats, env: Envelope | null, e: unknown): void {
  stats.failed++
  if (env !== null && env.reply !== null) env.reply.reject(e)
  fail(cell, e, handler)
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
