// `coerce-ts node`: flag and environment parsing, the options it builds, its start-up checks
// (Redis reachable, the app module), a node run in-process until its signal aborts, and the real
// entry as child processes (`node --import tsx bin/coerce-ts.ts node ...`): usage errors, an
// unreachable Redis, a two-node cluster that forms and leaves on SIGTERM with exit 0, and the
// forced exits (a second signal, the shutdown timeout). Every child is killed on every exit path.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import {
  checkRedis,
  discoveryOf,
  loadApp,
  parseNodeArgs,
  redactUrl,
  runNode,
  systemOptionsOf,
  NODE_USAGE,
  type NodeSettings,
} from '../../lib/cli/node.js'
import { runCli } from '../../lib/cli/main.js'
import type { CliIo } from '../../lib/cli/io.js'
import { DnsDiscovery, KubernetesDiscovery, StaticDiscovery, consoleLogger } from '../../lib/index.js'
import type { ClusterNodesReport } from '../../lib/cluster/http.js'
import { freePort } from '../helpers/cluster-nodes.js'
import { startRedis } from '../helpers/redis-server.js'
import { until } from '../helpers/wait.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const APP = fileURLToPath(new URL('../fixtures/node-app.ts', import.meta.url))
const SECRET = 'node-command-secret'
const quiet = consoleLogger('silent')

function memoryIo(env: NodeJS.ProcessEnv, signal?: AbortSignal): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, env, ...(signal ? { signal } : {}), stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) }
}

function settings(argv: string[], env: NodeJS.ProcessEnv = {}): NodeSettings {
  const s = parseNodeArgs(argv, env)
  if (s === 'help' || 'error' in s) throw new Error(`expected settings, got ${JSON.stringify(s)}`)
  return s
}

/** A port nothing listens on (taken, then released). */
const deadPort = freePort

t.test('defaults from an empty environment', async (t) => {
  const s = settings([], { COERCE_CLUSTER_SECRET: SECRET })
  t.same(s, {
    listen: { host: '0.0.0.0', port: 30101 },
    advertise: undefined,
    secret: SECRET,
    discovery: 'static',
    seeds: [],
    dns: { service: undefined, mode: 'srv' },
    k8s: {},
    persistence: { kind: 'memory' },
    http: { host: '0.0.0.0', port: 30103 },
    workers: undefined,
    nodeId: undefined,
    app: undefined,
    logLevel: 'info',
    shutdownTimeoutMs: 25_000,
  })
  t.equal(settings([], { COERCE_CLUSTER_SECRET: SECRET, POD_IP: '10.1.2.3' }).advertise, '10.1.2.3:30101', 'POD_IP:30101 when POD_IP is set')
  t.equal(settings(['--listen', '0.0.0.0:4000'], { COERCE_CLUSTER_SECRET: SECRET, POD_IP: '10.1.2.3' }).advertise, '10.1.2.3:4000', 'with the listen port')
  t.equal(settings([], { COERCE_CLUSTER_SECRET: SECRET, POD_IP: 'fd00::7' }).advertise, '[fd00::7]:30101', 'an IPv6 pod address in brackets')
  t.equal(settings([], { COERCE_CLUSTER_SECRET: SECRET, POD_NAME: 'coerce-2' }).nodeId, 'coerce-2', 'the pod name as node id')
  t.equal(settings([], { COERCE_CLUSTER_SECRET: SECRET, COERCE_PERSISTENCE: '' }).persistence.kind, 'memory', 'an empty variable counts as unset')
})

