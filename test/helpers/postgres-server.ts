/**
 * Test helper: a PostgreSQL to test against. The local server (127.0.0.1:5432, trust auth) when
 * it answers, with a fresh schema per call, dropped by `stop()`; otherwise a throwaway server
 * (initdb + postgres, as a non-root user) on a free port in a temp dir, which can be killed and
 * restarted like a crash.
 */
import pg from 'pg'
import { freePort } from './redis-server.js'
import { answers, runAs, serverControls, serverDir, serverUser, startServer, uniqueName, type ServerProcess } from './server-process.js'

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** Where to look for a running server first. Default 5432. */
  port?: number
  /** Always start a throwaway server (needed to kill it). Default false. */
  throwaway?: boolean
}

/** A PostgreSQL database for one test file. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  readonly url: string
  /** A schema of its own; the storages of the test use it. */
  readonly schema: string
  readonly port: number
  /** True for a server this helper started. */
  readonly throwaway: boolean
  /** Runs SQL as the superuser (for setup and faults: pg_terminate_backend, ...). */
  admin(sql: string, params?: unknown[]): Promise<pg.QueryResultRow[]>
  /** Throwaway only: SIGKILL to the server's process group. */
  kill(): Promise<void>
  /** Throwaway only: starts it again on the same port and data. */
  restart(): Promise<void>
  /** Drops the schema (local) or the whole server (throwaway). Idempotent. */
  stop(): Promise<void>
}

const BIN = process.env['PG_BIN'] ?? ''
const bin = (name: string): string => (BIN === '' ? name : `${BIN}/${name}`)

async function canQuery(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 })
  c.on('error', () => {})
  try {
    await c.connect()
    await c.query('SELECT 1')
    return true
  } finally {
    await c.end().catch(() => {})
  }
}

/** A PostgreSQL with a fresh schema: the local one when it answers, else a throwaway server. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const localPort = options.port ?? 5432
  const local = options.throwaway !== true && (await answers(localPort)) && (await canQuery(`postgres://postgres@127.0.0.1:${localPort}/test`).catch(() => false))
  let port = localPort
  let proc: ServerProcess | null = null
  let dir: string | null = null
  let start: (() => Promise<ServerProcess>) | null = null
  if (!local) {
    const user = serverUser('postgres')
    dir = serverDir('coerce-pg-', user)
    port = await freePort()
    runAs(user, bin('initdb'), ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
    const data = dir
    start = () =>
      startServer(
        user,
        bin('postgres'),
        ['-D', data, '-p', String(port), '-k', data, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on'],
        () => canQuery(`postgres://postgres@127.0.0.1:${port}/postgres`),
      )
    proc = await start()
    const setup = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
    await setup.connect()
    await setup.query('CREATE DATABASE test')
    await setup.end()
  }
  const url = `postgres://postgres@127.0.0.1:${port}/test`
  const schema = uniqueName('coerce_t')
  const admin = async (sql: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> => {
    const c = new pg.Client({ connectionString: url })
    c.on('error', () => {})
    await c.connect()
    try {
      return (await c.query(sql, params)).rows
    } finally {
      await c.end().catch(() => {})
    }
  }
  await admin(`CREATE SCHEMA "${schema}"`)
  return {
    url,
    schema,
    port,
    admin,
    ...serverControls(proc, start, dir, () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
  }
}
