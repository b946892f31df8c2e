/**
 * `ActorCell`: one actor on this thread, the object every local ref, parent and watcher holds.
 * It owns the mailbox (a system lane that is never dropped and a bounded user lane) and the
 * sending side of the hot path (tell, send, ask, deliver), and keeps the cell's state. The
 * rest lives in `lib/actor/cell/` as plain functions taking the cell (no helper objects, no
 * extra allocation per actor or message): `turns.ts` (running a turn, handlers one at a time),
 * `failure.ts` (supervision: restart with backoff, resume, stop, escalate), `lifecycle.ts`
 * (start, stop, owned resources), `watch.ts` (death watch both ways), `state.ts` (states and
 * system notices). The instance inside may be replaced on restart; the cell, and so every
 * ref, stays.
 */
import { Deque } from '../util/deque.js'
import type { NodeAddress } from './address.js'
import { Actor, handlerNamesOf, STOP_WHEN_DONE } from './actor.js'
import { ActorContext } from './context.js'
import type { ActorDescription, ActorStatus, DescribeOptions } from './describe.js'
import { Envelope, LocalAsk, type Reply } from './envelope.js'
import { UserMailbox } from './mailbox.js'
import { ActorRefError, type ActorErrorCode } from './errors.js'
import type { ActorHost } from './host.js'
import type { ActorTypeStats, HandlerStats } from './metrics.js'
import { ActorRef } from './ref.js'
import { RestartHistory, type ResolvedStrategy } from './supervision.js'
import type { ChildHandle, LocalParent, MessageTarget, ParentLink, TerminationListener } from './target.js'
import type { Terminated, TerminationReason } from './terminated.js'
import type { ActorClass, AskOptions } from './types.js'
import type { PlacedSpawnRecord } from './spawn-record.js'
import type { Runnable } from './dispatcher.js'
import { resumeFromParent } from './cell/failure.js'
import { runStop, startCell } from './cell/lifecycle.js'
import { RUNNING, STARTING, STATUS, STOPPING, type CellState, type SystemNotice } from './cell/state.js'
import { runTurn } from './cell/turns.js'
import { addWatcher, targetTerminated, unwatch, watch } from './cell/watch.js'

/** Something cancellable whose life is bound to the actor's (timers, subscriptions). */
export interface OwnedResource {
  stop(): void
}

/** The arguments of every message without any (shared: handlers get them spread). */
const NO_ARGS: unknown[] = Object.freeze([]) as unknown as unknown[]

export class ActorCell implements MessageTarget, TerminationListener, Runnable, ChildHandle, LocalParent {
  // Fields in the order the hot path reads them: a send and a turn touch the first ones only,
  // so with many actors each message costs fewer cache lines (V8 lays fields out in this order).
  /** True while the cell sits in the dispatcher's run queue. */
  queued = false
  /** @internal A handler (or system hook) is running. */
  busy = false
  /** @internal */ state: CellState = STARTING
  /** @internal */ stopRequested: TerminationReason | null = null
  // Internals below are shared with the modules in lib/actor/cell/ (and nothing else): they
  // read and change them directly so the cell needs no helper objects per actor. An idle actor
  // holds no mailbox, queue, set or map of its own: each is made on first use (issue 17:
  // a million idle actors must fit in 1.5 GB), so those fields are null until then.
  /** @internal The user lane; null until the first message. */
  mailbox: UserMailbox | null = null
  /** @internal The system lane; null until the first notice. */
  notices: Deque<SystemNotice> | null = null
  /** @internal */ instance: Actor | null = null
  /** @internal The message whose handler is running, while `busy`: its envelope, or a plain tell's handler name. */
  current: Envelope | string | null = null
  /** @internal Stop sequences waiting for the running handler to finish; null while none. */
  busyWaiters: (() => void)[] | null = null
  readonly host: ActorHost
  private lastHandler = ''
  private lastStats: HandlerStats | null = null
  private seq = 0
  private readonly handlers: ReadonlySet<string>
  readonly id: string
  readonly path: string
  readonly type: ActorClass
  readonly actorType: string
  readonly tracked: boolean
  readonly parent: ParentLink | null
  readonly self: ActorRef
  readonly ctx: ActorContext
  /** Recorded in the main thread's placement table: its stop must be reported. */
  registered = false
  /** @internal */ readonly args: readonly unknown[]
  /** @internal */ readonly strategy: ResolvedStrategy
  /** @internal */ readonly typeStats: ActorTypeStats
  /** @internal The user lane's capacity (the mailbox itself is made by the first message). */
  readonly mailboxCapacity: number
  /** @internal Listeners told when this cell stops; null while none. */
  watcherSet: Set<TerminationListener> | null = null
  /** @internal Targets this cell watches; null while none. */
  watchingSet: Set<MessageTarget> | null = null
  /** @internal Resources bound to the instance's life (see {@link ActorCell.own}); null while none. */
  ownedSet: Set<OwnedResource> | null = null
  /** @internal Live children by id; null while none was ever spawned. */
  childMap: Map<string, ChildHandle> | null = null
  private restartHistory: RestartHistory | null = null
  private stopPromise: Promise<void> | null = null
  /** @internal */ stopError: unknown = undefined
  /** @internal The notice sent when this actor stopped; given to watchers that arrive later. */
  terminated: Terminated | null = null
  /** @internal The pending restart after a backoff. */
  restartTimer: NodeJS.Timeout | null = null

