// Shared test fixtures for the persistence tests: a bank-account style persistent actor, a
// storage wrapper that injects failures, and small polling helpers.
import {
  MemoryJournalStorage,
  PersistentActor,
  type JournalEntry,
  type JournalStorage,
  type PersistentActorOptions,
  type RecoveryInfo,
} from '../../lib/index.js'

export type AccountEvent = { type: 'Deposited'; amount: number } | { type: 'Withdrawn'; amount: number }

export interface AccountState {
  balance: number
  /** Amounts in the order applied: shows order and duplicates, not only the sum. */
  log: number[]
}

/** A persistent bank account; every handler a test needs to drive the persistence API. */
export class Account extends PersistentActor<AccountState, AccountEvent> {
  static override persistence: PersistentActorOptions<AccountEvent, AccountState> = {
    events: ['Deposited', 'Withdrawn'],
    snapshot: { type: 'AccountState' },
  }

  recoveredWith: RecoveryInfo | null = null

  protected override initialState(): AccountState {
    return { balance: 0, log: [] }
  }

  protected override applyEvent(state: AccountState, e: AccountEvent): AccountState {
    const delta = e.type === 'Deposited' ? e.amount : -e.amount
    return { balance: state.balance + delta, log: [...state.log, delta] }
  }

  protected override recovered(info: RecoveryInfo): void {
    this.recoveredWith = info
  }

  async deposit(amount: number): Promise<number> {
    await this.persist({ type: 'Deposited', amount })
    return this.state.balance
  }

  async withdraw(amount: number): Promise<number> {
    if (amount > this.state.balance) throw new Error('insufficient funds')
    await this.persist({ type: 'Withdrawn', amount })
    return this.state.balance
  }

  /** Returns the sequence of the last event. */
  async depositAll(amounts: number[]): Promise<number> {
    return this.persistAll(amounts.map((amount): AccountEvent => ({ type: 'Deposited', amount })))
  }

  read(): AccountState & { sequence: number } {
    return { ...this.state, sequence: this.lastSequence }
  }

  recovery(): RecoveryInfo | null {
    return this.recoveredWith
  }

  async takeSnapshot(): Promise<number> {
    return this.snapshot()
  }

  async trim(to: number): Promise<void> {
    await this.deleteEventsTo(to)
  }

  async wipe(): Promise<void> {
    await this.deleteAll()
  }

  fail(message: string): never {
    throw new Error(message)
  }
}

type Op = keyof JournalStorage

interface Fault {
  op: Op
  times: number
  /** Run the real operation first, then fail: a write whose caller cannot know it happened. */
  afterApplying: boolean
  error: () => Error
}

/**
 * A {@link JournalStorage} that forwards to another and fails chosen operations on demand.
 * Faults are consumed in order per operation.
 */
export class FaultyStorage implements JournalStorage {
  readonly calls: Record<string, number> = {}
  private faults: Fault[] = []
  /** While set, every read waits for it (to hold recovery open). */
  gate: Promise<void> | null = null

  constructor(readonly inner: JournalStorage = new MemoryJournalStorage()) {}

  /** The next `times` calls of `op` fail (after running when `afterApplying`). */
  fail(op: Op, times = 1, options: { afterApplying?: boolean; message?: string } = {}): this {
    const message = options.message ?? `injected ${op} failure`
    this.faults.push({ op, times, afterApplying: options.afterApplying ?? false, error: () => new Error(message) })
    return this
  }

  /** Removes every pending fault. */
  heal(): void {
    this.faults = []
  }

  private async run<T>(op: Op, real: () => Promise<T>): Promise<T> {
    this.calls[op] = (this.calls[op] ?? 0) + 1
    if (this.gate !== null && op.startsWith('read')) await this.gate
    const fault = this.faults.find((f) => f.op === op)
    if (fault === undefined) return real()
    if (--fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault)
    if (fault.afterApplying) await real()
    throw fault.error()
  }

  writeEvents(id: string, expected: number, entries: readonly JournalEntry[]): Promise<void> {
    return this.run('writeEvents', () => this.inner.writeEvents(id, expected, entries))
  }
  writeSnapshot(id: string, entry: JournalEntry): Promise<void> {
    return this.run('writeSnapshot', () => this.inner.writeSnapshot(id, entry))
  }
  readLatestSnapshot(id: string): Promise<JournalEntry | undefined> {
    return this.run('readLatestSnapshot', () => this.inner.readLatestSnapshot(id))
  }
  readEvents(id: string, from: number, to?: number, limit?: number): Promise<JournalEntry[]> {
    return this.run('readEvents', () => this.inner.readEvents(id, from, to, limit))
  }
  readHighestSequence(id: string): Promise<number> {
    return this.run('readHighestSequence', () => this.inner.readHighestSequence(id))
  }
  deleteEventsTo(id: string, to: number): Promise<void> {
    return this.run('deleteEventsTo', () => this.inner.deleteEventsTo(id, to))
  }
  deleteAll(id: string): Promise<void> {
    return this.run('deleteAll', () => this.inner.deleteAll(id))
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

/** A promise and the function that resolves it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** An entry with msgpack-free bytes, for storage-level tests. */
export function entry(sequence: number, type = 'T', bytes: number[] = [sequence & 0xff, 0, 0xff]): JournalEntry {
  return { sequence, type, bytes: Uint8Array.from(bytes) }
}