t.test('every setting from the environment, and flags win over it', async (t) => {
  const env = {
    COERCE_CLUSTER_LISTEN: '127.0.0.1:4101',
    COERCE_CLUSTER_ADVERTISE: 'node-a.example:4101',
    COERCE_CLUSTER_SECRET: SECRET,
    COERCE_DISCOVERY: 'dns',
    COERCE_SEED_PEERS: 'a:1, b:2,,',
    COERCE_DNS_SERVICE: 'coerce.ns.svc.cluster.local',
    COERCE_DNS_MODE: 'a',
    COERCE_PERSISTENCE: 'redis://:pw@127.0.0.1:6390/2',
    COERCE_HTTP_PORT: '4103',
    COERCE_HTTP_HOST: '127.0.0.1',
    COERCE_WORKERS: '3',
    COERCE_NODE_ID: 'n1',
    POD_NAME: 'ignored-when-COERCE_NODE_ID-is-set',
    COERCE_APP: './app.js',
    COERCE_LOG_LEVEL: 'warn',
    COERCE_SHUTDOWN_TIMEOUT_MS: '5000',
  }
  t.same(settings([], env), {
    listen: { host: '127.0.0.1', port: 4101 },
    advertise: 'node-a.example:4101',
    secret: SECRET,
    discovery: 'dns',
    seeds: ['a:1', 'b:2'],
    dns: { service: 'coerce.ns.svc.cluster.local', mode: 'a' },
    k8s: {},
    persistence: { kind: 'redis', url: 'redis://:pw@127.0.0.1:6390/2' },
    http: { host: '127.0.0.1', port: 4103 },
    workers: 3,
    nodeId: 'n1',
    app: './app.js',
    logLevel: 'warn',
    shutdownTimeoutMs: 5000,
  })
  const flags = [
    ...['--listen', '[::1]:5101', '--advertise', 'ws://b:5101', '--secret', 'another-secret', '--discovery', 'k8s', '--seeds', 'c:3'],
    ...['--k8s-selector', 'app=chat', '--k8s-port-name', 'remote', '--k8s-namespace', 'chat', '--k8s-addr-mode', 'hostname'],
    ...['--persistence', 'memory', '--http-port', '0', '--http-host', '::', '--workers', '0', '--node-id', 'n2', '--app', 'pkg-app'],
    ...['--log-level', 'debug', '--shutdown-timeout', '100', '--dns-service', 'other', '--dns-mode', 'srv'],
  ]
  t.same(settings(flags, env), {
    listen: { host: '::1', port: 5101 },
    advertise: 'ws://b:5101',
    secret: 'another-secret',
    discovery: 'k8s',
    seeds: ['c:3'],
    dns: { service: 'other', mode: 'srv' },
    k8s: { selector: 'app=chat', portName: 'remote', namespace: 'chat', addressMode: 'hostname' },
    persistence: { kind: 'memory' },
    http: null,
    workers: 0,
    nodeId: 'n2',
    app: 'pkg-app',
    logLevel: 'debug',
    shutdownTimeoutMs: 100,
  })
})

t.test('usage errors: one line each', async (t) => {
  const env = { COERCE_CLUSTER_SECRET: SECRET }
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--listn', 'x'], env, /Unknown option '--listn'/],
    [['extra'], env, /Unexpected argument 'extra'/],
    [[], {}, /a cluster secret is required: pass --secret or set COERCE_CLUSTER_SECRET/],
    [['--secret', 'short'], {}, /at least 8 characters/],
    [['--listen', 'nohost'], env, /--listen \(COERCE_CLUSTER_LISTEN\): must be host:port \(got 'nohost'\)/],
    [['--listen', 'h:70000'], env, /port must be 0-65535/],
    [['--advertise', 'not an address'], env, /--advertise .* must be host:port or a ws:\/\/ URL/],
    [['--discovery', 'consul'], env, /--discovery must be static, dns or k8s \(got 'consul'\)/],
    [['--discovery', 'dns'], env, /needs --dns-service/],
    [['--dns-mode', 'mx'], env, /--dns-mode must be srv or a/],
    [['--seeds', 'a:1,b'], env, /--seeds \(COERCE_SEED_PEERS\): 'b' is not host:port/],
    [['--persistence', 'postgres://x'], env, /must be memory or a redis:\/\/ URL \(got 'postgres:\/\/x'\)/],
    [[], { ...env, COERCE_HTTP_PORT: 'http' }, /--http-port \(COERCE_HTTP_PORT\) must be a port number/],
    [['--workers', '-1'], env, /^Option '--workers' argument is ambiguous\.$/],
    [['--workers=1.5'], env, /--workers \(COERCE_WORKERS\) must be an integer >= 0/],
    [['--log-level', 'loud'], env, /--log-level .* must be trace, debug/],
    [['--shutdown-timeout', '0'], env, /--shutdown-timeout must be a positive number of ms/],
  ]
  for (const [argv, e, expected] of cases) {
    const r = parseNodeArgs(argv, e)
    t.match(r, { error: expected }, argv.join(' ') || JSON.stringify(e))
    const io = memoryIo(e)
    t.equal(await runNode(argv, io), 2, 'exit status 2')
    t.equal(io.err.join('').trimEnd().split('\n').length, 1, 'one line on stderr')
  }
  t.equal(parseNodeArgs(['--help'], {}), 'help')
  const io = memoryIo({})
  t.equal(await runCli(['node', '-h'], io), 0)
  t.equal(io.out.join(''), NODE_USAGE)
  t.match(NODE_USAGE, /--listen <host:port>/)
  const bad = memoryIo({ COERCE_CLUSTER_SECRET: SECRET })
  t.equal(await runNode(['--discovery', 'k8s', '--k8s-addr-mode', 'dns'], bad), 2, 'a bad k8s setting is a usage error')
  t.match(bad.err.join(''), /^coerce-ts node: invalid Kubernetes discovery options: addressMode/)
})

