/**
 * Test helper: a MariaDB (or MySQL) to test against. The local server (127.0.0.1:3306, root
 * without password) when it answers, with a fresh database per call, dropped by `stop()`;
 * otherwise a throwaway server (mariadb-install-db + mariadbd, as a non-root user) on a free port
 * in a temp dir, which can be killed and restarted like a crash.
 */
import mysql from 'mysql2/promise'
import { freePort } from './redis-server.js'
import { answers, runAs, serverControls, serverDir, serverUser, startServer, uniqueName, type ServerProcess } from './server-process.js'

/** Options of {@link startMariadb}. */
export interface MariadbOptions {
  /** Where to look for a running server first. Default 3306. */
  port?: number
  /** Always start a throwaway server (needed to kill it). Default false. */
  throwaway?: boolean
}

/** A MariaDB database for one test file. */
export interface MariadbServer {
  /** `mysql://root@127.0.0.1:<port>/<database>`: the fresh database. */
  readonly url: string
  readonly database: string
  readonly port: number
  readonly throwaway: boolean
  /** Runs SQL as root (setup and faults: KILL CONNECTION, ...). */
  admin(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

async function canQuery(port: number): Promise<boolean> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1_000 })
  try {
    await c.query('SELECT 1')
    return true
  } finally {
    await c.end().catch(() => {})
  }
}

/** A MariaDB with a fresh database: the local one when it answers, else a throwaway server. */
export async function startMariadb(options: MariadbOptions = {}): Promise<MariadbServer> {
  const localPort = options.port ?? 3306
  const local = options.throwaway !== true && (await answers(localPort)) && (await canQuery(localPort).catch(() => false))
  let port = localPort
  let proc: ServerProcess | null = null
  let dir: string | null = null
  let start: (() => Promise<ServerProcess>) | null = null
  if (!local) {
    const user = serverUser('mysql')
    dir = serverDir('coerce-maria-', user)
    port = await freePort()
    const data = dir
    runAs(user, 'mariadb-install-db', ['--no-defaults', `--datadir=${data}/data`, '--auth-root-authentication-method=normal', '--skip-test-db'])
    start = () =>
      startServer(
        user,
        'mariadbd',
        ['--no-defaults', `--datadir=${data}/data`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${data}/sock`, `--pid-file=${data}/pid`, '--skip-grant-tables', '--skip-log-bin'],
        () => canQuery(port),
      )
    proc = await start()
  }
  const database = uniqueName('coerce_t')
  const admin = async (sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' })
    try {
      const [rows] = await c.query(sql, params)
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
    } finally {
      await c.end().catch(() => {})
    }
  }
  await admin(`CREATE DATABASE \`${database}\``)
  return {
    url: `mysql://root@127.0.0.1:${port}/${database}`,
    database,
    port,
    admin,
    ...serverControls(proc, start, dir, () => admin(`DROP DATABASE IF EXISTS \`${database}\``)),
  }
}
