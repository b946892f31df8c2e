/**
 * Bank account: an event-sourced persistent actor. Deposits and withdrawals are stored as
 * events; the balance is rebuilt from the latest snapshot and the events after it whenever the
 * actor starts, so stopping it (or the whole process) loses nothing.
 *
 * Run in memory:      npx tsx examples/bank-account.ts
 * Run against Redis:  npx tsx examples/bank-account.ts --redis redis://127.0.0.1:6379
 * With Redis, run it twice: the second run starts from the balance the first one left.
 */
import { pathToFileURL } from 'node:url'
import { ActorSystem, PersistentActor, type PersistentActorOptions, type RecoveryInfo, type StorageConfig } from '../lib/index.js'

/** What happened to an account. */
export type AccountEvent = { type: 'Deposited'; amount: number } | { type: 'Withdrawn'; amount: number }

/** An account's state; also its snapshot. */
export interface Balance {
  balance: number
  transactions: number
}

export class BankAccount extends PersistentActor<Balance, AccountEvent> {
  static override persistence: PersistentActorOptions<AccountEvent, Balance> = {
    events: ['Deposited', 'Withdrawn'],
    snapshot: { type: 'Balance' },
    // Refuse the operation (the caller sees the error) rather than retry or stop.
    persist: { kind: 'returnError' },
  }

  private recoveredWith: RecoveryInfo | null = null

  protected override initialState(): Balance {
    return { balance: 0, transactions: 0 }
  }

  protected override applyEvent(state: Balance, event: AccountEvent): Balance {
    const delta = event.type === 'Deposited' ? event.amount : -event.amount
    return { balance: state.balance + delta, transactions: state.transactions + 1 }
  }

  protected override recovered(info: RecoveryInfo): void {
    this.recoveredWith = info
  }

  async deposit(amount: number): Promise<number> {
    if (!(amount > 0)) throw new RangeError('a deposit must be positive')
    await this.persist({ type: 'Deposited', amount })
    return this.state.balance
  }

  /**
   * A refused withdrawal is an answer, not a failure: throwing would count as an actor failure
   * (logged, and the actor restarted by its supervisor).
   */
  async withdraw(amount: number): Promise<{ ok: true; balance: number } | { ok: false; reason: string }> {
    if (amount > this.state.balance) return { ok: false, reason: `insufficient funds: balance ${this.state.balance}, asked ${amount}` }
    await this.persist({ type: 'Withdrawn', amount })
    return { ok: true, balance: this.state.balance }
  }

  balance(): Balance {
    return this.state
  }

  /** Snapshots the state and drops the events it covers. */
  async compact(): Promise<number> {
    const at = await this.snapshot()
    await this.deleteEventsTo(at)
    return at
  }

  recovery(): RecoveryInfo | null {
    return this.recoveredWith
  }
}

/** Options of {@link runBankAccount}. */
export interface BankAccountExampleOptions {
  /** Store the journal in Redis at this URL; default in memory. */
  redisUrl?: string
  /** The account's id (and persistence id). Default `alice`. */
  accountId?: string
  print?: (line: string) => void
}

/** Runs the example; returns what it printed. */
export async function runBankAccount(options: BankAccountExampleOptions = {}): Promise<string[]> {
  const lines: string[] = []
  const out = (line: string): void => {
    lines.push(line)
    ;(options.print ?? console.log)(line)
  }
  const storage: StorageConfig =
    options.redisUrl === undefined ? { kind: 'memory' } : { kind: 'redis', url: options.redisUrl, keyPrefix: 'bank-example:' }
  const id = options.accountId ?? 'alice'
  const system = await ActorSystem.start({ persistence: { storage } })
  try {
    out(`storage: ${storage.kind}`)
    const account = await system.spawn(BankAccount, { id })
    const start = await account.ask('balance')
    out(`opened ${id} with balance ${start.balance} (${start.transactions} transactions so far)`)
    out(`deposit 100 -> ${await account.ask('deposit', 100)}`)
    for (const amount of [30, 1_000_000]) {
      const r = await account.ask('withdraw', amount)
      out(r.ok ? `withdraw ${amount} -> ${r.balance}` : `withdraw ${amount} refused: ${r.reason}`)
    }
    out(`compacted at sequence ${await account.ask('compact')}`)
    out(`deposit 5 -> ${await account.ask('deposit', 5)}`)
    await account.stop()
    out('stopped the actor')

    const again = await system.spawn(BankAccount, { id })
    const info = await again.ask('recovery')
    const b = await again.ask('balance')
    out(
      `recovered ${id}: balance ${b.balance} at sequence ${info?.sequence} ` +
        `(snapshot at ${info?.snapshotSequence}, ${info?.eventsReplayed} event(s) replayed)`,
    )
  } finally {
    await system.shutdown()
  }
  return lines
}

function redisArg(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--redis' || a.startsWith('--redis='))
  if (i < 0) return undefined
  const arg = argv[i] as string
  return arg.includes('=') ? arg.slice('--redis='.length) : (argv[i + 1] ?? 'redis://127.0.0.1:6379')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const redisUrl = redisArg(process.argv.slice(2))
  await runBankAccount(redisUrl === undefined ? {} : { redisUrl })
}
