/**
 * The system options a worker thread runs with: which fields of the main thread's resolved
 * options it takes over (one list, `WORKER_OPTION_FIELDS`), how they are packed for the
 * start-up message, and how the worker unpacks them into its own `ResolvedSystemOptions`.
 */
import { optionFieldsForWorker, type ResolvedSystemOptions } from '../actor/options.js'
import { consoleLogger } from '../util/logger.js'

/** The fields a worker takes over from the main thread's options as they are. */
export const WORKER_OPTION_FIELDS = [
  'name',
  'nodeId',
  'incarnation',
  'askTimeoutMs',
  'stopTimeoutMs',
  'mailboxCapacity',
  'supervision',
  'metricsSampleEvery',
  'logLevel',
  'spinMicros',
  'outboxLimit',
  'statsIntervalMs',
] as const satisfies readonly (keyof ResolvedSystemOptions)[]

/** The serialisable part of the system options a worker needs. */
export type WorkerOptions = Pick<ResolvedSystemOptions, (typeof WORKER_OPTION_FIELDS)[number]> & {
  /** Option fields of higher layers (persistence, ...) in their plain-data worker form. */
  extensions: Record<string, unknown>
  /** Largest frame a thread may send to another node (remoting's `maxFrameBytes`). */
  maxRemoteFrameBytes?: number
}

/** Packs the main thread's options for its workers (plain data: no logger, no functions). */
export function workerOptionsOf(o: ResolvedSystemOptions): WorkerOptions {
  const out: Record<string, unknown> = {}
  for (const field of WORKER_OPTION_FIELDS) out[field] = o[field]
  const packed = out as Omit<WorkerOptions, 'extensions'>
  // A decider function cannot cross threads: top-level actors a worker places restart by default.
  if (typeof o.supervision.directive === 'function') packed.supervision = { ...o.supervision, directive: 'restart' }
  return { ...packed, extensions: optionFieldsForWorker(o) }
}

/** A worker's resolved options from what the main thread sent; the rest are the worker's own. */
export function systemOptionsForWorker(o: WorkerOptions, thread: number, workers: number): ResolvedSystemOptions {
  const { extensions, maxRemoteFrameBytes: _limit, ...shared } = o
  const own: Pick<ResolvedSystemOptions, 'logger' | 'workers' | 'placementPolicy' | 'ringBytes' | 'blockingThreads' | 'http'> = {
    logger: consoleLogger(o.logLevel, { system: o.name, nodeId: o.nodeId, thread }),
    workers,
    placementPolicy: 'actor-count',
    ringBytes: 0,
    blockingThreads: 1,
    http: null,
  }
  return { ...shared, ...own, ...extensions } as ResolvedSystemOptions
}
