/**
 * What a thread does when a peer thread dies, or a whole other node is lost: every ask, watch
 * and parent/child link that depended on it is failed at once rather than left to time out.
 */
import { ActorRefError, type ActorErrorCode } from '../../actor/errors.js'
import type { TerminationReason } from '../../actor/terminated.js'
import type { ThreadRouter } from '../router.js'
import { PeerParent } from '../thread-target.js'
import { slotOfPeer, type PeerId } from '../transport/frames.js'

/** What was lost: which peers it covers, and how their loss is reported. */
interface Loss {
  covers(peer: PeerId): boolean
  code: ActorErrorCode
  reason: TerminationReason
  /** Says what failed, and why (the message of each error). */
  why(what: string): string
}

/**
 * Thread `thread` died: its asks in flight reject with `WorkerLost`, watches on its actors end
 * with `Terminated(workerLost)`, its watchers are forgotten, children whose parent lived there
 * stop, and parents here hear that their children there are gone.
 */
export function failPeer(r: ThreadRouter, thread: number): void {
  r.lostThreads.add(thread)
  fail(r, {
    covers: (peer) => peer === thread,
    code: 'WorkerLost',
    reason: 'workerLost',
    why: (what) => `${what}: the worker thread ${thread} hosting the actor died`,
  })
  r.peers.link(thread)?.kill(lostError('WorkerLost', `send failed: the worker thread ${thread} died`, { id: '?', actorType: '?' }))
}

/**
 * The node behind `slot` is down or left the cluster: as for a dead thread, for every thread
 * of it at once, with `NodeUnreachable` and `Terminated(nodeLost)`. Its slot is never served
 * again (a restarted node is a new incarnation with a new slot).
 */
export function failNode(r: ThreadRouter, slot: number, reason: string): void {
  r.peers.markNodeLost(slot, reason)
  const node = r.peers.nodeOfSlot(slot)
  const name = node === undefined ? `slot ${slot}` : `${node.id}#${node.incarnation}`
  fail(r, {
    covers: (peer) => slotOfPeer(peer) === slot,
    code: 'NodeUnreachable',
    reason: 'nodeLost',
    why: (what) => `${what}: node ${name} hosting the actor is ${reason}`,
  })
}

function lostError(code: ActorErrorCode, message: string, a: { id: string; actorType: string }, handler?: string): ActorRefError {
  return new ActorRefError(code, message, { actorId: a.id, actorType: a.actorType, ...(handler !== undefined ? { handler } : {}) })
}

function fail(r: ThreadRouter, loss: Loss): void {
  for (const p of [...r.pending.values()]) {
    if (loss.covers(p.thread)) p.reject(lostError(loss.code, loss.why('no reply'), p.subjectInfo, p.handlerName))
  }
  for (const watchId of [...r.watches.keys()]) {
    const w = r.watches.get(watchId)
    if (w !== undefined && loss.covers(w.thread)) deliverLost(r, watchId, loss.reason, lostError(loss.code, loss.why('watch ended'), w.target))
  }
  for (const [key, w] of [...r.remoteWatchers]) {
    if (loss.covers(w.watcher.thread)) {
      r.remoteWatchers.delete(key)
      w.cell.removeWatcher(w.watcher)
    }
  }
  for (const cell of [...r.remoteChildren]) {
    const parent = cell.parent
    if (parent instanceof PeerParent && loss.covers(parent.peer)) {
      r.remoteChildren.delete(cell)
      parent.markLost()
      void cell.stopWith('parentStopped', undefined)
    }
  }
  for (const [key, { child, parent }] of [...r.remoteChildLinks]) {
    if (!loss.covers(child.peer)) continue
    r.remoteChildLinks.delete(key)
    child.markStopped()
    parent.childStopped(child, {
      id: child.id,
      path: child.path,
      actorType: child.actorType,
      reason: loss.reason,
      error: lostError(loss.code, loss.why('child lost'), child),
      ref: child.self,
    })
  }
}

/** Ends the watch `watchId` on a lost actor with `Terminated(reason)` (a dead thread's by default). */
export function deliverLost(
  r: ThreadRouter,
  watchId: number,
  reason: TerminationReason = 'workerLost',
  error?: ActorRefError,
): void {
  const w = r.watches.get(watchId)
  if (w === undefined) return
  r.watches.delete(watchId)
  w.target.markStopped()
  w.listener.onTargetTerminated({
    id: w.target.id,
    path: w.target.path,
    actorType: w.target.actorType,
    reason,
    error: error ?? new ActorRefError('WorkerLost', `worker thread ${w.thread} died`, { actorId: w.target.id, actorType: w.target.actorType }),
    ref: w.target.self,
  })
}
