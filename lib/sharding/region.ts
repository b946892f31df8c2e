/**
 * `ShardRegion`: one entity type on one node's main thread. It routes every message for an
 * entity: to the entity when this node hosts its shard, to the region that hosts it (relay id
 * `$entity-at:`), or into the shard's buffer while the shard has no known, reachable home or is
 * moving. It asks the coordinator (a cluster singleton) for homes, hosts the shards the
 * coordinator gives it (shard.ts), hands them off on request, passivates idle entities, and on
 * a graceful leave hands every shard it hosts to the other nodes first.
 */
import { nodeKey, sameNode, type NodeAddress } from '../actor/address.js'
import { actorTypeName, handlerNamesOf, type Actor } from '../actor/actor.js'
import type { ActorDescription } from '../actor/describe.js'
import { ActorRefError, type ActorErrorCode } from '../actor/errors.js'
import { ActorRef } from '../actor/ref.js'
import type { ActorSystem } from '../actor/system.js'
import type { MessageTarget, TerminationListener } from '../actor/target.js'
import type { ActorClass, AskOptions } from '../actor/types.js'
import { MessageBuffer } from '../cluster/message-buffer.js'
import type { ClusterView } from '../cluster/view.js'
import { acquireStorage, type StorageLease } from '../persistence/registry.js'
import type { MainRuntime } from '../runtime/main-runtime.js'
import type { Logger } from '../util/logger.js'
import { ShardCoordinator, type CoordinatorStatus, type RebalanceResult } from './coordinator.js'
import { shardOf } from './hash.js'
import { coordinatorName, entityActorId, entityIdIn, entityRefFamily, entityRefId, entityRelayFamily, entityRelayId, rememberedId } from './ids.js'
import type { ResolvedShardingOptions } from './options.js'
import { bindRegionEndpoint, type RegionStats } from './region-agent.js'
import { RememberedEntities } from './remember.js'
import { LocalShard, type EntityRecord } from './shard.js'

/** How often the region re-asks for homes it waits for, and sweeps for idle entities (at most). */
const TICK_MS = 1000
/** A home request unanswered this long is sent again (the coordinator may have moved). */
const REQUEST_RETRY_MS = 2000

/** One shard as this region knows it. */
interface Slot {
  /** Where the shard lives, as the coordinator last said; null while unknown. */
  home: NodeAddress | null
  /** The shard, when this node hosts it. */
  local: LocalShard | null
  /** Messages waiting for a home. */
  buffer: MessageBuffer | null
  /** A handoff of this shard is under way: hold its messages. */
  handoff: boolean
  /** When the handoff began here (performance.now()). */
  handoffSince: number
  /** When this region last asked for the home (performance.now()); 0 when not waiting. */
  requestedAt: number
}

/** Counters this region keeps for metrics. */
export interface RegionCounters {
  handoffs: number
  handoffsRolledBack: number
  passivated: number
  dropped: number
}

/**
 * The region of one entity type on this node, as `system.sharding.register()` returns it:
 * `ref(entityId)` gives a ref to an entity wherever it lives.
 */
export interface ShardRegionApi<A extends Actor> {
  /** The entity type's name (its class's `actorType` or name). */
  readonly typeName: string
  /** Shards of this type. */
  readonly shards: number
  /**
   * A ref to entity `entityId`, usable from this thread, and sendable to any thread or node in
   * messages. The entity starts on its first message, on the node its shard lives on.
   */
  ref(entityId: string): ActorRef<A>
  /** The shard of `entityId`. */
  shardOf(entityId: string): number
  /**
   * Asks the coordinator to rebalance now; resolves when the moves it started have finished
   * (moved, or rolled back). Main thread only.
   */
  rebalance(): Promise<RebalanceResult>
  /** Where every shard lives and which handoffs are under way, as the coordinator knows it. Main thread only. */
  status(): Promise<CoordinatorStatus>
}

