/**
 * `MainRuntime`: the runtime of the main thread, the facade `ActorSystem` talks to
 * (`SystemRuntime`). It places spawns (choosing the thread, recording the actor in the id
 * directory, building it there), answers workers' control requests, and answers lookups and
 * tree walks. Its parts: the id directory (actor-directory.ts), the worker threads
 * (main-workers.ts), worker recovery (worker-recovery.ts) and status and metrics
 * (runtime-stats.ts).
 */
import type { MessageTarget } from '../actor/target.js'
import type { ActorCell } from '../actor/cell.js'
import type { ActorDescription, DescribeOptions } from '../actor/describe.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import type { MetricsSnapshot } from '../actor/metrics.js'
import type { NodeAddress } from '../actor/address.js'
import type { ResolvedSystemOptions } from '../actor/options.js'
import type { ActorRef } from '../actor/ref.js'
import type { RuntimeStatus, SystemRuntime } from '../actor/runtime-api.js'
import { pathOf, recordedOn, placeRecord, type PlacedSpawnRecord, type SpawnRecord } from '../actor/spawn-record.js'
import type { SpawnOptions } from '../actor/system.js'
import type { ActorClass } from '../actor/types.js'
import { PlacementTable, type ActorDirectory, type DirectoryEntry } from './actor-directory.js'
import { locate, moduleOf } from './actor-modules.js'
import { BlockingPool } from './blocking.js'
import { MainWorkers, type NetworkThreadSpec } from './main-workers.js'
import type { WorkerToMain } from './messages.js'
import { checkPlacement, pickWorker, type Placement } from './placement.js'
import { RuntimeStats } from './runtime-stats.js'
import { encodeForTransfer } from './spawn-transfer.js'
import type { FrameLink } from './transport/link.js'
import type { RefAddress } from './transport/codec.js'
import { spawnFromRecord, type ThreadNode } from './thread-node.js'
import { WorkerRecovery } from './worker-recovery.js'

/**
 * What a cluster adds to placement and lookup (set by lib/cluster; null on a lone node): named
 * top-level actors registered cluster-wide, lookups that reach other nodes, spawns on another
 * node.
 */
export interface ClusterHooks {
  /** Is `node` another node than this one (and which)? Undefined: this node. */
  resolveNode(node: string | NodeAddress): NodeAddress | undefined
  /** Spawns on another node by type name; resolves with the new actor's address. */
  spawnOn(node: NodeAddress, type: ActorClass, options: SpawnOptions): Promise<RefAddress>
  /** Registers a name with its owner before the actor starts; rejects with `AlreadyExists` or `NodeUnreachable`. */
  register(address: RefAddress): Promise<void>
  /** The actor of that name stopped (or did not start). */
  unregister(address: RefAddress): void
  /** Finds a name on other nodes. */
  lookup(id: string): Promise<RefAddress | undefined>
}

/** The main thread's handle on the network thread: its control channel. */
export interface NetworkThreadHandle {
  readonly thread: number
  request<T>(m: { t: string }): Promise<T>
  post(m: { t: string }): void
}

/**
 * The thread a spawn goes to when that needs no worker: the main thread when asked, else the
 * parent's thread for a child or a class no worker can load. Undefined: a worker, chosen by
 * `MainRuntime.chooseThread`.
 */
function threadAtOnce(placement: Placement | undefined, parent: RefAddress | null, loadable: boolean): number | undefined {
  if (placement === 'main') return 0
  if (placement === undefined && (parent !== null || !loadable)) return parent?.thread ?? 0
  return undefined
}

export class MainRuntime implements SystemRuntime {
  /** Which thread hosts each top-level or named actor. */
  private readonly directory: ActorDirectory = new PlacementTable()
  private readonly workers: MainWorkers
  private readonly stats: RuntimeStats
  private readonly recovery: WorkerRecovery
  private blocking: BlockingPool | null = null
  private closing = false
  /** @internal Set by the cluster module when the system joins a cluster. */
  cluster: ClusterHooks | null = null
  private readonly workerLostListeners = new Set<(thread: number) => void>()

