/**
 * Health: actors an application registers as health-checked, the checks themselves (an ask of
 * a chosen handler with a timeout, all checks concurrently, concurrent callers sharing one run)
 * and the verdict combining them with the state of the worker threads.
 */
import type { Actor } from '../actor/actor.js'
import type { ActorRef } from '../actor/ref.js'
import type { ActorSystem } from '../actor/system.js'
import type { AskOptions, HandlerArgs, HandlerName } from '../actor/types.js'
import { perOwner } from '../util/per-owner.js'
import { ApiError } from './errors.js'
import type { WorkerStatus } from './runtime-status.js'

/** The health of a node, a check or a worker, from best to worst. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy'

/** How long a check's reply may take before the actor counts as degraded, ms (Coerce-rs: 1 s). */
export const DEFAULT_HEALTH_SLOW_MS = 1_000
/** How long a check waits for its reply before the actor counts as unhealthy, ms. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 3_000

/** How a registered actor is checked. */
export interface HealthCheckOptions<A extends Actor, K extends HandlerName<A>> {
  /** The handler asked on every check; its reply value is ignored, a rejection fails the check. */
  handler: K
  /** Arguments of the ask. Default none. */
  args?: HandlerArgs<A, K>
  /** Name of the check in reports; unique per system. Default the actor's id. */
  name?: string
  /** A reply slower than this makes the check `degraded`, ms. Default {@link DEFAULT_HEALTH_SLOW_MS}. */
  slowMs?: number
  /** No reply within this makes the check `unhealthy`, ms. Default {@link DEFAULT_HEALTH_TIMEOUT_MS}. */
  timeoutMs?: number
}

/** The outcome of one check. */
export interface HealthCheckResult {
  name: string
  actorId: string
  actorType: string
  handler: string
  status: HealthStatus
  /** Time to the reply, ms; null when there was none. */
  responseMs: number | null
  /** Why the check failed or was slow. */
  error?: string
}

interface Check {
  name: string
  ref: ActorRef
  handler: string
  slowMs: number
  timeoutMs: number
  ask(timeoutMs: number): Promise<unknown>
}

/** The health-checked actors of one system. */
export class HealthChecks {
  private readonly checks = new Map<string, Check>()
  private running: Promise<HealthCheckResult[]> | null = null

  /**
   * Registers `ref` as health-checked: every check asks `options.handler`. Returns a function
   * that unregisters it. A stopped actor stays registered and reports `unhealthy` until
   * unregistered, so a crash is visible to probes. Throws `ApiError` `InvalidArgument` naming
   * every bad option, or `AlreadyExists` when the name is taken.
   *
   * @example
   * healthChecks(system).register(db, { handler: 'ping', slowMs: 200 })
   */
  register<A extends Actor, K extends HandlerName<A>>(ref: ActorRef<A>, options: HealthCheckOptions<A, K>): () => void {
    const problems: string[] = []
    if (ref === null || typeof ref !== 'object' || typeof (ref as { askWith?: unknown }).askWith !== 'function') {
      problems.push('ref must be an ActorRef')
    }
    if (typeof options?.handler !== 'string' || options.handler.length === 0) problems.push('handler must be a handler name')
    for (const key of ['slowMs', 'timeoutMs'] as const) {
      const v = options?.[key]
      if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
        problems.push(`${key} must be a positive number (got ${String(v)})`)
      }
    }
    const name = options?.name ?? (ref as ActorRef | null)?.id
    if (typeof name !== 'string' || name.length === 0) problems.push('name must be a non-empty string')
    if (problems.length > 0) throw new ApiError('InvalidArgument', `invalid health check: ${problems.join('; ')}`)
    if (this.checks.has(name as string)) throw new ApiError('AlreadyExists', `a health check named '${name}' is already registered`)
    const handler = options.handler as string
    const args = (options.args ?? []) as unknown[]
    const asker = ref as unknown as { askWith(o: AskOptions, h: string, ...a: unknown[]): Promise<unknown> }
    const check: Check = {
      name: name as string,
      ref: ref as unknown as ActorRef,
      handler,
      slowMs: options.slowMs ?? DEFAULT_HEALTH_SLOW_MS,
      timeoutMs: options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      ask: (timeoutMs) => asker.askWith({ timeoutMs }, handler, ...args),
    }
    this.checks.set(check.name, check)
    return () => {
      if (this.checks.get(check.name) === check) this.checks.delete(check.name)
    }
  }

  /** Names of the registered checks. */
  names(): string[] {
    return [...this.checks.keys()]
  }

  /**
   * Runs every check concurrently; each ends within its `timeoutMs`. Callers arriving while a
   * run is in progress share it, so frequent probes never pile asks onto the actors.
   */
  run(): Promise<HealthCheckResult[]> {
    this.running ??= Promise.all([...this.checks.values()].map(runCheck)).finally(() => {
      this.running = null
    })
    return this.running
  }
}

async function runCheck(c: Check): Promise<HealthCheckResult> {
  const base = { name: c.name, actorId: c.ref.id, actorType: c.ref.actorType, handler: c.handler }
  if (!c.ref.isAlive) return { ...base, status: 'unhealthy', responseMs: null, error: 'actor is stopped' }
  const t0 = performance.now()
  try {
    await c.ask(c.timeoutMs)
  } catch (e) {
    return { ...base, status: 'unhealthy', responseMs: null, error: e instanceof Error ? e.message : String(e) }
  }
  const responseMs = Math.round((performance.now() - t0) * 1000) / 1000
  if (responseMs > c.slowMs) {
    return { ...base, status: 'degraded', responseMs, error: `replied after ${responseMs} ms (slow above ${c.slowMs} ms)` }
  }
  return { ...base, status: 'healthy', responseMs }
}

/** The health checks of `system`, created on first use; its HTTP API reports them on `/health`. */
export const healthChecks: (system: ActorSystem) => HealthChecks = perOwner(() => new HealthChecks())

/** A worker as reported by `/health`. */
export interface WorkerHealth extends WorkerStatus {
  status: HealthStatus
}

/** The verdict of checks and workers together. */
export interface HealthVerdict {
  status: HealthStatus
  /** Why the node is not healthy, one line per cause; empty when healthy. */
  reasons: string[]
  workers: WorkerHealth[]
}

/**
 * Combines check results and workers: a failed check or a dead worker makes the node
 * unhealthy; a slow check or a worker whose queue keeps growing (`growing`) degraded.
 */
export function assessHealth(checks: readonly HealthCheckResult[], workers: readonly WorkerStatus[], growing: readonly number[]): HealthVerdict {
  const reasons: string[] = []
  let worst = 0
  const rank: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 }
  const note = (status: HealthStatus, reason: string): void => {
    worst = Math.max(worst, rank[status])
    reasons.push(reason)
  }
  for (const c of checks) {
    if (c.status !== 'healthy') note(c.status, `check '${c.name}' is ${c.status}: ${c.error ?? ''}`.trim())
  }
  const out = workers.map((w): WorkerHealth => {
    if (!w.alive) {
      note('unhealthy', `worker ${w.index} is down`)
      return { ...w, status: 'unhealthy' }
    }
    if (growing.includes(w.index)) {
      note('degraded', `worker ${w.index} queue keeps growing (${w.queueDepth} messages)`)
      return { ...w, status: 'degraded' }
    }
    return { ...w, status: 'healthy' }
  })
  const status = (['healthy', 'degraded', 'unhealthy'] as const)[worst] as HealthStatus
  return { status, reasons, workers: out }
}