export class ShardRegion<A extends Actor = Actor> implements ShardRegionApi<A> {
  readonly typeName: string
  readonly shards: number
  readonly log: Logger
  readonly self: NodeAddress
  readonly counters: RegionCounters = { handoffs: 0, handoffsRolledBack: 0, passivated: 0, dropped: 0 }
  /** A coarse clock (performance.now() at the last tick or message burst) for passivation. */
  clock = performance.now()
  private readonly slots: (Slot | undefined)[]
  private readonly handlers: ReadonlySet<string>
  private readonly view: ClusterView
  private readonly unreachable = new Set<string>()
  private readonly coordinator: ActorRef<ShardCoordinator>
  /** Entities of this type on this node, and their use order when `maxActivePerNode` is set. */
  private active = 0
  private readonly lru = new Set<EntityRecord>()
  private tick: NodeJS.Timeout | null = null
  private lease: StorageLease | null = null
  private readonly offs: (() => void)[] = []
  private readonly rebalanceWaiters = new Map<number, (r: RebalanceResult) => void>()
  private leaveWaiter: (() => void) | null = null
  private requestSeq = 0
  private leaving = false
  private closed = false

  constructor(
    readonly system: ActorSystem,
    readonly type: ActorClass,
    readonly options: ResolvedShardingOptions,
  ) {
    this.typeName = actorTypeName(type)
    this.shards = options.shards
    this.log = system.host.logger
    this.self = system.node
    this.view = system.cluster
    this.handlers = handlerNamesOf(type)
    this.slots = new Array<Slot | undefined>(options.shards)
    this.coordinator = system.singleton(ShardCoordinator, { name: coordinatorName(this.typeName), args: [this.typeName], bufferSize: 100_000 })
  }

  /** Registers this node's region endpoint, answers the type's entity ids, follows the membership and registers with the coordinator. */
  start(): void {
    this.offs.push(bindRegionEndpoint(this))
    const host = this.system.host
    host.addForwarderFamily(entityRefFamily(this.typeName), (id) => this.ref(entityIdIn(id)) as ActorRef)
    host.addForwarderFamily(entityRelayFamily(this.typeName), (id) => new ActorRef(new EntityTarget(this, entityIdIn(id), true)))
    this.offs.push(
      this.view.on('memberUnreachable', (m) => this.unreachable.add(nodeKey(m.node))),
      this.view.on('memberReachable', (m) => {
        this.unreachable.delete(nodeKey(m.node))
        this.flushHomedAt(m.node)
      }),
      this.view.on('memberDown', (m) => this.nodeGone(m.node)),
      this.view.on('memberLeft', (m) => this.nodeGone(m.node)),
    )
    this.tick = setInterval(() => this.onTick(), this.tickMs())
    this.tick.unref()
    void this.register()
  }

  private tickMs(): number {
    return this.options.idleMs > 0 ? Math.max(10, Math.min(TICK_MS, Math.floor(this.options.idleMs / 4))) : TICK_MS
  }

