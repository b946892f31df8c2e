/**
 * `Journal`: one persistent actor's view of its storage. It owns the sequence numbers, runs
 * recovery (latest snapshot, then the events after it), and carries out writes one at a time
 * under the persist policy, with the optimistic check that keeps a second writer out.
 *
 * A write that failed in a way that leaves its outcome unknown (a timeout, a connection lost
 * mid-command) is remembered. Before the next write the journal reads the stored sequence: if
 * the failed batch was stored after all, its events are applied now, so the actor's state
 * always equals what a recovery would rebuild, and a retry never stores a batch twice.
 */
import type { Logger } from '../util/logger.js'
import type { TypeRegistry } from './codec.js'
import { errorText, isPersistenceError, PersistenceError } from './errors.js'
import type { ResolvedPersistPolicy, ResolvedRecoveryPolicy, ResolvedRetryPolicy } from './options.js'
import { retry, RetryEnded, type AttemptFailure, type RetryHooks } from './retry.js'
import { conflictError, regressedError, type JournalEntry, type JournalStorage } from './storage.js'

/** What a recovery found. */
export interface RecoveryInfo {
  readonly persistenceId: string
  /** The last stored sequence; the next event gets this plus one. */
  readonly sequence: number
  /** Sequence of the snapshot recovery started from; 0 when none. */
  readonly snapshotSequence: number
  /** Events applied after the snapshot. */
  readonly eventsReplayed: number
  /** Entries of unknown types passed over (only with `skipUnknownTypes`). */
  readonly entriesSkipped: number
  /** Attempts recovery took (1 when the first succeeded). */
  readonly attempts: number
}

/** @internal How recovery builds state. */
export interface StateBuilder<S> {
  initial(): S
  apply(state: S, event: unknown): S
}

/** @internal */
export interface JournalInit {
  persistenceId: string
  storage: JournalStorage
  types: TypeRegistry
  recovery: ResolvedRecoveryPolicy
  persist: ResolvedPersistPolicy
  recoveryBatchSize: number
  logger: Logger
  /**
   * The highest sequence an earlier incarnation of this actor (before a supervised restart) saw
   * stored; 0 when none. A journal found below it lost data: `JournalRegressed`.
   */
  seen: number
  /** True once retries should end (the system shuts down). */
  aborted(): boolean
  /** Applies stored events to the actor's state, in sequence order. */
  apply(events: readonly unknown[]): void
}

/** A write whose outcome is unknown. */
interface Uncertain {
  events: readonly unknown[]
  expected: number
  entries: JournalEntry[]
}

/** @internal */
export class Journal {
  readonly persistenceId: string
  /** The last stored sequence as far as this journal knows. */
  lastSequence = 0
  /** The sequence of the latest snapshot this journal read or wrote. */
  snapshotSequence = 0
  private readonly init: JournalInit
  private closed = false
  private locked = false
  private readonly lockWaiters: (() => void)[] = []
  private uncertain: Uncertain | null = null
  /** What the running write, snapshot or delete does, for log lines. */
  private what = ''
  /** Built once: writes are the hot path and are serialized, so one set of hooks serves all. */
  private readonly policyHooks: RetryHooks

  constructor(init: JournalInit) {
    this.init = init
    this.persistenceId = init.persistenceId
    this.policyHooks = {
      // What a storage throws that is not a PersistenceError is a storage failure.
      retryable: (e) => !(e instanceof PersistenceError) || e.code === 'StorageFailed',
      aborted: () => this.closed || init.aborted(),
      onFailure: (e, f) => {
        if (f.willRetry) init.logger.warn({ persistenceId: this.persistenceId, attempt: f.attempt, err: e }, `${this.what} failed; retrying`)
      },
    }
  }

