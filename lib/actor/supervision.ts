/**
 * Supervision strategies: what a parent does when a child's handler throws. The decision logic
 * (directive, restart window, exponential backoff) is pure so it can be tested directly.
 */

/** What to do with a failed actor. */
export type Directive = 'restart' | 'resume' | 'stop' | 'escalate'

/** Facts about a failure, given to a {@link Decider}. */
export interface FailureInfo {
  readonly actorId: string
  readonly actorType: string
  readonly handler: string
}

/** Chooses a directive per error. */
export type Decider = (error: unknown, failure: FailureInfo) => Directive

/** Exponential backoff between restarts. */
export interface BackoffOptions {
  /** Delay before the first restart in a window, ms. Default 10. */
  minMs?: number
  /** Upper bound of the delay, ms. Default 10 000. */
  maxMs?: number
  /** Growth per consecutive restart. Default 2. */
  factor?: number
}

/**
 * How a parent supervises a child.
 *
 * - `restart` (default): a fresh instance of the same class with the same constructor
 *   arguments replaces the failed one behind the same ref, after an exponential backoff;
 *   children of the failed instance are stopped; queued messages are kept. More than
 *   `maxRestarts` within `withinMs` stops the actor instead.
 * - `resume`: keep the instance and its state, go on with the next message.
 * - `stop`: stop the actor.
 * - `escalate`: fail the parent with the same error; the parent's own supervisor decides.
 *   A top-level actor that escalates is stopped.
 */
export interface SupervisionStrategy {
  /** A fixed directive or a function choosing one per error. */
  directive: Directive | Decider
  /** Restarts allowed within `withinMs` before the actor is stopped. Default 10. */
  maxRestarts?: number
  /** The sliding window for `maxRestarts`, ms. Default 60 000. */
  withinMs?: number
  backoff?: BackoffOptions
}

/** Ready-made strategies. */
export const Supervision = {
  restart(options: Omit<SupervisionStrategy, 'directive'> = {}): SupervisionStrategy {
    return { ...options, directive: 'restart' }
  },
  resume(): SupervisionStrategy {
    return { directive: 'resume' }
  },
  stop(): SupervisionStrategy {
    return { directive: 'stop' }
  },
  escalate(): SupervisionStrategy {
    return { directive: 'escalate' }
  },
  /** Chooses per error; restarts use `options`' limits and backoff. */
  decide(decider: Decider, options: Omit<SupervisionStrategy, 'directive'> = {}): SupervisionStrategy {
    return { ...options, directive: decider }
  },
} as const

/** @internal A strategy with every default filled in. */
export interface ResolvedStrategy {
  directive: Directive | Decider
  maxRestarts: number
  withinMs: number
  minMs: number
  maxMs: number
  factor: number
}

export const DEFAULT_MAX_RESTARTS = 10
export const DEFAULT_RESTART_WINDOW_MS = 60_000
export const DEFAULT_BACKOFF_MIN_MS = 10
export const DEFAULT_BACKOFF_MAX_MS = 10_000
export const DEFAULT_BACKOFF_FACTOR = 2

/** @internal Fills defaults and validates; throws a TypeError naming the bad field. */
export function resolveStrategy(s: SupervisionStrategy, field = 'supervision'): ResolvedStrategy {
  const d = s.directive
  if (typeof d !== 'function' && d !== 'restart' && d !== 'resume' && d !== 'stop' && d !== 'escalate') {
    throw new TypeError(`${field}.directive must be restart, resume, stop, escalate or a function (got ${String(d)})`)
  }
  const r: ResolvedStrategy = {
    directive: d,
    maxRestarts: s.maxRestarts ?? DEFAULT_MAX_RESTARTS,
    withinMs: s.withinMs ?? DEFAULT_RESTART_WINDOW_MS,
    minMs: s.backoff?.minMs ?? DEFAULT_BACKOFF_MIN_MS,
    maxMs: s.backoff?.maxMs ?? DEFAULT_BACKOFF_MAX_MS,
    factor: s.backoff?.factor ?? DEFAULT_BACKOFF_FACTOR,
  }
  const nonNegative: [keyof ResolvedStrategy, string][] = [
    ['maxRestarts', 'maxRestarts'],
    ['withinMs', 'withinMs'],
    ['minMs', 'backoff.minMs'],
    ['maxMs', 'backoff.maxMs'],
  ]
  for (const [key, name] of nonNegative) {
    const v = r[key]
    if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`${field}.${name} must be a number >= 0 (got ${String(v)})`)
  }
  if (!(r.factor >= 1)) throw new TypeError(`${field}.backoff.factor must be >= 1 (got ${r.factor})`)
  if (r.maxMs < r.minMs) throw new TypeError(`${field}.backoff.maxMs must be >= backoff.minMs`)
  return r
}

/** @internal The restart bookkeeping of one actor. */
export class RestartHistory {
  private readonly times: number[] = []

  /**
   * Records a failure at `now` and says whether a restart is still allowed and after how long.
   * Returns `null` when the restart budget of the window is spent.
   */
  next(strategy: ResolvedStrategy, now: number): number | null {
    const times = this.times
    while (times.length > 0 && now - (times[0] as number) > strategy.withinMs) times.shift()
    if (times.length >= strategy.maxRestarts) return null
    const delay = Math.min(strategy.maxMs, strategy.minMs * Math.pow(strategy.factor, times.length))
    times.push(now)
    return delay
  }

  get count(): number {
    return this.times.length
  }
}

/** @internal The directive for `error` under `strategy`. */
export function decide(strategy: ResolvedStrategy, error: unknown, failure: FailureInfo): Directive {
  return typeof strategy.directive === 'function' ? strategy.directive(error, failure) : strategy.directive
}
