// The prom-client registry behind /metrics, without HTTP: one snapshot and one collect() per
// scrape, concurrent scrapes sharing one render, families coming and going between scrapes,
// counters and histograms keeping their type and bounds, malformed families left out.
import { spawnSync } from 'node:child_process'
import t, { type Test } from 'tap'
import { MetricsRegistry } from '../../lib/api/metrics-registry.js'
import { runtimeStatusSource } from '../../lib/api/runtime-status.js'
import { ActorSystem, metricCollectors, type Logger, type MetricFamily } from '../../lib/index.js'

function silentLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  const none = (): void => {}
  return { warnings, trace: none, debug: none, info: none, warn: (_f: object, msg: string) => void warnings.push(msg), error: none }
}

async function setup(t: Test): Promise<{ system: ActorSystem; registry: MetricsRegistry; logger: ReturnType<typeof silentLogger> }> {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const logger = silentLogger()
  const registry = new MetricsRegistry({ system, runtime: runtimeStatusSource(system), collectors: metricCollectors(system), logger })
  return { system, registry, logger }
}

function promtoolRc(text: string): number {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (r.error !== undefined) throw new Error(`promtool is needed (apt-get install prometheus): ${r.error.message}`)
  return r.status ?? -1
}

t.test('one snapshot and one collect() per scrape; concurrent scrapes share the render', async (t) => {
  const { system, registry } = await setup(t)
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

t.test('families come and go between scrapes; types and bucket bounds are kept', async (t) => {
  const { system, registry } = await setup(t)
  let families: MetricFamily[] = [
    { name: 'test_ops_total', help: 'Ops.', type: 'counter', samples: [{ labels: { op: 'a' }, value: 2 }] },
    { name: 'test_latency_seconds', help: 'Latency.', type: 'histogram', samples: [{ buckets: [0.1, 0.25, 7], counts: [1, 0, 2, 3], sum: 30, count: 6 }] },
  ]
  metricCollectors(system).register('changing', { collect: () => families })
  let text = await registry.scrape()
  t.equal(promtoolRc(text), 0, 'promtool accepts it')
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
  t.equal(promtoolRc(text), 0)
})

t.test('malformed families and samples are left out, not fatal', async (t) => {
  const { system, registry, logger } = await setup(t)
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
  t.equal(promtoolRc(text), 0)
  t.match(text, /^test_ok 1$/m)
  t.notMatch(text, /test_null_sample|test_kind/)
  t.match(text, /^coerce_metrics_collector_up\{collector="malformed"\} 0$/m)
  t.equal(logger.warnings.filter((m) => m === 'metric family left out of /metrics').length, 3)
})
