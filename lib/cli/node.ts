/**
 * `coerce-ts node`: runs one cluster node from flags and environment (the container's entry
 * point). It checks its settings (and that Redis answers) before it starts anything, starts the
 * actor system with the cluster, persistence and HTTP API, runs the application module
 * (`--app`, see {@link NodeApp}), logs JSON lines, and on SIGTERM/SIGINT leaves the cluster
 * gracefully (singleton and shard handover run in `system.shutdown()`) and exits 0.
 */
import { randomUUID } from 'node:crypto'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
// From the package's entry, so every extension (cluster, HTTP API, persistence) is installed.
import { ActorSystem } from '../index.js'
import type { ActorSystemOptions } from '../actor/options.js'
import type { ClusterOptions } from '../cluster/options.js'
import type { Discovery } from '../cluster/discovery/types.js'
import { StaticDiscovery, parseHostPort } from '../cluster/discovery/static.js'
import { DnsDiscovery } from '../cluster/discovery/dns.js'
import { KubernetesDiscovery } from '../cluster/discovery/k8s/provider.js'
import type { KubernetesDiscoveryOptions } from '../cluster/discovery/k8s/options.js'
import { consoleLogger, isLogLevel, type Logger, type LogLevel } from '../util/logger.js'
import { ExitCode, parseFlags, type CliIo } from './io.js'
import type { NodeApp, NodeAppContext, NodeAppHandle } from './node-app.js'

export const NODE_USAGE = `Usage: coerce-ts node [options]

Runs a cluster node until SIGTERM or SIGINT (then leaves the cluster gracefully and exits 0;
a second signal exits 1 at once). Every option has an environment variable; flags win.

Options:
      --listen <host:port>      cluster port (COERCE_CLUSTER_LISTEN, default 0.0.0.0:30101)
      --advertise <host:port>   address other nodes dial (COERCE_CLUSTER_ADVERTISE, default
                                $POD_IP:<listen port> when POD_IP is set, else the listen address)
      --secret <secret>         shared cluster secret, 8+ characters (COERCE_CLUSTER_SECRET, required)
      --discovery <kind>        static, dns or k8s (COERCE_DISCOVERY, default static)
      --seeds <host:port,...>   static: the seed nodes (COERCE_SEED_PEERS); none: a cluster of one
      --dns-service <name>      dns: headless Service name (COERCE_DNS_SERVICE)
      --dns-mode <srv|a>        dns: SRV records (default) or A/AAAA records with the listen port
      --k8s-selector <sel>      k8s: pod label selector (COERCE_K8S_POD_SELECTOR, default app=coerce)
      --k8s-port-name <name>    k8s: container port name (COERCE_K8S_PORT_NAME, default coerce)
      --k8s-namespace <ns>      k8s: namespace (POD_NAMESPACE, default the service account's)
      --k8s-addr-mode <mode>    k8s: podIp or hostname (COERCE_K8S_ADDR_MODE, default podIp)
      --persistence <storage>   memory or redis://host:port[/db] (COERCE_PERSISTENCE, default memory)
      --http-port <port>        HTTP API port, 0 = off (COERCE_HTTP_PORT, default 30103)
      --http-host <host>        HTTP API address (COERCE_HTTP_HOST, default 0.0.0.0)
      --workers <n>             actor worker threads (COERCE_WORKERS, default: the cores)
      --node-id <id>            node id (COERCE_NODE_ID, else POD_NAME, else a random UUID)
      --app <module>            application module to run (COERCE_APP): its default export or
                                \`setup\`, called as setup(system, ctx)
      --log-level <level>       trace, debug, info, warn, error, silent (COERCE_LOG_LEVEL, default info)
      --shutdown-timeout <ms>   longest graceful shutdown before exit 1 (COERCE_SHUTDOWN_TIMEOUT_MS,
                                default 25000, inside Kubernetes' 30 s grace period)
  -h, --help                    this text

Exit status: 0 after a graceful stop, 1 when the node fails to start or stop, 2 on a usage error
(bad flag, missing secret).
`

