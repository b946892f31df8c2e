/**
 * The control channel between the main thread and each worker (a MessagePort): start-up,
 * spawns and placement, id reservations, lookups, stats, offloaded tasks, thread loss and
 * shutdown. Never per-message traffic: that goes through the rings.
 */
import type { ThreadKind } from './thread-kind.js'
import type { NodeAddress } from '../actor/address.js'
import type { ErrorData, RefAddress } from './transport/codec.js'
import type { ClassLocation } from './actor-modules.js'
import type { ResolvedStrategy } from '../actor/supervision.js'
import type { MetricsSnapshot } from '../actor/metrics.js'

/** Everything a thread needs to construct an actor it was asked to host. */
export interface SpawnSpec {
  id: string
  localId: string
  tracked: boolean
  location: ClassLocation
  /** msgpackr-encoded constructor arguments. */
  args: Uint8Array
  /** The supervision strategy (its directive is a string: functions cannot cross threads). */
  strategy: ResolvedStrategy
  mailboxCapacity: number
  parent: RefAddress | null
}

/** A spawn a worker asks the main thread to place (explicit placement or a top-level spawn). */
export interface PlaceRequest {
  localId: string | undefined
  location: ClassLocation
  args: Uint8Array
  strategy: ResolvedStrategy
  mailboxCapacity: number
  parent: RefAddress | null
  placement: 'main' | 'worker' | number | undefined
}

/** The SharedArrayBuffers of one directed thread pair. */
export interface RingPair {
  sys: SharedArrayBuffer
  user: SharedArrayBuffer
}

/** What a worker receives at start-up (workerData). */
export interface WorkerInit {
  thread: number
  kind: ThreadKind
  workers: number
  /** Doorbells of every thread, by thread number (0 = main). */
  signals: SharedArrayBuffer[]
  /** rings[from][to]; null on the diagonal. */
  outbound: Record<number, RingPair>
  inbound: Record<number, RingPair>
  options: WorkerOptions
}

/** The serialisable part of the system options a worker needs. */
export interface WorkerOptions {
  name: string
  nodeId: string
  incarnation: number
  askTimeoutMs: number
  stopTimeoutMs: number
  mailboxCapacity: number
  metricsSampleEvery: number
  logLevel: string
  spinMicros: number
  outboxLimit: number
  statsIntervalMs: number
  supervision: ResolvedStrategy
  /** Option fields of higher layers (persistence, ...) in their plain-data worker form. */
  extensions: Record<string, unknown>
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
  | { t: 'spawn'; spec: SpawnSpec }
  | { t: 'peerLost'; thread: number }
  | { t: 'peerReplaced'; thread: number; outbound: RingPair; inbound: RingPair; signal: SharedArrayBuffer }
  /** The replaced worker's actors are back: send to it again. */
  | { t: 'peerRestored'; thread: number }
  /** The main thread numbered another node: frame headers name it by `slot`. */
  | { t: 'nodeSlot'; slot: number; node: NodeAddress }
  | { t: 'stats' }
  | { t: 'sync' }
  | { t: 'shutdown' }

export type WorkerToMain =
  | { t: 'ready' }
  | { t: 'place'; request: PlaceRequest }
  | { t: 'reserve'; id: string; typeName: string; parent: RefAddress | null }
  | { t: 'released'; id: string }
  | { t: 'lookup'; id: string }
  | { t: 'stats'; stats: WorkerStats }
  | { t: 'offload'; moduleUrl: string; input: unknown }
  | { t: 'shutdownSystem' }
  | { t: 'fatal'; error: ErrorData }

/** A reply to a request (`req` set on the request). */
export type ControlReply = { t: 'reply'; req: number; ok?: unknown; error?: ErrorData }
