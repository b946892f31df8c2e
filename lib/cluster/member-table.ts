/**
 * One node's view of the cluster's membership: who is in it, in which status, which of them
 * this node's failure detectors can reach, and who leads. Views converge by gossip: a merge
 * keeps, per member, the furthest status either side has seen, so merging is idempotent and
 * its final state does not depend on the order views arrive in. Every change comes back as
 * events for the runtime to act on. Pure: no clock is read, callers pass the time.
 */
import { nodeKey, sameNode, type NodeAddress } from '../actor/address.js'

/**
 * Where a member is in its life. Only ever moves forward, in this order: `joining` (known,
 * not yet admitted), `up`, `leaving` (going away gracefully, still serving), `down` (declared
 * dead: by a downing decision, or replaced by a newer run of the same node id), `removed`.
 */
export type MemberStatus = 'joining' | 'up' | 'leaving' | 'down' | 'removed'

/** One node run as this node sees it. */
export interface Member {
  node: NodeAddress
  /** the ws URL peers dial */
  advertise: string
  status: MemberStatus
  /** when this node run started (ms since epoch); orders members by age */
  startedAt: number
  /** this node's own failure detector's view (never gossiped) */
  reachable: boolean
}

/**
 * A change to the view. `member` is a snapshot taken when the event happened (a merge that
 * moves a member from joining to up reports `memberJoined` with status joining, then
 * `memberUp` with status up).
 */
export type MemberEvent =
  | { type: 'memberJoined'; member: Member }
  | { type: 'memberUp'; member: Member }
  | { type: 'memberUnreachable'; member: Member }
  | { type: 'memberReachable'; member: Member }
  | { type: 'memberDown'; member: Member }
  | { type: 'memberLeft'; member: Member } // reached 'removed'
  | { type: 'leaderChanged'; leader: NodeAddress | null }

/** A member as gossiped between nodes: reachability is each node's own business. */
export interface GossipMember {
  node: NodeAddress
  advertise: string
  status: MemberStatus
  startedAt: number
}

const RANK: Readonly<Record<MemberStatus, number>> = { joining: 0, up: 1, leaving: 2, down: 3, removed: 4 }

function isStatus(s: unknown): s is MemberStatus {
  return typeof s === 'string' && Object.hasOwn(RANK, s)
}

function isGone(status: MemberStatus): boolean {
  return status === 'down' || status === 'removed'
}

interface Entry extends Member {
  /** When it reached down or removed; null while alive, or until a `prune` stamps it (see there). */
  goneSince: number | null
}

/** Age order: started earlier first, then id, then incarnation. Two runs of one id: the later is the newer. */
function compareAge(a: GossipMember, b: GossipMember): number {
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt
  if (a.node.id !== b.node.id) return a.node.id < b.node.id ? -1 : 1
  return a.node.incarnation - b.node.incarnation
}

function snapshot(e: Entry): Member {
  return { node: e.node, advertise: e.advertise, status: e.status, startedAt: e.startedAt, reachable: e.reachable }
}

/**
 * The membership view of one node (`self`).
 *
 * Rules:
 * - Status only moves forward (joining < up < leaving < down < removed); a view with a lower
 *   status never undoes a higher one.
 * - Self's status changes through {@link setStatus}; others' views of self are ignored, except
 *   that one saying self is `down` or `removed` is applied (with its event), because the
 *   cluster has then given this run up and the runtime must leave.
 * - A node id has at most one live run. When two runs of one id are known, the older by
 *   `startedAt` (then incarnation) is down: a restarted node replaces its previous run
 *   (`memberDown` for the old one, then `memberJoined` for the new); self too, when a newer
 *   run of its own id shows up. Age, not arrival order, decides, so a stale view that still
 *   lists the old run cannot down the new one, and the outcome is the same whichever view
 *   arrives first. (It trusts `startedAt` across hosts: a restart faster than the clock skew
 *   between them would be misread.)
 * - Events for one member come in the order its status moved: `memberJoined` when first
 *   added, `memberUp` on entering up (or leaving, straight from joining: either way it now
 *   serves), `memberDown` on entering down, `memberLeft` on entering removed. A member first
 *   seen already down or removed (a tombstone, possibly of a run this node never knew) gets
 *   only `memberDown` or `memberLeft`, so remote watches of it can fire. Reachability events
 *   are for joining, up and leaving members. `leaderChanged` closes any call that moved
 *   {@link leader}.
 * - Down and removed members stay (and are gossiped) until {@link prune} drops them, so the
 *   news spreads and stale views cannot bring them back meanwhile.
 *
 * Mutating methods take an optional `nowMs` (the caller's clock, as given to `prune`) to
 * stamp when a member went down or removed; without it the next `prune` stamps it, so its
 * time-to-live then runs from that prune.
 */
