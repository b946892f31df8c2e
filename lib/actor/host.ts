/**
 * `ActorHost`: everything about actors that is per thread. The cells living here, the id
 * registry, the run queue, the ask-timeout wheel, metrics, dead letters and failure reports.
 * The main thread and every worker each have one; the `ActorSystem` facade sits on top.
 */
import { TimeoutWheel } from '../util/timeout-wheel.js'
import type { NodeAddress } from './address.js'
import { actorLogger, type Logger } from '../util/logger.js'
import { Actor, actorTypeName, handlerNamesOf } from './actor.js'
import { ActorCell } from './cell.js'
import { Dispatcher } from './dispatcher.js'
import { ActorRefError } from './errors.js'
import { SystemEvents } from './events.js'
import { ActorMetrics } from './metrics.js'
import type { ResolvedSystemOptions } from './options.js'
import type { ActorRef } from './ref.js'
import { resolveStrategy } from './supervision.js'
import type { ActorSystem, SpawnOptions } from './system.js'
import type { ActorClass } from './types.js'
import type { ActorDescription, DescribeOptions } from './describe.js'
import type { ResolvedStrategy } from './supervision.js'
import type { ParentLink } from './target.js'
import type { SystemRuntime } from './runtime-api.js'

/** A validated spawn request, before placement. */
export interface PreparedSpawn {
  type: ActorClass
  typeName: string
  /** The requested id (without parent prefix); undefined for anonymous actors. */
  localId: string | undefined
  args: readonly unknown[]
  strategy: ResolvedStrategy
  mailboxCapacity: number
  placement: SpawnOptions['placement']
}

/** What `spawnLocal` needs: a prepared spawn with its final id and parent. */
export interface LocalSpawn {
  type: ActorClass
  typeName: string
  id: string
  localId: string
  tracked: boolean
  args: readonly unknown[]
  strategy: ResolvedStrategy
  mailboxCapacity: number
  parent: ParentLink | null
  /** The parent cell when it lives on this thread (the child is added to its children). */
  parentCell?: ActorCell
  /** True when the placement table on the main thread records this actor. */
  registered: boolean
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
  /** Every live cell on this thread by id, tracked or not. */
  private readonly cells = new Map<string, ActorCell>()
  /** Top-level cells in spawn order. */
  private readonly roots = new Map<string, ActorCell>()
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
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** The live cell with this id, tracked or anonymous. */
  cell(id: string): ActorCell | undefined {
    return this.cells.get(id)
  }

  /** Live top-level cells. */
  topLevel(): ActorCell[] {
    return [...this.roots.values()]
  }

  get actorCount(): number {
    return this.cells.size
  }

