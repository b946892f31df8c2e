/**
 * Persistence options: where journals are stored and what happens when storage fails. The
 * public shapes, their defaults and the one place they are validated. This file imports no
 * provider, so the actor system can validate its options without loading ioredis; storage
 * configs are plain data so a worker thread can build its own provider from them.
 */
import type { OptionField } from '../actor/extensions.js'
import { isJournalStorage, type JournalStorage } from './storage.js'

/** The embedded in-memory storage (one per actor system). */
export interface MemoryStorageConfig {
  kind: 'memory'
}

/** How the Redis storage reconnects after losing Redis. */
export interface RedisReconnectOptions {
  /** Reconnect attempts before the client gives up until the next operation; default `Infinity`. */
  maxAttempts?: number
  /** Upper bound of the exponential delay between attempts, ms. Default 1000. */
  maxDelayMs?: number
}

/** The plain-data part of the Redis storage options. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  url?: string
  /** Prepended to every key. Default `coerce:`. */
  keyPrefix?: string
  /**
   * Wrap the persistence id in a hash tag (`<prefix>{<id>}:journal`) so all keys of one id land
   * in one Redis Cluster slot. Default false. The prefix must then contain no `{`.
   */
  hashTags?: boolean
  /** A command without a reply after this long fails, ms. Default 2000. */
  commandTimeoutMs?: number
  /** How long an operation waits for a (re)connection before it fails, ms. Default 1000. */
  connectTimeoutMs?: number
  reconnect?: RedisReconnectOptions
}

/** Redis storage built from plain data (what a worker thread receives). */
export interface RedisStorageConfig extends RedisConnectionOptions {
  kind: 'redis'
  url: string
}

/** The plain-data options of the SQL storages (PostgreSQL, MariaDB/MySQL). */
export interface SqlConnectionOptions {
  /**
   * `postgres://user:password@host:port/database` (`postgresql://` too) for PostgreSQL,
   * `mysql://user:password@host:port/database` (`mariadb://` too) for MariaDB and MySQL.
   */
  url?: string
  /**
   * Where the tables live: a PostgreSQL schema, or a MariaDB/MySQL database. Default: the
   * connection's (PostgreSQL: its `search_path`, usually `public`; MySQL: the URL's database).
   */
  schema?: string
  /** Prepended to every table name (`<prefix>journal`, `<prefix>snapshots`, ...). Default `''`. */
  tablePrefix?: string
  /** Connections in the pool. Default 10. */
  poolSize?: number
  /** How long an operation waits for a connection before it fails, ms. Default 2000. */
  connectTimeoutMs?: number
  /** A statement without a reply after this long fails, ms. Default 10 000. */
  statementTimeoutMs?: number
  /**
   * Create or upgrade the tables on first use (under a lock, so concurrent starts are safe).
   * Default false: a missing or older schema fails with `SchemaOutdated` naming
   * `npx coerce-ts journal migrate`.
   */
  autoMigrate?: boolean
}

/** PostgreSQL storage built from plain data (what a worker thread receives). */
export interface PostgresStorageConfig extends SqlConnectionOptions {
  kind: 'postgres'
  url: string
}

/** MariaDB / MySQL storage built from plain data (what a worker thread receives). */
export interface MysqlStorageConfig extends SqlConnectionOptions {
  kind: 'mysql'
  url: string
}

/** A SQL storage described as plain data. */
export type SqlStorageConfig = PostgresStorageConfig | MysqlStorageConfig

/** A storage described as plain data. */
export type StorageConfig = MemoryStorageConfig | RedisStorageConfig | SqlStorageConfig

/** The storage kinds a plain-data config can name. */
export const STORAGE_KINDS = ['memory', 'redis', 'postgres', 'mysql'] as const

/**
 * Retry with exponential backoff: wait `delayMs`, then `delayMs * factor`, ... up to
 * `maxDelayMs`, for at most `maxAttempts` attempts in all (`Infinity`: until success).
 */
export interface RetryPolicy {
  kind: 'retry'
  /** Attempts in all, the first included. Default 5 for recovery, 3 for persists. */
  maxAttempts?: number
  /** Delay before the second attempt, ms. Default 100. */
  delayMs?: number
  /** Upper bound of the delay, ms. Default 2000. */
  maxDelayMs?: number
  /** Growth of the delay per attempt. Default 2. */
  factor?: number
}

