/**
 * `PoolRef<A>`: one ref in front of N actors of type `A`. It is an `ActorRef<A>` (tell, send,
 * ask and askWith are typed against `A` exactly as for a plain ref), routes each message on
 * the sending thread to one member by the pool's strategy (no hop through a router actor), and
 * adds `broadcast` and `scatterGather`. Stop, watch and describe go to the pool's supervisor:
 * the pool is one actor to them. A pool ref may travel in messages to other threads; it
 * carries its members, and membership updates reach every thread.
 */
import { addExtension } from 'msgpackr'
import type { Actor } from '../../actor/actor.js'
import type { NodeAddress } from '../../actor/address.js'
import type { ActorDescription, DescribeOptions } from '../../actor/describe.js'
import { ActorRefError } from '../../actor/errors.js'
import { ActorRef } from '../../actor/ref.js'
import type { MessageTarget, TerminationListener } from '../../actor/target.js'
import type { ActorClass, AskOptions, HandlerArgs, HandlerName, HandlerResult } from '../../actor/types.js'
import { NotEncodableError } from '../transport/codec.js'
import type { HashKey, PoolOptions, RoutingStrategy } from './options.js'
import { makeRouter, type Router } from './routing.js'
import { poolState, type PoolMember, type PoolState } from './state.js'
import type { PoolSupervisor } from './supervisor.js'

/** How `scatterGather` answers: the first reply, or every reply that came within the window. */
export type GatherMode = 'first' | 'all'

/** Options of {@link PoolRef.scatterGather}. */
export interface ScatterGatherOptions<M extends GatherMode = 'first'> {
  /** The window, ms: replies after it are ignored. */
  within: number
  /** `'first'` (default): resolve with the first reply. `'all'`: resolve when the window closes or every member answered. */
  mode?: M
}

/** What `scatterGather` in mode `'all'` resolves with. */
export interface GatherResult<R> {
  /** Replies within the window, in arrival order. */
  replies: { member: string; value: R }[]
  /** Members whose handler failed (or could not be reached) within the window. */
  failures: { member: string; error: unknown }[]
  /** Members that had not answered when the window closed. */
  missing: string[]
}

/** Routing figures of one pool, as the calling thread sees them. */
export interface PoolStats {
  poolId: string
  actorType: string
  routing: RoutingStrategy
  /** Membership version (grows with every change). */
  version: number
  members: { id: string; thread: number; available: boolean; routed: number; inFlight: number }[]
  /** Messages this thread routed through the pool. */
  routed: number
}

/**
 * @internal The restart backoff of the members (`[minMs, maxMs, factor]`), when their
 * supervision restarts them; null otherwise. A member whose handler failed is routed around
 * for about that long.
 */
export type RestartBackoff = [minMs: number, maxMs: number, factor: number] | null

/** @internal The message target behind a pool ref: routes to members, lifecycle to the supervisor. */
export class PoolTarget implements MessageTarget {
  readonly router: Router

  constructor(
    readonly state: PoolState,
    readonly supervisor: ActorRef,
    readonly routing: RoutingStrategy,
    readonly hashArg: number | null,
    readonly keyFn: ((handler: string, args: readonly unknown[]) => HashKey) | null,
    readonly backoff: RestartBackoff,
  ) {
    this.router = makeRouter(routing, hashArg, keyFn)
  }

  get id(): string {
    return this.state.poolId
  }

  get path(): string {
    return this.supervisor.path
  }

  get actorType(): string {
    return this.state.actorType
  }

  get node(): NodeAddress {
    return this.supervisor.target.node
  }

  get thread(): number {
    return this.supervisor.target.thread
  }

  get alive(): boolean {
    return !this.state.stopped && this.supervisor.target.alive
  }

  /** The error for a message no member can take. */
  unroutable(handler: string): ActorRefError {
    const stopped = !this.alive
    return new ActorRefError(
      stopped ? 'Stopped' : 'NotFound',
      stopped ? `pool '${this.id}' is stopped` : `pool '${this.id}' has no available member`,
      { actorId: this.id, actorType: this.actorType, handler },
    )
  }