  /** Built by `ActorHost.spawnLocal` from the placed record and what travels beside it. */
  constructor(host: ActorHost, record: PlacedSpawnRecord, type: ActorClass, args: readonly unknown[], parent: ParentLink | null) {
    this.host = host
    this.id = record.id
    this.path = parent === null ? record.id : `${parent.path}/${record.localId}`
    this.type = type
    this.actorType = record.actorType
    this.args = args
    this.parent = parent
    this.tracked = record.tracked
    this.strategy = record.supervision
    this.mailboxCapacity = record.mailbox.capacity
    this.handlers = handlerNamesOf(type)
    this.typeStats = host.metrics.forType(record.actorType)
    this.self = new ActorRef(this)
    this.ctx = new ActorContext(this)
  }

  get alive(): boolean {
    return this.state < STOPPING
  }

  get thread(): number {
    return this.host.thread
  }

  get node(): NodeAddress {
    return this.host.node
  }

  get childSupervision(): LocalParent['childSupervision'] {
    return this.instance?.childSupervision
  }

  get status(): ActorStatus {
    return STATUS[this.state] as ActorStatus
  }

  get mailboxSize(): number {
    return this.mailbox === null ? 0 : this.mailbox.size
  }

  /** @internal Envelopes queued in the user lane. */
  get mailboxLength(): number {
    return this.mailbox === null ? 0 : this.mailbox.length
  }

  /** @internal The user lane, made on first use. */
  get user(): UserMailbox {
    return (this.mailbox ??= new UserMailbox(this.mailboxCapacity, this.host.wheel, this.typeStats))
  }

  /** @internal The system lane, made on first use. */
  get system(): Deque<SystemNotice> {
    return (this.notices ??= new Deque<SystemNotice>(4))
  }

  /** @internal Listeners told when this cell stops, made on first use. */
  get watchers(): Set<TerminationListener> {
    return (this.watcherSet ??= new Set())
  }

  /** @internal Targets this cell watches, made on first use. */
  get watching(): Set<MessageTarget> {
    return (this.watchingSet ??= new Set())
  }

  /** @internal Resources bound to the instance's life, made on first use. */
  get owned(): Set<OwnedResource> {
    return (this.ownedSet ??= new Set())
  }

  /** Live children by id (made on first use: read {@link ActorCell.childMap} to only look). */
  get children(): Map<string, ChildHandle> {
    return (this.childMap ??= new Map())
  }

  /** @internal This actor's restarts, made by the first failure. */
  get restarts(): RestartHistory {
    return (this.restartHistory ??= new RestartHistory())
  }

  /** A stop was requested or is under way. */
  get stopPending(): boolean {
    return this.stopRequested !== null || this.state >= STOPPING
  }

  /** The handler running now, if any (for log lines and diagnostics). */
  get currentHandler(): string | undefined {
    const c = this.current
    return typeof c === 'string' ? c : c?.handler
  }

  /** The actor instance, for tests and the runtime; null before start and after stop. */
  get actor(): Actor | null {
    return this.instance
  }

  // ---------------------------------------------------------------- sending

  error(code: ActorErrorCode, message: string, handler?: string, cause?: unknown): ActorRefError {
    return new ActorRefError(code, message, { actorId: this.id, actorType: this.actorType, handler, cause })
  }

  /** @internal The stats of `handler` (the last one looked up is kept: sends and turns repeat it). */
  statsFor(handler: string): HandlerStats {
    if (handler === this.lastHandler && this.lastStats !== null) return this.lastStats
    const stats = this.typeStats.handler(handler)
    this.lastHandler = handler
    this.lastStats = stats
    return stats
  }