  constructor(
    private readonly host: ActorHost,
    private readonly options: ResolvedSystemOptions,
  ) {
    host.onReleased = (cell) => this.release(cell.id, 0)
    this.workers = new MainWorkers(host, options, {
      onMessage: (thread, m) => this.onWorkerMessage(thread, m),
      onLost: (thread, error) => {
        for (const l of this.workerLostListeners) l(thread)
        void this.recovery.onWorkerLost(thread, error)
      },
    })
    this.stats = new RuntimeStats(host, options, this.workers)
    this.recovery = new WorkerRecovery({
      host,
      workers: this.workers,
      directory: this.directory,
      stats: this.stats,
      closing: () => this.closing,
      spawnOnWorker: (thread, record) => this.spawnOnWorker(thread, record),
    })
  }

  /** This thread's place in the ring mesh, once the workers started (tests reach its router here). */
  private get node(): ThreadNode | null {
    return this.workers.node
  }

  // ------------------------------------------------------------------ spawning

  spawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): Promise<ActorRef> {
    try {
      if (options !== null && typeof options === 'object' && options.node !== undefined) {
        const elsewhere = this.otherNode(type, options.node, parent)
        if (elsewhere !== undefined) {
          const { node: _node, ...rest } = options
          this.host.prepareSpawn(type, rest, null)
          return (this.cluster as ClusterHooks).spawnOn(elsewhere, type, rest).then((address) => this.refFor(address))
        }
      }
      const record = this.host.prepareSpawn(type, options, parent)
      const placementProblem = checkPlacement(record.placement, this.options.workers)
      if (placementProblem !== null) throw new ActorRefError('InvalidArgument', placementProblem, { actorType: record.actorType })
      const wantsWorker = record.placement === 'worker' || typeof record.placement === 'number'
      const autoWorker =
        record.placement === undefined && parent === null && this.options.workers > 0 && moduleOf(type) !== undefined
      return this.place(wantsWorker || autoWorker ? { ...record, location: locate(type) } : record, type, parent)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** The other node a spawn asks for, or undefined for this one. */
  private otherNode(type: ActorClass, node: string | NodeAddress, parent: ActorCell | null): NodeAddress | undefined {
    if (this.cluster === null) {
      if (typeof node === 'string' ? node === this.host.node.id : node?.id === this.host.node.id && node.incarnation === this.host.node.incarnation) return undefined
      throw new ActorRefError('NotSupported', 'spawn on another node needs a system started with `cluster`', { actorType: type.name })
    }
    const other = this.cluster.resolveNode(node)
    if (other !== undefined && parent !== null) {
      throw new ActorRefError('InvalidArgument', 'a child lives on its parent\'s node: `node` is for top-level spawns', { actorType: type.name })
    }
    return other
  }

  /** The address a named top-level actor registers with the cluster under; null on a lone node or for system actors. */
  private clusterAddress(placed: PlacedSpawnRecord, thread: number): RefAddress | null {
    if (this.cluster === null || !placed.tracked || placed.parent !== null || placed.id.startsWith('$')) return null
    return { node: this.host.node, thread, id: placed.id, actorType: placed.actorType, path: placed.id }
  }

  /**
   * Chooses the thread, records the actor, and builds it there. `type` is the class when in
   * hand (else it is loaded from the record's location); `parentCell` the parent when it is a
   * cell of this thread. Each step waits only when it must (starting workers, a worker's late
   * release of the same id, a cluster registration, a worker's answer): an anonymous spawn on
   * this thread, the common case, takes no turn before its ref is ready.
   */
  private place(record: SpawnRecord, type: ActorClass | null, parentCell: ActorCell | null): Promise<ActorRef> {
    const thread = threadAtOnce(record.placement, record.parent, record.location !== null)
    if (thread === undefined) {
      return this.chooseThread(record.placement).then((chosen) => this.placeOn(chosen, record, type, parentCell))
    }
    return this.placeOn(thread, record, type, parentCell)
  }

  private placeOn(thread: number, record: SpawnRecord, type: ActorClass | null, parentCell: ActorCell | null): Promise<ActorRef> {
    const placed = placeRecord(record, this.nextAnonymousId)
    const recorded = recordedOn(placed, thread)
    if (recorded) {
      const held = this.directory.lookup(placed.id)
      if (held !== undefined && held.thread !== 0) {
        return this.settleReleases(placed.id).then(() => this.claim(thread, placed, type, parentCell, recorded))
      }
    }
    return this.claim(thread, placed, type, parentCell, recorded)
  }

  /** Records the placed actor (when the directory keeps it), registers a clustered name, then builds it. */
  private claim(thread: number, placed: PlacedSpawnRecord, type: ActorClass | null, parentCell: ActorCell | null, recorded: boolean): Promise<ActorRef> {
    const id = placed.id
    let entry: DirectoryEntry | null = null
    if (recorded) {
      entry = {
        id,
        actorType: placed.actorType,
        path: pathOf(placed),
        thread,
        tracked: placed.tracked,
        parentId: placed.parent?.id ?? null,
        respawn: null,
        restarts: null,
      }
      if (!this.directory.reserve(entry)) {
        return Promise.reject(new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: id, actorType: placed.actorType }))
      }
    }
    // Only a clustered spawn waits here: every other one goes on without an extra turn.
    const registered = this.clusterAddress(placed, thread)
    if (registered === null) return this.build(thread, placed, type, parentCell, entry, null)
    const reserved = entry
    return (this.cluster as ClusterHooks).register(registered).then(
      () => {
        this.clusterNames.set(id, registered)
        return this.build(thread, placed, type, parentCell, reserved, registered)
      },
      (e: unknown) => {
        if (reserved !== null) this.directory.forget(reserved)
        throw e
      },
    )
  }

  /** Builds the actor on `thread`; a failure frees what {@link MainRuntime.claim} took. */
  private build(
    thread: number,
    placed: PlacedSpawnRecord,
    type: ActorClass | null,
    parentCell: ActorCell | null,
    entry: DirectoryEntry | null,
    registered: RefAddress | null,
  ): Promise<ActorRef> {
    let built: Promise<ActorRef>
    try {
      built = thread === 0 ? spawnFromRecord(this.host, this.node?.router ?? null, placed, type, parentCell) : this.buildOnWorker(thread, placed, parentCell, entry)
    } catch (e) {
      built = Promise.reject(e)
    }
    if (entry === null && registered === null) return built
    return built.then(undefined, (e: unknown) => {
      if (entry !== null) this.directory.forget(entry)
      if (registered !== null) this.unregisterName(placed.id)
      throw e
    })
  }

  private async buildOnWorker(thread: number, placed: PlacedSpawnRecord, parentCell: ActorCell | null, entry: DirectoryEntry | null): Promise<ActorRef> {
    const outgoing = encodeForTransfer(placed, 'a worker thread', ': use a directive or place the actor on the main thread')
    if (placed.parent === null && entry !== null) entry.respawn = outgoing
    const address = await this.spawnOnWorker(thread, outgoing)
    const target = this.workers.requireNode().router.targetFor(address)
    if (parentCell !== null) {
      parentCell.children.set(placed.id, target)
      this.workers.requireNode().router.trackChildOnOtherThread(parentCell, target)
    }
    return target.self
  }

  /** Names an anonymous actor placed by this thread. */
  private readonly nextAnonymousId = (): string => this.host.anonymousId()

  /** Named top-level actors of this node registered with the cluster, by id. */
  private readonly clusterNames = new Map<string, RefAddress>()

  private unregisterName(id: string): void {
    const address = this.clusterNames.get(id)
    if (address === undefined) return
    this.clusterNames.delete(id)
    this.cluster?.unregister(address)
  }

  /** @internal The named top-level actors this node registered with the cluster (re-announced when owners change). */
  namedActors(): RefAddress[] {
    return [...this.clusterNames.values()]
  }

  /**
   * A worker reports stops on its control channel, which can lag behind the stop's own
   * acknowledgement (it came through the rings). A round trip on that channel delivers every
   * release the worker posted before it, so a just-stopped id is free again.
   */
  private async settleReleases(id: string): Promise<void> {
    const e = this.directory.lookup(id)
    if (e === undefined || e.thread === 0) return
    try {
      await this.workers.request(e.thread, { t: 'sync' })
    } catch {
      // A dead worker's entries are cleared by the loss handling.
    }
  }

  private spawnOnWorker(thread: number, record: PlacedSpawnRecord): Promise<RefAddress> {
    return this.stats.trackSpawn(thread, () => this.workers.request<RefAddress>(thread, { t: 'spawn', record }))
  }

  /** The worker a spawn goes to once the workers run (see {@link threadAtOnce} for the rest). */
  private async chooseThread(placement: Placement | undefined): Promise<number> {
    await this.ensureWorkers()
    await this.recovery.gate(placement)
    if (typeof placement === 'number') {
      if (!this.workers.requirePool().slot(placement)?.alive) {
        throw new ActorRefError('WorkerLost', `worker ${placement} is not running`)
      }
      return placement
    }
    const chosen = pickWorker(this.stats.loads(this.recovery.restoring), this.options.placementPolicy)
    if (chosen === null) throw new ActorRefError('WorkerLost', 'no worker thread is running')
    return chosen
  }

  /** A spawn a worker asked the main thread to place (its record is encoded and located). */
  private placeFromWorker(record: SpawnRecord): Promise<ActorRef> {
    if (this.closing) return Promise.reject(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
    const placementProblem = checkPlacement(record.placement, this.options.workers)
    if (placementProblem !== null) {
      return Promise.reject(new ActorRefError('InvalidArgument', placementProblem, { actorType: record.actorType }))
    }
    const p = record.parent
    return this.place({ ...record, placement: record.placement ?? (p === null ? 'worker' : p.thread === 0 ? 'main' : p.thread) }, null, null)
  }

  // ------------------------------------------------------------------ workers

  /** Starts the worker threads on first use. */
  ensureWorkers(): Promise<void> {
    if (this.closing) return Promise.reject(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
    return this.workers.ensure()
  }

  private onWorkerMessage(thread: number, m: WorkerToMain): unknown {
    switch (m.t) {
      case 'place':
        return this.placeFromWorker(m.record).then((ref) => this.workers.requireNode().addressOf(ref))
      case 'reserve': {
        if (this.closing) throw new ActorRefError('SystemShutdown', 'the actor system is shut down')
        const reserved = this.directory.reserve({
          id: m.id,
          actorType: m.actorType,
          path: m.parent === null ? m.id : `${m.parent.path}/${m.id.slice(m.parent.id.length + 1)}`,
          thread,
          tracked: true,
          parentId: m.parent?.id ?? null,
          respawn: null,
          restarts: null,
        })
        if (!reserved) throw new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: m.id })
        return true
      }
      case 'released':
        this.release(m.id, thread)
        return undefined
      case 'lookup': {
        const e = this.directory.lookup(m.id)
        if (e !== undefined && e.tracked) return { id: e.id, actorType: e.actorType, path: e.path, thread: e.thread, node: this.host.node }
        return this.cluster === null ? null : this.cluster.lookup(m.id).then((a) => a ?? null)
      }
      case 'stats': {
        const slot = this.workers.pool?.slot(thread)
        if (slot !== undefined) this.stats.record(slot, m.stats)
        return undefined
      }
      case 'offload':
        return this.offload(m.moduleUrl, m.input)
      case 'shutdownSystem':
        void this.host.system.shutdown()
        return undefined
      default:
        return undefined
    }
  }

  private release(id: string, thread: number): void {
    if (this.clusterNames.get(id)?.thread === thread) this.unregisterName(id)
    this.directory.release(id, thread)
    if (thread !== 0) this.node?.router.markStopped(thread, id)
  }

  /**
   * @internal Routes frames for another node run through `link` (remoting's network thread; a
   * test's forwarder until then). Starts the worker threads if needed; returns the node's slot.
   */
  async connectNode(other: NodeAddress, link: FrameLink): Promise<number> {
    await this.ensureWorkers()
    return this.workers.requireNode().router.peers.connectNode(other, link)
  }

  /**
   * @internal Adds remoting's network thread to this system's mesh (before anything else
   * started it) and starts the mesh, also with `workers: 0`. Every thread then sends frames
   * for other nodes to it. Returns its control channel.
   */
  async startNetworkThread(spec: NetworkThreadSpec): Promise<NetworkThreadHandle> {
    if (this.workers.pool !== null) throw new Error('the network thread must be added before the worker threads start')
    this.workers.network = spec
    await this.ensureWorkers()
    const pool = this.workers.requirePool()
    const slot = pool.service as NonNullable<typeof pool.service>
    return {
      thread: slot.thread,
      request: <T>(m: { t: string }) => slot.control.request<T>(m as never),
      post: (m: { t: string }) => slot.control.post(m as never),
    }
  }

  /** @internal The node `other` is down or left: every thread fails what waits on it and refuses traffic to it. */
  nodeLost(other: NodeAddress, reason: string): void {
    const node = this.node
    if (node === null) return
    this.workers.nodeLost(node.router.peers.slotOf(other), reason)
  }

  /**
   * @internal A frame from another node, its header already in this node's slot numbering:
   * handled here or forwarded to the worker it is for. False: its user lane is full, offer it again.
   */
  acceptFrame(system: boolean, data: Uint8Array, start: number, end: number): boolean {
    return this.workers.requireNode().router.onFrame(-1, system, data, start, end)
  }

  /** @internal A ref for an address on any node (remote lookups will build on it). */
  refFor(address: RefAddress): ActorRef {
    const node = this.node
    if (node !== null) return node.router.refFor(address)
    const cell = this.host.cell(address.id)
    if (cell !== undefined && address.thread === 0) return cell.self
    throw new ActorRefError('NotFound', 'no such actor on this node', { actorId: address.id, actorType: address.actorType })
  }

  /**
   * @internal The target for `address` on another node, never this node's forwarder of the same
   * id (sharding relays a message to the region it believes hosts the entity).
   */
  remoteTargetFor(address: RefAddress): MessageTarget {
    return this.workers.requireNode().router.targetFor(address)
  }

  /** @internal This node's slot for `other` in frame headers. */
  slotOf(other: NodeAddress): number {
    return this.workers.requireNode().router.peers.slotOf(other)
  }

  /** @internal Publishes `data` under `topic` to every running worker (see `MainWorkers.broadcast`); nothing once shutting down. */
  broadcast(topic: string, data: unknown): void {
    if (!this.closing) this.workers.broadcast(topic, data)
  }

  /**
   * @internal Calls `listener` with the thread number each time a worker thread dies (before
   * its recovery starts); returns what removes it. Pub/sub publishes it on `coerce.cluster`.
   */
  onWorkerLost(listener: (thread: number) => void): () => void {
    this.workerLostListeners.add(listener)
    return () => this.workerLostListeners.delete(listener)
  }

  /** @internal The Worker object of thread `thread` (operations tooling and fault tests). */
  workerFor(thread: number): import('node:worker_threads').Worker | undefined {
    return this.workers.pool?.slot(thread)?.worker
  }

  // ------------------------------------------------------------------ queries

  async actorOf(id: string): Promise<ActorRef | undefined> {
    const e = this.directory.lookup(id)
    const node = this.node
    if (e !== undefined && e.thread !== 0) {
      if (!e.tracked || node === null) return undefined
      return node.router.targetFor({ id: e.id, actorType: e.actorType, path: e.path, thread: e.thread, node: this.host.node }).self
    }
    const cell = this.host.cell(id)
    if (cell !== undefined) return cell.tracked && cell.alive ? cell.self : undefined
    if (this.cluster === null || e !== undefined) return undefined
    const found = await this.cluster.lookup(id)
    return found === undefined ? undefined : this.refFor(found)
  }

  /** @internal A tracked actor of this node by id, as an address (the cluster's lookups ask this on every node). */
  localAddress(id: string): RefAddress | undefined {
    const e = this.directory.lookup(id)
    if (e === undefined || !e.tracked) return undefined
    if (e.thread === 0) {
      const cell = this.host.cell(id)
      if (cell === undefined || !cell.alive) return undefined
    }
    return { id: e.id, actorType: e.actorType, path: e.path, thread: e.thread, node: this.host.node }
  }

  async describeRoots(options: Required<DescribeOptions>): Promise<ActorDescription[]> {
    const roots = this.directory.roots()
    const local = new Set(this.host.topLevel().map((c) => c.id))
    const out = await Promise.all(
      roots.map(async (e): Promise<ActorDescription | null> => {
        if (e.thread === 0) return null
        try {
          return await this.workers.requireNode().router.targetFor({ id: e.id, actorType: e.actorType, path: e.path, thread: e.thread, node: this.host.node }).describe(options, 0)
        } catch {
          return null
        }
      }),
    )
    const mainRoots = await this.host.describe(options)
    return [...mainRoots.filter((d) => local.has(d.id)), ...out.filter((d): d is ActorDescription => d !== null)]
  }

  metrics(): MetricsSnapshot {
    return this.stats.metrics()
  }

  collectMetrics(): Promise<MetricsSnapshot> {
    return this.stats.collectMetrics()
  }

  status(): RuntimeStatus {
    return this.stats.status()
  }

  offload(moduleUrl: string, input: unknown): Promise<unknown> {
    if (this.closing) return Promise.reject(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
    this.blocking ??= new BlockingPool(this.options.blockingThreads)
    return this.blocking.run(moduleUrl, input)
  }

  // ------------------------------------------------------------------ shutdown

  async shutdown(): Promise<void> {
    this.closing = true
    await this.workers.shutdown(this.host.shutdown())
    if (this.blocking !== null) await this.blocking.destroy()
  }
}
