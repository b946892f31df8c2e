/**
 * `MainRuntime`: the scheduler on the main thread. It owns the placement table (which thread
 * hosts each top-level or named actor: the authority for unique ids and lookups from any
 * thread), places spawns by policy, starts the worker pool on first use, answers workers'
 * control requests, restarts top-level actors of a dead worker on its replacement per their
 * supervision strategy, aggregates metrics, and shuts everything down.
 */
import type { NodeAddress } from '../actor/address.js'
import type { ActorCell } from '../actor/cell.js'
import type { ActorDescription, DescribeOptions } from '../actor/describe.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost, PreparedSpawn } from '../actor/host.js'
import { mergeSnapshots, type MetricsSnapshot } from '../actor/metrics.js'
import { optionFieldsForWorker, type ResolvedSystemOptions } from '../actor/options.js'
import type { ActorRef } from '../actor/ref.js'
import type { RuntimeStatus, SystemRuntime, ThreadStatus } from '../actor/runtime-api.js'
import { decide, RestartHistory, type ResolvedStrategy } from '../actor/supervision.js'
import type { SpawnOptions } from '../actor/system.js'
import type { ActorClass } from '../actor/types.js'
import { loadActorClass, locate, moduleOf, type ClassLocation } from './actor-modules.js'
import { BlockingPool } from './blocking.js'
import { addressOf, decode, encodeCopy, NotEncodableError, type RefAddress, type RefResolver } from './transport/codec.js'
import type { MainToWorker, PlaceRequest, SpawnSpec, WorkerOptions, WorkerStats, WorkerToMain } from './messages.js'
import { checkPlacement, pickWorker, type Placement } from './placement.js'
import { PeerParent } from './thread-target.js'
import { ThreadNode } from './thread-node.js'
import { WorkerPool } from './worker-pool.js'
import type { FrameLink } from './transport/link.js'

/** One row of the placement table. */
interface Placed {
  id: string
  typeName: string
  path: string
  thread: number
  tracked: boolean
  parentId: string | null
  /** How to build it again after its worker died (top-level actors placed on workers). */
  spec: SpawnSpec | null
  strategy: ResolvedStrategy
  restarts: RestartHistory
}

/** A spawn with its class either in hand or to be loaded from its module. */
interface SpawnJob {
  prepared: Omit<PreparedSpawn, 'type'> & { type?: ActorClass }
  location: ClassLocation | null
  /** Constructor arguments, raw (in hand) or encoded (from a worker). */
  args: readonly unknown[] | Uint8Array
  parent: RefAddress | null
  parentCell: ActorCell | null
}

export class MainRuntime implements SystemRuntime {
  private readonly table = new Map<string, Placed>()
  private pool: WorkerPool | null = null
  private node: ThreadNode | null = null
  private starting: Promise<void> | null = null
  private blocking: BlockingPool | null = null
  private closing = false
  /** Spawns sent to a worker and not yet answered, per worker. */
  private readonly inflightSpawns = new Map<number, number>()
  /** Spawns a worker confirmed since its last stats report, per worker. */
  private readonly placedSinceStats = new Map<number, number>()

  constructor(
    private readonly host: ActorHost,
    private readonly options: ResolvedSystemOptions,
  ) {
    host.onReleased = (cell) => this.release(cell.id, 0)
  }

  // ------------------------------------------------------------------ spawning

