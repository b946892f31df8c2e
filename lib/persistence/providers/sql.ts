/**
 * The SQL journal storage: one implementation of {@link JournalStorage} for PostgreSQL and
 * MariaDB/MySQL. The journal logic (the optimistic check, batches in one transaction, the
 * sequence floor, snapshots, error translation, the schema check) lives here once; a
 * {@link SqlDriver} (providers/postgres-driver.ts, providers/mysql-driver.ts) supplies the pool,
 * transactions and the reading of its driver's errors, and `sql-schema.ts` the dialect.
 */
import { createHash } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from '../../util/logger.js'
import { errorText, PersistenceError } from '../errors.js'
import {
  checkLimit,
  checkPersistenceId,
  checkSequence,
  checkSnapshot,
  checkWrite,
  conflictError,
  snapshotBeyondEnd,
  staleSnapshot,
  storageClosed,
  type JournalEntry,
  type JournalStorage,
} from '../storage.js'
import {
  isMissingTable,
  migrate,
  schemaOutdated,
  schemaVersion,
  sqlTables,
  SQL_SCHEMA_VERSION,
  type MigrationResult,
  type SqlDialect,
  type SqlRunner,
  type SqlTables,
} from './sql-schema.js'

/** @internal What the shared SQL journal needs from a database driver. */
export interface SqlDriver {
  readonly dialect: SqlDialect
  /** The server, password left out, for messages: `postgres://app@db:5432/main`. */
  readonly where: string
  /** Runs one statement on a pooled connection (autocommit). */
  readonly query: SqlRunner
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (run: SqlRunner) => Promise<T>): Promise<T>
  /** The insert failed on the primary key. */
  isDuplicateKey(e: unknown): boolean
  /** The connection was lost or the statement timed out: it may or may not have run. */
  isConnectionLoss(e: unknown): boolean
  /**
   * Optional: follows notifications on `channel`; `onPayload(null)` after a reconnect (what
   * was sent meanwhile is lost). Returns the function that stops following.
   */
  listen?(channel: string, onPayload: (payload: string | null) => void): () => void
  /** The statement that sends `payload` on `channel` when the transaction commits (the first `?` is the channel). */
  readonly notifySql?: string
  close(): Promise<void>
}

/** Where the tables are and what to do about a missing schema. */
export interface SqlLayout {
  schema?: string
  tablePrefix?: string
  autoMigrate?: boolean
  /** Where connection loss is logged. */
  logger?: Logger
}

/** Rows per INSERT statement: a batch above it is several statements in one transaction. */
export const SQL_INSERT_CHUNK = 1_000

/**
 * A {@link JournalStorage} on PostgreSQL or MariaDB/MySQL. Built by
 * {@link createSqlJournalStorage} (or from a `{ kind: 'postgres' | 'mysql', url }` config).
 *
 * A write is one transaction: read the highest sequence (the floor included), compare it with
 * the expected one, insert the batch (multi-row inserts of up to {@link SQL_INSERT_CHUNK} rows).
 * Two writers racing past the comparison collide on the primary key, and the loser gets
 * `Conflict`. A statement whose connection drops fails at once; the journal then reads back
 * whether the transaction committed before it writes again.
 */
export class SqlJournalStorage implements JournalStorage {
  private readonly driver: SqlDriver
  private readonly tables: SqlTables
  private readonly layout: SqlLayout
  private readonly writer = `${hostname()}:${process.pid}`
  private readonly sql: ReturnType<typeof statements>
  private readonly insertSql = new Map<number, string>()
  private readonly channel: string
  private schemaChecked: Promise<void> | null = null
  private closed = false
  private readonly watchers = new Map<string, Set<() => void>>()
  private unlisten: (() => void) | null = null

  constructor(driver: SqlDriver, layout: SqlLayout = {}) {
    this.driver = driver
    this.layout = layout
    this.tables = sqlTables(driver.dialect, layout.schema, layout.tablePrefix ?? '')
    this.sql = statements(driver.dialect, this.tables)
    // LISTEN needs a short identifier: a digest of where the journal lives.
    const digest = createHash('sha1').update(`${layout.schema ?? ''}.${layout.tablePrefix ?? ''}`).digest('hex').slice(0, 16)
    this.channel = `coerce_journal_${digest}`
  }

  /** The qualified table names (for operators and tests). */
  get tableNames(): Readonly<SqlTables> {
    return this.tables
  }

  /** Creates or upgrades the tables to version `to` (default: the latest) under a lock. */
  async migrate(to?: number): Promise<MigrationResult> {
    this.open()
    try {
      return await migrate(this.driver.dialect, this.layout.schema, this.layout.tablePrefix ?? '', (fn) => this.driver.transaction(fn), to)
    } catch (e) {
      throw this.describe(e)
    }
  }

  /** The schema version in the database (0: no tables). */
  async schemaVersion(): Promise<number> {
    return this.exec(() => schemaVersion(this.driver.query, this.tables), false)
  }