  /** Tells the coordinator this region exists (and whether it hosts), until it answers. */
  private async register(): Promise<void> {
    while (!this.closed) {
      try {
        await this.coordinator.askWith({ timeoutMs: 5000 }, 'register', this.self, this.options.proxyOnly || this.leaving, this.shards)
        return
      } catch (e) {
        if (this.closed) return
        this.log.debug({ entityType: this.typeName, err: e }, 'sharding: registering with the coordinator failed; trying again')
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  // ------------------------------------------------------------------ refs and routing

  ref(entityId: string): ActorRef<A> {
    checkEntityId(this.typeName, entityId)
    return new ActorRef(new EntityTarget(this, entityId, false)) as unknown as ActorRef<A>
  }

  shardOf(entityId: string): number {
    return shardOf(entityId, this.shards)
  }

  /** @internal Checks a handler name as the entity class would. */
  checkHandler(entityId: string, handler: string): void {
    if (this.closed) throw this.error('SystemShutdown', 'the actor system is shut down', entityId, handler)
    if (!this.handlers.has(handler)) throw this.error('NotSupported', `${this.typeName} has no handler '${String(handler)}'`, entityId, handler)
  }

  /**
   * @internal Where a message for `entityId` goes now. `relayed`: it came from another region
   * that believed this node hosts the shard; if it does not, the message waits for a fresh home
   * from the coordinator instead of being relayed again on stale news.
   */
  route(entityId: string, relayed: boolean, shard = shardOf(entityId, this.shards)): MessageTarget | MessageBuffer {
    const slot = this.slot(shard)
    if (!slot.handoff) {
      if (slot.local !== null && slot.local.state !== 'handingOff') return slot.local.targetFor(entityId)
      if (slot.home !== null && !relayed && !sameNode(slot.home, this.self) && (this.unreachable.size === 0 || !this.unreachable.has(nodeKey(slot.home)))) {
        return this.relayTo(slot.home, entityId)
      }
    }
    if (relayed && slot.local === null && !slot.handoff) slot.home = null
    slot.buffer ??= this.shardBuffer(shard)
    if (!slot.handoff && slot.home === null) this.requestHome(shard, slot)
    return slot.buffer
  }

  private relayTo(node: NodeAddress, entityId: string): MessageTarget {
    const id = entityRelayId(this.typeName, entityId)
    return (this.system.runtime as MainRuntime).remoteTargetFor({ node, thread: 0, id, actorType: this.typeName, path: id })
  }

  private slot(shard: number): Slot {
    let s = this.slots[shard]
    if (s === undefined) {
      s = { home: null, local: null, buffer: null, handoff: false, handoffSince: 0, requestedAt: 0 }
      this.slots[shard] = s
    }
    return s
  }

  private requestHome(shard: number, slot: Slot): void {
    if (slot.requestedAt !== 0 || this.closed) return
    slot.requestedAt = performance.now()
    try {
      this.coordinator.tell('requestHome', shard, this.self)
    } catch (e) {
      // The coordinator's buffer is full or the system stops: the tick asks again.
      this.log.debug({ entityType: this.typeName, shard, err: e }, 'sharding: could not ask for a shard home')
    }
  }

  /** Releases a shard's held messages to wherever they go now. */
  private flush(slot: Slot): void {
    const held = slot.buffer
    if (held === null || held.length === 0) return
    slot.buffer = null
    this.rerouteHeld(held)
  }

  private flushHomedAt(node: NodeAddress): void {
    for (const slot of this.slots) if (slot !== undefined && slot.home !== null && sameNode(slot.home, node)) this.flush(slot)
  }

  /** True when this node's view has `node` down or removed. */
  private isGone(node: NodeAddress): boolean {
    const m = this.view.members().find((x) => sameNode(x.node, node))
    return m !== undefined && (m.status === 'down' || m.status === 'removed')
  }

  /** A member is down or left: homes there are void; held messages ask again. */
  private nodeGone(node: NodeAddress): void {
    this.unreachable.delete(nodeKey(node))
    for (let shard = 0; shard < this.slots.length; shard++) {
      const slot = this.slots[shard]
      if (slot === undefined || slot.home === null || !sameNode(slot.home, node)) continue
      slot.home = null
      slot.requestedAt = 0
      if (slot.buffer !== null && slot.buffer.length > 0) this.requestHome(shard, slot)
    }
  }

  private shardBuffer(shard: number): MessageBuffer {
    return this.heldBuffer(this.options.bufferSize, `shard ${shard} of ${this.typeName} had no reachable home`, `shard ${shard}`)
  }

  /** @internal A buffer for one entity while it starts or stops (at least one message: the one that starts it). */
  entityBuffer(entityId: string): MessageBuffer {
    return this.heldBuffer(Math.max(this.options.bufferSize, 1), `entity ${entityId} of ${this.typeName} was starting or stopping`, entityId)
  }

  /** A bounded buffer whose errors name `entityId` (or the shard) of this type. */
  private heldBuffer(capacity: number, waitingFor: string, entityId: string): MessageBuffer {
    return new MessageBuffer({
      capacity,
      askTimeoutMs: this.system.options.askTimeoutMs,
      waitingFor,
      error: (code, message, handler) => this.error(code, message, entityId, handler),
      onDropped: (handler, error) => this.dropped(handler, error),
    })
  }

  private dropped(handler: string, error: unknown): void {
    this.counters.dropped++
    this.log.warn({ entityType: this.typeName, handler, err: error }, 'sharding: a held tell could not be delivered')
  }

  /** @internal Releases held messages through the routing (a shard's, or an entity's whose shard is being handed off: they follow the shard). */
  rerouteHeld(held: MessageBuffer): void {
    held.releaseTo((entityId) => this.route(entityId, false))
  }

  private error(code: ActorErrorCode, message: string, entityId: string, handler?: string): ActorRefError {
    return new ActorRefError(code, message, { actorId: entityRefId(this.typeName, entityId), actorType: this.typeName, ...(handler !== undefined ? { handler } : {}) })
  }

  // ------------------------------------------------------------------ entities on this node

  /** @internal Starts the actor of `entityId` here (spread over the workers when its class is registered). */
  spawnEntity(entityId: string): Promise<ActorRef> {
    return this.system.spawn(this.type, { id: entityActorId(this.typeName, entityId), args: this.options.entityArgs(entityId) as never })
  }

  /** @internal */
  touch(rec: EntityRecord): void {
    rec.lastUsed = this.clock
    if (this.options.maxActivePerNode > 0) {
      this.lru.delete(rec)
      this.lru.add(rec)
    }
  }

  /** @internal A new entity record: count it, and make room under `maxActivePerNode`. */
  entityAdded(rec: EntityRecord): void {
    this.active++
    if (this.options.maxActivePerNode > 0) {
      this.lru.add(rec)
      this.makeRoom(rec)
    }
  }

  /** @internal An entity finished starting: the ones started meanwhile may be over the limit now. */
  entityActivated(rec: EntityRecord): void {
    if (this.options.maxActivePerNode > 0) this.makeRoom(rec)
  }

  /** Passivates the least recently used running entities (never `keep`) while over `maxActivePerNode`. */
  private makeRoom(keep: EntityRecord): void {
    const max = this.options.maxActivePerNode
    for (const victim of this.lru) {
      if (this.active - this.stoppingCount <= max) break
      if (victim !== keep && victim.state === 'active') this.passivate(victim)
    }
  }

  /** Entities passivated and not yet stopped. */
  private stoppingCount = 0

  private passivate(rec: EntityRecord): void {
    this.counters.passivated++
    this.stoppingCount++
    rec.shard.stopEntity(rec, 'passivate')
  }

  /** @internal */
  entityRemoved(rec: EntityRecord): void {
    this.active--
    this.lru.delete(rec)
  }

  /** @internal An entity finished stopping. */
  stoppedEntity(rec: EntityRecord): void {
    if (rec.stopReason === 'passivate') this.stoppingCount--
  }

  private onTick(): void {
    this.clock = performance.now()
    const now = this.clock
    for (let shard = 0; shard < this.slots.length; shard++) {
      const slot = this.slots[shard]
      if (slot === undefined) continue
      // A home asked for long ago and never answered: the coordinator may have moved; ask again.
      if (slot.requestedAt !== 0 && now - slot.requestedAt > REQUEST_RETRY_MS) {
        slot.requestedAt = 0
        if (slot.buffer !== null && slot.buffer.length > 0 && !slot.handoff) this.requestHome(shard, slot)
      }
      // A handoff whose end never reached this region (its shardHome was lost with a connection,
      // or the coordinator went): ask; the coordinator answers once the shard has a home.
      if (slot.handoff && slot.local === null && slot.buffer !== null && slot.buffer.length > 0 && now - slot.handoffSince > this.options.handoffTimeoutMs + REQUEST_RETRY_MS) {
        this.requestHome(shard, slot)
      }
      if (this.options.idleMs > 0 && slot.local !== null && slot.local.state === 'active') {
        for (const rec of slot.local.entities.values()) {
          if (rec.state === 'active' && now - rec.lastUsed >= this.options.idleMs) this.passivate(rec)
        }
      }
    }
  }

  // ------------------------------------------------------------------ the coordinator's requests (region agent)

  /** @internal The coordinator says where `shard` lives. */
  onHome(shard: number, node: NodeAddress): void {
    const slot = this.slot(shard)
    slot.handoff = false
    if (!sameNode(node, this.self) && this.isGone(node)) {
      // Stale news: the coordinator had not yet heard that the node is down (each node's view
      // changes on its own time). Taking it would relay to a dead node for good, since its
      // memberDown already passed here: hold the messages and let the tick ask again.
      slot.home = null
      slot.requestedAt = performance.now()
      this.log.debug({ entityType: this.typeName, shard, home: nodeKey(node) }, 'sharding: told a shard lives on a node that is down; asking again')
      return
    }
    slot.requestedAt = 0
    slot.home = node
    if (!sameNode(node, this.self) && slot.local !== null) {
      // Only after this node handed the shard off does the coordinator place it elsewhere.
      this.log.error({ entityType: this.typeName, shard, home: nodeKey(node) }, 'sharding: told a shard this node hosts lives elsewhere; keeping it local')
      slot.home = this.self
    }
    this.flush(slot)
  }

  /** @internal The coordinator's view of every home (a new coordinator, once it knows them all). */
  onHomes(homes: readonly [number, NodeAddress][]): void {
    const known = new Set<number>()
    for (const [shard, node] of homes) {
      known.add(shard)
      this.onHome(shard, node)
    }
    for (let shard = 0; shard < this.slots.length; shard++) {
      const slot = this.slots[shard]
      if (slot === undefined || known.has(shard) || slot.local !== null) continue
      // A handoff the previous coordinator began and never finished: the shard has no home now.
      slot.handoff = false
      slot.home = null
      slot.requestedAt = 0
      if (slot.buffer !== null && slot.buffer.length > 0) this.requestHome(shard, slot)
    }
  }

  /** @internal A handoff of `shard` begins: hold its messages here. */
  beginHandoff(shard: number): void {
    const slot = this.slot(shard)
    if (slot.local === null) this.holdForHandoff(slot)
  }

  private holdForHandoff(slot: Slot): void {
    if (!slot.handoff) slot.handoffSince = performance.now()
    slot.handoff = true
  }

  /** @internal Hand `shard` off: stop its entities (after their queued messages) and store pending writes. */
  async handOff(shard: number): Promise<boolean> {
    const slot = this.slot(shard)
    const local = slot.local
    this.holdForHandoff(slot)
    if (local === null) return true
    await local.handOff()
    // Rolled back meanwhile (the coordinator gave up and resumed the shard here): keep it.
    if (local.state !== 'handingOff') return false
    slot.local = null
    slot.home = null
    this.counters.handoffs++
    this.log.info({ entityType: this.typeName, shard }, 'sharding: shard handed off')
    return true
  }

  /** True once a graceful leave began: this node takes no new shards. */
  get isLeaving(): boolean {
    return this.leaving
  }

  /** @internal Host `shard` here (a new allocation, or a rolled-back handoff; never a new one while leaving). */
  async startShard(shard: number): Promise<boolean> {
    if (this.options.proxyOnly || this.closed) return false
    const slot = this.slot(shard)
    if (this.leaving && slot.local === null) return false
    if (slot.local !== null) {
      if (slot.local.state === 'handingOff') {
        this.counters.handoffsRolledBack++
        this.log.warn({ entityType: this.typeName, shard }, 'sharding: handoff rolled back; the shard stays here')
      }
      slot.local.resume()
    } else {
      const local = new LocalShard(this, shard, await this.rememberedFor(shard))
      slot.local = local
      try {
        await local.start()
      } catch (e) {
        slot.local = null
        throw e
      }
    }
    slot.home = this.self
    slot.handoff = false
    slot.requestedAt = 0
    this.flush(slot)
    return true
  }

  private async rememberedFor(shard: number): Promise<RememberedEntities | null> {
    if (!this.options.rememberEntities) return null
    this.lease ??= await acquireStorage(this.system, this.system.options.persistence.storage, this.log)
    return new RememberedEntities(this.lease.storage, rememberedId(this.typeName, shard))
  }

  /** @internal The shards this node hosts; a handoff under way is waited for (or rolled back past its timeout). */
  async hosted(): Promise<number[]> {
    const out: number[] = []
    for (let shard = 0; shard < this.slots.length; shard++) {
      const local = this.slots[shard]?.local
      if (local === undefined || local === null) continue
      if (local.state === 'handingOff') {
        let timer: NodeJS.Timeout | undefined
        const done = await Promise.race([local.handOff().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.options.handoffTimeoutMs)))])
        clearTimeout(timer)
        if (done && local.state === 'handingOff') {
          const slot = this.slot(shard)
          slot.local = null
          slot.home = null
          continue
        }
        local.resume()
      }
      out.push(shard)
    }
    return out
  }

