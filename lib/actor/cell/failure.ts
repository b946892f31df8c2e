/**
 * Supervision of one `ActorCell`: what happens when its handler (or `started()`, or a hook)
 * fails. The cell's strategy decides: resume, restart a fresh instance after a backoff (ending
 * the old instance's children and owned resources first), stop, or escalate to the parent,
 * which suspends the cell until the parent resumes it. The decision itself is pure and lives
 * in `../supervision.ts`.
 */
import type { ActorCell } from '../cell.js'
import { decide, type Directive } from '../supervision.js'
import type { ChildHandle } from '../target.js'
import { callStopped, construct, releaseOwned, stopChildren } from './lifecycle.js'
import { RESTARTING, RUNNING, STOPPING, SUSPENDED } from './state.js'

/** A handler (or hook, or `started()` on restart) of `cell` threw or rejected with `error`. */
export function fail(cell: ActorCell, error: unknown, handler: string): void {
  cell.host.reportFailure(cell, handler, error)
  if (cell.state >= STOPPING) return
  let directive: Directive
  try {
    directive = decide(cell.strategy, error, { actorId: cell.id, actorType: cell.actorType, handler })
  } catch (e) {
    cell.host.logger.error({ actorId: cell.id, err: e }, 'supervision decider threw; stopping the actor')
    directive = 'stop'
  }
  apply(cell, directive, error, handler)
}

function apply(cell: ActorCell, directive: Directive, error: unknown, handler: string): void {
  switch (directive) {
    case 'resume':
      return
    case 'restart': {
      const delay = cell.restarts.next(cell.strategy, performance.now())
      if (delay === null) {
        cell.host.logger.warn(
          { actorId: cell.id, actorType: cell.actorType, restarts: cell.strategy.maxRestarts },
          'restart limit reached; stopping the actor',
        )
        void cell.stopWith('failed', error)
        return
      }
      cell.state = RESTARTING
      // Timers and other owned resources belong to the failed instance: end them now, not
      // after the backoff, so nothing of the old instance reaches the new one.
      releaseOwned(cell)
      cell.restartTimer = setTimeout(() => {
        cell.restartTimer = null
        void restart(cell)
      }, delay)
      return
    }
    case 'stop':
      void cell.stopWith('failed', error)
      return
    case 'escalate':
      if (cell.parent === null || !cell.parent.alive) {
        void cell.stopWith('failed', error)
        return
      }
      cell.state = SUSPENDED
      cell.parent.escalate(cell, error, handler)
      return
  }
}

/** A child of `cell` escalated `error`: it becomes `cell`'s failure, and `cell`'s strategy decides. */
export function handleEscalation(cell: ActorCell, child: ChildHandle, error: unknown, handler: string): void {
  cell.host.reportFailure(cell, `${handler} (escalated by ${child.id})`, error)
  let directive: Directive
  try {
    directive = decide(cell.strategy, error, { actorId: cell.id, actorType: cell.actorType, handler })
  } catch {
    directive = 'stop'
  }
  if (directive === 'resume') {
    resumeSuspended(cell)
    return
  }
  apply(cell, directive, error, handler)
}

function resumeSuspended(cell: ActorCell): void {
  if (cell.childMap === null) return
  for (const c of cell.childMap.values()) c.resumeFromParent()
}

/** The parent resumed after `cell` (or an ancestor) escalated: run again. */
export function resumeFromParent(cell: ActorCell): void {
  if (cell.state !== SUSPENDED) return
  cell.state = RUNNING
  resumeSuspended(cell)
  cell.host.dispatcher.schedule(cell)
}

/** After the backoff: end the old instance's children and resources, then start a fresh one. */
async function restart(cell: ActorCell): Promise<void> {
  if (cell.state !== RESTARTING) return
  await stopChildren(cell, 'parentStopped')
  // The new instance never knew the old one's children: drop their notices.
  if (cell.notices !== null) {
    const kept = cell.notices.drain().filter((n) => n.kind === 'terminated')
    for (const n of kept) cell.notices.push(n)
  }
  releaseOwned(cell)
  await callStopped(cell)
  if (cell.state !== RESTARTING) return
  try {
    const started = construct(cell)
    if (started instanceof Promise) await started
  } catch (e) {
    cell.state = RUNNING
    fail(cell, e, 'started')
    return
  }
  if (cell.state !== RESTARTING) return
  cell.typeStats.restarted++
  cell.state = RUNNING
  if (cell.stopRequested !== null) {
    void cell.stopWith(cell.stopRequested, cell.stopError)
    return
  }
  cell.host.dispatcher.schedule(cell)
}
