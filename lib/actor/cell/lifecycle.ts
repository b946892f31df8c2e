/**
 * The life of an `ActorCell` from start to stop: constructing the instance and running
 * `started()`, unwinding a failed start, and the stop sequence (fail the backlog, wait for the
 * running handler up to `stopTimeoutMs`, stop children, release owned resources, `stopped()`,
 * then the `Terminated` notice to the registry, watchers and parent).
 */
import { constructWithContext } from '../actor.js'
import type { ActorCell } from '../cell.js'
import type { ReplyBatch } from '../envelope.js'
import type { ActorErrorCode, ActorRefError } from '../errors.js'
import type { Terminated, TerminationReason } from '../terminated.js'
import { RUNNING, STARTING, STOPPED, STOPPING } from './state.js'
import { notifyWatchers, unwatchAll } from './watch.js'

/** Builds a fresh instance of the cell's class; returns what its `started()` returned. */
export function construct(cell: ActorCell): unknown {
  const instance = constructWithContext(cell.ctx, () => new cell.type(...(cell.args as never[])))
  cell.instance = instance
  return instance.started?.()
}

/** A settled promise handed out by the paths that finish at once (nothing else can settle it). */
const DONE: Promise<void> = Promise.resolve()

/**
 * Constructs the instance and runs `started()`. Returns null when the actor is running
 * already (no `started()`, or a synchronous one that succeeded: no promise, no extra turn),
 * else a promise that resolves once it runs or rejects with `StartFailed`.
 */
export function startCell(cell: ActorCell): Promise<void> | null {
  let started: unknown
  try {
    started = construct(cell)
  } catch (e) {
    return failStart(cell, e)
  }
  if (started instanceof Promise) {
    return started.then(
      () => {
        const failed = finishStart(cell)
        if (failed !== null) return failed
      },
      (e: unknown) => failStart(cell, e),
    )
  }
  return finishStart(cell)
}

/** After `started()`: the cell runs (null), or the start unwinds (a rejected promise). */
function finishStart(cell: ActorCell): Promise<void> | null {
  if (cell.stopRequested !== null || cell.state !== STARTING) {
    return abortStart(cell).then(() => {
      throw cell.error('StartFailed', 'actor stopped itself during started()')
    })
  }
  cell.typeStats.created++
  cell.state = RUNNING
  if (cell.mailboxLength > 0 || (cell.notices !== null && cell.notices.length > 0)) cell.host.dispatcher.schedule(cell)
  return null
}

function failStart(cell: ActorCell, e: unknown): Promise<void> {
  return abortStart(cell).then(() => {
    throw cell.error('StartFailed', `started() failed: ${errorText(e)}`, undefined, e)
  })
}

async function abortStart(cell: ActorCell): Promise<void> {
  cell.state = STOPPING
  await stopChildren(cell, 'parentStopped')
  releaseOwned(cell)
  rejectQueued(cell, 'StartFailed', 'actor failed to start')
  cell.instance = null
  finishStop(cell, 'failed', undefined, false)
}

/**
 * The stop sequence, run once per cell (`stopWith` keeps its promise). An idle actor without
 * children or a `stopped()` hook stops at once, without a turn; otherwise the steps that wait
 * run in {@link runStopWaiting}.
 */
export function runStop(cell: ActorCell, reason: TerminationReason, error: unknown): Promise<void> {
  const wasStarted = cell.state !== STARTING
  cell.state = STOPPING
  if (cell.restartTimer !== null) {
    clearTimeout(cell.restartTimer)
    cell.restartTimer = null
  }
  // Nothing queued will run any more: fail it now rather than after the running handler.
  rejectQueued(cell, 'Stopped', reason === 'shutdown' ? 'actor system shut down' : 'actor stopped')
  const instance = cell.instance
  if (cell.busy || (cell.childMap !== null && cell.childMap.size > 0) || (wasStarted && instance !== null && instance.stopped !== undefined)) {
    return runStopWaiting(cell, reason, error, wasStarted)
  }
  releaseOwned(cell)
  unwatchAll(cell)
  cell.instance = null
  finishStop(cell, reason, error, wasStarted)
  return DONE
}

async function runStopWaiting(cell: ActorCell, reason: TerminationReason, error: unknown, wasStarted: boolean): Promise<void> {
  await waitIdle(cell)
  await stopChildren(cell, 'parentStopped')
  releaseOwned(cell)
  if (wasStarted) await callStopped(cell)
  unwatchAll(cell)
  cell.instance = null
  finishStop(cell, reason, error, wasStarted)
}

