/**
 * `ShardCoordinator`: the cluster singleton (`sharding-coordinator:<type>`) that owns where
 * each shard of one entity type lives. A new coordinator first asks every up member's region
 * what it hosts (region reports are the truth: a shard is hosted where a region says it is)
 * and allocates nothing until all have answered or are down, so it resumes without moving a
 * shard and never places one that a silent region may still host. Then it allocates shards on
 * request (the strategy picks the node; the region confirms it started the shard before
 * anyone is told), rebalances (begin-handoff to every region, handoff to the owner, then
 * allocation elsewhere; rolled back past the timeout), moves a leaving node's shards, and
 * reallocates a down node's shards.
 *
 * Its handlers never wait: remote steps run as promises whose outcomes come back as messages
 * to itself, so one slow region holds up nothing else.
 */
import { Actor } from '../actor/actor.js'
import { nodeKey, sameNode, type NodeAddress } from '../actor/address.js'
import type { ActorRef } from '../actor/ref.js'
import type { ActorSystem } from '../actor/system.js'
import type { MessageTarget } from '../actor/target.js'
import { clusterTopic } from '../cluster/pubsub/types.js'
import type { ClusterMember } from '../cluster/view.js'
import type { AllocationRegion } from './allocation.js'
import type { ResolvedShardingOptions } from './options.js'
import { regionEndpoint, type HostedReport } from './region-agent.js'
import { regionOf } from './registry.js'
import { recordRebalance } from './stats.js'

/** What a finished rebalance did. */
export interface RebalanceResult {
  /** Shards that moved to another node. */
  moved: number
  /** Handoffs that timed out and were rolled back (the shard stayed, or went elsewhere when its owner was down). */
  rolledBack: number
  durationMs: number
}

/** A handoff under way. */
export interface HandoffStatus {
  shard: number
  from: NodeAddress
  /** ms since the epoch. */
  startedAt: number
}

/** The coordinator's view of one entity type. */
export interface CoordinatorStatus {
  entityType: string
  /** The node the coordinator runs on. */
  coordinator: NodeAddress
  shards: number
  /** False while it waits for regions to report what they host. */
  ready: boolean
  /** Shards by node (`id#incarnation`). */
  shardsByNode: Record<string, number[]>
  handoffs: HandoffStatus[]
  regions: { node: NodeAddress; proxyOnly: boolean; leaving: boolean }[]
}

/** How long a region has to answer `hosted` or `beginHandoff`. */
const REPORT_TIMEOUT_MS = 3000
/** Pause before asking a region again that did not answer. */
const RETRY_MS = 500

interface RegionInfo {
  node: NodeAddress
  proxyOnly: boolean
  leaving: boolean
}

interface Move {
  from: NodeAddress
  startedAt: number
  batch: Batch | null
  /** The handoff failed while `from` was unreachable: decide once it is reachable or down. */
  rollbackPending: boolean
}

/** Moves started together (a rebalance round, or a leaving node's shards), and who waits for them. */
interface Batch {
  kind: 'rebalance' | 'leave'
  /** Who hears the outcome (`rebalanceDone` with their request id, or `leaveDone`). */
  requesters: { node: NodeAddress; requestId: number }[]
  pending: Set<number>
  moved: number
  rolledBack: number
  startedAt: number
}

export class ShardCoordinator extends Actor {
  private readonly homes = new Map<number, NodeAddress>()
  private readonly regions = new Map<string, RegionInfo>()
  /** Nodes that asked for homes (proxies included), to tell them of changes. */
  private readonly listeners = new Map<string, NodeAddress>()
  private readonly unreported = new Set<string>()
  private readonly parked = new Map<number, Map<string, NodeAddress>>()
  /** Shards being started on a node (the allocation counts them there). */
  private readonly placing = new Map<number, NodeAddress>()
  private readonly moves = new Map<number, Move>()
  private ready = false
  private rebalanceTimer: NodeJS.Timeout | null = null
  /** The rebalance under way (automatic or asked for); later requests wait for it. */
  private rebalancing: Batch | null = null
  private readonly offs: (() => void)[] = []

