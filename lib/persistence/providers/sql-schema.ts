/**
 * The SQL journal's schema: table names, the two dialects' differences (quoting, column types,
 * upserts, the migration lock), the versioned migrations, and the runner that applies them. The
 * statements themselves are written once, with `?` placeholders; the drivers adapt them.
 *
 * Tables (names carry the configured prefix, optionally in a schema / database):
 * - `journal (persistence_id, sequence, event_type, payload, written_at, writer)`, primary key
 *   `(persistence_id, sequence)`: the key is the single-writer guard, a second insert of a
 *   sequence fails with a duplicate key.
 * - `snapshots (persistence_id, sequence, snapshot_type, payload, written_at)`: the latest only.
 * - `journal_sequences (persistence_id, highest)`: the sequence floor. Deletions record the
 *   highest sequence here first, so numbers never repeat after `deleteEventsTo` / `deleteAll`.
 * - `journal_schema (version, applied_at)`: one row per applied migration.
 */
import { PersistenceError } from '../errors.js'

/** @internal One SQL statement runner: a pooled connection or a transaction's connection. */
export type SqlRunner = (sql: string, params?: readonly unknown[]) => Promise<SqlRow[]>

/** @internal A result row, column name to value. */
export type SqlRow = Record<string, unknown>

/** @internal The qualified, quoted table names of one configuration. */
export interface SqlTables {
  journal: string
  snapshots: string
  sequences: string
  schema: string
}

/** @internal What differs between PostgreSQL and MariaDB/MySQL. */
export interface SqlDialect {
  readonly name: 'postgres' | 'mysql'
  quote(identifier: string): string
  /** Column types. */
  readonly types: { id: string; bytes: string; time: string; now: string }
  /** Milliseconds since the epoch of a time column, as a number-like value. */
  epochMs(column: string): string
  /** `INSERT ... ` of one row that replaces the row with the same `key`. */
  upsert(table: string, columns: readonly string[], key: string, values: readonly string[]): string
  /** Suffix of CREATE TABLE. */
  readonly tableOptions: string
  /** Takes the lock that serializes migrations (inside the runner's transaction). */
  lock(run: SqlRunner, name: string): Promise<void>
  /** Releases it (a no-op where the lock ends with the transaction). */
  unlock(run: SqlRunner, name: string): Promise<void>
  /** Creates the schema / database when it is named and missing. */
  createSchema(schema: string): string
}

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  quote: (id) => `"${id}"`,
  types: { id: 'VARCHAR(255)', bytes: 'BYTEA', time: 'TIMESTAMPTZ', now: 'now()' },
  epochMs: (c) => `(EXTRACT(EPOCH FROM ${c}) * 1000)::float8`,
  upsert: (table, columns, key, values) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT (${key}) DO UPDATE SET ` +
    columns
      .filter((c) => c !== key)
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', '),
  tableOptions: '',
  // Transaction-scoped: released by COMMIT or ROLLBACK.
  lock: async (run, name) => void (await run('SELECT pg_advisory_xact_lock(hashtext(?))', [name])),
  unlock: async () => {},
  createSchema: (schema) => `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
}

export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quote: (id) => `\`${id}\``,
  // Persistence ids compare byte for byte: the default collations would make 'A' and 'a' one id.
  types: { id: 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', bytes: 'LONGBLOB', time: 'DATETIME(3)', now: 'NOW(3)' },
  epochMs: (c) => `(UNIX_TIMESTAMP(${c}) * 1000)`,
  upsert: (table, columns, key, values) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.join(', ')}) ON DUPLICATE KEY UPDATE ` +
    columns
      .filter((c) => c !== key)
      .map((c) => `${c} = VALUES(${c})`)
      .join(', '),
  tableOptions: ' ENGINE=InnoDB',
  // Session-scoped (DDL commits implicitly in MySQL, so a transaction cannot hold it).
  lock: async (run, name) => {
    const rows = await run('SELECT GET_LOCK(?, 30) AS got', [name])
    if (Number(rows[0]?.['got']) !== 1) throw new Error(`could not take the migration lock '${name}' within 30 s`)
  },
  unlock: async (run, name) => void (await run('SELECT RELEASE_LOCK(?)', [name])),
  createSchema: (schema) => `CREATE DATABASE IF NOT EXISTS \`${schema}\``,
}

/** @internal The table names of a configuration. */
export function sqlTables(dialect: SqlDialect, schema: string | undefined, prefix: string): SqlTables {
  const name = (table: string): string => (schema === undefined ? '' : `${dialect.quote(schema)}.`) + dialect.quote(`${prefix}${table}`)
  return { journal: name('journal'), snapshots: name('snapshots'), sequences: name('journal_sequences'), schema: name('journal_schema') }
}

