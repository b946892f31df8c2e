/**
 * `GET /metrics`: the Prometheus text exposition of this API's registry (runtime metrics,
 * every registered collector's families and the Node process metrics), rendered by prom-client.
 * A collector that throws or returns invalid families is left out and shows as
 * `coerce_metrics_collector_up{collector} 0`.
 */
import type { Route } from '../router.js'

export const metricsRoute: Route = {
  method: 'GET',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics',
  description: 'Text exposition format 0.0.4: runtime metrics (coerce_*), contributed collectors, and Node process metrics (process_*, nodejs_*).',
  tags: ['system'],
  responses: { 200: { description: 'The metrics.', contentType: 'text/plain' } },
  async handle(_req, ctx) {
    return { text: await ctx.metrics.scrape(), contentType: ctx.metrics.contentType }
  },
}
