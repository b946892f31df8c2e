/**
 * The id directory: which thread hosts each top-level or named actor. It is the authority for
 * unique ids and for lookups from any thread. `ActorDirectory` is the contract (a cluster-wide
 * directory can replace it later); `PlacementTable` is the in-process one the main thread keeps.
 */
import type { PlacedSpawnRecord } from '../actor/spawn-record.js'
import type { RestartHistory } from '../actor/supervision.js'

/** One actor the directory knows. */
export interface DirectoryEntry {
  readonly id: string
  readonly actorType: string
  readonly path: string
  readonly thread: number
  /** A named actor (found by `actorOf`); anonymous top-level actors are recorded too. */
  readonly tracked: boolean
  readonly parentId: string | null
  /** How to build it again after its worker died (top-level actors placed on workers), else null. */
  respawn: PlacedSpawnRecord | null
  /** Its restarts after worker losses (limited by `respawn.supervision`); null before the first. */
  restarts: RestartHistory | null
}

export interface ActorDirectory {
  /** The entry holding `id`, if any. */
  lookup(id: string): DirectoryEntry | undefined
  /** Claims `entry.id` for `entry`; false (and nothing changes) when the id is taken. */
  reserve(entry: DirectoryEntry): boolean
  /** Records `entry`, replacing whatever held its id (an actor restored on a replacement worker). */
  record(entry: DirectoryEntry): void
  /** Frees `id` when `thread` still hosts it (a late release from a replaced worker changes nothing). */
  release(id: string, thread: number): void
  /** Frees `entry.id` when the directory still holds this very entry (its spawn failed). */
  forget(entry: DirectoryEntry): void
  /** Removes and returns every entry on `thread` (its worker died). */
  evict(thread: number): DirectoryEntry[]
  /** Every top-level entry. */
  roots(): DirectoryEntry[]
}

/** The main thread's in-process directory: a map by id. */
export class PlacementTable implements ActorDirectory {
  private readonly entries = new Map<string, DirectoryEntry>()

  lookup(id: string): DirectoryEntry | undefined {
    return this.entries.get(id)
  }

  reserve(entry: DirectoryEntry): boolean {
    if (this.entries.has(entry.id)) return false
    this.entries.set(entry.id, entry)
    return true
  }

  record(entry: DirectoryEntry): void {
    this.entries.set(entry.id, entry)
  }

  release(id: string, thread: number): void {
    if (this.entries.get(id)?.thread === thread) this.entries.delete(id)
  }

  forget(entry: DirectoryEntry): void {
    if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id)
  }

  evict(thread: number): DirectoryEntry[] {
    const lost = [...this.entries.values()].filter((e) => e.thread === thread)
    for (const e of lost) this.entries.delete(e.id)
    return lost
  }

  roots(): DirectoryEntry[] {
    return [...this.entries.values()].filter((e) => e.parentId === null)
  }
}