  async writeEvents(persistenceId: string, expectedSequence: number, entries: readonly JournalEntry[]): Promise<void> {
    checkWrite(persistenceId, expectedSequence, entries)
    let found: number
    try {
      found = await this.exec(() =>
        this.driver.transaction(async (run) => {
          const highest = await this.highest(run, persistenceId)
          if (highest !== expectedSequence) return highest
          for (let i = 0; i < entries.length; i += SQL_INSERT_CHUNK) {
            const chunk = entries.slice(i, i + SQL_INSERT_CHUNK)
            const params: unknown[] = []
            for (const e of chunk) params.push(persistenceId, e.sequence, e.type, bytes(e.bytes), this.writer)
            await run(this.insert(chunk.length), params)
          }
          if (this.driver.notifySql !== undefined) await run(this.driver.notifySql, [this.channel, persistenceId])
          return -1
        }),
      )
    } catch (e) {
      // Another writer inserted one of these sequences between our read and our insert.
      if (!(e instanceof PersistenceError) && this.driver.isDuplicateKey((e as Error).cause)) {
        throw conflictError(persistenceId, expectedSequence, await this.readHighestSequence(persistenceId))
      }
      throw e
    }
    if (found !== -1) throw conflictError(persistenceId, expectedSequence, found)
  }

  async writeSnapshot(persistenceId: string, entry: JournalEntry): Promise<void> {
    checkSnapshot(persistenceId, entry)
    await this.exec(() =>
      this.driver.transaction(async (run) => {
        const highest = await this.highest(run, persistenceId)
        if (entry.sequence > highest) throw snapshotBeyondEnd(persistenceId, entry.sequence, highest)
        const stored = await run(this.sql.snapshotForUpdate, [persistenceId])
        const storedSequence = stored[0] === undefined ? -1 : Number(stored[0]['sequence'])
        if (storedSequence > entry.sequence) throw staleSnapshot(persistenceId, entry.sequence, storedSequence)
        await run(this.sql.upsertSnapshot, [persistenceId, entry.sequence, entry.type, bytes(entry.bytes)])
      }),
    )
  }

  async readLatestSnapshot(persistenceId: string): Promise<JournalEntry | undefined> {
    checkPersistenceId(persistenceId)
    const rows = await this.exec(() => this.driver.query(this.sql.readSnapshot, [persistenceId]))
    const row = rows[0]
    return row === undefined ? undefined : { sequence: Number(row['sequence']), type: String(row['snapshot_type']), bytes: row['payload'] as Uint8Array }
  }

  async readEvents(persistenceId: string, fromSequence: number, toSequence = Infinity, limit = Infinity): Promise<JournalEntry[]> {
    checkSequence(persistenceId, 'fromSequence', fromSequence)
    checkSequence(persistenceId, 'toSequence', toSequence)
    checkLimit(persistenceId, limit)
    if (toSequence < fromSequence) return []
    let sql = this.sql.readEvents
    const params: unknown[] = [persistenceId, fromSequence]
    if (toSequence !== Infinity) {
      sql += ' AND sequence <= ?'
      params.push(toSequence)
    }
    sql += ' ORDER BY sequence'
    if (limit !== Infinity) {
      sql += ' LIMIT ?'
      params.push(limit)
    }
    const rows = await this.exec(() => this.driver.query(sql, params))
    return rows.map((r) => ({
      sequence: Number(r['sequence']),
      type: String(r['event_type']),
      bytes: r['payload'] as Uint8Array,
      writtenAt: Math.round(Number(r['written_ms'])),
    }))
  }

  async readHighestSequence(persistenceId: string): Promise<number> {
    checkPersistenceId(persistenceId)
    return this.exec(() => this.highest(this.driver.query, persistenceId))
  }

  async deleteEventsTo(persistenceId: string, toSequence: number): Promise<void> {
    checkSequence(persistenceId, 'toSequence', toSequence)
    await this.delete(persistenceId, toSequence === Infinity ? Number.MAX_SAFE_INTEGER : toSequence, false)
  }

  async deleteAll(persistenceId: string): Promise<void> {
    checkPersistenceId(persistenceId)
    await this.delete(persistenceId, Number.MAX_SAFE_INTEGER, true)
  }

  /** Records the highest sequence as the floor, then deletes: numbers never repeat. */
  private async delete(persistenceId: string, toSequence: number, snapshots: boolean): Promise<void> {
    await this.exec(() =>
      this.driver.transaction(async (run) => {
        const highest = await this.highest(run, persistenceId)
        if (highest === 0) return
        await run(this.sql.upsertFloor, [persistenceId, highest])
        await run(this.sql.deleteEvents, [persistenceId, toSequence])
        if (snapshots) await run(this.sql.deleteSnapshot, [persistenceId])
      }),
    )
  }

