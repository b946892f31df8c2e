/**
 * Persistence benchmarks: events persisted per second by a persistent actor, one awaited
 * `persist` at a time (`persist.memory`, `persist.redis`, `persist.postgres`, `persist.mysql`)
 * and in `persistAll` batches (`*.batch`). The loop runs inside one handler, so the figures
 * measure the journal and the storage, not ask round trips. The Redis scenarios start their own
 * redis-server (no fsync, no snapshots) on a free port on loopback; the SQL ones use the local
 * PostgreSQL / MariaDB in a fresh schema (or a throwaway server), with the server's durability
 * settings as they are. `baseline.pg.insert*` / `baseline.mysql.insert*` run the same INSERT
 * through the raw driver (one autocommit statement per event, or one multi-row statement per
 * batch), for the ratio of the journal's cost (the sequence check, the transaction) to the bare
 * insert. `baseline.redis.evalsha.seq` / `baseline.redis.pipeline` run a Lua append of the
 * journal's shape through raw ioredis on the same kind of redis-server, one EVALSHA at a time or
 * 100 in one pipeline.
 */
import { WRITE_EVENTS_LUA } from '../../lib/persistence/providers/redis.js'
import { Redis } from 'ioredis'
import { Packr } from 'msgpackr'
import pg from 'pg'
import mysql from 'mysql2/promise'
import { ActorSystem, PersistentActor, type ActorRef, type PersistentActorOptions, type StorageConfig } from '../../lib/index.js'
import { startRedis, type RedisServer } from '../../test/helpers/redis-server.js'
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server.js'
import { startMariadb, type MariadbServer } from '../../test/helpers/mariadb-server.js'
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

/** A journal on a server the scenario starts, and stops when it releases the storage. */
function onServer<S extends { stop(): Promise<void> }>(start: () => Promise<S>, storageOf: (server: S) => StorageConfig): Setup {
  let server: S | null = null
  return {
    storage: async () => {
      server = await start()
      return storageOf(server)
    },
    release: async () => {
      await server?.stop()
      server = null
    },
  }
}

const redis = (): Setup => onServer(startRedis, (s) => ({ kind: 'redis', url: s.url, keyPrefix: 'bench:' }))
const postgres = (): Setup => onServer(startPostgres, (s) => ({ kind: 'postgres', url: s.url, schema: s.schema, autoMigrate: true }))
const mariadb = (): Setup => onServer(startMariadb, (s) => ({ kind: 'mysql', url: s.url, autoMigrate: true }))

/** A raw driver running the journal's INSERT (same columns) on a table without the journal around it. */
interface RawInsert {
  insert(rows: number, params: unknown[]): Promise<void>
  close(): Promise<void>
}

const RAW_COLUMNS = '(persistence_id, sequence, event_type, payload, written_at, writer)'

async function rawPostgres(server: PostgresServer): Promise<RawInsert> {
  await server.admin(`CREATE TABLE "${server.schema}".raw (persistence_id VARCHAR(255) NOT NULL, sequence BIGINT NOT NULL, event_type VARCHAR(255) NOT NULL, payload BYTEA NOT NULL, written_at TIMESTAMPTZ NOT NULL, writer VARCHAR(255), PRIMARY KEY (persistence_id, sequence))`)
  const pool = new pg.Pool({ connectionString: server.url, max: 1 })
  return {
    insert: async (rows, params) => {
      const values = Array.from({ length: rows }, (_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}, now(), 'bench')`).join(', ')
      await pool.query(`INSERT INTO "${server.schema}".raw ${RAW_COLUMNS} VALUES ${values}`, params)
    },
    close: () => pool.end(),
  }
}

async function rawMysql(server: MariadbServer): Promise<RawInsert> {
  await server.admin(`CREATE TABLE \`${server.database}\`.raw (persistence_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, sequence BIGINT NOT NULL, event_type VARCHAR(255) NOT NULL, payload LONGBLOB NOT NULL, written_at DATETIME(3) NOT NULL, writer VARCHAR(255), PRIMARY KEY (persistence_id, sequence)) ENGINE=InnoDB`)
  const pool = mysql.createPool({ uri: server.url, connectionLimit: 1 })
  return {
    insert: async (rows, params) => {
      const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, NOW(3), 'bench')").join(', ')
      await pool.query(`INSERT INTO raw ${RAW_COLUMNS} VALUES ${values}`, params)
    },
    close: () => pool.end(),
  }
}

