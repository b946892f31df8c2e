/**
 * The seam between the actor layer and the thread runtime. `ActorSystem` delegates placement,
 * lookups, tree walks, metrics and shutdown to a `SystemRuntime`, which lib/runtime installs
 * (a lower layer declares the interface, the higher one plugs in; lib/index.ts wires it).
 */
import { installedRuntime } from './extensions.js'
import type { ActorCell } from './cell.js'
import type { ActorDescription, DescribeOptions } from './describe.js'
import type { ActorHost } from './host.js'
import type { MetricsSnapshot } from './metrics.js'
import type { ActorSystemOptions, ResolvedSystemOptions } from './options.js'
import type { ActorRef } from './ref.js'
import type { SpawnOptions } from './system.js'
import type { ActorClass } from './types.js'

/** One thread as the runtime reports it. */
export interface ThreadStatus {
  /** 0 for the main thread, 1..N for workers. */
  index: number
  alive: boolean
  actors: number
  /** Messages waiting in the thread's mailboxes. */
  queueDepth: number
  /** Times this worker was replaced after dying. */
  restarts: number
  /** Bytes waiting in the thread's outbound user rings, and their capacity. */
  ringBytesUsed: number
  ringBytesCapacity: number
}

/** The runtime's view of its threads. */
export interface RuntimeStatus {
  workers: ThreadStatus[]
  main: ThreadStatus
  inFlightAsks: number
}

export interface SystemRuntime {
  /** Spawns with placement; `parent` is the spawning actor's cell, null for top-level actors. */
  spawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): Promise<ActorRef>
  actorOf(id: string): Promise<ActorRef | undefined>
  describeRoots(options: Required<DescribeOptions>): Promise<ActorDescription[]>
  /** Metrics of every thread as last reported (this thread's are current). */
  metrics(): MetricsSnapshot
  /** Fresh metrics from every thread. */
  collectMetrics(): Promise<MetricsSnapshot>
  status(): RuntimeStatus
  /** Runs `input` through the default export of `moduleUrl` on the blocking-task pool. */
  offload(moduleUrl: string, input: unknown): Promise<unknown>
  shutdown(): Promise<void>
}

/** Builds the runtime of a new system on the main thread. */
export type RuntimeFactory = (host: ActorHost, options: ResolvedSystemOptions, raw: ActorSystemOptions) => SystemRuntime

/** @internal The runtime the installed runtime extension builds. */
export function createRuntime(host: ActorHost, options: ResolvedSystemOptions, raw: ActorSystemOptions): SystemRuntime {
  const factory = installedRuntime()
  if (factory === null) throw new Error("no actor runtime installed: import ActorSystem from coerce-ts's index")
  return factory(host, options, raw)
}