  /** @internal What this region holds, for the HTTP API and metrics. */
  stats(): RegionStats {
    let shards = 0
    let buffered = 0
    let entities = 0
    for (const slot of this.slots) {
      if (slot === undefined) continue
      if (slot.local !== null) {
        shards++
        entities += slot.local.entities.size
        for (const rec of slot.local.entities.values()) buffered += rec.buffer?.length ?? 0
      }
      buffered += slot.buffer?.length ?? 0
    }
    return { node: this.self, shards, entities, buffered, proxyOnly: this.options.proxyOnly, ...this.counters }
  }

  /** @internal The coordinator finished the rebalance this region asked for. */
  rebalanceDone(requestId: number, result: RebalanceResult): void {
    this.rebalanceWaiters.get(requestId)?.(result)
    this.rebalanceWaiters.delete(requestId)
  }

  /** @internal The coordinator moved every shard off this leaving node. */
  leaveDone(): void {
    this.leaveWaiter?.()
  }

  // ------------------------------------------------------------------ API

  rebalance(): Promise<RebalanceResult> {
    const id = ++this.requestSeq
    return new Promise<RebalanceResult>((resolve, reject) => {
      this.rebalanceWaiters.set(id, resolve)
      this.coordinator.ask('rebalance', id, this.self).catch((e: unknown) => {
        this.rebalanceWaiters.delete(id)
        reject(e)
      })
    })
  }

