/**
 * `Cluster`: membership on the main thread of a clustered node. It starts remoting's network
 * thread, joins through the seeds (or a discovery provider), keeps every member connected
 * (full mesh), runs a phi-accrual failure detector per member on the heartbeat arrivals the
 * network thread reports, marks members unreachable and then down, merges gossip, applies
 * graceful leaves, and turns each change into actions: node loss on every thread, connections
 * forgotten, names re-announced, events on every thread's `system.cluster`.
 */
import { nodeKey, sameNode, type NodeAddress } from '../actor/address.js'
import { actorTypeName } from '../actor/actor.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorRef } from '../actor/ref.js'
import type { ActorSystem, SpawnOptions } from '../actor/system.js'
import type { ActorClass } from '../actor/types.js'
import type { Logger } from '../util/logger.js'
import { actorTypeByName } from '../runtime/actor-modules.js'
import type { MainRuntime } from '../runtime/main-runtime.js'
import type { RefAddress } from '../runtime/transport/codec.js'
import { addressOf } from '../runtime/transport/codec.js'
import type { DialFailure, NetworkStats, NetworkToMain, PlainMember } from '../remote/messages.js'
import { RemoteNetwork } from '../remote/network.js'
import { AGENT_ID, bindAgent, ClusterAgent } from './agent.js'
import { NameDirectory } from './directory.js'
import { peerAddress } from './discovery/types.js'
import { ClusterError } from './errors.js'
import { PhiAccrualFailureDetector } from './failure-detector.js'
import { MemberTable, type GossipMember, type MemberEvent } from './member-table.js'
import { toWsUrl, type ResolvedClusterOptions } from './options.js'
import { ClusterView, publicMember, type MembershipUpdate } from './view.js'
import { keepMajority, type StableMember } from './split-brain.js'

/** The topic the main thread publishes membership updates under, to every worker. */
export const MEMBERSHIP_TOPIC = 'coerce.cluster.membership'

/** One member as `GET /cluster/nodes` reports it. */
export interface NodeReport {
  id: string
  incarnation: number
  address: string
  status: string
  reachable: boolean
  leader: boolean
  self: boolean
  startedAt: number
  lastHeartbeatAt: number | null
  latencyMs: number | null
  phi: number | null
}

export class Cluster {
  readonly view: ClusterView
  private readonly log: Logger
  private table!: MemberTable
  private network: RemoteNetwork | null = null
  private readonly detectors = new Map<string, PhiAccrualFailureDetector>()
  private readonly connected = new Set<string>()
  private readonly unreachableSince = new Map<string, number>()
  private readonly rtt = new Map<string, number>()
  private readonly nextDial = new Map<string, number>()
  /** When each member was first seen, for members this node never manages to connect to. */
  private readonly firstSeen = new Map<string, number>()
  /** Dial outcomes by URL while joining. */
  private readonly dialed = new Map<string, DialFailure | 'connected'>()
  /** Why each failed dial failed, by URL (for the join error). */
  private readonly dialReasons = new Map<string, string>()
  /** Members whose view (gossip) reached this node: joining waits for each connected one's. */
  private readonly heardFrom = new Set<string>()
  private readonly startedAt = Date.now()
  private seeds: string[] = []
  private tickTimer: NodeJS.Timeout | null = null
  private gossipTimer: NodeJS.Timeout | null = null
  private stopDiscovery: (() => Promise<void>) | null = null
  private leaving = false
  private readonly names: NameDirectory
  private joinCheck: (() => void) | null = null
  /** What runs when a graceful leave begins, before peers hear of it (see {@link Cluster.beforeLeave}). */
  private readonly leaveHooks = new Set<{ hook: () => Promise<void>; phase: number }>()

