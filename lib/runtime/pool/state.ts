/**
 * Pool membership as one thread sees it. Every thread keeps one `PoolState` per pool (looked
 * up by node run and pool id, never rebuilt), shared by every pool ref to that pool on the thread:
 * the members, their routing counters, and which of them are reachable. The pool supervisor
 * on the main thread publishes each membership change (a version number and the member
 * addresses) to every worker over the control channel; a ref arriving in a message carries the
 * membership its sender knew, and the newer version wins.
 */
import { nodeKey, type NodeAddress } from '../../actor/address.js'
import { ActorCell } from '../../actor/cell.js'
import type { ActorRef } from '../../actor/ref.js'
import type { RefAddress } from '../transport/codec.js'
import { onTopic } from '../topics.js'
import type { HashRing } from '../../util/hash-ring.js'
import { poolRing } from './hash-ring.js'

/** The control-channel topic of membership updates. */
export const POOL_TOPIC = 'coerce.pool'

/** A membership change as it travels to the workers (plain data). */
export interface PoolUpdate {
  node: NodeAddress
  poolId: string
  actorType: string
  version: number
  members: RefAddress[]
  stopped: boolean
}

/** One member as this thread routes to it. */
export class PoolMember {
  /** Messages this thread routed to the member. */
  routed = 0
  /** Asks this thread sent to the member and not yet settled. */
  inFlight = 0
  /** Found unreachable from this thread (stopped, gone); skipped until the next membership update. */
  down = false
  /** Handler failures seen in a row (asks from this thread). */
  failures = 0
  /** performance.now() until which the member is likely restarting: routed around if others are ready. */
  pausedUntil = 0

  constructor(readonly ref: ActorRef) {}

  get id(): string {
    return this.ref.id
  }

  get available(): boolean {
    return !this.down && this.ref.target.alive
  }

  /**
   * How busy the member looks from here: asks in flight from this thread, plus its queued
   * messages when it lives on this thread (both numbers the runtime keeps anyway).
   */
  get load(): number {
    const t = this.ref.target
    return t instanceof ActorCell ? this.inFlight + t.mailboxSize : this.inFlight
  }
}

export class PoolState {
  version = -1
  stopped = false
  members: PoolMember[] = []
  /** The available members, in membership order. */
  live: PoolMember[] = []
  /** The available members not paused (restarting after a failure); all of `live` when every one is. */
  ready: PoolMember[] = []
  /** When the earliest pause ends (performance.now()); 0 when no member is paused. */
  pauseEnds = 0
  /** Resizes the supervisor made (kept on the main thread, for metrics). */
  readonly resizes = { grow: 0, shrink: 0 }
  private ring: HashRing<PoolMember> | null = null

  constructor(
    readonly node: NodeAddress,
    readonly poolId: string,
    readonly actorType: string,
  ) {}

  /** Takes a membership if it is newer than the one held; true when it was. */
  apply(version: number, refs: readonly ActorRef[], stopped: boolean): boolean {
    if (version <= this.version) return false
    this.version = version
    this.stopped = stopped
    const old = new Map(this.members.map((m) => [m.id, m]))
    this.members = refs.map((r) => {
      const kept = old.get(r.id)
      if (kept === undefined) return new PoolMember(r)
      // A fresh update makes a member worth trying again.
      kept.down = false
      return kept
    })
    this.refreshLive()
    return true
  }

  /** Recomputes the available members (a member turned unavailable since the last look). */
  refreshLive(): void {
    this.live = this.stopped ? [] : this.members.filter((m) => m.available)
    this.ring = null
    this.pauseEnds = 0
    const now = performance.now()
    const ready: PoolMember[] = []
    for (const m of this.live) {
      if (m.pausedUntil <= now) ready.push(m)
      else if (this.pauseEnds === 0 || m.pausedUntil < this.pauseEnds) this.pauseEnds = m.pausedUntil
    }
    this.ready = ready.length > 0 ? ready : this.live
  }

  /** Routes around `m` for `ms` (it is restarting after a failure), unless no other member is ready. */
  pause(m: PoolMember, ms: number): void {
    m.pausedUntil = performance.now() + ms
    this.refreshLive()
  }

  markDown(m: PoolMember): void {
    m.down = true
    this.refreshLive()
  }

  /** The consistent-hash ring over the available members, built once per change. */
  hashRing(): HashRing<PoolMember> {
    this.ring ??= poolRing(this.live, (m) => m.id)
    return this.ring
  }
}

// Keyed by node run (id and incarnation) and pool id: two systems in one process, or a node's
// earlier run, never share a pool's state.
const states = new Map<string, PoolState>()

function keyOf(node: NodeAddress, poolId: string): string {
  return `${nodeKey(node)}/${poolId}`
}

/** @internal This thread's state of pool `poolId` of node run `node`, created empty on first use. */
export function poolState(node: NodeAddress, poolId: string, actorType: string): PoolState {
  const key = keyOf(node, poolId)
  let s = states.get(key)
  if (s === undefined || s.stopped) {
    s = new PoolState(node, poolId, actorType)
    states.set(key, s)
  }
  return s
}

/** @internal Applies a membership update; a stopped pool is dropped from the table. */
export function applyPoolUpdate(u: PoolUpdate, refs: readonly ActorRef[]): PoolState {
  const s = poolState(u.node, u.poolId, u.actorType)
  s.apply(u.version, refs, u.stopped)
  if (u.stopped) states.delete(keyOf(u.node, u.poolId))
  return s
}

/** @internal The live pools of node run `node` known on this thread. */
export function poolStatesOf(node: NodeAddress): PoolState[] {
  const key = nodeKey(node)
  return [...states.values()].filter((s) => nodeKey(s.node) === key)
}

// Workers: the supervisor's updates arrive as addresses; the receiving system's router builds the refs.
onTopic(POOL_TOPIC, (data, resolveRef) => {
  const u = data as PoolUpdate
  applyPoolUpdate(u, u.members.map(resolveRef))
})
