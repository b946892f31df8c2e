/**
 * `MainWorkers`: the main thread's side of the worker threads. It starts the pool and this
 * thread's place in the ring mesh on first use, keeps the numbering of other nodes that
 * workers must share, sends control requests to one worker, and stops them all at shutdown.
 */
import type { NodeAddress } from '../actor/address.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import type { ResolvedSystemOptions } from '../actor/options.js'
import type { MainToWorker, WorkerToMain } from './messages.js'
import { ThreadNode } from './thread-node.js'
import { workerOptionsOf } from './worker-options.js'
import { WorkerPool, type ServiceThreadSpec } from './worker-pool.js'

/** The network thread a system with remoting adds to its mesh. */
export interface NetworkThreadSpec extends ServiceThreadSpec {
  /** Largest frame any thread may send to another node. */
  maxFrameBytes: number
  /** Control messages the thread sends the main thread (requests are answered by the returned value). */
  onMessage(m: { t: string }): unknown
  /** The thread died. */
  onLost(error: Error): void
}

/** What the workers report to the runtime. */
export interface WorkerEvents {
  /** A control request or notice from worker `thread`; the result answers a request. */
  onMessage(thread: number, m: WorkerToMain): unknown
  /** Worker `thread` died. */
  onLost(thread: number, error: Error): void
}

export class MainWorkers {
  pool: WorkerPool | null = null
  node: ThreadNode | null = null
  private starting: Promise<void> | null = null
  /** Other nodes numbered so far, for workers that start later. */
  readonly nodeSlots: { slot: number; node: NodeAddress }[] = []
  /** Set before the first start when the system talks to other nodes. */
  network: NetworkThreadSpec | null = null

  constructor(
    private readonly host: ActorHost,
    private readonly options: ResolvedSystemOptions,
    private readonly events: WorkerEvents,
  ) {}

  requirePool(): WorkerPool {
    if (this.pool === null) throw new Error('worker pool not started')
    return this.pool
  }

  requireNode(): ThreadNode {
    if (this.node === null) throw new Error('worker pool not started')
    return this.node
  }

  /** Starts the worker threads on first use (the caller has checked the system is open). */
  ensure(): Promise<void> {
    if (this.options.workers === 0 && this.network === null) {
      return Promise.reject(new ActorRefError('NotSupported', 'this system has no worker threads (workers: 0)'))
    }
    this.starting ??= this.start()
    return this.starting
  }

  private async start(): Promise<void> {
    const o = this.options
    const network = this.network
    const serviceThread = network === null ? null : o.workers + 1
    const pool = new WorkerPool(
      o.workers,
      o.ringBytes,
      { ...workerOptionsOf(o), maxRemoteFrameBytes: network?.maxFrameBytes ?? Infinity },
      this.host.logger,
      {
        onMessage: (thread, m) => (thread === serviceThread ? network?.onMessage(m) : this.events.onMessage(thread, m)),
        onLost: (thread, error) => (thread === serviceThread ? network?.onLost(error) : this.events.onLost(thread, error)),
      },
      network,
    )
    const node = new ThreadNode(this.host, pool.signals[0] as NonNullable<(typeof pool.signals)[0]>, {
      spinMicros: o.spinMicros,
      outboxLimit: o.outboxLimit,
    })
    this.pool = pool
    this.node = node
    node.router.peers.serviceThread = serviceThread
    node.router.peers.maxRemoteFrameBytes = network?.maxFrameBytes ?? Infinity
    // Workers number other nodes as this thread does (frame headers carry the numbers).
    node.router.peers.onSlotAssigned = (slot, other) => {
      this.nodeSlots.push({ slot, node: other })
      for (const s of pool.threads()) s.control.post({ t: 'nodeSlot', slot, node: other })
    }
    const threads = serviceThread ?? o.workers
    for (let t = 1; t <= threads; t++) node.connect(t, pool.pair(0, t), pool.pair(t, 0), (pool.signals[t] as { sab: SharedArrayBuffer }).sab)
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

  /** A control request to worker `thread`; rejects with `WorkerLost` when it is not running. */
  request<T>(thread: number, message: MainToWorker): Promise<T> {
    const slot = this.requirePool().slot(thread)
    if (slot === undefined || !slot.alive) return Promise.reject(new ActorRefError('WorkerLost', `worker ${thread} is not running`))
    return slot.control.request<T>(message)
  }

  /** Tells every thread that the node behind `slot` is down or left (this thread included). */
  nodeLost(slot: number, reason: string): void {
    this.node?.router.nodeLost(slot, reason)
    for (const s of this.pool?.threads() ?? []) s.control.post({ t: 'nodeLost', slot, reason })
  }

  /**
   * Publishes `data` under `topic` to every running worker (control channel; for rare updates
   * such as pool membership, never per-message traffic). A worker started later does not get it.
   */
  broadcast(topic: string, data: unknown): void {
    if (this.pool === null) return
    for (const s of this.pool.alive()) s.control.post({ t: 'topic', topic, data })
  }

  /**
   * Waits for `hostStopped` (the main thread's actors) and every worker's own shutdown, then
   * fails what still waits on a reply, detaches from the rings and ends the threads.
   */
  async shutdown(hostStopped: Promise<unknown>): Promise<void> {
    const pool = this.pool
    const stopping: Promise<unknown>[] = [hostStopped]
    if (this.starting !== null) await this.starting.catch(() => {})
    if (pool !== null) {
      for (const s of pool.alive()) {
        // Once a worker confirmed, stops still waiting on it are answered (see peerShutDown).
        const confirmed = s.control.request({ t: 'shutdown' }).catch(() => {})
        stopping.push(confirmed.then(() => this.node?.router.peerShutDown(s.thread)))
      }
    }
    await Promise.all(stopping)
    // The network thread last: the actors' last notices to other nodes go through it.
    if (pool?.service?.alive === true) await pool.service.control.request({ t: 'shutdown' }).catch(() => {})
    this.node?.router.failAll(
      (a, handler) => new ActorRefError('Stopped', 'actor system shut down', { actorId: a.id, actorType: a.actorType, handler }),
    )
    this.node?.stop()
    if (pool !== null) await pool.terminate()
  }
}