  constructor(
    private readonly system: ActorSystem,
    private readonly runtime: MainRuntime,
    readonly options: ResolvedClusterOptions,
  ) {
    this.log = system.host.logger
    this.view = new ClusterView(system.node, true)
    this.names = new NameDirectory({
      self: system.node,
      ringMembers: () => this.table.members().filter((m) => m.status === 'up' || m.status === 'leaving').map((m) => m.node),
      otherMembers: () => this.table.members().filter((m) => !sameNode(m.node, system.node) && (m.status === 'up' || m.status === 'leaving' || m.status === 'joining')).map((m) => m.node),
      reachable: (n) => {
        const m = this.table.get(n)
        return m !== undefined && m.reachable && m.status !== 'down' && m.status !== 'removed' && (sameNode(n, system.node) || this.connected.has(nodeKey(n)))
      },
      alive: (n) => {
        const m = this.table.get(n)
        return m !== undefined && m.status !== 'down' && m.status !== 'removed'
      },
      agent: (n) => this.agentOf(n),
      localNames: () => runtime.namedActors(),
      localAddress: (id) => runtime.localAddress(id),
      timeoutMs: Math.max(1000, system.options.askTimeoutMs),
      warn: (fields, message) => this.log.warn(fields, message),
    })
  }

  // ------------------------------------------------------------------ start and stop

  /** Starts the network thread, listens, joins; rejects with a `ClusterError`. */
  async start(): Promise<void> {
    const o = this.options
    try {
      this.network = await RemoteNetwork.start(
        this.runtime,
        {
          node: this.system.node,
          startedAt: this.startedAt,
          listenHost: o.listenHost,
          listenPort: o.listenPort,
          advertise: o.advertise,
          secret: o.secret,
          tokenTtlMs: o.tokenTtlMs,
          tls: o.tls,
          maxFrameBytes: o.maxFrameBytes,
          heartbeatIntervalMs: o.heartbeatIntervalMs,
          sendBufferFrames: o.sendBufferFrames,
          logLevel: this.system.options.logLevel,
          name: this.system.name,
        },
        {
          onPeer: (node, advertise, startedAt) => this.onPeer(node, advertise, startedAt),
          onReport: (m) => this.onReport(m),
          onLost: (e) => this.onNetworkLost(e),
        },
      )
    } catch (e) {
      throw new ClusterError('ListenFailed', `cannot listen on ${o.listenHost}:${o.listenPort}: ${(e as Error).message}`, { cause: e })
    }
    const network = this.network
    this.table = new MemberTable({ node: this.system.node, advertise: network.advertise, status: 'joining', startedAt: this.startedAt })
    await this.system.spawn(ClusterAgent, { id: AGENT_ID, placement: 'main' })
    bindAgent(this.system, {
      registerHere: (a) => this.names.registerHere(a),
      unregisterHere: (a) => this.names.unregisterHere(a),
      lookupHere: (id) => this.names.lookupHere(id),
      lookupLocal: (id) => this.runtime.localAddress(id) ?? null,
      announceHere: (list) => this.names.announceHere(list),
      spawnHere: (typeName, options) => this.spawnHere(typeName, options),
    })
    this.runtime.cluster = {
      resolveNode: (n) => this.resolveNode(n),
      spawnOn: (node, type, options) => this.spawnOn(node, type, options),
      register: (a) => this.names.register(a),
      unregister: (a) => this.names.unregister(a),
      lookup: (id) => this.names.lookup(id),
    }
    this.tickTimer = setInterval(() => this.tick(), Math.max(10, Math.min(o.heartbeatIntervalMs, 250)))
    this.gossipTimer = setInterval(() => this.gossip(), o.gossipIntervalMs)
    this.tickTimer.unref()
    this.gossipTimer.unref()
    this.seeds = await this.findSeeds()
    await this.join()
    this.apply(this.table.setStatus(this.system.node, 'up'))
    this.log.info({ advertise: network.advertise, members: this.table.members().length }, 'joined the cluster')
  }

  private async findSeeds(): Promise<string[]> {
    const o = this.options
    if (o.discovery === null) return o.seeds
    const tls = o.tls !== null
    const found = await o.discovery.discover()
    const stop = o.discovery.watch({
      onChange: (c) => {
        for (const p of c.joined) this.network?.dial(toWsUrl(peerAddress(p), tls))
      },
      onError: (e) => this.log.warn({ err: e }, 'cluster discovery failed; retrying'),
    })
    this.stopDiscovery = stop
    return [...o.seeds, ...found.map((p) => toWsUrl(peerAddress(p), tls))]
  }

  private isSelfUrl(url: string): boolean {
    const network = this.network as RemoteNetwork
    if (url === network.advertise) return true
    const m = /^wss?:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(url)
    if (m === null || Number(m[2]) !== network.port) return false
    const host = (m[1] as string).replace(/^\[|\]$/g, '')
    const listen = this.options.listenHost
    return host === listen || ((listen === '0.0.0.0' || listen === '::') && (host === '127.0.0.1' || host === 'localhost' || host === '::1'))
  }

