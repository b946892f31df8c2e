/**
 * The `/metrics` families of a system's pools (through the metric-collector seam, so the HTTP
 * API needs no knowledge of pools): members available, messages the main thread routed per
 * member, and resizes by direction. Registered when a system starts (the pool extension's
 * `onStart`), so pools made from workers show too.
 */
import type { ActorSystem } from '../../actor/system.js'
import { metricCollectors, type MetricFamily } from '../../util/metric-collectors.js'
import { perOwner } from '../../util/per-owner.js'
import { poolStatesOf } from './state.js'

/** Registers the `/metrics` collector of a system's pools (once per system); returns its removal. */
export const registerPoolMetrics: (system: ActorSystem) => () => void = perOwner((system: ActorSystem) =>
  metricCollectors(system).register('pools', {
    collect(): MetricFamily[] {
      const states = poolStatesOf(system.node)
      return [
        {
          name: 'coerce_pool_members',
          help: 'Members of each pool available for routing (main thread view).',
          type: 'gauge',
          samples: states.map((s) => ({ labels: { pool: s.poolId, actor_type: s.actorType }, value: s.live.length })),
        },
        {
          name: 'coerce_pool_routed_total',
          help: 'Messages the main thread routed through each pool, per member.',
          type: 'counter',
          samples: states.flatMap((s) => s.members.map((m) => ({ labels: { pool: s.poolId, member: m.id }, value: m.routed }))),
        },
        {
          name: 'coerce_pool_resizes_total',
          help: 'Resizes of each pool (resizer or resize()), by direction.',
          type: 'counter',
          samples: states.flatMap((s) => [
            { labels: { pool: s.poolId, direction: 'grow' }, value: s.resizes.grow },
            { labels: { pool: s.poolId, direction: 'shrink' }, value: s.resizes.shrink },
          ]),
        },
      ]
    },
  }),
)

