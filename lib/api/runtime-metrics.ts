/**
 * The runtime's metric families: actor lifecycle counters and message counters per actor
 * type and handler, mailbox-wait and processing-time histograms, dead letters, asks in flight,
 * and the worker threads and rings reported by the runtime status source.
 */
import type { ActorTypeMetrics, HandlerMetrics, HistogramSnapshot, MetricsSnapshot } from '../actor/metrics.js'
import type { HistogramSample, MetricFamily, MetricSample } from '../util/metric-collectors.js'
import type { RuntimeStatusSource, WorkerStatus } from './runtime-status.js'

/** Identity of the node, written as the labels of `coerce_node_info`. */
export interface NodeIdentity {
  nodeId: string
  system: string
  version: string
}

/** The runtime's families, computed from a metrics snapshot and the runtime status. */
export function runtimeFamilies(metrics: MetricsSnapshot, runtime: RuntimeStatusSource, node: NodeIdentity): MetricFamily[] {
  const perType = (pick: (t: ActorTypeMetrics) => number): MetricSample[] =>
    metrics.actorTypes.map((t) => ({ labels: { actor_type: t.actorType }, value: pick(t) }))
  const handlers = metrics.actorTypes.flatMap((t) =>
    t.handlers.map((h) => ({ labels: { actor_type: t.actorType, handler: h.handler }, h })),
  )
  const perHandler = (pick: (h: HandlerMetrics) => number): MetricSample[] =>
    handlers.map(({ labels, h }) => ({ labels, value: pick(h) }))
  const histograms = (pick: (h: HandlerMetrics) => HistogramSnapshot): HistogramSample[] =>
    handlers.map(({ labels, h }) => {
      const s = pick(h)
      return { labels, buckets: s.buckets, counts: s.counts, sum: s.sum, count: s.count }
    })
  const workers = runtime.workers()
  const perWorker = (pick: (w: WorkerStatus) => number): MetricSample[] =>
    workers.map((w) => ({ labels: { worker: String(w.index) }, value: pick(w) }))
  const rings = runtime.rings()
  const sampled = `Sampled: one message in ${metrics.sampleEvery} is timed.`
  return [
    {
      name: 'coerce_node_info',
      help: 'Identity of this node; the value is always 1.',
      type: 'gauge',
      samples: [{ labels: { node_id: node.nodeId, system: node.system, version: node.version }, value: 1 }],
    },
    { name: 'coerce_actors_created_total', help: 'Actors started, by actor type.', type: 'counter', samples: perType((t) => t.created) },
    { name: 'coerce_actors_stopped_total', help: 'Actors stopped, by actor type.', type: 'counter', samples: perType((t) => t.stopped) },
    { name: 'coerce_actors_restarted_total', help: 'Actor restarts by supervision, by actor type.', type: 'counter', samples: perType((t) => t.restarted) },
    { name: 'coerce_actors', help: 'Actors alive now, by actor type.', type: 'gauge', samples: perType((t) => t.alive) },
    { name: 'coerce_messages_sent_total', help: 'Messages accepted into mailboxes, by actor type and handler.', type: 'counter', samples: perHandler((h) => h.sent) },
    { name: 'coerce_messages_processed_total', help: 'Messages whose handler completed, by actor type and handler.', type: 'counter', samples: perHandler((h) => h.processed) },
    { name: 'coerce_messages_failed_total', help: 'Messages whose handler threw or rejected, by actor type and handler.', type: 'counter', samples: perHandler((h) => h.failed) },
    { name: 'coerce_messages_expired_total', help: 'Asks skipped unhandled because the caller had stopped waiting (timeout, abort), by actor type and handler.', type: 'counter', samples: perHandler((h) => h.expired) },
    { name: 'coerce_mailbox_wait_seconds', help: `Time messages waited in the mailbox. ${sampled}`, type: 'histogram', samples: histograms((h) => h.mailboxWaitSeconds) },
    { name: 'coerce_message_processing_seconds', help: `Time handlers took. ${sampled}`, type: 'histogram', samples: histograms((h) => h.processingSeconds) },
    { name: 'coerce_dead_letters_total', help: 'Messages that reached no actor.', type: 'counter', samples: [{ value: metrics.deadLetters }] },
    { name: 'coerce_asks_in_flight', help: 'Asks sent from this node awaiting a reply.', type: 'gauge', samples: [{ value: runtime.inFlightAsks() }] },
    { name: 'coerce_main_thread_actors', help: 'Actors living on the main thread.', type: 'gauge', samples: [{ value: runtime.mainThreadActors() }] },
    { name: 'coerce_worker_up', help: 'Whether the actor worker thread is alive (1) or down (0).', type: 'gauge', samples: perWorker((w) => (w.alive ? 1 : 0)) },
    { name: 'coerce_worker_actors', help: 'Actors placed on the worker thread.', type: 'gauge', samples: perWorker((w) => w.actors) },
    { name: 'coerce_worker_queue_depth', help: 'Messages waiting on the worker thread.', type: 'gauge', samples: perWorker((w) => w.queueDepth) },
    { name: 'coerce_worker_restarts_total', help: 'Times the worker thread was replaced after dying.', type: 'counter', samples: perWorker((w) => w.restarts) },
    {
      name: 'coerce_ring_used_bytes',
      help: 'Bytes waiting in the ring between two threads.',
      type: 'gauge',
      samples: rings.map((r) => ({ labels: { from: r.from, to: r.to }, value: r.usedBytes })),
    },
    {
      name: 'coerce_ring_capacity_bytes',
      help: 'Capacity of the ring between two threads.',
      type: 'gauge',
      samples: rings.map((r) => ({ labels: { from: r.from, to: r.to }, value: r.capacityBytes })),
    },
  ]
}