t.test('discovery and system options built from the settings', async (t) => {
  const base = settings(['--listen', '127.0.0.1:4101', '--workers', '2', '--node-id', 'n'], { COERCE_CLUSTER_SECRET: SECRET })
  t.equal(discoveryOf(base, {}, quiet), undefined, 'static without seeds: none (a cluster of one)')
  const seeded = { ...base, seeds: ['127.0.0.1:4101', '127.0.0.1:4102'] }
  const staticD = discoveryOf(seeded, {}, quiet)
  t.ok(staticD instanceof StaticDiscovery)
  t.same((await staticD?.discover())?.map((p) => `${p.host}:${p.port}`), ['127.0.0.1:4101', '127.0.0.1:4102'])
  t.ok(discoveryOf({ ...base, discovery: 'dns', dns: { service: 'coerce.default.svc.cluster.local', mode: 'a' } }, {}, quiet) instanceof DnsDiscovery)
  t.ok(discoveryOf({ ...base, discovery: 'k8s' }, {}, quiet) instanceof KubernetesDiscovery)

  const o = systemOptionsOf({ ...base, advertise: 'h:1', persistence: { kind: 'redis', url: 'redis://r:1' } }, 'n', quiet, staticD)
  t.equal(o.nodeId, 'n')
  t.equal(o.workers, 2)
  t.same(o.http, { host: '0.0.0.0', port: 30103 })
  t.same(o.cluster, { listen: { host: '127.0.0.1', port: 4101 }, secret: SECRET, advertise: 'h:1', discovery: staticD })
  t.same(o.persistence, { storage: { kind: 'redis', url: 'redis://r:1' } })
  const memory = systemOptionsOf({ ...base, http: null, workers: undefined }, 'n', quiet, undefined)
  t.equal(memory.http, undefined, 'no HTTP API with --http-port 0')
  t.notOk('workers' in memory, 'the system default worker count')
  t.same(memory.persistence, { storage: { kind: 'memory' } })
  t.equal(redactUrl('redis://user:pass@h:1/0'), 'redis://user:***@h:1/0')
  t.equal(redactUrl('redis://h:1'), 'redis://h:1')
})

t.test('start-up checks: Redis answers, the app module loads', async (t) => {
  const port = await deadPort()
  const t0 = Date.now()
  await t.rejects(checkRedis(`redis://127.0.0.1:${port}`, 1000), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)
  t.ok(Date.now() - t0 < 3000, 'fails fast')
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  await checkRedis(redis.url)
  t.pass('a live Redis passes')

  t.equal(typeof (await loadApp(APP)), 'function', 'the `setup` export')
  t.equal(typeof (await loadApp('examples/cluster-app.ts', ROOT)), 'function', 'a default export, relative to the working directory')
  await t.rejects(loadApp('./no-such-app.js', ROOT), /cannot load the app module '\.\/no-such-app\.js'/)
  await t.rejects(loadApp('examples/echo.ts', ROOT), /exports no function as default or 'setup'/)
})

