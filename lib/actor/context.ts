/**
 * `ActorContext`: what an actor sees of the runtime from inside (`this.ctx`): its own ref,
 * its parent and children, watch, self-stop, the system and a logger bound to the actor.
 */
import type { Actor } from './actor.js'
import type { ActorCell, OwnedResource } from './cell.js'
import type { ActorRef } from './ref.js'
import type { ActorSystem, SpawnOptions } from './system.js'
import type { ActorClass } from './types.js'
import type { Logger } from '../util/logger.js'

export class ActorContext<A extends Actor = Actor> {
  /** @internal */
  readonly cell: ActorCell
  private boundLogger: Logger | null = null

  /** @internal */
  constructor(cell: ActorCell) {
    this.cell = cell
  }

  /** A ref to this actor. */
  get self(): ActorRef<A> {
    return this.cell.self as unknown as ActorRef<A>
  }

  get id(): string {
    return this.cell.id
  }

  get path(): string {
    return this.cell.path
  }

  get actorType(): string {
    return this.cell.actorType
  }

  /** The actor system this actor belongs to. */
  get system(): ActorSystem {
    return this.cell.host.system
  }

  /** The parent's ref; undefined for top-level actors. */
  get parent(): ActorRef | undefined {
    return this.cell.parent?.self
  }

  /** Refs of the live children. */
  get children(): ActorRef[] {
    return [...this.cell.children.values()].map((c) => c.self)
  }

  /** The child with the given id (without the parent prefix), if alive. */
  child<C extends Actor = Actor>(id: string): ActorRef<C> | undefined {
    return this.cell.children.get(`${this.cell.id}/${id}`)?.self as ActorRef<C> | undefined
  }

  /**
   * Spawns a child. Its id becomes `parentId/childId` and its path `parentPath/childId`; it is
   * supervised by this actor (`options.supervision`, else this actor's `childSupervision`,
   * else the system default) and stops when this actor stops.
   */
  spawn<C extends ActorClass>(type: C, options: SpawnOptions<C> = {}): Promise<ActorRef<InstanceType<C>>> {
    return this.cell.host.runtime.spawn(type, options, this.cell) as Promise<ActorRef<InstanceType<C>>>
  }

  /** Watches `ref`: `onTerminated` is called once when it stops (at once if already stopped). */
  watch(ref: ActorRef): void {
    this.cell.watch(ref.target)
  }

  /** Stops watching `ref`; no notice arrives afterwards. */
  unwatch(ref: ActorRef): void {
    this.cell.unwatch(ref.target)
  }

  /**
   * Stops this actor once the current message is handled. With an `error`, the stop counts as
   * a failure: watchers and the parent see reason `failed` and the error.
   */
  stop(error?: unknown): void {
    if (error === undefined) this.cell.requestStop('stopped')
    else this.cell.requestStop('failed', error)
  }

  /**
   * True once this actor has been asked to stop (by itself, a ref, its parent or shutdown).
   * Long work in `started()` or a handler (retry loops) should end when it turns true.
   */
  get stopRequested(): boolean {
    return this.cell.stopPending
  }

  /** Binds a resource (timer, subscription) to this actor: it is stopped when the actor stops or restarts. */
  own(resource: OwnedResource): void {
    this.cell.own(resource)
  }

  /**
   * Runs a CPU-bound stateless function on the blocking-task pool without stalling this
   * actor's thread (see `ActorSystem.offload`). The actor keeps handling its current message
   * asynchronously while it waits; other actors on its thread keep running.
   */
  blocking<I, O>(moduleUrl: string | URL, input: I): Promise<O> {
    return this.cell.host.runtime.offload(String(moduleUrl), input) as Promise<O>
  }

  /** A logger whose lines carry this actor's id, type and node. */
  get log(): Logger {
    if (this.boundLogger === null) this.boundLogger = this.cell.host.loggerFor(this.cell)
    return this.boundLogger
  }
}
