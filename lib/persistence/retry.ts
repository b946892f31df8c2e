/**
 * The retry loop behind the recovery and persist policies: bounded attempts, exponential
 * backoff, a predicate for errors worth retrying, and an abort check so a shutting-down system
 * is never held up by a sleeping retry.
 */
import type { ResolvedRetryPolicy } from './options.js'

/** What one failed attempt looked like. */
export interface AttemptFailure {
  /** 1 for the first attempt. */
  attempt: number
  /** True when another attempt follows. */
  willRetry: boolean
}

/** @internal */
export interface RetryHooks {
  /** Errors for which another attempt can help. */
  retryable(error: unknown): boolean
  /** True once retrying should end (the system shuts down). Checked between attempts. */
  aborted(): boolean
  /** Told about every failed attempt. May be async; its own errors are ignored. */
  onFailure?(error: unknown, failure: AttemptFailure): void | Promise<void>
}

/** The longest single sleep; between slices the abort check runs. */
const SLEEP_SLICE_MS = 100

/** Delay before attempt `attempt + 1`. */
export function backoffDelay(policy: ResolvedRetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.delayMs * Math.pow(policy.factor, attempt - 1))
}

/**
 * @internal Runs `op` until it succeeds, an error is not retryable, the attempts are spent or
 * `aborted()`. Rejects with the last error; `exhausted` says whether attempts ran out.
 */
export async function retry<T>(policy: ResolvedRetryPolicy | null, op: (attempt: number) => Promise<T>, hooks: RetryHooks): Promise<T> {
  const maxAttempts = policy?.maxAttempts ?? 1
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt)
    } catch (e) {
      const willRetry = policy !== null && attempt < maxAttempts && hooks.retryable(e) && !hooks.aborted()
      if (hooks.onFailure !== undefined) {
        try {
          await hooks.onFailure(e, { attempt, willRetry })
        } catch {
          // A failing observer must not change the outcome.
        }
      }
      if (!willRetry) throw new RetryEnded(e, attempt, policy !== null && attempt >= maxAttempts && hooks.retryable(e))
      await sleep(backoffDelay(policy, attempt), hooks.aborted)
      if (hooks.aborted()) throw new RetryEnded(e, attempt, false)
    }
  }
}

/** @internal The error `retry` rejects with: the last failure and how the loop ended. */
export class RetryEnded extends Error {
  constructor(
    readonly last: unknown,
    readonly attempts: number,
    /** True when the attempts ran out on a retryable error (false: not retryable, or aborted). */
    readonly exhausted: boolean,
  ) {
    super('retry ended')
  }
}

async function sleep(ms: number, aborted: () => boolean): Promise<void> {
  let left = ms
  while (left > 0 && !aborted()) {
    const slice = Math.min(left, SLEEP_SLICE_MS)
    await new Promise<void>((resolve) => setTimeout(resolve, slice))
    left -= slice
  }
}