t.test('in-process: a node with Redis persistence and an app runs until the signal, then exits 0', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const stop = new AbortController()
  const [cport, hport] = [await freePort(), await freePort()]
  const argv = ['--listen', `127.0.0.1:${cport}`, '--http-port', String(hport), '--http-host', '127.0.0.1', '--workers', '0', '--node-id', 'inproc', '--app', APP, '--log-level', 'silent']
  const io = memoryIo({ COERCE_CLUSTER_SECRET: SECRET, COERCE_PERSISTENCE: redis.url }, stop.signal)
  const running = runNode(argv, io)
  t.teardown(() => stop.abort('teardown'))
  await until(async () => (await fetch(`http://127.0.0.1:${hport}/health`).catch(() => null))?.ok === true, 20_000, '/health answers')
  const nodes = (await (await fetch(`http://127.0.0.1:${hport}/cluster/nodes`)).json()) as ClusterNodesReport
  t.same(nodes.nodes.map((n) => [n.id, n.status]), [['inproc', 'up']])
  stop.abort('SIGTERM')
  t.equal(await running, 0, 'exit status 0')
  t.same(io.err, [])

  const down = await deadPort()
  const io2 = memoryIo({ COERCE_CLUSTER_SECRET: SECRET })
  t.equal(await runNode(['--persistence', `redis://127.0.0.1:${down}`], io2), 1, 'an unreachable Redis: exit 1')
  t.match(io2.err, [/^coerce-ts node: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: .*\n$/])
  const io3 = memoryIo({ COERCE_CLUSTER_SECRET: SECRET, NODE_APP_FAIL: '1' })
  const p3 = await freePort()
  t.equal(await runNode(['--listen', `127.0.0.1:${p3}`, '--http-port', '0', '--workers', '0', '--app', APP, '--log-level', 'silent'], io3), 1, 'a failing app: exit 1')
  t.match(io3.err, [/^coerce-ts node: the app '.*node-app\.ts' failed to start: the app refuses to start\n$/])
  const io4 = memoryIo({ COERCE_CLUSTER_SECRET: SECRET })
  t.equal(await runNode(['--app', './nothing-here.js'], io4), 1, 'a missing app module: exit 1 before anything starts')
  t.match(io4.err, [/cannot load the app module/])
})

/** A `coerce-ts node` child process through the real bin entry; killed at teardown. */
interface Child {
  proc: ChildProcess
  stdout: string[]
  stderr: string[]
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

// Children still running when this process exits (a tap timeout skips teardowns) are killed too.
const liveChildren = new Set<ChildProcess>()
process.on('exit', () => {
  for (const c of liveChildren) c.kill('SIGKILL')
})

function startChild(t: Test, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bin/coerce-ts.ts', 'node', ...args], { cwd: ROOT, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const child: Child = {
    proc,
    stdout: [],
    stderr: [],
    exit: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  }
  liveChildren.add(proc)
  proc.once('exit', () => liveChildren.delete(proc))
  const lines = (into: string[]) => {
    let buf = ''
    return (d: Buffer): void => {
      buf += d.toString()
      const parts = buf.split('\n')
      buf = parts.pop() as string
      into.push(...parts)
    }
  }
  proc.stdout?.on('data', lines(child.stdout))
  proc.stderr?.on('data', lines(child.stderr))
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  return child
}

t.test('child process: usage errors and an unreachable Redis exit non-zero with one line', async (t) => {
  const down = await deadPort()
  const [noSecret, badFlag, noRedis] = [
    startChild(t, [], {}),
    startChild(t, ['--secret', SECRET, '--workrs', '2'], {}),
    startChild(t, [], { COERCE_CLUSTER_SECRET: SECRET, COERCE_PERSISTENCE: `redis://127.0.0.1:${down}` }),
  ]
  t.same(await noSecret.exit, { code: 2, signal: null })
  t.same(noSecret.stderr, ['coerce-ts node: a cluster secret is required: pass --secret or set COERCE_CLUSTER_SECRET (the same on every node) (see coerce-ts node --help)'])
  t.same(await badFlag.exit, { code: 2, signal: null })
  t.match(badFlag.stderr, [/^coerce-ts node: Unknown option '--workrs'/])
  t.equal(badFlag.stderr.length, 1)
  t.same(await noRedis.exit, { code: 1, signal: null })
  t.match(noRedis.stderr, [/^coerce-ts node: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: /])
  t.equal(noRedis.stderr.length, 1)
})