  watch(persistenceId: string, wake: () => void): () => void {
    const listen = this.driver.listen
    if (listen === undefined || this.closed) return () => {}
    let set = this.watchers.get(persistenceId)
    if (set === undefined) {
      set = new Set()
      this.watchers.set(persistenceId, set)
    }
    set.add(wake)
    this.unlisten ??= listen.call(this.driver, this.channel, (payload) => {
      if (payload === null) for (const s of this.watchers.values()) s.forEach((w) => w())
      else this.watchers.get(payload)?.forEach((w) => w())
    })
    return () => {
      const s = this.watchers.get(persistenceId)
      s?.delete(wake)
      if (s !== undefined && s.size === 0) this.watchers.delete(persistenceId)
      if (this.watchers.size === 0 && this.unlisten !== null) {
        this.unlisten()
        this.unlisten = null
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.unlisten?.()
    this.unlisten = null
    this.watchers.clear()
    await this.driver.close()
  }

  // ---------------------------------------------------------------- plumbing

  private async highest(run: SqlRunner, persistenceId: string): Promise<number> {
    const rows = await run(this.sql.highest, [persistenceId, persistenceId])
    return Number(rows[0]?.['highest'] ?? 0)
  }

  private insert(rows: number): string {
    let sql = this.insertSql.get(rows)
    if (sql === undefined) {
      const row = `(?, ?, ?, ?, ${this.driver.dialect.types.now}, ?)`
      sql = `INSERT INTO ${this.tables.journal} (persistence_id, sequence, event_type, payload, written_at, writer) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`
      this.insertSql.set(rows, sql)
    }
    return sql
  }

  /** Runs `op` once the schema is known to be current; driver errors get messages saying what happened. */
  private async exec<T>(op: () => Promise<T>, checkSchema = true): Promise<T> {
    this.open()
    try {
      if (checkSchema) await this.checkSchema()
      return await op()
    } catch (e) {
      throw this.describe(e)
    }
  }

  /** Checks the schema version once (migrating when `autoMigrate`); a failed check is tried again next time. */
  private checkSchema(): Promise<void> {
    this.schemaChecked ??= (async () => {
      const version = await schemaVersion(this.driver.query, this.tables)
      if (version >= SQL_SCHEMA_VERSION) return
      if (this.layout.autoMigrate !== true) throw schemaOutdated(this.driver.where, version, this.driver.dialect.name)
      const done = await this.migrate()
      if (done.applied.length > 0) this.layout.logger?.info({ storage: this.driver.where, from: done.from, to: done.to }, 'journal schema migrated')
    })().catch((e: unknown) => {
      this.schemaChecked = null
      throw e
    })
    return this.schemaChecked
  }

  private describe(e: unknown): Error {
    if (e instanceof PersistenceError) return e
    if (isMissingTable(e)) {
      this.schemaChecked = null
      return schemaOutdated(this.driver.where, 0, this.driver.dialect.name)
    }
    if (this.driver.isConnectionLoss(e)) {
      this.layout.logger?.warn({ storage: this.driver.where, err: e }, 'journal storage connection failed')
      return new Error(`${this.driver.where}: the connection was lost or timed out with the statement in flight (it may or may not have run): ${errorText(e)}`, { cause: e })
    }
    return new Error(`${this.driver.where}: ${errorText(e)}`, { cause: e })
  }

  private open(): void {
    if (this.closed) throw storageClosed(this.driver.dialect.name)
  }
}

/** The statements of one table layout, built once per storage. */
function statements(d: SqlDialect, t: SqlTables) {
  return {
    highest:
      `SELECT GREATEST(COALESCE((SELECT MAX(sequence) FROM ${t.journal} WHERE persistence_id = ?), 0), ` +
      `COALESCE((SELECT highest FROM ${t.sequences} WHERE persistence_id = ?), 0)) AS highest`,
    readEvents: `SELECT sequence, event_type, payload, ${d.epochMs('written_at')} AS written_ms FROM ${t.journal} WHERE persistence_id = ? AND sequence >= ?`,
    readSnapshot: `SELECT sequence, snapshot_type, payload FROM ${t.snapshots} WHERE persistence_id = ?`,
    snapshotForUpdate: `SELECT sequence FROM ${t.snapshots} WHERE persistence_id = ? FOR UPDATE`,
    upsertSnapshot: d.upsert(t.snapshots, ['persistence_id', 'sequence', 'snapshot_type', 'payload', 'written_at'], 'persistence_id', ['?', '?', '?', '?', d.types.now]),
    upsertFloor: d.upsert(t.sequences, ['persistence_id', 'highest'], 'persistence_id', ['?', '?']),
    deleteEvents: `DELETE FROM ${t.journal} WHERE persistence_id = ? AND sequence <= ?`,
    deleteSnapshot: `DELETE FROM ${t.snapshots} WHERE persistence_id = ?`,
  }
}

/** Drivers bind Buffers as binary; a plain Uint8Array would not be (a view, no copy). */
function bytes(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}