export class MemberTable {
  /** This node's run. */
  readonly self: NodeAddress
  private readonly entries = new Map<string, Entry>()
  /** Every known run of each node id. */
  private readonly runs = new Map<string, Entry[]>()
  private readonly selfEntry: Entry

  constructor(self: GossipMember) {
    this.selfEntry = this.insert(self, self.status)
    this.self = this.selfEntry.node
  }

  /** Merges another node's view; returns the events, in order. */
  merge(members: readonly GossipMember[], nowMs?: number): MemberEvent[] {
    const leader = this.leader()
    const events: MemberEvent[] = []
    for (const m of members) this.apply(m, false, events, nowMs)
    return this.closing(leader, events)
  }

  /**
   * Adds (as joining) or updates a member seen directly (a handshake): as a merge of that one
   * member, which may also move it forward to the status it reports, and its `advertise`
   * replaces the one known, since it comes from the node itself.
   */
  saw(member: GossipMember, nowMs?: number): MemberEvent[] {
    const leader = this.leader()
    const events: MemberEvent[] = []
    this.apply(member, true, events, nowMs)
    return this.closing(leader, events)
  }

  /** Moves a known member (self included) forward to `status`; nothing for an unknown member or a step back. */
  setStatus(node: NodeAddress, status: MemberStatus, nowMs?: number): MemberEvent[] {
    const leader = this.leader()
    const events: MemberEvent[] = []
    const e = this.entries.get(nodeKey(node))
    if (e !== undefined && isStatus(status)) this.advance(e, status, events, nowMs)
    return this.closing(leader, events)
  }

  /** Records this node's failure detector's verdict on a member. Self is always reachable: ignored. */
  setReachable(node: NodeAddress, reachable: boolean): MemberEvent[] {
    const leader = this.leader()
    const events: MemberEvent[] = []
    const e = this.entries.get(nodeKey(node))
    if (e !== undefined && e !== this.selfEntry && e.reachable !== reachable) {
      e.reachable = reachable
      if (!isGone(e.status)) events.push({ type: reachable ? 'memberReachable' : 'memberUnreachable', member: snapshot(e) })
    }
    return this.closing(leader, events)
  }

  /** The member, in any status, while the table holds it. */
  get(node: NodeAddress): Member | undefined {
    const e = this.entries.get(nodeKey(node))
    return e === undefined ? undefined : snapshot(e)
  }

  /** Every member, removed ones excluded, oldest first (startedAt, then id, then incarnation). */
  members(): Member[] {
    return this.sorted((e) => e.status !== 'removed').map(snapshot)
  }

  /** Up (and leaving) members that are reachable, oldest first. */
  upMembers(): Member[] {
    return this.sorted((e) => (e.status === 'up' || e.status === 'leaving') && e.reachable).map(snapshot)
  }

  /**
   * The oldest up, reachable member (ties: id, then incarnation); null if none. Leaving
   * members are passed over, so the role moves on while the leaver can still hand over.
   */
  leader(): NodeAddress | null {
    let best: Entry | null = null
    for (const e of this.entries.values()) {
      if (e.status === 'up' && e.reachable && (best === null || compareAge(e, best) < 0)) best = e
    }
    return best === null ? null : best.node
  }