  constructor(private readonly typeName: string) {
    super()
  }

  /** Its own ref, typed by its concrete class (handlers it sends itself outcomes through). */
  private get me(): ActorRef<ShardCoordinator> {
    return this.ctx.self as unknown as ActorRef<ShardCoordinator>
  }

  private get system(): ActorSystem {
    return this.ctx.system
  }

  private get options(): ResolvedShardingOptions {
    const region = regionOf(this.system, this.typeName)
    if (region === undefined) throw new Error(`the coordinator of ${this.typeName} runs on a node that did not register the type`)
    return region.options
  }

  override started(): void {
    const view = this.system.cluster
    const self = this.me
    for (const e of ['memberUp', 'memberDown', 'memberLeft', 'memberReachable', 'memberUnreachable'] as const) {
      this.offs.push(view.on(e, () => self.tell('membership', e === 'memberUp')))
    }
    for (const m of view.members()) {
      if (m.status !== 'up' && m.status !== 'leaving') continue
      this.unreported.add(nodeKey(m.node))
      this.askHosted(m.node)
    }
    this.system.host.logger.info({ entityType: this.typeName, waitingFor: [...this.unreported] }, 'sharding: coordinator started; rebuilding from the regions')
    this.checkReady()
  }

  override stopped(): void {
    for (const off of this.offs) off()
    if (this.rebalanceTimer !== null) clearTimeout(this.rebalanceTimer)
  }

  // ------------------------------------------------------------------ regions

  private endpoint(node: NodeAddress): MessageTarget | null {
    return regionEndpoint(this.system, node, this.typeName)
  }

  private askHosted(node: NodeAddress): void {
    const self = this.me
    const target = this.endpoint(node)
    if (target === null) {
      self.tell('reported', node, null)
      return
    }
    target.ask('hosted', [], { timeoutMs: REPORT_TIMEOUT_MS }).then(
      (r) => self.tell('reported', node, r as HostedReport),
      (e: unknown) => {
        // No region there (the type is not registered yet): it hosts nothing and registers itself later.
        if ((e as { code?: string }).code === 'NotFound') self.tell('reported', node, null)
        else setTimeout(() => self.tell('reportFailed', node), RETRY_MS)
      },
    )
  }

  /** @internal A region answered `hosted` (null: no region on that node). */
  reported(node: NodeAddress, report: HostedReport | null): void {
    const key = nodeKey(node)
    if (!this.unreported.delete(key)) return
    if (report !== null && this.accept(node, report.proxyOnly, report.shardCount)) {
      for (const shard of report.shards) {
        const home = this.homes.get(shard)
        if (home !== undefined && !sameNode(home, node)) {
          this.system.host.logger.error({ entityType: this.typeName, shard, nodes: [nodeKey(home), key] }, 'sharding: two regions report the same shard; keeping the first')
          continue
        }
        this.homes.set(shard, node)
      }
    }
    this.checkReady()
  }

  /** @internal `hosted` failed (timeout, unreachable): ask again while the member is up. */
  reportFailed(node: NodeAddress): void {
    if (!this.unreported.has(nodeKey(node))) return
    const m = this.member(node)
    if (m !== undefined && (m.status === 'up' || m.status === 'leaving')) this.askHosted(node)
    else {
      this.unreported.delete(nodeKey(node))
      this.checkReady()
    }
  }

  private accept(node: NodeAddress, proxyOnly: boolean, shardCount: number): boolean {
    if (shardCount !== this.options.shards) {
      this.system.host.logger.error({ entityType: this.typeName, node: nodeKey(node), shards: shardCount, expected: this.options.shards }, 'sharding: a region uses another shard count; it gets no shards')
      return false
    }
    const key = nodeKey(node)
    const known = this.regions.get(key)
    this.regions.set(key, { node, proxyOnly, leaving: known?.leaving ?? false })
    this.listeners.set(key, node)
    return true
  }

