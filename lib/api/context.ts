/**
 * What a route handler can use besides its request: the system, the runtime status source,
 * the health checks, the metric collectors and the registry that renders them, the sampler and
 * the route table. One per running HTTP API.
 */
import type { ActorSystem } from '../actor/system.js'
import type { Logger } from '../util/logger.js'
import type { MetricCollectors } from '../util/metric-collectors.js'
import type { HealthChecks } from './health.js'
import type { MetricsRegistry } from './metrics-registry.js'
import type { Router } from './router.js'
import type { RuntimeStatusSource } from './runtime-status.js'
import type { RuntimeSampler } from './sampler.js'

/** Thresholds of the health verdict that concern worker queues. */
export interface QueueHealthSettings {
  /** Readings over which a queue must keep growing to count. */
  growthSamples: number
  /** A growing queue counts only from this many messages on. */
  depthFloor: number
}

/** The context of one running HTTP API, passed to every route handler. */
export interface ApiContext {
  readonly system: ActorSystem
  readonly runtime: RuntimeStatusSource
  readonly health: HealthChecks
  readonly collectors: MetricCollectors
  /** This API's prom-client registry: runtime families, collectors and process metrics. */
  readonly metrics: MetricsRegistry
  readonly sampler: RuntimeSampler
  readonly router: Router
  readonly logger: Logger
  readonly queues: QueueHealthSettings
  /** Epoch ms when this node's process started. */
  readonly startedAt: number
}
