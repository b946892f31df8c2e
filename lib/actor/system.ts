/**
 * `ActorSystem`: the public entry point. Starts the runtime, spawns top-level actors, finds
 * named actors by id, describes the actor tree, exposes metrics and events, and shuts down.
 */
import { bindSystemPrototype, extensions, installedHttpApi } from './extensions.js'
import type { NodeAddress } from './address.js'
import type { Actor } from './actor.js'
import { actorTypeName } from './actor.js'
import { resolveDescribeOptions, type ActorDescription, type DescribeOptions } from './describe.js'
import { ActorRefError } from './errors.js'
import type { SystemEventListener, SystemEventMap } from './events.js'
import { ActorHost } from './host.js'
import type { MetricsSnapshot } from './metrics.js'
import { resolveSystemOptions, type ActorSystemOptions, type HttpApiOptions, type ResolvedSystemOptions } from './options.js'
import { createRuntime, type RuntimeStatus, type SystemRuntime } from './runtime-api.js'
import type { ActorRef } from './ref.js'
import type { SupervisionStrategy } from './supervision.js'
import type { ActorArgs, ActorClass } from './types.js'

/** Options of a spawn. */
export interface SpawnOptions<C extends ActorClass = ActorClass> {
  /**
   * A name makes the actor tracked: findable with `system.actorOf(id)`, unique while alive
   * (a duplicate fails with `AlreadyExists`). Without one the actor is anonymous (`$n`).
   * Must not contain '/'.
   */
  id?: string
  /** Constructor arguments; restarts construct the new instance with the same ones. */
  args?: ActorArgs<C>
  /** How this actor is supervised; overrides the parent's `childSupervision` and the system default. */
  supervision?: SupervisionStrategy
  /** User-lane capacity of this actor's mailbox. Default: the system's `mailboxCapacity`. */
  mailboxCapacity?: number
  /**
   * Which thread hosts the actor: `'main'`, `'worker'` (chosen by the placement policy) or a
   * worker number (1..workers). Default: children go to their parent's thread; top-level
   * actors go to a worker when their class is registered (see `registerActors`) and workers
   * are enabled, else to the main thread.
   */
  placement?: 'main' | 'worker' | number
  /**
   * The cluster node to create the actor on (its id, or its address), from the main thread of a
   * system started with `cluster`. The class is found there by its type name: register it on
   * every node (`registerActors`). Unknown type there: `NotSupported`; node down or
   * unreachable: `NodeUnreachable`. Default: this node.
   */
  node?: string | NodeAddress
}

/** A running HTTP diagnostics API, as {@link ActorSystem.startHttpApi} returns it. */
export interface HttpApiHandle {
  /** `http://host:port`, the base of every route. */
  readonly url: string
  /** The port bound (the chosen one when asked for port 0). */
  readonly port: number
  readonly host: string
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>
}

/**
 * An actor system.
 *
 * @example
 * const system = await ActorSystem.start()
 * const counter = await system.spawn(Counter, { id: 'counter' })
 * counter.tell('inc', 1)
 * console.log(await counter.ask('get'))
 * await system.shutdown()
 */
export class ActorSystem {
  /** @internal */
  readonly host: ActorHost
  /** @internal */
  readonly runtime: SystemRuntime
  private shutdownPromise: Promise<void> | null = null
  private readonly runningApis = new Set<HttpApiHandle>()

  /** @internal Use {@link ActorSystem.start}. */
  constructor(options: ResolvedSystemOptions, thread: number, runtime: (host: ActorHost) => SystemRuntime) {
    this.host = new ActorHost(options, this, thread)
    this.runtime = runtime(this.host)
    this.host.runtime = this.runtime
  }

