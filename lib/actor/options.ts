/**
 * Actor system options: the public `ActorSystemOptions`, the defaults, and the one place they
 * are validated. Inner code trusts `ResolvedSystemOptions`.
 */
import { extensionOptionFields } from './extensions.js'
import { newIncarnation } from './address.js'
import { randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { consoleLogger, type Logger, type LogLevel } from '../util/logger.js'
import { resolveStrategy, type ResolvedStrategy, type SupervisionStrategy } from './supervision.js'

/** Options of {@link ActorSystem.start}. Every field is optional. */
export interface ActorSystemOptions {
  /** Name of the system; default `COERCE_ACTOR_SYSTEM` from the environment, else `coerce`. */
  name?: string
  /** Unique id of this node; default a random UUID. */
  nodeId?: string
  /** Default ask timeout, ms. Default 5000. */
  askTimeoutMs?: number
  /** How long a stop waits for a running handler before going on, ms. Default 10 000. */
  stopTimeoutMs?: number
  /** User-lane capacity of each mailbox, in messages (`Infinity` allowed). Default 1 000 000. */
  mailboxCapacity?: number
  /** How top-level actors are supervised. Default: restart with backoff, 10 restarts per minute. */
  supervision?: SupervisionStrategy
  /** Mailbox-wait and processing times are sampled once per this many messages (a power of two). Default 64. */
  metricsSampleEvery?: number
  /** The logger; default JSON lines on stderr. */
  logger?: Logger
  /** Level of the default logger; default `COERCE_LOG_LEVEL` from the environment, else `warn`. */
  logLevel?: LogLevel
  /**
   * Worker threads actors can be placed on; default the number of available cores. 0 keeps
   * every actor on the main thread. Workers start when the first actor is placed on one.
   */
  workers?: number
  /** How `placement: 'worker'` chooses a worker. Default `actor-count`. */
  placementPolicy?: 'actor-count' | 'message-load'
  /** Data bytes of each ring between two threads (a power of two, >= 4096). Default 262 144. */
  ringBytes?: number
  /** Frames a thread may queue toward one peer when its ring is full, before `tell` fails with `MailboxFull`. Default 65 536. */
  outboxLimit?: number
  /** How long an idle thread spins for new messages before sleeping, microseconds. Default 50. */
  spinMicros?: number
  /** How often workers report their load and metrics to the main thread, ms. Default 1000. */
  statsIntervalMs?: number
  /** Threads of the blocking-task pool (`ctx.blocking`, `system.offload`). Default: available cores. */
  blockingThreads?: number
  /** Starts the HTTP diagnostics API with the system (see `ActorSystem.startHttpApi`); closed by `shutdown()`. */
  http?: HttpApiOptions
}

/** Where the HTTP diagnostics API listens. */
export interface HttpApiOptions {
  /** TCP port; 0 picks a free one. Default `COERCE_HTTP_PORT` from the environment, else 30103. */
  port?: number
  /**
   * Address to bind. Default `COERCE_HTTP_HOST` from the environment, else `127.0.0.1`
   * (this machine only); `0.0.0.0` serves every interface, as a container needs.
   */
  host?: string
}

export interface ResolvedHttpApiOptions {
  port: number
  host: string
}

export interface ResolvedSystemOptions {
  name: string
  nodeId: string
  /** This run of the node (see `NodeAddress`); new at every start, shared by the system's threads. */
  incarnation: number
  askTimeoutMs: number
  stopTimeoutMs: number
  mailboxCapacity: number
  supervision: ResolvedStrategy
  metricsSampleEvery: number
  logger: Logger
  logLevel: LogLevel
  workers: number
  placementPolicy: 'actor-count' | 'message-load'
  ringBytes: number
  outboxLimit: number
  spinMicros: number
  statsIntervalMs: number
  blockingThreads: number
  http: ResolvedHttpApiOptions | null
}

export const DEFAULT_ASK_TIMEOUT_MS = 5_000
export const DEFAULT_STOP_TIMEOUT_MS = 10_000
export const DEFAULT_MAILBOX_CAPACITY = 1_000_000
export const DEFAULT_METRICS_SAMPLE_EVERY = 64
export const DEFAULT_RING_BYTES = 262_144
export const DEFAULT_OUTBOX_LIMIT = 65_536
export const DEFAULT_SPIN_MICROS = 50
export const DEFAULT_STATS_INTERVAL_MS = 1_000
export const DEFAULT_HTTP_PORT = 30103
export const DEFAULT_HTTP_HOST = '127.0.0.1'

/**
 * Validates HTTP API options and fills defaults; problems are pushed to `problems`, each
 * naming its field under `prefix`. Returns null when there were problems.
 */
export function checkHttpApiOptions(o: HttpApiOptions, prefix: string, problems: string[]): ResolvedHttpApiOptions | null {
  const before = problems.length
  if (o === null || typeof o !== 'object') {
    problems.push(`${prefix} must be an object`)
    return null
  }
  const envPort = process.env['COERCE_HTTP_PORT']
  const port = o.port ?? (envPort === undefined || envPort === '' ? DEFAULT_HTTP_PORT : Number(envPort))
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    const from = o.port === undefined ? 'COERCE_HTTP_PORT' : `${prefix}.port`
    problems.push(`${from} must be an integer from 0 to 65535 (got ${String(o.port ?? envPort)})`)
  }
  const host = o.host ?? (process.env['COERCE_HTTP_HOST'] || DEFAULT_HTTP_HOST)
  if (typeof host !== 'string' || host.length === 0) problems.push(`${prefix}.host must be a non-empty string`)
  return problems.length > before ? null : { port, host }
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent']

/** Validates `o` and fills defaults. Throws one TypeError naming every bad field. */
export function resolveSystemOptions(o: ActorSystemOptions = {}): ResolvedSystemOptions {
  const problems: string[] = []
  const positive = (name: keyof ActorSystemOptions, v: unknown, allowInfinity = false): void => {
    if (v === undefined) return
    const ok = typeof v === 'number' && v > 0 && (Number.isFinite(v) || (allowInfinity && v === Infinity))
    if (!ok) problems.push(`${name} must be a positive number (got ${String(v)})`)
  }
  positive('askTimeoutMs', o.askTimeoutMs)
  positive('stopTimeoutMs', o.stopTimeoutMs)
  positive('mailboxCapacity', o.mailboxCapacity, true)
  positive('outboxLimit', o.outboxLimit)
  positive('statsIntervalMs', o.statsIntervalMs)
  for (const key of ['workers', 'spinMicros'] as const) {
    const v = o[key]
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) problems.push(`${key} must be an integer >= 0 (got ${String(v)})`)
  }
  if (o.blockingThreads !== undefined && !(Number.isInteger(o.blockingThreads) && o.blockingThreads >= 1)) {
    problems.push(`blockingThreads must be an integer >= 1 (got ${String(o.blockingThreads)})`)
  }
  const ring = o.ringBytes
  if (ring !== undefined && !(Number.isInteger(ring) && ring >= 4096 && ring <= 1 << 30 && (ring & (ring - 1)) === 0)) {
    problems.push(`ringBytes must be a power of two between 4096 and 2^30 (got ${String(ring)})`)
  }
  if (o.placementPolicy !== undefined && o.placementPolicy !== 'actor-count' && o.placementPolicy !== 'message-load') {
    problems.push(`placementPolicy must be 'actor-count' or 'message-load' (got ${String(o.placementPolicy)})`)
  }
  const sample = o.metricsSampleEvery
  if (sample !== undefined && !(Number.isInteger(sample) && sample > 0 && (sample & (sample - 1)) === 0)) {
    problems.push(`metricsSampleEvery must be a power of two (got ${String(sample)})`)
  }
  for (const key of ['name', 'nodeId'] as const) {
    const v = o[key]
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) problems.push(`${key} must be a non-empty string`)
  }
  const envLevel = process.env['COERCE_LOG_LEVEL']
  const level = o.logLevel ?? (LOG_LEVELS.includes(envLevel as LogLevel) ? (envLevel as LogLevel) : 'warn')
  if (!LOG_LEVELS.includes(level)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')} (got ${String(level)})`)
  const http = o.http === undefined ? null : checkHttpApiOptions(o.http, 'http', problems)
  let supervision: ResolvedStrategy | undefined
  try {
    supervision = resolveStrategy(o.supervision ?? { directive: 'restart' })
  } catch (e) {
    problems.push((e as Error).message)
  }
  const extra: Record<string, unknown> = {}
  for (const [field, ext] of extensionOptionFields()) extra[field] = ext.resolve((o as Record<string, unknown>)[field], problems)
  if (problems.length > 0 || supervision === undefined) {
    throw new TypeError(`invalid actor system options: ${problems.join('; ')}`)
  }
  const name = o.name ?? process.env['COERCE_ACTOR_SYSTEM'] ?? 'coerce'
  const nodeId = o.nodeId ?? randomUUID()
  const resolved = {
    name,
    nodeId,
    incarnation: newIncarnation(),
    askTimeoutMs: o.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS,
    stopTimeoutMs: o.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    mailboxCapacity: o.mailboxCapacity ?? DEFAULT_MAILBOX_CAPACITY,
    supervision,
    metricsSampleEvery: sample ?? DEFAULT_METRICS_SAMPLE_EVERY,
    logger: o.logger ?? consoleLogger(level, { system: name, nodeId }),
    logLevel: level,
    workers: o.workers ?? availableParallelism(),
    placementPolicy: o.placementPolicy ?? 'actor-count',
    ringBytes: o.ringBytes ?? DEFAULT_RING_BYTES,
    outboxLimit: o.outboxLimit ?? DEFAULT_OUTBOX_LIMIT,
    spinMicros: o.spinMicros ?? DEFAULT_SPIN_MICROS,
    statsIntervalMs: o.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
    blockingThreads: o.blockingThreads ?? availableParallelism(),
    http,
  }
  // Fields of higher layers join through their resolvers (their types through module augmentation).
  return Object.assign(resolved, extra) as unknown as ResolvedSystemOptions
}

/** @internal The installed option fields' values for a worker thread. */
export function optionFieldsForWorker(o: ResolvedSystemOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, field] of extensionOptionFields()) {
    const value = (o as unknown as Record<string, unknown>)[name]
    out[name] = field.forWorker === undefined ? value : field.forWorker(value)
  }
  return out
}
