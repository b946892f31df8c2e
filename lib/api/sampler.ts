/**
 * A background sampler of the runtime for figures that need history: message rates over a
 * sliding window and the trend of each worker's queue depth. It reads counters once per
 * interval on an unref'd timer, so an idle API never keeps the process alive.
 */
import type { MetricsSnapshot } from '../actor/metrics.js'
import type { WorkerStatus } from './runtime-status.js'

/** Message counters summed over every actor type and handler. */
export interface MessageTotals {
  sent: number
  processed: number
  failed: number
}

/** Messages per second over the sampling window. */
export interface MessageRates extends MessageTotals {
  /** The length of the window the rates cover, seconds. */
  windowSeconds: number
}

/** One reading of the runtime. */
export interface RuntimeReading {
  totals: MessageTotals
  workers: readonly WorkerStatus[]
}

interface Sample extends RuntimeReading {
  at: number
}

/** Sums the message counters of a metrics snapshot. */
export function messageTotals(snapshot: MetricsSnapshot): MessageTotals {
  const t = { sent: 0, processed: 0, failed: 0 }
  for (const type of snapshot.actorTypes) {
    for (const h of type.handlers) {
      t.sent += h.sent
      t.processed += h.processed
      t.failed += h.failed
    }
  }
  return t
}

export class RuntimeSampler {
  private readonly samples: Sample[] = []
  private timer: NodeJS.Timeout | null = null

  /**
   * @param read takes a reading; called once per `intervalMs`.
   * @param keep how many readings are kept (the window is `keep` intervals long).
   */
  constructor(
    private readonly read: () => RuntimeReading,
    private readonly intervalMs: number,
    private readonly keep: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a first reading and starts the timer. */
  start(): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** Takes a reading now (also called by the timer). */
  sample(): void {
    this.samples.push({ at: this.now(), ...this.read() })
    if (this.samples.length > this.keep) this.samples.shift()
  }

  /** Rates from the oldest kept reading to `current` (a reading taken now). */
  rates(current: MessageTotals): MessageRates {
    const oldest = this.samples[0]
    const seconds = oldest === undefined ? 0 : (this.now() - oldest.at) / 1000
    if (oldest === undefined || seconds <= 0) return { sent: 0, processed: 0, failed: 0, windowSeconds: 0 }
    const rate = (k: keyof MessageTotals): number => round((current[k] - oldest.totals[k]) / seconds)
    return { sent: rate('sent'), processed: rate('processed'), failed: rate('failed'), windowSeconds: round(seconds) }
  }

  /**
   * Indexes of workers whose queue depth never fell over the last `samples` readings, grew from
   * the first to the last, and ends at `minDepth` or more.
   */
  growingQueues(samples: number, minDepth: number): number[] {
    if (this.samples.length < samples) return []
    const recent = this.samples.slice(-samples)
    const last = recent[recent.length - 1] as Sample
    const growing: number[] = []
    for (const w of last.workers) {
      const depths = recent.map((s) => s.workers.find((x) => x.index === w.index)?.queueDepth)
      if (depths.some((d) => d === undefined)) continue
      const ds = depths as number[]
      const rising = ds.every((d, i) => i === 0 || d >= (ds[i - 1] as number))
      if (rising && (ds[ds.length - 1] as number) > (ds[0] as number) && w.queueDepth >= minDepth) growing.push(w.index)
    }
    return growing
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000
}
