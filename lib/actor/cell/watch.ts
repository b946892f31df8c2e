/**
 * Death watch for an `ActorCell`, both ways: the listeners watching this cell (told once, with
 * the `Terminated` notice, when it stops; a late one is told at once) and the targets this cell
 * watches (their notices arrive on its system lane; all are unwatched when it stops).
 */
import type { ActorCell } from '../cell.js'
import type { MessageTarget, TerminationListener } from '../target.js'
import type { Terminated } from '../terminated.js'

/** Registers `listener` for the cell's stop; called at once if it already stopped. */
export function addWatcher(cell: ActorCell, listener: TerminationListener): void {
  if (cell.terminated !== null) {
    listener.onTargetTerminated(cell.terminated)
    return
  }
  cell.watchers.add(listener)
}

/** Records the cell's `Terminated` notice (for late watchers) and tells every watcher once. */
export function notifyWatchers(cell: ActorCell, notice: Terminated): void {
  cell.terminated = notice
  if (cell.watcherSet === null) return
  const watchers = [...cell.watcherSet]
  cell.watcherSet = null
  for (const w of watchers) w.onTargetTerminated(notice)
}

/** The cell as a watcher: `notice` goes to its system lane, for `onTerminated`. */
export function targetTerminated(cell: ActorCell, notice: Terminated): void {
  const watching = cell.watchingSet
  if (watching !== null) {
    for (const t of watching) {
      if (t.id === notice.id) watching.delete(t)
    }
  }
  cell.pushSystem({ kind: 'terminated', notice })
}

export function watch(cell: ActorCell, target: MessageTarget): void {
  if (cell.watching.has(target)) return
  cell.watching.add(target)
  target.addWatcher(cell)
}

export function unwatch(cell: ActorCell, target: MessageTarget): void {
  if (cell.watchingSet === null || !cell.watchingSet.delete(target)) return
  target.removeWatcher(cell)
}

/** The cell stopped: it watches nothing any more. */
export function unwatchAll(cell: ActorCell): void {
  const watching = cell.watchingSet
  if (watching === null) return
  cell.watchingSet = null
  for (const target of watching) target.removeWatcher(cell)
}
