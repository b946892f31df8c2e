/**
 * `ActorCell`: one actor on this thread. It owns the mailbox (a system lane that is never
 * dropped and a bounded user lane), runs handlers one at a time, and carries out the
 * lifecycle: start, supervision (restart with backoff, resume, stop, escalate), watch and
 * stop. The instance inside may be replaced on restart; the cell, and so every ref, stays.
 */
import { Deque } from '../util/deque.js'
import type { NodeAddress } from './address.js'
import { Actor, constructWithContext, handlerNamesOf } from './actor.js'
import { ActorContext } from './context.js'
import type { ActorDescription, ActorStatus, DescribeOptions } from './describe.js'
import { Envelope, PendingAsk, type Reply, type ReplyBatch } from './envelope.js'
import { UserMailbox } from './mailbox.js'
import { ActorRefError, type ActorErrorCode } from './errors.js'
import type { ActorHost } from './host.js'
import type { ActorTypeStats, HandlerStats } from './metrics.js'
import { ActorRef } from './ref.js'
import { decide, RestartHistory, type Directive, type ResolvedStrategy } from './supervision.js'
import type { ChildHandle, LocalParent, MessageTarget, ParentLink, TerminationListener } from './target.js'
import type { Terminated, TerminationReason } from './terminated.js'
import type { ActorClass, AskOptions } from './types.js'
import type { Runnable } from './dispatcher.js'

const STARTING = 0
const RUNNING = 1
const RESTARTING = 2
const SUSPENDED = 3
const STOPPING = 4
const STOPPED = 5
type State = typeof STARTING | typeof RUNNING | typeof RESTARTING | typeof SUSPENDED | typeof STOPPING | typeof STOPPED
const STATUS: readonly ActorStatus[] = ['starting', 'running', 'restarting', 'suspended', 'stopping', 'stopped']

/** Notices on the system lane. Handled before user messages, never dropped while alive. */
type SystemNotice =
  | { kind: 'terminated'; notice: Terminated }
  | { kind: 'childTerminated'; notice: Terminated }
  | { kind: 'escalated'; child: ChildHandle; error: unknown; handler: string }

/** Something cancellable whose life is bound to the actor's (timers, subscriptions). */
export interface OwnedResource {
  stop(): void
}

export interface CellInit {
  host: ActorHost
  id: string
  /** The id without the parent prefix (equals `id` for top-level actors). */
  localId: string
  type: ActorClass
  typeName: string
  args: readonly unknown[]
  parent: ParentLink | null
  tracked: boolean
  strategy: ResolvedStrategy
  mailboxCapacity: number
}

export class ActorCell implements MessageTarget, TerminationListener, Runnable, ChildHandle, LocalParent {
  readonly host: ActorHost
  readonly id: string
  readonly path: string
  readonly type: ActorClass
  readonly typeName: string
  readonly tracked: boolean
  readonly parent: ParentLink | null
  readonly children = new Map<string, ChildHandle>()
  readonly self: ActorRef
  readonly ctx: ActorContext
  queued = false
  /** Recorded in the main thread's placement table: its stop must be reported. */
  registered = false

  private readonly args: readonly unknown[]
  private readonly strategy: ResolvedStrategy
  private readonly handlers: ReadonlySet<string>
  private readonly typeStats: ActorTypeStats
  private readonly restarts = new RestartHistory()
  private readonly user: UserMailbox
  private readonly system = new Deque<SystemNotice>()
  private readonly watchers = new Set<TerminationListener>()
  private readonly watching = new Set<MessageTarget>()
  private readonly owned = new Set<OwnedResource>()
  private instance: Actor | null = null
  private state: State = STARTING
  private busy = false
  private stopRequested: TerminationReason | null = null
  private stopPromise: Promise<void> | null = null
  private stopError: unknown = undefined
  /** The notice sent when this actor stopped; given to watchers that arrive later. */
  private terminated: Terminated | null = null
  private seq = 0
  private lastHandler = ''
  private lastStats: HandlerStats | null = null
  private restartTimer: NodeJS.Timeout | null = null
  /** The message whose handler is running, while `busy`. */
  private current: Envelope | null = null