  /**
   * Dials the seeds and waits until every member reachable from them is connected. A node in
   * its own seed list, or with none, may form a cluster of one.
   */
  private join(): Promise<void> {
    const others = [...new Set(this.seeds.filter((u) => !this.isSelfUrl(u)))]
    const alone = others.length < this.seeds.length || this.seeds.length === 0
    if (others.length === 0) return Promise.resolve()
    for (const u of others) this.network?.dial(u)
    const deadline = Date.now() + this.options.joinTimeoutMs
    return new Promise<void>((resolve, reject) => {
      const done = (error: ClusterError | null): void => {
        clearInterval(timer)
        this.joinCheck = null
        if (error === null) resolve()
        else reject(error)
      }
      const check = (): void => {
        const tried = others.every((u) => this.dialed.has(u))
        const any = this.connected.size > 0
        if (any) {
          const pending = this.table
            .members()
            .filter((m) => !sameNode(m.node, this.system.node) && m.status !== 'down' && m.status !== 'removed')
            .some((m) => {
              const key = nodeKey(m.node)
              return this.connected.has(key) ? !this.heardFrom.has(key) : !this.dialed.has(m.advertise)
            })
          if (tried && !pending) return done(null)
        } else if (tried) {
          const outcomes = others.map((u) => this.dialed.get(u))
          if (outcomes.includes('authFailed')) {
            const why = others.map((u) => `${u}: ${this.dialReasons.get(u) ?? '?'}`).join('; ')
            return done(new ClusterError('AuthFailed', `the seeds and this node do not accept each other (${why}): every node needs the same cluster.secret, and with TLS certificates its peers trust`))
          }
          if (outcomes.includes('incompatibleProtocol')) {
            return done(new ClusterError('IncompatibleProtocol', `the seeds speak another protocol version (${others.join(', ')})`))
          }
          if (alone) return done(null)
        }
        if (Date.now() >= deadline) {
          if (any || alone) {
            this.log.warn({ seeds: others }, 'join: not every member answered in time; going on with those that did')
            return done(null)
          }
          done(new ClusterError('JoinTimeout', `no seed answered within ${this.options.joinTimeoutMs} ms (${others.join(', ')}): ${[...new Set(others.map((u) => this.dialed.get(u) ?? 'no answer'))].join(', ')}`))
        }
      }
      const timer = setInterval(check, 25)
      this.joinCheck = check
    })
  }

  /** Leaves gracefully: peers see `memberLeft` at once. Called when the system shuts down. */
  async leave(): Promise<void> {
    if (this.leaving || this.network === null) return
    this.leaving = true
    // Before the status moves: a singleton stops its instance and hands over while this node is
    // still an up member that can talk to every peer. A hook's failure must not stop the leave.
    const phases = [...new Set([...this.leaveHooks].map((h) => h.phase))].sort((a, b) => a - b)
    for (const phase of phases) await Promise.allSettled([...this.leaveHooks].filter((h) => h.phase === phase).map((h) => h.hook()))
    if (this.table !== undefined) this.apply(this.table.setStatus(this.system.node, 'leaving'))
    await this.network.leave()
    this.stop()
  }

  /**
   * @internal Runs `hook` when a graceful leave begins (`system.shutdown()`), before this node's
   * status becomes `leaving` and before peers hear of the leave; the leave waits for it. Returns
   * what removes the hook. Hooks run by `phase`, lowest first, those of one phase together:
   * sharding hands its shards off (phase 0) while the coordinator singletons still run here,
   * then the cluster singletons hand over (phase 1, the default).
   */
  beforeLeave(hook: () => Promise<void>, phase = 1): () => void {
    const entry = { hook, phase }
    this.leaveHooks.add(entry)
    return () => this.leaveHooks.delete(entry)
  }

  stop(): void {
    if (this.tickTimer !== null) clearInterval(this.tickTimer)
    if (this.gossipTimer !== null) clearInterval(this.gossipTimer)
    this.tickTimer = null
    this.gossipTimer = null
    if (this.stopDiscovery !== null) void this.stopDiscovery()
    this.stopDiscovery = null
    this.runtime.cluster = null
  }

  // ------------------------------------------------------------------ reports of the network thread