  close(): void {
    this.closed = true
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Rebuilds state under the recovery policy. Rejects with `RecoveryFailed` whose cause is the
   * last failure; only `StorageFailed` failures are retried.
   */
  async recover<S>(builder: StateBuilder<S>, onFailure: (e: PersistenceError, f: AttemptFailure) => void | Promise<void>): Promise<{ state: S; info: RecoveryInfo }> {
    const policy = this.init.recovery.kind === 'retry' ? this.init.recovery : null
    try {
      return await retry(policy, (attempt) => this.recoverOnce(builder, attempt), {
        retryable: (e) => isPersistenceError(e, 'StorageFailed'),
        aborted: this.init.aborted,
        onFailure: async (e, f) => {
          const err = this.wrap(e, 'recovery')
          this.init.logger.warn({ persistenceId: this.persistenceId, attempt: f.attempt, willRetry: f.willRetry, err }, 'recovery attempt failed')
          await onFailure(err, f)
        },
      })
    } catch (e) {
      const ended = e as RetryEnded
      const last = this.wrap(ended.last, 'recovery')
      throw new PersistenceError('RecoveryFailed', `recovery failed after ${ended.attempts} attempt(s): ${last.code}: ${last.detail}`, {
        persistenceId: this.persistenceId,
        cause: last,
      })
    }
  }

  private async recoverOnce<S>(builder: StateBuilder<S>, attempt: number): Promise<{ state: S; info: RecoveryInfo }> {
    const { storage, types, recoveryBatchSize, logger } = this.init
    const pid = this.persistenceId
    const skip = types.settings.skipUnknownTypes
    const highest = await this.call('reading the last sequence', () => storage.readHighestSequence(pid))
    const snap = await this.call('reading the latest snapshot', () => storage.readLatestSnapshot(pid))
    const found = Math.max(highest, snap?.sequence ?? 0)
    if (found < this.init.seen) throw regressedError(pid, this.init.seen, found)
    let state = userCode(pid, 'initialState()', undefined, () => builder.initial())
    let snapshotSequence = 0
    let skipped = 0
    if (snap !== undefined) {
      if (snap.type === types.settings.snapshotType) {
        state = types.decodeSnapshot(pid, snap.sequence, snap.bytes) as S
        snapshotSequence = snap.sequence
      } else if (skip) {
        skipped++
        logger.warn({ persistenceId: pid, type: snap.type, sequence: snap.sequence }, 'skipping a snapshot of unknown type')
      } else {
        throw new PersistenceError('UnknownType', `the snapshot is stored as type '${snap.type}' but this actor's snapshot type is '${types.settings.snapshotType}'`, {
          persistenceId: pid,
          sequence: snap.sequence,
        })
      }
    }
    // With a snapshot the next event must follow it; without one, events deleted from the front
    // (deleteAll, deleteEventsTo) are simply gone and recovery starts from the first that remains.
    let next = snapshotSequence > 0 ? snapshotSequence + 1 : -1
    let replayed = 0
    for (let from = snapshotSequence + 1; from <= highest; ) {
      const entries = await this.call(`reading events from ${from}`, () => storage.readEvents(pid, from, highest, recoveryBatchSize))
      if (entries.length === 0) break
      for (const e of entries) {
        if (next !== -1 && e.sequence !== next) {
          throw new PersistenceError('Corrupted', `events ${next}..${e.sequence - 1} are missing from the journal`, { persistenceId: pid, sequence: next })
        }
        next = e.sequence + 1
        const codec = types.codecFor(e.type)
        if (codec === undefined) {
          if (skip) {
            skipped++
            logger.warn({ persistenceId: pid, type: e.type, sequence: e.sequence }, 'skipping an event of unknown type')
            continue
          }
          throw new PersistenceError('UnknownType', `event type '${e.type}' is not declared in persistence.events (set skipUnknownTypes to pass over it)`, {
            persistenceId: pid,
            sequence: e.sequence,
          })
        }
        const event = types.decodeEvent(pid, e.sequence, e.type, e.bytes, codec)
        state = userCode(pid, `applyEvent() on '${e.type}'`, e.sequence, () => builder.apply(state, event))
        replayed++
      }
      from = next
    }
    if (next !== -1 && next <= highest) {
      throw new PersistenceError('Corrupted', `events ${next}..${highest} are missing from the journal`, { persistenceId: pid, sequence: next })
    }
    this.lastSequence = Math.max(highest, snapshotSequence)
    this.snapshotSequence = snapshotSequence
    this.uncertain = null
    return {
      state,
      info: { persistenceId: pid, sequence: this.lastSequence, snapshotSequence, eventsReplayed: replayed, entriesSkipped: skipped, attempts: attempt },
    }
  }

  // ---------------------------------------------------------------- writes

  /**
   * Stores `events` after the last sequence under the persist policy and applies them (through
   * `init.apply`) before the next write starts. Resolves with the new last sequence.
   */
  async write(events: readonly unknown[]): Promise<number> {
    this.open()
    const pid = this.persistenceId
    const encoded = events.map((e) => this.init.types.encodeEvent(pid, e))
    await this.lock()
    try {
      // Events of an earlier write found stored after all; applied before this write's events.
      let earlier: readonly unknown[] | null = null
      const policy = this.init.persist.kind === 'retry' ? this.init.persist : null
      try {
        await this.withPolicy(policy, `persisting ${events.length} event(s)`, async () => {
          if (this.uncertain !== null) {
            const settled = await this.settle()
            if (settled === events) return
            if (settled !== null) earlier = settled
          }
          const expected = this.lastSequence
          const entries = encoded.map((x, i): JournalEntry => ({ sequence: expected + i + 1, type: x.type, bytes: x.bytes }))
          try {
            await this.init.storage.writeEvents(pid, expected, entries)
          } catch (e) {
            // A journal that ends below what this actor saw stored lost data: not a second writer.
            if (isPersistenceError(e, 'Conflict') && e.found !== undefined && e.found < expected) throw regressedError(pid, expected, e.found, e)
            const err = this.wrap(e, `writing events ${expected + 1}..${expected + entries.length}`)
            if (err.code === 'StorageFailed') this.uncertain = { events, expected, entries }
            throw err
          }
          this.lastSequence = expected + entries.length
        })
      } finally {
        // Actor code runs outside the retry loop: what applyEvent throws is not a storage failure.
        if (earlier !== null) this.init.apply(earlier)
      }
      this.init.apply(events)
      return this.lastSequence
    } finally {
      this.unlock()
    }
  }

  /**
   * Finds out whether the uncertain write was stored. Stored: advances the sequence and returns
   * its events (for the caller to apply). Not stored: returns null. Someone else wrote: rejects
   * with `Conflict`.
   */
  private async settle(): Promise<readonly unknown[] | null> {
    const u = this.uncertain as Uncertain
    const pid = this.persistenceId
    const n = u.entries.length
    const highest = await this.call('reading the last sequence', () => this.init.storage.readHighestSequence(pid))
    if (highest === u.expected) {
      this.uncertain = null
      return null
    }
    if (highest >= u.expected + n) {
      const stored = await this.call('reading back an uncertain write', () => this.init.storage.readEvents(pid, u.expected + 1, u.expected + n))
      if (sameEntries(stored, u.entries)) {
        this.uncertain = null
        this.lastSequence = u.expected + n
        this.init.logger.info({ persistenceId: pid, from: u.expected + 1, to: u.expected + n }, 'a write whose outcome was unknown had been stored')
        return u.events
      }
    }
    this.uncertain = null
    if (highest < u.expected) throw regressedError(pid, u.expected, highest)
    throw conflictError(pid, u.expected, highest)
  }

  /** Stores a snapshot of `state` at the current last sequence. Resolves with that sequence. */
  async snapshot(state: unknown): Promise<number> {
    this.open()
    const pid = this.persistenceId
    // Capture state and sequence together: a write still in flight is in neither.
    const sequence = this.lastSequence
    const { type, bytes } = this.init.types.encodeSnapshot(pid, state)
    await this.lock()
    try {
      await this.withPolicy(this.retryPolicy(), `writing the snapshot at ${sequence}`, () =>
        this.init.storage.writeSnapshot(pid, { sequence, type, bytes }),
      )
      this.snapshotSequence = Math.max(this.snapshotSequence, sequence)
      return sequence
    } finally {
      this.unlock()
    }
  }

  /** Deletes events up to `sequence` (inclusive); only events a snapshot covers may go. */
  async deleteEventsTo(sequence: number): Promise<void> {
    this.open()
    const pid = this.persistenceId
    if (!(Number.isSafeInteger(sequence) && sequence >= 0)) {
      throw new PersistenceError('InvalidArgument', `deleteEventsTo needs an integer >= 0 (got ${String(sequence)})`, { persistenceId: pid })
    }
    if (sequence > this.snapshotSequence) {
      throw new PersistenceError(
        'InvalidArgument',
        `deleteEventsTo(${sequence}) would delete events no snapshot covers (latest snapshot: ${this.snapshotSequence}); take a snapshot first`,
        { persistenceId: pid, sequence },
      )
    }
    await this.lock()
    try {
      await this.withPolicy(this.retryPolicy(), `deleting events to ${sequence}`, () => this.init.storage.deleteEventsTo(pid, sequence))
    } finally {
      this.unlock()
    }
  }

  /** Deletes every event and snapshot; sequence numbers go on from the last one. */
  async deleteAll(): Promise<void> {
    this.open()
    await this.lock()
    try {
      await this.withPolicy(this.retryPolicy(), 'deleting the journal', () => this.init.storage.deleteAll(this.persistenceId))
      this.snapshotSequence = 0
    } finally {
      this.unlock()
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Snapshots and deletes retry like persists, but never stop the actor. */
  private retryPolicy(): ResolvedRetryPolicy | null {
    return this.init.persist.kind === 'retry' ? this.init.persist : null
  }

  /** Runs `op` under `policy` and turns the outcome into the error the caller sees. */
  private async withPolicy(policy: ResolvedRetryPolicy | null, what: string, op: () => Promise<void>): Promise<void> {
    this.what = what
    try {
      await retry(policy, op, this.policyHooks)
    } catch (e) {
      const ended = e as RetryEnded
      const last = this.wrap(ended.last, what)
      if (policy === null || last.code !== 'StorageFailed') throw last
      const why = ended.exhausted ? `after ${ended.attempts} attempt(s)` : 'because the actor stopped or the system is shutting down'
      throw new PersistenceError('PersistFailed', `${what} gave up ${why}: ${last.detail}`, { persistenceId: this.persistenceId, cause: last })
    }
  }

  /** A storage call with its failure described; storage errors become `StorageFailed`. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.open()
    try {
      return await fn()
    } catch (e) {
      throw this.wrap(e, what)
    }
  }

  private wrap(e: unknown, what: string): PersistenceError {
    if (e instanceof PersistenceError) return e
    return new PersistenceError('StorageFailed', `${what} failed: ${errorText(e)}`, { persistenceId: this.persistenceId, cause: e })
  }

  private open(): void {
    if (this.closed) throw new PersistenceError('Closed', 'the journal is closed (the actor stopped)', { persistenceId: this.persistenceId })
  }

  private async lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true
      return
    }
    await new Promise<void>((resolve) => this.lockWaiters.push(resolve))
  }

  private unlock(): void {
    const next = this.lockWaiters.shift()
    if (next !== undefined) next()
    else this.locked = false
  }
}

/** Runs actor code during recovery; what it throws becomes a non-retryable `RecoveryFailed`. */
function userCode<T>(persistenceId: string, what: string, sequence: number | undefined, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw new PersistenceError('RecoveryFailed', `${what} threw: ${errorText(e)}`, { persistenceId, sequence, cause: e })
  }
}

function sameEntries(a: readonly JournalEntry[], b: readonly JournalEntry[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as JournalEntry
    const y = b[i] as JournalEntry
    if (x.sequence !== y.sequence || x.type !== y.type || !sameBytes(x.bytes, y.bytes)) return false
  }
  return true
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}