  constructor(init: CellInit) {
    this.host = init.host
    this.id = init.id
    this.path = init.parent === null ? init.id : `${init.parent.path}/${init.localId}`
    this.type = init.type
    this.typeName = init.typeName
    this.args = init.args
    this.parent = init.parent
    this.tracked = init.tracked
    this.strategy = init.strategy
    this.user = new UserMailbox(init.mailboxCapacity, init.host.wheel)
    this.handlers = handlerNamesOf(init.type)
    this.typeStats = init.host.metrics.forType(init.typeName)
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
    return this.user.size
  }

  /** A stop was requested or is under way. */
  get stopPending(): boolean {
    return this.stopRequested !== null || this.state >= STOPPING
  }

  /** The handler running now, if any (for log lines and diagnostics). */
  get currentHandler(): string | undefined {
    return this.current?.handler
  }

  /** The actor instance, for tests and the runtime; null before start and after stop. */
  get actor(): Actor | null {
    return this.instance
  }

  // ---------------------------------------------------------------- sending

  error(code: ActorErrorCode, message: string, handler?: string, cause?: unknown): ActorRefError {
    return new ActorRefError(code, message, { actorId: this.id, actorType: this.typeName, handler, cause })
  }

  private statsFor(handler: string): HandlerStats {
    if (handler === this.lastHandler && this.lastStats !== null) return this.lastStats
    const stats = this.typeStats.handler(handler)
    this.lastHandler = handler
    this.lastStats = stats
    return stats
  }

  private checkHandler(handler: string): void {
    if (!this.handlers.has(handler)) {
      throw this.error('NotSupported', `${this.typeName} has no handler '${String(handler)}'`, String(handler))
    }
  }

  private makeEnvelope(handler: string, args: unknown[], reply: Reply | null): Envelope {
    const env = new Envelope(handler, args, reply, this.statsFor(handler))
    if ((++this.seq & this.host.metrics.sampleMask) === 0) env.enqueuedAt = performance.now()
    return env
  }

  private accept(env: Envelope): void {
    this.user.push(env)
    if (this.state === RUNNING && !this.busy) this.host.dispatcher.schedule(this)
  }

  /** The error a send or ask gets when the mailbox stayed full for its whole timeout. */
  private readonly stayedFull = (handler: string) => (): ActorRefError =>
    this.error('Timeout', 'mailbox stayed full until the send timed out', handler)