  /** The member for one message, skipping members found unavailable since the last look. */
  route(handler: string, args: readonly unknown[]): PoolMember | undefined {
    const state = this.state
    if (state.pauseEnds !== 0 && performance.now() >= state.pauseEnds) state.refreshLive()
    for (let tries = 0; tries < 2; tries++) {
      const m = this.router.pick(state, handler, args)
      if (m === undefined || m.available) return m
      state.refreshLive()
    }
    return this.router.pick(state, handler, args)
  }

  tell(handler: string, args: unknown[]): void {
    const m = this.route(handler, args)
    if (m === undefined) throw this.unroutable(handler)
    m.routed++
    m.ref.target.tell(handler, args)
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    const m = this.route(handler, args)
    if (m === undefined) return Promise.reject(this.unroutable(handler))
    m.routed++
    return m.ref.target.send(handler, args, timeoutMs)
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    return this.askOnce(handler, args, options, null)
  }

  /** `retryOf`: the first member's error when this is the one retry (see below), else null. */
  private askOnce(handler: string, args: unknown[], options: AskOptions | undefined, retryOf: unknown): Promise<unknown> {
    const m = this.route(handler, args)
    // A retry that finds no member keeps the first member's error: it says why the message
    // did not run (a pool whose members are stopping is not a pool without members).
    if (m === undefined) return Promise.reject(retryOf ?? this.unroutable(handler))
    m.routed++
    m.inFlight++
    return m.ref.target.ask(handler, args, options).then(
      (value) => {
        m.inFlight--
        m.failures = 0
        return value
      },
      (e: unknown) => {
        m.inFlight--
        this.onFailure(m, e)
        // The member was gone before it took the message (stopped, or no longer on its
        // thread): the message never ran, so another member may take it. Once only.
        if (retryOf === null && isGone(e) && !m.ref.target.alive) {
          this.state.markDown(m)
          if (this.state.live.length > 0) return this.askOnce(handler, args, options, e)
        }
        throw e
      },
    )
  }

  /**
   * A handler error (not the runtime's own `ActorRefError`) means the member restarts when its
   * supervision says so: route around it for its backoff delay (doubling per failure in a row).
   */
  onFailure(m: PoolMember, e: unknown): void {
    if (this.backoff === null || e instanceof ActorRefError) return
    const [minMs, maxMs, factor] = this.backoff
    const ms = Math.min(maxMs, minMs * Math.pow(factor, m.failures))
    m.failures++
    this.state.pause(m, ms)
  }

  stop(): Promise<void> {
    return this.supervisor.stop()
  }

  addWatcher(listener: TerminationListener): void {
    this.supervisor.target.addWatcher(listener)
  }

  removeWatcher(listener: TerminationListener): void {
    this.supervisor.target.removeWatcher(listener)
  }

  describe(options: Required<DescribeOptions>, depth: number): Promise<ActorDescription> {
    return this.supervisor.target.describe(options, depth)
  }
}

function isGone(e: unknown): boolean {
  return e instanceof ActorRefError && (e.code === 'NotFound' || e.code === 'Stopped')
}

/**
 * A ref to a pool of actors of type `A` (see `system.pool`). Everything a plain `ActorRef<A>`
 * does, routed to one member per message; `stop()` stops every member, `ctx.watch(pool)`
 * watches the pool as one (notice when the pool stops, not when a member is replaced).
 *
 * @example
 * const hashers = await system.pool(Hasher, { size: 4, routing: 'least-busy' })
 * const digest = await hashers.ask('sha256', 'hello')
 * hashers.broadcast('reset')
 * const first = await hashers.scatterGather({ within: 50 }, 'lookup', key)
 */
export class PoolRef<A extends Actor = Actor> extends ActorRef<A> {
  /** @internal */
  readonly pool: PoolTarget

  /** @internal Pool refs are made by `system.pool` and `ctx.pool`. */
  constructor(target: PoolTarget) {
    super(target)
    this.pool = target
  }

  /** The routing strategy. */
  get routing(): RoutingStrategy {
    return this.pool.routing
  }

  /** The members as this thread knows them (available or not). */
  get members(): ActorRef<A>[] {
    return this.pool.state.members.map((m) => m.ref as unknown as ActorRef<A>)
  }

