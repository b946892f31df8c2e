/**
 * `ActorHost`: everything about actors that is per thread. The cells living here, the id
 * registry, the run queue, the ask-timeout wheel, metrics, dead letters and failure reports.
 * The main thread and every worker each have one; the `ActorSystem` facade sits on top.
 */
import { TimeoutWheel } from '../util/timeout-wheel.js'
import type { Logger } from '../util/logger.js'
import { Actor, actorTypeName } from './actor.js'
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

export class ActorHost {
  readonly dispatcher = new Dispatcher()
  readonly wheel = new TimeoutWheel()
  readonly metrics: ActorMetrics
  readonly events = new SystemEvents()
  readonly logger: Logger
  /** Every live cell on this thread by id, tracked or not. */
  private readonly cells = new Map<string, ActorCell>()
  /** Top-level cells in spawn order. */
  private readonly roots = new Map<string, ActorCell>()
  private anonymousSeq = 0
  private closed = false

  constructor(
    readonly options: ResolvedSystemOptions,
    readonly system: ActorSystem,
    readonly thread: 'main' | number = 'main',
  ) {
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

  async spawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): Promise<ActorRef> {
    if (this.closed) throw new ActorRefError('SystemShutdown', 'the actor system is shut down', { actorType: nameOf(type) })
    if (typeof type !== 'function' || !(type.prototype instanceof Actor)) {
      throw new ActorRefError('InvalidArgument', `spawn needs a class extending Actor (got ${nameOf(type)})`)
    }
    if (parent !== null && !parent.alive) {
      throw new ActorRefError('Stopped', 'cannot spawn a child of a stopped actor', { actorId: parent.id, actorType: parent.typeName })
    }
    const typeName = actorTypeName(type)
    const given = options.id
    if (given !== undefined && (typeof given !== 'string' || given.length === 0 || given.includes('/'))) {
      throw new ActorRefError('InvalidArgument', `actor id must be a non-empty string without '/' (got ${JSON.stringify(given)})`, {
        actorType: typeName,
      })
    }
    const local = given ?? `$${++this.anonymousSeq}`
    const id = parent === null ? local : `${parent.id}/${local}`
    if (this.cells.has(id)) {
      throw new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: id, actorType: typeName })
    }
    const capacity = options.mailboxCapacity ?? this.options.mailboxCapacity
    if (!(typeof capacity === 'number' && capacity > 0)) {
      throw new ActorRefError('InvalidArgument', `mailboxCapacity must be a positive number (got ${String(capacity)})`, {
        actorId: id,
        actorType: typeName,
      })
    }
    let strategy = this.options.supervision
    const declared = options.supervision ?? parent?.actor?.childSupervision
    if (declared !== undefined) {
      try {
        strategy = resolveStrategy(declared)
      } catch (e) {
        throw new ActorRefError('InvalidArgument', (e as Error).message, { actorId: id, actorType: typeName })
      }
    }
    const cell = new ActorCell({
      host: this,
      id,
      type,
      typeName,
      args: options.args ?? [],
      parent,
      tracked: given !== undefined,
      strategy,
      mailboxCapacity: capacity,
    })
    this.cells.set(id, cell)
    if (parent === null) this.roots.set(id, cell)
    else parent.children.set(id, cell)
    await cell.start()
    return cell.self
  }

  /** @internal Called by a cell once it has stopped. */
  unregister(cell: ActorCell): void {
    if (this.cells.get(cell.id) === cell) this.cells.delete(cell.id)
    if (this.roots.get(cell.id) === cell) this.roots.delete(cell.id)
  }

  deadLetter(cell: ActorCell, handler: string, args: unknown[], reason: string): void {
    this.metrics.deadLetters++
    this.logger.debug({ actorId: cell.id, actorType: cell.typeName, handler, reason }, 'dead letter')
    this.events.emit('deadLetter', { actorId: cell.id, actorType: cell.typeName, handler, args, reason })
  }

  reportFailure(cell: ActorCell, handler: string, error: unknown): void {
    this.logger.warn({ actorId: cell.id, actorType: cell.typeName, handler, err: error }, 'actor failed')
    this.events.emit('actorFailed', { actorId: cell.id, actorType: cell.typeName, handler, error })
  }

  loggerFor(cell: ActorCell): Logger {
    const base = this.logger
    const fields = { actorId: cell.id, actorType: cell.typeName, nodeId: this.options.nodeId }
    return {
      trace: (f, m) => base.trace({ ...fields, ...f }, m),
      debug: (f, m) => base.debug({ ...fields, ...f }, m),
      info: (f, m) => base.info({ ...fields, ...f }, m),
      warn: (f, m) => base.warn({ ...fields, ...f }, m),
      error: (f, m) => base.error({ ...fields, ...f }, m),
    }
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

function nameOf(type: unknown): string {
  return typeof type === 'function' && type.name ? type.name : String(type)
}
