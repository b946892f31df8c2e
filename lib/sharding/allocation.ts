/**
 * Where shards go: the pluggable allocation strategy and the default, fewest shards first. The
 * coordinator asks `allocate` for each shard that needs a home (first message, a lost node's
 * shards, the end of a handoff) and `rebalance` for the shards to move now.
 */
import { nodeKey, type NodeAddress } from '../actor/address.js'

/** One region that can host shards, with the shards it hosts now (moving ones excluded). */
export interface AllocationRegion {
  readonly node: NodeAddress
  readonly shards: readonly number[]
}

/**
 * Decides where shards live. Runs inside the coordinator (on the oldest node), with the view of
 * the regions that can host: up members that registered the type and are not leaving.
 */
export interface ShardAllocationStrategy {
  /** The node for `shard`, which has no home. `regions` is never empty. */
  allocate(shard: number, regions: readonly AllocationRegion[]): NodeAddress
  /** The shards to move now (each is handed off, then allocated again); [] when balanced. */
  rebalance(regions: readonly AllocationRegion[], moving: ReadonlySet<number>): number[]
}

/**
 * The default: a new shard goes to the region with the fewest shards (ties: the lowest node id,
 * then incarnation); a rebalance moves shards from the fullest regions until every region is
 * within `threshold` (default 1) of every other, at most `maxSimultaneous` (default 10) at a time.
 */
export function leastShardsAllocation(options: { threshold?: number; maxSimultaneous?: number } = {}): ShardAllocationStrategy {
  const threshold = options.threshold ?? 1
  const maxSimultaneous = options.maxSimultaneous ?? 10
  return {
    allocate(_shard, regions) {
      let best = regions[0] as AllocationRegion
      for (const r of regions) {
        if (r.shards.length < best.shards.length || (r.shards.length === best.shards.length && compareNodes(r.node, best.node) < 0)) best = r
      }
      return best.node
    },
    rebalance(regions, moving) {
      if (regions.length < 2 || moving.size >= maxSimultaneous) return []
      const counts = new Map(regions.map((r) => [nodeKey(r.node), [...r.shards].sort((a, b) => b - a)]))
      const moves: number[] = []
      while (moves.length + moving.size < maxSimultaneous) {
        let most: number[] | undefined
        let least: number[] | undefined
        for (const shards of counts.values()) {
          if (most === undefined || shards.length > most.length) most = shards
          if (least === undefined || shards.length < least.length) least = shards
        }
        if (most === undefined || least === undefined || most.length - least.length <= threshold) break
        const shard = most.shift() as number
        least.push(shard)
        moves.push(shard)
      }
      return moves
    },
  }
}

/** Orders nodes by id, then incarnation: the allocation's tie-break. */
export function compareNodes(a: NodeAddress, b: NodeAddress): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.incarnation - b.incarnation
}
