/**
 * The PostgreSQL driver of the SQL journal (the `pg` package, pooled): `?` placeholders become
 * `$n`, transactions hold one pooled client, and errors are read by their SQLSTATE. Live event
 * queries follow LISTEN/NOTIFY on one dedicated connection, reconnected while anyone listens.
 */
import pg from 'pg'
import type { Logger } from '../../util/logger.js'
import { postgresDialect, type SqlRow, type SqlRunner } from './sql-schema.js'
import type { SqlDriver } from './sql.js'

/** @internal Pool settings, resolved. */
export interface SqlPoolSettings {
  url: string
  poolSize: number
  connectTimeoutMs: number
  statementTimeoutMs: number
  logger?: Logger
}

/** SQLSTATE classes and codes that mean the connection is gone or the statement was cut off. */
const LOST_STATES = new Set(['57P01', '57P02', '57P03', '57014', '08000', '08003', '08006', '08001', '08004', '25P03'])
const LOST_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])
const LOST_TEXT = /connection terminated|terminating connection|timeout exceeded when trying to connect|query read timeout|connection timeout|not queryable|client has encountered a connection error/i

/** `?` placeholders to `$1`, `$2`, ... (our statements have no `?` inside literals). */
const converted = new Map<string, string>()
function numbered(sql: string): string {
  let out = converted.get(sql)
  if (out === undefined) {
    let n = 0
    out = sql.replace(/\?/g, () => `$${++n}`)
    if (converted.size < 2_000) converted.set(sql, out)
  }
  return out
}

/** @internal */
export function createPostgresDriver(s: SqlPoolSettings): SqlDriver {
  const pool = new pg.Pool({
    connectionString: s.url,
    max: s.poolSize,
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs,
    query_timeout: s.statementTimeoutMs + 1_000,
    idleTimeoutMillis: 10_000,
    application_name: 'coerce-ts journal',
  })
  const where = redactUrl(s.url)
  // An idle client losing its server emits here; without a listener it would crash the process.
  pool.on('error', (e) => s.logger?.warn({ storage: where, err: e }, 'an idle journal connection failed'))
  // Every client keeps a listener of its own for its whole life: a server that ends the
  // connection (restart, pg_terminate_backend) while the client is between the pool's hands and
  // a statement's must not become an uncaught 'error' event. The statement in flight, if any,
  // fails with the same error and is handled where it was issued.
  pool.on('connect', (client) => client.on('error', (e) => s.logger?.debug({ storage: where, err: e }, 'a journal connection ended')))
  const runOn =
    (c: pg.Pool | pg.PoolClient): SqlRunner =>
    async (sql, params = []) =>
      (await c.query<SqlRow>(numbered(sql), params as unknown[])).rows
  const isConnectionLoss = (e: unknown): boolean => {
    const o = e as { code?: unknown; message?: unknown } | null
    if (o === null || typeof o !== 'object') return false
    const code = typeof o.code === 'string' ? o.code : ''
    return LOST_STATES.has(code) || LOST_SOCKET.has(code) || LOST_TEXT.test(String(o.message ?? ''))
  }
  return {
    dialect: postgresDialect,
    where: `postgres ${where}`,
    query: runOn(pool),
    async transaction(fn) {
      const client = await pool.connect()
      let broken: Error | undefined
      // A checked-out client whose connection ends between statements emits 'error'; the
      // statement that follows fails too, so remembering it here is enough.
      const onError = (e: Error): void => void (broken = e)
      client.on('error', onError)
      try {
        const run = runOn(client)
        await run('BEGIN')
        const result = await fn(run)
        await run('COMMIT')
        return result
      } catch (e) {
        if (isConnectionLoss(e)) broken = e as Error
        else await client.query('ROLLBACK').catch((r: unknown) => (broken = r as Error))
        throw e
      } finally {
        // A client whose connection broke is discarded, not handed to the next caller.
        client.off('error', onError)
        client.release(broken)
      }
    },
    isDuplicateKey: (e) => (e as { code?: unknown } | null)?.code === '23505',
    isConnectionLoss,
    notifySql: 'SELECT pg_notify(?, ?)',
    listen(channel, onPayload) {
      let client: pg.Client | null = null
      let stopped = false
      let delay = 50
      const connect = (): void => {
        if (stopped) return
        const c = new pg.Client({ connectionString: s.url, connectionTimeoutMillis: s.connectTimeoutMs, application_name: 'coerce-ts journal listener' })
        client = c
        const retry = (): void => {
          c.removeAllListeners()
          c.on('error', () => {})
          c.end().catch(() => {})
          if (client === c) client = null
          if (stopped) return
          setTimeout(connect, delay).unref()
          delay = Math.min(1_000, delay * 2)
        }
        c.on('error', retry)
        c.on('notification', (m) => onPayload(m.payload ?? null))
        c.connect()
          .then(() => c.query(`LISTEN "${channel}"`))
          .then(() => {
            delay = 50
            // Whatever was written while we were not listening: readers look again.
            onPayload(null)
          })
          .catch(retry)
      }
      connect()
      return () => {
        stopped = true
        const c = client as pg.Client | null
        client = null
        if (c !== null) {
          c.removeAllListeners()
          c.on('error', () => {})
          c.end().catch(() => {})
        }
      }
    },
    close: () => pool.end(),
  }
}

/** `scheme://user:secret@host` without the secret, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : auth}@`)
}
