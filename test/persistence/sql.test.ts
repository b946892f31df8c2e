// SQL-specific behaviour against real PostgreSQL and MariaDB: the migration command on an empty
// and an older schema, the typed error of a missing schema, auto-migration, the table layout,
// and faults: connections terminated mid-batch (pg_terminate_backend, KILL CONNECTION) and a
// throwaway server killed by pid and restarted (the helpers' throwaway path, run as a non-root
// user when the tests run as root).
import t from 'tap'
import {
  ActorSystem,
  createSqlJournalStorage,
  isPersistenceError,
  migrateJournalSchema,
  type ActorRef,
  type PersistentActorOptions,
  type SqlStorageConfig,
} from '../../lib/index.js'
import { runCli } from '../../lib/cli/main.js'
import { freePort } from '../helpers/redis-server.js'
import { startMariadb, type MariadbServer } from '../helpers/mariadb-server.js'
import { startPostgres, type PostgresServer } from '../helpers/postgres-server.js'
import { Account, sleep, until, type AccountEvent, type AccountState } from './fixtures.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

/** One database under test, with what differs between the two. */
interface Db {
  name: 'postgres' | 'mariadb'
  config(extra?: Partial<SqlStorageConfig>): SqlStorageConfig
  admin(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  /** Ends every connection of the journal's pool (a DBA, a failover, a proxy restart). */
  dropConnections(): Promise<number>
  /** The tables named with a prefix, as the admin sees them. */
  table(prefix: string, name: string): string
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), env: {} })
  return { code, out, err }
}

const policy = (persist: PersistentActorOptions['persist']): PersistentActorOptions<AccountEvent, AccountState> => ({ ...Account.persistence, persist })
class Returning extends Account {
  static override persistence = policy({ kind: 'returnError' })
}
class Retrying extends Account {
  static override persistence = policy({ kind: 'retry', maxAttempts: 400, delayMs: 20, maxDelayMs: 200 })
}