/** The storage a node journals to. */
export type NodePersistence = { kind: 'memory' } | { kind: 'redis'; url: string }

/** The node's settings after flags, environment and defaults. */
export interface NodeSettings {
  listen: { host: string; port: number }
  advertise: string | undefined
  secret: string
  discovery: 'static' | 'dns' | 'k8s'
  seeds: string[]
  dns: { service: string | undefined; mode: 'srv' | 'a' }
  k8s: Pick<KubernetesDiscoveryOptions, 'selector' | 'portName' | 'namespace' | 'addressMode'>
  persistence: NodePersistence
  /** null: no HTTP API. */
  http: { host: string; port: number } | null
  workers: number | undefined
  nodeId: string | undefined
  app: string | undefined
  logLevel: LogLevel
  shutdownTimeoutMs: number
}

export const DEFAULT_NODE_LISTEN = '0.0.0.0:30101'
export const DEFAULT_NODE_HTTP_PORT = 30103
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000
/** How long the start-up check waits for Redis to answer PING, ms. */
export const REDIS_CHECK_TIMEOUT_MS = 3_000

const DISCOVERY_KINDS = ['static', 'dns', 'k8s'] as const

/** Parses `argv` (after `node`) with `env` as defaults: the settings, `'help'`, or one error line. */
export function parseNodeArgs(argv: string[], env: NodeJS.ProcessEnv): NodeSettings | 'help' | { error: string } {
  const parsed = parseFlags(argv, {
    listen: { type: 'string' },
    advertise: { type: 'string' },
    secret: { type: 'string' },
    discovery: { type: 'string' },
    seeds: { type: 'string' },
    'dns-service': { type: 'string' },
    'dns-mode': { type: 'string' },
    'k8s-selector': { type: 'string' },
    'k8s-port-name': { type: 'string' },
    'k8s-namespace': { type: 'string' },
    'k8s-addr-mode': { type: 'string' },
    persistence: { type: 'string' },
    'http-port': { type: 'string' },
    'http-host': { type: 'string' },
    workers: { type: 'string' },
    'node-id': { type: 'string' },
    app: { type: 'string' },
    'log-level': { type: 'string' },
    'shutdown-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if ('error' in parsed) return parsed
  const { values } = parsed
  if (values.help) return 'help'
  // A flag wins; an empty environment variable counts as unset.
  const pick = (flag: string | undefined, name: string): string | undefined => flag ?? (env[name] === '' ? undefined : env[name])

  const listenText = pick(values.listen, 'COERCE_CLUSTER_LISTEN') ?? DEFAULT_NODE_LISTEN
  const listen = parseListen(listenText)
  if (typeof listen === 'string') return { error: `--listen (COERCE_CLUSTER_LISTEN): ${listen}` }

  const podIp = env['POD_IP']
  const advertise = pick(values.advertise, 'COERCE_CLUSTER_ADVERTISE') ?? (podIp !== undefined && podIp !== '' ? `${podIp.includes(':') ? `[${podIp}]` : podIp}:${listen.port}` : undefined)
  if (advertise !== undefined && !/^wss?:\/\//.test(advertise) && typeof parseHostPort(advertise) === 'string') {
    return { error: `--advertise (COERCE_CLUSTER_ADVERTISE) must be host:port or a ws:// URL (got '${advertise}')` }
  }

  const secret = pick(values.secret, 'COERCE_CLUSTER_SECRET')
  if (secret === undefined) return { error: 'a cluster secret is required: pass --secret or set COERCE_CLUSTER_SECRET (the same on every node)' }
  if (secret.length < 8) return { error: '--secret (COERCE_CLUSTER_SECRET) must have at least 8 characters' }

  const discovery = pick(values.discovery, 'COERCE_DISCOVERY') ?? 'static'
  if (!(DISCOVERY_KINDS as readonly string[]).includes(discovery)) return { error: `--discovery must be static, dns or k8s (got '${discovery}')` }
  const seedText = pick(values.seeds, 'COERCE_SEED_PEERS') ?? ''
  const seeds = seedText.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const s of seeds) {
    const hp = parseHostPort(s)
    if (typeof hp === 'string') return { error: `--seeds (COERCE_SEED_PEERS): ${hp}` }
  }
  const dnsService = pick(values['dns-service'], 'COERCE_DNS_SERVICE')
  const dnsMode = pick(values['dns-mode'], 'COERCE_DNS_MODE') ?? 'srv'
  if (dnsMode !== 'srv' && dnsMode !== 'a') return { error: `--dns-mode must be srv or a (got '${dnsMode}')` }
  if (discovery === 'dns' && dnsService === undefined) return { error: '--discovery dns needs --dns-service (or COERCE_DNS_SERVICE): the headless Service name' }
  const k8s: NodeSettings['k8s'] = {}
  if (values['k8s-selector'] !== undefined) k8s.selector = values['k8s-selector']
  if (values['k8s-port-name'] !== undefined) k8s.portName = values['k8s-port-name']
  if (values['k8s-namespace'] !== undefined) k8s.namespace = values['k8s-namespace']
  if (values['k8s-addr-mode'] !== undefined) k8s.addressMode = values['k8s-addr-mode'] as KubernetesDiscoveryOptions['addressMode']

  const persistenceText = pick(values.persistence, 'COERCE_PERSISTENCE') ?? 'memory'
  let persistence: NodePersistence
  if (persistenceText === 'memory') persistence = { kind: 'memory' }
  else if (/^rediss?:\/\/[^/\s]+/.test(persistenceText)) persistence = { kind: 'redis', url: persistenceText }
  else return { error: `--persistence (COERCE_PERSISTENCE) must be memory or a redis:// URL (got '${persistenceText}')` }

  const httpPortText = pick(values['http-port'], 'COERCE_HTTP_PORT') ?? String(DEFAULT_NODE_HTTP_PORT)
  const httpPort = Number(httpPortText)
  if (!(/^\d+$/.test(httpPortText) && httpPort <= 65535)) return { error: `--http-port (COERCE_HTTP_PORT) must be a port number, 0 for no HTTP API (got '${httpPortText}')` }
  const httpHost = pick(values['http-host'], 'COERCE_HTTP_HOST') ?? '0.0.0.0'

  const workersText = pick(values.workers, 'COERCE_WORKERS')
  let workers: number | undefined
  if (workersText !== undefined) {
    if (!/^\d+$/.test(workersText)) return { error: `--workers (COERCE_WORKERS) must be an integer >= 0 (got '${workersText}')` }
    workers = Number(workersText)
  }

  const logLevel = pick(values['log-level'], 'COERCE_LOG_LEVEL') ?? 'info'
  if (!isLogLevel(logLevel)) return { error: `--log-level (COERCE_LOG_LEVEL) must be trace, debug, info, warn, error or silent (got '${logLevel}')` }

  const timeoutText = pick(values['shutdown-timeout'], 'COERCE_SHUTDOWN_TIMEOUT_MS') ?? String(DEFAULT_SHUTDOWN_TIMEOUT_MS)
  const shutdownTimeoutMs = Number(timeoutText)
  if (!(Number.isFinite(shutdownTimeoutMs) && shutdownTimeoutMs > 0)) return { error: `--shutdown-timeout must be a positive number of ms (got '${timeoutText}')` }

  return {
    listen,
    advertise,
    secret,
    discovery: discovery as NodeSettings['discovery'],
    seeds,
    dns: { service: dnsService, mode: dnsMode },
    k8s,
    persistence,
    http: httpPort === 0 ? null : { host: httpHost, port: httpPort },
    workers,
    nodeId: pick(values['node-id'], 'COERCE_NODE_ID') ?? pick(undefined, 'POD_NAME'),
    app: pick(values.app, 'COERCE_APP'),
    logLevel,
    shutdownTimeoutMs,
  }
}

function parseListen(text: string): { host: string; port: number } | string {
  const m = /^(\[[^\]]+\]|[^:\s]*):(\d+)$/.exec(text)
  if (m === null) return `must be host:port (got '${text}')`
  const port = Number(m[2])
  if (port > 65535) return `port must be 0-65535 (got '${text}')`
  return { host: (m[1] as string).replace(/^\[|\]$/g, '') || '0.0.0.0', port }
}

