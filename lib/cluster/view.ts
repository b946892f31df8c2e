/**
 * `ClusterView`: the membership as every thread sees it (`system.cluster`): the members, the
 * leader, this node, and membership events. On the main thread the cluster module drives it;
 * on workers it is a replica the main thread keeps current over the control channel; on a node
 * without `cluster` it shows that node alone.
 */
import type { NodeAddress } from '../actor/address.js'
import { sameNode } from '../actor/address.js'
import type { Member, MemberEvent, MemberStatus } from './member-table.js'

export type { MemberStatus }

/** A member of the cluster as this node sees it. */
export interface ClusterMember {
  readonly node: NodeAddress
  /** The URL other nodes dial. */
  readonly advertise: string
  readonly status: MemberStatus
  /** This node's failure detector's view (always true for itself). */
  readonly reachable: boolean
  /** When that node run started (ms since the epoch): the oldest up member leads. */
  readonly startedAt: number
}

/** Membership events, by name. */
export interface ClusterEventMap {
  memberJoined: ClusterMember
  memberUp: ClusterMember
  memberUnreachable: ClusterMember
  memberReachable: ClusterMember
  memberDown: ClusterMember
  memberLeft: ClusterMember
  leaderChanged: NodeAddress | null
}

export type ClusterEventName = keyof ClusterEventMap

/** What a thread knows of the membership: a snapshot plus the events that led to it. */
export interface MembershipUpdate {
  members: ClusterMember[]
  leader: NodeAddress | null
  events: MemberEvent[]
}

export class ClusterView {
  private current: ClusterMember[]
  private leaderNow: NodeAddress | null
  private readonly listeners = new Map<ClusterEventName, Set<(e: never) => void>>()

  constructor(
    private readonly selfNode: NodeAddress,
    /** True when the system was started with `cluster`. */
    readonly enabled: boolean,
    advertise = '',
  ) {
    const self: ClusterMember = { node: selfNode, advertise, status: 'up', reachable: true, startedAt: Date.now() }
    this.current = [self]
    this.leaderNow = enabled ? null : selfNode
  }

  /** Every member not yet removed, oldest first. */
  members(): ClusterMember[] {
    return [...this.current]
  }

  /** The oldest up, reachable member, or null while there is none. */
  get leader(): NodeAddress | null {
    return this.leaderNow
  }

  /** This node as a member. */
  get self(): ClusterMember {
    return this.current.find((m) => sameNode(m.node, this.selfNode)) ?? { node: this.selfNode, advertise: '', status: 'removed', reachable: true, startedAt: 0 }
  }

  /**
   * True while this node is on the losing side of a partition (it cannot see a majority of the
   * last stable membership, and downs itself after `downAfterMs`): it must not take over a
   * cluster singleton meanwhile. Kept by the cluster module on the main thread.
   */
  inMinority = false

  /** True when this node is the leader. */
  get isLeader(): boolean {
    return this.leaderNow !== null && sameNode(this.leaderNow, this.selfNode)
  }

  /**
   * Calls `listener` on each `event`; returns a function that stops it.
   *
   * @example
   * const off = system.cluster.on('memberDown', (m) => console.log('lost', m.node.id))
   */
  on<E extends ClusterEventName>(event: E, listener: (e: ClusterEventMap[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener as (e: never) => void)
    return () => set.delete(listener as (e: never) => void)
  }

  /** @internal Applies an update (on the main thread, from the cluster module; on workers, from the main thread). */
  apply(update: MembershipUpdate): void {
    this.current = update.members.map(publicMember)
    this.leaderNow = update.leader
    for (const e of update.events) {
      if (e.type === 'leaderChanged') this.emit('leaderChanged', e.leader)
      else this.emit(e.type, publicMember(e.member))
    }
  }

  private emit<E extends ClusterEventName>(event: E, value: ClusterEventMap[E]): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        ;(l as (e: ClusterEventMap[E]) => void)(value)
      } catch {
        // A listener's failure is its own; the others still hear the event.
      }
    }
  }
}

/** A member as the public API shows it (a copy: callers may keep it). */
export function publicMember(m: Member | ClusterMember): ClusterMember {
  return { node: { id: m.node.id, incarnation: m.node.incarnation }, advertise: m.advertise, status: m.status, reachable: m.reachable, startedAt: m.startedAt }
}

// Declared here, next to the view's type, so the package's declarations carry it.
declare module '../actor/system.js' {
  interface ActorSystem {
    /**
     * The cluster membership as this thread sees it: members, leader, this node, events. On a
     * system started without `cluster`, this node alone.
     *
     * @example
     * system.cluster.on('memberUp', (m) => console.log('up:', m.node.id))
     * console.log(system.cluster.members().map((m) => `${m.node.id} ${m.status}`))
     */
    readonly cluster: ClusterView
  }
}
