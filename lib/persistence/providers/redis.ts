/**
 * The Redis journal storage (ioredis). Per persistence id it keeps two sorted sets scored by
 * sequence, `<prefix><id>:journal` and `<prefix><id>:snapshot`, plus a string `<prefix><id>:seq`
 * holding the highest sequence ever written (so numbers survive deletions). A member is the
 * msgpack array `[sequence, type, bytes]`, with the write time (ms) as a fourth item on events. Appends and snapshot writes are Lua scripts (EVALSHA
 * through `defineCommand`) so the optimistic sequence check and the write are one atomic step.
 */
import { Packr } from 'msgpackr'
import { Cluster, Redis } from 'ioredis'
import type { Logger } from '../../util/logger.js'
import { errorText, PersistenceError } from '../errors.js'
import { redisOptionProblems, type RedisConnectionOptions } from '../options.js'
import {
  checkLimit,
  checkPersistenceId,
  checkSequence,
  checkSnapshot,
  checkWrite,
  conflictError,
  snapshotBeyondEnd,
  staleSnapshot,
  storageClosed,
  type JournalEntry,
  type JournalStorage,
} from '../storage.js'

/** Options of {@link RedisJournalStorage}: the plain-data connection options plus these. */
export interface RedisJournalOptions extends RedisConnectionOptions {
  /**
   * An existing ioredis client (standalone or Cluster) to use instead of `url`. The storage
   * does not close it. A Cluster client requires `hashTags: true`.
   */
  client?: Redis | Cluster
  /** Where connection loss and recovery are logged. Default: nowhere. */
  logger?: Logger
}

/** Default key prefix of the Redis storage. */
export const DEFAULT_REDIS_KEY_PREFIX = 'coerce:'
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2_000
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 1_000
export const DEFAULT_REDIS_RECONNECT_MAX_DELAY_MS = 1_000

// KEYS: journal, seq. ARGV: expected sequence, then score/member pairs.
// Returns {1, new highest} or {0, stored highest} when the optimistic check fails.
/** @internal The append script (the benchmark's raw baseline runs the very same one). */
export const WRITE_EVENTS_LUA = `
local highest = tonumber(redis.call('GET', KEYS[2]) or '0')
if highest ~= tonumber(ARGV[1]) then return {0, highest} end
local n = #ARGV
local i = 2
while i <= n do
  local last = math.min(i + 999, n)
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, last))
  i = last + 1
end
redis.call('SET', KEYS[2], ARGV[n - 1])
return {1, tonumber(ARGV[n - 1])}
`

// KEYS: snapshot, seq. ARGV: sequence, member.
// Returns {0, 0} when stored, {1, highest} when beyond the journal, {2, stored} when a newer one exists.
const WRITE_SNAPSHOT_LUA = `
local highest = tonumber(redis.call('GET', KEYS[2]) or '0')
local seq = tonumber(ARGV[1])
if seq > highest then return {1, highest} end
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if latest[2] ~= nil and tonumber(latest[2]) > seq then return {2, tonumber(latest[2])} end
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return {0, 0}
`

type ScriptReply = [number, number]

interface JournalCommands {
  /** `pairs` goes as one array (ioredis flattens it) so a large batch is never spread into call arguments. */
  coerceWriteEvents(journalKey: string, seqKey: string, expected: number, pairs: (number | Buffer)[]): Promise<ScriptReply>
  coerceWriteSnapshot(snapshotKey: string, seqKey: string, sequence: number, member: Buffer): Promise<ScriptReply>
}

type Client = (Redis | Cluster) & JournalCommands

const memberCodec = new Packr({ useRecords: false })

/**
 * A {@link JournalStorage} on Redis.
 *
 * Operations never queue while Redis is away: each waits up to `connectTimeoutMs` for the
 * connection, then fails, and a command in flight when the connection drops fails at once. The
 * persist and recovery policies decide what happens next; the journal's optimistic check makes
 * a retried write that had in fact been applied detectable.
 *
 * @example
 * const storage = new RedisJournalStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: 'bank:' })
 */
export class RedisJournalStorage implements JournalStorage {
  private readonly client: Client
  private readonly ownsClient: boolean
  private readonly prefix: string
  private readonly hashTags: boolean
  private readonly connectTimeoutMs: number
  private readonly logger: Logger | undefined
  private readonly where: string
  private closed = false
  private lastError: string | undefined
  private readyWaiters: (() => void)[] = []
  private degraded = false

