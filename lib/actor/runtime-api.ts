/**
 * The seam between the actor layer and the thread runtime. `ActorSystem` delegates placement,
 * lookups, tree walks, metrics and shutdown to a `SystemRuntime`. The actor layer ships the
 * single-thread `LocalRuntime`; lib/runtime installs the multi-core one (a lower layer declares
 * the interface, the higher one plugs in).
 */
import type { ActorCell } from './cell.js'
import type { ActorDescription, DescribeOptions } from './describe.js'
import { ActorRefError } from './errors.js'
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

/** Everything on the calling thread: no workers. */
export class LocalRuntime implements SystemRuntime {
  constructor(private readonly host: ActorHost) {}

  async spawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): Promise<ActorRef> {
    const p = this.host.prepareSpawn(type, options, parent)
    if (p.placement !== undefined && p.placement !== 'main') {
      throw new ActorRefError('NotSupported', `placement ${JSON.stringify(p.placement)} needs worker threads (workers: 0)`, {
        actorType: p.typeName,
      })
    }
    const localId = p.localId ?? this.host.anonymousId()
    return this.host.spawnLocal({
      type: p.type,
      typeName: p.typeName,
      id: parent === null ? localId : `${parent.id}/${localId}`,
      localId,
      tracked: p.localId !== undefined,
      args: p.args,
      strategy: p.strategy,
      mailboxCapacity: p.mailboxCapacity,
      parent,
      ...(parent !== null ? { parentCell: parent } : {}),
      registered: false,
    })
  }

  async actorOf(id: string): Promise<ActorRef | undefined> {
    const cell = this.host.cell(id)
    return cell !== undefined && cell.tracked && cell.alive ? cell.self : undefined
  }

  describeRoots(options: Required<DescribeOptions>): Promise<ActorDescription[]> {
    return this.host.describe(options)
  }

  metrics(): MetricsSnapshot {
    return this.host.metrics.snapshot()
  }

  async collectMetrics(): Promise<MetricsSnapshot> {
    return this.metrics()
  }

  status(): RuntimeStatus {
    return {
      workers: [],
      main: {
        index: 0,
        alive: true,
        actors: this.host.actorCount,
        queueDepth: this.host.queueDepth(),
        restarts: 0,
        ringBytesUsed: 0,
        ringBytesCapacity: 0,
      },
      inFlightAsks: this.host.wheel.size,
    }
  }

  async offload(): Promise<unknown> {
    throw new ActorRefError('NotSupported', 'blocking tasks need the multi-core runtime')
  }

  shutdown(): Promise<void> {
    return this.host.shutdown()
  }
}

/** Builds the runtime of a new system on the main thread. */
export type RuntimeFactory = (host: ActorHost, options: ResolvedSystemOptions, raw: ActorSystemOptions) => SystemRuntime

let factory: RuntimeFactory = (host) => new LocalRuntime(host)

/** @internal lib/runtime installs the multi-core runtime here. */
export function installRuntimeFactory(f: RuntimeFactory): void {
  factory = f
}

/** @internal */
export function createRuntime(host: ActorHost, options: ResolvedSystemOptions, raw: ActorSystemOptions): SystemRuntime {
  return factory(host, options, raw)
}
