/**
 * `GET /metrics`: Prometheus text exposition of the runtime's metrics, every registered
 * collector's families and the Node process metrics. A collector that throws or returns
 * invalid families is left out and shows as `coerce_metrics_collector_up{collector} 0`.
 */
import type { MetricFamily, MetricSample } from '../../util/metric-collectors.js'
import { processMetrics } from '../process-metrics.js'
import { ExpositionWriter, PROMETHEUS_CONTENT_TYPE } from '../prometheus.js'
import type { Route } from '../router.js'
import { runtimeFamilies } from '../runtime-metrics.js'
import { runtimeVersion } from '../version.js'

export const metricsRoute: Route = {
  method: 'GET',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics',
  description: 'Text exposition format 0.0.4: runtime metrics (coerce_*), contributed collectors, and Node process metrics (process_*, nodejs_*).',
  tags: ['system'],
  responses: { 200: { description: 'The metrics.', contentType: 'text/plain' } },
  async handle(_req, ctx) {
    const proc = await processMetrics()
    let source = 'runtime'
    let leftOut = 0
    const writer = new ExpositionWriter((family, reason) => {
      leftOut++
      ctx.logger.warn({ source, family, reason }, 'metric family left out of /metrics')
    })
    writer.reserve(proc.names)
    const node = { nodeId: ctx.system.nodeId, system: ctx.system.name, version: runtimeVersion() }
    for (const f of runtimeFamilies(ctx.system.metrics(), ctx.runtime, node)) writer.add(f)
    const up: MetricSample[] = []
    for (const [name, collector] of ctx.collectors.entries()) {
      source = name
      leftOut = 0
      let families: readonly MetricFamily[]
      try {
        families = collector.collect()
        if (!Array.isArray(families)) throw new TypeError('collect() did not return an array')
      } catch (e) {
        ctx.logger.warn({ source, err: e }, 'metric collector failed')
        families = []
        leftOut++
      }
      for (const f of families) writer.add(f)
      up.push({ labels: { collector: name }, value: leftOut === 0 ? 1 : 0 })
    }
    writer.add({
      name: 'coerce_metrics_collector_up',
      help: 'Whether the collector answered with valid families (1) or something was left out (0).',
      type: 'gauge',
      samples: up,
    })
    return { text: writer.text() + proc.text, contentType: PROMETHEUS_CONTENT_TYPE }
  },
}