  /** A region says it exists (on start, or again after a coordinator change). */
  register(node: NodeAddress, proxyOnly: boolean, shardCount: number): boolean {
    if (!this.accept(node, proxyOnly, shardCount)) return false
    if (this.ready) {
      this.endpoint(node)?.tell('homes', [[...this.homes.entries()]])
      this.retryParked()
      if (!proxyOnly) this.scheduleRebalance()
    }
    return true
  }

  private checkReady(): void {
    if (this.ready || this.unreported.size > 0) return
    this.ready = true
    this.system.host.logger.info({ entityType: this.typeName, shards: this.homes.size, regions: this.regions.size }, 'sharding: coordinator ready')
    this.broadcast('homes', [[...this.homes.entries()]])
    if (this.options.rememberEntities) {
      // Remembered entities start again only where their shard is hosted: host every shard.
      for (let shard = 0; shard < this.options.shards; shard++) if (!this.homes.has(shard)) this.allocate(shard)
    }
    this.retryParked()
    this.scheduleRebalance()
  }

  private member(node: NodeAddress): ClusterMember | undefined {
    return this.system.cluster.members().find((m) => sameNode(m.node, node))
  }

  private isUp(node: NodeAddress): boolean {
    const m = this.member(node)
    return m !== undefined && (m.status === 'up' || m.status === 'leaving')
  }

  /** Regions that may take a shard now: up, reachable, hosting, not leaving. */
  private hostable(): RegionInfo[] {
    return [...this.regions.values()].filter((r) => {
      if (r.proxyOnly || r.leaving) return false
      const m = this.member(r.node)
      return m !== undefined && m.status === 'up' && m.reachable
    })
  }

  private allocationView(regions: readonly RegionInfo[]): AllocationRegion[] {
    const byNode = new Map(regions.map((r) => [nodeKey(r.node), [] as number[]]))
    for (const [shard, node] of this.homes) if (!this.moves.has(shard)) byNode.get(nodeKey(node))?.push(shard)
    for (const [shard, node] of this.placing) if (!this.homes.has(shard)) byNode.get(nodeKey(node))?.push(shard)
    return regions.map((r) => ({ node: r.node, shards: byNode.get(nodeKey(r.node)) as number[] }))
  }

  /** @internal A member changed: forget gone regions and their shards, settle stalled rollbacks. */
  membership(memberUp: boolean): void {
    for (const [key, r] of [...this.regions]) {
      if (this.isUp(r.node)) continue
      this.regions.delete(key)
      this.listeners.delete(key)
      const lost: number[] = []
      for (const [shard, node] of this.homes) if (sameNode(node, r.node) && !this.moves.has(shard)) lost.push(shard)
      for (const shard of lost) this.homes.delete(shard)
      if (lost.length > 0) this.system.host.logger.warn({ entityType: this.typeName, node: key, shards: lost.length }, 'sharding: a member is gone; its shards get new homes')
      // Remembered entities must start again now; other shards get a home on their next message.
      if (this.ready && this.options.rememberEntities) for (const shard of lost) this.allocate(shard)
    }
    for (const key of [...this.unreported]) {
      const m = this.system.cluster.members().find((x) => nodeKey(x.node) === key)
      if (m === undefined || (m.status !== 'up' && m.status !== 'leaving')) this.unreported.delete(key)
    }
    for (const [shard, move] of this.moves) if (move.rollbackPending) this.rollBack(shard, move)
    this.checkReady()
    if (this.ready) {
      this.retryParked()
      if (memberUp) this.scheduleRebalance()
    }
  }

  // ------------------------------------------------------------------ homes