/** What recovery does when reading the journal fails. `stop`: the spawn fails with `StartFailed`. */
export type RecoveryPolicy = RetryPolicy | { kind: 'stop' }

/**
 * What a persist does when the storage fails:
 * - `retry`: try again with backoff; when the attempts are spent the persist rejects with
 *   `PersistFailed` (the handler fails, so its ask rejects and supervision decides);
 * - `stop`: the persist rejects and the actor stops after the current message;
 * - `returnError`: the persist rejects and the actor goes on.
 */
export type PersistPolicy = RetryPolicy | { kind: 'stop' } | { kind: 'returnError' }

/** Persistence options of an actor system (`ActorSystem.start({ persistence })`). */
export interface PersistenceOptions {
  /** A storage instance or a plain-data config. Default `{ kind: 'memory' }`. */
  storage?: JournalStorage | StorageConfig
  /** Default: retry 5 attempts, 100 ms growing to 2 s. */
  recovery?: RecoveryPolicy
  /** Default: retry 3 attempts, 100 ms growing to 2 s. */
  persist?: PersistPolicy
  /** Events read per storage call during recovery. Default 1000. */
  recoveryBatchSize?: number
}

/** @internal A retry policy with every default filled in. */
export interface ResolvedRetryPolicy {
  kind: 'retry'
  maxAttempts: number
  delayMs: number
  maxDelayMs: number
  factor: number
}

/** @internal */
export type ResolvedRecoveryPolicy = ResolvedRetryPolicy | { kind: 'stop' }
/** @internal */
export type ResolvedPersistPolicy = ResolvedRetryPolicy | { kind: 'stop' } | { kind: 'returnError' }

/** Persistence options with every default filled in. */
export interface ResolvedPersistenceOptions {
  /**
   * null: no storage on this thread. A worker thread of a system given a storage instance gets
   * null, since an instance cannot cross threads; persistent actors there fail to start.
   */
  storage: JournalStorage | StorageConfig | null
  recovery: ResolvedRecoveryPolicy
  persist: ResolvedPersistPolicy
  recoveryBatchSize: number
}

export const DEFAULT_RECOVERY_ATTEMPTS = 5
export const DEFAULT_PERSIST_ATTEMPTS = 3
export const DEFAULT_RETRY_DELAY_MS = 100
export const DEFAULT_RETRY_MAX_DELAY_MS = 2_000
export const DEFAULT_RETRY_FACTOR = 2
export const DEFAULT_RECOVERY_BATCH_SIZE = 1_000

/** @internal Validates a policy; pushes problems naming `field`; returns the resolved form. */
export function resolvePolicy(
  p: unknown,
  field: string,
  allowed: readonly string[],
  defaultAttempts: number,
  problems: string[],
): ResolvedPersistPolicy | undefined {
  if (p === undefined) return retryDefaults(defaultAttempts)
  if (p === null || typeof p !== 'object') {
    problems.push(`${field} must be an object with kind ${allowed.join(' | ')}`)
    return undefined
  }
  const o = p as Record<string, unknown>
  if (!allowed.includes(o['kind'] as string)) {
    problems.push(`${field}.kind must be one of ${allowed.join(', ')} (got ${String(o['kind'])})`)
    return undefined
  }
  if (o['kind'] !== 'retry') return { kind: o['kind'] as 'stop' | 'returnError' }
  const r = retryDefaults(defaultAttempts)
  const before = problems.length
  const attempts = o['maxAttempts']
  if (attempts !== undefined) {
    if (typeof attempts === 'number' && attempts >= 1 && (Number.isInteger(attempts) || attempts === Infinity)) r.maxAttempts = attempts
    else problems.push(`${field}.maxAttempts must be an integer >= 1 or Infinity (got ${String(attempts)})`)
  }
  for (const key of ['delayMs', 'maxDelayMs'] as const) {
    const v = o[key]
    if (v === undefined) continue
    if (typeof v === 'number' && v >= 0 && Number.isFinite(v)) r[key] = v
    else problems.push(`${field}.${key} must be a number >= 0 (got ${String(v)})`)
  }
  const factor = o['factor']
  if (factor !== undefined) {
    if (typeof factor === 'number' && factor >= 1 && Number.isFinite(factor)) r.factor = factor
    else problems.push(`${field}.factor must be a number >= 1 (got ${String(factor)})`)
  }
  if (o['maxDelayMs'] === undefined && r.delayMs > r.maxDelayMs) r.maxDelayMs = r.delayMs
  if (r.maxDelayMs < r.delayMs) problems.push(`${field}.maxDelayMs must be >= delayMs`)
  return problems.length === before ? r : undefined
}

