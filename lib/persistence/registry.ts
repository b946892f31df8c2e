/**
 * Storage leases: which storage a persistent actor uses and when it is closed. Storages built
 * from a config are shared by the actors of one system that name the same config. A Redis
 * storage closes (its connection with it) once no live actor holds it, so a system that shut
 * down leaves nothing open. The in-memory storage lives as long as its system, so an actor
 * stopped and spawned again finds its journal. Storage instances given by the application are
 * never closed here: their owner closes them.
 */
import type { Logger } from '../util/logger.js'
import type { StorageConfig } from './options.js'
import { MemoryJournalStorage } from './providers/memory.js'
import type { RedisJournalOptions, RedisJournalStorage } from './providers/redis.js'
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
  return (kind === 'memory' || kind === 'redis') && typeof (spec as { writeEvents?: unknown }).writeEvents !== 'function'
}

async function build(spec: StorageConfig, logger: Logger): Promise<JournalStorage> {
  if (spec.kind === 'memory') return new MemoryJournalStorage()
  const { kind: _kind, ...options } = spec
  return createRedisJournalStorage({ ...options, logger })
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
