/**
 * The `cluster` option of `ActorSystem.start`: where this node listens and how others reach
 * it, the shared secret, how it finds its peers (seeds or a discovery provider), and the
 * failure bounds. Validated in one place; inner code trusts `ResolvedClusterOptions`.
 */
import { hostname } from 'node:os'
import type { Discovery } from './discovery/types.js'
import { AKKA_DEFAULTS, type FailureDetectorOptions } from './failure-detector.js'
import { DEFAULT_TOKEN_TTL_MS } from '../remote/auth.js'

/** Options of a clustered node (`ActorSystem.start({ cluster })`). */
export interface ClusterOptions {
  /** Where the cluster port listens: `host:port`, or `{ host, port }` (port 0 picks a free one). Default `0.0.0.0:30101`. */
  listen?: string | { host?: string; port?: number }
  /**
   * The address other nodes dial: `ws://host:port`, `wss://host:port` or `host:port`. Default:
   * the listen address, with `POD_IP` (or the host name) in place of `0.0.0.0`.
   */
  advertise?: string
  /** Shared by every node of the cluster; default `COERCE_CLUSTER_SECRET`. Required. */
  secret?: string
  /** Nodes to join through (`host:port` or ws URLs). A node alone in its list forms a cluster of one. */
  seeds?: string[]
  /** Finds the seeds instead (static, DNS, Kubernetes); followed for peers that appear later. */
  discovery?: Discovery
  /** TLS (wss) for every connection: PEM certificate and key, and a CA to check peers against. */
  tls?: { cert: string; key: string; ca?: string }
  /** The failure detector (phi accrual, Akka's defaults) and heartbeat period. */
  failureDetector?: Partial<FailureDetectorOptions> & { heartbeatIntervalMs?: number }
  /** How long a member stays unreachable before it is marked down, ms. Default 10 000. */
  downAfterMs?: number
  /**
   * Split-brain resolution (keep-majority): the side that keeps the cluster downs the other
   * side's members only after `downAfterMs` plus this margin, so that side (which downs itself
   * after `downAfterMs`) has stopped its singletons first. Default: half of `downAfterMs`, at
   * least 1000.
   */
  downMarginMs?: number
  /** How long `start()` waits for the seeds, ms. Default 10 000. */
  joinTimeoutMs?: number
  /** Largest message to another node, bytes (encoded). Default 8 MiB. */
  maxFrameBytes?: number
  /** Messages buffered per peer while its connection is being made. Default 10 000. */
  sendBufferFrames?: number
  /** How old a handshake token may be, ms. Default 30 000. */
  tokenTtlMs?: number
  /** How often the membership is gossiped (besides every change), ms. Default 1000. */
  gossipIntervalMs?: number
}

export interface ResolvedClusterOptions {
  listenHost: string
  listenPort: number
  advertise: string | null
  secret: string
  seeds: string[]
  discovery: Discovery | null
  tls: { cert: string; key: string; ca?: string } | null
  failureDetector: FailureDetectorOptions
  heartbeatIntervalMs: number
  downAfterMs: number
  downMarginMs: number
  joinTimeoutMs: number
  maxFrameBytes: number
  sendBufferFrames: number
  tokenTtlMs: number
  gossipIntervalMs: number
}

export const DEFAULT_CLUSTER_PORT = 30101
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024

/** `host:port` or a ws(s) URL as the ws URL to dial. */
export function toWsUrl(address: string, tls: boolean): string {
  if (/^wss?:\/\//.test(address)) return address.replace(/\/$/, '')
  return `${tls ? 'wss' : 'ws'}://${address}`
}

function parseListen(l: ClusterOptions['listen'], problems: string[]): { host: string; port: number } {
  if (l === undefined) return { host: '0.0.0.0', port: DEFAULT_CLUSTER_PORT }
  let host: string | undefined
  let port: number | undefined
  if (typeof l === 'string') {
    const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(l)
    if (m === null) {
      problems.push(`cluster.listen must be 'host:port' (got ${JSON.stringify(l)})`)
      return { host: '0.0.0.0', port: 0 }
    }
    host = (m[1] as string).replace(/^\[|\]$/g, '') || '0.0.0.0'
    port = Number(m[2])
  } else if (l !== null && typeof l === 'object') {
    host = l.host ?? '0.0.0.0'
    port = l.port ?? DEFAULT_CLUSTER_PORT
  } else {
    problems.push(`cluster.listen must be 'host:port' or { host, port } (got ${String(l)})`)
    return { host: '0.0.0.0', port: 0 }
  }
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) problems.push(`cluster.listen port must be 0..65535 (got ${String(port)})`)
  return { host, port }
}

