/**
 * The static-list provider: a fixed set of `host:port` seeds (from options or
 * `COERCE_SEED_PEERS`), for local clusters, tests and hosts without an orchestrator.
 */
import { isIPv6 } from 'node:net'
import { consoleLogger, type Logger } from '../../util/logger.js'
import { sortPeers } from './diff.js'
import { DEFAULT_RETRY, runWatchLoop } from './watch-loop.js'
import type { Discovery, DiscoveryChange, Peer, StopWatch, WatchHandlers } from './types.js'

/** Options of {@link StaticDiscovery}. */
export interface StaticDiscoveryOptions {
  /**
   * The peers: `host:port` strings (`[v6]:port` for IPv6) or full {@link Peer} objects.
   * Default: `COERCE_SEED_PEERS` from the environment, comma-separated `host:port` entries.
   */
  peers?: ReadonlyArray<string | Peer>
  /** The logger; default JSON lines on stderr at `warn`. */
  logger?: Logger
}

/** Parses `host:port` / `[v6]:port`; returns a reason string when it is not one. */
export function parseHostPort(s: string): { host: string; port: number } | string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:\s]+):(\d+)$/.exec(s)
  if (m === null) return `'${s}' is not host:port`
  const host = m[1] as string
  const port = Number(m[2])
  if (m[0].startsWith('[') && !isIPv6(host)) return `'${s}': '${host}' is not an IPv6 address`
  if (!(port > 0 && port < 65536)) return `'${s}': port must be 1-65535`
  return { host, port }
}

/**
 * A fixed list of peers. `watch` reports them once as joined and then nothing more.
 *
 * @example
 * const d = new StaticDiscovery({ peers: ['10.0.0.5:30101', '10.0.0.6:30101'] })
 */
export class StaticDiscovery implements Discovery {
  private readonly peers: Peer[]
  private readonly logger: Logger

  /** Throws a TypeError naming every entry that is not `host:port`. */
  constructor(options: StaticDiscoveryOptions = {}) {
    const raw = options.peers ?? (process.env['COERCE_SEED_PEERS'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
    const problems: string[] = []
    const peers: Peer[] = []
    for (const entry of raw) {
      if (typeof entry !== 'string') {
        peers.push(entry)
        continue
      }
      const hp = parseHostPort(entry)
      if (typeof hp === 'string') problems.push(hp)
      else peers.push({ podName: entry, namespace: '', host: hp.host, port: hp.port, labels: {} })
    }
    if (problems.length > 0) throw new TypeError(`invalid static discovery peers: ${problems.join('; ')}`)
    this.peers = sortPeers(peers)
    this.logger = options.logger ?? consoleLogger('warn', { component: 'discovery' })
  }

  /** The configured peers. */
  discover(): Promise<Peer[]> {
    return Promise.resolve([...this.peers])
  }

  /** Emits the peers once as joined; `stop` ends it. */
  watch(handlers: WatchHandlers | ((change: DiscoveryChange) => void)): StopWatch {
    return runWatchLoop(handlers, DEFAULT_RETRY, this.logger, async (r) => {
      r.replace(this.peers)
      await new Promise<void>((resolve) => r.signal.addEventListener('abort', () => resolve(), { once: true }))
    })
  }
}