/** The raw-driver baseline of a SQL scenario: the same events, the same batch size. */
function rawScenario(name: string, compareTo: string, description: string, open: () => Promise<{ raw: RawInsert; stop: () => Promise<void> }>, events: number, batch: number): Scenario {
  let env: { raw: RawInsert; stop: () => Promise<void> } | null = null
  let run = 0
  return {
    name,
    system: 'node',
    description,
    compareTo,
    timeoutMs: 120_000,
    async setup(): Promise<void> {
      env = await open()
    },
    async run(ctx: ScenarioContext): Promise<Measurement> {
      const raw = (env as { raw: RawInsert }).raw
      const id = `${name}-${++run}`
      const payload = Buffer.from([0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa5, 0x41, 0x64, 0x64, 0x65, 0x64, 0xa1, 0x6e, 0x01])
      const total = ctx.quick ? Math.max(batch, Math.floor(events / 10)) : events
      const latencies: number[] = []
      let done = 0
      const t0 = performance.now()
      while (done < total && !ctx.signal.aborted) {
        const params: unknown[] = []
        for (let i = 0; i < batch; i++) params.push(id, done + i + 1, 'Added', payload)
        const s = performance.now()
        await raw.insert(batch, params)
        latencies.push((performance.now() - s) * 1000)
        done += batch
      }
      const seconds = (performance.now() - t0) / 1000
      latencies.sort((a, b) => a - b)
      return { opsPerSec: done / seconds, p50us: percentile(latencies, 50), p99us: percentile(latencies, 99), extra: { events: done, batchSize: batch } }
    },
    async teardown(): Promise<void> {
      await env?.stop()
      env = null
    },
  }
}

const openRawPostgres = async (): Promise<{ raw: RawInsert; stop: () => Promise<void> }> => {
  const server = await startPostgres()
  const raw = await rawPostgres(server)
  return { raw, stop: async () => (await raw.close(), await server.stop()) }
}

const openRawMysql = async (): Promise<{ raw: RawInsert; stop: () => Promise<void> }> => {
  const server = await startMariadb()
  const raw = await rawMysql(server)
  return { raw, stop: async () => (await raw.close(), await server.stop()) }
}

// The journal's own append script, run through raw ioredis: KEYS journal, seq; ARGV the expected
// sequence, then score/member pairs; returns {1, new highest} or {0, stored highest}.
const APPEND_LUA = WRITE_EVENTS_LUA

/** Encodes a member the way the journal does: msgpack `[sequence, type, bytes, writtenAt]`. */
const memberCodec = new Packr({ useRecords: false })
/** The event's bytes: a msgpack `{type: 'Added', n: 1}`, as in the SQL baselines. */
const EVENT_BYTES = Buffer.from([0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa5, 0x41, 0x64, 0x64, 0x65, 0x64, 0xa1, 0x6e, 0x01])

function member(sequence: number, writtenAt: number): Buffer {
  return Buffer.from(memberCodec.pack([sequence, 'Added', EVENT_BYTES, writtenAt]))
}

/** Throws unless an append script's reply is `{1, ...}` (the sequence check passed). */
function checkAppended(reply: unknown): void {
  if (!Array.isArray(reply) || reply[0] !== 1) throw new Error(`the append script refused the write: ${JSON.stringify(reply)}`)
}

/**
 * A raw ioredis baseline of a Redis scenario: a redis-server started the same way, the append
 * script loaded once, then `events` single-event EVALSHAs (`quick`: a tenth), awaited one at a
 * time (`perPipeline` 1) or sent `perPipeline` to a pipeline, each pipeline awaited before the
 * next. Every call carries the sequence check, like the journal's.
 */
