/**
 * Runtime metrics per actor type and handler: messages sent, processed and failed (exact
 * counters), mailbox wait and processing time (histograms fed by a sample of messages, so the
 * hot path pays a clock read only every `sampleEvery` messages), actors created and stopped.
 */

/** Histogram bucket upper bounds in seconds (Prometheus `le` values). */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.000001, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
  0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

/** A cumulative-ready histogram over {@link LATENCY_BUCKETS_S}. */
export class Histogram {
  /** counts[i] = observations in (bounds[i-1], bounds[i]]; the last slot is +Inf. */
  readonly counts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0)
  sum = 0
  count = 0

  observe(seconds: number): void {
    let i = 0
    while (i < LATENCY_BUCKETS_S.length && seconds > (LATENCY_BUCKETS_S[i] as number)) i++
    this.counts[i] = (this.counts[i] as number) + 1
    this.sum += seconds
    this.count++
  }

  snapshot(): HistogramSnapshot {
    return { buckets: LATENCY_BUCKETS_S, counts: [...this.counts], sum: this.sum, count: this.count }
  }

  /** Adds another histogram's observations (used to merge per-thread figures). */
  merge(other: HistogramSnapshot): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] ?? 0)
    this.sum += other.sum
    this.count += other.count
  }
}

/** Counters and timings of one handler of one actor type. */
export class HandlerStats {
  sent = 0
  processed = 0
  failed = 0
  /** Asks skipped unhandled because their caller stopped waiting (timeout, abort). */
  expired = 0
  readonly mailboxWait = new Histogram()
  readonly processing = new Histogram()
  constructor(readonly handler: string) {}
}

/** Counters of one actor type. */
export class ActorTypeStats {
  created = 0
  stopped = 0
  restarted = 0
  private readonly handlers = new Map<string, HandlerStats>()
  constructor(readonly actorType: string) {}

  handler(name: string): HandlerStats {
    let s = this.handlers.get(name)
    if (s === undefined) {
      s = new HandlerStats(name)
      this.handlers.set(name, s)
    }
    return s
  }

  allHandlers(): IterableIterator<HandlerStats> {
    return this.handlers.values()
  }
}

export interface HistogramSnapshot {
  buckets: readonly number[]
  counts: number[]
  sum: number
  count: number
}

export interface HandlerMetrics {
  handler: string
  sent: number
  processed: number
  failed: number
  /** Asks skipped unhandled because their caller had stopped waiting (timed out or aborted). */
  expired: number
  mailboxWaitSeconds: HistogramSnapshot
  processingSeconds: HistogramSnapshot
}

export interface ActorTypeMetrics {
  actorType: string
  created: number
  stopped: number
  restarted: number
  /** Actors of this type alive now (created - stopped). */
  alive: number
  handlers: HandlerMetrics[]
}

/** A point-in-time copy of the runtime metrics. */
export interface MetricsSnapshot {
  actorTypes: ActorTypeMetrics[]
  deadLetters: number
  /** Timing histograms hold one message in `sampleEvery`. */
  sampleEvery: number
}

/** The metrics registry of one thread. */
export class ActorMetrics {
  private readonly types = new Map<string, ActorTypeStats>()
  deadLetters = 0
  /** A power of two; timings are taken when `seq & sampleMask` is 0. */
  readonly sampleMask: number

  constructor(readonly sampleEvery: number) {
    this.sampleMask = sampleEvery - 1
  }

  forType(actorType: string): ActorTypeStats {
    let s = this.types.get(actorType)
    if (s === undefined) {
      s = new ActorTypeStats(actorType)
      this.types.set(actorType, s)
    }
    return s
  }

  snapshot(): MetricsSnapshot {
    const actorTypes: ActorTypeMetrics[] = []
    for (const t of this.types.values()) {
      const handlers: HandlerMetrics[] = []
      for (const h of t.allHandlers()) {
        handlers.push({
          handler: h.handler,
          sent: h.sent,
          processed: h.processed,
          failed: h.failed,
          expired: h.expired,
          mailboxWaitSeconds: h.mailboxWait.snapshot(),
          processingSeconds: h.processing.snapshot(),
        })
      }
      actorTypes.push({
        actorType: t.actorType,
        created: t.created,
        stopped: t.stopped,
        restarted: t.restarted,
        alive: t.created - t.stopped,
        handlers,
      })
    }
    return { actorTypes, deadLetters: this.deadLetters, sampleEvery: this.sampleEvery }
  }
}

/** Sums per-thread snapshots into one (counters added, histograms merged). */
export function mergeSnapshots(parts: readonly MetricsSnapshot[], sampleEvery: number): MetricsSnapshot {
  const types = new Map<string, { t: ActorTypeMetrics; handlers: Map<string, { h: HandlerMetrics; wait: Histogram; proc: Histogram }> }>()
  let deadLetters = 0
  for (const part of parts) {
    deadLetters += part.deadLetters
    for (const t of part.actorTypes) {
      let acc = types.get(t.actorType)
      if (acc === undefined) {
        acc = { t: { actorType: t.actorType, created: 0, stopped: 0, restarted: 0, alive: 0, handlers: [] }, handlers: new Map() }
        types.set(t.actorType, acc)
      }
      acc.t.created += t.created
      acc.t.stopped += t.stopped
      acc.t.restarted += t.restarted
      acc.t.alive += t.alive
      for (const h of t.handlers) {
        let ha = acc.handlers.get(h.handler)
        if (ha === undefined) {
          ha = {
            h: { handler: h.handler, sent: 0, processed: 0, failed: 0, expired: 0, mailboxWaitSeconds: h.mailboxWaitSeconds, processingSeconds: h.processingSeconds },
            wait: new Histogram(),
            proc: new Histogram(),
          }
          acc.handlers.set(h.handler, ha)
        }
        ha.h.sent += h.sent
        ha.h.processed += h.processed
        ha.h.failed += h.failed
        ha.h.expired += h.expired
        ha.wait.merge(h.mailboxWaitSeconds)
        ha.proc.merge(h.processingSeconds)
      }
    }
  }
  const actorTypes: ActorTypeMetrics[] = []
  for (const { t, handlers } of types.values()) {
    for (const { h, wait, proc } of handlers.values()) {
      h.mailboxWaitSeconds = wait.snapshot()
      h.processingSeconds = proc.snapshot()
      t.handlers.push(h)
    }
    actorTypes.push(t)
  }
  return { actorTypes, deadLetters, sampleEvery }
}