  /** A region asks where `shard` lives; it hears back with `shardHome`. */
  requestHome(shard: number, from: NodeAddress): void {
    const key = nodeKey(from)
    this.listeners.set(key, from)
    const home = this.homes.get(shard)
    if (home !== undefined && !this.moves.has(shard)) {
      this.endpoint(from)?.tell('shardHome', [shard, home])
      return
    }
    let waiting = this.parked.get(shard)
    if (waiting === undefined) {
      waiting = new Map()
      this.parked.set(shard, waiting)
    }
    waiting.set(key, from)
    if (this.ready && home === undefined) this.allocate(shard)
  }

  /** Shards someone waits for, and handed-off shards that found no home yet, get one if a region can take them. */
  private retryParked(): void {
    for (const shard of this.parked.keys()) if (!this.homes.has(shard)) this.allocate(shard)
    for (const [shard, move] of this.moves) if (!this.homes.has(shard) && !move.rollbackPending) this.allocate(shard, move.from)
  }

  private allocate(shard: number, exclude?: NodeAddress): void {
    if (this.placing.has(shard) || this.homes.has(shard)) return
    let regions = this.hostable()
    if (exclude !== undefined && regions.length > 1) regions = regions.filter((r) => !sameNode(r.node, exclude))
    if (regions.length === 0) {
      // Parked until a region can host. A move that found no new home ends here (the whole cluster stops).
      const move = this.moves.get(shard)
      if (move !== undefined && !move.rollbackPending) {
        this.moves.delete(shard)
        this.finishMove(shard, move, 'unplaced')
      }
      return
    }
    const node = this.options.allocation.allocate(shard, this.allocationView(regions))
    this.place(shard, node)
  }

  /** Asks `node` to host `shard`; the outcome comes back as `placed`. */
  private place(shard: number, node: NodeAddress): void {
    this.placing.set(shard, node)
    const self = this.me
    const target = this.endpoint(node)
    if (target === null) {
      self.tell('placed', shard, node, false, false)
      return
    }
    target.ask('startShard', [shard], { timeoutMs: Math.max(10_000, this.options.handoffTimeoutMs) }).then(
      (ok) => self.tell('placed', shard, node, ok === true, false),
      () => self.tell('placed', shard, node, false, true),
    )
  }

  /**
   * @internal `node` started `shard` (or not). A refusal sends it elsewhere; an error (timeout,
   * unreachable) asks the same node again while it is up, since it may have started it.
   */
  placed(shard: number, node: NodeAddress, ok: boolean, uncertain: boolean): void {
    this.placing.delete(shard)
    if (!ok) {
      if (uncertain && this.isUp(node)) setTimeout(() => this.me.tell('replace', shard, node), RETRY_MS)
      else {
        const move = this.moves.get(shard)
        if (move !== undefined && sameNode(move.from, node)) this.homes.delete(shard)
        this.allocate(shard, node)
      }
      return
    }
    this.homes.set(shard, node)
    const move = this.moves.get(shard)
    this.moves.delete(shard)
    this.broadcast('shardHome', [shard, node])
    const waiting = this.parked.get(shard)
    this.parked.delete(shard)
    for (const [key, requester] of waiting ?? []) if (!this.regions.has(key)) this.endpoint(requester)?.tell('shardHome', [shard, node])
    if (move !== undefined) {
      const movedAway = !sameNode(move.from, node)
      if (movedAway) {
        this.system.host.logger.info({ entityType: this.typeName, shard, from: nodeKey(move.from), to: nodeKey(node) }, 'sharding: shard moved')
        this.publishMoved(shard, move.from, node)
      }
      this.finishMove(shard, move, movedAway ? 'moved' : 'rolledBack')
    } else {
      this.publishMoved(shard, null, node)
      // New homes may leave the regions uneven (a region registered after most were placed).
      this.scheduleRebalance()
    }
  }

  /** @internal Asks `node` again to start `shard` (after an uncertain failure). */
  replace(shard: number, node: NodeAddress): void {
    if (this.homes.has(shard) && !this.moves.has(shard)) return
    if (this.placing.has(shard)) return
    if (this.isUp(node)) this.place(shard, node)
    else this.allocate(shard, node)
  }

