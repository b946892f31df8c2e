/**
 * Validation of the metric families that runtime code and collectors hand to `/metrics`: names
 * and label names Prometheus accepts, histogram buckets prom-client can render cumulatively,
 * no duplicate series, and no family reusing a series name another family already claimed.
 * A family that fails is left out of the scrape by the caller, so one bad contributor never
 * breaks the exposition.
 */
import type { HistogramSample, MetricFamily, MetricLabels, MetricSample } from '../util/metric-collectors.js'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** The series names a family of `type` called `name` writes (a histogram writes four). */
export function seriesNames(name: string, type: string): string[] {
  return type === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]
}

/**
 * Why `family` cannot be rendered, or null when it can. `taken` holds the series names already
 * claimed in this scrape; the caller adds the family's names once it accepts it.
 */
export function familyProblem(family: MetricFamily, taken: ReadonlySet<string>): string | null {
  const f: unknown = family
  if (f === null || typeof f !== 'object') return 'not a metric family'
  if (typeof family.name !== 'string' || !METRIC_NAME.test(family.name)) return 'invalid metric name'
  const type: unknown = family.type
  if (type !== 'counter' && type !== 'gauge' && type !== 'histogram') return `unknown type ${String(type)}`
  if (typeof family.help !== 'string') return 'help must be a string'
  if (!Array.isArray(family.samples)) return 'samples must be an array'
  for (const n of seriesNames(family.name, family.type)) if (taken.has(n)) return `metric name ${n} is already used`
  const series = new Set<string>()
  for (const s of family.samples as readonly (MetricSample | HistogramSample | null | undefined)[]) {
    const labels: MetricLabels = s?.labels ?? {}
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_NAME.test(k) || k.startsWith('__')) return `invalid label name ${k}`
      if (family.type === 'histogram' && k === 'le') return 'histogram samples must not have an le label'
      if (typeof v !== 'string') return `label ${k} must be a string`
    }
    const key = seriesKey(labels)
    if (series.has(key)) return `duplicate series ${key}`
    series.add(key)
    if (family.type === 'histogram') {
      const h = s as HistogramSample
      if (!Array.isArray(h.buckets) || !Array.isArray(h.counts) || h.counts.length !== h.buckets.length + 1) {
        return 'histogram counts must have one slot per bucket plus +Inf'
      }
      if (h.buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (h.buckets[i - 1] as number)))) {
        return 'histogram buckets must be finite and increasing'
      }
      if (h.counts.some((c) => !(Number.isInteger(c) && c >= 0)) || typeof h.sum !== 'number') {
        return 'histogram counts must be non-negative integers'
      }
    } else if (typeof (s as MetricSample | null | undefined)?.value !== 'number') {
      return 'sample value must be a number'
    }
  }
  return null
}

/** An order-independent key of a label set, for spotting duplicate series. */
function seriesKey(labels: MetricLabels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