  constructor(options: RedisJournalOptions) {
    const problems = redisOptionProblems(options)
    if (options.client === undefined && typeof options.url !== 'string') problems.push('url is required unless client is given')
    if (options.client instanceof Cluster && options.hashTags !== true) {
      problems.push('a Redis Cluster client needs hashTags: true (every script touches two keys of one id)')
    }
    if (problems.length > 0) throw new TypeError(`invalid Redis journal options: ${problems.join('; ')}`)
    this.prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX
    this.hashTags = options.hashTags ?? false
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS
    this.logger = options.logger
    if (options.client !== undefined) {
      this.client = options.client as Client
      this.ownsClient = false
      this.where = 'redis (given client)'
    } else {
      const maxAttempts = options.reconnect?.maxAttempts ?? Infinity
      const maxDelayMs = options.reconnect?.maxDelayMs ?? DEFAULT_REDIS_RECONNECT_MAX_DELAY_MS
      this.client = new Redis(options.url as string, {
        lazyConnect: true,
        // Fail instead of queueing: the persist policy owns retries, and a queued write that
        // runs after its caller was told it failed would be a surprise.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
        connectTimeout: this.connectTimeoutMs,
        retryStrategy: (times) => (times > maxAttempts ? null : Math.min(maxDelayMs, 25 * 2 ** Math.min(times, 16))),
      }) as Client
      this.ownsClient = true
      this.where = `redis ${redactUrl(options.url as string)}`
    }
    this.client.defineCommand('coerceWriteEvents', { numberOfKeys: 2, lua: WRITE_EVENTS_LUA })
    this.client.defineCommand('coerceWriteSnapshot', { numberOfKeys: 2, lua: WRITE_SNAPSHOT_LUA })
    this.client.on('ready', this.onReady)
    this.client.on('error', this.onError)
  }

  private readonly onReady = (): void => {
    if (this.degraded) this.logger?.info({ storage: this.where }, 'journal storage reconnected')
    this.degraded = false
    this.lastError = undefined
    const waiters = this.readyWaiters
    this.readyWaiters = []
    for (const w of waiters) w()
  }

  private readonly onError = (e: Error): void => {
    this.lastError = e.message
    // One warning per outage; the reconnect attempts that follow log at debug.
    if (!this.degraded) this.logger?.warn({ storage: this.where, err: e }, 'journal storage connection failed')
    else this.logger?.debug({ storage: this.where, err: e.message }, 'journal storage still unreachable')
    this.degraded = true
  }

  /** The key names of a persistence id (for tests and operators). */
  keys(persistenceId: string): { journal: string; snapshot: string; seq: string } {
    const base = this.hashTags ? `${this.prefix}{${persistenceId}}` : `${this.prefix}${persistenceId}`
    return { journal: `${base}:journal`, snapshot: `${base}:snapshot`, seq: `${base}:seq` }
  }