  /** This view as gossip, oldest first: down and removed members included until pruned, so others learn of them. */
  gossip(): GossipMember[] {
    return this.sorted(() => true).map((e) => ({ node: e.node, advertise: e.advertise, status: e.status, startedAt: e.startedAt }))
  }

  /**
   * Drops removed/down entries older than `ttlMs` (callers pass now) so the table does not
   * grow forever. Self is never dropped. `ttlMs` should outlast the staleness of any view
   * still in flight: a dropped run that a stale view lists again comes back as new (unless a
   * newer run of its id is known, which downs it at once).
   */
  prune(nowMs: number, ttlMs: number): void {
    for (const [key, e] of this.entries) {
      if (e === this.selfEntry || !isGone(e.status)) continue
      if (e.goneSince === null) e.goneSince = nowMs
      else if (nowMs - e.goneSince > ttlMs) {
        this.entries.delete(key)
        const runs = (this.runs.get(e.node.id) ?? []).filter((r) => r !== e)
        if (runs.length === 0) this.runs.delete(e.node.id)
        else this.runs.set(e.node.id, runs)
      }
    }
  }

  private apply(m: GossipMember, direct: boolean, events: MemberEvent[], nowMs: number | undefined): void {
    // Views come off the wire: a status this version does not know cannot be ranked.
    if (!isStatus(m.status)) return
    const known = this.entries.get(nodeKey(m.node))
    if (known === this.selfEntry) {
      if (isGone(m.status)) this.advance(known, m.status, events, nowMs)
      return
    }
    if (known !== undefined) {
      if (direct) known.advertise = m.advertise
      this.advance(known, m.status, events, nowMs)
      return
    }
    const runs = this.runs.get(m.node.id) ?? []
    for (const r of runs) if (compareAge(r, m) < 0) this.advance(r, 'down', events, nowMs)
    const superseded = runs.some((r) => compareAge(m, r) < 0)
    if (superseded || isGone(m.status)) {
      const status = superseded && !isGone(m.status) ? 'down' : m.status
      const e = this.insert(m, status)
      e.goneSince = nowMs ?? null
      events.push({ type: status === 'removed' ? 'memberLeft' : 'memberDown', member: snapshot(e) })
      return
    }
    const e = this.insert(m, 'joining')
    events.push({ type: 'memberJoined', member: snapshot(e) })
    this.advance(e, m.status, events, nowMs)
  }

  private insert(m: GossipMember, status: MemberStatus): Entry {
    const e: Entry = {
      node: { id: m.node.id, incarnation: m.node.incarnation },
      advertise: m.advertise,
      status,
      startedAt: m.startedAt,
      reachable: true,
      goneSince: null,
    }
    this.entries.set(nodeKey(e.node), e)
    const runs = this.runs.get(e.node.id)
    if (runs === undefined) this.runs.set(e.node.id, [e])
    else runs.push(e)
    return e
  }

  private advance(e: Entry, status: MemberStatus, events: MemberEvent[], nowMs: number | undefined): void {
    if (RANK[status] <= RANK[e.status]) return
    const from = e.status
    e.status = status
    if (isGone(status)) e.goneSince = nowMs ?? null
    if (status === 'up' || (status === 'leaving' && from === 'joining')) events.push({ type: 'memberUp', member: snapshot(e) })
    else if (status === 'down') events.push({ type: 'memberDown', member: snapshot(e) })
    else if (status === 'removed') events.push({ type: 'memberLeft', member: snapshot(e) })
  }

  private closing(before: NodeAddress | null, events: MemberEvent[]): MemberEvent[] {
    const after = this.leader()
    const same = before === null || after === null ? before === after : sameNode(before, after)
    if (!same) events.push({ type: 'leaderChanged', leader: after })
    return events
  }

  private sorted(keep: (e: Entry) => boolean): Entry[] {
    return [...this.entries.values()].filter(keep).sort(compareAge)
  }
}