  async spawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): Promise<ActorRef> {
    const prepared = this.host.prepareSpawn(type, options, parent)
    const placementProblem = checkPlacement(prepared.placement, this.options.workers)
    if (placementProblem !== null) throw new ActorRefError('InvalidArgument', placementProblem, { actorType: prepared.typeName })
    const wantsWorker = prepared.placement === 'worker' || typeof prepared.placement === 'number'
    const autoWorker =
      prepared.placement === undefined && parent === null && this.options.workers > 0 && moduleOf(type) !== undefined
    return this.place(
      {
        prepared,
        location: wantsWorker || autoWorker ? locate(type) : null,
        args: prepared.args,
        parent: parent === null ? null : addressOf(parent.self),
        parentCell: parent,
      },
    )
  }

  /** Chooses the thread, records the actor, and builds it there. */
  private async place(job: SpawnJob): Promise<ActorRef> {
    const p = job.prepared
    const thread = await this.chooseThread(p.placement, job.parent, job.location !== null)
    const localId = p.localId ?? this.host.anonymousId()
    const id = job.parent === null ? localId : `${job.parent.id}/${localId}`
    const path = job.parent === null ? localId : `${job.parent.path}/${localId}`
    const tracked = p.localId !== undefined
    const recorded = tracked || job.parent === null
    if (recorded && this.table.has(id)) await this.settleReleases(id)
    if (recorded && this.table.has(id)) {
      throw new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: id, actorType: p.typeName })
    }
    const entry: Placed = {
      id,
      typeName: p.typeName,
      path,
      thread,
      tracked,
      parentId: job.parent?.id ?? null,
      spec: null,
      strategy: p.strategy,
      restarts: new RestartHistory(),
    }
    if (recorded) this.table.set(id, entry)
    try {
      if (thread === 0) return await this.spawnHere(job, id, localId, tracked, recorded)
      const spec = this.specFor(job, id, localId, tracked)
      if (job.parent === null) entry.spec = spec
      const address = await this.spawnOnWorker(thread, spec)
      const target = this.requireNode().router.targetFor(address)
      if (job.parentCell !== null) {
        job.parentCell.children.set(id, target)
        this.requireNode().router.trackChildOnOtherThread(job.parentCell, target)
      }
      return target.self
    } catch (e) {
      if (recorded && this.table.get(id) === entry) this.table.delete(id)
      throw e
    }
  }

  private async spawnHere(job: SpawnJob, id: string, localId: string, tracked: boolean, recorded: boolean): Promise<ActorRef> {
    const p = job.prepared
    const type = p.type ?? (await loadActorClass(job.location as ClassLocation))
    const args = job.args instanceof Uint8Array ? (decodeArgs(job.args, this.node?.router.resolveRef ?? null) as unknown[]) : job.args
    let parentLink: ActorCell | PeerParent | null = job.parentCell
    if (parentLink === null && job.parent !== null) {
      if (job.parent.thread === 0) {
        const cell = this.host.cell(job.parent.id)
        if (cell === undefined || !cell.alive) throw new ActorRefError('Stopped', 'the parent stopped', { actorId: job.parent.id })
        parentLink = cell
      } else {
        parentLink = new PeerParent(this.requireNode().router, job.parent)
      }
    }
    const parentCell = parentLink !== null && !(parentLink instanceof PeerParent) ? parentLink : undefined
    return this.host.spawnLocal({
      type,
      typeName: p.typeName,
      id,
      localId,
      tracked,
      args,
      strategy: p.strategy,
      mailboxCapacity: p.mailboxCapacity,
      parent: parentLink,
      ...(parentCell !== undefined ? { parentCell } : {}),
      registered: recorded,
      onCreated: (cell) => {
        if (parentLink instanceof PeerParent) this.node?.router.trackRemoteChild(cell)
      },
    })
  }

  private specFor(job: SpawnJob, id: string, localId: string, tracked: boolean): SpawnSpec {
    const p = job.prepared
    if (typeof p.strategy.directive === 'function') {
      throw new ActorRefError(
        'NotSupported',
        'a supervision decider function cannot be sent to a worker thread: use a directive or place the actor on the main thread',
        { actorId: id, actorType: p.typeName },
      )
    }
    return {
      id,
      localId,
      tracked,
      location: job.location as ClassLocation,
      args: job.args instanceof Uint8Array ? job.args : encodeArgs(job.args, id, p.typeName),
      strategy: p.strategy,
      mailboxCapacity: p.mailboxCapacity,
      parent: job.parent,
    }
  }

  /**
   * A worker reports stops on its control channel, which can lag behind the stop's own
   * acknowledgement (it came through the rings). A round trip on that channel delivers every
   * release the worker posted before it, so a just-stopped id is free again.
   */
  private async settleReleases(id: string): Promise<void> {
    const e = this.table.get(id)
    if (e === undefined || e.thread === 0) return
    try {
      await this.workerRequest(e.thread, { t: 'sync' })
    } catch {
      // A dead worker's entries are cleared by the loss handling.
    }
  }

  private async spawnOnWorker(thread: number, spec: SpawnSpec): Promise<RefAddress> {
    bump(this.inflightSpawns, thread, 1)
    try {
      const address = await this.workerRequest<RefAddress>(thread, { t: 'spawn', spec })
      bump(this.placedSinceStats, thread, 1)
      return address
    } finally {
      bump(this.inflightSpawns, thread, -1)
    }
  }

  private async chooseThread(placement: Placement | undefined, parent: RefAddress | null, loadable: boolean): Promise<number> {
    if (placement === 'main') return 0
    if (placement === undefined && (parent !== null || !loadable)) return parent?.thread ?? 0
    await this.ensureWorkers()
    if (typeof placement === 'number') await this.restoring.get(placement)
    else if (this.restoring.size > 0 && this.requirePool().alive().every((s) => this.restoring.has(s.thread))) {
      await Promise.all(this.restoring.values())
    }
    if (typeof placement === 'number') {
      if (!this.requirePool().slot(placement)?.alive) {
        throw new ActorRefError('WorkerLost', `worker ${placement} is not running`)
      }
      return placement
    }
    const loads = this.requirePool().slots.flatMap((s) =>
      s === undefined
        ? []
        : [
            {
              thread: s.thread,
              alive: s.alive && !this.restoring.has(s.thread),
              actors:
                (s.stats?.actors ?? 0) + (this.inflightSpawns.get(s.thread) ?? 0) + (this.placedSinceStats.get(s.thread) ?? 0),
              messagesPerSecond: s.rate,
            },
          ],
    )
    const chosen = pickWorker(loads, this.options.placementPolicy)
    if (chosen === null) throw new ActorRefError('WorkerLost', 'no worker thread is running')
    return chosen
  }

  // ------------------------------------------------------------------ workers

  private requirePool(): WorkerPool {
    if (this.pool === null) throw new Error('worker pool not started')
    return this.pool
  }

  private requireNode(): ThreadNode {
    if (this.node === null) throw new Error('worker pool not started')
    return this.node
  }

  /** Starts the worker threads on first use. */
  ensureWorkers(): Promise<void> {
    if (this.closing) return Promise.reject(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
    if (this.options.workers === 0) {
      return Promise.reject(new ActorRefError('NotSupported', 'this system has no worker threads (workers: 0)'))
    }
    this.starting ??= this.startWorkers()
    return this.starting
  }

  private async startWorkers(): Promise<void> {
    const o = this.options
    const workerOptions: WorkerOptions = {
      name: o.name,
      nodeId: o.nodeId,
      incarnation: o.incarnation,
      askTimeoutMs: o.askTimeoutMs,
      stopTimeoutMs: o.stopTimeoutMs,
      mailboxCapacity: o.mailboxCapacity,
      metricsSampleEvery: o.metricsSampleEvery,
      logLevel: o.logLevel,
      spinMicros: o.spinMicros,
      outboxLimit: o.outboxLimit,
      statsIntervalMs: o.statsIntervalMs,
      supervision: typeof o.supervision.directive === 'function' ? { ...o.supervision, directive: 'restart' } : o.supervision,
      extensions: optionFieldsForWorker(o),
    }
    const pool = new WorkerPool(o.workers, o.ringBytes, workerOptions, this.host.logger, {
      onMessage: (thread, m) => this.onWorkerMessage(thread, m),
      onLost: (thread, error) => void this.onWorkerLost(thread, error),
    })
    const node = new ThreadNode(this.host, pool.signals[0] as NonNullable<(typeof pool.signals)[0]>, {
      spinMicros: o.spinMicros,
      outboxLimit: o.outboxLimit,
    })
    this.pool = pool
    this.node = node
    // Workers number other nodes as this thread does (frame headers carry the numbers).
    node.router.onSlotAssigned = (slot, other) => {
      this.slots.push({ slot, node: other })
      for (const s of pool.alive()) s.control.post({ t: 'nodeSlot', slot, node: other })
    }
    for (let t = 1; t <= o.workers; t++) node.connect(t, pool.pair(0, t), pool.pair(t, 0), (pool.signals[t] as { sab: SharedArrayBuffer }).sab)
    node.start()
    try {
      await pool.start()
    } catch (e) {
      this.starting = null
      node.stop()
      await pool.terminate()
      this.pool = null
      this.node = null
      throw e
    }
  }

  private workerRequest<T>(thread: number, message: MainToWorker): Promise<T> {
    const slot = this.requirePool().slot(thread)
    if (slot === undefined || !slot.alive) return Promise.reject(new ActorRefError('WorkerLost', `worker ${thread} is not running`))
    return slot.control.request<T>(message)
  }

  private onWorkerMessage(thread: number, m: WorkerToMain): unknown {
    switch (m.t) {
      case 'place':
        return this.placeFromWorker(m.request).then((ref) => this.requireNode().addressOf(ref))
      case 'reserve': {
        if (this.closing) throw new ActorRefError('SystemShutdown', 'the actor system is shut down')
        if (this.table.has(m.id)) throw new ActorRefError('AlreadyExists', 'an actor with this id is already alive', { actorId: m.id })
        this.table.set(m.id, {
          id: m.id,
          typeName: m.typeName,
          path: m.parent === null ? m.id : `${m.parent.path}/${m.id.slice(m.parent.id.length + 1)}`,
          thread,
          tracked: true,
          parentId: m.parent?.id ?? null,
          spec: null,
          strategy: this.options.supervision,
          restarts: new RestartHistory(),
        })
        return true
      }
      case 'released':
        this.release(m.id, thread)
        return undefined
      case 'lookup': {
        const e = this.table.get(m.id)
        return e === undefined || !e.tracked ? null : { id: e.id, typeName: e.typeName, path: e.path, thread: e.thread, node: this.host.node }
      }
      case 'stats': {
        const slot = this.pool?.slot(thread)
        if (slot !== undefined) this.recordStats(slot, m.stats)
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

  private recordStats(slot: { stats: WorkerStats | null; rate: number; thread: number }, stats: WorkerStats): void {
    if (slot.stats !== null) {
      const dt = this.options.statsIntervalMs / 1000
      slot.rate = Math.max(0, stats.processed - slot.stats.processed) / dt
    }
    slot.stats = stats
    // The report counts every spawn confirmed before it (the control channel is ordered).
    this.placedSinceStats.delete(slot.thread)
  }

  private placeFromWorker(r: PlaceRequest): Promise<ActorRef> {
    if (this.closing) return Promise.reject(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
    const placementProblem = checkPlacement(r.placement, this.options.workers)
    if (placementProblem !== null) {
      return Promise.reject(new ActorRefError('InvalidArgument', placementProblem, { actorType: r.location.typeName }))
    }
    return this.place(
      {
        prepared: {
          typeName: r.location.typeName,
          localId: r.localId,
          args: [],
          strategy: r.strategy,
          mailboxCapacity: r.mailboxCapacity,
          placement: r.placement ?? (r.parent === null ? 'worker' : r.parent.thread === 0 ? 'main' : r.parent.thread),
        },
        location: r.location,
        args: r.args,
        parent: r.parent,
        parentCell: null,
      },
    )
  }

  private release(id: string, thread: number): void {
    const e = this.table.get(id)
    if (e !== undefined && e.thread === thread) this.table.delete(id)
    if (thread !== 0) this.node?.router.markStopped(thread, id)
  }

  /** A worker died: fail what waited on it, replace it, restart its top-level actors per strategy. */
  private async onWorkerLost(thread: number, error: Error): Promise<void> {
    if (this.closing) return
    const pool = this.requirePool()
    const node = this.requireNode()
    node.router.peerLost(thread)
    for (const s of pool.alive()) if (s.thread !== thread) s.control.post({ t: 'peerLost', thread })
    const lost = [...this.table.values()].filter((e) => e.thread === thread)
    for (const e of lost) this.table.delete(e.id)
    this.retire(pool.slot(thread)?.stats ?? null)
    let restored!: () => void
    this.restoring.set(thread, new Promise<void>((resolve) => (restored = resolve)))
    try {
      await this.replaceWorker(pool, node, thread, lost, error)
    } finally {
      this.restoring.delete(thread)
      restored()
    }
  }

  /** Workers being replaced: traffic to them fails with `WorkerLost` and placement waits. */
  private readonly restoring = new Map<number, Promise<void>>()

  /** Counters of dead workers, so totals do not fall back when a worker is replaced. */
  private retired: MetricsSnapshot | null = null

  private retire(stats: WorkerStats | null): void {
    if (stats === null) return
    // Its actors died with it: count them as stopped, so `alive` stays true.
    const dead: MetricsSnapshot = {
      ...stats.metrics,
      actorTypes: stats.metrics.actorTypes.map((t) => ({ ...t, stopped: t.stopped + t.alive, alive: 0 })),
    }
    this.retired = mergeSnapshots(this.retired === null ? [dead] : [this.retired, dead], this.options.metricsSampleEvery)
  }

  private async replaceWorker(pool: WorkerPool, node: ThreadNode, thread: number, lost: Placed[], error: Error): Promise<void> {
    try {
      await pool.replace(thread)
    } catch (e) {
      this.host.logger.error({ thread, err: e }, 'could not replace a dead worker')
      return
    }
    if (this.closing) return
    const signal = (pool.signals[thread] as { sab: SharedArrayBuffer }).sab
    node.connect(thread, pool.pair(0, thread), pool.pair(thread, 0), signal, true)
    const replacement = pool.slot(thread)
    for (const s of this.slots) replacement?.control.post({ t: 'nodeSlot', slot: s.slot, node: s.node })
    for (const s of pool.alive()) {
      if (s.thread === thread) continue
      s.control.post({ t: 'peerReplaced', thread, outbound: pool.pair(s.thread, thread), inbound: pool.pair(thread, s.thread), signal })
    }
    try {
      await this.restoreActors(thread, lost, error)
    } finally {
      node.router.peerReplaced(thread)
      for (const s of pool.alive()) if (s.thread !== thread) s.control.post({ t: 'peerRestored', thread })
    }
  }

  /** Restarts the lost worker's top-level actors on its replacement, per their strategy. */
  private async restoreActors(thread: number, lost: Placed[], error: Error): Promise<void> {
    const cause = new ActorRefError('WorkerLost', `worker ${thread} died: ${error.message}`, { cause: error })
    for (const e of lost) {
      if (e.parentId !== null || e.spec === null) continue
      let directive
      try {
        directive = decide(e.strategy, cause, { actorId: e.id, actorType: e.typeName, handler: '(worker lost)' })
      } catch {
        directive = 'stop'
      }
      if ((directive !== 'restart' && directive !== 'resume') || e.restarts.next(e.strategy, performance.now()) === null) {
        this.host.logger.warn({ actorId: e.id, thread }, 'actor lost with its worker and not restarted')
        continue
      }
      this.table.set(e.id, e)
      try {
        await this.spawnOnWorker(thread, e.spec)
        this.node?.router.markRestored(thread, e.id)
        this.host.metrics.forType(e.typeName).restarted++
      } catch (err) {
        if (this.table.get(e.id) === e) this.table.delete(e.id)
        this.host.logger.error({ actorId: e.id, thread, err }, 'restarting an actor on the replacement worker failed')
      }
    }
  }

  /** Other nodes numbered so far, for workers that start later. */
  private readonly slots: { slot: number; node: NodeAddress }[] = []

  /**
   * @internal Routes frames for another node run through `link` (remoting's network thread; a
   * test's forwarder until then). Starts the worker threads if needed; returns the node's slot.
   */
  async connectNode(other: NodeAddress, link: FrameLink): Promise<number> {
    await this.ensureWorkers()
    return this.requireNode().router.connectNode(other, link)
  }

  /**
   * @internal A frame from another node, its header already in this node's slot numbering:
   * handled here or forwarded to the worker it is for. False: its user lane is full, offer it again.
   */
  acceptFrame(system: boolean, data: Uint8Array, start: number, end: number): boolean {
    return this.requireNode().router.onFrame(-1, system, data, start, end)
  }

  /** @internal A ref for an address on any node (remote lookups will build on it). */
  refFor(address: RefAddress): ActorRef {
    return this.requireNode().router.refFor(address)
  }

  /** @internal This node's slot for `other` in frame headers. */
  slotOf(other: NodeAddress): number {
    return this.requireNode().router.slotOf(other)
  }

  /** @internal The Worker object of thread `thread` (operations tooling and fault tests). */
  workerFor(thread: number): import('node:worker_threads').Worker | undefined {
    return this.pool?.slot(thread)?.worker
  }

  // ------------------------------------------------------------------ queries

  async actorOf(id: string): Promise<ActorRef | undefined> {
    const e = this.table.get(id)
    if (e !== undefined && e.thread !== 0) {
      if (!e.tracked || this.node === null) return undefined
      return this.node.router.targetFor({ id: e.id, typeName: e.typeName, path: e.path, thread: e.thread, node: this.host.node }).self
    }
    const cell = this.host.cell(id)
    return cell !== undefined && cell.tracked && cell.alive ? cell.self : undefined
  }

  async describeRoots(options: Required<DescribeOptions>): Promise<ActorDescription[]> {
    const roots = [...this.table.values()].filter((e) => e.parentId === null)
    const local = new Set(this.host.topLevel().map((c) => c.id))
    const out = await Promise.all(
      roots.map(async (e): Promise<ActorDescription | null> => {
        if (e.thread === 0) return null
        try {
          return await this.requireNode().router.targetFor({ id: e.id, typeName: e.typeName, path: e.path, thread: e.thread, node: this.host.node }).describe(options, 0)
        } catch {
          return null
        }
      }),
    )
    const mainRoots = await this.host.describe(options)
    return [...mainRoots.filter((d) => local.has(d.id)), ...out.filter((d): d is ActorDescription => d !== null)]
  }

  metrics(): MetricsSnapshot {
    const parts = [this.host.metrics.snapshot()]
    if (this.retired !== null) parts.push(this.retired)
    for (const s of this.pool?.slots ?? []) if (s?.stats) parts.push(s.stats.metrics)
    return mergeSnapshots(parts, this.options.metricsSampleEvery)
  }

  async collectMetrics(): Promise<MetricsSnapshot> {
    if (this.pool !== null) {
      await Promise.all(
        this.pool.alive().map(async (s) => {
          try {
            this.recordStats(s, await s.control.request<WorkerStats>({ t: 'stats' }))
          } catch {
            // A worker that died meanwhile reports nothing.
          }
        }),
      )
    }
    return this.metrics()
  }

  status(): RuntimeStatus {
    const workers: ThreadStatus[] = []
    for (const s of this.pool?.slots ?? []) {
      if (s === undefined) continue
      workers.push({
        index: s.thread,
        alive: s.alive,
        actors: s.stats?.actors ?? 0,
        queueDepth: s.stats?.queueDepth ?? 0,
        restarts: s.restarts,
        ringBytesUsed: s.stats?.ringBytesUsed ?? 0,
        ringBytesCapacity: s.stats?.ringBytesCapacity ?? 0,
      })
    }
    const links = this.node?.router.allLinks() ?? []
    let inFlight = this.host.wheel.size
    for (const s of this.pool?.slots ?? []) inFlight += s?.stats?.inFlightAsks ?? 0
    return {
      workers,
      main: {
        index: 0,
        alive: true,
        actors: this.host.actorCount,
        queueDepth: this.host.queueDepth(),
        restarts: 0,
        ringBytesUsed: links.reduce((n, l) => n + l.userRingUsed(), 0),
        ringBytesCapacity: links.reduce((n, l) => n + l.userRingCapacity, 0),
      },
      inFlightAsks: inFlight,
    }
  }

  offload(moduleUrl: string, input: unknown): Promise<unknown> {
    if (this.closing) return Promise.reject(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
    this.blocking ??= new BlockingPool(this.options.blockingThreads)
    return this.blocking.run(moduleUrl, input)
  }

  // ------------------------------------------------------------------ shutdown

  async shutdown(): Promise<void> {
    this.closing = true
    const pool = this.pool
    const stopping: Promise<unknown>[] = [this.host.shutdown()]
    if (this.starting !== null) await this.starting.catch(() => {})
    if (pool !== null) {
      for (const s of pool.alive()) stopping.push(s.control.request({ t: 'shutdown' }).catch(() => {}))
    }
    await Promise.all(stopping)
    this.node?.router.failAll(
      (a, handler) => new ActorRefError('Stopped', 'actor system shut down', { actorId: a.id, actorType: a.typeName, handler }),
    )
    this.node?.stop()
    if (pool !== null) await pool.terminate()
    if (this.blocking !== null) await this.blocking.destroy()
  }
}

function bump(m: Map<number, number>, key: number, by: number): void {
  m.set(key, (m.get(key) ?? 0) + by)
}

function encodeArgs(args: readonly unknown[], id: string, typeName: string): Uint8Array {
  try {
    return encodeCopy(args)
  } catch (e) {
    if (e instanceof NotEncodableError) {
      throw new ActorRefError('Serialization', `constructor arguments cannot be sent to a worker thread: ${e.message}`, {
        actorId: id,
        actorType: typeName,
        cause: e,
      })
    }
    throw e
  }
}

function decodeArgs(bytes: Uint8Array, refs: RefResolver | null): unknown {
  return decode(bytes, 0, bytes.length, refs)
}
