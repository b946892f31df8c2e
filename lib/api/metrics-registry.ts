/**
 * The prom-client `Registry` of one HTTP API, and the scrape that fills it: each scrape takes
 * one metrics snapshot and one runtime status reading, asks every registered collector once
 * (all at the same time, since some answer from another thread), validates the families, and
 * renders them together with the Node process metrics through the registry. A collector that
 * throws, rejects, answers too late or returns invalid families loses those families only and
 * shows as `coerce_metrics_collector_up{collector} 0`.
 */
import { Registry } from 'prom-client'
import type { ActorSystem } from '../actor/system.js'
import type { Logger } from '../util/logger.js'
import type { MetricCollector, MetricCollectors, MetricFamily, MetricSample } from '../util/metric-collectors.js'
import { familyProblem, seriesNames } from './family-check.js'
import { FamilyMetric } from './family-metric.js'
import { processMetrics } from './process-metrics.js'
import { runtimeFamilies } from './runtime-metrics.js'
import type { RuntimeStatusSource } from './runtime-status.js'
import { runtimeVersion } from './version.js'

/** Where a scrape reads its figures. */
export interface MetricsSources {
  readonly system: ActorSystem
  readonly runtime: RuntimeStatusSource
  readonly collectors: MetricCollectors
  readonly logger: Logger
  /**
   * How long a scrape waits for a collector that answers with a promise, ms. Default
   * {@link DEFAULT_COLLECT_TIMEOUT_MS}: well inside Prometheus' default 10 s scrape timeout, so
   * one stuck collector costs its own families, not the whole scrape.
   */
  readonly collectTimeoutMs?: number
}

/** How long a scrape waits for an asynchronous collector by default, ms. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 2_000

/** The registry behind one HTTP API's `/metrics`. */
export class MetricsRegistry {
  /** The content type of what {@link scrape} returns (text exposition format 0.0.4). */
  readonly contentType: string = Registry.PROMETHEUS_CONTENT_TYPE
  private readonly registry = new Registry()
  /** The families of the scrape being rendered, by name; what the family metrics read. */
  private current = new Map<string, MetricFamily>()
  private readonly families = new Map<string, FamilyMetric>()
  /** The names registered, in order, process metrics last; compared to skip re-registering. */
  private registered: readonly string[] = []
  private inFlight: Promise<string> | null = null

  constructor(private readonly sources: MetricsSources) {}

  /**
   * The exposition of every family as of now. Scrapes that arrive while one is rendering share
   * its result, so concurrent scrapers never pile up snapshots or interleave on the registry.
   */
  scrape(): Promise<string> {
    this.inFlight ??= this.render().finally(() => {
      this.inFlight = null
    })
    return this.inFlight
  }

  private async render(): Promise<string> {
    const families = await this.collect()
    this.current = new Map(families.map((f) => [f.name, f]))
    this.register(families.map((f) => f.name))
    return this.registry.metrics()
  }

  /** The valid families of this scrape, runtime first, then collectors, then their up gauge. */
  private async collect(): Promise<MetricFamily[]> {
    const { system, runtime, collectors, logger } = this.sources
    // Every collector is asked before any answer is awaited, so the slow ones overlap.
    const answers = await Promise.all(collectors.entries().map(([name, c]) => this.ask(name, c)))
    const taken = new Set<string>()
    // Reserve every series name a process metric could write, whatever its type.
    for (const p of processMetrics()) for (const n of seriesNames(p.name, 'histogram')) taken.add(n)
    const accepted: MetricFamily[] = []
    let source = 'runtime'
    let leftOut = 0
    const add = (f: MetricFamily): void => {
      const problem = familyProblem(f, taken)
      if (problem !== null) {
        leftOut++
        logger.warn({ source, family: String((f as { name?: unknown } | null)?.name), reason: problem }, 'metric family left out of /metrics')
        return
      }
      for (const n of seriesNames(f.name, f.type)) taken.add(n)
      accepted.push(f)
    }
    const node = { nodeId: system.nodeId, system: system.name, version: runtimeVersion() }
    for (const f of runtimeFamilies(system.metrics(), runtime, node)) add(f)
    const up: MetricSample[] = []
    for (const answer of answers) {
      source = answer.name
      leftOut = 0
      if (answer.families === null) {
        logger.warn({ source, err: answer.error }, 'metric collector failed')
        leftOut++
      }
      for (const f of answer.families ?? []) add(f)
      up.push({ labels: { collector: answer.name }, value: leftOut === 0 ? 1 : 0 })
    }
    source = 'runtime'
    add({
      name: 'coerce_metrics_collector_up',
      help: 'Whether the collector answered with valid families (1) or something was left out (0).',
      type: 'gauge',
      samples: up,
    })
    return accepted
  }

  /**
   * One collector's answer: its families, or null with the reason when it threw, rejected,
   * returned something other than an array, or did not answer within the bound.
   */
  private async ask(name: string, collector: MetricCollector): Promise<CollectorAnswer> {
    const limit = this.sources.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS
    let timer: NodeJS.Timeout | undefined
    try {
      const result = collector.collect()
      // Synchronous answers stay synchronous: no timer, no extra turn of the event loop.
      const families = isPromiseLike(result)
        ? await Promise.race([
            result,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`collect() did not answer within ${limit} ms`)), limit)
            }),
          ])
        : result
      if (!Array.isArray(families)) throw new TypeError('collect() did not return an array')
      return { name, families, error: null }
    } catch (e) {
      return { name, families: null, error: e }
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
  }

  /**
   * Makes the registry hold one family metric per name in `names`, in that order, then the
   * process metrics. The runtime's names never change, so this re-registers only when a
   * collector starts or stops reporting a family.
   */
  private register(names: readonly string[]): void {
    const process = processMetrics()
    const order = [...names, ...process.map((p) => p.name)]
    if (order.length === this.registered.length && order.every((n, i) => n === this.registered[i])) return
    this.registry.clear()
    const wanted = new Set(names)
    for (const name of this.families.keys()) if (!wanted.has(name)) this.families.delete(name)
    for (const name of names) {
      let metric = this.families.get(name)
      if (metric === undefined) {
        metric = new FamilyMetric(name, () => this.current.get(name))
        this.families.set(name, metric)
      }
      this.registry.registerMetric(metric.asPromMetric())
    }
    for (const p of process) this.registry.registerMetric(p.metric)
    this.registered = order
  }
}

/** What one collector gave a scrape. */
interface CollectorAnswer {
  name: string
  families: readonly MetricFamily[] | null
  error: unknown
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function'
}