  private publishMoved(shard: number, from: NodeAddress | null, to: NodeAddress): void {
    try {
      this.system.pubsub.publish(clusterTopic, { type: 'shardMoved', entityType: this.typeName, shard, from, to }, { scope: 'cluster' })
    } catch (e) {
      this.system.host.logger.debug({ entityType: this.typeName, err: e }, 'sharding: could not publish shardMoved')
    }
  }

  private broadcast(handler: string, args: unknown[]): void {
    for (const node of this.listeners.values()) {
      try {
        this.endpoint(node)?.tell(handler, args)
      } catch (e) {
        this.system.host.logger.debug({ entityType: this.typeName, node: nodeKey(node), err: e }, 'sharding: could not tell a region')
      }
    }
  }

  // ------------------------------------------------------------------ moves

  private startMove(shard: number, batch: Batch | null): boolean {
    const from = this.homes.get(shard)
    if (from === undefined || this.moves.has(shard) || this.placing.has(shard)) return false
    const move: Move = { from, startedAt: Date.now(), batch, rollbackPending: false }
    this.moves.set(shard, move)
    batch?.pending.add(shard)
    const self = this.me
    const others = [...this.listeners.values()].filter((n) => !sameNode(n, from))
    const begun = others.map((n) => this.endpoint(n)?.ask('beginHandoff', [shard], { timeoutMs: REPORT_TIMEOUT_MS }) ?? Promise.resolve())
    void Promise.allSettled(begun).then(() => {
      const owner = this.endpoint(from)
      if (owner === null) {
        self.tell('handedOff', shard, false)
        return
      }
      owner.ask('handoff', [shard], { timeoutMs: this.options.handoffTimeoutMs }).then(
        (ok) => self.tell('handedOff', shard, ok === true),
        () => self.tell('handedOff', shard, false),
      )
    })
    return true
  }

  /** @internal The owner answered the handoff of `shard` (false: refused, timed out, or gone). */
  handedOff(shard: number, ok: boolean): void {
    const move = this.moves.get(shard)
    if (move === undefined) return
    if (ok) {
      this.homes.delete(shard)
      this.allocate(shard, move.from)
      return
    }
    this.system.host.logger.warn({ entityType: this.typeName, shard, from: nodeKey(move.from), timeoutMs: this.options.handoffTimeoutMs }, 'sharding: handoff failed; rolling back')
    this.rollBack(shard, move)
  }

  /** The shard stays with its owner; or goes elsewhere when the owner is down; or waits while it is unreachable. */
  private rollBack(shard: number, move: Move): void {
    const m = this.member(move.from)
    const gone = m === undefined || (m.status !== 'up' && m.status !== 'leaving')
    if (gone) {
      move.rollbackPending = false
      this.homes.delete(shard)
      this.allocate(shard, move.from)
    } else if (m.reachable) {
      move.rollbackPending = false
      if (!this.placing.has(shard)) this.place(shard, move.from)
    } else {
      move.rollbackPending = true
    }
  }

  private finishMove(shard: number, move: Move, outcome: 'moved' | 'rolledBack' | 'unplaced'): void {
    const batch = move.batch
    if (batch === null) return
    batch.pending.delete(shard)
    if (outcome === 'moved') batch.moved++
    else if (outcome === 'rolledBack') batch.rolledBack++
    if (batch.pending.size > 0) return
    // Another round when the strategy still sees work (it moves at most so many at a time).
    if (batch.kind === 'rebalance' && batch.moved > 0 && this.rebalanceRound(batch) > 0) return
    this.endBatch(batch)
  }

