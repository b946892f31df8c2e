/** The regions registered on each system's main thread, by entity type name. */
import type { ActorSystem } from '../actor/system.js'
import { perOwner } from '../util/per-owner.js'
import type { ShardRegion } from './region.js'

const regionsByType = perOwner((_: ActorSystem) => new Map<string, ShardRegion>())

/** @internal The region of `type` on `system`'s main thread, if registered. */
export function regionOf(system: ActorSystem, type: string): ShardRegion | undefined {
  return regionsByType(system).get(type)
}

/** @internal Every region of `system`'s main thread. */
export function regionsOf(system: ActorSystem): ShardRegion[] {
  return [...regionsByType(system).values()]
}

/** @internal */
export function addRegion(system: ActorSystem, region: ShardRegion): void {
  regionsByType(system).set(region.typeName, region)
}
