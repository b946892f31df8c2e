/**
 * Options of `startHttpApi` beyond where it listens: the runtime status source, the logger,
 * sampling and the queue-growth rule of the health verdict. Validated once here; one
 * TypeError names every bad field.
 */
import { checkHttpApiOptions, type HttpApiOptions, type ResolvedHttpApiOptions } from '../actor/options.js'
import type { Logger } from '../util/logger.js'
import type { RuntimeStatusSource } from './runtime-status.js'

/** Options of {@link startHttpApi}. */
export interface HttpApiServerOptions extends HttpApiOptions {
  /** Where worker, ring and in-flight figures come from. Default: the system's own runtime. */
  runtimeStatus?: RuntimeStatusSource
  /** Where the API logs failures. Default the system's logger. */
  logger?: Logger
  /** How often the runtime is sampled for rates and queue trends, ms. Default 1000. */
  sampleIntervalMs?: number
  /** Readings kept; message rates are averaged over this many intervals. Default 10. */
  rateWindowSamples?: number
  /** A worker queue that grew over this many consecutive readings makes the node degraded. Default 5. */
  queueGrowthSamples?: number
  /** ... but only from this many waiting messages on. Default 1000. */
  queueDepthFloor?: number
}

export interface ResolvedHttpApiServerOptions extends ResolvedHttpApiOptions {
  runtimeStatus: RuntimeStatusSource | undefined
  logger: Logger | undefined
  sampleIntervalMs: number
  rateWindowSamples: number
  queueGrowthSamples: number
  queueDepthFloor: number
}

export const DEFAULT_SAMPLE_INTERVAL_MS = 1_000
export const DEFAULT_RATE_WINDOW_SAMPLES = 10
export const DEFAULT_QUEUE_GROWTH_SAMPLES = 5
export const DEFAULT_QUEUE_DEPTH_FLOOR = 1_000

const RUNTIME_METHODS = ['mainThreadActors', 'workers', 'rings', 'inFlightAsks'] as const

/** Validates `o` and fills defaults. Throws one TypeError naming every bad field. */
export function resolveHttpApiServerOptions(o: HttpApiServerOptions = {}): ResolvedHttpApiServerOptions {
  const problems: string[] = []
  const listen = checkHttpApiOptions(o, 'options', problems)
  const count = (name: keyof HttpApiServerOptions, min: number): void => {
    const v = o?.[name]
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) problems.push(`${name} must be an integer >= ${min} (got ${String(v)})`)
  }
  count('sampleIntervalMs', 1)
  count('rateWindowSamples', 2)
  count('queueGrowthSamples', 2)
  count('queueDepthFloor', 0)
  const rs = o?.runtimeStatus
  if (rs !== undefined && RUNTIME_METHODS.some((m) => typeof (rs as unknown as Record<string, unknown>)?.[m] !== 'function')) {
    problems.push(`runtimeStatus must implement ${RUNTIME_METHODS.join(', ')}`)
  }
  if (problems.length > 0 || listen === null) throw new TypeError(`invalid HTTP API options: ${problems.join('; ')}`)
  const rateWindowSamples = o.rateWindowSamples ?? DEFAULT_RATE_WINDOW_SAMPLES
  const queueGrowthSamples = o.queueGrowthSamples ?? DEFAULT_QUEUE_GROWTH_SAMPLES
  return {
    ...listen,
    runtimeStatus: rs,
    logger: o.logger,
    sampleIntervalMs: o.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS,
    rateWindowSamples,
    queueGrowthSamples,
    queueDepthFloor: o.queueDepthFloor ?? DEFAULT_QUEUE_DEPTH_FLOOR,
  }
}
