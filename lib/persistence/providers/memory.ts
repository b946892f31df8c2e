/**
 * The in-memory journal storage: the embedded default. Journals live in this process (one
 * storage per actor system unless an instance is shared) and are lost when it exits.
 */
import {
  checkLimit,
  checkPersistenceId,
  checkSequence,
  checkSnapshot,
  checkWrite,
  conflictError,
  snapshotBeyondEnd,
  staleSnapshot,
  storageClosed,
  type JournalEntry,
  type JournalStorage,
} from '../storage.js'

interface MemoryJournal {
  /** Stored events in sequence order; contiguous, so index = sequence - first sequence. */
  events: JournalEntry[]
  snapshot: JournalEntry | undefined
  highest: number
}

/**
 * A {@link JournalStorage} in process memory. Entries are kept by reference: callers must not
 * change the bytes they wrote or read.
 *
 * @example
 * const storage = new MemoryJournalStorage()
 * const system = await ActorSystem.start({ persistence: { storage } })
 */
export class MemoryJournalStorage implements JournalStorage {
  private readonly journals = new Map<string, MemoryJournal>()
  private readonly watchers = new Map<string, Set<() => void>>()
  private closed = false

  private journal(persistenceId: string): MemoryJournal {
    let j = this.journals.get(persistenceId)
    if (j === undefined) {
      j = { events: [], snapshot: undefined, highest: 0 }
      this.journals.set(persistenceId, j)
    }
    return j
  }

  private open(): void {
    if (this.closed) throw storageClosed('memory')
  }

  async writeEvents(persistenceId: string, expectedSequence: number, entries: readonly JournalEntry[]): Promise<void> {
    this.open()
    checkWrite(persistenceId, expectedSequence, entries)
    const j = this.journal(persistenceId)
    if (j.highest !== expectedSequence) throw conflictError(persistenceId, expectedSequence, j.highest)
    const writtenAt = Date.now()
    for (const e of entries) j.events.push({ sequence: e.sequence, type: e.type, bytes: e.bytes, writtenAt })
    j.highest = expectedSequence + entries.length
    const watchers = this.watchers.get(persistenceId)
    if (watchers !== undefined) queueMicrotask(() => watchers.forEach((w) => w()))
  }

  watch(persistenceId: string, wake: () => void): () => void {
    let set = this.watchers.get(persistenceId)
    if (set === undefined) {
      set = new Set()
      this.watchers.set(persistenceId, set)
    }
    set.add(wake)
    return () => {
      const s = this.watchers.get(persistenceId)
      s?.delete(wake)
      if (s?.size === 0) this.watchers.delete(persistenceId)
    }
  }

  async writeSnapshot(persistenceId: string, entry: JournalEntry): Promise<void> {
    this.open()
    checkSnapshot(persistenceId, entry)
    const j = this.journal(persistenceId)
    if (entry.sequence > j.highest) throw snapshotBeyondEnd(persistenceId, entry.sequence, j.highest)
    if (j.snapshot !== undefined && j.snapshot.sequence > entry.sequence) {
      throw staleSnapshot(persistenceId, entry.sequence, j.snapshot.sequence)
    }
    j.snapshot = entry
  }

  async readLatestSnapshot(persistenceId: string): Promise<JournalEntry | undefined> {
    this.open()
    checkPersistenceId(persistenceId)
    return this.journals.get(persistenceId)?.snapshot
  }

  async readEvents(persistenceId: string, fromSequence: number, toSequence = Infinity, limit = Infinity): Promise<JournalEntry[]> {
    this.open()
    checkSequence(persistenceId, 'fromSequence', fromSequence)
    checkSequence(persistenceId, 'toSequence', toSequence)
    checkLimit(persistenceId, limit)
    const events = this.journals.get(persistenceId)?.events
    if (events === undefined || events.length === 0 || toSequence < fromSequence) return []
    const first = (events[0] as JournalEntry).sequence
    const start = Math.max(0, fromSequence - first)
    const end = Math.min(events.length, toSequence - first + 1, start + limit)
    return start < end ? events.slice(start, end) : []
  }

  async readHighestSequence(persistenceId: string): Promise<number> {
    this.open()
    checkPersistenceId(persistenceId)
    return this.journals.get(persistenceId)?.highest ?? 0
  }

  async deleteEventsTo(persistenceId: string, toSequence: number): Promise<void> {
    this.open()
    checkSequence(persistenceId, 'toSequence', toSequence)
    const j = this.journals.get(persistenceId)
    if (j === undefined || j.events.length === 0) return
    const first = (j.events[0] as JournalEntry).sequence
    const drop = Math.min(j.events.length, toSequence - first + 1)
    if (drop > 0) j.events.splice(0, drop)
  }

  async deleteAll(persistenceId: string): Promise<void> {
    this.open()
    checkPersistenceId(persistenceId)
    const j = this.journals.get(persistenceId)
    if (j === undefined) return
    j.events = []
    j.snapshot = undefined
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
