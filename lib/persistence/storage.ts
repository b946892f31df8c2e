/**
 * The storage seam: the `JournalStorage` interface every provider implements, the stored entry
 * shape, and the argument checks and errors the providers share so they agree on semantics.
 */
import { PersistenceError } from './errors.js'

/**
 * One stored event or snapshot: its sequence number, the type name it was stored under and the
 * encoded bytes. A snapshot's sequence is the sequence of the last event it includes.
 */
export interface JournalEntry {
  readonly sequence: number
  readonly type: string
  readonly bytes: Uint8Array
  /**
   * When the storage stored the event, ms since the epoch. Set on events read back by providers
   * that record it (all built-in ones); ignored on writes and on snapshots.
   */
  readonly writtenAt?: number
}

/**
 * Where journals live. One storage serves many persistence ids. Every method is async (so a
 * storage can sit behind a thread or network boundary) and rejects rather than throws.
 *
 * Semantics every provider keeps (the contract tests check them against each provider):
 * - Sequences start at 1 and are contiguous per persistence id. The storage remembers the
 *   highest sequence ever written, even after events are deleted, so numbers are never reused.
 * - {@link JournalStorage.writeEvents} is atomic and optimistic: it appends all entries or none,
 *   and only when the highest stored sequence equals `expectedSequence`; otherwise it rejects
 *   with a `Conflict` {@link PersistenceError} and writes nothing.
 * - Only the latest snapshot is kept.
 * - Ranges are inclusive at both ends.
 */
export interface JournalStorage {
  /**
   * Appends `entries` (sequences `expectedSequence + 1`, `+ 2`, ...) atomically. Rejects with
   * `Conflict` when the highest stored sequence is not `expectedSequence`, with
   * `InvalidArgument` for an empty or non-contiguous batch.
   */
  writeEvents(persistenceId: string, expectedSequence: number, entries: readonly JournalEntry[]): Promise<void>
  /**
   * Stores a snapshot and drops older ones. Rejects with `InvalidArgument` when its sequence is
   * above the highest stored sequence, and with `Conflict` when a newer snapshot is stored.
   */
  writeSnapshot(persistenceId: string, entry: JournalEntry): Promise<void>
  /** The latest snapshot, or undefined. */
  readLatestSnapshot(persistenceId: string): Promise<JournalEntry | undefined>
  /**
   * Stored events with `fromSequence <= sequence <= toSequence` in sequence order, at most
   * `limit` of them (the lowest). Defaults: `toSequence` Infinity, `limit` Infinity.
   */
  readEvents(persistenceId: string, fromSequence: number, toSequence?: number, limit?: number): Promise<JournalEntry[]>
  /** The highest sequence ever written for this id (0 when none), deleted events included. */
  readHighestSequence(persistenceId: string): Promise<number>
  /** Deletes events with `sequence <= toSequence` (inclusive). Snapshots are kept. */
  deleteEventsTo(persistenceId: string, toSequence: number): Promise<void>
  /** Deletes every event and snapshot. The highest sequence is kept, so numbers are not reused. */
  deleteAll(persistenceId: string): Promise<void>
  /** Releases connections. Later calls reject with `Closed`. Idempotent. */
  close(): Promise<void>
  /**
   * Optional: calls `wake` (soon) after events of `persistenceId` were written, so live event
   * queries need not wait for their next poll. Wakes may be spurious or coalesced; readers
   * always read the journal again. Returns the function that stops the watch.
   */
  watch?(persistenceId: string, wake: () => void): () => void
}

/** True when `v` looks like a {@link JournalStorage} (used to tell instances from configs). */
export function isJournalStorage(v: unknown): v is JournalStorage {
  if (v === null || typeof v !== 'object') return false
  const o = v as Record<string, unknown>
  return (
    typeof o['writeEvents'] === 'function' &&
    typeof o['writeSnapshot'] === 'function' &&
    typeof o['readLatestSnapshot'] === 'function' &&
    typeof o['readEvents'] === 'function' &&
    typeof o['readHighestSequence'] === 'function' &&
    typeof o['deleteEventsTo'] === 'function' &&
    typeof o['deleteAll'] === 'function' &&
    typeof o['close'] === 'function'
  )
}

// ------------------------------------------------------------------ shared checks

const isSequence = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0

function invalid(persistenceId: string, message: string): PersistenceError {
  return new PersistenceError('InvalidArgument', message, { persistenceId })
}

