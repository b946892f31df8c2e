/**
 * Node process metrics (CPU, memory, heap, event-loop lag, handles, GC) from prom-client's
 * default collectors. They describe the process, not a system, and some install process-wide
 * observers (GC, event-loop delay), so they are created once per process, on the first scrape,
 * and the same metric objects are registered in every HTTP API's registry.
 */
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client'

/** One process metric object and the family name it is registered under. */
export interface ProcessMetric {
  name: string
  type: string
  metric: Metric
}

let metrics: ProcessMetric[] | null = null

/** The process metric objects, created on the first call. */
export function processMetrics(): readonly ProcessMetric[] {
  if (metrics === null) {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    // Gauges named *_total break Prometheus naming rules (promtool rejects them); the per-type
    // gauges without the suffix carry the same figures.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(name)
    }
    metrics = []
    for (const { name, type } of registry.getMetricsAsArray()) {
      const metric = registry.getSingleMetric(name)
      if (metric !== undefined) metrics.push({ name, type: String(type), metric })
    }
  }
  return metrics
}