function retryDefaults(maxAttempts: number): ResolvedRetryPolicy {
  return { kind: 'retry', maxAttempts, delayMs: DEFAULT_RETRY_DELAY_MS, maxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS, factor: DEFAULT_RETRY_FACTOR }
}

/** @internal The problems with the plain-data Redis options, each naming its field. */
export function redisOptionProblems(o: RedisConnectionOptions, field = ''): string[] {
  const problems: string[] = []
  if (o.url !== undefined && (typeof o.url !== 'string' || !/^rediss?:\/\/./.test(o.url))) {
    problems.push(`${field}url must be a redis:// or rediss:// URL (got ${JSON.stringify(o.url)})`)
  }
  if (o.keyPrefix !== undefined && typeof o.keyPrefix !== 'string') problems.push(`${field}keyPrefix must be a string`)
  if (o.hashTags !== undefined && typeof o.hashTags !== 'boolean') problems.push(`${field}hashTags must be a boolean`)
  if (o.hashTags === true && typeof o.keyPrefix === 'string' && o.keyPrefix.includes('{')) {
    problems.push(`${field}keyPrefix must not contain '{' when hashTags is on`)
  }
  for (const key of ['commandTimeoutMs', 'connectTimeoutMs'] as const) {
    const v = o[key]
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      problems.push(`${field}${key} must be a positive number (got ${String(v)})`)
    }
  }
  const r = o.reconnect
  if (r !== undefined) {
    if (r === null || typeof r !== 'object') problems.push(`${field}reconnect must be an object`)
    else {
      const a = r.maxAttempts
      if (a !== undefined && !(typeof a === 'number' && a >= 0 && (Number.isInteger(a) || a === Infinity))) {
        problems.push(`${field}reconnect.maxAttempts must be an integer >= 0 or Infinity (got ${String(a)})`)
      }
      const d = r.maxDelayMs
      if (d !== undefined && !(typeof d === 'number' && d >= 0 && Number.isFinite(d))) {
        problems.push(`${field}reconnect.maxDelayMs must be a number >= 0 (got ${String(d)})`)
      }
    }
  }
  return problems
}

const SQL_URL = { postgres: /^postgres(ql)?:\/\/./, mysql: /^(mysql|mariadb):\/\/./ } as const
/** SQL identifiers we splice into statements: plain names only, so nothing needs quoting rules. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/

/** @internal The problems with the plain-data SQL options, each naming its field. */
export function sqlOptionProblems(kind: 'postgres' | 'mysql', o: SqlConnectionOptions, field = ''): string[] {
  const problems: string[] = []
  if (typeof o.url !== 'string' || !SQL_URL[kind].test(o.url)) {
    const schemes = kind === 'postgres' ? 'postgres:// or postgresql://' : 'mysql:// or mariadb://'
    problems.push(`${field}url must be a ${schemes} URL (got ${JSON.stringify(o.url)})`)
  }
  if (o.schema !== undefined && !(typeof o.schema === 'string' && IDENTIFIER.test(o.schema))) {
    problems.push(`${field}schema must be a name of letters, digits and _ (got ${JSON.stringify(o.schema)})`)
  }
  if (o.tablePrefix !== undefined && !(typeof o.tablePrefix === 'string' && (o.tablePrefix === '' || IDENTIFIER.test(o.tablePrefix)))) {
    problems.push(`${field}tablePrefix must be letters, digits and _ (got ${JSON.stringify(o.tablePrefix)})`)
  }
  if (o.poolSize !== undefined && !(Number.isInteger(o.poolSize) && o.poolSize > 0)) problems.push(`${field}poolSize must be a positive integer (got ${String(o.poolSize)})`)
  for (const key of ['connectTimeoutMs', 'statementTimeoutMs'] as const) {
    const v = o[key]
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) problems.push(`${field}${key} must be a positive number (got ${String(v)})`)
  }
  if (o.autoMigrate !== undefined && typeof o.autoMigrate !== 'boolean') problems.push(`${field}autoMigrate must be a boolean`)
  return problems
}