  /** A node completed a handshake: a member (joining, unless gossip said more); refused when down or removed. */
  private onPeer(node: NodeAddress, advertise: string, startedAt: number): number {
    const known = this.table.get(node)
    if (known !== undefined && (known.status === 'down' || known.status === 'removed')) {
      throw new Error(`node ${nodeKey(node)} was marked ${known.status}: it must restart (a new incarnation) to rejoin`)
    }
    this.apply(this.table.saw({ node, advertise, status: 'joining', startedAt }))
    const slot = this.runtime.slotOf(node)
    if (!this.connected.has(nodeKey(node))) this.dialMember(node, advertise)
    return slot
  }

  private onReport(m: Exclude<NetworkToMain, { t: 'peer' }>): void {
    const now = performance.now()
    switch (m.t) {
      case 'connected': {
        const key = nodeKey(m.node)
        this.connected.add(key)
        this.firstSeen.delete(key)
        this.dialed.set(m.url, 'connected')
        this.nextDial.delete(key)
        const d = new PhiAccrualFailureDetector(this.options.failureDetector)
        d.heartbeat(now)
        this.detectors.set(key, d)
        this.apply(this.table.setReachable(m.node, true))
        this.gossip()
        break
      }
      case 'dialFailed':
        this.dialed.set(m.url, m.failure)
        this.dialReasons.set(m.url, m.reason)
        if (m.failure === 'removed') this.log.error({ url: m.url, reason: m.reason }, 'a peer says this node run was removed from the cluster')
        else this.log.debug({ url: m.url, failure: m.failure, reason: m.reason }, 'dial failed')
        break
      case 'disconnected': {
        this.dropConnection(nodeKey(m.node))
        this.apply(this.table.setReachable(m.node, false))
        break
      }
      case 'heartbeat': {
        const key = nodeKey(m.node)
        this.detectors.get(key)?.heartbeat(now)
        this.rtt.set(key, m.rttMs)
        break
      }
      case 'gossip':
        this.heardFrom.add(nodeKey(m.from))
        this.apply(this.table.merge(m.members.map(fromPlain)))
        break
      case 'left':
        this.apply(this.table.setStatus(m.node, 'removed'))
        break
    }
    this.joinCheck?.()
  }

  /** What this node knew of its connection to a member (lost, or the member is gone). */
  private dropConnection(key: string): void {
    this.connected.delete(key)
    this.detectors.delete(key)
    this.firstSeen.delete(key)
    this.rtt.delete(key)
  }

  private onNetworkLost(error: Error): void {
    this.log.error({ err: error }, 'the network thread died: this node is cut off from the cluster')
    for (const m of this.table.members()) {
      if (!sameNode(m.node, this.system.node)) this.runtime.nodeLost(m.node, 'unreachable (the network thread died)')
    }
  }

  // ------------------------------------------------------------------ periodic work

  /** The up members when all of them were last reachable: what a partition is judged against. */
  private stable: StableMember[] = []
  /** Since when this node has been on the losing side of a partition (keep-majority). */
  private minoritySince: number | null = null
  private downedSelf = false

  /** Keep-majority (see split-brain.ts): true when this side may down the members it cannot reach. */
  private judgePartition(now: number): boolean {
    const self = this.table.get(this.system.node)
    if (self === undefined || self.status !== 'up') return true
    const live = this.table.members().filter((m) => m.status === 'up' || m.status === 'leaving')
    if (live.every((m) => m.reachable)) {
      this.stable = live.map((m) => ({ key: nodeKey(m.node), id: m.node.id, startedAt: m.startedAt }))
      this.minoritySince = null
      this.view.inMinority = false
      return true
    }
    const reachable = new Set(live.filter((m) => m.reachable).map((m) => nodeKey(m.node)))
    const decision = keepMajority(this.stable, (key) => reachable.has(key))
    if (decision !== 'downSelf') {
      this.minoritySince = null
      this.view.inMinority = false
      return true
    }
    this.minoritySince ??= now
    this.view.inMinority = true
    if (now - this.minoritySince >= this.options.downAfterMs) this.downSelf()
    return false
  }