function postgresDb(s: PostgresServer): Db {
  return {
    name: 'postgres',
    config: (extra = {}) => ({ kind: 'postgres', url: s.url, schema: s.schema, ...extra }) as SqlStorageConfig,
    admin: s.admin,
    dropConnections: async () =>
      (await s.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'coerce-ts journal' AND pid <> pg_backend_pid()")).length,
    table: (prefix, name) => `"${s.schema}"."${prefix}${name}"`,
  }
}

function mariadbDb(s: MariadbServer): Db {
  return {
    name: 'mariadb',
    config: (extra = {}) => ({ kind: 'mysql', url: s.url, ...extra }) as SqlStorageConfig,
    admin: s.admin,
    dropConnections: async () => {
      const rows = await s.admin('SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()', [s.database])
      for (const r of rows) await s.admin(`KILL CONNECTION ${Number(r['id'])}`).catch(() => {})
      return rows.length
    },
    table: (prefix, name) => `\`${s.database}\`.\`${prefix}${name}\``,
  }
}

async function schemaTests(t: Test, db: Db, url: string, schemaArgs: string[]): Promise<void> {
  t.test('journal migrate on an empty schema creates every table; a second run has nothing to do', async (t) => {
    const first = await cli(['journal', 'migrate', '--url', url, ...schemaArgs, '--table-prefix', 'fresh_'])
    t.equal(first.code, 0, first.err)
    t.match(first.out, /applied version 1: journal and snapshots tables\napplied version 2: .*\njournal schema migrated from version 0 to 2\n/)
    for (const table of ['journal', 'snapshots', 'journal_sequences', 'journal_schema']) {
      t.same(await db.admin(`SELECT COUNT(*) AS n FROM ${db.table('fresh_', table)}`).then((r) => Number(r[0]?.['n'])), table === 'journal_schema' ? 2 : 0, table)
    }
    const again = await cli(['journal', 'migrate', '--url', url, ...schemaArgs, '--table-prefix', 'fresh_'])
    t.same(again, { code: 0, out: 'journal schema is at version 2: nothing to do\n', err: '' })
  })

  t.test('a missing or older schema fails the first use with SchemaOutdated naming the command; migrate fixes it', async (t) => {
    const missing = await createSqlJournalStorage(db.config({ tablePrefix: 'none_' }))
    t.teardown(() => missing.close())
    await t.rejects(missing.readHighestSequence('x'), { code: 'SchemaOutdated', message: /has no journal tables: run `npx coerce-ts journal migrate --url <url>`/ })

    t.match(await migrateJournalSchema(db.config({ tablePrefix: 'old_' }), 1), { from: 0, to: 1 })
    const config = db.config({ tablePrefix: 'old_' })
    const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config, recovery: { kind: 'stop' } } })
    t.teardown(() => system.shutdown())
    const err = await system.spawn(Account, { id: 'old' }).catch((e: unknown) => e)
    t.match(err, { code: 'StartFailed', message: /SchemaOutdated: .*has journal schema version 1, this version of coerce-ts needs 2: run `npx coerce-ts journal migrate/ })
    const up = await cli(['journal', 'migrate', '--url', url, ...schemaArgs, '--table-prefix', 'old_'])
    t.equal(up.code, 0, up.err)
    t.match(up.out, /applied version 2: .*\njournal schema migrated from version 1 to 2\n/)
    const acc = await system.spawn(Account, { id: 'old' })
    t.equal(await acc.ask('deposit', 5), 5, 'works once migrated, without a restart')
  })

  t.test('autoMigrate creates the tables on first use, once, even from concurrent starts', async (t) => {
    const storages = await Promise.all([1, 2, 3].map(() => createSqlJournalStorage(db.config({ tablePrefix: 'auto_', autoMigrate: true }))))
    t.teardown(() => Promise.all(storages.map((s) => s.close())))
    await Promise.all(storages.map((s, i) => s.writeEvents(`auto-${i}`, 0, [{ sequence: 1, type: 'T', bytes: new Uint8Array([i]) }])))
    t.equal(await storages[0]?.schemaVersion(), 2)
    t.same((await db.admin(`SELECT version FROM ${db.table('auto_', 'journal_schema')} ORDER BY version`)).map((r) => Number(r['version'])), [1, 2])
  })

  t.test('layout: one row per event with writer and time, the floor after deletions, ids compare exactly', async (t) => {
    const config = db.config({ tablePrefix: 'lay_', autoMigrate: true })
    const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
    t.teardown(() => system.shutdown())
    const a = await system.spawn(Account, { id: 'Lay' })
    const b = await system.spawn(Account, { id: 'lay' })
    await a.ask('depositAll', [1, 2, 3])
    await b.ask('deposit', 7)
    const rows = await db.admin(`SELECT persistence_id, sequence, event_type, writer FROM ${db.table('lay_', 'journal')} ORDER BY persistence_id, sequence`)
    t.same(rows.map((r) => [r['persistence_id'], Number(r['sequence']), r['event_type']]), [['Lay', 1, 'Deposited'], ['Lay', 2, 'Deposited'], ['Lay', 3, 'Deposited'], ['lay', 1, 'Deposited']])
    t.match(String(rows[0]?.['writer']), new RegExp(`:${process.pid}$`))
    await a.ask('wipe')
    t.same((await db.admin(`SELECT highest FROM ${db.table('lay_', 'journal_sequences')} WHERE persistence_id = 'Lay'`)).map((r) => Number(r['highest'])), [3])
    await a.ask('deposit', 1)
    t.equal((await a.ask('read')).sequence, 4, 'numbers go on after deleteAll')
  })
}

async function faultTests(t: Test, db: Db): Promise<void> {
  t.test('connections dropped mid-batch: typed errors, no partial batch, memory and journal agree, recovery per policy', async (t) => {
    const config = db.config({ tablePrefix: 'drop_', autoMigrate: true, connectTimeoutMs: 1_000, statementTimeoutMs: 5_000 })
    const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
    t.teardown(() => system.shutdown())
    const ret: ActorRef<Account> = await system.spawn(Returning, { id: 'ret' })
    const rty: ActorRef<Account> = await system.spawn(Retrying, { id: 'rty' })
    await ret.ask('deposit', 1)
    await rty.ask('deposit', 1)
    const batch = Array.from({ length: 5_000 }, () => 1)
    let dropped = 0
    for (let round = 0; round < 2; round++) {
      const inFlight = [ret.ask('depositAll', batch, { timeoutMs: 60_000 }).then(() => 'ok', (e: unknown) => e), rty.ask('depositAll', batch, { timeoutMs: 60_000 }).then(() => 'ok', (e: unknown) => e)]
      await sleep(20 + round * 15)
      dropped += await db.dropConnections()
      const [r, y] = await Promise.all(inFlight)
      if (r !== 'ok') t.ok(isPersistenceError(r, 'StorageFailed'), `returnError: StorageFailed (${(r as Error).message.slice(0, 160)})`)
      t.equal(y, 'ok', 'retry: the batch is stored once the connection is back')
    }
    t.comment(`connections dropped: ${dropped}`)
    t.ok(dropped > 0, 'connections were dropped')
    const counts = await db.admin(`SELECT persistence_id, COUNT(*) AS n, MAX(sequence) AS m FROM ${db.table('drop_', 'journal')} GROUP BY persistence_id ORDER BY persistence_id`)
    for (const row of counts) t.equal((Number(row['n']) - 1) % batch.length, 0, `${String(row['persistence_id'])}: whole batches only`)
    const memory = { ret: await ret.ask('read'), rty: await rty.ask('read') }
    t.equal(memory.rty.sequence, 1 + 2 * batch.length, 'retry: every batch stored exactly once')
    await ret.ask('deposit', 1)
    await system.shutdown()
    const reader = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
    t.teardown(() => reader.shutdown())
    for (const id of ['ret', 'rty'] as const) {
      const again = await reader.spawn(Account, { id })
      const state = await again.ask('read')
      const expected = id === 'ret' ? memory.ret.sequence + 1 : memory.rty.sequence
      t.equal(state.sequence, expected, `${id}: recovery finds what the actor acknowledged`)
      t.equal(state.balance, expected, `${id}: and nothing else`)
    }
  })
}

async function killTests(t: Test, start: (port: number) => Promise<{ db: Db; kill(): Promise<void>; restart(): Promise<void>; stop(): Promise<void>; throwaway: boolean }>): Promise<void> {
  // Nothing answers on this port: the helper starts a throwaway server (as a non-root user).
  const server = await start(await freePort())
  t.teardown(() => server.stop())
  t.ok(server.throwaway, 'a throwaway server was started')
  const config = server.db.config({ tablePrefix: 'kill_', autoMigrate: true, connectTimeoutMs: 500 })
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => system.shutdown())
  const ret: ActorRef<Account> = await system.spawn(Returning, { id: 'ret' })
  const rty: ActorRef<Account> = await system.spawn(Retrying, { id: 'rty' })
  await ret.ask('deposit', 1)
  const acked: number[] = []
  let streamed = 0
  const stream = (async () => {
    for (let i = 1; i <= 200; i++) {
      await rty.ask('deposit', i, { timeoutMs: 60_000 })
      acked.push(i)
      streamed = i
    }
  })()
  await until(() => streamed >= 30, 'the stream to get going')
  await server.kill()
  await t.rejects(ret.ask('deposit', 2), { code: 'StorageFailed' }, 'returnError: typed error while the server is down')
  await server.restart()
  await stream
  t.equal(streamed, 200, 'retry: the stream completed once the server was back')
  t.equal(await ret.ask('deposit', 3), 4, 'returnError actor works again')
  await system.shutdown()
  const reader = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => reader.shutdown())
  const state = await (await reader.spawn(Account, { id: 'rty' })).ask('read')
  t.same(state.log, acked, 'every acknowledged event is stored once, in order')
}

t.test('postgres', async (t) => {
  const s = await startPostgres()
  t.teardown(() => s.stop())
  const db = postgresDb(s)
  t.test('schema', (t) => schemaTests(t, db, s.url, ['--schema', s.schema]))
  t.test('faults', (t) => faultTests(t, db))
  t.test('a throwaway server killed by pid and restarted', (t) =>
    killTests(t, async (port) => {
      const p = await startPostgres({ port })
      return { db: postgresDb(p), kill: p.kill, restart: p.restart, stop: p.stop, throwaway: p.throwaway }
    }),
  )
})

t.test('mariadb', async (t) => {
  const s = await startMariadb()
  t.teardown(() => s.stop())
  const db = mariadbDb(s)
  t.test('schema', (t) => schemaTests(t, db, s.url, []))
  t.test('faults', (t) => faultTests(t, db))
  t.test('a throwaway server killed by pid and restarted', (t) =>
    killTests(t, async (port) => {
      const m = await startMariadb({ port })
      return { db: mariadbDb(m), kill: m.kill, restart: m.restart, stop: m.stop, throwaway: m.throwaway }
    }),
  )
})

t.test('the CLI refuses bad arguments', async (t) => {
  t.match(await cli(['journal']), { code: 2, err: /a subcommand is required/ })
  t.match(await cli(['journal', 'migrate']), { code: 2, err: /--url must be a postgres:\/\// })
  t.match(await cli(['journal', 'migrate', '--url', 'redis://x']), { code: 2, err: /got redis:\/\/x/ })
  t.match(await cli(['journal', 'migrate', '--url', 'postgres://x/y', '--to', '9']), { code: 2, err: /--to must be an integer from 1 to 2/ })
  t.match(await cli(['journal', 'migrate', '--bogus']), { code: 2, err: /Unknown option/ })
  t.match(await cli(['journal', '--help']), { code: 0, out: /Usage: coerce-ts journal migrate/ })
  const port = await freePort()
  t.match(await cli(['journal', 'migrate', '--url', `postgres://postgres@127.0.0.1:${port}/test`]), { code: 1, err: /coerce-ts journal migrate: postgres postgres:\/\/postgres@127\.0\.0\.1:\d+\/test: .*ECONNREFUSED/ })
})
