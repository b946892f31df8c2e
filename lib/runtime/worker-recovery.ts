/**
 * `WorkerRecovery`: what happens when a worker dies. It fails what waited on the worker,
 * evicts its actors from the id directory, keeps its counters (retired metrics), starts a
 * replacement and reconnects every thread to it, and restarts the lost top-level actors there
 * per their supervision strategy. Meanwhile the restoring gate holds: traffic to that worker
 * fails with `WorkerLost` and placement waits.
 */
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import type { PlacedSpawnRecord } from '../actor/spawn-record.js'
import { decide, RestartHistory } from '../actor/supervision.js'
import type { ActorDirectory, DirectoryEntry } from './actor-directory.js'
import type { MainWorkers } from './main-workers.js'
import type { Placement } from './placement.js'
import type { RuntimeStats } from './runtime-stats.js'
import type { RefAddress } from './transport/codec.js'
import type { ThreadNode } from './thread-node.js'
import type { WorkerPool } from './worker-pool.js'

/** What recovery works with, owned by the runtime. */
export interface RecoveryContext {
  host: ActorHost
  workers: MainWorkers
  directory: ActorDirectory
  stats: RuntimeStats
  /** True once the system is shutting down: nothing is replaced any more. */
  closing(): boolean
  /** Builds an actor from its record on worker `thread`. */
  spawnOnWorker(thread: number, record: PlacedSpawnRecord): Promise<RefAddress>
}

export class WorkerRecovery {
  /** Workers being replaced: traffic to them fails with `WorkerLost` and placement waits. */
  readonly restoring = new Map<number, Promise<void>>()

  constructor(private readonly ctx: RecoveryContext) {}

  /** Waits until placement may go on: the chosen worker, or every worker when all are being replaced. */
  async gate(placement: Placement | undefined): Promise<void> {
    if (typeof placement === 'number') await this.restoring.get(placement)
    else if (this.restoring.size > 0 && this.ctx.workers.requirePool().alive().every((s) => this.restoring.has(s.thread))) {
      await Promise.all(this.restoring.values())
    }
  }

  /** A worker died: fail what waited on it, replace it, restart its top-level actors per strategy. */
  async onWorkerLost(thread: number, error: Error): Promise<void> {
    if (this.ctx.closing()) return
    const pool = this.ctx.workers.requirePool()
    const node = this.ctx.workers.requireNode()
    node.router.peerLost(thread)
    for (const s of pool.threads()) if (s.thread !== thread) s.control.post({ t: 'peerLost', thread })
    const lost = this.ctx.directory.evict(thread)
    this.ctx.stats.retire(pool.slot(thread)?.stats ?? null)
    let restored!: () => void
    this.restoring.set(thread, new Promise<void>((resolve) => (restored = resolve)))
    try {
      await this.replaceWorker(pool, node, thread, lost, error)
    } finally {
      this.restoring.delete(thread)
      restored()
    }
  }

  private async replaceWorker(pool: WorkerPool, node: ThreadNode, thread: number, lost: DirectoryEntry[], error: Error): Promise<void> {
    try {
      await pool.replace(thread)
    } catch (e) {
      this.ctx.host.logger.error({ thread, err: e }, 'could not replace a dead worker')
      return
    }
    if (this.ctx.closing()) return
    const signal = (pool.signals[thread] as { sab: SharedArrayBuffer }).sab
    node.connect(thread, pool.pair(0, thread), pool.pair(thread, 0), signal, true)
    const replacement = pool.slot(thread)
    for (const s of this.ctx.workers.nodeSlots) replacement?.control.post({ t: 'nodeSlot', slot: s.slot, node: s.node })
    for (const s of pool.threads()) {
      if (s.thread === thread) continue
      s.control.post({ t: 'peerReplaced', thread, outbound: pool.pair(s.thread, thread), inbound: pool.pair(thread, s.thread), signal })
    }
    try {
      await this.restoreActors(thread, lost, error)
    } finally {
      node.router.peerReplaced(thread)
      for (const s of pool.threads()) if (s.thread !== thread) s.control.post({ t: 'peerRestored', thread })
    }
  }

  /** Restarts the lost worker's top-level actors on its replacement, per their strategy. */
  private async restoreActors(thread: number, lost: DirectoryEntry[], error: Error): Promise<void> {
    const { host, directory } = this.ctx
    const cause = new ActorRefError('WorkerLost', `worker ${thread} died: ${error.message}`, { cause: error })
    for (const e of lost) {
      const record = e.respawn
      if (e.parentId !== null || record === null) continue
      let directive
      try {
        directive = decide(record.supervision, cause, { actorId: e.id, actorType: e.actorType, handler: '(worker lost)' })
      } catch {
        directive = 'stop'
      }
      if ((directive !== 'restart' && directive !== 'resume') || (e.restarts ??= new RestartHistory()).next(record.supervision, performance.now()) === null) {
        host.logger.warn({ actorId: e.id, thread }, 'actor lost with its worker and not restarted')
        continue
      }
      directory.record(e)
      try {
        await this.ctx.spawnOnWorker(thread, record)
        this.ctx.workers.node?.router.markRestored(thread, e.id)
        host.metrics.forType(e.actorType).restarted++
      } catch (err) {
        directory.forget(e)
        host.logger.error({ actorId: e.id, thread, err }, 'restarting an actor on the replacement worker failed')
      }
    }
  }
}