  /** Members available for routing now. */
  get size(): number {
    this.pool.state.refreshLive()
    return this.pool.state.live.length
  }

  /**
   * Sends the message to every available member (fire and forget); returns how many were
   * sent to. Throws like `tell` (a member's `MailboxFull` stops the loop there).
   */
  broadcast<K extends HandlerName<A>>(handler: K, ...args: HandlerArgs<A, K>): number {
    const state = this.pool.state
    state.refreshLive()
    const live = state.live
    for (const m of live) {
      m.routed++
      m.ref.target.tell(handler as string, args)
    }
    return live.length
  }

  /**
   * Asks every available member and gathers the replies that arrive within `options.within`
   * ms. Mode `'first'` (default) resolves with the first successful reply; it rejects with
   * `Timeout` (naming the pool and handler) when none came within the window, with the first
   * member's error when every member failed, and with `NotFound` / `Stopped` when the pool has
   * no available member. Mode `'all'` always resolves, when the window closes or every member
   * answered, with the replies, the failures and the members still missing.
   *
   * Options come first (as in `askWith`) so the handler's arguments stay exactly typed.
   */
  scatterGather<K extends HandlerName<A>, M extends GatherMode = 'first'>(
    options: ScatterGatherOptions<M>,
    handler: K,
    ...args: HandlerArgs<A, K>
  ): Promise<M extends 'all' ? GatherResult<HandlerResult<A, K>> : HandlerResult<A, K>> {
    type Out = M extends 'all' ? GatherResult<HandlerResult<A, K>> : HandlerResult<A, K>
    const name = handler as string
    const within = options?.within
    const mode: GatherMode = options?.mode ?? 'first'
    const details = { actorId: this.id, actorType: this.actorType, handler: name }
    if (!(typeof within === 'number' && within > 0 && Number.isFinite(within))) {
      return Promise.reject(new ActorRefError('InvalidArgument', `within must be a positive number of ms (got ${String(within)})`, details))
    }
    if (mode !== 'first' && mode !== 'all') {
      return Promise.reject(new ActorRefError('InvalidArgument', `mode must be 'first' or 'all' (got ${String(mode)})`, details))
    }
    const state = this.pool.state
    state.refreshLive()
    const live = [...state.live]
    if (live.length === 0) return Promise.reject(this.pool.unroutable(name))
    return new Promise<Out>((resolve, reject) => {
      const result: GatherResult<HandlerResult<A, K>> = { replies: [], failures: [], missing: [] }
      const pending = new Set(live.map((m) => m.id))
      let done = false
      const finish = (): void => {
        done = true
        clearTimeout(timer)
        if (mode === 'all') {
          result.missing = [...pending]
          resolve(result as Out)
        } else if (result.replies.length > 0) {
          resolve(result.replies[0]?.value as Out)
        } else if (pending.size === 0) {
          reject(result.failures[0]?.error)
        } else {
          reject(new ActorRefError('Timeout', `no member of pool '${this.id}' replied within ${within} ms`, details))
        }
      }
      const timer = setTimeout(finish, within)
      for (const m of live) {
        m.routed++
        m.inFlight++
        // Each ask times out a little after the window so none outlives it by much.
        m.ref.target.ask(name, args, { timeoutMs: within + 1 }).then(
          (value) => {
            m.inFlight--
            m.failures = 0
            if (done) return
            pending.delete(m.id)
            result.replies.push({ member: m.id, value: value as HandlerResult<A, K> })
            if (mode === 'first' || pending.size === 0) finish()
          },
          (error: unknown) => {
            m.inFlight--
            this.pool.onFailure(m, error)
            if (done) return
            pending.delete(m.id)
            result.failures.push({ member: m.id, error })
            if (pending.size === 0) finish()
          },
        )
      }
    })
  }

  /** Routing figures of this pool as seen from the calling thread. */
  stats(): PoolStats {
    const s = this.pool.state
    const members = s.members.map((m) => ({ id: m.id, thread: m.ref.target.thread, available: m.available, routed: m.routed, inFlight: m.inFlight }))
    return {
      poolId: s.poolId,
      actorType: s.actorType,
      routing: this.pool.routing,
      version: s.version,
      members,
      routed: members.reduce((n, m) => n + m.routed, 0),
    }
  }

