/**
 * Options of `system.sharding.register()`: the public type, the resolved form with defaults,
 * and the validation that names every bad field in one `TypeError`.
 */
import type { ActorArgs, ActorClass } from '../actor/types.js'
import { leastShardsAllocation, type ShardAllocationStrategy } from './allocation.js'

/** Shards per entity type unless told. */
export const DEFAULT_SHARDS = 100
/** Messages a region buffers per shard while the shard has no reachable home. */
export const DEFAULT_SHARD_BUFFER = 1000
/** How long a handoff may take before it is rolled back. */
export const DEFAULT_HANDOFF_TIMEOUT_MS = 10_000
/** Pause after a member comes up before the coordinator rebalances (coerce-rs waits 500 ms). */
export const DEFAULT_REBALANCE_AFTER_MS = 500

/** Automatic passivation: entities stop when idle or when a node holds too many, and come back on their next message. */
export interface PassivationOptions {
  /** Stop an entity that has had no message for this long (ms). */
  idleMs?: number
  /** Most entities of this type active on one node; past it the least recently used one stops. */
  maxActivePerNode?: number
}

/** Options of {@link Sharding.register}. */
export interface ShardingOptions<C extends ActorClass = ActorClass> {
  /** Shards of this type: an entity's shard is `murmur3(entityId) % shards`. Same on every node. Default 100. */
  shards?: number
  /** Constructor arguments of an entity, from its id (plain data when the class runs on workers). Default `[entityId]`. */
  entityArgs?: (entityId: string) => ActorArgs<C>
  /** Where shards go. Default {@link leastShardsAllocation}. Used by the coordinator, on whichever node it runs. */
  allocation?: ShardAllocationStrategy
  /** Automatic passivation. Default: none (entities run until they stop, are handed off or their node goes). */
  passivation?: PassivationOptions
  /**
   * Journal the entities of each shard (started, stopped) in the system's persistence storage,
   * and start them again wherever the shard goes next (handoff, node loss). Needs storage every
   * node shares (Redis, SQL) to survive a node. Default false.
   */
  rememberEntities?: boolean
  /** Messages held per shard while it has no home, or its home is moving or unreachable; past it `MailboxFull`. Default 1000. */
  bufferSize?: number
  /** How long a handoff may take (stopping the shard's entities) before it is rolled back. Default 10 000 ms. */
  handoffTimeoutMs?: number
  /** Pause after a member comes up before shards are rebalanced. Default 500 ms. */
  rebalanceAfterMs?: number
  /** This node routes messages for the type but hosts no shards (a client node). Default false. */
  proxyOnly?: boolean
}

/** @internal Options after validation. */
export interface ResolvedShardingOptions {
  shards: number
  entityArgs: (entityId: string) => unknown[]
  allocation: ShardAllocationStrategy
  idleMs: number
  maxActivePerNode: number
  rememberEntities: boolean
  bufferSize: number
  handoffTimeoutMs: number
  rebalanceAfterMs: number
  proxyOnly: boolean
}

const KEYS = new Set(['shards', 'entityArgs', 'allocation', 'passivation', 'rememberEntities', 'bufferSize', 'handoffTimeoutMs', 'rebalanceAfterMs', 'proxyOnly'])

/** @internal Validates `raw` for entity type `type`; throws one `TypeError` naming every problem. */
export function resolveShardingOptions(type: string, raw: unknown): ResolvedShardingOptions {
  const o = (raw ?? {}) as Record<string, unknown>
  const problems: string[] = []
  if (typeof o !== 'object') problems.push('options must be an object')
  const int = (key: string, value: unknown, min: number, fallback: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problems.push(`${key} must be an integer >= ${min} (got ${String(value)})`)
      return fallback
    }
    return value
  }
  const shards = int('shards', o['shards'], 1, DEFAULT_SHARDS)
  const entityArgs = o['entityArgs']
  if (entityArgs !== undefined && typeof entityArgs !== 'function') problems.push('entityArgs must be a function (entityId) => constructor arguments')
  const allocation = o['allocation']
  if (allocation !== undefined && (allocation === null || typeof (allocation as ShardAllocationStrategy).allocate !== 'function' || typeof (allocation as ShardAllocationStrategy).rebalance !== 'function')) {
    problems.push('allocation must have allocate() and rebalance() functions')
  }
  const passivation = (o['passivation'] ?? {}) as Record<string, unknown>
  if (typeof passivation !== 'object') problems.push('passivation must be an object')
  for (const key of Object.keys(passivation)) if (key !== 'idleMs' && key !== 'maxActivePerNode') problems.push(`unknown option passivation.${key}`)
  const idleMs = int('passivation.idleMs', passivation['idleMs'], 1, 0)
  const maxActivePerNode = int('passivation.maxActivePerNode', passivation['maxActivePerNode'], 1, 0)
  const remember = o['rememberEntities'] ?? false
  if (typeof remember !== 'boolean') problems.push('rememberEntities must be a boolean')
  const proxyOnly = o['proxyOnly'] ?? false
  if (typeof proxyOnly !== 'boolean') problems.push('proxyOnly must be a boolean')
  const bufferSize = int('bufferSize', o['bufferSize'], 0, DEFAULT_SHARD_BUFFER)
  const handoffTimeoutMs = int('handoffTimeoutMs', o['handoffTimeoutMs'], 1, DEFAULT_HANDOFF_TIMEOUT_MS)
  const rebalanceAfterMs = int('rebalanceAfterMs', o['rebalanceAfterMs'], 0, DEFAULT_REBALANCE_AFTER_MS)
  for (const key of Object.keys(o)) if (!KEYS.has(key)) problems.push(`unknown option ${key}`)
  if (problems.length > 0) throw new TypeError(`invalid sharding options for ${type}: ${problems.join('; ')}`)
  return {
    shards,
    entityArgs: (entityArgs as ((id: string) => unknown[]) | undefined) ?? ((id) => [id]),
    allocation: (allocation as ShardAllocationStrategy | undefined) ?? leastShardsAllocation(),
    idleMs,
    maxActivePerNode,
    rememberEntities: remember as boolean,
    bufferSize,
    handoffTimeoutMs,
    rebalanceAfterMs,
    proxyOnly: proxyOnly as boolean,
  }
}
