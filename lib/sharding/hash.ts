/**
 * Which shard an entity belongs to: murmur3 x86_32 (seed 0) of the entity id's UTF-8 bytes,
 * modulo the type's shard count. The same on every node, platform and Node version, so any
 * region computes an entity's shard without asking (test vectors in test/sharding).
 */
import { hash32 } from '../util/hash-ring.js'

/** The shard of `entityId` among `shards` shards (0 .. shards-1). */
export function shardOf(entityId: string, shards: number): number {
  return hash32(entityId) % shards
}