  private checkHandler(handler: string): void {
    if (!this.handlers.has(handler) && handler !== STOP_WHEN_DONE) {
      throw this.error('NotSupported', `${this.actorType} has no handler '${String(handler)}'`, String(handler))
    }
  }

  private makeEnvelope(handler: string, args: unknown[], reply: Reply | null): Envelope {
    return this.sampled(new Envelope(handler, args, reply, this.statsFor(handler)))
  }

  /** Stamps `env` with its enqueue time when it is the one message in `sampleEvery` timed. */
  private sampled<E extends Envelope>(env: E): E {
    if ((++this.seq & this.host.metrics.sampleMask) === 0) env.enqueuedAt = performance.now()
    return env
  }

  /**
   * Queues a tell: as a plain pair, or as an envelope when it is the sampled one (it carries
   * its enqueue time). A tell without arguments queues the shared empty list, so the caller's
   * rest array dies young instead of waiting in the mailbox.
   */
  private acceptTell(handler: string, args: unknown[]): void {
    if (args.length === 0) args = NO_ARGS
    if (((this.seq + 1) & this.host.metrics.sampleMask) === 0) {
      this.accept(this.makeEnvelope(handler, args, null))
      return
    }
    this.seq++
    ;(this.mailbox ?? this.user).pushTell(handler, args, this.statsFor(handler))
    this.wake()
  }

  private accept(env: Envelope): void {
    ;(this.mailbox ?? this.user).push(env)
    this.wake()
  }

  /** Asks for a turn when a message arrived for a running, idle actor. */
  private wake(): void {
    if (this.state === RUNNING && !this.busy) this.host.dispatcher.schedule(this)
  }

  /** The error a send or ask gets when the mailbox stayed full for its whole timeout. */
  private stayedFull(handler: string): () => ActorRefError {
    return () => this.error('Timeout', 'mailbox stayed full until the send timed out', handler)
  }

  /** True when a new message may enter the user lane now. */
  private hasRoom(): boolean {
    return this.mailbox === null || this.mailbox.hasRoom()
  }