  /** This node is on the losing side of a partition: it marks itself down and shuts down (its singletons stop). */
  private downSelf(): void {
    if (this.downedSelf) return
    this.downedSelf = true
    this.view.inMinority = true
    const reachable = this.table.members().filter((m) => m.reachable && (m.status === 'up' || m.status === 'leaving')).length
    this.log.error(
      { reachable, stable: this.stable.length, downAfterMs: this.options.downAfterMs },
      'split brain: this node sees no majority of the last stable membership; it downs itself and shuts down (restart it to rejoin)',
    )
    this.apply(this.table.setStatus(this.system.node, 'down'))
    void this.system.shutdown()
  }

  /** How long a member must stay unreachable before this node downs it. */
  private downAfter(key: string): number {
    // Members of the stable membership are downed only after the other side had time to down itself.
    return this.stable.some((m) => m.key === key) ? this.options.downAfterMs + this.options.downMarginMs : this.options.downAfterMs
  }

  private tick(): void {
    const now = performance.now()
    if (this.downedSelf) return
    const mayDown = this.judgePartition(now)
    for (const m of this.table.members()) {
      if (sameNode(m.node, this.system.node) || m.status === 'down' || m.status === 'removed') continue
      const key = nodeKey(m.node)
      const d = this.detectors.get(key)
      if (d !== undefined && this.connected.has(key)) {
        const available = d.isAvailable(now)
        if (available !== m.reachable) this.apply(this.table.setReachable(m.node, available))
      }
      if (!this.connected.has(key) && m.reachable) {
        // Never connected (or not since it was seen): it counts as unreachable once it had
        // downAfterMs to answer, so a member nobody can dial is eventually marked down.
        const seen = this.firstSeen.get(key) ?? now
        this.firstSeen.set(key, seen)
        if (now - seen >= this.options.downAfterMs) this.apply(this.table.setReachable(m.node, false))
      }
      const since = this.unreachableSince.get(key)
      if (mayDown && since !== undefined && now - since >= this.downAfter(key)) {
        this.log.warn({ node: key, unreachableMs: Math.round(now - since) }, 'member unreachable too long: marking it down')
        this.apply(this.table.setStatus(m.node, 'down'))
        continue
      }
      if (!this.connected.has(key)) this.dialMember(m.node, m.advertise)
    }
    // Alone: keep knocking at the seeds (a seed that started later joins us).
    if (this.connected.size === 0 && !this.leaving) {
      for (const u of this.seeds) if (!this.isSelfUrl(u)) this.dialUrl(u, u)
    }
  }

  private dialMember(node: NodeAddress, advertise: string): void {
    if (advertise === '' || this.leaving) return
    this.dialUrl(nodeKey(node), advertise)
  }

  private dialUrl(key: string, url: string): void {
    const now = performance.now()
    if ((this.nextDial.get(key) ?? 0) > now) return
    this.nextDial.set(key, now + Math.max(200, this.options.heartbeatIntervalMs))
    this.network?.dial(url)
  }

  /** How long down and removed members stay in the table (and in gossip) as tombstones. */
  private static readonly TOMBSTONE_MS = 5 * 60_000

  private gossip(): void {
    if (this.network === null || this.table === undefined) return
    this.table.prune(Date.now(), Cluster.TOMBSTONE_MS)
    this.network.gossip(this.table.gossip().map(toPlain))
  }

  // ------------------------------------------------------------------ membership changes

  private apply(events: MemberEvent[]): void {
    if (events.length === 0) return
    let ringMoved = false
    const now = performance.now()
    for (const e of events) {
      if (e.type === 'leaderChanged') {
        this.log.info({ leader: e.leader === null ? null : nodeKey(e.leader) }, 'leader changed')
        continue
      }
      const key = nodeKey(e.member.node)
      const self = sameNode(e.member.node, this.system.node)
      this.log.info({ node: key, status: e.member.status, reachable: e.member.reachable }, e.type)
      switch (e.type) {
        case 'memberUnreachable':
          if (!this.unreachableSince.has(key)) this.unreachableSince.set(key, now)
          break
        case 'memberReachable':
          this.unreachableSince.delete(key)
          break
        case 'memberUp':
          ringMoved = true
          break
        case 'memberDown':
        case 'memberLeft': {
          ringMoved = true
          this.unreachableSince.delete(key)
          if (self) {
            if (!this.leaving) this.log.error({}, `the cluster marked this node ${e.type === 'memberDown' ? 'down' : 'removed'}: it must restart to rejoin`)
            break
          }
          const reason = e.type === 'memberDown' ? 'down' : 'left the cluster'
          this.dropConnection(key)
          this.network?.forget(e.member.node, reason)
          this.runtime.nodeLost(e.member.node, reason)
          this.names.dropNode(e.member.node)
          break
        }
        default:
          break
      }
    }
    const update: MembershipUpdate = { members: this.table.members().map(publicMember), leader: this.table.leader(), events }
    this.view.apply(update)
    this.runtime.broadcast(MEMBERSHIP_TOPIC, update)
    if (ringMoved && this.names.rebuild()) this.names.reannounce()
    this.gossip()
  }