function redisBaseline(name: string, compareTo: string, description: string, events: number, perPipeline: number): Scenario {
  let env: { server: RedisServer; client: Redis; sha: string } | null = null
  let run = 0
  return {
    name,
    system: 'node',
    description,
    compareTo,
    timeoutMs: 120_000,
    async setup(): Promise<void> {
      const server = await startRedis()
      const client = new Redis(server.url, { lazyConnect: true })
      try {
        await client.connect()
        const sha = (await client.script('LOAD', APPEND_LUA)) as string
        env = { server, client, sha }
      } catch (e) {
        client.disconnect()
        await server.stop()
        throw e
      }
    },
    async run(ctx: ScenarioContext): Promise<Measurement> {
      const { client, sha } = env as { client: Redis; sha: string }
      const id = `bench:${name}-${++run}`
      const journalKey = `${id}:journal`
      const seqKey = `${id}:seq`
      const total = ctx.quick ? Math.max(perPipeline, Math.floor(events / 10)) : events
      const latencies: number[] = []
      let done = 0
      const t0 = performance.now()
      while (done < total && !ctx.signal.aborted) {
        const s = performance.now()
        const writtenAt = Date.now()
        if (perPipeline === 1) {
          checkAppended(await client.evalsha(sha, 2, journalKey, seqKey, done, done + 1, member(done + 1, writtenAt)))
        } else {
          const pipeline = client.pipeline()
          for (let i = 0; i < perPipeline; i++) {
            const seq = done + i + 1
            pipeline.evalsha(sha, 2, journalKey, seqKey, seq - 1, seq, member(seq, writtenAt))
          }
          for (const [err, reply] of (await pipeline.exec()) ?? []) {
            if (err !== null) throw err
            checkAppended(reply)
          }
        }
        latencies.push((performance.now() - s) * 1000)
        done += perPipeline
      }
      const seconds = (performance.now() - t0) / 1000
      latencies.sort((a, b) => a - b)
      return { opsPerSec: done / seconds, p50us: percentile(latencies, 50), p99us: percentile(latencies, 99), extra: { events: done, batchSize: perPipeline } }
    },
    async teardown(): Promise<void> {
      const e = env
      env = null
      if (e === null) return
      e.client.disconnect()
      await e.server.stop()
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
  scenario('persist.postgres', 'Events persisted per second, one awaited persist at a time, PostgreSQL on loopback (one transaction: sequence check + insert + notify; p50/p99: one persist).', postgres, 5_000, 1),
  scenario('persist.postgres.batch', `Events persisted per second with persistAll in batches of ${BATCH_SIZE}, PostgreSQL on loopback (one transaction, one multi-row insert; p50/p99: one batch).`, postgres, 100_000, BATCH_SIZE),
  scenario('persist.mysql', 'Events persisted per second, one awaited persist at a time, MariaDB on loopback (one transaction: sequence check + insert; p50/p99: one persist).', mariadb, 5_000, 1),
  scenario('persist.mysql.batch', `Events persisted per second with persistAll in batches of ${BATCH_SIZE}, MariaDB on loopback (one transaction, one multi-row insert; p50/p99: one batch).`, mariadb, 100_000, BATCH_SIZE),
  redisBaseline(
    'baseline.redis.evalsha.seq',
    'persist.redis',
    'The journal\'s Lua append (sequence check, ZADD, SET) through raw ioredis EVALSHA, one event per call, one call at a time, on the same kind of redis-server (p50/p99: one call).',
    20_000,
    1,
  ),
  redisBaseline(
    'baseline.redis.pipeline',
    'persist.redis.batch',
    `The same single-event EVALSHA, ${BATCH_SIZE} calls per ioredis pipeline, one pipeline at a time (p50/p99: one pipeline).`,
    200_000,
    BATCH_SIZE,
  ),
  rawScenario('baseline.pg.insert', 'persist.postgres', 'The same INSERT through pg, one autocommit statement per event, no journal (p50/p99: one insert).', openRawPostgres, 5_000, 1),
  rawScenario('baseline.pg.insert.batch', 'persist.postgres.batch', `The same multi-row INSERT through pg, ${BATCH_SIZE} rows per autocommit statement, no journal.`, openRawPostgres, 100_000, BATCH_SIZE),
  rawScenario('baseline.mysql.insert', 'persist.mysql', 'The same INSERT through mysql2, one autocommit statement per event, no journal (p50/p99: one insert).', openRawMysql, 5_000, 1),
  rawScenario('baseline.mysql.insert.batch', 'persist.mysql.batch', `The same multi-row INSERT through mysql2, ${BATCH_SIZE} rows per autocommit statement, no journal.`, openRawMysql, 100_000, BATCH_SIZE),
]

export default scenarios