/** One schema version: the statements that lead to it from the one before. */
interface Migration {
  version: number
  description: string
  statements(d: SqlDialect, t: SqlTables): string[]
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'journal and snapshots tables',
    statements: (d, t) => [
      `CREATE TABLE ${t.journal} (persistence_id ${d.types.id} NOT NULL, sequence BIGINT NOT NULL, event_type VARCHAR(255) NOT NULL, ` +
        `payload ${d.types.bytes} NOT NULL, written_at ${d.types.time} NOT NULL, PRIMARY KEY (persistence_id, sequence))${d.tableOptions}`,
      `CREATE TABLE ${t.snapshots} (persistence_id ${d.types.id} NOT NULL PRIMARY KEY, sequence BIGINT NOT NULL, ` +
        `snapshot_type VARCHAR(255) NOT NULL, payload ${d.types.bytes} NOT NULL, written_at ${d.types.time} NOT NULL)${d.tableOptions}`,
    ],
  },
  {
    version: 2,
    description: 'sequence floor (numbers never repeat after deletions) and the writer of each event',
    statements: (d, t) => [
      `CREATE TABLE ${t.sequences} (persistence_id ${d.types.id} NOT NULL PRIMARY KEY, highest BIGINT NOT NULL)${d.tableOptions}`,
      `ALTER TABLE ${t.journal} ADD COLUMN writer VARCHAR(255) NULL`,
    ],
  },
]

/** The schema version this code needs. */
export const SQL_SCHEMA_VERSION = (MIGRATIONS[MIGRATIONS.length - 1] as Migration).version

/** What a migration run did. */
export interface MigrationResult {
  /** The version found before (0: no tables). */
  from: number
  /** The version after. */
  to: number
  /** The versions applied by this run, with what each does. */
  applied: { version: number; description: string }[]
}

/** @internal The schema version in the database; 0 when the version table is missing. */
export async function schemaVersion(run: SqlRunner, tables: SqlTables): Promise<number> {
  try {
    const rows = await run(`SELECT MAX(version) AS v FROM ${tables.schema}`)
    return Number(rows[0]?.['v'] ?? 0)
  } catch (e) {
    if (isMissingTable(e)) return 0
    throw e
  }
}

/** True for "no such table" from either database (42P01, ER_NO_SUCH_TABLE / 1146). */
export function isMissingTable(e: unknown): boolean {
  const o = e as { code?: unknown; errno?: unknown } | null
  return o !== null && typeof o === 'object' && (o.code === '42P01' || o.code === 'ER_NO_SUCH_TABLE' || o.errno === 1146)
}

/**
 * @internal Brings the schema to version `to` (default: the latest) under the migration lock.
 * `transaction` runs a function on one connection in a transaction.
 */
export async function migrate(
  dialect: SqlDialect,
  schema: string | undefined,
  prefix: string,
  transaction: <T>(fn: (run: SqlRunner) => Promise<T>) => Promise<T>,
  to = SQL_SCHEMA_VERSION,
): Promise<MigrationResult> {
  if (!(Number.isInteger(to) && to >= 0 && to <= SQL_SCHEMA_VERSION)) {
    throw new PersistenceError('InvalidArgument', `the target schema version must be an integer from 0 to ${SQL_SCHEMA_VERSION} (got ${String(to)})`)
  }
  const tables = sqlTables(dialect, schema, prefix)
  const lockName = `coerce-journal-migrate:${schema ?? ''}:${prefix}`
  return transaction(async (run) => {
    await dialect.lock(run, lockName)
    try {
      if (schema !== undefined) await run(dialect.createSchema(schema))
      // Created first, so reading the version cannot fail (a failed statement would end a PostgreSQL transaction).
      await run(`CREATE TABLE IF NOT EXISTS ${tables.schema} (version INT NOT NULL PRIMARY KEY, applied_at ${dialect.types.time} NOT NULL)${dialect.tableOptions}`)
      const from = await schemaVersion(run, tables)
      const applied: MigrationResult['applied'] = []
      for (const m of MIGRATIONS) {
        if (m.version <= from || m.version > to) continue
        for (const statement of m.statements(dialect, tables)) await run(statement)
        await run(`INSERT INTO ${tables.schema} (version, applied_at) VALUES (?, ${dialect.types.now})`, [m.version])
        applied.push({ version: m.version, description: m.description })
      }
      return { from, to: Math.max(from, applied.at(-1)?.version ?? from), applied }
    } finally {
      await dialect.unlock(run, lockName)
    }
  })
}

/** @internal The error of a journal used on a missing or older schema. */
export function schemaOutdated(where: string, found: number, kind: string): PersistenceError {
  const what = found === 0 ? 'has no journal tables' : `has journal schema version ${found}, this version of coerce-ts needs ${SQL_SCHEMA_VERSION}`
  return new PersistenceError(
    'SchemaOutdated',
    `${where} ${what}: run \`npx coerce-ts journal migrate --url <url>\` (with the same schema and tablePrefix), ` +
      `or set autoMigrate: true in the ${kind} storage options`,
  )
}
