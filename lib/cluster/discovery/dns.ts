/**
 * The DNS provider: the SRV records (or A/AAAA records) of a headless Service. Kubernetes DNS
 * publishes only ready endpoints by default, so this is readiness-aware too, needs no RBAC,
 * and works with any DNS that serves SRV records. `watch` polls.
 */
import { Resolver } from 'node:dns/promises'
import { consoleLogger, type Logger } from '../../util/logger.js'
import { sortPeers } from './diff.js'
import { DiscoveryError } from './errors.js'
import type { Discovery, DiscoveryChange, Peer, StopWatch, WatchHandlers } from './types.js'
import { resolveRetry, runWatchLoop, type ResolvedRetry, type RetryOptions } from './watch-loop.js'

/** Options of {@link DnsDiscovery}. */
export interface DnsDiscoveryOptions {
  /** The headless Service's DNS name, e.g. `coerce.default.svc.cluster.local`. Default `COERCE_DNS_SERVICE`. */
  service?: string
  /** `srv` (default): query `_{portName}._tcp.{service}`; `a`: the A and AAAA records of `service`, with `port`. */
  mode?: 'srv' | 'a'
  /** Service port name for the SRV query. Default `COERCE_K8S_PORT_NAME`, else `coerce`. */
  portName?: string
  /** Port of every peer in `a` mode (required there). */
  port?: number
  /** Namespace reported on peers. Default: the second label of a `name.namespace.svc...` service. */
  namespace?: string
  /** DNS servers (`ip` or `ip:port`). Default: the system's. */
  servers?: string[]
  /** Limit of one query, ms. Default 5000. */
  timeoutMs?: number
  /** How often `watch` asks again, ms. Default 5000. */
  intervalMs?: number
  /** Backoff between failed polls. Default 500 ms doubling up to 30 s. */
  retry?: RetryOptions
  /** Environment the defaults are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** The logger; default JSON lines on stderr at `warn`. */
  logger?: Logger
}

// Answers that mean "this name has no such records": zero peers, not a failure.
const EMPTY_CODES = new Set(['ENOTFOUND', 'ENODATA'])

/**
 * Peers from DNS. An unknown name or an empty answer is zero peers (a headless Service with no
 * ready pod has no records); a server that does not answer is an `Unreachable` error.
 *
 * @example
 * const d = new DnsDiscovery({ service: 'coerce.default.svc.cluster.local' })
 */
export class DnsDiscovery implements Discovery {
  private readonly service: string
  private readonly mode: 'srv' | 'a'
  private readonly portName: string
  private readonly port: number | undefined
  private readonly namespace: string
  private readonly resolver: Resolver
  private readonly intervalMs: number
  private readonly retry: ResolvedRetry
  private readonly logger: Logger
  private readonly timeoutMs: number

  /** Throws a TypeError naming every invalid option. */
  constructor(options: DnsDiscoveryOptions = {}) {
    const env = options.env ?? process.env
    const problems: string[] = []
    const service = options.service ?? env['COERCE_DNS_SERVICE']
    if (typeof service !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(service)) problems.push(`service must be a DNS name (got ${JSON.stringify(service)})`)
    const mode = options.mode ?? 'srv'
    if (mode !== 'srv' && mode !== 'a') problems.push(`mode must be 'srv' or 'a' (got ${JSON.stringify(mode)})`)
    const port = options.port
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) problems.push(`port must be 1-65535 (got ${String(port)})`)
    if (mode === 'a' && port === undefined) problems.push("port is required in mode 'a'")
    const positive = (field: string, v: number | undefined, dflt: number): number => {
      if (v === undefined) return dflt
      if (v > 0 && Number.isFinite(v)) return v
      problems.push(`${field} must be a positive number of ms (got ${String(v)})`)
      return dflt
    }
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, 5_000)
    this.intervalMs = positive('intervalMs', options.intervalMs, 5_000)
    this.retry = resolveRetry(options.retry, 'retry', problems)
    this.resolver = new Resolver({ timeout: this.timeoutMs, tries: 1 })
    if (options.servers !== undefined) {
      try {
        this.resolver.setServers(options.servers)
      } catch (e) {
        problems.push(`servers: ${(e as Error).message}`)
      }
    }
    if (problems.length > 0) throw new TypeError(`invalid DNS discovery options: ${problems.join('; ')}`)
    this.service = (service as string).replace(/\.$/, '')
    this.mode = mode
    this.portName = options.portName ?? env['COERCE_K8S_PORT_NAME'] ?? 'coerce'
    this.port = port
    const labels = this.service.split('.')
    this.namespace = options.namespace ?? (labels[2] === 'svc' ? (labels[1] ?? '') : '')
    this.logger = options.logger ?? consoleLogger('warn', { component: 'discovery' })
  }

  /** The peers DNS names now. Rejects with a {@link DiscoveryError} when DNS does not answer. */
  async discover(): Promise<Peer[]> {
    return this.mode === 'srv' ? this.fromSrv() : this.fromA()
  }

  /** Polls every `intervalMs`; failed polls go to `onError` and are retried with backoff. */
  watch(handlers: WatchHandlers | ((change: DiscoveryChange) => void)): StopWatch {
    return runWatchLoop(handlers, this.retry, this.logger, async (r) => {
      r.replace(await this.discover())
      await r.sleep(this.intervalMs)
    })
  }

  private async fromSrv(): Promise<Peer[]> {
    const name = `_${this.portName}._tcp.${this.service}`
    const records = await this.query(name, () => this.resolver.resolveSrv(name))
    return sortPeers(
      records.map((r) => {
        const host = r.name.replace(/\.$/, '')
        return { podName: host.split('.')[0] ?? host, namespace: this.namespace, host, port: r.port, labels: {} }
      }),
    )
  }

  private async fromA(): Promise<Peer[]> {
    const [v4, v6] = await Promise.all([
      this.query(this.service, () => this.resolver.resolve4(this.service)),
      this.query(this.service, () => this.resolver.resolve6(this.service)),
    ])
    const port = this.port as number
    return sortPeers([...v4, ...v6].map((ip) => ({ podName: ip, namespace: this.namespace, host: ip, port, labels: {} })))
  }

  private async query<T>(name: string, run: () => Promise<T[]>): Promise<T[]> {
    try {
      return await run()
    } catch (e) {
      const code = (e as { code?: string }).code ?? ''
      if (EMPTY_CODES.has(code)) {
        this.logger.debug({ name, code }, 'no DNS records')
        return []
      }
      const unreachable = code === 'ETIMEOUT' || code === 'ECONNREFUSED'
      const why = code === 'ETIMEOUT' ? `: no answer within ${this.timeoutMs} ms` : code === 'ECONNREFUSED' ? ': the DNS server refused the connection' : ''
      throw new DiscoveryError(
        unreachable ? 'Unreachable' : 'DnsError',
        `DNS query for ${name} failed (${code || (e as Error).message})${why}`,
        { namespace: this.namespace, cause: e },
      )
    }
  }
}
