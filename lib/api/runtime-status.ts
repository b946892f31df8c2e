/**
 * What the HTTP API needs to know about the threads of the runtime, as an interface the
 * runtime implements: worker threads (alive, actors, queue depth, restarts), the rings between
 * threads and the asks in flight. `runtimeStatusSource` reads it from the runtime
 * (`system.status()`); tests feed their own.
 */
import type { ActorSystem } from '../actor/system.js'

/** One actor worker thread. */
export interface WorkerStatus {
  /** The worker's number, 1-based (0 is the main thread); stable across restarts of the worker. */
  index: number
  /** False while the worker is down (crashed and not yet replaced). */
  alive: boolean
  /** Actors placed on this worker. */
  actors: number
  /** Messages waiting to be handled on this worker (mailboxes and inbound rings). */
  queueDepth: number
  /** How many times this worker was replaced after dying. */
  restarts: number
}

/** One single-producer single-consumer ring between two threads. */
export interface RingStatus {
  /** The producing thread: `main`, `network` or a worker index. */
  from: string
  /** The consuming thread (`peers`: the sum of the producer's rings to every other thread). */
  to: string
  capacityBytes: number
  usedBytes: number
}

/**
 * The runtime's view of its threads. Every method is called on each `/health`, `/system/stats`
 * and `/metrics` request and once per sampling interval, so each must answer from memory at
 * once: no messages to workers, no waiting.
 */
export interface RuntimeStatusSource {
  /** Actors living on the main thread. */
  mainThreadActors(): number
  /** The actor worker threads; empty when every actor runs on the main thread. */
  workers(): readonly WorkerStatus[]
  /** The rings between threads; empty without worker threads. */
  rings(): readonly RingStatus[]
  /** Asks sent from this node that await a reply. */
  inFlightAsks(): number
}

/**
 * The status the runtime itself reports (`system.status()`): the main thread, every worker
 * (as of its last report, every `statsIntervalMs`) and the outbound user rings of each
 * thread, summed per thread. Answers from memory.
 */
export function runtimeStatusSource(system: ActorSystem): RuntimeStatusSource {
  const name = (index: number): string => (index === 0 ? 'main' : String(index))
  return {
    mainThreadActors: () => system.status().main.actors,
    workers: () =>
      system.status().workers.map((w) => ({ index: w.index, alive: w.alive, actors: w.actors, queueDepth: w.queueDepth, restarts: w.restarts })),
    rings: () => {
      const s = system.status()
      return [s.main, ...s.workers]
        .filter((t) => t.ringBytesCapacity > 0)
        .map((t) => ({ from: name(t.index), to: 'peers', capacityBytes: t.ringBytesCapacity, usedBytes: t.ringBytesUsed }))
    },
    inFlightAsks: () => system.status().inFlightAsks,
  }
}
