/**
 * A prom-client custom metric over one metric family of the current scrape: it owns no values,
 * and its `get()` turns whatever family its source holds right now into prom-client's value
 * list (counters stay counters, histograms get cumulative `_bucket` series with the family's own
 * bounds, `_sum` and `_count`). This is how figures that live in cross-thread snapshots reach a
 * prom-client `Registry`: prom-client's Counter and Histogram only count what they observe
 * themselves, so they cannot be set from a snapshot.
 */
import type { Metric } from 'prom-client'
import type { MetricFamily, MetricLabels } from '../util/metric-collectors.js'

/** One series as prom-client's registry renders it: `metricName` defaults to the family name. */
export interface FamilyMetricValue {
  metricName?: string
  labels: Readonly<Record<string, string>>
  value: number
}

/**
 * What prom-client's `Registry` reads from a metric (`metrics()` calls `get()` and writes
 * `# HELP`, `# TYPE` and one line per value; `getMetricsAsJSON()` returns `get()`'s result).
 * prom-client's typings declare `type` as a numeric enum, but the registry writes the string.
 */
export interface FamilyMetricJson {
  name: string
  help: string
  type: MetricFamily['type']
  aggregator: 'sum'
  values: FamilyMetricValue[]
}

/** A prom-client custom metric whose values are the family `source()` returns at each `get()`. */
export class FamilyMetric {
  readonly aggregator = 'sum'

  /**
   * @param name the family name; the registry keys metrics by it.
   * @param source the family as of the current scrape, or undefined while it has none.
   */
  constructor(
    readonly name: string,
    private readonly source: () => MetricFamily | undefined,
  ) {}

  /** The family's type as of the current scrape (prom-client reads it for OpenMetrics). */
  get type(): MetricFamily['type'] {
    return this.source()?.type ?? 'gauge'
  }

  /** The family's help as of the current scrape. */
  get help(): string {
    return this.source()?.help ?? ''
  }

  /** The family as prom-client's registry renders it. */
  get(): FamilyMetricJson {
    const f = this.source()
    if (f === undefined) return { name: this.name, help: '', type: 'gauge', aggregator: 'sum', values: [] }
    return { name: f.name, help: f.help, type: f.type, aggregator: 'sum', values: familyValues(f) }
  }

  /** Nothing to reset: the values belong to the snapshot, not to this object. */
  reset(): void {}

  /**
   * This object as the `Metric` prom-client's `registerMetric` is typed to take. The registry
   * only calls `get()` (and `reset()`) and reads `name` and `type`, which this class provides.
   */
  asPromMetric(): Metric {
    return this as unknown as Metric
  }
}

/** The series of a validated family, in prom-client's value form. */
function familyValues(f: MetricFamily): FamilyMetricValue[] {
  if (f.type !== 'histogram') return f.samples.map((s) => ({ labels: s.labels ?? {}, value: s.value }))
  const values: FamilyMetricValue[] = []
  for (const s of f.samples) {
    const labels: MetricLabels = s.labels ?? {}
    let cumulative = 0
    for (let i = 0; i < s.buckets.length; i++) {
      cumulative += s.counts[i] as number
      values.push({ metricName: `${f.name}_bucket`, labels: { ...labels, le: String(s.buckets[i]) }, value: cumulative })
    }
    // +Inf and _count come from the same bucket total so they always agree.
    cumulative += s.counts[s.buckets.length] as number
    values.push({ metricName: `${f.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative })
    values.push({ metricName: `${f.name}_sum`, labels, value: s.sum })
    values.push({ metricName: `${f.name}_count`, labels, value: cumulative })
  }
  return values
}
