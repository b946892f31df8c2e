/**
 * Sharding as an extension: `system.sharding` on every system (on a worker, regions whose refs
 * go through the main thread's region), the graceful-leave handoff (through the cluster's
 * `beforeLeave` hook, phase 0, so coordinators still run here while shards move), the HTTP
 * routes, the `coerce_sharding_*` metric families, and closing the regions at shutdown.
 */
import { actorTypeName, handlerNamesOf, type Actor } from '../actor/actor.js'
import { ActorRefError } from '../actor/errors.js'
import type { Extension } from '../actor/extensions.js'
import type { ActorRef } from '../actor/ref.js'
import type { ActorSystem } from '../actor/system.js'
import type { ActorClass } from '../actor/types.js'
import { clusterOf } from '../cluster/extension.js'
import type { WorkerRuntime } from '../runtime/worker-runtime.js'
import { metricCollectors } from '../util/metric-collectors.js'
import { perOwner } from '../util/per-owner.js'
import type { CoordinatorStatus, RebalanceResult } from './coordinator.js'
import { shardOf } from './hash.js'
import { registerShardingHttp } from './http.js'
import { entityRefId } from './ids.js'
import { resolveShardingOptions, type ShardingOptions } from './options.js'
import { checkEntityId, ShardRegion, type ShardRegionApi } from './region.js'
import { addRegion, regionOf, regionsOf } from './registry.js'
import { shardingFamilies } from './stats.js'

/** `system.sharding`: entity types spread over the cluster in shards. */
export interface Sharding {
  /**
   * Registers entity type `type` on this node and returns its region. Call it with the same
   * class and options on every node (at start-up). Entities start on their first message on
   * the node that hosts their shard; see docs/sharding.md. Registering a class again returns
   * the same region. On a worker thread it returns a region whose refs go through the main
   * thread's region (the main thread must register the type too).
   *
   * Throws `TypeError` for bad options, `ActorRefError` `AlreadyExists` when another class has
   * the same type name.
   */
  register<C extends ActorClass>(type: C, options?: ShardingOptions<C>): ShardRegionApi<InstanceType<C>>
  /** The region of a registered type (class or type name), or undefined. */
  region<C extends ActorClass>(type: C | string): ShardRegionApi<InstanceType<C>> | undefined
  /** The type names registered on this thread. */
  types(): string[]
}

/** A region on a worker thread: refs only, through the main thread's region. */
class WorkerRegion<A extends Actor> implements ShardRegionApi<A> {
  readonly typeName: string
  constructor(
    private readonly system: ActorSystem,
    type: ActorClass,
    readonly shards: number,
  ) {
    this.typeName = actorTypeName(type)
    handlerNamesOf(type) // so refs check handler names here, as for the class's other refs
  }

  ref(entityId: string): ActorRef<A> {
    checkEntityId(this.typeName, entityId)
    const id = entityRefId(this.typeName, entityId)
    const runtime = this.system.runtime as WorkerRuntime
    return runtime.refFor({ node: this.system.node, thread: 0, id, actorType: this.typeName, path: id }) as ActorRef<A>
  }

  shardOf(entityId: string): number {
    return shardOf(entityId, this.shards)
  }

  rebalance(): Promise<RebalanceResult> {
    return Promise.reject(new ActorRefError('NotSupported', 'rebalance() runs on the main thread', { actorType: this.typeName }))
  }

  status(): Promise<CoordinatorStatus> {
    return Promise.reject(new ActorRefError('NotSupported', 'status() runs on the main thread', { actorType: this.typeName }))
  }
}

const workerRegions = perOwner((_: ActorSystem) => new Map<string, WorkerRegion<Actor>>())

function shardingOf(system: ActorSystem): Sharding {
  const onMain = system.host.thread === 0
  return {
    register<C extends ActorClass>(type: C, options?: ShardingOptions<C>): ShardRegionApi<InstanceType<C>> {
      if (system.isShutdown) throw new ActorRefError('SystemShutdown', 'the actor system is shut down', { actorType: type.name })
      const name = actorTypeName(type)
      if (name.includes('|')) throw new TypeError(`a sharded type name must not contain '|' (got ${name})`)
      const resolved = resolveShardingOptions(name, options)
      if (!onMain) {
        const byType = workerRegions(system)
        let r = byType.get(name)
        if (r === undefined) {
          r = new WorkerRegion(system, type, resolved.shards)
          byType.set(name, r)
        }
        return r as ShardRegionApi<InstanceType<C>>
      }
      const known = regionOf(system, name)
      if (known !== undefined) {
        if (known.type !== type) throw new ActorRefError('AlreadyExists', `sharded type '${name}' is registered with another class`, { actorType: name })
        return known as unknown as ShardRegionApi<InstanceType<C>>
      }
      const region = new ShardRegion<InstanceType<C>>(system, type, resolved)
      addRegion(system, region as ShardRegion)
      region.start()
      return region
    },
    region<C extends ActorClass>(type: C | string): ShardRegionApi<InstanceType<C>> | undefined {
      const name = typeof type === 'string' ? type : actorTypeName(type)
      const r = onMain ? regionOf(system, name) : workerRegions(system).get(name)
      return r as ShardRegionApi<InstanceType<C>> | undefined
    },
    types(): string[] {
      return onMain ? regionsOf(system).map((r) => r.typeName) : [...workerRegions(system).keys()]
    },
  }
}

export const shardingExtension: Extension = {
  name: 'sharding',
  systemProperties: { sharding: shardingOf },
  onStart(system) {
    registerShardingHttp(system, () => regionsOf(system))
    metricCollectors(system).register('sharding', { collect: () => shardingFamilies(system, regionsOf(system)) })
    clusterOf(system)?.beforeLeave(async () => {
      await Promise.all(regionsOf(system).map((r) => r.leave()))
    }, 0)
  },
  onStop(system) {
    for (const r of regionsOf(system)) r.close()
  },
}

// Declared here, next to the implementation, so the package's declarations carry it.
declare module '../actor/system.js' {
  interface ActorSystem {
    /**
     * Cluster sharding: entities of a type spread over the cluster's nodes in shards, each
     * entity alive once, found by id. See docs/sharding.md.
     *
     * @example
     * registerActors(import.meta.url, Account)
     * const accounts = system.sharding.register(Account, { shards: 100 })
     * await accounts.ref('acc-42').ask('deposit', 10) // from any node or thread
     */
    readonly sharding: Sharding
  }
}
