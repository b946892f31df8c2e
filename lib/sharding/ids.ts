/**
 * The actor ids sharding uses, the same on every node: the forwarder ids a region answers under
 * (`$entity:<type>|<entityId>` for refs handed to users, `$entity-at:<type>|<entityId>` for
 * messages one region relays to the region it believes hosts the shard), the entity actors'
 * own ids, and the ids of the per-type region agent and coordinator singleton.
 */

/** Id of the ref `region.ref(entityId)` returns (any thread, any node). */
export function entityRefId(type: string, entityId: string): string {
  return `$entity:${type}|${entityId}`
}

/** Id a region uses when it relays a message to the region it believes hosts the shard. */
export function entityRelayId(type: string, entityId: string): string {
  return `$entity-at:${type}|${entityId}`
}

/** The forwarder family (prefix up to and with '|') of the user-facing ids of `type`. */
export function entityRefFamily(type: string): string {
  return `$entity:${type}|`
}

/** The forwarder family of the relay ids of `type`. */
export function entityRelayFamily(type: string): string {
  return `$entity-at:${type}|`
}

/** Id of the entity actor itself on its hosting node (never registered cluster-wide: it starts with '$'). */
export function entityActorId(type: string, entityId: string): string {
  return `$e:${type}|${entityId}`
}

/** The entity id inside one of the ids above (everything after the first '|'). */
export function entityIdIn(id: string): string {
  return id.slice(id.indexOf('|') + 1)
}

/** Id of the region agent of `type` on each node's main thread. */
export function regionAgentId(type: string): string {
  return `$sharding-region:${type}`
}

/** Name of the cluster singleton that coordinates `type`. */
export function coordinatorName(type: string): string {
  return `sharding-coordinator:${type}`
}

/** Persistence id of the remembered entities of one shard. */
export function rememberedId(type: string, shard: number): string {
  return `$sharding:${type}:${shard}`
}
