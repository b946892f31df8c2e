/**
 * The phi-accrual failure detector (Hayashibara et al. 2004) one node keeps per peer, with
 * the formula, seeding and defaults of Akka's `PhiAccrualFailureDetector`, so its settings
 * and the detection times they give can be read off Akka's documentation. Pure: callers pass
 * the time (a monotonic clock such as `performance.now()`, in ms).
 */

/** Settings of a {@link PhiAccrualFailureDetector}; all times in ms. */
export interface FailureDetectorOptions {
  /** phi above which the peer counts as unreachable (Akka: 8) */
  threshold: number
  /** heartbeat intervals kept (Akka: 1000) */
  maxSampleSize: number
  /** floor of the interval std deviation, ms (Akka: 100) */
  minStdDeviationMs: number
  /** pause tolerated on top of the mean, ms (Akka cluster: 3000) */
  acceptableHeartbeatPauseMs: number
  /** expected interval before any sample, ms (Akka: 1000) */
  firstHeartbeatEstimateMs: number
}

/** Akka cluster's defaults (`akka.cluster.failure-detector`). */
export const AKKA_DEFAULTS: FailureDetectorOptions = Object.freeze({
  threshold: 8,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 3000,
  firstHeartbeatEstimateMs: 1000,
})

/** @internal Fills defaults; throws one TypeError naming every bad field. */
export function resolveFailureDetectorOptions(o: Partial<FailureDetectorOptions> = {}): FailureDetectorOptions {
  if (o === null || typeof o !== 'object') throw new TypeError('invalid failure detector options: options must be an object')
  const r: FailureDetectorOptions = { ...AKKA_DEFAULTS, ...o }
  const problems: string[] = []
  const check = (name: keyof FailureDetectorOptions, ok: (v: number) => boolean, what: string): void => {
    const v = r[name]
    if (!(typeof v === 'number' && Number.isFinite(v) && ok(v))) problems.push(`${name} must be ${what} (got ${String(v)})`)
  }
  check('threshold', (v) => v > 0, 'a positive number')
  check('maxSampleSize', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1')
  check('minStdDeviationMs', (v) => v > 0, 'a positive number')
  check('acceptableHeartbeatPauseMs', (v) => v >= 0, 'a number >= 0')
  check('firstHeartbeatEstimateMs', (v) => v > 0, 'a positive number')
  if (problems.length > 0) throw new TypeError(`invalid failure detector options: ${problems.join('; ')}`)
  return r
}

// Akka's logistic approximation of the normal CDF: y -> y * (A + B * y^2).
const A = 1.5976
const B = 0.070566

/**
 * Akka's `phi(timeDiff, mean, stdDeviation)`. Akka computes `-log10(e / (1 + e))` (above the
 * mean) or `-log10(1 - 1 / (1 + e))` (below) with `e = exp(-z)`; both equal
 * `log10(1 + exp(z))`, written here as a softplus so a long silence gives a large finite phi
 * instead of `exp` underflowing to 0 and phi to Infinity.
 */
function phiOf(timeDiff: number, mean: number, stdDeviation: number): number {
  const y = (timeDiff - mean) / stdDeviation
  const z = y * (A + B * y * y)
  return (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) / Math.LN10
}

/** The `y` (silence beyond the mean, in std deviations) at which phi equals `threshold`. */
function yAtPhi(threshold: number): number {
  // phi = log10(1 + e^z)  <=>  z = ln(10^T - 1), written so 10^T cannot overflow.
  const z = threshold * Math.LN10 + Math.log1p(-Math.pow(10, -threshold))
  // B y^3 + A y = z has one real root (the cubic is increasing): Cardano, then two Newton
  // steps to wash out the cancellation in its second cube root.
  const p = A / B
  const q = z / B
  const d = Math.sqrt((q * q) / 4 + (p * p * p) / 27)
  let y = Math.cbrt(q / 2 + d) + Math.cbrt(q / 2 - d)
  for (let i = 0; i < 2; i++) y -= (B * y * y * y + A * y - z) / (3 * B * y * y + A)
  return y
}

/**
 * One peer's failure detector: feed it the peer's heartbeats, ask it for phi (the suspicion
 * level: phi 1 is a ~10% chance of a false alarm, phi 8 ~1e-8 under the detector's model).
 * Heartbeat intervals go into a ring of `maxSampleSize` with a running sum and sum of squares,
 * so a heartbeat and a phi are O(1).
 */
export class PhiAccrualFailureDetector {
  /** The resolved settings. */
  readonly options: Readonly<FailureDetectorOptions>
  private readonly intervals: Float64Array
  private head = 0
  private count = 0
  private sum = 0
  private sumOfSquares = 0
  private writesSinceResum = 0
  private last: number | null = null

  /** Missing options take {@link AKKA_DEFAULTS}; throws a TypeError naming every bad one. */
  constructor(options?: Partial<FailureDetectorOptions>) {
    this.options = Object.freeze(resolveFailureDetectorOptions(options))
    this.intervals = new Float64Array(this.options.maxSampleSize)
  }

  /** When the last heartbeat arrived (the caller's clock), or null before the first. */
  get lastHeartbeatMs(): number | null {
    return this.last
  }

  /** Intervals in the history (the first heartbeat puts in Akka's two seed intervals). */
  get samples(): number {
    return this.count
  }

  /**
   * Records a heartbeat arriving at `nowMs`. As in Akka, the first one seeds the history
   * with `firstHeartbeatEstimateMs` +/- a quarter of it, and the interval that ends a
   * silence long enough to make the peer unavailable is not recorded: one long pause (a GC,
   * a partition) would otherwise widen the distribution and slow every later detection.
   */
  heartbeat(nowMs: number): void {
    if (this.last === null) {
      const mean = this.options.firstHeartbeatEstimateMs
      const stdDeviation = mean / 4
      this.record(mean - stdDeviation)
      this.record(mean + stdDeviation)
    } else {
      const interval = nowMs - this.last
      // A clock that went backwards (a caller bug) must not poison the statistics.
      if (interval >= 0 && this.isAvailable(nowMs)) this.record(interval)
    }
    this.last = nowMs
  }

  /** The suspicion level at `nowMs`: 0 before the first heartbeat, then growing with the silence. */
  phi(nowMs: number): number {
    if (this.last === null) return 0
    const { mean, stdDeviation } = this.stats()
    return phiOf(nowMs - this.last, mean + this.options.acceptableHeartbeatPauseMs, stdDeviation)
  }

  /** phi below the threshold; true before the first heartbeat (a peer never heard from is not suspected). */
  isAvailable(nowMs: number): boolean {
    return this.phi(nowMs) < this.options.threshold
  }

  /**
   * The longest silence (ms after the last heartbeat) before phi crosses the threshold with
   * the current history: the detection bound to document and log. Silences shorter than it
   * leave the peer available, longer ones do not (up to float rounding, well under 1 µs).
   * Before the first heartbeat it is the bound the seeded history will give.
   */
  detectionBoundMs(): number {
    const { mean, stdDeviation } = this.last === null ? this.seedStats() : this.stats()
    const bound = mean + this.options.acceptableHeartbeatPauseMs + yAtPhi(this.options.threshold) * stdDeviation
    return Math.max(0, bound)
  }

  private seedStats(): { mean: number; stdDeviation: number } {
    const mean = this.options.firstHeartbeatEstimateMs
    return { mean, stdDeviation: Math.max(mean / 4, this.options.minStdDeviationMs) }
  }

  private stats(): { mean: number; stdDeviation: number } {
    const mean = this.sum / this.count
    // E[x^2] - mean^2 can come out a hair below 0 for identical samples.
    const variance = Math.max(0, this.sumOfSquares / this.count - mean * mean)
    return { mean, stdDeviation: Math.max(Math.sqrt(variance), this.options.minStdDeviationMs) }
  }

  private record(interval: number): void {
    const cap = this.intervals.length
    if (this.count < cap) {
      this.intervals[(this.head + this.count) % cap] = interval
      this.count++
      this.sum += interval
      this.sumOfSquares += interval * interval
      return
    }
    const oldest = this.intervals[this.head] as number
    this.intervals[this.head] = interval
    this.head = (this.head + 1) % cap
    // Adding and subtracting fractional intervals drifts; adding the ring up afresh once per
    // `cap` writes bounds the drift at O(1) amortised cost.
    if (++this.writesSinceResum >= cap) this.resum()
    else {
      this.sum += interval - oldest
      this.sumOfSquares += interval * interval - oldest * oldest
    }
  }

  private resum(): void {
    this.writesSinceResum = 0
    this.sum = 0
    this.sumOfSquares = 0
    for (let i = 0; i < this.count; i++) {
      const v = this.intervals[i] as number
      this.sum += v
      this.sumOfSquares += v * v
    }
  }
}
