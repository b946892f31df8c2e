// The HTTP diagnostics API over real HTTP on free ports: every route, status codes under a
// stopped actor, failed and slow checks and a dead worker (fed through a test
// RuntimeStatusSource), /metrics checked by promtool, the prom-client registry behind /metrics
// (one snapshot per scrape, shared concurrent scrapes, families coming and going), /openapi.json
// checked against live responses, the route table, option validation and lifecycle.
import { createServer } from 'node:net'
import t, { type Test } from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import {
  Actor,
  ActorSystem,
  ApiError,
  healthChecks,
  httpRoutes,
  isApiError,
  metricCollectors,
  startHttpApi,
  type ActorSystemOptions,
  type HttpApi,
  type HttpApiServerOptions,
  type Logger,
  type RingStatus,
  type RuntimeStatusSource,
  type MetricFamily,
  type WorkerStatus,
} from '../../lib/index.js'
import { MetricsRegistry } from '../../lib/api/metrics-registry.js'
import { runtimeStatusSource } from '../../lib/api/runtime-status.js'
import { promtool, readSeries, type Series } from '../helpers/prometheus.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Reply {
  status: number
  headers: Headers
  text: string
  json: Record<string, unknown>
}

async function get(url: string, init?: RequestInit): Promise<Reply> {
  const res = await fetch(url, init)
  const text = await res.text()
  let json: Record<string, unknown> = {}
  if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text.length > 0) {
    json = JSON.parse(text) as Record<string, unknown>
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** Polls `probe` until it returns a value, with a generous deadline (CPU contention). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, deadlineMs = 20_000): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** A logger that keeps lines in memory. */
function memoryLogger(): Logger & { lines: { level: string; fields: Record<string, unknown>; msg: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = []
  const at = (level: string) => (fields: object, msg: string) => void lines.push({ level, fields: fields as Record<string, unknown>, msg })
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

// ------------------------------------------------------------------ Prometheus text helpers


function value(series: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
  return series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

// ------------------------------------------------------------------ actors and a test runtime

class Pinger extends Actor {
  pings = 0
  delayMs = 0
  failing = false
  async ping(): Promise<string> {
    this.pings++
    if (this.delayMs > 0) await sleep(this.delayMs)
    if (this.failing) throw new Error('ping refused')
    return 'pong'
  }
  configure(delayMs: number, failing: boolean): void {
    this.delayMs = delayMs
    this.failing = failing
  }
  count(): number {
    return this.pings
  }
}

class Parent extends Actor {
  /** Spawns `n` children; the first gets one child of its own when `nested`. */
  async grow(n: number, nested: boolean): Promise<void> {
    for (let i = 0; i < n; i++) {
      const child = await this.ctx.spawn(Parent, { id: `c${i}` })
      if (i === 0 && nested) await child.ask('grow', 1, false)
    }
  }
}

class Slow extends Actor {
  async wait(ms: number): Promise<number> {
    await sleep(ms)
    return ms
  }
}

/** A runtime status source whose figures the test sets; what the worker runtime will provide. */
class TestRuntime implements RuntimeStatusSource {
  workerList: WorkerStatus[] = []
  ringList: RingStatus[] = []
  asks = 0
  mainActors = 0
  /** Added to every worker's queue depth on each read, to simulate a growing queue. */
  growth = 0
  mainThreadActors(): number {
    return this.mainActors
  }
  workers(): readonly WorkerStatus[] {
    if (this.growth !== 0) for (const w of this.workerList) w.queueDepth += this.growth
    return this.workerList.map((w) => ({ ...w }))
  }
  rings(): readonly RingStatus[] {
    return this.ringList
  }
  inFlightAsks(): number {
    return this.asks
  }
}

/** A system and an API on a free port, both closed when `t` ends. */
async function started(
  t: Test,
  options: Omit<HttpApiServerOptions, 'port'> = {},
  systemOptions: ActorSystemOptions = {},
): Promise<{ system: ActorSystem; api: HttpApi }> {
  const system = await ActorSystem.start({ logLevel: 'silent', ...systemOptions })
  const api = await startHttpApi(system, { port: 0, ...options })
  t.teardown(async () => {
    await api.close()
    await system.shutdown()
  })
  return { system, api }
}

// ------------------------------------------------------------------ tests

t.test('ActorSystem.start({ http }) serves every route; shutdown closes it', async (t) => {
  const system = await ActorSystem.start({ http: { port: 0 }, logLevel: 'silent', nodeId: 'node-a', name: 'sys-a' })
  const [api] = system.httpApis
  t.ok(api, 'the option started an API')
  const url = (api as { url: string }).url
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const pinger = await system.spawn(Pinger, { id: 'pinger' })
  const parent = await system.spawn(Parent, { id: 'root' })
  await parent.ask('grow', 3, true)
  for (let i = 0; i < 20; i++) await pinger.ask('ping')
  healthChecks(system).register(pinger, { handler: 'ping' })

  const health = await get(`${url}/health`)
  t.equal(health.status, 200)
  t.equal(health.headers.get('content-type'), 'application/json; charset=utf-8')
  t.equal(health.headers.get('cache-control'), 'no-store')
  t.match(health.json, { status: 'healthy', nodeId: 'node-a', system: 'sys-a', version: '0.1.0', reasons: [], workers: [] })
  t.match(health.json['checks'], [{ name: 'pinger', actorId: 'pinger', actorType: 'Pinger', handler: 'ping', status: 'healthy' }])
  t.ok(Date.parse(health.json['startedAt'] as string) <= Date.now(), 'startedAt is a date in the past')
  t.ok((health.json['uptimeMs'] as number) >= 0)

  const stats = await get(`${url}/system/stats`)
  t.equal(stats.status, 200)
  t.match(stats.json, {
    nodeId: 'node-a',
    actors: { total: 6, byType: { Pinger: 1, Parent: 5 }, byThread: { main: 6 } },
    inFlightAsks: 0,
    deadLetters: 0,
    workers: { total: 0, alive: 0 },
  })
  const rates = stats.json['messagesPerSecond'] as Record<string, number>
  t.ok(rates['processed']! > 0 && rates['windowSeconds']! > 0, 'processed messages show as a rate')

  const actors = await get(`${url}/actors`)
  t.equal(actors.status, 200)
  const tree = actors.json['actors'] as { id: string; childCount: number; children: { id: string; children: unknown[] }[] }[]
  t.same(
    tree.map((a) => a.id),
    ['pinger', 'root'],
  )
  const root = tree[1]!
  t.equal(root.childCount, 3)
  t.same(
    root.children.map((c) => c.id),
    ['root/c0', 'root/c1', 'root/c2'],
  )
  t.equal(root.children[0]!.children.length, 1, 'grandchild listed at the default depth')
  const limited = await get(`${url}/actors?maxDepth=1&maxChildren=2`)
  const limitedRoot = (limited.json['actors'] as typeof tree)[1]!
  t.equal(limitedRoot.children.length, 2, 'maxChildren limits the listing')
  t.equal(limitedRoot.childCount, 3, 'but all children are counted')
  t.equal(limitedRoot.children[0]!.children.length, 0, 'maxDepth limits the levels')
  t.same(((await get(`${url}/actors?maxDepth=0`)).json['actors'] as typeof tree)[1]!.children, [])

  const metrics = await get(`${url}/metrics`)
  t.equal(metrics.status, 200)
  t.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  t.match(metrics.text, /^# HELP process_cpu_user_seconds_total/m, 'Node process metrics are included')
  t.match(metrics.text, /^nodejs_eventloop_lag_seconds /m)

  const doc = await get(`${url}/openapi.json`)
  t.equal(doc.status, 200)
  t.equal(doc.json['openapi'], '3.1.0')

  await system.shutdown()
  await t.rejects(fetch(`${url}/health`), 'the API is closed by shutdown')
})

t.test('/metrics is valid Prometheus text with the runtime figures', async (t) => {
  const runtime = new TestRuntime()
  runtime.workerList = [
    { index: 0, alive: true, actors: 7, queueDepth: 12, restarts: 0 },
    { index: 1, alive: false, actors: 3, queueDepth: 0, restarts: 2 },
  ]
  runtime.ringList = [{ from: 'main', to: '0', capacityBytes: 65536, usedBytes: 1024 }]
  runtime.asks = 5
  runtime.mainActors = 2
  const { system, api } = await started(t, { runtimeStatus: runtime }, { metricsSampleEvery: 1, nodeId: 'n"1' })
  const pinger = await system.spawn(Pinger, { id: 'p' })
  for (let i = 0; i < 10; i++) await pinger.ask('ping')
  await pinger.ask('configure', 0, true)
  await t.rejects(pinger.ask('ping'))
  await eventually(async () => ((await pinger.isAlive) ? true : undefined), 'restart')
  await pinger.stop()
  pinger.tell('ping') // a dead letter

  const text = (await get(`${api.url}/metrics`)).text
  const check = promtool(text)
  t.equal(check.rc, 0, `promtool accepts the output: ${check.output}`)
  const series = readSeries(text)
  const keys = series.map((s) => `${s.name}${JSON.stringify(s.labels)}`)
  t.equal(new Set(keys).size, keys.length, 'no series appears twice')

  t.equal(value(series, 'coerce_node_info', { node_id: 'n"1', system: 'coerce' }), 1, 'label values are escaped and read back')
  t.equal(value(series, 'coerce_actors_created_total', { actor_type: 'Pinger' }), 1)
  t.equal(value(series, 'coerce_actors_stopped_total', { actor_type: 'Pinger' }), 1)
  t.equal(value(series, 'coerce_actors', { actor_type: 'Pinger' }), 0)
  const ping = { actor_type: 'Pinger', handler: 'ping' }
  t.equal(value(series, 'coerce_messages_sent_total', ping), 11)
  t.equal(value(series, 'coerce_messages_processed_total', ping), 10)
  t.equal(value(series, 'coerce_messages_failed_total', ping), 1)
  t.equal(value(series, 'coerce_message_processing_seconds_count', ping), 10)
  t.equal(value(series, 'coerce_message_processing_seconds_bucket', { ...ping, le: '+Inf' }), 10)
  t.equal(value(series, 'coerce_mailbox_wait_seconds_count', ping), 11)
  const buckets = series.filter((s) => s.name === 'coerce_message_processing_seconds_bucket' && s.labels['handler'] === 'ping')
  t.equal(buckets.length, 22, 'one bucket per bound plus +Inf')
  t.ok(
    buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1]!.value),
    'buckets are cumulative',
  )
  t.ok((value(series, 'coerce_message_processing_seconds_sum', ping) ?? -1) > 0)
  t.equal(value(series, 'coerce_dead_letters_total'), 1)
  t.equal(value(series, 'coerce_asks_in_flight'), 5)
  t.equal(value(series, 'coerce_main_thread_actors'), 2)
  t.equal(value(series, 'coerce_worker_up', { worker: '0' }), 1)
  t.equal(value(series, 'coerce_worker_up', { worker: '1' }), 0)
  t.equal(value(series, 'coerce_worker_actors', { worker: '0' }), 7)
  t.equal(value(series, 'coerce_worker_queue_depth', { worker: '0' }), 12)
  t.equal(value(series, 'coerce_worker_restarts_total', { worker: '1' }), 2)
  t.equal(value(series, 'coerce_ring_used_bytes', { from: 'main', to: '0' }), 1024)
  t.equal(value(series, 'coerce_ring_capacity_bytes', { from: 'main', to: '0' }), 65536)
  t.ok((value(series, 'process_resident_memory_bytes') ?? 0) > 0)
  t.notOk(text.includes('nodejs_active_handles_total'), 'the misnamed prom-client gauges are left out')
})

t.test('metric collectors contribute families; bad ones are left out, not fatal', async (t) => {
  const logger = memoryLogger()
  const { system, api } = await started(t, { logger })
  const collectors = metricCollectors(system)
  t.equal(metricCollectors(system), collectors, 'one registry per system')
  let appends = 3
  const remove = collectors.register('persistence', {
    collect: () => [
      {
        name: 'coerce_persistence_ops_total',
        help: 'Journal operations.\nBy op and "provider" \\ test.',
        type: 'counter',
        samples: [
          { labels: { op: 'append', provider: 'redis "main"\nshard\\1' }, value: appends },
          { labels: { op: 'read', provider: 'memory' }, value: 1 },
        ],
      },
      {
        name: 'coerce_persistence_latency_seconds',
        help: 'Journal latency.',
        type: 'histogram',
        samples: [{ labels: { op: 'append' }, buckets: [0.001, 0.01], counts: [2, 1, 1], sum: 0.5, count: 4 }],
      },
    ],
  })
  collectors.register('broken', {
    collect: () => {
      throw new Error('collector exploded')
    },
  })
  collectors.register('invalid', {
    collect: () => [
      { name: 'coerce_actors', help: 'steals a runtime name', type: 'gauge', samples: [{ value: 1 }] },
      { name: 'bad name', help: 'x', type: 'gauge', samples: [{ value: 1 }] },
      { name: 'dup_series', help: 'x', type: 'gauge', samples: [{ value: 1 }, { value: 2 }] },
      { name: 'bad_label', help: 'x', type: 'gauge', samples: [{ labels: { '1x': 'a' }, value: 1 }] },
      { name: 'bad_hist', help: 'x', type: 'histogram', samples: [{ buckets: [1, 0.5], counts: [0, 0, 0], sum: 0, count: 0 }] },
      { name: 'short_hist', help: 'x', type: 'histogram', samples: [{ buckets: [1], counts: [0], sum: 0, count: 0 }] },
      { name: 'le_hist', help: 'x', type: 'histogram', samples: [{ labels: { le: '1' }, buckets: [1], counts: [0, 0], sum: 0, count: 0 }] },
      { name: 'process_cpu_seconds_total', help: 'steals a process metric', type: 'counter', samples: [] },
      { name: 'coerce_valid_value', help: 'kept', type: 'gauge', samples: [{ value: NaN }, { labels: { k: 'inf' }, value: -Infinity }] },
    ],
  })
  collectors.register('not-array', { collect: () => 'nope' as never })
  t.throws(() => collectors.register('persistence', { collect: () => [] }), /already registered/)
  t.throws(() => collectors.register('', { collect: () => [] }), TypeError)
  t.throws(() => collectors.register('x', {} as never), /collect/)

  let text = (await get(`${api.url}/metrics`)).text
  const check = promtool(text)
  t.equal(check.rc, 0, `promtool accepts the output: ${check.output}`)
  let series = readSeries(text)
  t.equal(value(series, 'coerce_persistence_ops_total', { op: 'append', provider: 'redis "main"\nshard\\1' }), 3, 'escaped label values round-trip')
  t.match(text, /# HELP coerce_persistence_ops_total Journal operations\.\\nBy op and "provider" \\\\ test\./)
  t.equal(value(series, 'coerce_persistence_latency_seconds_bucket', { op: 'append', le: '0.001' }), 2)
  t.equal(value(series, 'coerce_persistence_latency_seconds_bucket', { op: 'append', le: '0.01' }), 3)
  t.equal(value(series, 'coerce_persistence_latency_seconds_bucket', { op: 'append', le: '+Inf' }), 4)
  t.equal(value(series, 'coerce_persistence_latency_seconds_count', { op: 'append' }), 4)
  t.ok(Number.isNaN(value(series, 'coerce_valid_value')), 'NaN is written as NaN')
  t.equal(value(series, 'coerce_valid_value', { k: 'inf' }), -Infinity)
  t.equal(value(series, 'coerce_metrics_collector_up', { collector: 'persistence' }), 1)
  t.equal(value(series, 'coerce_metrics_collector_up', { collector: 'broken' }), 0)
  t.equal(value(series, 'coerce_metrics_collector_up', { collector: 'invalid' }), 0)
  t.equal(value(series, 'coerce_metrics_collector_up', { collector: 'not-array' }), 0)
  t.equal(series.filter((s) => s.name === 'coerce_actors' && s.labels['actor_type'] === undefined).length, 0, 'the stolen name was refused')
  for (const bad of ['dup_series', 'bad_label', 'bad_hist_count', 'short_hist_count', 'le_hist_count']) {
    t.equal(value(series, bad), undefined, `${bad} left out`)
  }
  const reasons = logger.lines.filter((l) => l.msg === 'metric family left out of /metrics').map((l) => l.fields['reason'])
  t.match(reasons, [/already used/, /invalid metric name/, /duplicate series/, /invalid label name/, /increasing/, /one slot per bucket/, /le label/, /already used/])
  t.ok(logger.lines.some((l) => l.msg === 'metric collector failed' && l.fields['source'] === 'broken'))

  appends = 10
  remove()
  text = (await get(`${api.url}/metrics`)).text
  series = readSeries(text)
  t.equal(value(series, 'coerce_persistence_ops_total', { op: 'append' }), undefined, 'an unregistered collector is gone')
})


/** A system and the /metrics registry an HTTP API would build for it, without the server. */
async function withRegistry(t: Test): Promise<{ system: ActorSystem; registry: MetricsRegistry; logger: ReturnType<typeof memoryLogger> }> {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const logger = memoryLogger()
  const registry = new MetricsRegistry({ system, runtime: runtimeStatusSource(system), collectors: metricCollectors(system), logger })
  return { system, registry, logger }
}

t.test('/metrics registry: one snapshot and one collect() per scrape; concurrent scrapes share the render', async (t) => {
  const { system, registry } = await withRegistry(t)
  let snapshots = 0
  const metrics = system.metrics.bind(system)
  system.metrics = () => {
    snapshots++
    return metrics()
  }
  let collects = 0
  metricCollectors(system).register('counting', {
    collect: () => {
      collects++
      return [{ name: 'test_collects_total', help: 'Collect calls.', type: 'counter', samples: [{ value: collects }] }]
    },
  })
  const [a, b] = await Promise.all([registry.scrape(), registry.scrape()])
  t.equal(a, b, 'both callers get the same exposition')
  t.equal(snapshots, 1, 'one metrics snapshot for the shared scrape')
  t.equal(collects, 1, 'one collect() for the shared scrape')
  t.match(a, /^test_collects_total 1$/m)
  const c = await registry.scrape()
  t.equal(snapshots, 2)
  t.match(c, /^test_collects_total 2$/m, 'a later scrape reads fresh figures')
  t.equal(registry.contentType, 'text/plain; version=0.0.4; charset=utf-8')
})

t.test('/metrics registry: families come and go between scrapes; types and bucket bounds are kept', async (t) => {
  const { system, registry } = await withRegistry(t)
  let families: MetricFamily[] = [
    { name: 'test_ops_total', help: 'Ops.', type: 'counter', samples: [{ labels: { op: 'a' }, value: 2 }] },
    { name: 'test_latency_seconds', help: 'Latency.', type: 'histogram', samples: [{ buckets: [0.1, 0.25, 7], counts: [1, 0, 2, 3], sum: 30, count: 6 }] },
  ]
  metricCollectors(system).register('changing', { collect: () => families })
  let text = await registry.scrape()
  t.equal(promtool(text).rc, 0, 'promtool accepts it')
  t.match(text, /^# TYPE test_ops_total counter$/m)
  t.match(text, /^# TYPE test_latency_seconds histogram$/m)
  t.match(text, /^test_latency_seconds_bucket\{le="0\.1"\} 1\ntest_latency_seconds_bucket\{le="0\.25"\} 1\ntest_latency_seconds_bucket\{le="7"\} 3\ntest_latency_seconds_bucket\{le="\+Inf"\} 6$/m)
  t.match(text, /^test_latency_seconds_count 6$/m)
  t.ok(text.indexOf('test_ops_total') < text.indexOf('coerce_metrics_collector_up'), 'collector families come before their up gauge')
  t.ok(text.indexOf('coerce_metrics_collector_up') < text.indexOf('process_cpu_user_seconds_total'), 'process metrics come last')

  families = [{ name: 'test_other', help: 'Other.', type: 'gauge', samples: [{ value: 4 }] }]
  text = await registry.scrape()
  t.notMatch(text, /test_ops_total|test_latency_seconds/, 'families no longer reported are gone')
  t.match(text, /^test_other 4$/m)
  t.equal(promtool(text).rc, 0)
})

t.test('/metrics registry: asynchronous collectors are awaited together, within a bound', async (t) => {
  const { system } = await withRegistry(t)
  const logger = memoryLogger()
  const registry = new MetricsRegistry({ system, runtime: runtimeStatusSource(system), collectors: metricCollectors(system), logger, collectTimeoutMs: 300 })
  const collectors = metricCollectors(system)
  const started: string[] = []
  collectors.register('late', {
    collect: async () => {
      started.push('late')
      await sleep(100)
      return [{ name: 'test_late', help: 'Answers after 100 ms.', type: 'gauge', samples: [{ labels: { peer: 'b#1' }, value: 7 }] }]
    },
  })
  collectors.register('also-late', {
    collect: async () => {
      started.push('also-late')
      await sleep(100)
      return [{ name: 'test_also_late', help: 'Answers after 100 ms too.', type: 'gauge', samples: [{ value: 8 }] }]
    },
  })
  collectors.register('rejects', { collect: () => Promise.reject(new Error('the other thread is gone')) })
  collectors.register('hangs', { collect: () => new Promise<MetricFamily[]>(() => {}) })
  collectors.register('resolves-junk', { collect: () => Promise.resolve('nope' as never) })
  const begun = performance.now()
  const text = await registry.scrape()
  const took = performance.now() - begun
  t.ok(took >= 280 && took < 2_000, `the scrape waited for the bound, not forever (${Math.round(took)} ms)`)
  t.same(started, ['late', 'also-late'], 'every collector is asked before any answer is awaited')
  t.equal(promtool(text).rc, 0, 'promtool accepts it')
  t.match(text, /^test_late\{peer="b#1"\} 7$/m)
  t.match(text, /^test_also_late 8$/m)
  for (const [name, up] of [['late', 1], ['also-late', 1], ['rejects', 0], ['hangs', 0], ['resolves-junk', 0]] as const) {
    t.match(text, new RegExp(`^coerce_metrics_collector_up\\{collector="${name}"\\} ${up}$`, 'm'), `${name} up = ${up}`)
  }
  const failures = logger.lines.filter((l) => l.msg === 'metric collector failed').map((l) => `${String(l.fields['source'])}: ${String((l.fields['err'] as Error).message)}`)
  t.match(failures, [/rejects: the other thread is gone/, /hangs: .*within 300 ms/, /resolves-junk: .*not return an array/])
})

t.test('/metrics registry: malformed families and samples are left out, not fatal', async (t) => {
  const { system, registry, logger } = await withRegistry(t)
  metricCollectors(system).register('malformed', {
    collect: () =>
      [
        null,
        { name: 'test_null_sample', help: 'x', type: 'gauge', samples: [null] },
        { name: 'test_kind', help: 'x', type: 'summary', samples: [] },
        { name: 'test_ok', help: 'x', type: 'gauge', samples: [{ value: 1 }] },
      ] as unknown as MetricFamily[],
  })
  const text = await registry.scrape()
  t.equal(promtool(text).rc, 0)
  t.match(text, /^test_ok 1$/m)
  t.notMatch(text, /test_null_sample|test_kind/)
  t.match(text, /^coerce_metrics_collector_up\{collector="malformed"\} 0$/m)
  t.equal(logger.lines.filter((l) => l.msg === 'metric family left out of /metrics').length, 3)
})

t.test('/health: degraded when slow, 503 when a check fails, times out or its actor stopped', async (t) => {
  const { system, api } = await started(t)
  const health = healthChecks(system)
  t.equal(api.health, health)
  const a = await system.spawn(Pinger, { id: 'a' })
  const b = await system.spawn(Pinger, { id: 'b' })
  const unregisterA = health.register(a, { handler: 'ping', slowMs: 300, timeoutMs: 10_000 })
  health.register(b, { handler: 'configure', args: [0, false], name: 'b-configure' })
  t.same(health.names(), ['a', 'b-configure'])

  // polled: on a loaded machine even a quick reply can now and then exceed the threshold
  let r = await eventually(async () => {
    const x = await get(`${api.url}/health`)
    return x.json['status'] === 'healthy' ? x : undefined
  }, 'healthy')
  t.equal(r.status, 200)

  await a.ask('configure', 800, false)
  r = await get(`${api.url}/health`)
  t.equal(r.status, 200, 'degraded still answers 200')
  t.equal(r.json['status'], 'degraded')
  const slow = (r.json['checks'] as Record<string, unknown>[]).find((c) => c['name'] === 'a')!
  t.equal(slow['status'], 'degraded')
  t.ok((slow['responseMs'] as number) >= 700, 'the slow reply time is reported')
  t.match(r.json['reasons'], [/check 'a' is degraded/])

  await a.ask('configure', 0, true)
  r = await get(`${api.url}/health`)
  t.equal(r.status, 503, 'a failed ask is unhealthy')
  t.match(r.json, { status: 'unhealthy', checks: [{ name: 'a', status: 'unhealthy', responseMs: null, error: /ping refused/ }] })

  // wait for the supervisor's restart so the next check reaches the actor
  await eventually(async () => ((await get(`${api.url}/health`)).json['status'] === 'healthy' ? true : undefined), 'recovery after restart')

  unregisterA()
  unregisterA()
  const c = await system.spawn(Pinger, { id: 'c' })
  await c.ask('configure', 5_000, false)
  health.register(c, { handler: 'ping', timeoutMs: 100 })
  r = await get(`${api.url}/health`)
  t.equal(r.status, 503, 'a timed-out check is unhealthy')
  t.match(r.json['checks'], [{ name: 'b-configure', status: 'healthy' }, { name: 'c', status: 'unhealthy', error: /Timeout/ }])
  await c.stop()
  await b.stop()
  r = await get(`${api.url}/health`)
  t.equal(r.status, 503, 'a stopped actor is unhealthy')
  t.match(r.json['checks'], [{ name: 'b-configure', status: 'unhealthy', error: 'actor is stopped' }, { name: 'c', status: 'unhealthy' }])
  t.match(r.json['reasons'], [/check 'b-configure' is unhealthy: actor is stopped/, /check 'c'/])
})

t.test('/health: concurrent probes share one run of the checks', async (t) => {
  const { system, api } = await started(t)
  const p = await system.spawn(Pinger, { id: 'p' })
  // long enough that all eight requests arrive while the first run waits, even under load
  await p.ask('configure', 2_000, false)
  healthChecks(system).register(p, { handler: 'ping', slowMs: 5_000, timeoutMs: 10_000 })
  const replies = await Promise.all(Array.from({ length: 8 }, () => get(`${api.url}/health`)))
  t.ok(replies.every((r) => r.status === 200))
  t.equal(await p.ask('count'), 1, 'eight overlapping probes asked the actor once')
  await get(`${api.url}/health`)
  t.equal(await p.ask('count'), 2, 'a later probe runs the checks again')
})

t.test('/health and /system/stats report workers from the runtime status source', async (t) => {
  const runtime = new TestRuntime()
  runtime.workerList = [
    { index: 0, alive: true, actors: 4, queueDepth: 0, restarts: 0 },
    { index: 1, alive: true, actors: 6, queueDepth: 1, restarts: 1 },
  ]
  runtime.mainActors = 1
  runtime.asks = 2
  const { api } = await started(t, { runtimeStatus: runtime, sampleIntervalMs: 10, queueGrowthSamples: 3, queueDepthFloor: 50 })
  let r = await get(`${api.url}/health`)
  t.equal(r.status, 200)
  t.match(r.json, {
    status: 'healthy',
    workers: [
      { index: 0, alive: true, actors: 4, queueDepth: 0, restarts: 0, status: 'healthy' },
      { index: 1, alive: true, actors: 6, queueDepth: 1, restarts: 1, status: 'healthy' },
    ],
  })
  const stats = await get(`${api.url}/system/stats`)
  t.match(stats.json, { actors: { byThread: { main: 1, '0': 4, '1': 6 } }, inFlightAsks: 2, workers: { total: 2, alive: 2 } })

  // a queue that keeps growing past the floor makes the node degraded
  runtime.growth = 10
  r = await eventually(async () => {
    const x = await get(`${api.url}/health`)
    return x.json['status'] === 'degraded' ? x : undefined
  }, 'degraded by a growing queue')
  t.equal(r.status, 200)
  t.match(r.json['workers'], [{ index: 0, status: 'degraded' }, { index: 1, status: 'degraded' }])
  t.match(r.json['reasons'], [/worker 0 queue keeps growing/, /worker 1 queue keeps growing/])
  runtime.growth = 0
  r = await eventually(async () => {
    const x = await get(`${api.url}/health`)
    return x.json['status'] === 'healthy' ? x : undefined
  }, 'healthy once the queue stops growing')
  t.equal(r.status, 200)

  // a dead worker makes the node unhealthy (the worker runtime will report a killed worker so)
  runtime.workerList[1]!.alive = false
  r = await get(`${api.url}/health`)
  t.equal(r.status, 503)
  t.match(r.json, { status: 'unhealthy', reasons: ['worker 1 is down'], workers: [{ index: 0, status: 'healthy' }, { index: 1, alive: false, status: 'unhealthy' }] })
  t.match((await get(`${api.url}/system/stats`)).json, { workers: { total: 2, alive: 1 } })
})

t.test('/system/stats counts asks in flight on the main-thread runtime', async (t) => {
  const { system, api } = await started(t)
  const slow = await system.spawn(Slow)
  const pending = [slow.ask('wait', 3_000), slow.ask('wait', 1)]
  const stats = await get(`${api.url}/system/stats`)
  t.equal(stats.json['inFlightAsks'], 2)
  t.match(stats.json, { actors: { total: 1, byType: { Slow: 1 }, byThread: { main: 1 } } })
  await Promise.all(pending)
  t.equal((await get(`${api.url}/system/stats`)).json['inFlightAsks'], 0)
})

t.test('errors: 404, 405, 400 and 500 answer JSON', async (t) => {
  const logger = memoryLogger()
  const { system, api } = await started(t, { logger })
  const notFound = await get(`${api.url}/no/such/route?x=1`)
  t.equal(notFound.status, 404)
  t.same(notFound.json, { error: { code: 'NotFound', message: 'no route for /no/such/route' } })
  t.equal((await get(`${api.url}//health`)).status, 200, 'a doubled slash is still a path, not a host')

  const post = await get(`${api.url}/health`, { method: 'POST' })
  t.equal(post.status, 405)
  t.equal(post.headers.get('allow'), 'GET, HEAD')
  t.match(post.json, { error: { code: 'MethodNotAllowed' } })

  const huge = await get(`${api.url}/health`, { headers: { 'x-big': 'y'.repeat(40_000) } })
  t.equal(huge.status, 431)
  t.match(huge.json, { error: { code: 'HeadersTooLarge', message: /headers are larger/ } }, '431 answers JSON too')

  const head = await fetch(`${api.url}/system/stats`, { method: 'HEAD' })
  t.equal(head.status, 200, 'HEAD answers like GET')
  t.equal(await head.text(), '')

  for (const [query, pattern] of [
    ['maxDepth=abc', /maxDepth must be an integer from 0 to 64 \(got "abc"\)/],
    ['maxDepth=-1', /maxDepth must be an integer/],
    ['maxDepth=1.5', /maxDepth must be an integer/],
    ['maxChildren=10001', /maxChildren must be an integer from 0 to 10000/],
    ['maxDepth=1&maxDepth=2', /maxDepth is given 2 times/],
    ['maxDepth=x&maxChildren=y', /maxDepth.*; maxChildren/],
  ] as const) {
    const r = await get(`${api.url}/actors?${query}`)
    t.equal(r.status, 400, query)
    t.match(r.json, { error: { code: 'BadRequest', message: pattern } }, query)
  }
  t.equal((await get(`${api.url}/actors?unknown=1&maxDepth=2`)).status, 200, 'undeclared parameters are ignored')

  httpRoutes(system).add({
    method: 'GET',
    path: '/test/fail',
    operationId: 'testFail',
    summary: 'always fails',
    responses: { 200: { description: 'never' } },
    handle: () => {
      throw new Error('secret internals')
    },
  })
  const failed = await get(`${api.url}/test/fail`)
  t.equal(failed.status, 500)
  t.match(failed.json, { error: { code: 'Internal', message: /GET \/test\/fail failed/ } })
  t.notMatch(failed.text, /secret internals/, 'the cause stays in the log')
  t.ok(logger.lines.some((l) => l.level === 'error' && l.msg === 'HTTP API route failed'))
})

t.test('routes added to the table are served and documented; OpenAPI schemas match live responses', async (t) => {
  const runtime = new TestRuntime()
  runtime.workerList = [{ index: 0, alive: true, actors: 1, queueDepth: 0, restarts: 0 }]
  const { system, api } = await started(t, { runtimeStatus: runtime })
  const router = httpRoutes(system)
  t.equal(api.router, router, 'the API serves the system route table')
  router.defineSchema('Member', { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false })
  router.add({
    method: 'GET',
    path: '/cluster/nodes/:nodeId',
    operationId: 'getClusterNode',
    summary: 'One cluster member',
    tags: ['cluster'],
    params: { nodeId: 'The member id.' },
    query: [{ name: 'verbose', type: 'boolean', description: 'More detail.', default: false }, { name: 'view', type: 'string', enum: ['short', 'long'], description: 'Layout.' }],
    responses: { 200: { description: 'The member.', schema: { $ref: '#/components/schemas/Member' } }, 404: { description: 'No such member.' } },
    handle: (req) => ({ body: { id: req.params['nodeId'], verbose: req.query['verbose'], view: req.query['view'] } }),
  })
  router.add({
    method: 'GET',
    path: '/cluster/nodes/leader',
    operationId: 'getClusterLeader',
    summary: 'The leader',
    responses: { 200: { description: 'The leader.' } },
    handle: () => ({ status: 202, body: { leader: true }, headers: { 'x-test': 'yes' } }),
  })
  const member = await get(`${api.url}/cluster/nodes/n%201?verbose=1&view=long`)
  t.same(member.json, { id: 'n 1', verbose: true, view: 'long' }, 'path params are decoded, query parsed')
  t.same((await get(`${api.url}/cluster/nodes/n2?verbose=false`)).json, { id: 'n2', verbose: false })
  t.equal((await get(`${api.url}/cluster/nodes/n2?verbose=maybe`)).status, 400)
  t.match((await get(`${api.url}/cluster/nodes/n2?view=wide`)).json, { error: { message: /view must be one of short, long/ } })
  t.equal((await get(`${api.url}/cluster/nodes/%E0%A4%A`)).status, 400, 'bad percent-encoding is a 400')
  const leader = await get(`${api.url}/cluster/nodes/leader/`)
  t.equal(leader.status, 202, 'a literal segment wins over a parameter; trailing slash ignored')
  t.equal(leader.headers.get('x-test'), 'yes')

  t.throws(() => router.add({ ...router.routes()[0]!, operationId: 'other' }), { code: 'AlreadyExists' })
  t.throws(() => router.add({ ...router.routes()[0]!, path: '/x' }), { code: 'AlreadyExists' }, 'operation ids are unique')
  t.throws(() => router.add({ ...router.routes()[0]!, path: 'no-slash', operationId: 'a1' }), { code: 'InvalidArgument' })
  t.throws(() => router.add({ ...router.routes()[0]!, path: '/bad segment', operationId: 'a2' }), { code: 'InvalidArgument' })
  t.throws(() => router.add({ ...router.routes()[0]!, path: '/ok', operationId: 'a3', handle: undefined as never }), { code: 'InvalidArgument' })
  t.throws(() => router.defineSchema('Member', { type: 'string' }), { code: 'AlreadyExists' })

  const doc = (await get(`${api.url}/openapi.json`)).json as {
    paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>
    components: { schemas: Record<string, unknown> }
  }
  t.same(
      Object.keys(doc.paths),
      ['/health', '/system/stats', '/actors', '/metrics', '/openapi.json', '/cluster/nodes', '/cluster/singletons', '/sharding/types', '/sharding/types/{type}', '/cluster/nodes/{nodeId}', '/cluster/nodes/leader'],
      'the cluster, singleton and sharding extensions add their routes to every system',
    )
  const op = doc.paths['/cluster/nodes/{nodeId}']!['get']!
  t.equal(op.operationId, 'getClusterNode')
  t.same(
    op.parameters!.map((p) => `${p.in}:${p.name}`),
    ['path:nodeId', 'query:verbose', 'query:view'],
  )
  t.ok(op.responses['400'], 'a route with parameters documents 400')
  t.ok(doc.paths['/actors']!['get']!.responses['400'])
  t.match(doc.paths['/metrics']!['get']!.responses['200'], { content: { 'text/plain': { schema: { type: 'string' } } } })

  // Validate live responses against the published schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(doc, 'openapi.json')
  const validate = (path: string, status: string, body: unknown): void => {
    const pointer = `openapi.json#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/get/responses/${status}/content/application~1json/schema`
    const ok = ajv.validate({ $ref: pointer }, body)
    t.ok(ok, `${path} ${status} matches its schema: ${ajv.errorsText(ajv.errors)}`)
  }
  const pinger = await system.spawn(Pinger, { id: 'pinger' })
  const parent = await system.spawn(Parent, { id: 'tree' })
  await parent.ask('grow', 2, true)
  healthChecks(system).register(pinger, { handler: 'ping' })
  validate('/health', '200', (await get(`${api.url}/health`)).json)
  validate('/system/stats', '200', (await get(`${api.url}/system/stats`)).json)
  validate('/actors', '200', (await get(`${api.url}/actors`)).json)
  validate('/cluster/nodes/{nodeId}', '200', { id: 'x' })
  const bad = await get(`${api.url}/actors?maxDepth=z`)
  validate('/actors', '400', bad.json)
  await pinger.stop()
  runtime.workerList[0]!.alive = false
  const down = await get(`${api.url}/health`)
  t.equal(down.status, 503)
  validate('/health', '503', down.json)
  t.notOk(ajv.validate({ $ref: 'openapi.json#/components/schemas/SystemStats' }, { nodeId: 'x', extra: 1 }), 'schemas are strict')
})

t.test('options are validated; listen failures are typed; lifecycle is clean', async (t) => {
  const bad = await ActorSystem.start({ http: { port: -1, host: '' } }).catch((e: unknown) => e)
  t.type(bad, TypeError)
  t.match((bad as Error).message, /http\.port must be an integer from 0 to 65535 \(got -1\); http\.host must be a non-empty string/)
  await t.rejects(ActorSystem.start({ http: 5 as never }), /http must be an object/)
  const saved = process.env['COERCE_HTTP_PORT']
  process.env['COERCE_HTTP_PORT'] = 'eighty'
  await t.rejects(ActorSystem.start({ http: {} }), /COERCE_HTTP_PORT must be an integer/)
  process.env['COERCE_HTTP_PORT'] = '0'
  process.env['COERCE_HTTP_HOST'] = '127.0.0.1'
  const fromEnv = await ActorSystem.start({ http: {}, logLevel: 'silent' })
  t.not(fromEnv.httpApis[0]!.port, 0, 'port and host come from the environment')
  t.equal(fromEnv.httpApis[0]!.host, '127.0.0.1')
  if (saved === undefined) delete process.env['COERCE_HTTP_PORT']
  else process.env['COERCE_HTTP_PORT'] = saved
  delete process.env['COERCE_HTTP_HOST']

  const system = await ActorSystem.start({ logLevel: 'silent' })
  const badOptions = await startHttpApi(system, {
    port: 0,
    sampleIntervalMs: 0,
    rateWindowSamples: 1,
    queueGrowthSamples: 1.5,
    queueDepthFloor: -1,
    runtimeStatus: {} as never,
  }).catch((e: unknown) => e)
  t.type(badOptions, TypeError)
  for (const field of ['sampleIntervalMs', 'rateWindowSamples', 'queueGrowthSamples', 'queueDepthFloor', 'runtimeStatus']) {
    t.match((badOptions as Error).message, field, `names ${field}`)
  }

  // a taken port: the API and ActorSystem.start reject with ListenFailed, leaving nothing running
  const blocker = createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
  const taken = (blocker.address() as { port: number }).port
  t.teardown(() => blocker.close())
  const err = await system.startHttpApi({ port: taken }).catch((e: unknown) => e)
  t.ok(isApiError(err, 'ListenFailed'), 'ListenFailed')
  t.equal((err as ApiError).status, 500)
  t.match((err as Error).message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}`))
  t.ok((err as Error).cause, 'the socket error is the cause')
  await t.rejects(ActorSystem.start({ http: { port: taken }, logLevel: 'silent' }), { code: 'ListenFailed' })

  // close is idempotent and ends keep-alive connections
  const api = await system.startHttpApi({ port: 0 })
  t.equal((await get(`${api.url}/health`)).status, 200)
  await Promise.all([api.close(), api.close()])
  await t.rejects(fetch(`${api.url}/health`))

  // an API started directly outlives a shutdown and says so
  const direct: HttpApi = await startHttpApi(system, { port: 0 })
  await system.shutdown()
  const after = await get(`${direct.url}/health`)
  t.equal(after.status, 503)
  t.match(after.json, { status: 'unhealthy', reasons: ['the actor system is shut down'] })
  await direct.close()
  await t.rejects(system.startHttpApi({ port: 0 }), { code: 'SystemShutdown' })

  // shutdown while the API is binding closes it
  const racing = await ActorSystem.start({ logLevel: 'silent' })
  const starting = racing.startHttpApi({ port: 0 })
  await racing.shutdown()
  await t.rejects(starting, { code: 'SystemShutdown' })
  await fromEnv.shutdown()
})

t.test('health check registration is validated', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const p = await system.spawn(Pinger, { id: 'p' })
  const health = healthChecks(system)
  t.equal(healthChecks(system), health, 'one registry per system')
  t.throws(() => health.register(p, { handler: 'ping', slowMs: 0, timeoutMs: Infinity }), {
    code: 'InvalidArgument',
    message: /slowMs must be a positive number \(got 0\); timeoutMs must be a positive number \(got Infinity\)/,
  })
  t.throws(() => health.register({} as never, { handler: 'ping' } as never), /ref must be an ActorRef/)
  t.throws(() => health.register(p, { handler: '' as never }), /handler must be a handler name/)
  t.throws(() => health.register(p, { handler: 'ping', name: '' }), /name must be a non-empty string/)
  health.register(p, { handler: 'ping' })
  t.throws(() => health.register(p, { handler: 'count' }), { code: 'AlreadyExists' })
  const unknown = health.register(p, { handler: 'nope' as 'ping', name: 'typo' })
  const results = await health.run()
  t.match(results, [{ name: 'p', status: 'healthy' }, { name: 'typo', status: 'unhealthy', error: /NotSupported/ }])
  unknown()
  t.same(health.names(), ['p'])
})