/** The discovery provider the settings name (none for static without seeds: a cluster of one). */
export function discoveryOf(s: NodeSettings, env: NodeJS.ProcessEnv, logger: Logger): Discovery | undefined {
  const log = logger.child?.({ component: 'discovery' }) ?? logger
  switch (s.discovery) {
    case 'static':
      return s.seeds.length === 0 ? undefined : new StaticDiscovery({ peers: s.seeds, logger: log })
    case 'dns':
      return new DnsDiscovery({ service: s.dns.service as string, mode: s.dns.mode, ...(s.dns.mode === 'a' ? { port: s.listen.port } : {}), env, logger: log })
    case 'k8s':
      return new KubernetesDiscovery({ ...s.k8s, env, logger: log })
  }
}

/** The `ActorSystem.start` options of a node with these settings. */
export function systemOptionsOf(s: NodeSettings, nodeId: string, logger: Logger, discovery: Discovery | undefined): ActorSystemOptions {
  const cluster: ClusterOptions = {
    listen: { host: s.listen.host, port: s.listen.port },
    secret: s.secret,
    ...(s.advertise !== undefined ? { advertise: s.advertise } : {}),
    ...(discovery !== undefined ? { discovery } : {}),
  }
  return {
    nodeId,
    logger,
    logLevel: s.logLevel,
    ...(s.workers !== undefined ? { workers: s.workers } : {}),
    ...(s.http !== null ? { http: { host: s.http.host, port: s.http.port } } : {}),
    cluster,
    persistence: { storage: s.persistence.kind === 'memory' ? { kind: 'memory' } : { kind: 'redis', url: s.persistence.url } },
  }
}