  tell(handler: string, args: unknown[]): void {
    this.checkHandler(handler)
    if (this.state >= STOPPING) {
      this.host.deadLetter(this, handler, args, 'actor stopped')
      return
    }
    if (!this.user.hasRoom()) throw this.error('MailboxFull', `user mailbox is full (capacity ${this.user.capacity})`, handler)
    this.accept(this.makeEnvelope(handler, args, null))
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    try {
      this.checkHandler(handler)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.state >= STOPPING) return Promise.reject(this.error('Stopped', 'actor is stopped', handler))
    const env = this.makeEnvelope(handler, args, null)
    if (this.user.hasRoom()) {
      this.accept(env)
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      this.user.wait(env, timeoutMs ?? this.host.options.askTimeoutMs, resolve, reject, this.stayedFull(handler))
    })
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    try {
      this.checkHandler(handler)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.state >= STOPPING) return Promise.reject(this.error('Stopped', 'actor is stopped', handler))
    const timeoutMs = options?.timeoutMs ?? this.host.options.askTimeoutMs
    const pending = new PendingAsk(this.host.wheel, this, handler, timeoutMs)
    if (options?.signal !== undefined) pending.bindSignal(options.signal)
    const env = this.makeEnvelope(handler, args, pending)
    if (this.user.hasRoom()) this.accept(env)
    else this.user.wait(env, timeoutMs, () => {}, (e) => pending.reject(e), this.stayedFull(handler))
    return pending.promise
  }

  /**
   * Delivers a message that came from another thread (the sender already encoded it and holds
   * the deadline). Returns 'full' when the user lane has no room: the caller retries after
   * {@link ActorCell.whenRoom}. Failures go to `reply` (or become dead letters for tells).
   */
  deliver(handler: string, args: unknown[], reply: Reply | null): 'ok' | 'full' {
    if (!this.handlers.has(handler)) {
      const e = this.error('NotSupported', `${this.typeName} has no handler '${String(handler)}'`, String(handler))
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
    if (!this.user.hasRoom()) return 'full'
    this.accept(this.makeEnvelope(handler, args, reply))
    return 'ok'
  }

  /** Calls `listener` once the user lane has room again (or the actor stopped). */
  whenRoom(listener: () => void): void {
    if (this.state >= STOPPING) listener()
    else this.user.whenRoom(listener)
  }

  // ---------------------------------------------------------------- processing

  runTurn(budget: number): number {
    let n = 0
    while (n < budget && !this.busy && this.state === RUNNING && this.stopRequested === null) {
      const notice = this.system.shift()
      if (notice !== undefined) {
        this.handleSystem(notice)
        n++
        continue
      }
      const env = this.user.take()
      if (env === undefined) break
      n++
      if (env.reply !== null && env.reply.settled) {
        // Nobody waits for this ask any more: running it would only spend time and memory.
        env.stats.expired++
        continue
      }
      this.invoke(env)
    }
    if (!this.busy) this.afterIdle()
    return n
  }

  /** Runs `env`'s handler. `busy` is set for the whole call so a stop waits for it. */
  private invoke(env: Envelope): void {
    const instance = this.instance as Actor
    const stats = env.stats
    let t0 = 0
    if (env.enqueuedAt !== 0) {
      t0 = performance.now()
      stats.mailboxWait.observe((t0 - env.enqueuedAt) / 1000)
    }
    let result: unknown
    this.busy = true
    this.current = env
    try {
      const fn = (instance as unknown as Record<string, (...a: unknown[]) => unknown>)[env.handler] as (
        ...a: unknown[]
      ) => unknown
      result = fn.apply(instance, env.args)
    } catch (e) {
      this.busy = false
      this.current = null
      this.handlerFailed(env, e)
      return
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      ;(result as PromiseLike<unknown>).then(
        (value) => {
          this.busy = false
          this.current = null
          this.handlerSucceeded(env, value, t0)
          this.afterIdle()
        },
        (e: unknown) => {
          this.busy = false
          this.current = null
          this.handlerFailed(env, e)
          this.afterIdle()
        },
      )
      return
    }
    this.busy = false
    this.current = null
    this.handlerSucceeded(env, result, t0)
  }

  private handlerSucceeded(env: Envelope, value: unknown, t0: number): void {
    const stats = env.stats
    stats.processed++
    if (t0 !== 0) stats.processing.observe((performance.now() - t0) / 1000)
    if (env.reply !== null) env.reply.resolve(value)
  }

  private handlerFailed(env: Envelope, e: unknown): void {
    env.stats.failed++
    if (env.reply !== null) env.reply.reject(e)
    this.fail(e, env.handler)
  }

  private busyWaiters: (() => void)[] = []

  /** After a handler: carry out a requested stop, wake stop waiters, or take the next turn. */
  private afterIdle(): void {
    if (this.busyWaiters.length > 0) {
      const ws = this.busyWaiters
      this.busyWaiters = []
      for (const w of ws) w()
    }
    if (this.stopRequested !== null && this.state !== STARTING && this.state < STOPPING) {
      void this.stopWith(this.stopRequested, this.stopError)
      return
    }
    if (this.state === RUNNING && !this.queued && (this.user.length > 0 || this.system.length > 0)) {
      this.host.dispatcher.schedule(this)
    }
  }

  private whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve()
    return new Promise<void>((resolve) => this.busyWaiters.push(resolve))
  }

  private handleSystem(notice: SystemNotice): void {
    if (notice.kind === 'escalated') {
      this.handleEscalation(notice.child, notice.error, notice.handler)
      return
    }
    const instance = this.instance as Actor
    const hook = notice.kind === 'terminated' ? instance.onTerminated : instance.onChildTerminated
    if (hook === undefined) return
    const handler = notice.kind === 'terminated' ? 'onTerminated' : 'onChildTerminated'
    let result: unknown
    this.busy = true
    try {
      result = hook.call(instance, notice.notice)
    } catch (e) {
      this.busy = false
      this.fail(e, handler)
      return
    }
    if (result instanceof Promise) {
      result.then(
        () => {
          this.busy = false
          this.afterIdle()
        },
        (e: unknown) => {
          this.busy = false
          this.fail(e, handler)
          this.afterIdle()
        },
      )
      return
    }
    this.busy = false
  }

  private pushSystem(notice: SystemNotice): void {
    if (this.state >= STOPPING) return
    this.system.push(notice)
    if (this.state === RUNNING && !this.busy) this.host.dispatcher.schedule(this)
  }

  // ---------------------------------------------------------------- supervision

  private fail(error: unknown, handler: string): void {
    this.host.reportFailure(this, handler, error)
    if (this.state >= STOPPING) return
    let directive: Directive
    try {
      directive = decide(this.strategy, error, { actorId: this.id, actorType: this.typeName, handler })
    } catch (e) {
      this.host.logger.error({ actorId: this.id, err: e }, 'supervision decider threw; stopping the actor')
      directive = 'stop'
    }
    this.apply(directive, error, handler)
  }

  private apply(directive: Directive, error: unknown, handler: string): void {
    switch (directive) {
      case 'resume':
        return
      case 'restart': {
        const delay = this.restarts.next(this.strategy, performance.now())
        if (delay === null) {
          this.host.logger.warn(
            { actorId: this.id, actorType: this.typeName, restarts: this.strategy.maxRestarts },
            'restart limit reached; stopping the actor',
          )
          void this.stopWith('failed', error)
          return
        }
        this.state = RESTARTING
        // Timers and other owned resources belong to the failed instance: end them now, not
        // after the backoff, so nothing of the old instance reaches the new one.
        this.releaseOwned()
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null
          void this.restart()
        }, delay)
        return
      }
      case 'stop':
        void this.stopWith('failed', error)
        return
      case 'escalate':
        if (this.parent === null || !this.parent.alive) {
          void this.stopWith('failed', error)
          return
        }
        this.state = SUSPENDED
        this.parent.escalate(this, error, handler)
        return
    }
  }

  private handleEscalation(child: ChildHandle, error: unknown, handler: string): void {
    // The child's failure becomes this actor's failure; this actor's supervisor decides.
    this.host.reportFailure(this, `${handler} (escalated by ${child.id})`, error)
    let directive: Directive
    try {
      directive = decide(this.strategy, error, { actorId: this.id, actorType: this.typeName, handler })
    } catch {
      directive = 'stop'
    }
    if (directive === 'resume') {
      this.resumeSuspended()
      return
    }
    this.apply(directive, error, handler)
  }

  private resumeSuspended(): void {
    for (const c of this.children.values()) c.resumeFromParent()
  }

  /** The parent resumed after this actor (or an ancestor) escalated: run again. */
  resumeFromParent(): void {
    if (this.state !== SUSPENDED) return
    this.state = RUNNING
    this.resumeSuspended()
    this.host.dispatcher.schedule(this)
  }

  // ---------------------------------------------------------------- as a parent

  childStopped(child: ChildHandle, notice: Terminated): void {
    if (this.children.get(child.id) === child) this.children.delete(child.id)
    this.pushSystem({ kind: 'childTerminated', notice })
  }

  escalate(child: ChildHandle, error: unknown, handler: string): void {
    this.pushSystem({ kind: 'escalated', child, error, handler })
  }

  private async restart(): Promise<void> {
    if (this.state !== RESTARTING) return
    await this.stopChildren('parentStopped')
    // The new instance never knew the old one's children: drop their notices.
    const kept = this.system.drain().filter((n) => n.kind === 'terminated')
    for (const n of kept) this.system.push(n)
    this.releaseOwned()
    await this.callStopped()
    if (this.state !== RESTARTING) return
    try {
      this.instance = constructWithContext(this.ctx, () => new this.type(...(this.args as never[])))
      const started = this.instance.started?.()
      if (started instanceof Promise) await started
    } catch (e) {
      this.state = RUNNING
      this.fail(e, 'started')
      return
    }
    if (this.state !== RESTARTING) return
    this.typeStats.restarted++
    this.state = RUNNING
    if (this.stopRequested !== null) {
      void this.stopWith(this.stopRequested, this.stopError)
      return
    }
    this.host.dispatcher.schedule(this)
  }

  // ---------------------------------------------------------------- lifecycle

  /** Constructs the instance and runs `started()`. Rejects with `StartFailed`. */
  async start(): Promise<void> {
    try {
      this.instance = constructWithContext(this.ctx, () => new this.type(...(this.args as never[])))
      const started = this.instance.started?.()
      if (started instanceof Promise) await started
    } catch (e) {
      await this.abortStart()
      throw this.error('StartFailed', `started() failed: ${errorText(e)}`, undefined, e)
    }
    if (this.stopRequested !== null || this.state !== STARTING) {
      await this.abortStart()
      throw this.error('StartFailed', 'actor stopped itself during started()')
    }
    this.typeStats.created++
    this.state = RUNNING
    if (this.user.length > 0 || this.system.length > 0) this.host.dispatcher.schedule(this)
  }

  private async abortStart(): Promise<void> {
    this.state = STOPPING
    await this.stopChildren('parentStopped')
    this.releaseOwned()
    this.rejectQueued('StartFailed', 'actor failed to start')
    this.instance = null
    this.finishStop({ reason: 'failed' }, false)
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
    this.stopPromise = this.runStop(reason, error)
    return this.stopPromise
  }

  private async runStop(reason: TerminationReason, error: unknown): Promise<void> {
    const wasStarted = this.state !== STARTING
    this.state = STOPPING
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer)
      this.restartTimer = null
    }
    // Nothing queued will run any more: fail it now rather than after the running handler.
    this.rejectQueued('Stopped', reason === 'shutdown' ? 'actor system shut down' : 'actor stopped')
    await this.waitIdle()
    await this.stopChildren('parentStopped')
    this.releaseOwned()
    if (wasStarted) await this.callStopped()
    for (const target of this.watching) target.removeWatcher(this)
    this.watching.clear()
    this.instance = null
    this.finishStop({ reason, error }, wasStarted)
  }

  private async waitIdle(): Promise<void> {
    if (!this.busy) return
    const limit = this.host.options.stopTimeoutMs
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), limit)
    })
    const stuck = await Promise.race([this.whenIdle().then(() => false), timedOut])
    clearTimeout(timer)
    if (stuck) {
      const env = this.current
      this.host.logger.warn(
        { actorId: this.id, handler: env?.handler, stopTimeoutMs: limit },
        'handler still running at stop; stopping anyway',
      )
      if (env !== null && env.reply !== null) {
        env.reply.reject(this.error('Stopped', `actor stopped while the handler was still running after ${limit} ms`, env.handler))
      }
    }
  }

  private finishStop(outcome: { reason: TerminationReason; error?: unknown }, counted: boolean): void {
    this.state = STOPPED
    if (counted) this.typeStats.stopped++
    this.host.unregister(this)
    const notice: Terminated = {
      id: this.id,
      path: this.path,
      actorType: this.typeName,
      reason: outcome.reason,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ref: this.self,
    }
    this.terminated = notice
    const watchers = [...this.watchers]
    this.watchers.clear()
    for (const w of watchers) w.onTargetTerminated(notice)
    if (this.parent !== null) this.parent.childStopped(this, notice)
  }

  private async stopChildren(reason: TerminationReason): Promise<void> {
    if (this.children.size === 0) return
    const results = await Promise.allSettled([...this.children.values()].map((c) => c.stopWith(reason, undefined)))
    for (const r of results) {
      // A child on another thread that does not confirm its stop (timeout) must not keep its
      // parent from stopping.
      if (r.status === 'rejected') this.host.logger.warn({ actorId: this.id, err: r.reason }, 'a child did not confirm its stop')
    }
  }

  /**
   * Fails the whole backlog: one error per handler, and replies to other threads batched, so a
   * deep mailbox empties in one pass instead of one formatted error and frame per message.
   */
  private rejectQueued(code: ActorErrorCode, message: string): void {
    if (this.user.size === 0) {
      this.system.drain()
      return
    }
    const errors = new Map<string, ActorRefError>()
    const errorFor = (handler: string): ActorRefError => {
      let e = errors.get(handler)
      if (e === undefined) {
        e = this.error(code, message, handler)
        errors.set(handler, e)
      }
      return e
    }
    const batches = new Set<ReplyBatch>()
    for (const env of this.user.clear(errorFor)) {
      const reply = env.reply
      if (reply === null) {
        this.host.deadLetter(this, env.handler, env.args, message)
        continue
      }
      if (reply.settled) {
        env.stats.expired++
        continue
      }
      const batch = reply.batch
      if (batch === undefined) reply.reject(errorFor(env.handler))
      else {
        batch.add(reply, errorFor(env.handler))
        batches.add(batch)
      }
    }
    for (const b of batches) b.flush()
    this.system.drain()
  }

  private releaseOwned(): void {
    const owned = [...this.owned]
    this.owned.clear()
    for (const r of owned) {
      try {
        r.stop()
      } catch (e) {
        this.host.logger.warn({ actorId: this.id, err: e }, 'stopping an owned resource failed')
      }
    }
  }

  private async callStopped(): Promise<void> {
    const instance = this.instance
    if (instance === null || instance.stopped === undefined) return
    try {
      await instance.stopped()
    } catch (e) {
      this.host.logger.warn({ actorId: this.id, err: e }, 'stopped() threw')
    }
  }

  /** Binds `r` to this actor's life: it is stopped when the actor stops or restarts. */
  own(r: OwnedResource): void {
    if (this.state >= STOPPING) {
      r.stop()
      return
    }
    this.owned.add(r)
  }

  // ---------------------------------------------------------------- watch

  addWatcher(listener: TerminationListener): void {
    if (this.terminated !== null) {
      listener.onTargetTerminated(this.terminated)
      return
    }
    this.watchers.add(listener)
  }

  removeWatcher(listener: TerminationListener): void {
    this.watchers.delete(listener)
  }

  /** This cell as a watcher: notices arrive on the system lane. */
  onTargetTerminated(notice: Terminated): void {
    for (const t of this.watching) {
      if (t.id === notice.id) this.watching.delete(t)
    }
    this.pushSystem({ kind: 'terminated', notice })
  }

  watch(target: MessageTarget): void {
    if (this.watching.has(target)) return
    this.watching.add(target)
    target.addWatcher(this)
  }

  unwatch(target: MessageTarget): void {
    if (!this.watching.delete(target)) return
    target.removeWatcher(this)
  }

  // ---------------------------------------------------------------- describe

  async describe(options: Required<DescribeOptions>, depth: number): Promise<ActorDescription> {
    const all = [...this.children.values()]
    const listed = depth < options.maxDepth ? all.slice(0, options.maxChildren) : []
    return {
      id: this.id,
      path: this.path,
      actorType: this.typeName,
      status: this.status,
      tracked: this.tracked,
      mailboxSize: this.mailboxSize,
      thread: this.host.thread === 0 ? 'main' : this.host.thread,
      childCount: all.length,
      children: await Promise.all(listed.map((c) => c.describe(options, depth + 1))),
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
