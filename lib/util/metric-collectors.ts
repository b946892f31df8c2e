/**
 * The seam through which any module contributes metrics to its actor system's `/metrics`
 * output without depending on the HTTP API: a module registers a collector that returns metric
 * families (plain data), and the API renders them as Prometheus text. It lives in lib/util
 * because the modules that contribute (persistence, sharding, ...) sit below lib/api.
 */
import { perOwner } from './per-owner.js'

/** Label names to values of one series. */
export type MetricLabels = Readonly<Record<string, string>>

/** One series of a counter or gauge. */
export interface MetricSample {
  labels?: MetricLabels
  value: number
}

/**
 * One series of a histogram: `counts[i]` observations fell in `(buckets[i-1], buckets[i]]`, the
 * extra last slot counts those above the last bound (the `+Inf` bucket). Not cumulative.
 */
export interface HistogramSample {
  labels?: MetricLabels
  buckets: readonly number[]
  counts: readonly number[]
  sum: number
  count: number
}

/**
 * A metric family. Names follow Prometheus conventions: `snake_case`, a unit suffix
 * (`_seconds`, `_bytes`), counters ending in `_total`.
 */
export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: readonly MetricSample[] }
  | { name: string; help: string; type: 'histogram'; samples: readonly HistogramSample[] }

/**
 * Something that reports metric families on demand. `collect` is called on every scrape and
 * must be quick and side-effect free: read counters kept in memory, never do I/O. It may
 * answer with a promise when its figures live on another thread (remoting's counters live on
 * the network thread); the scrape waits for it up to a bound, then leaves it out.
 */
export interface MetricCollector {
  collect(): readonly MetricFamily[] | Promise<readonly MetricFamily[]>
}

/** The collectors of one actor system. */
export class MetricCollectors {
  private readonly byName = new Map<string, MetricCollector>()

  /**
   * Adds a collector under a unique `name` (shown in the `collector` label of
   * `coerce_metrics_collector_up`). Returns a function that removes it. Throws a TypeError when
   * the name is empty or taken.
   */
  register(name: string, collector: MetricCollector): () => void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('collector name must be a non-empty string')
    if (this.byName.has(name)) throw new TypeError(`a metric collector named '${name}' is already registered`)
    if (typeof collector?.collect !== 'function') throw new TypeError(`collector '${name}' has no collect() function`)
    this.byName.set(name, collector)
    return () => {
      if (this.byName.get(name) === collector) this.byName.delete(name)
    }
  }

  /** The registered collectors, in registration order. */
  entries(): [string, MetricCollector][] {
    return [...this.byName.entries()]
  }
}

/**
 * The metric collectors of `system` (any actor system object), created on first use.
 *
 * @example
 * metricCollectors(system).register('persistence', {
 *   collect: () => [{ name: 'coerce_persistence_ops_total', help: 'Journal operations.', type: 'counter',
 *                     samples: [{ labels: { op: 'append' }, value: appends }] }],
 * })
 */
export const metricCollectors: (system: object) => MetricCollectors = perOwner(() => new MetricCollectors())
