/**
 * Latency samples of one repetition, in microseconds, kept in a preallocated typed array so
 * recording allocates nothing on the measured path.
 */
import { percentileSorted } from './stats.js'

/** Collects per-operation latencies and reports p50/p99. */
export class LatencyRecorder {
  private readonly samples: Float64Array
  private count = 0

  /** `capacity`: samples kept; later ones are dropped (size it to the operation count). */
  constructor(capacity: number) {
    this.samples = new Float64Array(Math.max(1, Math.ceil(capacity)))
  }

  /** Records one latency given in milliseconds (the unit of `performance.now()`). */
  recordMs(ms: number): void {
    if (this.count < this.samples.length) this.samples[this.count++] = ms * 1000
  }

  /** Number of samples kept. */
  get size(): number {
    return this.count
  }

  /** p50 and p99 in microseconds, rounded to 0.01 us; nulls when nothing was recorded. */
  summary(): { p50us: number | null; p99us: number | null } {
    const sorted = this.samples.subarray(0, this.count).sort()
    return { p50us: round2(percentileSorted(sorted, 50)), p99us: round2(percentileSorted(sorted, 99)) }
  }
}

function round2(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100
}
