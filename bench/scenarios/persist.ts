/**
 * Persistence benchmarks: events persisted per second by a persistent actor, one awaited
 * `persist` at a time (`persist.memory`, `persist.redis`) and in `persistAll` batches
 * (`persist.memory.batch`, `persist.redis.batch`). The loop runs inside one handler, so the
 * figures measure the journal and the storage, not ask round trips. The Redis scenarios start
 * their own redis-server (no fsync, no snapshots) on a free port on loopback.
 */
import { ActorSystem, PersistentActor, type ActorRef, type PersistentActorOptions, type StorageConfig } from '../../lib/index.js'
import { startRedis, type RedisServer } from '../../test/helpers/redis-server.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'

type Event = { type: 'Added'; n: number }

/** Events per `persistAll` in the batch scenarios. */
export const BATCH_SIZE = 100
/** Events per chunk handed to the actor; the abort signal is checked between chunks. */
const CHUNK = 1_000

class Counter extends PersistentActor<number, Event> {
  static override persistence: PersistentActorOptions<Event, number> = { events: ['Added'] }

  protected override initialState(): number {
    return 0
  }

  protected override applyEvent(total: number, e: Event): number {
    return total + e.n
  }

  /** Persists `count` events one at a time; returns each persist's latency in microseconds. */
  async persistEach(count: number): Promise<number[]> {
    const latencies = new Array<number>(count)
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      await this.persist({ type: 'Added', n: 1 })
      latencies[i] = (performance.now() - t0) * 1000
    }
    return latencies
  }

  /** Persists `batches` batches of `size` events; returns each batch's latency in microseconds. */
  async persistBatches(batches: number, size: number): Promise<number[]> {
    const latencies = new Array<number>(batches)
    const batch = Array.from({ length: size }, (): Event => ({ type: 'Added', n: 1 }))
    for (let i = 0; i < batches; i++) {
      const t0 = performance.now()
      await this.persistAll(batch)
      latencies[i] = (performance.now() - t0) * 1000
    }
    return latencies
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

interface Setup {
  storage(): Promise<StorageConfig>
  release(): Promise<void>
}

const memory: Setup = {
  storage: async () => ({ kind: 'memory' }),
  release: async () => {},
}

function redis(): Setup {
  let server: RedisServer | null = null
  return {
    storage: async () => {
      server = await startRedis()
      return { kind: 'redis', url: server.url, keyPrefix: 'bench:' }
    },
    release: async () => {
      await server?.stop()
      server = null
    },
  }
}

/**
 * One scenario. `events` is the number of events a repetition persists (`quick`: a tenth);
 * `batch` 1 means one `persist` per event.
 */
function scenario(name: string, description: string, backend: () => Setup, events: number, batch: number): Scenario {
  let env: Setup | null = null
  let storage: StorageConfig | null = null
  let run = 0
  return {
    name,
    system: 'coerce-ts',
    description,
    timeoutMs: 120_000,
    async setup(): Promise<void> {
      env = backend()
      storage = await env.storage()
    },
    async run(ctx: ScenarioContext): Promise<Measurement> {
      // A fresh system and journal per repetition (untimed), so no repetition pays for the
      // memory or the recovery of an earlier one.
      const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: storage as StorageConfig } })
      try {
        const actor: ActorRef<Counter> = await system.spawn(Counter, { id: `${name}-${++run}` })
        const total = ctx.quick ? Math.max(batch, Math.floor(events / 10)) : events
        const latencies: number[] = []
        let done = 0
        const t0 = performance.now()
        while (done < total && !ctx.signal.aborted) {
          const n = Math.min(CHUNK, total - done)
          const batches = Math.max(1, Math.floor(n / batch))
          const part =
            batch === 1
              ? await actor.ask('persistEach', n, { timeoutMs: 60_000 })
              : await actor.ask('persistBatches', batches, batch, { timeoutMs: 60_000 })
          for (const l of part) latencies.push(l)
          done += batch === 1 ? n : batches * batch
        }
        const seconds = (performance.now() - t0) / 1000
        latencies.sort((a, b) => a - b)
        return {
          opsPerSec: done / seconds,
          p50us: percentile(latencies, 50),
          p99us: percentile(latencies, 99),
          extra: { events: done, batchSize: batch },
        }
      } finally {
        await system.shutdown()
      }
    },
    async teardown(): Promise<void> {
      await env?.release()
      env = null
      storage = null
    },
  }
}

const scenarios: Scenario[] = [
  scenario('persist.memory', 'Events persisted per second, one awaited persist at a time, in-memory storage (p50/p99: one persist).', () => memory, 200_000, 1),
  scenario(
    'persist.memory.batch',
    `Events persisted per second with persistAll in batches of ${BATCH_SIZE}, in-memory storage (p50/p99: one batch).`,
    () => memory,
    1_000_000,
    BATCH_SIZE,
  ),
  scenario('persist.redis', 'Events persisted per second, one awaited persist at a time, Redis on loopback (Lua append with the sequence check; p50/p99: one persist).', redis, 20_000, 1),
  scenario(
    'persist.redis.batch',
    `Events persisted per second with persistAll in batches of ${BATCH_SIZE}, Redis on loopback (one Lua call per batch; p50/p99: one batch).`,
    redis,
    200_000,
    BATCH_SIZE,
  ),
]

export default scenarios