  tell(handler: string, args: unknown[]): void {
    // The last handler sent to passed the check already (statsFor records it after the check).
    if (handler !== this.lastHandler) this.checkHandler(handler)
    if (this.state >= STOPPING) {
      this.host.deadLetter(this, handler, args, 'actor stopped')
      return
    }
    if (!this.hasRoom()) throw this.error('MailboxFull', `user mailbox is full (capacity ${this.mailboxCapacity})`, handler)
    this.acceptTell(handler, args)
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    try {
      this.checkHandler(handler)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.state >= STOPPING) return Promise.reject(this.error('Stopped', 'actor is stopped', handler))
    const env = this.makeEnvelope(handler, args, null)
    if (this.hasRoom()) {
      this.accept(env)
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      this.user.wait(env, timeoutMs ?? this.host.options.askTimeoutMs, resolve, reject, this.stayedFull(handler))
    })
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    if (handler !== this.lastHandler) {
      try {
        this.checkHandler(handler)
      } catch (e) {
        return Promise.reject(e)
      }
    }
    if (this.state >= STOPPING) return Promise.reject(this.error('Stopped', 'actor is stopped', handler))
    const timeoutMs = options?.timeoutMs ?? this.host.options.askTimeoutMs
    const ask = this.sampled(new LocalAsk(this.host.wheel, this, handler, args.length === 0 ? NO_ARGS : args, this.statsFor(handler), timeoutMs))
    if (options?.signal !== undefined) ask.bindSignal(options.signal)
    if (this.hasRoom()) this.accept(ask)
    else this.user.wait(ask, timeoutMs, () => {}, (e) => ask.reject(e), this.stayedFull(handler))
    return ask.promise
  }

  /**
   * Delivers a message that came from another thread (the sender already encoded it and holds
   * the deadline). Returns 'full' when the user lane has no room: the caller retries after
   * {@link ActorCell.whenRoom}. Failures go to `reply` (or become dead letters for tells).
   */
  deliver(handler: string, args: unknown[], reply: Reply | null): 'ok' | 'full' {
    if (!this.handlers.has(handler) && handler !== STOP_WHEN_DONE) {
      const e = this.error('NotSupported', `${this.actorType} has no handler '${String(handler)}'`, String(handler))
      if (reply !== null) reply.reject(e)
      else {
        this.host.logger.warn({ actorId: this.id, handler }, 'tell to an unknown handler from another thread')
        this.host.deadLetter(this, handler, args, e.message)
      }
      return 'ok'
    }
    if (this.state >= STOPPING) {
      if (reply !== null) reply.reject(this.error('Stopped', 'actor is stopped', handler))
      else this.host.deadLetter(this, handler, args, 'actor stopped')
      return 'ok'
    }
    if (!this.hasRoom()) return 'full'
    if (reply === null) this.acceptTell(handler, args)
    else this.accept(this.makeEnvelope(handler, args, reply))
    return 'ok'
  }

  /** Calls `listener` once the user lane has room again (or the actor stopped). */
  whenRoom(listener: () => void): void {
    if (this.state >= STOPPING || this.mailbox === null) listener()
    else this.mailbox.whenRoom(listener)
  }

  // ---------------------------------------------------------------- turns (cell/turns.ts)

  runTurn(budget: number): number {
    return runTurn(this, budget)
  }

  /** @internal Queues a system notice unless stopping; schedules a turn if idle. */
  pushSystem(notice: SystemNotice): void {
    if (this.state >= STOPPING) return
    this.system.push(notice)
    this.wake()
  }

  // ---------------------------------------------------------------- lifecycle (cell/lifecycle.ts)

  /**
   * Constructs the instance and runs `started()`. Null when the actor already runs (no
   * asynchronous `started()`), else a promise that resolves once it runs or rejects with `StartFailed`.
   */
  start(): Promise<void> | null {
    return startCell(this)
  }

  /** Requests a stop after the current message; resolves once fully stopped. */
  requestStop(reason: TerminationReason, error?: unknown): void {
    if (this.stopRequested !== null || this.state >= STOPPING) return
    this.stopRequested = reason
    this.stopError = error
    if (!this.busy && this.state !== STARTING) void this.stopWith(reason, error)
  }

  stop(): Promise<void> {
    return this.stopWith('stopped', undefined)
  }

  stopWith(reason: TerminationReason, error: unknown): Promise<void> {
    if (this.stopPromise !== null) return this.stopPromise
    if (this.state === STARTING) {
      // The start path sees the request and fails the spawn; wait for it to unwind.
      this.stopRequested ??= reason
      return new Promise<void>((resolve) => this.watchers.add({ onTargetTerminated: () => resolve() }))
    }
    this.stopPromise = runStop(this, reason, error)
    return this.stopPromise
  }

  /** Binds `r` to this actor's life: it is stopped when the actor stops or restarts. */
  own(r: OwnedResource): void {
    if (this.state >= STOPPING) {
      r.stop()
      return
    }
    this.owned.add(r)
  }

  // ---------------------------------------------------------------- as parent and child (cell/failure.ts)

  /** The parent resumed after this actor (or an ancestor) escalated: run again. */
  resumeFromParent(): void {
    resumeFromParent(this)
  }

  childStopped(child: ChildHandle, notice: Terminated): void {
    if (this.childMap !== null && this.childMap.get(child.id) === child) this.childMap.delete(child.id)
    this.pushSystem({ kind: 'childTerminated', notice })
  }

  escalate(child: ChildHandle, error: unknown, handler: string): void {
    this.pushSystem({ kind: 'escalated', child, error, handler })
  }

  // ---------------------------------------------------------------- watch (cell/watch.ts)

  addWatcher(listener: TerminationListener): void {
    addWatcher(this, listener)
  }

  removeWatcher(listener: TerminationListener): void {
    this.watcherSet?.delete(listener)
  }

  /** This cell as a watcher: notices arrive on the system lane. */
  onTargetTerminated(notice: Terminated): void {
    targetTerminated(this, notice)
  }

  watch(target: MessageTarget): void {
    watch(this, target)
  }

  unwatch(target: MessageTarget): void {
    unwatch(this, target)
  }

  // ---------------------------------------------------------------- describe

  async describe(options: Required<DescribeOptions>, depth: number): Promise<ActorDescription> {
    const all = this.childMap === null ? [] : [...this.childMap.values()]
    const listed = depth < options.maxDepth ? all.slice(0, options.maxChildren) : []
    return {
      id: this.id,
      path: this.path,
      actorType: this.actorType,
      status: this.status,
      tracked: this.tracked,
      mailboxSize: this.mailboxSize,
      thread: this.host.thread === 0 ? 'main' : this.host.thread,
      childCount: all.length,
      children: await Promise.all(listed.map((c) => c.describe(options, depth + 1))),
    }
  }
}
