/**
 * Pool options: the public `PoolOptions`, their defaults, and the one place they are
 * validated. Inner pool code trusts `ResolvedPoolOptions`.
 */
import { resolveStrategy, type SupervisionStrategy } from '../../actor/supervision.js'
import type { ActorArgs, ActorClass, HandlerArgs, HandlerName } from '../../actor/types.js'

/** How a pool chooses the member for each message. See docs/pools.md for when to use which. */
export type RoutingStrategy = 'round-robin' | 'random' | 'least-busy' | 'consistent-hash'

/** The key of a message under `consistent-hash` routing. */
export type HashKey = string | number

/**
 * One message as a `[handler, args]` pair, a union over the handlers of `A`: narrowing on the
 * handler narrows the arguments.
 */
export type PoolMessage<A> =
  HandlerName<A> extends infer K ? (K extends HandlerName<A> & string ? [handler: K, args: HandlerArgs<A, K>] : never) : never

/**
 * The key function of `consistent-hash` routing: messages with the same key go to the same
 * member. Called on the sending thread for every message.
 */
export type HashKeyFn<A> = (...message: PoolMessage<A>) => HashKey

/** Bounds and thresholds of a pool that grows and shrinks with its load. */
export interface ResizerOptions {
  /** Fewest members. Default 1. */
  min?: number
  /** Most members. Default: twice the worker threads (at least `min`). */
  max?: number
  /** How often the load is sampled, ms. Default 1000. */
  intervalMs?: number
  /** A member with at least this many queued messages counts as busy. Default 4. */
  pressureThreshold?: number
  /** Grow when at least this share of members is busy (0..1]. Default 0.75. */
  growAt?: number
  /** Grow by this share of the current size, at least one member. Default 0.25. */
  rampUp?: number
  /** Shrink (one member at a time) when no member was busy for this many samples in a row. Default 5. */
  idleSamples?: number
}

/** Options of `system.pool` and `ctx.pool`. */
export interface PoolOptions<C extends ActorClass = ActorClass> {
  /** Makes the pool tracked under this id (`system.actorOf(id)` finds its supervisor); members are `id/m1`, `id/m2`, ... */
  id?: string
  /** Members at start. Default: the number of worker threads (1 with `workers: 0`). */
  size?: number
  /** How messages are spread. Default `round-robin`. */
  routing?: RoutingStrategy
  /**
   * The key of `consistent-hash` routing: a function of the message (stays on the thread that
   * created the pool: such a pool ref cannot be sent to another thread), or the index of the
   * argument whose value is the key (travels with the ref). Default 0: the first argument.
   */
  hashKey?: HashKeyFn<InstanceType<C>> | number
  /**
   * Where members run: `'spread'` (default) places them evenly over the worker threads, one per
   * worker first; `'main'` keeps them on the main thread; a list of worker numbers spreads
   * them over those workers only.
   */
  placement?: 'spread' | 'main' | readonly number[]
  /** Constructor arguments of every member. */
  args?: ActorArgs<C>
  /** How each member is supervised (a failing member restarts behind the pool). Default: the system's. */
  supervision?: SupervisionStrategy
  /** User-lane capacity of each member's mailbox. Default: the system's. */
  mailboxCapacity?: number
  /** Grow and shrink with the load; absent: the size stays fixed. */
  resizer?: ResizerOptions
}

/** @internal Resizer options with defaults filled in. */
export interface ResolvedResizer {
  min: number
  max: number
  intervalMs: number
  pressureThreshold: number
  growAt: number
  rampUp: number
  idleSamples: number
}

/** @internal What the pool supervisor is built from (plain data apart from `type`). */
export interface ResolvedPoolOptions {
  size: number
  routing: RoutingStrategy
  /** The argument index of the hash key, or null when a key function is used. */
  hashArg: number | null
  placement: 'spread' | 'main' | number[]
  args: readonly unknown[]
  supervision: SupervisionStrategy | undefined
  mailboxCapacity: number | undefined
  resizer: ResolvedResizer | null
}

export const DEFAULT_RESIZE_INTERVAL_MS = 1_000
export const DEFAULT_PRESSURE_THRESHOLD = 4
export const DEFAULT_GROW_AT = 0.75
export const DEFAULT_RAMP_UP = 0.25
export const DEFAULT_IDLE_SAMPLES = 5

const ROUTINGS: readonly RoutingStrategy[] = ['round-robin', 'random', 'least-busy', 'consistent-hash']

/**
 * @internal Validates pool options against a system with `workers` worker threads and fills
 * defaults. Throws one TypeError naming every bad field.
 */
