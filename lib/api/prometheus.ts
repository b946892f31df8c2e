/**
 * Prometheus text exposition (format 0.0.4) of metric families: HELP and TYPE lines, escaped
 * label values, cumulative histogram buckets with `le`, `_sum` and `_count`. Families that
 * would make the output invalid (bad names, mismatched buckets, a name already written) are
 * left out and reported, so one bad contributor never breaks a scrape.
 */
import type { HistogramSample, MetricFamily, MetricLabels, MetricSample } from '../util/metric-collectors.js'

/** The content type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Writes families into one exposition, remembering the names taken. */
export class ExpositionWriter {
  private readonly lines: string[] = []
  private readonly taken = new Set<string>()

  /** @param reject called with the family name and why it was left out. */
  constructor(private readonly reject: (name: string, reason: string) => void = () => {}) {}

  /** Appends `family`, or reports and skips it when it is invalid or its names are taken. */
  add(family: MetricFamily): void {
    const problem = this.check(family)
    if (problem !== null) {
      this.reject(String(family?.name), problem)
      return
    }
    for (const n of namesOf(family)) this.taken.add(n)
    this.lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
    if (family.type === 'histogram') for (const s of family.samples) this.histogram(family.name, s)
    else for (const s of family.samples) this.lines.push(`${family.name}${labelText(s.labels)} ${formatValue(s.value)}`)
  }

  /** Reserves names written by another renderer (e.g. the process metrics) so nobody reuses them. */
  reserve(names: Iterable<string>): void {
    for (const n of names) this.taken.add(n)
  }

  /** The exposition so far, newline-terminated. */
  text(): string {
    return this.lines.length === 0 ? '' : this.lines.join('\n') + '\n'
  }

  private histogram(name: string, s: HistogramSample): void {
    let cumulative = 0
    for (let i = 0; i < s.buckets.length; i++) {
      cumulative += s.counts[i] as number
      this.lines.push(`${name}_bucket${labelText(s.labels, formatValue(s.buckets[i] as number))} ${cumulative}`)
    }
    // +Inf and _count come from the same bucket total so they always agree.
    cumulative += s.counts[s.buckets.length] as number
    this.lines.push(`${name}_bucket${labelText(s.labels, '+Inf')} ${cumulative}`)
    this.lines.push(`${name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`)
    this.lines.push(`${name}_count${labelText(s.labels)} ${cumulative}`)
  }

  private check(f: MetricFamily): string | null {
    if (f === null || typeof f !== 'object') return 'not a metric family'
    if (typeof f.name !== 'string' || !METRIC_NAME.test(f.name)) return 'invalid metric name'
    if (f.type !== 'counter' && f.type !== 'gauge' && f.type !== 'histogram') return `unknown type ${String(f.type)}`
    if (typeof f.help !== 'string') return 'help must be a string'
    if (!Array.isArray(f.samples)) return 'samples must be an array'
    for (const n of namesOf(f)) if (this.taken.has(n)) return `metric name ${n} is already used`
    const series = new Set<string>()
    for (const s of f.samples as readonly (MetricSample | HistogramSample)[]) {
      const labels = s?.labels ?? {}
      for (const [k, v] of Object.entries(labels)) {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) return `invalid label name ${k}`
        if (f.type === 'histogram' && k === 'le') return 'histogram samples must not have an le label'
        if (typeof v !== 'string') return `label ${k} must be a string`
      }
      const key = labelText(labels)
      if (series.has(key)) return `duplicate series ${key}`
      series.add(key)
      if (f.type === 'histogram') {
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
      } else if (typeof (s as MetricSample).value !== 'number') {
        return 'sample value must be a number'
      }
    }
    return null
  }
}

/** The series names a family writes. */
function namesOf(f: MetricFamily): string[] {
  return f.type === 'histogram' ? [f.name, `${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name]
}

/** `{a="x",b="y"}` with values escaped, or '' without labels; `le` is appended last when given. */
function labelText(labels: MetricLabels | undefined, le?: string): string {
  const parts: string[] = []
  if (labels !== undefined) for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabelValue(v)}"`)
  if (le !== undefined) parts.push(`le="${le}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

/** A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, else the shortest decimal). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}
