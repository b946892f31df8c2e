/**
 * Sharding's `/metrics` families, per entity type: shards and entities hosted on this node,
 * messages held, handoffs (done and rolled back), passivations, and how long rebalances took
 * (recorded on the node that ran the coordinator).
 */
import type { ActorSystem } from '../actor/system.js'
import type { HistogramSample, MetricFamily } from '../util/metric-collectors.js'
import { perOwner } from '../util/per-owner.js'
import type { RebalanceResult } from './coordinator.js'
import type { ShardRegion } from './region.js'

/** Upper bounds (seconds) of the rebalance-duration histogram. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const

interface Durations {
  counts: number[]
  sum: number
  count: number
}

const rebalances = perOwner((_: ActorSystem) => new Map<string, Durations>())

/** @internal Records a finished rebalance of `type` run by this node's coordinator. */
export function recordRebalance(system: ActorSystem, type: string, result: RebalanceResult): void {
  const byType = rebalances(system)
  let d = byType.get(type)
  if (d === undefined) {
    d = { counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, count: 0 }
    byType.set(type, d)
  }
  const seconds = result.durationMs / 1000
  let i = BUCKETS.findIndex((b) => seconds <= b)
  if (i < 0) i = BUCKETS.length
  d.counts[i] = (d.counts[i] as number) + 1
  d.sum += seconds
  d.count++
}

/** The families for `regions` of `system`. */
export function shardingFamilies(system: ActorSystem, regions: readonly ShardRegion[]): MetricFamily[] {
  const stats = regions.map((r) => ({ type: r.typeName, s: r.stats() }))
  const family =
    (type: 'gauge' | 'counter') =>
    (name: string, help: string, pick: (s: ReturnType<ShardRegion['stats']>) => number): MetricFamily => ({
      name,
      help,
      type,
      samples: stats.map(({ type, s }) => ({ labels: { type }, value: pick(s) })),
    })
  const gauge = family('gauge')
  const counter = family('counter')
  const durations: HistogramSample[] = [...rebalances(system)].map(([type, d]) => ({ labels: { type }, buckets: BUCKETS, counts: d.counts, sum: d.sum, count: d.count }))
  return [
    gauge('coerce_sharding_shards', 'Shards of the entity type hosted on this node.', (s) => s.shards),
    gauge('coerce_sharding_entities', 'Entities of the type on this node (starting, running or stopping).', (s) => s.entities),
    gauge('coerce_sharding_buffered_messages', 'Messages this node holds for shards without a reachable home and for entities starting or stopping.', (s) => s.buffered),
    counter('coerce_sharding_handoffs_total', 'Shards this node handed off to another node.', (s) => s.handoffs),
    counter('coerce_sharding_handoffs_rolled_back_total', 'Handoffs of this node that timed out and were rolled back (the shard stayed).', (s) => s.handoffsRolledBack),
    counter('coerce_sharding_passivations_total', 'Entities passivated on this node (idle, or over maxActivePerNode).', (s) => s.passivated),
    counter('coerce_sharding_dropped_total', 'Held tells that could not be delivered when released.', (s) => s.dropped),
    { name: 'coerce_sharding_rebalance_duration_seconds', help: 'How long rebalances took, recorded where the coordinator ran.', type: 'histogram', samples: durations },
  ]
}
