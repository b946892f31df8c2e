/**
 * `ScenarioResult`: what the harness reports for one scenario, and how the timed repetitions'
 * measurements are folded into it (medians, and the min-max range of the headline figure).
 */
import type { Measurement, Scenario } from '../scenario.js'
import { BenchError } from './errors.js'
import { median, range } from './stats.js'

/** The outcome of one scenario. Failed scenarios carry `error` and null figures. */
export interface ScenarioResult {
  name: string
  system: string
  description: string
  /** The coerce-ts scenario with the same workload, when this one is compared against it. */
  compareTo?: string
  ok: boolean
  /** Why the scenario failed (thrown error, time bound, lost child process). */
  error?: string
  /** Median ops/s over the timed repetitions; null for memory scenarios and failures. */
  opsPerSec: number | null
  /** Median over the repetitions of each repetition's p50 latency, us. */
  p50us: number | null
  /** Median over the repetitions of each repetition's p99 latency, us. */
  p99us: number | null
  /** Scenario-specific figures (medians), e.g. `bytesPerActor`. */
  extra: Record<string, number>
  /** Range of the headline figure over the timed repetitions: ops/s, else the first extra field. */
  min: number | null
  max: number | null
  /** Timed repetitions completed. */
  repetitions: number
  /** Wall time of setup, all repetitions and teardown, ms. */
  durationMs: number
}

/** Field names the harness writes into a JSON result; extra figures may not use them. */
export const RESERVED_RESULT_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'system',
  'description',
  'compareTo',
  'relative',
  'ok',
  'error',
  'opsPerSec',
  'p50us',
  'p99us',
  'extra',
  'min',
  'max',
  'repetitions',
  'durationMs',
])

/** Throws `InvalidMeasurement` unless `m` holds only finite, non-negative figures. */
export function checkMeasurement(scenario: string, m: unknown): Measurement {
  const problems: string[] = []
  const figure = (field: string, v: unknown, nullable: boolean): void => {
    if (v === undefined && field !== 'opsPerSec') return
    if (v === null && nullable) return
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) problems.push(`${field} must be a finite number >= 0 (got ${String(v)})`)
  }
  if (m === null || typeof m !== 'object') {
    problems.push('a repetition must return a Measurement object')
  } else {
    const r = m as Record<string, unknown>
    figure('opsPerSec', r['opsPerSec'], true)
    figure('p50us', r['p50us'], true)
    figure('p99us', r['p99us'], true)
    const extra = r['extra']
    if (extra !== undefined) {
      if (extra === null || typeof extra !== 'object') problems.push('extra must be an object of numbers')
      else {
        for (const [k, v] of Object.entries(extra)) {
          if (RESERVED_RESULT_FIELDS.has(k)) problems.push(`extra.${k} collides with a field the harness writes`)
          figure(`extra.${k}`, v, false)
        }
      }
    }
    if (r['opsPerSec'] === null && (extra === undefined || Object.keys(extra as object).length === 0)) {
      problems.push('a measurement with opsPerSec null must report an extra figure')
    }
  }
  if (problems.length > 0) throw new BenchError('InvalidMeasurement', `${scenario}: ${problems.join('; ')}`)
  return m as Measurement
}

/** Folds the timed repetitions into medians and the headline range. */
export function summarize(
  reps: readonly Measurement[],
): Pick<ScenarioResult, 'opsPerSec' | 'p50us' | 'p99us' | 'extra' | 'min' | 'max' | 'repetitions'> {
  const numbers = (pick: (m: Measurement) => number | null | undefined): number[] =>
    reps.map(pick).filter((v): v is number => typeof v === 'number')
  const ops = numbers((m) => m.opsPerSec)
  const extraKeys: string[] = []
  for (const m of reps) for (const k of Object.keys(m.extra ?? {})) if (!extraKeys.includes(k)) extraKeys.push(k)
  const extra: Record<string, number> = {}
  for (const k of extraKeys) {
    const mid = median(numbers((m) => m.extra?.[k]))
    if (mid !== null) extra[k] = mid
  }
  const firstExtra = extraKeys[0]
  const headline = ops.length > 0 ? ops : firstExtra === undefined ? [] : numbers((m) => m.extra?.[firstExtra])
  const span = range(headline)
  return {
    opsPerSec: median(ops),
    p50us: median(numbers((m) => m.p50us)),
    p99us: median(numbers((m) => m.p99us)),
    extra,
    min: span?.min ?? null,
    max: span?.max ?? null,
    repetitions: reps.length,
  }
}

/** The result of a scenario that failed before producing figures. */
export function failedResult(scenario: Pick<Scenario, 'name' | 'system' | 'description' | 'compareTo'>, error: string, durationMs: number): ScenarioResult {
  return {
    ...identity(scenario),
    ok: false,
    error,
    opsPerSec: null,
    p50us: null,
    p99us: null,
    extra: {},
    min: null,
    max: null,
    repetitions: 0,
    durationMs,
  }
}

/** The descriptive fields of a scenario, copied into its result. */
export function identity(
  s: Pick<Scenario, 'name' | 'system' | 'description' | 'compareTo'>,
): Pick<ScenarioResult, 'name' | 'system' | 'description' | 'compareTo'> {
  return s.compareTo === undefined
    ? { name: s.name, system: s.system, description: s.description }
    : { name: s.name, system: s.system, description: s.description, compareTo: s.compareTo }
}