/** Waits for the running handler, at most `stopTimeoutMs`; past that its ask is rejected. */
async function waitIdle(cell: ActorCell): Promise<void> {
  if (!cell.busy) return
  const limit = cell.host.options.stopTimeoutMs
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), limit)
  })
  const stuck = await Promise.race([whenIdle(cell).then(() => false), timedOut])
  clearTimeout(timer)
  if (stuck) {
    const env = cell.current
    cell.host.logger.warn(
      { actorId: cell.id, handler: cell.currentHandler, stopTimeoutMs: limit },
      'handler still running at stop; stopping anyway',
    )
    if (env !== null && typeof env !== 'string' && env.reply !== null) {
      env.reply.reject(cell.error('Stopped', `actor stopped while the handler was still running after ${limit} ms`, env.handler))
    }
  }
}

/** Resolves when no handler runs (`afterIdle` in turns.ts wakes the waiters). */
function whenIdle(cell: ActorCell): Promise<void> {
  if (!cell.busy) return Promise.resolve()
  return new Promise<void>((resolve) => (cell.busyWaiters ??= []).push(resolve))
}

function finishStop(cell: ActorCell, reason: TerminationReason, error: unknown, counted: boolean): void {
  cell.state = STOPPED
  if (counted) cell.typeStats.stopped++
  cell.host.unregister(cell)
  const notice: Terminated =
    error === undefined
      ? { id: cell.id, path: cell.path, actorType: cell.actorType, reason, ref: cell.self }
      : { id: cell.id, path: cell.path, actorType: cell.actorType, reason, error, ref: cell.self }
  notifyWatchers(cell, notice)
  if (cell.parent !== null) cell.parent.childStopped(cell, notice)
}

/** Stops every child with `reason` and waits for all of them. */
export async function stopChildren(cell: ActorCell, reason: TerminationReason): Promise<void> {
  if (cell.childMap === null || cell.childMap.size === 0) return
  const results = await Promise.allSettled([...cell.childMap.values()].map((c) => c.stopWith(reason, undefined)))
  for (const r of results) {
    // A child on another thread that does not confirm its stop (timeout) must not keep its
    // parent from stopping.
    if (r.status === 'rejected') cell.host.logger.warn({ actorId: cell.id, err: r.reason }, 'a child did not confirm its stop')
  }
}

/**
 * Fails the whole backlog: one error per handler, and replies to other threads batched, so a
 * deep mailbox empties in one pass instead of one formatted error and frame per message.
 */
function rejectQueued(cell: ActorCell, code: ActorErrorCode, message: string): void {
  if (cell.mailbox === null || cell.mailbox.size === 0) {
    cell.notices?.drain()
    return
  }
  const errors = new Map<string, ActorRefError>()
  const errorFor = (handler: string): ActorRefError => {
    let e = errors.get(handler)
    if (e === undefined) {
      e = cell.error(code, message, handler)
      errors.set(handler, e)
    }
    return e
  }
  const batches = new Set<ReplyBatch>()
  for (const env of cell.mailbox.clear(errorFor)) {
    const reply = env.reply
    if (reply === null) {
      cell.host.deadLetter(cell, env.handler, env.args, message)
      continue
    }
    if (reply.settled) {
      env.stats.expired++
      continue
    }
    const batch = reply.batch
    if (batch === undefined) reply.reject(errorFor(env.handler))
    else {
      batch.add(reply, errorFor(env.handler))
      batches.add(batch)
    }
  }
  for (const b of batches) b.flush()
  cell.notices?.drain()
}

/** Stops every resource bound to the cell's life (timers, subscriptions); a throwing one is logged. */
export function releaseOwned(cell: ActorCell): void {
  if (cell.ownedSet === null || cell.ownedSet.size === 0) return
  const owned = [...cell.ownedSet]
  cell.ownedSet.clear()
  for (const r of owned) {
    try {
      r.stop()
    } catch (e) {
      cell.host.logger.warn({ actorId: cell.id, err: e }, 'stopping an owned resource failed')
    }
  }
}

/** Runs the instance's `stopped()` hook, if any; a throwing hook is logged. */
export async function callStopped(cell: ActorCell): Promise<void> {
  const instance = cell.instance
  if (instance === null || instance.stopped === undefined) return
  try {
    await instance.stopped()
  } catch (e) {
    cell.host.logger.warn({ actorId: cell.id, err: e }, 'stopped() threw')
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