  status(): Promise<CoordinatorStatus> {
    return this.coordinator.ask('status')
  }

  /**
   * A graceful leave: the coordinator moves every shard this node hosts to the others (handoff
   * protocol) before the node goes; waits at most `handoffTimeoutMs` + 5 s.
   */
  async leave(): Promise<void> {
    if (this.leaving || this.closed) return
    this.leaving = true
    if (this.options.proxyOnly || !this.slots.some((s) => s?.local != null)) {
      this.coordinator.tell('regionLeaving', this.self)
      return
    }
    const done = new Promise<void>((resolve) => (this.leaveWaiter = resolve))
    const limit = this.options.handoffTimeoutMs + 5000
    let timer: NodeJS.Timeout | undefined
    try {
      await this.coordinator.askWith({ timeoutMs: limit }, 'regionLeaving', this.self)
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, limit)))])
    } catch (e) {
      this.log.warn({ entityType: this.typeName, err: e }, 'sharding: the coordinator did not move this node\'s shards before it left')
    } finally {
      clearTimeout(timer)
    }
  }

  /** The system stops: rejects held messages, stops following the membership. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.tick !== null) clearInterval(this.tick)
    for (const off of this.offs) off()
    this.system.host.removeForwarderFamily(entityRefFamily(this.typeName))
    this.system.host.removeForwarderFamily(entityRelayFamily(this.typeName))
    for (const slot of this.slots) slot?.buffer?.rejectAll('SystemShutdown', 'the actor system is shut down')
    for (const w of this.rebalanceWaiters.values()) w({ moved: 0, rolledBack: 0, durationMs: 0 })
    this.rebalanceWaiters.clear()
    this.leaveWaiter?.()
    this.lease?.release()
    this.lease = null
  }
}

/** @internal Throws `InvalidArgument` unless `entityId` is a non-empty string (every region's `ref`). */
export function checkEntityId(type: string, entityId: unknown): void {
  if (typeof entityId !== 'string' || entityId.length === 0) {
    throw new ActorRefError('InvalidArgument', `an entity id must be a non-empty string (got ${JSON.stringify(entityId)})`, { actorType: type })
  }
}

