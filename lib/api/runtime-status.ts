/**
 * What the HTTP API needs to know about the threads of the runtime, as an interface the
 * runtime implements: worker threads (alive, actors, queue depth, restarts), the rings between
 * threads and the asks in flight. `mainThreadStatus` is the implementation for a system whose
 * actors all live on the main thread; the worker runtime provides its own.
 */
import type { ActorSystem } from '../actor/system.js'

/** One actor worker thread. */
export interface WorkerStatus {
  /** The worker's index, 0-based; stable across restarts of the worker. */
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
  /** The consuming thread. */
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

/** The slice of the actor host this module reads (fields the core keeps per thread). */
interface HostView {
  readonly actorCount: number
  readonly wheel: { readonly size: number }
}

/**
 * The status of a system whose actors all run on the main thread: no workers, no rings.
 * In-flight asks are the entries of the main thread's timeout wheel: pending asks plus sends
 * waiting for mailbox room.
 */
export function mainThreadStatus(system: ActorSystem): RuntimeStatusSource {
  const host = system.host as HostView
  return {
    mainThreadActors: () => host.actorCount,
    workers: () => [],
    rings: () => [],
    inFlightAsks: () => host.wheel.size,
  }
}