/** @internal Checks a persistence id. */
export function checkPersistenceId(persistenceId: unknown): asserts persistenceId is string {
  if (typeof persistenceId !== 'string' || persistenceId.length === 0) {
    throw new PersistenceError('InvalidArgument', `persistenceId must be a non-empty string (got ${JSON.stringify(persistenceId)})`)
  }
}

function checkEntry(persistenceId: string, e: JournalEntry, what: string): void {
  if (e === null || typeof e !== 'object') throw invalid(persistenceId, `${what} must be an object`)
  if (!isSequence(e.sequence)) throw invalid(persistenceId, `${what}.sequence must be an integer >= 0 (got ${String(e.sequence)})`)
  if (typeof e.type !== 'string' || e.type.length === 0) throw invalid(persistenceId, `${what}.type must be a non-empty string`)
  if (!(e.bytes instanceof Uint8Array)) throw invalid(persistenceId, `${what}.bytes must be a Uint8Array`)
}

/** @internal Checks a batch for {@link JournalStorage.writeEvents}; every provider calls it first. */
export function checkWrite(persistenceId: string, expectedSequence: number, entries: readonly JournalEntry[]): void {
  checkPersistenceId(persistenceId)
  if (!isSequence(expectedSequence)) {
    throw invalid(persistenceId, `expectedSequence must be an integer >= 0 (got ${String(expectedSequence)})`)
  }
  if (!Array.isArray(entries) || entries.length === 0) throw invalid(persistenceId, 'a write needs at least one event')
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as JournalEntry
    checkEntry(persistenceId, e, `events[${i}]`)
    if (e.sequence !== expectedSequence + i + 1) {
      throw invalid(persistenceId, `events must be contiguous after ${expectedSequence}: events[${i}] has sequence ${e.sequence}, expected ${expectedSequence + i + 1}`)
    }
  }
}

/** @internal Checks a snapshot for {@link JournalStorage.writeSnapshot}. */
export function checkSnapshot(persistenceId: string, entry: JournalEntry): void {
  checkPersistenceId(persistenceId)
  checkEntry(persistenceId, entry, 'snapshot')
}

/** @internal Checks a sequence argument (`fromSequence`, `toSequence`). */
export function checkSequence(persistenceId: string, name: string, value: number): void {
  checkPersistenceId(persistenceId)
  if (!(isSequence(value) || value === Infinity)) throw invalid(persistenceId, `${name} must be an integer >= 0 (got ${String(value)})`)
}

/** @internal Checks the `limit` of a read. */
export function checkLimit(persistenceId: string, limit: number): void {
  if (!((Number.isSafeInteger(limit) && limit > 0) || limit === Infinity)) {
    throw invalid(persistenceId, `limit must be a positive integer (got ${String(limit)})`)
  }
}

/** @internal The error every provider gives for a failed optimistic check. */
export function conflictError(persistenceId: string, expected: number, actual: number): PersistenceError {
  return new PersistenceError(
    'Conflict',
    `another writer appended to the journal: expected the last sequence to be ${expected}, found ${actual}`,
    { persistenceId, sequence: expected + 1, expected, found: actual },
  )
}

/**
 * @internal The error for a journal found below what its writer saw stored: data was lost.
 * `seen` is the writer's last sequence, `found` the storage's highest.
 */
export function regressedError(persistenceId: string, seen: number, found: number, cause?: unknown): PersistenceError {
  return new PersistenceError(
    'JournalRegressed',
    `the journal's highest sequence is ${found} but this actor already saw ${seen} stored: the storage lost data ` +
      '(e.g. Redis restarted without AOF, a database restored from an older backup); the actor stops instead of starting over',
    { persistenceId, expected: seen, found, cause },
  )
}

/** @internal The error for a snapshot beyond the journal's end. */
export function snapshotBeyondEnd(persistenceId: string, sequence: number, highest: number): PersistenceError {
  return new PersistenceError('InvalidArgument', `snapshot at sequence ${sequence} is beyond the journal's last sequence ${highest}`, {
    persistenceId,
    sequence,
  })
}

/** @internal The error for a snapshot older than the stored one. */
export function staleSnapshot(persistenceId: string, sequence: number, stored: number): PersistenceError {
  return new PersistenceError('Conflict', `a newer snapshot (sequence ${stored}) is already stored`, { persistenceId, sequence })
}

/** @internal The error of any call on a closed storage. */
export function storageClosed(provider: string): PersistenceError {
  return new PersistenceError('Closed', `the ${provider} journal storage is closed`)
}
