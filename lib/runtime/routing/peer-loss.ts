/**
 * What a thread does when a peer thread dies: every ask, watch and parent/child link that
 * depended on it is failed at once rather than left to time out.
 */
import { ActorRefError } from '../../actor/errors.js'
import type { ThreadRouter } from '../router.js'
import { PeerParent } from '../thread-target.js'

/**
 * Thread `thread` died: its asks in flight reject with `WorkerLost`, watches on its actors end
 * with `Terminated(workerLost)`, its watchers are forgotten, children whose parent lived there
 * stop, and parents here hear that their children there are gone.
 */
export function failPeer(r: ThreadRouter, thread: number): void {
  r.lostThreads.add(thread)
  const lost = (what: string, a: { id: string; actorType: string }, handler?: string): ActorRefError =>
    new ActorRefError('WorkerLost', `${what}: the worker thread ${thread} hosting the actor died`, {
      actorId: a.id,
      actorType: a.actorType,
      ...(handler !== undefined ? { handler } : {}),
    })
  r.peers.link(thread)?.kill(lost('send failed', { id: '?', actorType: '?' }))
  for (const p of [...r.pending.values()]) {
    if (p.thread === thread) p.reject(lost('no reply', p.subjectInfo, p.handlerName))
  }
  for (const watchId of [...r.watches.keys()]) {
    if (r.watches.get(watchId)?.thread === thread) deliverLost(r, watchId)
  }
  for (const [key, w] of [...r.remoteWatchers]) {
    if (key.startsWith(`${thread}:`)) {
      r.remoteWatchers.delete(key)
      w.cell.removeWatcher(w.watcher)
    }
  }
  for (const cell of [...r.remoteChildren]) {
    const parent = cell.parent
    if (parent instanceof PeerParent && parent.peer === thread) {
      r.remoteChildren.delete(cell)
      parent.markLost()
      void cell.stopWith('parentStopped', undefined)
    }
  }
  for (const [key, { child, parent }] of [...r.remoteChildLinks]) {
    if (child.peer !== thread) continue
    r.remoteChildLinks.delete(key)
    child.markStopped()
    parent.childStopped(child, {
      id: child.id,
      path: child.path,
      actorType: child.actorType,
      reason: 'workerLost',
      error: lost('child lost', child),
      ref: child.self,
    })
  }
}

/** Ends the watch `watchId` on a lost thread's actor with `Terminated(workerLost)`. */
export function deliverLost(r: ThreadRouter, watchId: number): void {
  const w = r.watches.get(watchId)
  if (w === undefined) return
  r.watches.delete(watchId)
  w.target.markStopped()
  w.listener.onTargetTerminated({
    id: w.target.id,
    path: w.target.path,
    actorType: w.target.actorType,
    reason: 'workerLost',
    error: new ActorRefError('WorkerLost', `worker thread ${w.thread} died`, { actorId: w.target.id, actorType: w.target.actorType }),
    ref: w.target.self,
  })
}
