/** The regions registered on each system's main thread, by entity type name. */
import type { ActorSystem } from '../actor/system.js'
import type { ShardRegion } from './region.js'

const bySystem = new WeakMap<ActorSystem, Map<string, ShardRegion>>()

/** @internal The region of `type` on `system`'s main thread, if registered. */
export function regionOf(system: ActorSystem, type: string): ShardRegion | undefined {
  return bySystem.get(system)?.get(type)
}

/** @internal Every region of `system`'s main thread. */
export function regionsOf(system: ActorSystem): ShardRegion[] {
  return [...(bySystem.get(system)?.values() ?? [])]
}

/** @internal */
export function addRegion(system: ActorSystem, region: ShardRegion): void {
  let byType = bySystem.get(system)
  if (byType === undefined) {
    byType = new Map()
    bySystem.set(system, byType)
  }
  byType.set(region.typeName, region)
}