export function resolvePoolOptions(o: PoolOptions, workers: number): ResolvedPoolOptions {
  const problems: string[] = []
  if (o === null || typeof o !== 'object') throw new TypeError('invalid pool options: options must be an object')
  const intAtLeast = (name: string, v: unknown, min: number): void => {
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
      problems.push(`${name} must be an integer >= ${min} (got ${String(v)})`)
    }
  }
  intAtLeast('size', o.size, 1)
  if (o.routing !== undefined && !ROUTINGS.includes(o.routing)) {
    problems.push(`routing must be one of ${ROUTINGS.join(', ')} (got ${String(o.routing)})`)
  }
  if (o.hashKey !== undefined) {
    if (typeof o.hashKey === 'number') intAtLeast('hashKey', o.hashKey, 0)
    else if (typeof o.hashKey !== 'function') problems.push('hashKey must be a function or an argument index')
    if ((o.routing ?? 'round-robin') !== 'consistent-hash') problems.push("hashKey needs routing: 'consistent-hash'")
  }
  let placement: ResolvedPoolOptions['placement'] = 'spread'
  const p = o.placement
  if (p === 'main') placement = 'main'
  else if (Array.isArray(p)) {
    const list = p as readonly unknown[]
    if (list.length === 0 || !list.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= workers)) {
      problems.push(`placement must list worker numbers 1..${workers} (got ${JSON.stringify(p)})`)
    } else placement = [...new Set(list as number[])]
  } else if (p !== undefined && p !== 'spread') {
    problems.push(`placement must be 'spread', 'main' or a list of worker numbers (got ${JSON.stringify(p)})`)
  }
  if (placement !== 'main' && workers === 0 && p !== undefined) problems.push("placement needs worker threads (this system has workers: 0): use 'main'")
  if (o.args !== undefined && !Array.isArray(o.args)) problems.push('args must be an array')
  if (o.mailboxCapacity !== undefined && !(typeof o.mailboxCapacity === 'number' && o.mailboxCapacity > 0)) {
    problems.push(`mailboxCapacity must be a positive number (got ${String(o.mailboxCapacity)})`)
  }
  if (o.supervision !== undefined) {
    try {
      resolveStrategy(o.supervision)
    } catch (e) {
      problems.push((e as Error).message)
    }
  }
  const threads = Math.max(1, workers)
  let resizer: ResolvedResizer | null = null
  if (o.resizer !== undefined) {
    const r = o.resizer
    intAtLeast('resizer.min', r.min, 1)
    intAtLeast('resizer.max', r.max, 1)
    intAtLeast('resizer.idleSamples', r.idleSamples, 1)
    intAtLeast('resizer.pressureThreshold', r.pressureThreshold, 1)
    if (r.intervalMs !== undefined && !(typeof r.intervalMs === 'number' && r.intervalMs > 0 && Number.isFinite(r.intervalMs))) {
      problems.push(`resizer.intervalMs must be a positive number (got ${String(r.intervalMs)})`)
    }
    for (const key of ['growAt', 'rampUp'] as const) {
      const v = r[key]
      if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= 1)) problems.push(`resizer.${key} must be in (0, 1] (got ${String(v)})`)
    }
    const min = r.min ?? 1
    const max = r.max ?? Math.max(min, threads * 2)
    if (max < min) problems.push(`resizer.max (${max}) must be >= resizer.min (${min})`)
    if (o.size !== undefined && (o.size < min || o.size > max)) problems.push(`size (${o.size}) must be within resizer.min..max (${min}..${max})`)
    resizer = {
      min,
      max,
      intervalMs: r.intervalMs ?? DEFAULT_RESIZE_INTERVAL_MS,
      pressureThreshold: r.pressureThreshold ?? DEFAULT_PRESSURE_THRESHOLD,
      growAt: r.growAt ?? DEFAULT_GROW_AT,
      rampUp: r.rampUp ?? DEFAULT_RAMP_UP,
      idleSamples: r.idleSamples ?? DEFAULT_IDLE_SAMPLES,
    }
  }
  if (problems.length > 0) throw new TypeError(`invalid pool options: ${problems.join('; ')}`)
  const defaultSize = Array.isArray(placement) ? placement.length : threads
  const size = o.size ?? (resizer === null ? defaultSize : Math.min(resizer.max, Math.max(resizer.min, defaultSize)))
  return {
    size,
    routing: o.routing ?? 'round-robin',
    hashArg: typeof o.hashKey === 'function' ? null : (o.hashKey ?? 0),
    placement: workers === 0 ? 'main' : placement,
    args: o.args ?? [],
    supervision: o.supervision,
    mailboxCapacity: o.mailboxCapacity,
    resizer,
  }
}