t.test('child processes: a two-node cluster forms on 127.0.0.1 and SIGTERM leaves it with exit 0', async (t) => {
  const [c1, c2, h1, h2] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const seeds = `127.0.0.1:${c1},127.0.0.1:${c2}`
  const env = (i: number, c: number, h: number): NodeJS.ProcessEnv => ({
    COERCE_CLUSTER_SECRET: SECRET,
    COERCE_CLUSTER_LISTEN: `127.0.0.1:${c}`,
    COERCE_HTTP_PORT: String(h),
    COERCE_HTTP_HOST: '127.0.0.1',
    COERCE_SEED_PEERS: seeds,
    COERCE_WORKERS: '0',
    COERCE_NODE_ID: `node-${i}`,
  })
  const a = startChild(t, ['--app', APP], env(1, c1, h1))
  const b = startChild(t, ['--app', APP], env(2, c2, h2))
  const upOn = async (h: number): Promise<string[]> => {
    const r = await fetch(`http://127.0.0.1:${h}/cluster/nodes`).catch(() => null)
    if (r === null || !r.ok) return []
    return ((await r.json()) as ClusterNodesReport).nodes.filter((n) => n.status === 'up' && n.reachable).map((n) => n.id).sort()
  }
  try {
    await until(async () => (await upOn(h1)).length === 2 && (await upOn(h2)).length === 2, 60_000, 'both nodes up on both')
  } catch (e) {
    t.comment([...a.stderr.slice(-5), ...b.stderr.slice(-5)].join('\n'))
    throw e
  }
  t.same(await upOn(h1), ['node-1', 'node-2'])
  t.same(await upOn(h2), ['node-1', 'node-2'])
  const health = await fetch(`http://127.0.0.1:${h1}/health`)
  t.equal(health.status, 200, '/health')
  const started = JSON.parse(a.stdout.find((l) => l.includes('app-started')) as string) as Record<string, unknown>
  t.same(started, { t: 'app-started', nodeId: 'node-1', httpUrl: `http://127.0.0.1:${h1}`, advertise: `ws://127.0.0.1:${c1}`, persistence: 'memory', pong: 'pong from node-1' })

  b.proc.kill('SIGTERM')
  t.same(await b.exit, { code: 0, signal: null }, 'SIGTERM: exit 0')
  await until(async () => (await upOn(h1)).length === 1, 20_000, 'node-2 left')
  t.same(await upOn(h1), ['node-1'], 'the other node saw it leave')
  a.proc.kill('SIGINT')
  t.same(await a.exit, { code: 0, signal: null }, 'SIGINT: exit 0')

  // Logs: JSON lines, the node's start, its stop, in order.
  const logs = b.stderr.map((l) => JSON.parse(l) as { msg: string; level: string; nodeId: string })
  t.ok(logs.every((l) => l.nodeId === 'node-2' && typeof l.level === 'string'), 'every stderr line is a JSON log line of the node')
  const msgs = logs.map((l) => l.msg)
  t.ok(msgs.indexOf('node started') >= 0 && msgs.indexOf('node started') < msgs.indexOf('stopping: leaving the cluster'), 'started, then stopping')
  t.ok(msgs.indexOf('stopping: leaving the cluster') < msgs.indexOf('node stopped'), 'then stopped')
  t.ok(b.stdout.some((l) => l.includes('"app-stopping","aborted":true')), "the app's stop ran, with ctx.signal aborted")
})

t.test('child process: a second signal, or the shutdown timeout, exits 1', async (t) => {
  const start = async (extra: string[]): Promise<Child> => {
    const [c, h] = [await freePort(), await freePort()]
    const child = startChild(t, ['--listen', `127.0.0.1:${c}`, '--http-port', String(h), '--http-host', '127.0.0.1', '--workers', '0', '--app', APP, ...extra], {
      COERCE_CLUSTER_SECRET: SECRET,
      NODE_APP_HANG_STOP: '1',
    })
    await until(() => child.stdout.some((l) => l.includes('app-started')) || child.proc.exitCode !== null, 60_000, 'the app started')
    return child
  }
  const [twice, slow] = await Promise.all([start([]), start(['--shutdown-timeout', '300'])])
  twice.proc.kill('SIGTERM')
  await until(() => twice.stdout.some((l) => l.includes('app-stopping')), 20_000, 'stopping')
  twice.proc.kill('SIGTERM')
  t.same(await twice.exit, { code: 1, signal: null }, 'second SIGTERM: exit 1 at once')
  t.match(twice.stderr.at(-1), /^coerce-ts: SIGTERM again: exiting without waiting$/)
  slow.proc.kill('SIGTERM')
  t.same(await slow.exit, { code: 1, signal: null }, 'shutdown timeout: exit 1')
  t.match(slow.stderr.at(-1), /^coerce-ts node: graceful shutdown took longer than 300 ms; exiting$/)
})
