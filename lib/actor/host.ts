/**
 * `ActorHost`: everything about actors that is per thread. The cells living here, the id
 * registry, the run queue, the ask-timeout wheel, metrics, dead letters and failure reports.
 * The main thread and every worker each have one; the `ActorSystem` facade sits on top.
 */
import { TimeoutWheel } from '../util/timeout-wheel.js'
import type { NodeAddress } from './address.js'
import { actorLogger, type Logger } from '../util/logger.js'
import { ActorCell } from './cell.js'
import { Dispatcher } from './dispatcher.js'
import { ActorRefError } from './errors.js'
import { SystemEvents } from './events.js'
import { ActorMetrics } from './metrics.js'
import type { ResolvedSystemOptions } from './options.js'
import type { ActorRef } from './ref.js'
import { buildSpawnRecord, recordedOn, type PlacedSpawnRecord, type SpawnDefaults, type SpawningParent, type SpawnRecord } from './spawn-record.js'
import type { ActorSystem, SpawnOptions } from './system.js'
import type { ActorClass } from './types.js'
import type { ActorDescription, DescribeOptions } from './describe.js'
import type { ParentLink } from './target.js'
import type { SystemRuntime } from './runtime-api.js'

/**
 * What `spawnLocal` needs beside the spawn record: the parts that never cross a thread.
 */
export interface LocalBinding {
  type: ActorClass
  /** The constructor arguments, decoded. */
  args: readonly unknown[]
  parent: ParentLink | null
  /** The parent cell when it lives on this thread (the child is added to its children). */
  parentCell?: ActorCell | undefined
  /** Called with the cell before it starts (the runtime wires cross-thread links). */
  onCreated?: (cell: ActorCell) => void
}

export class ActorHost {
  readonly dispatcher = new Dispatcher()
  readonly wheel = new TimeoutWheel()
  readonly metrics: ActorMetrics
  readonly events = new SystemEvents()
  readonly logger: Logger
  /** The node run this thread belongs to. */
  readonly node: NodeAddress
  /** Every live cell on this thread by id, tracked or not, in spawn order. */
  private readonly cells = new Map<string, ActorCell>()
  /** Refs whose messages from other threads and nodes go to a target that is not a cell here (see {@link ActorHost.addForwarder}). */
  private readonly forwarders = new Map<string, ActorRef>()
  /** Resolvers for whole families of forwarder ids, by prefix up to and with '|' (see {@link ActorHost.addForwarderFamily}). */
  private readonly forwarderFamilies = new Map<string, (id: string) => ActorRef | undefined>()
  private anonymousSeq = 0
  private closed = false
  /** The runtime that places spawns (set by the ActorSystem right after construction). */
  runtime!: SystemRuntime

  constructor(
    readonly options: ResolvedSystemOptions,
    readonly system: ActorSystem,
    /** 0 for the main thread, 1..N for workers. */
    readonly thread: number = 0,
  ) {
    this.node = { id: options.nodeId, incarnation: options.incarnation }
    this.metrics = new ActorMetrics(options.metricsSampleEvery)
    this.logger = options.logger
    this.spawnDefaults = {
      mailboxCapacity: options.mailboxCapacity,
      supervision: options.supervision,
      mailbox: Object.freeze({ capacity: options.mailboxCapacity }),
    }
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** The live cell with this id, tracked or anonymous. */
  cell(id: string): ActorCell | undefined {
    return this.cells.get(id)
  }

  /**
   * @internal Messages that other threads or nodes send to `id` on this thread go to `ref`
   * (a target that is no cell, such as a cluster singleton's proxy), and refs that arrive
   * naming `id` on this thread resolve to it. Undone by {@link ActorHost.removeForwarder}.
   */
  addForwarder(id: string, ref: ActorRef): void {
    this.forwarders.set(id, ref)
  }

  /** @internal */
  removeForwarder(id: string): void {
    this.forwarders.delete(id)
  }

  /**
   * @internal Like {@link ActorHost.addForwarder} for every id that starts with `prefix` (which
   * starts with '$' and ends with '|', its only '|'): `resolve` gives the ref for one id, or
   * undefined. Sharding answers all entity ids of a type this way.
   */
  addForwarderFamily(prefix: string, resolve: (id: string) => ActorRef | undefined): void {
    this.forwarderFamilies.set(prefix, resolve)
  }

  /** @internal */
  removeForwarderFamily(prefix: string): void {
    this.forwarderFamilies.delete(prefix)
  }

  /** @internal The ref registered for `id` by {@link ActorHost.addForwarder} or a family. */
  forwarder(id: string): ActorRef | undefined {
    const exact = this.forwarders.get(id)
    if (exact !== undefined || this.forwarderFamilies.size === 0 || id.charCodeAt(0) !== 36 /* $ */) return exact
    const bar = id.indexOf('|')
    return bar < 0 ? undefined : this.forwarderFamilies.get(id.slice(0, bar + 1))?.(id)
  }

  /** Live top-level cells, in spawn order. */
  topLevel(): ActorCell[] {
    const out: ActorCell[] = []
    for (const c of this.cells.values()) if (c.parent === null) out.push(c)
    return out
  }

  get actorCount(): number {
    return this.cells.size
  }

  /**
   * Validates a spawn request and builds its record (see `buildSpawnRecord`). Throws
   * `ActorRefError` (`InvalidArgument`, `SystemShutdown`, `Stopped`).
   */
  prepareSpawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): SpawnRecord {
    if (this.closed) throw new ActorRefError('SystemShutdown', 'the actor system is shut down', { actorType: nameOf(type) })
    return buildSpawnRecord(type, options, this.spawnDefaults, parent === null ? null : spawningParent(parent))
  }