/** Resolves once Redis at `url` answers PING; rejects with one line naming the URL otherwise. */
export async function checkRedis(url: string, timeoutMs = REDIS_CHECK_TIMEOUT_MS): Promise<void> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })
  // The socket's error says why (ECONNREFUSED, ENOTFOUND); the rejected connect only that it closed.
  let socketError: Error | undefined
  client.on('error', (e: Error) => {
    socketError ??= e
  })
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
  } catch (e) {
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(socketError ?? (e as Error)).message}`)
  } finally {
    clearTimeout(timer)
    client.disconnect()
  }
}

/** The URL without its password. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@')
}

/** Imports the app module (a path relative to the working directory, or a package name) and returns its setup function. */
export async function loadApp(spec: string, cwd = process.cwd()): Promise<NodeApp> {
  const isPath = spec.startsWith('.') || isAbsolute(spec) || /\.[cm]?[jt]s$/.test(spec)
  const target = isPath ? pathToFileURL(resolve(cwd, spec)).href : spec
  let mod: Record<string, unknown>
  try {
    mod = (await import(target)) as Record<string, unknown>
  } catch (e) {
    throw new Error(`cannot load the app module '${spec}': ${(e as Error).message.split('\n')[0]}`)
  }
  const setup = typeof mod['default'] === 'function' ? mod['default'] : mod['setup']
  if (typeof setup !== 'function') throw new Error(`the app module '${spec}' exports no function as default or 'setup'`)
  return setup as NodeApp
}

/**
 * Runs `node`; resolves to the exit code once the node stopped (after `io.signal` aborted) or
 * failed to start. Never calls `process.exit`: the bin entry does, and forces exit 1 on a second
 * signal.
 */
export async function runNode(argv: string[], io: CliIo): Promise<number> {
  const s = parseNodeArgs(argv, io.env)
  if (s === 'help') {
    io.stdout(NODE_USAGE)
    return ExitCode.Ok
  }
  if ('error' in s) {
    io.stderr(`coerce-ts node: ${s.error} (see coerce-ts node --help)\n`)
    return ExitCode.Usage
  }
  const fail = (message: string, code: number = ExitCode.Failed): number => {
    io.stderr(`coerce-ts node: ${message}\n`)
    return code
  }
  if (s.persistence.kind === 'redis') {
    try {
      await checkRedis(s.persistence.url)
    } catch (e) {
      return fail((e as Error).message)
    }
  }
  let app: NodeApp | undefined
  if (s.app !== undefined) {
    try {
      app = await loadApp(s.app)
    } catch (e) {
      return fail((e as Error).message)
    }
  }
  const nodeId = s.nodeId ?? randomUUID()
  const logger = consoleLogger(s.logLevel, { nodeId })
  let discovery: Discovery | undefined
  try {
    discovery = discoveryOf(s, io.env, logger)
  } catch (e) {
    return fail((e as Error).message, ExitCode.Usage)
  }
  if (io.signal?.aborted) return ExitCode.Interrupted

  const started = performance.now()
  let system: ActorSystem
  try {
    system = await ActorSystem.start(systemOptionsOf(s, nodeId, logger, discovery))
  } catch (e) {
    return fail(`the node failed to start: ${(e as Error).message}`)
  }
  const httpUrl = system.httpApis[0]?.url ?? null
  const advertise = system.cluster.self.advertise
  const persistence = s.persistence.kind === 'memory' ? 'memory' : redactUrl(s.persistence.url)
  const stopping = new AbortController()
  let handle: NodeAppHandle | void = undefined
  if (app !== undefined) {
    const ctx: NodeAppContext = { nodeId, logger, env: io.env, httpUrl, advertise, persistence, signal: stopping.signal }
    try {
      handle = await app(system, ctx)
    } catch (e) {
      logger.error({ err: e, app: s.app }, 'the app failed to start; shutting down')
      await system.shutdown().catch(() => {})
      return fail(`the app '${s.app}' failed to start: ${(e as Error).message}`)
    }
  }
  logger.info(
    { advertise, listen: `${s.listen.host}:${s.listen.port}`, http: httpUrl, discovery: s.discovery, persistence, workers: system.options.workers, app: s.app ?? null, startMs: Math.round(performance.now() - started) },
    'node started',
  )

  const signalled = await new Promise<string>((resolve) => {
    if (io.signal === undefined) return // runs until killed
    const reasonOf = (): string => (typeof io.signal?.reason === 'string' ? io.signal.reason : 'signal')
    if (io.signal.aborted) return resolve(reasonOf())
    io.signal.addEventListener('abort', () => resolve(reasonOf()), { once: true })
  })
  logger.info({ signal: signalled }, 'stopping: leaving the cluster')
  stopping.abort()
  const t0 = performance.now()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), s.shutdownTimeoutMs)
  })
  const graceful = (async (): Promise<'ok'> => {
    try {
      await handle?.stop?.()
    } catch (e) {
      logger.error({ err: e }, 'the app failed to stop; shutting the system down anyway')
    }
    await system.shutdown()
    return 'ok'
  })()
  try {
    const outcome = await Promise.race([graceful, timedOut])
    if (outcome === 'timeout') return fail(`graceful shutdown took longer than ${s.shutdownTimeoutMs} ms; exiting`)
  } catch (e) {
    return fail(`shutdown failed: ${(e as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
  logger.info({ stopMs: Math.round(performance.now() - t0) }, 'node stopped')
  return ExitCode.Ok
}
