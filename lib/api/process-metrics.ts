/**
 * Node process metrics (CPU, memory, heap, event-loop lag, handles, GC) from prom-client's
 * default collectors. They describe the process, not a system, so one registry serves every
 * HTTP API in the process; it is created on the first scrape.
 */
import { collectDefaultMetrics, Registry } from 'prom-client'

let registry: Registry | null = null

function processRegistry(): Registry {
  if (registry === null) {
    registry = new Registry()
    collectDefaultMetrics({ register: registry })
    // Gauges named *_total break Prometheus naming rules (promtool rejects them); the per-type
    // gauges without the suffix carry the same figures.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(name)
    }
  }
  return registry
}

/** The process metrics as Prometheus text, and every series name they use. */
export async function processMetrics(): Promise<{ text: string; names: string[] }> {
  const r = processRegistry()
  const names = r.getMetricsAsArray().flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`])
  return { text: await r.metrics(), names }
}