  // ------------------------------------------------------------------ remote spawn

  private resolveNode(n: string | NodeAddress): NodeAddress | undefined {
    const self = this.system.node
    if (typeof n === 'string' ? n === self.id : sameNode(n, self)) return undefined
    const matches = this.table
      .members()
      .filter((m) => (typeof n === 'string' ? m.node.id === n : sameNode(m.node, n)) && m.status !== 'down' && m.status !== 'removed')
    const found = matches[matches.length - 1]
    if (found === undefined) {
      throw new ActorRefError('NodeUnreachable', `no member ${typeof n === 'string' ? n : nodeKey(n)} in the cluster`)
    }
    return found.node
  }

  private async spawnOn(node: NodeAddress, type: ActorClass, options: SpawnOptions): Promise<RefAddress> {
    const typeName = actorTypeName(type)
    const agent = this.agentOf(node)
    return agent.askWith({ timeoutMs: Math.max(this.system.options.askTimeoutMs, 10_000) }, 'spawn', typeName, options)
  }

  private async spawnHere(typeName: string, options: SpawnOptions): Promise<RefAddress> {
    const type = actorTypeByName(typeName)
    if (type === undefined) {
      throw new ActorRefError('NotSupported', `actor type ${typeName} is not registered on node ${this.system.node.id}: call registerActors(import.meta.url, ${typeName}) in its module, on every node`, {
        actorType: typeName,
      })
    }
    const ref = await this.system.spawn(type, options as SpawnOptions<ActorClass>)
    return addressOf(ref)
  }

  private agentOf(node: NodeAddress): ActorRef<ClusterAgent> {
    return this.runtime.refFor({ node, thread: 0, id: AGENT_ID, actorType: actorTypeName(ClusterAgent), path: AGENT_ID }) as ActorRef<ClusterAgent>
  }

  // ------------------------------------------------------------------ reports

  /** Every member with its connection facts, for `GET /cluster/nodes`. */
  async nodes(): Promise<NodeReport[]> {
    return this.nodesFrom(await this.networkStats())
  }

  /**
   * The members and the network thread's counters from one statistics round trip, for a
   * `/metrics` scrape (`network` is null when the network thread did not answer).
   */
  async snapshot(): Promise<{ nodes: NodeReport[]; network: NetworkStats | null }> {
    const network = await this.networkStats()
    return { nodes: this.nodesFrom(network), network }
  }

  private nodesFrom(stats: NetworkStats | null): NodeReport[] {
    const leader = this.table.leader()
    const now = performance.now()
    return this.table.members().map((m) => {
      const key = nodeKey(m.node)
      const self = sameNode(m.node, this.system.node)
      const peer = stats?.peers.find((p) => sameNode(p.node, m.node))
      return {
        id: m.node.id,
        incarnation: m.node.incarnation,
        address: m.advertise,
        status: m.status,
        reachable: m.reachable,
        leader: leader !== null && sameNode(leader, m.node),
        self,
        startedAt: m.startedAt,
        lastHeartbeatAt: peer?.lastHeartbeatAt ?? null,
        latencyMs: self ? 0 : (this.rtt.get(key) ?? null),
        phi: self ? 0 : (this.detectors.get(key)?.phi(now) ?? null),
      }
    })
  }

  /** The network thread's counters (per peer: bytes, frames, messages, connection states). */
  networkStats(): Promise<NetworkStats | null> {
    return this.network === null ? Promise.resolve(null) : this.network.stats().catch(() => null)
  }
}

function toPlain(m: GossipMember): PlainMember {
  return { node: m.node, advertise: m.advertise, status: m.status, startedAt: m.startedAt }
}

function fromPlain(m: PlainMember): GossipMember {
  return { node: m.node, advertise: m.advertise, status: m.status, startedAt: m.startedAt }
}
