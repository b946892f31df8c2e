/**
 * The MariaDB / MySQL driver of the SQL journal (`mysql2`, pooled). Statements go through
 * `query` (client-side binding: no prepare round trip, and no limit on placeholders per
 * statement); every statement carries the statement timeout. Errors are read by errno/code.
 */
import mysql from 'mysql2/promise'
import { mysqlDialect, type SqlRow, type SqlRunner } from './sql-schema.js'
import type { SqlDriver } from './sql.js'
import { redactUrl, type SqlPoolSettings } from './postgres-driver.js'

const LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
])
/** Server shutdown, query interrupted, lost connection, server gone, killed connection. */
const LOST_ERRNOS = new Set([1053, 1317, 2006, 2013, 1927, 4031])
const LOST_TEXT = /connection lost|closed state|can't add new command when connection is in closed state|timeout/i

/** @internal */
export function createMysqlDriver(s: SqlPoolSettings): SqlDriver {
  const url = new URL(s.url.replace(/^mariadb:/, 'mysql:'))
  const pool = mysql.createPool({
    host: url.hostname,
    port: url.port === '' ? 3306 : Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
    connectionLimit: s.poolSize,
    connectTimeout: s.connectTimeoutMs,
    waitForConnections: true,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  })
  const where = `mysql ${redactUrl(s.url)}`
  const runOn =
    (c: mysql.Pool | mysql.PoolConnection): SqlRunner =>
    async (sql, params = []) => {
      const [rows] = await c.query({ sql, timeout: s.statementTimeoutMs }, params as unknown[])
      return Array.isArray(rows) ? (rows as SqlRow[]) : []
    }
  const isConnectionLoss = (e: unknown): boolean => {
    const o = e as { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown } | null
    if (o === null || typeof o !== 'object') return false
    return (
      o.fatal === true ||
      (typeof o.code === 'string' && LOST_CODES.has(o.code)) ||
      (typeof o.errno === 'number' && LOST_ERRNOS.has(o.errno)) ||
      LOST_TEXT.test(String(o.message ?? ''))
    )
  }
  return {
    dialect: mysqlDialect,
    where,
    query: runOn(pool),
    async transaction(fn) {
      const conn = await pool.getConnection()
      let broken = false
      try {
        const run = runOn(conn)
        await run('START TRANSACTION')
        const result = await fn(run)
        await run('COMMIT')
        return result
      } catch (e) {
        if (isConnectionLoss(e)) broken = true
        else await conn.query('ROLLBACK').catch(() => (broken = true))
        throw e
      } finally {
        // A connection whose state is unknown is closed, not handed to the next caller.
        if (broken) conn.destroy()
        else conn.release()
      }
    },
    isDuplicateKey: (e) => {
      const o = e as { code?: unknown; errno?: unknown } | null
      return o !== null && typeof o === 'object' && (o.code === 'ER_DUP_ENTRY' || o.errno === 1062)
    },
    isConnectionLoss,
    close: () => pool.end(),
  }
}
