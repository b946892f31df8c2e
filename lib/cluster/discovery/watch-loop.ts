/**
 * The machinery every watcher shares: a stoppable loop, a current peer set that turns updates
 * into joined/left/changed changes, capped exponential backoff between failed rounds, and
 * error reporting. Providers supply only the loop body.
 */
import type { Logger } from '../../util/logger.js'
import { diffPeers, peerMap } from './diff.js'
import { toWatchHandlers, type DiscoveryChange, type Peer, type StopWatch, type WatchHandlers } from './types.js'

/** Retry delays after failed rounds. */
export interface RetryOptions {
  /** First delay after a failure, ms. Default 500. */
  minMs?: number
  /** Cap of the delay, ms. Default 30 000. */
  maxMs?: number
  /** Growth per consecutive failure. Default 2. */
  factor?: number
}

/** {@link RetryOptions} with every field filled. */
export interface ResolvedRetry {
  minMs: number
  maxMs: number
  factor: number
}

/** 500 ms, doubling, capped at 30 s. */
export const DEFAULT_RETRY: ResolvedRetry = { minMs: 500, maxMs: 30_000, factor: 2 }

/** Fills defaults and pushes a problem per bad field onto `problems`. */
export function resolveRetry(r: RetryOptions | undefined, field: string, problems: string[]): ResolvedRetry {
  const out = { ...DEFAULT_RETRY, ...r }
  for (const k of ['minMs', 'maxMs'] as const) {
    const v: unknown = out[k]
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) problems.push(`${field}.${k} must be a positive number of ms (got ${String(v)})`)
  }
  if (!(typeof out.factor === 'number' && out.factor >= 1)) problems.push(`${field}.factor must be >= 1 (got ${String(out.factor)})`)
  else if (out.maxMs < out.minMs) problems.push(`${field}.maxMs must be >= ${field}.minMs`)
  return out
}

/** Delay before retry number `failures` (1-based): exponential, capped, with jitter in [d/2, d]. */
export function retryDelay(r: ResolvedRetry, failures: number): number {
  const d = Math.min(r.maxMs, r.minMs * r.factor ** Math.max(0, failures - 1))
  return d / 2 + (Math.random() * d) / 2
}

/** What a loop body gets: the stop signal, emit, and a stop-aware sleep. */
export interface WatchRound {
  readonly signal: AbortSignal
  /** Replaces the whole peer set; emits the difference, if any. */
  replace(peers: Iterable<Peer>): void
  /** Sets or removes one peer by key (`peer` null removes it); emits the difference, if any. */
  update(key: string, peer: Peer | null): void
  /** Waits `ms` or until stopped. */
  sleep(ms: number): Promise<void>
}

/**
 * Runs `round` again and again until stopped. A round that throws is reported and followed by a
 * backoff; a round that returns normally resets the backoff. Returns the stop function.
 */
export function runWatchLoop(
  handlersIn: WatchHandlers | ((change: DiscoveryChange) => void),
  retry: ResolvedRetry,
  logger: Logger,
  round: (r: WatchRound) => Promise<void>,
): StopWatch {
  const handlers = toWatchHandlers(handlersIn)
  const abort = new AbortController()
  const signal = abort.signal
  let current = new Map<string, Peer>()
  const emit = (next: Map<string, Peer>): void => {
    const change = diffPeers(current, next)
    current = next
    if (change === null || signal.aborted) return
    try {
      handlers.onChange(change)
    } catch (e) {
      logger.error({ err: e }, 'discovery onChange handler threw')
    }
  }
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done)
    })
  const ctl: WatchRound = {
    signal,
    replace: (peers) => emit(peerMap(peers)),
    update: (key, peer) => {
      const next = new Map(current)
      if (peer === null) next.delete(key)
      else next.set(key, peer)
      emit(next)
    },
    sleep,
  }
  const report = (e: unknown): void => {
    const err = e instanceof Error ? e : new Error(String(e))
    if (handlers.onError === undefined) {
      logger.warn({ err }, 'discovery watch round failed; retrying')
      return
    }
    try {
      handlers.onError(err)
    } catch (e2) {
      logger.error({ err: e2 }, 'discovery onError handler threw')
    }
  }
  const loop = async (): Promise<void> => {
    let failures = 0
    while (!signal.aborted) {
      try {
        await round(ctl)
        failures = 0
      } catch (e) {
        if (signal.aborted) break
        failures++
        report(e)
        await sleep(retryDelay(retry, failures))
      }
    }
  }
  const done = loop()
  return async () => {
    abort.abort()
    await done
  }
}
