/**
 * `RuntimeStats`: what the main thread knows about the load and health of every thread. It
 * keeps the workers' latest reports, the spawns not yet counted in them (for placement), the
 * counters of dead workers, and merges all of it into `metrics()` and `status()`.
 */
import type { ActorHost } from '../actor/host.js'
import { mergeSnapshots, type MetricsSnapshot } from '../actor/metrics.js'
import type { ResolvedSystemOptions } from '../actor/options.js'
import type { RuntimeStatus, ThreadStatus } from '../actor/runtime-api.js'
import type { WorkerStats } from './messages.js'
import type { MainWorkers } from './main-workers.js'
import type { WorkerLoad } from './placement.js'
import type { WorkerSlot } from './worker-pool.js'

export class RuntimeStats {
  /** Spawns sent to a worker and not yet answered, per worker. */
  private readonly inflightSpawns = new Map<number, number>()
  /** Spawns a worker confirmed since its last stats report, per worker. */
  private readonly placedSinceStats = new Map<number, number>()
  /** Counters of dead workers, so totals do not fall back when a worker is replaced. */
  private retired: MetricsSnapshot | null = null

  constructor(
    private readonly host: ActorHost,
    private readonly options: ResolvedSystemOptions,
    private readonly workers: MainWorkers,
  ) {}

  /** Runs a spawn on worker `thread`, counting it toward that worker's load meanwhile and after. */
  async trackSpawn<T>(thread: number, run: () => Promise<T>): Promise<T> {
    bump(this.inflightSpawns, thread, 1)
    try {
      const result = await run()
      bump(this.placedSinceStats, thread, 1)
      return result
    } finally {
      bump(this.inflightSpawns, thread, -1)
    }
  }

  /** Records a worker's report. */
  record(slot: Pick<WorkerSlot, 'stats' | 'rate' | 'thread'>, stats: WorkerStats): void {
    if (slot.stats !== null) {
      const dt = this.options.statsIntervalMs / 1000
      slot.rate = Math.max(0, stats.processed - slot.stats.processed) / dt
    }
    slot.stats = stats
    // The report counts every spawn confirmed before it (the control channel is ordered).
    this.placedSinceStats.delete(slot.thread)
  }

  /** Keeps a dead worker's counters (its last report) in the totals. */
  retire(stats: WorkerStats | null): void {
    if (stats === null) return
    // Its actors died with it: count them as stopped, so `alive` stays true.
    const dead: MetricsSnapshot = {
      ...stats.metrics,
      actorTypes: stats.metrics.actorTypes.map((t) => ({ ...t, stopped: t.stopped + t.alive, alive: 0 })),
    }
    this.retired = mergeSnapshots(this.retired === null ? [dead] : [this.retired, dead], this.options.metricsSampleEvery)
  }

  /** Every worker's load for placement; `restoring` workers count as not alive. */
  loads(restoring: ReadonlyMap<number, unknown>): WorkerLoad[] {
    return this.workers.requirePool().slots.flatMap((s) =>
      s === undefined
        ? []
        : [
            {
              thread: s.thread,
              alive: s.alive && !restoring.has(s.thread),
              actors:
                (s.stats?.actors ?? 0) + (this.inflightSpawns.get(s.thread) ?? 0) + (this.placedSinceStats.get(s.thread) ?? 0),
              messagesPerSecond: s.rate,
            },
          ],
    )
  }

  metrics(): MetricsSnapshot {
    const parts = [this.host.metrics.snapshot()]
    if (this.retired !== null) parts.push(this.retired)
    for (const s of this.workers.pool?.slots ?? []) if (s?.stats) parts.push(s.stats.metrics)
    return mergeSnapshots(parts, this.options.metricsSampleEvery)
  }

  async collectMetrics(): Promise<MetricsSnapshot> {
    const pool = this.workers.pool
    if (pool !== null) {
      await Promise.all(
        pool.alive().map(async (s) => {
          try {
            this.record(s, await s.control.request<WorkerStats>({ t: 'stats' }))
          } catch {
            // A worker that died meanwhile reports nothing.
          }
        }),
      )
    }
    return this.metrics()
  }

  status(): RuntimeStatus {
    const pool = this.workers.pool
    const workers: ThreadStatus[] = []
    for (const s of pool?.slots ?? []) {
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
    const links = this.workers.node?.router.peers.allLinks() ?? []
    let inFlight = this.host.wheel.size
    for (const s of pool?.slots ?? []) inFlight += s?.stats?.inFlightAsks ?? 0
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
}

function bump(m: Map<number, number>, key: number, by: number): void {
  m.set(key, (m.get(key) ?? 0) + by)
}