  /** Resolves with the client once it is ready; rejects after `connectTimeoutMs` or when closed. */
  private async ready(): Promise<Client> {
    if (this.closed) throw storageClosed('redis')
    const c = this.client
    if (c.status === 'ready') return c
    if (c.status === 'wait' || (this.ownsClient && c.status === 'end')) {
      // 'wait': a lazy client's first use. 'end': our reconnect attempts ran out and this
      // operation starts a fresh round (a given client that ended was closed by its owner).
      c.connect().catch(() => {})
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer)
        if (this.closed) reject(storageClosed('redis'))
        else resolve()
      }
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter)
        const last = this.lastError === undefined ? '' : `; last error: ${this.lastError}`
        reject(new Error(`${this.where} not connected after ${this.connectTimeoutMs} ms (status ${c.status}${last})`))
      }, this.connectTimeoutMs)
      this.readyWaiters.push(waiter)
    })
    return c
  }

  /** Runs one command once connected; ioredis errors get a message that says what happened. */
  private async exec<T>(command: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.ready()
    try {
      return await command(c)
    } catch (e) {
      const message = errorText(e)
      if (/max retries per request/i.test(message)) {
        throw new Error(`${this.where}: the connection was lost with the command in flight (it may or may not have run)`, { cause: e })
      }
      if (/timed out/i.test(message)) {
        throw new Error(`${this.where}: no reply within the command timeout (the command may still run)`, { cause: e })
      }
      throw new Error(`${this.where}: ${message}`, { cause: e })
    }
  }

  async writeEvents(persistenceId: string, expectedSequence: number, entries: readonly JournalEntry[]): Promise<void> {
    checkWrite(persistenceId, expectedSequence, entries)
    const k = this.keys(persistenceId)
    const args: (number | Buffer)[] = new Array<number | Buffer>(entries.length * 2)
    const writtenAt = Date.now()
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as JournalEntry
      args[2 * i] = e.sequence
      args[2 * i + 1] = encodeMember(e, writtenAt)
    }
    const [ok, highest] = await this.exec((c) => c.coerceWriteEvents(k.journal, k.seq, expectedSequence, args))
    if (ok !== 1) throw conflictError(persistenceId, expectedSequence, highest)
  }

  async writeSnapshot(persistenceId: string, entry: JournalEntry): Promise<void> {
    checkSnapshot(persistenceId, entry)
    const k = this.keys(persistenceId)
    const member = encodeMember(entry)
    const [status, value] = await this.exec((c) => c.coerceWriteSnapshot(k.snapshot, k.seq, entry.sequence, member))
    if (status === 1) throw snapshotBeyondEnd(persistenceId, entry.sequence, value)
    if (status === 2) throw staleSnapshot(persistenceId, entry.sequence, value)
  }

  async readLatestSnapshot(persistenceId: string): Promise<JournalEntry | undefined> {
    checkPersistenceId(persistenceId)
    const found = await this.exec((c) => c.zrangeBuffer(this.keys(persistenceId).snapshot, -1, '-1'))
    const raw = found[0]
    return raw === undefined ? undefined : decodeMember(persistenceId, raw)
  }

  async readEvents(persistenceId: string, fromSequence: number, toSequence = Infinity, limit = Infinity): Promise<JournalEntry[]> {
    checkSequence(persistenceId, 'fromSequence', fromSequence)
    checkSequence(persistenceId, 'toSequence', toSequence)
    checkLimit(persistenceId, limit)
    if (toSequence < fromSequence) return []
    const key = this.keys(persistenceId).journal
    const to = toSequence === Infinity ? '+inf' : toSequence
    const raw = await this.exec((c) =>
      limit === Infinity ? c.zrangebyscoreBuffer(key, fromSequence, to) : c.zrangebyscoreBuffer(key, fromSequence, to, 'LIMIT', 0, limit),
    )
    return raw.map((m) => decodeMember(persistenceId, m))
  }

  async readHighestSequence(persistenceId: string): Promise<number> {
    checkPersistenceId(persistenceId)
    const v = await this.exec((c) => c.get(this.keys(persistenceId).seq))
    return v === null ? 0 : Number(v)
  }

  async deleteEventsTo(persistenceId: string, toSequence: number): Promise<void> {
    checkSequence(persistenceId, 'toSequence', toSequence)
    await this.exec((c) => c.zremrangebyscore(this.keys(persistenceId).journal, '-inf', toSequence === Infinity ? '+inf' : toSequence))
  }

  async deleteAll(persistenceId: string): Promise<void> {
    checkPersistenceId(persistenceId)
    const k = this.keys(persistenceId)
    await this.exec((c) => c.del(k.journal, k.snapshot))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.client.off('ready', this.onReady)
    this.client.off('error', this.onError)
    const waiters = this.readyWaiters
    this.readyWaiters = []
    for (const w of waiters) w()
    // Nothing is in flight when the last actor using the storage let go of it.
    if (this.ownsClient) this.client.disconnect()
  }
}

function encodeMember(e: JournalEntry, writtenAt?: number): Buffer {
  // pack() returns a view into a reused buffer: copy before handing it to the socket.
  return Buffer.from(memberCodec.pack(writtenAt === undefined ? [e.sequence, e.type, e.bytes] : [e.sequence, e.type, e.bytes, writtenAt]))
}

function decodeMember(persistenceId: string, raw: Buffer): JournalEntry {
  let v: unknown
  try {
    v = memberCodec.unpack(raw)
  } catch (e) {
    throw new PersistenceError('Corrupted', `a stored entry is not valid msgpack: ${errorText(e)}`, { persistenceId, cause: e })
  }
  if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'string' || !(v[2] instanceof Uint8Array)) {
    throw new PersistenceError('Corrupted', 'a stored entry is not [sequence, type, bytes]', { persistenceId })
  }
  return typeof v[3] === 'number' ? { sequence: v[0], type: v[1], bytes: v[2], writtenAt: v[3] } : { sequence: v[0], type: v[1], bytes: v[2] }
}

/** `redis://user:secret@host` without the secret, for logs and errors. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`)
}
