/**
 * Storage leases: which storage a persistent actor uses and when it is closed. Storages built
 * from a config are shared by the actors of one system that name the same config. A Redis
 * storage closes (its connection with it) once no live actor holds it, so a system that shut
 * down leaves nothing open. The in-memory storage lives as long as its system, so an actor
 * stopped and spawned again finds its journal. Storage instances given by the application are
 * never closed here: their owner closes them.
 */
import type { Logger } from '../util/logger.js'
import { sqlOptionProblems, STORAGE_KINDS, type SqlConnectionOptions, type SqlStorageConfig, type StorageConfig } from './options.js'
import { MemoryJournalStorage } from './providers/memory.js'
import type { RedisJournalOptions, RedisJournalStorage } from './providers/redis.js'
import type { MigrationResult } from './providers/sql-schema.js'
import type { SqlJournalStorage } from './providers/sql.js'
import { PersistenceError } from './errors.js'
import { isJournalStorage, type JournalStorage } from './storage.js'

/** A storage held by one actor; `release` is idempotent. */
export interface StorageLease {
  readonly storage: JournalStorage
  release(): void
}

interface Shared {
  storage: Promise<JournalStorage>
  users: number
  /** False for storages whose data lives in the storage object itself (memory). */
  closeWhenUnused: boolean
}

const perSystem = new WeakMap<object, Map<string, Shared>>()

/**
 * @internal Leases the storage `spec` names for an actor of `system`. Configs are built on first
 * use (the Redis provider, and ioredis with it, is loaded only then).
 */
export async function acquireStorage(system: object, spec: JournalStorage | StorageConfig | null, logger: Logger): Promise<StorageLease> {
  if (spec === null || !(isConfig(spec) || isJournalStorage(spec))) {
    throw new PersistenceError(
      'InvalidArgument',
      'no journal storage on this thread: a JournalStorage instance given to ActorSystem.start stays on the thread that made it; ' +
        "configure persistence.storage as plain data ({ kind: 'redis', url }) or keep persistent actors on the main thread",
    )
  }
  if (!isConfig(spec)) return { storage: spec, release: () => {} }
  let shared = perSystem.get(system)
  if (shared === undefined) {
    shared = new Map()
    perSystem.set(system, shared)
  }
  const map = shared
  const key = JSON.stringify(spec)
  let entry = map.get(key)
  if (entry === undefined) {
    entry = { storage: build(spec, logger), users: 0, closeWhenUnused: spec.kind !== 'memory' }
    map.set(key, entry)
  }
  const held = entry
  held.users++
  let storage: JournalStorage
  try {
    storage = await held.storage
  } catch (e) {
    held.users--
    if (map.get(key) === held) map.delete(key)
    throw e
  }
  let released = false
  return {
    storage,
    release: () => {
      if (released) return
      released = true
      held.users--
      if (held.users > 0 || !held.closeWhenUnused) return
      // A supervised restart releases and acquires again within one turn: wait a turn before
      // closing so it keeps the connection.
      setImmediate(() => {
        if (held.users > 0 || map.get(key) !== held) return
        map.delete(key)
        storage.close().catch((e: unknown) => logger.warn({ err: e }, 'closing a journal storage failed'))
      })
    },
  }
}

function isConfig(spec: JournalStorage | StorageConfig): spec is StorageConfig {
  const kind = (spec as { kind?: unknown }).kind
  return (STORAGE_KINDS as readonly unknown[]).includes(kind) && typeof (spec as { writeEvents?: unknown }).writeEvents !== 'function'
}

async function build(spec: StorageConfig, logger: Logger): Promise<JournalStorage> {
  if (spec.kind === 'memory') return new MemoryJournalStorage()
  if (spec.kind === 'postgres' || spec.kind === 'mysql') return createSqlJournalStorage({ ...spec, logger })
  const { kind: _kind, ...options } = spec
  return createRedisJournalStorage({ ...options, logger })
}

/** Options of {@link createSqlJournalStorage}: a SQL storage config plus a logger. */
export type SqlJournalOptions = SqlStorageConfig & {
  /** Where connection loss and migrations are logged. Default: nowhere. */
  logger?: Logger
}

export const DEFAULT_SQL_POOL_SIZE = 10
export const DEFAULT_SQL_CONNECT_TIMEOUT_MS = 2_000
export const DEFAULT_SQL_STATEMENT_TIMEOUT_MS = 10_000

/**
 * Creates a {@link SqlJournalStorage} on PostgreSQL (`kind: 'postgres'`, the `pg` driver) or
 * MariaDB/MySQL (`kind: 'mysql'`, `mysql2`). The driver is loaded on first use only. Connects
 * lazily; the first operation checks the schema version (see `autoMigrate`). Rejects with a
 * TypeError naming every bad option.
 *
 * @example
 * const storage = await createSqlJournalStorage({ kind: 'postgres', url: 'postgres://app@db/main', autoMigrate: true })
 * const system = await ActorSystem.start({ persistence: { storage } })
 * // ... later, after system.shutdown():
 * await storage.close()
 */
export async function createSqlJournalStorage(options: SqlJournalOptions): Promise<SqlJournalStorage> {
  const kind = (options as { kind?: unknown }).kind
  if (kind !== 'postgres' && kind !== 'mysql') throw new TypeError(`invalid SQL journal options: kind must be 'postgres' or 'mysql' (got ${String(kind)})`)
  const problems = sqlOptionProblems(kind, options as SqlConnectionOptions)
  if (problems.length > 0) throw new TypeError(`invalid SQL journal options: ${problems.join('; ')}`)
  const settings = {
    url: options.url,
    poolSize: options.poolSize ?? DEFAULT_SQL_POOL_SIZE,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_SQL_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_SQL_STATEMENT_TIMEOUT_MS,
    logger: options.logger,
  }
  const [{ SqlJournalStorage }, driver] = await Promise.all([
    import('./providers/sql.js'),
    kind === 'postgres'
      ? import('./providers/postgres-driver.js').then((m) => m.createPostgresDriver(settings))
      : import('./providers/mysql-driver.js').then((m) => m.createMysqlDriver(settings)),
  ])
  return new SqlJournalStorage(driver, { schema: options.schema, tablePrefix: options.tablePrefix, autoMigrate: options.autoMigrate, logger: options.logger })
}

/**
 * Creates or upgrades the SQL journal tables to schema version `to` (default: the latest),
 * under a database lock so concurrent runs are safe. What `npx coerce-ts journal migrate` runs.
 */
export async function migrateJournalSchema(options: SqlJournalOptions, to?: number): Promise<MigrationResult> {
  const storage = await createSqlJournalStorage({ ...options, autoMigrate: false })
  try {
    return await storage.migrate(to)
  } finally {
    await storage.close()
  }
}

/**
 * Creates a {@link RedisJournalStorage}. The Redis provider (and ioredis, about 100 ms to load)
 * is loaded on first use only, so applications without Redis never pay for it. Rejects with a
 * TypeError naming every bad option.
 *
 * @example
 * const storage = await createRedisJournalStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: 'bank:' })
 * const system = await ActorSystem.start({ persistence: { storage } })
 * // ... later, after system.shutdown():
 * await storage.close()
 */
export async function createRedisJournalStorage(options: RedisJournalOptions): Promise<RedisJournalStorage> {
  const { RedisJournalStorage } = await import('./providers/redis.js')
  return new RedisJournalStorage(options)
}
