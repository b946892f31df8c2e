/**
 * `PoolSupervisor`: the actor behind a pool, always on the main thread. Its children are the
 * members (`<pool>/m1`, `<pool>/m2`, ...), placed evenly over the worker threads. It replaces
 * a member that stopped (its restart limit reached, stopped by hand, or lost with its worker),
 * moves members back once a lost worker's replacement runs, runs the optional resizer, and
 * publishes every membership change: to this thread's pool
 * state directly and to every worker over the control channel. Stopping it stops the pool.
 * Messages to the pool never pass through it: pool refs route on the sending thread.
 */
import { Actor } from '../../actor/actor.js'
import type { NodeAddress } from '../../actor/address.js'
import type { ActorRef } from '../../actor/ref.js'
import type { Terminated } from '../../actor/terminated.js'
import type { ActorClass } from '../../actor/types.js'
import { loadActorClass, type ClassLocation } from '../actor-modules.js'
import type { MainRuntime } from '../main-runtime.js'
import { addressOf } from '../transport/codec.js'
import type { ResolvedPoolOptions } from './options.js'
import { applyPoolUpdate, poolState, POOL_TOPIC, type PoolState, type PoolUpdate } from './state.js'

/** What a supervisor is built from. `member` is the class itself when created on the main thread. */
export interface PoolSpec {
  member: ActorClass | ClassLocation
  actorType: string
  options: ResolvedPoolOptions
}

/** A pool's membership, as `snapshot` returns it. */
export interface PoolSnapshot {
  node: NodeAddress
  poolId: string
  actorType: string
  version: number
  members: ActorRef[]
}

/** Delay before retrying a failed member replacement, ms (doubles up to the max). */
const REPLACE_RETRY_MIN_MS = 50
const REPLACE_RETRY_MAX_MS = 5_000
/**
 * How often an uneven pool checks whether it can move a member back, ms. Replacements for
 * members lost with a worker go to the workers still running (capacity first); once the lost
 * worker's replacement runs, members move back one at a time until the spread is even.
 */
const REBALANCE_INTERVAL_MS = 200

export class PoolSupervisor extends Actor {
  static actorModule = import.meta.url
  static actorType = 'coerce.Pool'
  static override internalMethods = [
    'publish',
    'addMember',
    'chooseThread',
    'allowedWorkers',
    'retire',
    'replaceMissing',
    'scheduleReplace',
    'resizeFromTo',
    'watchBalance',
  ]

  private readonly members: ActorRef[] = []
  private readonly retiring = new Set<string>()
  private type: ActorClass | null = null
  private version = 0
  private nextIndex = 1
  private targetSize: number
  private idleStreak = 0
  private replaceTimer: NodeJS.Timeout | null = null
  private replacing = false
  private replaceAgain = false
  private balanceTimer: NodeJS.Timeout | null = null
  private replaceDelay = REPLACE_RETRY_MIN_MS
  private state!: PoolState

  constructor(private readonly spec: PoolSpec) {
    super()
    this.targetSize = spec.options.size
  }

  override async started(): Promise<void> {
    this.state = poolState(this.ctx.system.node, this.ctx.id, this.spec.actorType)
    const m = this.spec.member
    this.type = typeof m === 'function' ? m : await loadActorClass(m)
    for (let i = 0; i < this.targetSize; i++) await this.addMember()
    this.publish(false)
    const r = this.spec.options.resizer
    if (r !== null) {
      const timer = setInterval(() => {
        if (!this.ctx.stopRequested) (this.ctx.self as ActorRef<PoolSupervisor>).tell('resizeCheck')
      }, r.intervalMs)
      timer.unref()
      this.ctx.own({ stop: () => clearInterval(timer) })
    }
    this.ctx.own({
      stop: () => {
        if (this.replaceTimer !== null) clearTimeout(this.replaceTimer)
        if (this.balanceTimer !== null) clearInterval(this.balanceTimer)
      },
    })
  }

  override stopped(): void {
    this.publish(true)
  }

  /** The current membership. */
  snapshot(): PoolSnapshot {
    return { node: this.ctx.system.node, poolId: this.ctx.id, actorType: this.spec.actorType, version: this.version, members: [...this.members] }
  }