  /**
   * Starts an actor system, and its HTTP API when `options.http` is given. Rejects with a
   * TypeError naming every invalid option, or with the HTTP API's error when it cannot listen.
   */
  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    const resolved = resolveSystemOptions(options)
    const system = new ActorSystem(resolved, 0, (host) => createRuntime(host, resolved, options))
    try {
      for (const ext of extensions()) await ext.onStart?.(system)
      if (system.options.http !== null) await system.startHttpApi(system.options.http)
    } catch (e) {
      await system.shutdown()
      throw e
    }
    return system
  }

  /** The system's name. */
  get name(): string {
    return this.host.options.name
  }

  /** This node's unique id. */
  get nodeId(): string {
    return this.host.options.nodeId
  }

  /** This run of this node: its id and the incarnation chosen at start (refs carry both). */
  get node(): NodeAddress {
    return this.host.node
  }

  /** The options in effect, defaults filled in. */
  get options(): Readonly<ResolvedSystemOptions> {
    return this.host.options
  }

  /** True once `shutdown()` was called. */
  get isShutdown(): boolean {
    return this.host.isClosed
  }

  /**
   * Spawns a top-level actor and resolves once its `started()` hook completed.
   * Rejects with `ActorRefError`: `AlreadyExists` (id taken), `StartFailed` (`started()` threw,
   * stopped the actor, or its class could not be loaded on its worker), `InvalidArgument`,
   * `Serialization` (constructor arguments cannot reach the worker), or `SystemShutdown`.
   */
  spawn<C extends ActorClass>(type: C, options: SpawnOptions<C> = {}): Promise<ActorRef<InstanceType<C>>> {
    return this.runtime.spawn(type, options, null) as Promise<ActorRef<InstanceType<C>>>
  }

  /**
   * The live tracked (named) actor with this id, on any thread, or undefined. With `type`, an
   * actor of another type rejects with `TypeMismatch` instead of being returned under the
   * wrong type.
   */
  async actorOf<A extends Actor = Actor>(id: string, type?: ActorClass<A>): Promise<ActorRef<A> | undefined> {
    const ref = await this.runtime.actorOf(id)
    if (ref === undefined) return undefined
    if (type !== undefined && actorTypeName(type) !== ref.actorType) {
      throw new ActorRefError('TypeMismatch', `expected ${actorTypeName(type)}`, { actorId: id, actorType: ref.actorType })
    }
    return ref as unknown as ActorRef<A>
  }

  /** Alias of {@link ActorSystem.actorOf}. */
  lookup<A extends Actor = Actor>(id: string, type?: ActorClass<A>): Promise<ActorRef<A> | undefined> {
    return this.actorOf(id, type)
  }

  /** The actor tree: top-level actors on every thread and their children, within the given limits. */
  async describe(options: DescribeOptions = {}): Promise<ActorDescription[]> {
    return this.runtime.describeRoots(resolveDescribeOptions(options))
  }

  /** The runtime metrics of every thread (workers' as of their last report, every `statsIntervalMs`). */
  metrics(): MetricsSnapshot {
    return this.runtime.metrics()
  }

  /** Fresh runtime metrics, collected from every thread now. */
  collectMetrics(): Promise<MetricsSnapshot> {
    return this.runtime.collectMetrics()
  }

  /** Threads, their load and health, and asks in flight. */
  status(): RuntimeStatus {
    return this.runtime.status()
  }

  /**
   * Runs a CPU-bound stateless function on the blocking-task pool (piscina) without stalling
   * any actor thread: `moduleUrl` default-exports `(input) => output` (sync or async).
   * Input and output are structured-cloned. Rejects with the task's error.
   */
  offload<I, O>(moduleUrl: string | URL, input: I): Promise<O> {
    return this.runtime.offload(String(moduleUrl), input) as Promise<O>
  }

  /** Subscribes to runtime events on this thread; returns an unsubscribe function. */
  on<K extends keyof SystemEventMap>(event: K, listener: SystemEventListener<K>): () => void {
    return this.host.events.on(event, listener)
  }

  /**
   * Starts the HTTP diagnostics API (`/health`, `/system/stats`, `/actors`, `/metrics`,
   * `/openapi.json`) and resolves once it listens; `shutdown()` closes it. Rejects with a
   * TypeError for bad options, `ApiError` `ListenFailed` when the address cannot be bound, and
   * `ActorRefError` `SystemShutdown` after shutdown.
   *
   * @example
   * const api = await system.startHttpApi({ port: 30103 })
   * console.log(`diagnostics on ${api.url}/health`)
   */
  async startHttpApi(options: HttpApiOptions = {}): Promise<HttpApiHandle> {
    if (this.isShutdown) throw new ActorRefError('SystemShutdown', 'the actor system is shut down')
    const httpApiStarter = installedHttpApi()
    if (httpApiStarter === null) {
      throw new ActorRefError('NotSupported', "the HTTP API is not installed: import ActorSystem from coerce-ts's index")
    }
    const api = await httpApiStarter(this, options)
    if (this.isShutdown) {
      // shutdown() ran while the server was binding and could not close it.
      await api.close()
      throw new ActorRefError('SystemShutdown', 'the actor system shut down while the HTTP API was starting')
    }
    this.runningApis.add(api)
    return api
  }

  /**
   * The HTTP APIs started for this system, in start order (the one `options.http` started
   * comes first); `shutdown()` closes them.
   */
  get httpApis(): HttpApiHandle[] {
    return [...this.runningApis]
  }

  /**
   * Closes the HTTP APIs, stops every actor on every thread (children before parents,
   * `stopped()` hooks awaited), rejects queued asks with `Stopped`, refuses new spawns and ends
   * the worker threads. Idempotent: later calls return the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown()
    return this.shutdownPromise
  }

  private async runShutdown(): Promise<void> {
    if (this.host.thread === 0) {
      for (const ext of extensions()) {
        try {
          await ext.onStop?.(this)
        } catch (e) {
          this.host.logger.warn({ extension: ext.name, err: e }, 'an extension failed to stop')
        }
      }
    }
    await Promise.all([...[...this.runningApis].map((api) => api.close()), this.runtime.shutdown()])
  }
}

bindSystemPrototype(ActorSystem.prototype)
