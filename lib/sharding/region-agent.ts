/**
 * The region endpoint: how the coordinator talks to one node's region of a type (homes,
 * handoffs, starting shards, what it hosts, figures). A {@link ServiceTarget} registered under
 * `$sharding-region:<type>` on the main thread: requests are served concurrently, so a slow
 * handoff holds no other request, and node loss and timeouts behave as for any remote ask.
 */
import { sameNode, type NodeAddress } from '../actor/address.js'
import type { ActorSystem } from '../actor/system.js'
import { ActorRef } from '../actor/ref.js'
import type { MessageTarget } from '../actor/target.js'
import { ServiceTarget } from '../cluster/service-target.js'
import type { MainRuntime } from '../runtime/main-runtime.js'
import type { RebalanceResult } from './coordinator.js'
import { regionAgentId } from './ids.js'
import type { ShardRegion } from './region.js'

/** The endpoint's actor type on the wire. */
export const REGION_ENDPOINT_TYPE = 'ShardRegionEndpoint'

/** One region's figures (`GET /sharding/types/:type`, metrics). */
export interface RegionStats {
  node: NodeAddress
  /** Shards hosted here. */
  shards: number
  /** Entities of the type on this node (starting, running or stopping). */
  entities: number
  /** Messages held for shards without a home and for entities starting or stopping. */
  buffered: number
  proxyOnly: boolean
  /** Shards this node handed off. */
  handoffs: number
  /** Handoffs of this node that were rolled back. */
  handoffsRolledBack: number
  /** Entities passivated here. */
  passivated: number
  /** Held tells that could not be delivered when released. */
  dropped: number
}

/** What a region reports to a coordinator that rebuilds its state. */
export interface HostedReport {
  shards: number[]
  proxyOnly: boolean
  shardCount: number
}

/** @internal Registers `region`'s endpoint on its node's main thread; returns what removes it. */
export function bindRegionEndpoint(region: ShardRegion): () => void {
  const id = regionAgentId(region.typeName)
  const target = new ServiceTarget(
    id,
    REGION_ENDPOINT_TYPE,
    region.self,
    {
      shardHome: (shard: number, node: NodeAddress) => region.onHome(shard, node),
      homes: (homes: [number, NodeAddress][]) => region.onHomes(homes),
      beginHandoff: (shard: number) => {
        region.beginHandoff(shard)
        return true
      },
      handoff: (shard: number) => region.handOff(shard),
      startShard: (shard: number) => region.startShard(shard),
      hosted: async (): Promise<HostedReport> => ({ shards: await region.hosted(), proxyOnly: region.options.proxyOnly, shardCount: region.shards }),
      stats: () => region.stats(),
      rebalanceDone: (requestId: number, result: RebalanceResult) => region.rebalanceDone(requestId, result),
      leaveDone: () => region.leaveDone(),
    },
    region.log,
  )
  region.system.host.addForwarder(id, new ActorRef(target))
  return () => {
    void target.stop()
    region.system.host.removeForwarder(id)
  }
}

/** @internal The endpoint of `type`'s region on `node` (this node's own when it is this node; null when this node has none). */
export function regionEndpoint(system: ActorSystem, node: NodeAddress, type: string): MessageTarget | null {
  const id = regionAgentId(type)
  if (sameNode(node, system.node)) return system.host.forwarder(id)?.target ?? null
  return (system.runtime as MainRuntime).remoteTargetFor({ node, thread: 0, id, actorType: REGION_ENDPOINT_TYPE, path: id })
}