  private endBatch(batch: Batch): void {
    const result: RebalanceResult = { moved: batch.moved, rolledBack: batch.rolledBack, durationMs: Date.now() - batch.startedAt }
    if (batch.kind === 'rebalance') {
      if (this.rebalancing === batch) this.rebalancing = null
      if (batch.moved > 0 || batch.rolledBack > 0) recordRebalance(this.system, this.typeName, result)
    }
    for (const r of batch.requesters) {
      if (batch.kind === 'leave') this.endpoint(r.node)?.tell('leaveDone', [])
      else this.endpoint(r.node)?.tell('rebalanceDone', [r.requestId, result])
    }
  }

  private rebalanceRound(batch: Batch): number {
    const regions = this.hostable()
    const plan = this.options.allocation.rebalance(this.allocationView(regions), new Set(this.moves.keys()))
    let started = 0
    for (const shard of plan) if (this.startMove(shard, batch)) started++
    return started
  }

  private scheduleRebalance(): void {
    if (this.rebalanceTimer !== null) return
    this.rebalanceTimer = setTimeout(() => {
      this.rebalanceTimer = null
      this.me.tell('rebalanceTick')
    }, this.options.rebalanceAfterMs)
  }

  /** @internal The debounced automatic rebalance. */
  rebalanceTick(): void {
    if (this.ready && this.rebalancing === null) this.startRebalance(null)
  }

  private startRebalance(requester: { node: NodeAddress; requestId: number } | null): number {
    const batch: Batch = { kind: 'rebalance', requesters: requester === null ? [] : [requester], pending: new Set(), moved: 0, rolledBack: 0, startedAt: Date.now() }
    const started = this.rebalanceRound(batch)
    if (started > 0) this.rebalancing = batch
    else this.endBatch(batch)
    return started
  }

  /**
   * `region.rebalance()`: starts a rebalance, or joins the one under way; the requester hears
   * `rebalanceDone` when it ends. Returns the moves under way.
   */
  rebalance(requestId: number, requester: NodeAddress): number {
    const current = this.rebalancing
    if (current !== null) {
      current.requesters.push({ node: requester, requestId })
      return current.pending.size
    }
    if (!this.ready) {
      this.endpoint(requester)?.tell('rebalanceDone', [requestId, { moved: 0, rolledBack: 0, durationMs: 0 } satisfies RebalanceResult])
      return 0
    }
    return this.startRebalance({ node: requester, requestId })
  }

  /** A region's node leaves: it gets no new shards, and its shards move now; it hears `leaveDone`. Returns the moves started. */
  regionLeaving(node: NodeAddress): number {
    const key = nodeKey(node)
    const known = this.regions.get(key)
    this.regions.set(key, { node, proxyOnly: known?.proxyOnly ?? false, leaving: true })
    const batch: Batch = { kind: 'leave', requesters: [{ node, requestId: 0 }], pending: new Set(), moved: 0, rolledBack: 0, startedAt: Date.now() }
    let started = 0
    // No node left to take them (the whole cluster stops): the shards stop with their node.
    if (this.hostable().length === 0) {
      this.endpoint(node)?.tell('leaveDone', [])
      return 0
    }
    for (const [shard, home] of [...this.homes]) if (sameNode(home, node) && this.startMove(shard, batch)) started++
    // Moves already under way for its shards finish on their own; nothing more to wait for here.
    if (started === 0) this.endpoint(node)?.tell('leaveDone', [])
    return started
  }

  status(): CoordinatorStatus {
    const shardsByNode: Record<string, number[]> = {}
    for (const [shard, node] of [...this.homes].sort((a, b) => a[0] - b[0])) (shardsByNode[nodeKey(node)] ??= []).push(shard)
    return {
      entityType: this.typeName,
      coordinator: this.system.node,
      shards: this.options.shards,
      ready: this.ready,
      shardsByNode,
      handoffs: [...this.moves].map(([shard, m]) => ({ shard, from: m.from, startedAt: m.startedAt })),
      regions: [...this.regions.values()].map((r) => ({ node: r.node, proxyOnly: r.proxyOnly, leaving: r.leaving })),
    }
  }
}
