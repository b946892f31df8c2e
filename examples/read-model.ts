/**
 * A read model: account balances kept in a PostgreSQL table by a projection that follows the
 * accounts' journals with live event queries. The journal is the truth; the table is derived
 * from it and can be rebuilt at any time. The projection stores, in the same transaction as
 * each balance, the last sequence it applied, so after a restart it resumes exactly where it
 * stopped: no event is applied twice, none is skipped.
 *
 * Run:  npx tsx examples/read-model.ts --url postgres://postgres@127.0.0.1:5432/test
 */
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { ActorSystem, migrateJournalSchema, type PostgresStorageConfig } from '../lib/index.js'
import { BankAccount, type AccountEvent } from './bank-account.js'

/** Follows one account's journal into the `balances` table until `signal` aborts. */
export async function project(system: ActorSystem, db: pg.Pool, accountId: string, signal: AbortSignal): Promise<void> {
  const row = await db.query<{ sequence: string }>('SELECT sequence FROM balances WHERE account_id = $1', [accountId])
  const from = Number(row.rows[0]?.sequence ?? 0) + 1
  for await (const { sequence, event } of system.persistence.events<AccountEvent>(accountId, { from, live: true, actor: BankAccount, signal })) {
    const delta = event.type === 'Deposited' ? event.amount : -event.amount
    // Idempotent by construction: the sequence guard makes a replayed event a no-op.
    await db.query(
      `INSERT INTO balances (account_id, balance, sequence) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET balance = balances.balance + $2, sequence = $3 WHERE balances.sequence < $3`,
      [accountId, delta, sequence],
    )
  }
}

/** Runs the example against `url` in `schema`; returns the lines it printed. */
export async function runReadModel(options: { url: string; schema: string; print?: (line: string) => void }): Promise<string[]> {
  const lines: string[] = []
  const print = (line: string): void => {
    lines.push(line)
    ;(options.print ?? console.log)(line)
  }
  const storage: PostgresStorageConfig = { kind: 'postgres', url: options.url, schema: options.schema }
  await migrateJournalSchema(storage)
  const db = new pg.Pool({ connectionString: options.url, options: `-c search_path=${options.schema}` })
  await db.query('CREATE TABLE IF NOT EXISTS balances (account_id TEXT PRIMARY KEY, balance BIGINT NOT NULL, sequence BIGINT NOT NULL)')
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage } })
  const stop = new AbortController()
  const read = async (id: string): Promise<string> => {
    const r = await db.query<{ balance: string; sequence: string }>('SELECT balance, sequence FROM balances WHERE account_id = $1', [id])
    return r.rows[0] === undefined ? 'none' : `${r.rows[0].balance} (through sequence ${r.rows[0].sequence})`
  }
  const waitFor = async (id: string, sequence: number): Promise<void> => {
    while ((await db.query('SELECT 1 FROM balances WHERE account_id = $1 AND sequence >= $2', [id, sequence])).rowCount === 0) {
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  try {
    const alice = await system.spawn(BankAccount, { id: 'alice' })
    await alice.ask('deposit', 100)
    await alice.ask('withdraw', 30)
    const projection = project(system, db, 'alice', stop.signal)
    await waitFor('alice', 2)
    print(`read model after 2 events: alice ${await read('alice')}`)
    await alice.ask('deposit', 5)
    await waitFor('alice', 3)
    print(`live: alice ${await read('alice')}`)
    stop.abort()
    await projection
    await alice.ask('deposit', 1)
    print(`projection stopped; the journal moved on, the read model did not: alice ${await read('alice')}`)
    const resumed = new AbortController()
    const again = project(system, db, 'alice', resumed.signal)
    await waitFor('alice', 4)
    resumed.abort()
    await again
    print(`resumed from sequence 4: alice ${await read('alice')}`)
    return lines
  } finally {
    stop.abort()
    await system.shutdown()
    await db.end()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--url')
  const url = at === -1 ? 'postgres://postgres@127.0.0.1:5432/test' : (process.argv[at + 1] as string)
  await runReadModel({ url, schema: 'read_model_example' })
}