  /**
   * Sets the number of members (within the resizer's bounds when it has one) and resolves
   * with the new membership size once the change is published. Removed members finish their
   * queued messages first. Rejects with `InvalidArgument` for a size below 1.
   */
  resize(size: number): Promise<number> {
    if (!(Number.isInteger(size) && size >= 1)) {
      return Promise.reject(
        new ActorRefError('InvalidArgument', `pool size must be an integer >= 1 (got ${String(size)})`, {
          actorId: this.id,
          actorType: this.actorType,
          handler: 'resize',
        }),
      )
    }
    return (this.pool.supervisor as ActorRef<PoolSupervisor>).ask('resizeTo', size)
  }

  override toString(): string {
    return `PoolRef(${this.actorType}:${this.id})`
  }
}

// ---------------------------------------------------------------------------- codec

/** msgpackr extension type of pool refs (next to the actor ref's 0x41). */
const EXT_POOL_REF = 0x45

type PoolRefData = [
  poolId: string,
  actorType: string,
  supervisor: ActorRef,
  routing: RoutingStrategy,
  hashArg: number | null,
  backoff: RestartBackoff,
  version: number,
  members: ActorRef[],
  stopped: boolean,
]

// Registered after the ActorRef extension, so it is tried first (msgpackr tries the newest first).
addExtension({
  Class: PoolRef,
  type: EXT_POOL_REF,
  write: (ref: PoolRef): PoolRefData => {
    const p = ref.pool
    if (p.keyFn !== null) {
      throw new NotEncodableError(
        `pool '${p.id}' routes by a hashKey function, which cannot be sent to another thread: use hashKey: <argument index>`,
      )
    }
    const s = p.state
    return [s.poolId, s.actorType, p.supervisor, p.routing, p.hashArg, p.backoff, s.version, s.members.map((m) => m.ref), s.stopped]
  },
  read: (d: PoolRefData): PoolRef => {
    // The supervisor and member refs inside were rebuilt by the decoding system's resolver
    // (the codec's, passed to decode): the pool's node run is its supervisor's.
    const [poolId, actorType, supervisor, routing, hashArg, backoff, version, members, stopped] = d
    const state = poolState(supervisor.target.node, poolId, actorType)
    state.apply(version, members, stopped)
    return new PoolRef(new PoolTarget(state, supervisor, routing, hashArg, null, backoff))
  },
})

// `system.pool` and `ctx.pool` (installed by the pool extension), declared next to `PoolRef` so
// the package's declarations carry them.
declare module '../../actor/system.js' {
  interface ActorSystem {
    /**
     * Starts a pool of `options.size` actors of `type` (default: one per worker thread, spread
     * evenly over the workers) behind one {@link PoolRef}, typed like an `ActorRef` of `type`.
     * Messages are routed on the sending thread by `options.routing`; a failing member
     * restarts per `options.supervision`, a member that stops or is lost with its worker is
     * replaced. Resolves once every member started.
     *
     * Rejects with a TypeError naming every invalid option, and with `ActorRefError`:
     * `InvalidArgument` (not an actor class, or a class workers cannot load), `NotSupported`
     * (a supervision decider function with members on workers), `AlreadyExists` (id taken),
     * `StartFailed` (a member failed to start), `SystemShutdown`.
     *
     * @example
     * const hashers = await system.pool(Hasher, { routing: 'least-busy' })
     * const digest: string = await hashers.ask('sha256', 'hello')
     */
    pool<C extends ActorClass>(type: C, options?: PoolOptions<C>): Promise<PoolRef<InstanceType<C>>>
  }
}

declare module '../../actor/context.js' {
  interface ActorContext<A extends Actor = Actor> {
    /**
     * Starts a pool owned by this actor (see `ActorSystem.pool`): the pool stops when this
     * actor stops, and `onChildTerminated` reports the pool's stop.
     */
    pool<C extends ActorClass>(type: C, options?: PoolOptions<C>): Promise<PoolRef<InstanceType<C>>>
  }
}