/** Validates the raw `cluster` option; null when absent. Problems are pushed, naming the field. */
export function resolveClusterOptions(raw: unknown, problems: string[]): ResolvedClusterOptions | null {
  if (raw === undefined || raw === null) return null
  if (typeof raw !== 'object') {
    problems.push(`cluster must be an object (got ${typeof raw})`)
    return null
  }
  const o = raw as ClusterOptions
  const known = new Set(['listen', 'advertise', 'secret', 'seeds', 'discovery', 'tls', 'failureDetector', 'downAfterMs', 'downMarginMs', 'joinTimeoutMs', 'maxFrameBytes', 'sendBufferFrames', 'tokenTtlMs', 'gossipIntervalMs'])
  for (const key of Object.keys(o)) if (!known.has(key)) problems.push(`cluster.${key} is not a cluster option (known: ${[...known].join(', ')})`)
  const { host, port } = parseListen(o.listen, problems)
  const secret = o.secret ?? process.env['COERCE_CLUSTER_SECRET']
  if (typeof secret !== 'string' || secret.length < 8) problems.push('cluster.secret (or COERCE_CLUSTER_SECRET) must be a string of at least 8 characters, the same on every node')
  if (o.seeds !== undefined && !(Array.isArray(o.seeds) && o.seeds.every((s) => typeof s === 'string' && s.length > 0))) {
    problems.push('cluster.seeds must be an array of "host:port" or ws URLs')
  }
  if (o.discovery !== undefined && (o.discovery === null || typeof (o.discovery as Discovery).discover !== 'function')) {
    problems.push('cluster.discovery must be a Discovery (StaticDiscovery, DnsDiscovery, KubernetesDiscovery)')
  }
  if (o.tls !== undefined && (o.tls === null || typeof o.tls.cert !== 'string' || typeof o.tls.key !== 'string')) {
    problems.push('cluster.tls needs PEM strings cert and key (and optionally ca)')
  }
  const positive = (name: string, v: unknown, dflt: number): number => {
    if (v === undefined) return dflt
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) problems.push(`cluster.${name} must be a positive number (got ${String(v)})`)
    return v as number
  }
  const fd = o.failureDetector ?? {}
  const tls = o.tls ?? null
  const envAdvertise = process.env['COERCE_CLUSTER_ADVERTISE']
  let advertise = o.advertise ?? (envAdvertise !== undefined && envAdvertise !== '' ? envAdvertise : null)
  if (advertise === null && (host === '0.0.0.0' || host === '::') && port !== 0) {
    advertise = `${process.env['POD_IP'] || hostname()}:${port}`
  }
  return {
    listenHost: host,
    listenPort: port,
    advertise: advertise === null ? null : toWsUrl(advertise, tls !== null),
    secret: secret as string,
    seeds: (o.seeds ?? []).map((s) => toWsUrl(s, tls !== null)),
    discovery: o.discovery ?? null,
    tls,
    failureDetector: {
      threshold: positive('failureDetector.threshold', fd.threshold, AKKA_DEFAULTS.threshold),
      maxSampleSize: positive('failureDetector.maxSampleSize', fd.maxSampleSize, AKKA_DEFAULTS.maxSampleSize),
      minStdDeviationMs: positive('failureDetector.minStdDeviationMs', fd.minStdDeviationMs, AKKA_DEFAULTS.minStdDeviationMs),
      acceptableHeartbeatPauseMs: positive('failureDetector.acceptableHeartbeatPauseMs', fd.acceptableHeartbeatPauseMs, AKKA_DEFAULTS.acceptableHeartbeatPauseMs),
      firstHeartbeatEstimateMs: positive('failureDetector.firstHeartbeatEstimateMs', fd.firstHeartbeatEstimateMs, AKKA_DEFAULTS.firstHeartbeatEstimateMs),
    },
    heartbeatIntervalMs: positive('failureDetector.heartbeatIntervalMs', fd.heartbeatIntervalMs, 1000),
    downAfterMs: positive('downAfterMs', o.downAfterMs, 10_000),
    downMarginMs: positive('downMarginMs', o.downMarginMs, Math.max(1000, (o.downAfterMs ?? 10_000) / 2)),
    joinTimeoutMs: positive('joinTimeoutMs', o.joinTimeoutMs, 10_000),
    maxFrameBytes: positive('maxFrameBytes', o.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES),
    sendBufferFrames: positive('sendBufferFrames', o.sendBufferFrames, 10_000),
    tokenTtlMs: positive('tokenTtlMs', o.tokenTtlMs, DEFAULT_TOKEN_TTL_MS),
    gossipIntervalMs: positive('gossipIntervalMs', o.gossipIntervalMs, 1000),
  }
}

// Declared here, next to the option's type, so the package's declarations carry them.
declare module '../actor/options.js' {
  interface ActorSystemOptions {
    /** Joins (or forms) a cluster: remoting over WebSockets, membership, a cluster-wide name directory. */
    cluster?: ClusterOptions
  }
  interface ResolvedSystemOptions {
    cluster: ResolvedClusterOptions | null
  }
}
