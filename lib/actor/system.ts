/**
 * `ActorSystem`: the public entry point. Starts the runtime, spawns top-level actors, finds
 * named actors by id, describes the actor tree, exposes metrics and events, and shuts down.
 */
import type { Actor } from './actor.js'
import { actorTypeName } from './actor.js'
import { resolveDescribeOptions, type ActorDescription, type DescribeOptions } from './describe.js'
import { ActorRefError } from './errors.js'
import type { SystemEventListener, SystemEventMap } from './events.js'
import { ActorHost } from './host.js'
import type { MetricsSnapshot } from './metrics.js'
import { resolveSystemOptions, type ActorSystemOptions, type ResolvedSystemOptions } from './options.js'
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

  /** @internal Use {@link ActorSystem.start}. */
  constructor(options: ResolvedSystemOptions, thread: number, runtime: (host: ActorHost) => SystemRuntime) {
    this.host = new ActorHost(options, this, thread)
    this.runtime = runtime(this.host)
    this.host.runtime = this.runtime
  }

  /** Starts an actor system. Rejects with a TypeError naming every invalid option. */
  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    const resolved = resolveSystemOptions(options)
    return new ActorSystem(resolved, 0, (host) => createRuntime(host, resolved, options))
  }

  /** The system's name. */
  get name(): string {
    return this.host.options.name
  }

  /** This node's unique id. */
  get nodeId(): string {
    return this.host.options.nodeId
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
   * Stops every actor on every thread (children before parents, `stopped()` hooks awaited),
   * rejects queued asks with `Stopped`, refuses new spawns and ends the worker threads.
   * Idempotent: later calls return the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runtime.shutdown()
    return this.shutdownPromise
  }
}