/**
 * What a ref from `region.ref(id)` talks to (and what this node answers a relayed message
 * with): every message goes through the region's routing.
 */
export class EntityTarget implements MessageTarget {
  readonly thread = 0
  /** The entity's shard, computed once per ref. */
  private readonly shard: number

  constructor(
    private readonly region: ShardRegion,
    readonly entityId: string,
    private readonly relayed: boolean,
  ) {
    this.shard = region.shardOf(entityId)
  }

  get id(): string {
    return entityRefId(this.region.typeName, this.entityId)
  }

  get path(): string {
    return this.id
  }

  get actorType(): string {
    return this.region.typeName
  }

  get node(): NodeAddress {
    return this.region.self
  }

  get alive(): boolean {
    return !this.region.system.isShutdown
  }

  tell(handler: string, args: unknown[]): void {
    this.region.checkHandler(this.entityId, handler)
    const to = this.region.route(this.entityId, this.relayed, this.shard)
    if (to instanceof MessageBuffer) to.tell(handler, args, this.entityId)
    else to.tell(handler, args)
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    try {
      this.region.checkHandler(this.entityId, handler)
      const to = this.region.route(this.entityId, this.relayed, this.shard)
      return to instanceof MessageBuffer ? to.send(handler, args, this.entityId) : to.send(handler, args, timeoutMs)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    try {
      this.region.checkHandler(this.entityId, handler)
      const to = this.region.route(this.entityId, this.relayed, this.shard)
      return to instanceof MessageBuffer ? to.ask(handler, args, options, this.entityId) : to.ask(handler, args, options)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** An entity runs while its shard does: it stops itself (`ctx.stop()`), or is passivated. */
  stop(): Promise<void> {
    return Promise.reject(
      new ActorRefError('NotSupported', 'a sharded entity cannot be stopped through its ref: it stops itself (ctx.stop()) or is passivated', {
        actorId: this.id,
        actorType: this.actorType,
      }),
    )
  }

  addWatcher(_listener: TerminationListener): void {
    throw new ActorRefError('NotSupported', 'a sharded entity cannot be watched through its region ref (it moves between nodes)', { actorId: this.id, actorType: this.actorType })
  }

  removeWatcher(_listener: TerminationListener): void {}

  describe(): Promise<ActorDescription> {
    return Promise.resolve({
      id: this.id,
      path: this.id,
      actorType: this.actorType,
      status: this.alive ? 'running' : 'stopped',
      tracked: true,
      mailboxSize: 0,
      thread: 'main',
      childCount: 0,
      children: [],
    })
  }
}
