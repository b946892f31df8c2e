/**
 * Runs one scenario in this process: setup, warm-up repetitions, timed repetitions, teardown,
 * all under the scenario's time bound. Never throws: a scenario that throws or runs too long
 * becomes a failed {@link ScenarioResult}, and teardown runs either way.
 */
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
import { BenchError, describeError } from './errors.js'
import { checkMeasurement, failedResult, identity, summarize, type ScenarioResult } from './result.js'

/** Time bound of a scenario that declares none, ms. */
export const DEFAULT_TIMEOUT_MS = 60_000
/** Untimed repetitions of a scenario that declares none. */
export const DEFAULT_WARMUPS = 1
/** Timed repetitions of a scenario that declares none. */
export const DEFAULT_REPETITIONS = 5
/** The most timed repetitions under `--quick`. */
export const QUICK_REPETITIONS = 3
/** How long teardown may take after the run ended or timed out, ms. */
export const TEARDOWN_GRACE_MS = 10_000

/** How to run a scenario. */
export interface RunOptions {
  /** `--quick`: smaller operation counts, at most {@link QUICK_REPETITIONS} timed repetitions. */
  quick: boolean
  /** Caps every scenario's time bound (`--timeout`), ms. */
  timeoutCapMs?: number
  /** Overrides {@link TEARDOWN_GRACE_MS} (tests use a short one). */
  teardownGraceMs?: number
}

/** The time bound a scenario runs under with these options, ms. */
export function effectiveTimeoutMs(s: Pick<Scenario, 'timeoutMs'>, o: Pick<RunOptions, 'timeoutCapMs'>): number {
  const own = s.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return o.timeoutCapMs === undefined ? own : Math.min(own, o.timeoutCapMs)
}

/** How many warm-up and timed repetitions a scenario gets. */
export function repetitionsOf(s: Pick<Scenario, 'warmups' | 'repetitions'>, quick: boolean): { warmups: number; timed: number } {
  const timed = Math.max(1, Math.floor(s.repetitions ?? DEFAULT_REPETITIONS))
  return { warmups: Math.max(0, Math.floor(s.warmups ?? DEFAULT_WARMUPS)), timed: quick ? Math.min(timed, QUICK_REPETITIONS) : timed }
}

/** Runs `s` under its time bound and reports it; never rejects. */
export async function runScenario(s: Scenario, o: RunOptions): Promise<ScenarioResult> {
  const started = performance.now()
  const timeoutMs = effectiveTimeoutMs(s, o)
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new BenchError('Timeout', `${s.name} exceeded its time bound of ${timeoutMs} ms`))
  }, timeoutMs)
  const abortedRun = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true })
  })
  abortedRun.catch(() => {}) // observed by the race below; this only silences the no-race case
  const reps: Measurement[] = []
  const { warmups, timed } = repetitionsOf(s, o.quick)
  const ctx = (repetition: number): ScenarioContext => ({ quick: o.quick, signal: controller.signal, repetition })

  let failure: unknown = null
  try {
    await Promise.race([
      (async () => {
        await s.setup?.(ctx(-1))
        for (let i = 0; i < warmups; i++) {
          collectGarbage()
          checkMeasurement(s.name, await s.run(ctx(-1)))
        }
        for (let i = 0; i < timed; i++) {
          collectGarbage()
          reps.push(checkMeasurement(s.name, await s.run(ctx(i))))
        }
      })(),
      abortedRun,
    ])
  } catch (e) {
    failure = e
  }
  clearTimeout(timer)
  // Loops still running after a failure (the race does not stop them) see the signal and end.
  if (!controller.signal.aborted) controller.abort(failure ?? new Error(`${s.name} finished`))

  if (s.teardown !== undefined) {
    try {
      await withTimeout(s.teardown(), o.teardownGraceMs ?? TEARDOWN_GRACE_MS, `${s.name} teardown`)
    } catch (e) {
      failure ??= new Error(`teardown failed: ${describeError(e)}`, { cause: e })
    }
  }
  const durationMs = Math.round(performance.now() - started)
  if (failure !== null) return { ...failedResult(s, describeError(failure), durationMs), repetitions: reps.length }
  return { ...identity(s), ok: true, ...summarize(reps), durationMs }
}

/**
 * A full GC before each repetition (when `--expose-gc` made it available, as in the harness's
 * child processes), so no repetition pays for the garbage of the one before.
 */
function collectGarbage(): void {
  globalThis.gc?.()
}

/** Resolves or rejects like `p`, or rejects with `Timeout` after `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError('Timeout', `${what} took longer than ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([p, late])
  } finally {
    clearTimeout(timer)
  }
}
