/**
 * The control channel between the main thread and each worker (a MessagePort): start-up,
 * spawns and placement, id reservations, lookups, stats, offloaded tasks, thread loss and
 * shutdown. Never per-message traffic: that goes through the rings.
 */
import type { ThreadKind } from './thread-kind.js'
import type { NodeAddress } from '../actor/address.js'
import type { ErrorData, RefAddress } from './transport/codec.js'
import type { PlacedSpawnRecord, SpawnRecord } from '../actor/spawn-record.js'
import type { WorkerOptions } from './worker-options.js'

export type { WorkerOptions } from './worker-options.js'
import type { MetricsSnapshot } from '../actor/metrics.js'

/** The SharedArrayBuffers of one directed thread pair. */
export interface RingPair {
  sys: SharedArrayBuffer
  user: SharedArrayBuffer
}

/** What a worker receives at start-up (workerData). */
export interface WorkerInit {
  thread: number
  kind: ThreadKind
  /** Actor workers (threads 1..workers). */
  workers: number
  /** The thread that carries frames to other nodes (remoting's network thread), or null. */
  serviceThread: number | null
  /** A service thread's own start-up data. */
  data?: unknown
  /** Doorbells of every thread, by thread number (0 = main). */
  signals: SharedArrayBuffer[]
  /** rings[from][to]; null on the diagonal. */
  outbound: Record<number, RingPair>
  inbound: Record<number, RingPair>
  options: WorkerOptions
}

/** What a worker reports about itself. */
export interface WorkerStats {
  thread: number
  actors: number
  processed: number
  /** Messages waiting in this worker's mailboxes. */
  queueDepth: number
  inFlightAsks: number
  /** Bytes waiting in this worker's outbound user rings. */
  ringBytesUsed: number
  ringBytesCapacity: number
  metrics: MetricsSnapshot
}

export type MainToWorker =
  /** Build this actor here (its record is placed: ids final, arguments encoded, class located). */
  | { t: 'spawn'; record: PlacedSpawnRecord }
  | { t: 'peerLost'; thread: number }
  | { t: 'peerReplaced'; thread: number; outbound: RingPair; inbound: RingPair; signal: SharedArrayBuffer }
  /** The replaced worker's actors are back: send to it again. */
  | { t: 'peerRestored'; thread: number }
  /** The main thread numbered another node: frame headers name it by `slot`. */
  | { t: 'nodeSlot'; slot: number; node: NodeAddress }
  /** The node behind `slot` is down or left: fail what waits on it and refuse traffic to it. */
  | { t: 'nodeLost'; slot: number; reason: string }
  | { t: 'stats' }
  | { t: 'sync' }
  | { t: 'shutdown' }
  /** Data published to every worker under a topic (see topics.ts), e.g. pool membership. */
  | { t: 'topic'; topic: string; data: unknown }

export type WorkerToMain =
  | { t: 'ready' }
  /** Place this spawn (explicit placement or a top-level spawn; arguments encoded, class located). */
  | { t: 'place'; record: SpawnRecord }
  | { t: 'reserve'; id: string; actorType: string; parent: RefAddress | null }
  | { t: 'released'; id: string }
  | { t: 'lookup'; id: string }
  | { t: 'stats'; stats: WorkerStats }
  | { t: 'offload'; moduleUrl: string; input: unknown }
  | { t: 'shutdownSystem' }
  | { t: 'fatal'; error: ErrorData }

/** A reply to a request (`req` set on the request). */
export type ControlReply = { t: 'reply'; req: number; ok?: unknown; error?: ErrorData }