  /**
   * Validates and normalises a spawn request (class, id, mailbox, supervision). Throws
   * `ActorRefError` (`InvalidArgument`, `SystemShutdown`, `Stopped`).
   */
  prepareSpawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): PreparedSpawn {
    if (this.closed) throw new ActorRefError('SystemShutdown', 'the actor system is shut down', { actorType: nameOf(type) })
    if (typeof type !== 'function' || !(type.prototype instanceof Actor)) {
      throw new ActorRefError('InvalidArgument', `spawn needs a class extending Actor (got ${nameOf(type)})`)
    }
    if (parent !== null && !parent.alive) {
      throw new ActorRefError('Stopped', 'cannot spawn a child of a stopped actor', { actorId: parent.id, actorType: parent.typeName })
    }
    const typeName = actorTypeName(type)
    // Known here from now on: tells from this thread to actors of this type on other threads
    // are checked against its handlers.
    handlerNamesOf(type)
    const invalid = (message: string): ActorRefError => new ActorRefError('InvalidArgument', message, { actorType: typeName })
    if (options === null || typeof options !== 'object') throw invalid(`spawn options must be an object (got ${String(options)})`)
    for (const key of Object.keys(options)) {
      if (!SPAWN_OPTION_KEYS.has(key)) throw invalid(`unknown spawn option '${key}' (known: ${[...SPAWN_OPTION_KEYS].join(', ')})`)
    }
    if (options.args !== undefined && !Array.isArray(options.args)) {
      throw invalid(`args must be an array of constructor arguments (got ${typeof options.args})`)
    }
    if ('supervision' in options && (options.supervision === null || typeof options.supervision !== 'object')) {
      throw invalid(`supervision must be a strategy object such as { directive: 'restart' } (got ${String(options.supervision)})`)
    }
    const given = options.id
    if (given !== undefined && (typeof given !== 'string' || given.length === 0 || given.includes('/'))) {
      throw new ActorRefError('InvalidArgument', `actor id must be a non-empty string without '/' (got ${JSON.stringify(given)})`, {
        actorType: typeName,
      })
    }
    const capacity = options.mailboxCapacity ?? this.options.mailboxCapacity
    if (!(typeof capacity === 'number' && Number.isSafeInteger(capacity) && capacity > 0)) {
      throw invalid(`mailboxCapacity must be a positive integer (got ${String(capacity)})`)
    }
    const placement = options.placement
    if (!(placement === undefined || placement === 'main' || placement === 'worker' || (typeof placement === 'number' && Number.isInteger(placement) && placement >= 1))) {
      throw invalid(`placement must be 'main', 'worker' or a worker number (got ${JSON.stringify(placement)})`)
    }
    let strategy = this.options.supervision
    const declared = options.supervision ?? parent?.childSupervision
    if (declared !== undefined) {
      try {
        strategy = resolveStrategy(declared)
      } catch (e) {
        throw new ActorRefError('InvalidArgument', (e as Error).message, { actorType: typeName })
      }
    }
    return {
      type,
      typeName,
      localId: given,
      args: options.args ?? [],
      strategy,
      mailboxCapacity: capacity,
      placement: options.placement,
    }
  }

  /** A fresh anonymous id for an actor placed by this thread. */
  anonymousId(): string {
    return this.thread === 0 ? `$${++this.anonymousSeq}` : `$${this.thread}.${++this.anonymousSeq}`
  }

  /**
   * Creates the actor on this thread and runs its start. The runtime has already checked (or
   * reserved) the id. Rejects with `AlreadyExists` if a live cell holds it here, or `StartFailed`.
   */
  async spawnLocal(s: LocalSpawn): Promise<ActorRef> {
    if (this.cells.has(s.id)) {
      throw new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: s.id, actorType: s.typeName })
    }
    const cell = new ActorCell({
      host: this,
      id: s.id,
      localId: s.localId,
      type: s.type,
      typeName: s.typeName,
      args: s.args,
      parent: s.parent,
      tracked: s.tracked,
      strategy: s.strategy,
      mailboxCapacity: s.mailboxCapacity,
    })
    cell.registered = s.registered
    this.cells.set(s.id, cell)
    if (s.parent === null) this.roots.set(s.id, cell)
    else if (s.parentCell !== undefined) s.parentCell.children.set(s.id, cell)
    if (s.onCreated !== undefined) s.onCreated(cell)
    await cell.start()
    return cell.self
  }

  /** @internal Called by a cell once it has stopped. */
  unregister(cell: ActorCell): void {
    if (this.cells.get(cell.id) === cell) this.cells.delete(cell.id)
    if (this.roots.get(cell.id) === cell) this.roots.delete(cell.id)
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
    this.deadLetterFor(cell.id, cell.typeName, handler, args, reason)
  }

  /** Records a message that reached no actor. */
  deadLetterFor(actorId: string, actorType: string, handler: string, args: unknown[], reason: string): void {
    this.metrics.deadLetters++
    this.logger.debug({ actorId, actorType, handler, reason }, 'dead letter')
    this.events.emit('deadLetter', { actorId, actorType, handler, args, reason })
  }

  reportFailure(cell: ActorCell, handler: string, error: unknown): void {
    this.logger.warn({ actorId: cell.id, actorType: cell.typeName, handler, err: error }, 'actor failed')
    this.events.emit('actorFailed', { actorId: cell.id, actorType: cell.typeName, handler, error })
  }

  loggerFor(cell: ActorCell): Logger {
    return actorLogger(this.logger, { actorId: cell.id, actorType: cell.typeName, nodeId: this.options.nodeId }, cell)
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

/** The fields of {@link SpawnOptions}; anything else is a typo. */
const SPAWN_OPTION_KEYS = new Set(['id', 'args', 'supervision', 'mailboxCapacity', 'placement'])

function nameOf(type: unknown): string {
  return typeof type === 'function' && type.name ? type.name : String(type)
}