  /** Grows or shrinks the pool to `size` members (clamped to the resizer's bounds); resolves with the size. */
  async resizeTo(size: number): Promise<number> {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`pool size must be an integer >= 1 (got ${String(size)})`)
    const r = this.spec.options.resizer
    const to = r === null ? size : Math.min(r.max, Math.max(r.min, size))
    await this.resizeFromTo(this.members.length, to, 'requested')
    return this.members.length
  }

  /** One resizer sample: grow when busy, shrink after a run of idle samples. */
  async resizeCheck(): Promise<void> {
    const r = this.spec.options.resizer
    if (r === null || this.members.length === 0) return
    const sizes = await Promise.all(
      this.members.map((m) => m.target.describe({ maxDepth: 0, maxChildren: 0 }, 0).then((d) => d.mailboxSize, () => 0)),
    )
    const busy = sizes.filter((n) => n >= r.pressureThreshold).length
    const n = this.members.length
    if (busy / n >= r.growAt && n < r.max) {
      this.idleStreak = 0
      await this.resizeFromTo(n, Math.min(r.max, n + Math.max(1, Math.ceil(n * r.rampUp))), `${busy} of ${n} members busy`)
      return
    }
    const idle = sizes.every((s) => s === 0)
    this.idleStreak = idle ? this.idleStreak + 1 : 0
    if (this.idleStreak >= r.idleSamples && n > r.min) {
      this.idleStreak = 0
      await this.resizeFromTo(n, n - 1, `idle for ${r.idleSamples} samples`)
    }
  }

  private async resizeFromTo(from: number, to: number, reason: string): Promise<void> {
    if (to === from) return
    this.targetSize = to
    if (to > from) {
      while (this.members.length < to) await this.addMember()
      this.state.resizes.grow++
      this.publish(false)
      this.ctx.log.info({ pool: this.ctx.id, from, to, reason }, 'pool resized')
    } else {
      const removed = this.members.splice(to)
      for (const m of removed) this.retiring.add(m.id)
      this.state.resizes.shrink++
      this.publish(false)
      this.ctx.log.info({ pool: this.ctx.id, from, to, reason }, 'pool resized')
      await Promise.all(removed.map((m) => this.retire(m)))
    }
  }

  /**
   * Moves one member from the worker with the most members of this pool to the one with the
   * fewest when they differ by two or more and every allowed worker runs; stops checking once
   * the spread is even. The new member joins before the old one leaves.
   */
  async rebalance(): Promise<void> {
    if (this.replacing || this.members.length < this.targetSize) return
    const allowed = this.allowedWorkers()
    if (allowed.length === 0) return this.watchBalance(false)
    const status = this.ctx.system.status().workers
    if (!allowed.every((t) => status.find((w) => w.index === t)?.alive === true)) return
    const counts = new Map<number, ActorRef[]>(allowed.map((t) => [t, []]))
    for (const m of this.members) counts.get(m.target.thread)?.push(m)
    let most = allowed[0] as number
    let fewest = most
    for (const t of allowed) {
      if ((counts.get(t) as ActorRef[]).length > (counts.get(most) as ActorRef[]).length) most = t
      if ((counts.get(t) as ActorRef[]).length < (counts.get(fewest) as ActorRef[]).length) fewest = t
    }
    const moving = counts.get(most) as ActorRef[]
    if (moving.length - (counts.get(fewest) as ActorRef[]).length < 2) return this.watchBalance(false)
    await this.addMember(fewest)
    const victim = moving[moving.length - 1] as ActorRef
    const i = this.members.indexOf(victim)
    if (i >= 0) this.members.splice(i, 1)
    this.retiring.add(victim.id)
    this.publish(false)
    this.ctx.log.info({ pool: this.ctx.id, member: victim.id, from: most, to: fewest }, 'pool member moved to even the spread')
    await this.retire(victim)
  }

  /** Starts (or stops) the periodic rebalance check. */
  private watchBalance(on: boolean): void {
    if (on && this.balanceTimer === null && this.spec.options.placement !== 'main') {
      this.balanceTimer = setInterval(() => {
        if (!this.ctx.stopRequested) (this.ctx.self as ActorRef<PoolSupervisor>).tell('rebalance')
      }, REBALANCE_INTERVAL_MS)
      this.balanceTimer.unref()
    } else if (!on && this.balanceTimer !== null) {
      clearInterval(this.balanceTimer)
      this.balanceTimer = null
    }
  }

  /** Lets a removed member finish what it has queued, then stops it. */
  private async retire(m: ActorRef): Promise<void> {
    const deadline = Date.now() + this.ctx.system.options.stopTimeoutMs
    while (Date.now() < deadline) {
      const queued = await m.target.describe({ maxDepth: 0, maxChildren: 0 }, 0).then((d) => d.mailboxSize, () => 0)
      if (queued === 0) break
      await new Promise((r) => setTimeout(r, 10))
    }
    await m.stop().catch(() => {})
  }

  override onChildTerminated(n: Terminated): void {
    if (this.retiring.delete(n.id)) return
    const i = this.members.findIndex((m) => m.id === n.id)
    if (i < 0) return
    this.members.splice(i, 1)
    this.ctx.log.warn({ pool: this.ctx.id, member: n.id, reason: n.reason }, 'pool member stopped; replacing it')
    this.publish(false)
    if (n.reason === 'workerLost') this.watchBalance(true)
    void this.replaceMissing()
  }

  /** Adds members until the pool has its target size again; one run at a time. */
  private async replaceMissing(): Promise<void> {
    if (this.ctx.stopRequested) return
    if (this.replacing) {
      this.replaceAgain = true
      return
    }
    this.replacing = true
    try {
      do {
        this.replaceAgain = false
        while (this.members.length < this.targetSize && !this.ctx.stopRequested) {
          await this.addMember()
          this.publish(false)
        }
      } while (this.replaceAgain)
      this.replaceDelay = REPLACE_RETRY_MIN_MS
    } catch (e) {
      if (this.ctx.stopRequested) return
      this.ctx.log.warn({ pool: this.ctx.id, err: e, retryMs: this.replaceDelay }, 'replacing a pool member failed; retrying')
      this.scheduleReplace()
    } finally {
      this.replacing = false
    }
  }

  private scheduleReplace(): void {
    if (this.replaceTimer !== null) return
    const delay = this.replaceDelay
    this.replaceDelay = Math.min(REPLACE_RETRY_MAX_MS, delay * 2)
    this.replaceTimer = setTimeout(() => {
      this.replaceTimer = null
      void this.replaceMissing()
    }, delay)
  }

  private async addMember(thread?: number): Promise<void> {
    const o = this.spec.options
    const ref = await this.ctx.spawn(this.type as ActorClass, {
      id: `m${this.nextIndex++}`,
      placement: thread ?? this.chooseThread(),
      args: o.args as never,
      ...(o.supervision !== undefined ? { supervision: o.supervision } : {}),
      ...(o.mailboxCapacity !== undefined ? { mailboxCapacity: o.mailboxCapacity } : {}),
    })
    this.members.push(ref)
  }

  /** The worker with the fewest members of this pool among those allowed and alive (lowest number on a tie). */
  private chooseThread(): 'main' | number {
    if (this.spec.options.placement === 'main') return 'main'
    const allowed = this.allowedWorkers()
    const status = this.ctx.system.status().workers
    const alive = allowed.filter((t) => status.find((w) => w.index === t)?.alive ?? true)
    const candidates = alive.length > 0 ? alive : allowed
    const counts = new Map<number, number>(candidates.map((t) => [t, 0]))
    for (const m of this.members) {
      const t = m.target.thread
      if (counts.has(t)) counts.set(t, (counts.get(t) as number) + 1)
    }
    let best = candidates[0] as number
    for (const t of candidates) if ((counts.get(t) as number) < (counts.get(best) as number)) best = t
    return best
  }

  /** The workers members may run on (none for placement 'main'). */
  private allowedWorkers(): number[] {
    const placement = this.spec.options.placement
    if (placement === 'main') return []
    if (placement === 'spread') return Array.from({ length: this.ctx.system.options.workers }, (_, i) => i + 1)
    return placement
  }

  /** Publishes the membership: here directly, to the workers over the control channel. */
  private publish(stopped: boolean): void {
    this.version++
    const members = stopped ? [] : [...this.members]
    const update: PoolUpdate = {
      node: this.ctx.system.node,
      poolId: this.ctx.id,
      actorType: this.spec.actorType,
      version: this.version,
      members: members.map(addressOf),
      stopped,
    }
    applyPoolUpdate(update, members)
    const runtime = this.ctx.system.runtime as Partial<MainRuntime>
    runtime.broadcast?.(POOL_TOPIC, update)
  }
}