/** @internal Validates a storage option (instance or config); pushes problems naming `field`. */
export function resolveStorage(s: unknown, field: string, problems: string[]): JournalStorage | StorageConfig | undefined {
  if (s === undefined) return { kind: 'memory' }
  if (isJournalStorage(s)) return s
  if (s === null || typeof s !== 'object') {
    problems.push(`${field} must be a JournalStorage or { kind: 'memory' | 'redis' | 'postgres' | 'mysql', ... }`)
    return undefined
  }
  const o = s as Record<string, unknown>
  if (o['kind'] === 'memory') return { kind: 'memory' }
  if (o['kind'] === 'redis') {
    const before = problems.length
    if (typeof o['url'] !== 'string') problems.push(`${field}.url is required for kind 'redis'`)
    problems.push(...redisOptionProblems(o as RedisConnectionOptions, `${field}.`))
    if (problems.length > before) return undefined
    // A copy, so later changes by the caller do not reach running systems.
    return structuredClone(o) as unknown as RedisStorageConfig
  }
  if (o['kind'] === 'postgres' || o['kind'] === 'mysql') {
    const found = sqlOptionProblems(o['kind'], o as SqlConnectionOptions, `${field}.`)
    problems.push(...found)
    return found.length > 0 ? undefined : (structuredClone(o) as unknown as SqlStorageConfig)
  }
  problems.push(`${field}.kind must be 'memory', 'redis', 'postgres' or 'mysql' (got ${String(o['kind'])}), or pass a JournalStorage instance`)
  return undefined
}

/**
 * @internal Validates the system's `persistence` option and fills defaults. Pushes one line per
 * bad field onto `problems` (the actor system throws one TypeError naming them all).
 */
export function resolvePersistenceOptions(o: PersistenceOptions | undefined, problems: string[]): ResolvedPersistenceOptions | undefined {
  const before = problems.length
  if (o !== undefined && (o === null || typeof o !== 'object')) {
    problems.push('persistence must be an object')
    return undefined
  }
  const storage = resolveStorage(o?.storage, 'persistence.storage', problems)
  const recovery = resolvePolicy(o?.recovery, 'persistence.recovery', ['retry', 'stop'], DEFAULT_RECOVERY_ATTEMPTS, problems)
  const persist = resolvePolicy(o?.persist, 'persistence.persist', ['retry', 'stop', 'returnError'], DEFAULT_PERSIST_ATTEMPTS, problems)
  const batch = o?.recoveryBatchSize
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) {
    problems.push(`persistence.recoveryBatchSize must be a positive integer (got ${String(batch)})`)
  }
  if (problems.length > before || storage === undefined || recovery === undefined || persist === undefined) return undefined
  return {
    storage,
    recovery: recovery as ResolvedRecoveryPolicy,
    persist,
    recoveryBatchSize: batch ?? DEFAULT_RECOVERY_BATCH_SIZE,
  }
}

/**
 * @internal The persistence options as a worker thread receives them: plain data only. A
 * storage instance lives on the thread that created it, so it becomes null (a persistent actor
 * placed on a worker then fails to start with an error saying why and what to use instead).
 */
export function persistenceForWorker(o: ResolvedPersistenceOptions): ResolvedPersistenceOptions {
  return isJournalStorage(o.storage) ? { ...o, storage: null } : o
}

declare module '../actor/options.js' {
  interface ActorSystemOptions {
    /** Journal storage and failure policies of persistent actors. Default: in-memory storage, retry policies. */
    persistence?: PersistenceOptions
  }
  interface ResolvedSystemOptions {
    persistence: ResolvedPersistenceOptions
  }
}

/** The `persistence` system option (installed with the persistence extension). */
export const persistenceOptionField: OptionField<ResolvedPersistenceOptions | undefined> = {
  resolve: (raw, problems) => resolvePersistenceOptions(raw as PersistenceOptions | undefined, problems),
  forWorker: (resolved) => (resolved === undefined ? undefined : persistenceForWorker(resolved)),
}