  private readonly spawnDefaults: SpawnDefaults

  /** A fresh anonymous id for an actor placed by this thread. */
  anonymousId(): string {
    return this.thread === 0 ? `$${++this.anonymousSeq}` : `$${this.thread}.${++this.anonymousSeq}`
  }

  /**
   * Creates the actor on this thread and runs its start. The runtime has already checked (or
   * reserved) the id. Rejects with `AlreadyExists` if a live cell holds it here, or `StartFailed`.
   */
  spawnLocal(record: PlacedSpawnRecord, local: LocalBinding): Promise<ActorRef> {
    if (this.cells.has(record.id)) {
      return Promise.reject(new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: record.id, actorType: record.actorType }))
    }
    let cell: ActorCell
    try {
      cell = new ActorCell(this, record, local.type, local.args, local.parent)
      cell.registered = recordedOn(record, this.thread)
      this.cells.set(record.id, cell)
      if (local.parent !== null && local.parentCell !== undefined) local.parentCell.children.set(record.id, cell)
      if (local.onCreated !== undefined) local.onCreated(cell)
    } catch (e) {
      return Promise.reject(e)
    }
    // A synchronous start needs no turn: the ref is ready now.
    const starting = cell.start()
    const self = cell.self
    return starting === null ? Promise.resolve(self) : starting.then(() => self)
  }

  /** @internal Called by a cell once it has stopped. */
  unregister(cell: ActorCell): void {
    if (this.cells.get(cell.id) === cell) this.cells.delete(cell.id)
    if (cell.registered) {
      const reported = this.onReleased(cell)
      if (reported instanceof Promise) {
        const id = cell.id
        const settled: Promise<void> = reported.then(
          () => undefined,
          () => undefined,
        )
        this.releasing.set(id, settled)
        void settled.then(() => {
          if (this.releasing.get(id) === settled) this.releasing.delete(id)
        })
      }
    }
  }

  /**
   * Set by the runtime: an actor recorded in the placement table stopped. A worker returns the
   * promise of the main thread's acknowledgement, so a stop is confirmed only once the id is free.
   */
  onReleased: (cell: ActorCell) => void | Promise<void> = () => {}

  private readonly releasing = new Map<string, Promise<void>>()

  /** Resolves once the placement table no longer holds the stopped actor `id` (at once when it never did). */
  released(id: string): Promise<void> {
    return this.releasing.get(id) ?? Promise.resolve()
  }

  /** Messages waiting in the mailboxes of this thread's actors. */
  queueDepth(): number {
    let n = 0
    for (const c of this.cells.values()) n += c.mailboxSize
    return n
  }

  /** Messages processed by this thread's actors so far. */
  processedCount(): number {
    let n = 0
    for (const t of this.metrics.snapshot().actorTypes) for (const h of t.handlers) n += h.processed
    return n
  }

  deadLetter(cell: ActorCell, handler: string, args: unknown[], reason: string): void {
    this.deadLetterFor(cell.id, cell.actorType, handler, args, reason)
  }

  /** Records a message that reached no actor. */
  deadLetterFor(actorId: string, actorType: string, handler: string, args: unknown[], reason: string): void {
    this.metrics.deadLetters++
    this.logger.debug({ actorId, actorType, handler, reason }, 'dead letter')
    this.events.emit('deadLetter', { actorId, actorType, handler, args, reason })
  }

  reportFailure(cell: ActorCell, handler: string, error: unknown): void {
    this.logger.warn({ actorId: cell.id, actorType: cell.actorType, handler, err: error }, 'actor failed')
    this.events.emit('actorFailed', { actorId: cell.id, actorType: cell.actorType, handler, error })
  }

  loggerFor(cell: ActorCell): Logger {
    return actorLogger(this.logger, { actorId: cell.id, actorType: cell.actorType, nodeId: this.options.nodeId }, cell)
  }

  async describe(options: Required<DescribeOptions>): Promise<ActorDescription[]> {
    return Promise.all(this.topLevel().map((c) => c.describe(options, 0)))
  }

  /** Stops every actor (children first) and refuses new spawns. Idempotent. */
  async shutdown(): Promise<void> {
    this.closed = true
    await Promise.all(this.topLevel().map((c) => c.stopWith('shutdown', undefined)))
  }
}

/** The spawning cell as the spawn record sees it. */
function spawningParent(cell: ActorCell): SpawningParent {
  const t = cell.self.target
  return {
    alive: cell.alive,
    id: cell.id,
    actorType: cell.actorType,
    childSupervision: cell.childSupervision,
    address: { node: t.node, thread: t.thread, id: t.id, actorType: t.actorType, path: t.path },
  }
}

function nameOf(type: unknown): string {
  return typeof type === 'function' && type.name ? type.name : String(type)
}
