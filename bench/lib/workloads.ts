/**
 * The shared workloads: one implementation of "tell N to a counter", "ask N one at a time" and
 * "ask N with K in flight", driven through small adapters, so coerce-ts, the peer libraries and
 * the raw transports all run exactly the same loop.
 */
import type { Measurement } from '../scenario.js'
import { LatencyRecorder } from './latency.js'

/** Messages a tell producer sends before yielding to the event loop. */
export const TELL_CHUNK = 1000
/** Asks outstanding at once in the pipelined workloads. */
export const IN_FLIGHT = 1000

/** A counter actor seen through some system's API. */
export interface CountingTarget {
  /**
   * Sends one fire-and-forget increment. A promise means the transport had no room (coerce-ts's
   * outbox to another thread or node is bounded, and a tell past it throws): it resolves once
   * the increment is on its way, and the producer sends nothing more before then.
   */
  send(): void | Promise<void>
  /** Asks the counter how many increments it has handled so far. */
  count(): Promise<number>
}

/** Throws the signal's reason once it is aborted (the harness's time bound). */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Sends `messages` increments in chunks of {@link TELL_CHUNK}, yielding with `setImmediate`
 * between chunks (a synchronous million-message burst would measure the GC of the backlog and
 * overflow bounded mailboxes) and waiting whenever a send reports the transport full, then asks
 * the counter until it has handled them all. The time
 * runs from the first send to the answer that shows the last increment handled.
 */
export async function measureTell(target: CountingTarget, messages: number, signal: AbortSignal): Promise<Measurement> {
  const goal = (await target.count()) + messages
  const start = performance.now()
  for (let sent = 0; sent < messages; ) {
    const end = Math.min(messages, sent + TELL_CHUNK)
    for (; sent < end; sent++) {
      const full = target.send()
      if (full !== undefined) await full
    }
    checkAborted(signal)
    await nextTurn()
  }
  // Some libraries answer an ask before earlier tells are handled: poll until they all are.
  while ((await target.count()) < goal) {
    checkAborted(signal)
    await nextTurn()
  }
  const seconds = (performance.now() - start) / 1000
  return { opsPerSec: messages / seconds, p50us: null, p99us: null }
}

/**
 * Every this many operations, one is timed for the latency percentiles. Timing each one would
 * add two `performance.now()` calls (about 0.1 us) to operations that take 0.5 us themselves.
 */
export const LATENCY_SAMPLE_EVERY = 8

/**
 * Runs `op` (an ask, or a spawn+stop) `count` times, each after the previous one completed;
 * one in {@link LATENCY_SAMPLE_EVERY} is timed for p50/p99.
 */
export async function measureSequential(op: () => Promise<unknown>, count: number, signal: AbortSignal): Promise<Measurement> {
  const latency = new LatencyRecorder(count / LATENCY_SAMPLE_EVERY)
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    if (i % LATENCY_SAMPLE_EVERY === 0) {
      const t0 = performance.now()
      await op()
      latency.recordMs(performance.now() - t0)
      if (i % 1024 === 0) checkAborted(signal)
    } else {
      await op()
    }
  }
  const seconds = (performance.now() - start) / 1000
  return { opsPerSec: count / seconds, ...latency.summary() }
}

/**
 * Asks `asks` times with `inFlight` outstanding at once: `inFlight` lanes each ask again as soon
 * as their previous answer arrives, so the window stays full until the last ones drain. Latency
 * (one ask in {@link LATENCY_SAMPLE_EVERY}) is send-to-answer, so it is mostly queueing time
 * behind the other asks in flight.
 */
export async function measurePipelined(
  ask: () => Promise<unknown>,
  asks: number,
  signal: AbortSignal,
  inFlight: number = IN_FLIGHT,
): Promise<Measurement> {
  const latency = new LatencyRecorder(asks / LATENCY_SAMPLE_EVERY)
  let issued = 0
  const lane = async (): Promise<void> => {
    while (issued < asks) {
      if (issued++ % LATENCY_SAMPLE_EVERY === 0) {
        const t0 = performance.now()
        await ask()
        latency.recordMs(performance.now() - t0)
        if (signal.aborted) checkAborted(signal)
      } else {
        await ask()
      }
    }
  }
  const start = performance.now()
  const lanes: Promise<void>[] = []
  for (let i = 0; i < Math.min(inFlight, asks); i++) lanes.push(lane())
  await Promise.all(lanes)
  const seconds = (performance.now() - start) / 1000
  return { opsPerSec: asks / seconds, ...latency.summary() }
}

