/**
 * Periodic messages to an actor. A tick is only sent once the previous one was handled, so a
 * slow actor never builds a backlog of ticks (skipped ticks are counted in `missedTicks`).
 * A timer stops on `stop()`, when its actor stops, or on the first tick the actor rejects as
 * stopped.
 */
import type { Actor } from './actor.js'
import { isActorRefError } from './errors.js'
import type { ActorRef } from './ref.js'
import type { TerminationListener } from './target.js'
import type { HandlerArgs, HandlerName } from './types.js'

/** A running timer. */
export class Timer implements TerminationListener {
  private interval: NodeJS.Timeout | null
  /** Cancels the tick in flight: a stopped timer's queued tick is never handled. */
  private inFlight: AbortController | null = null
  private ticks = 0
  private missed = 0

  private constructor(
    private readonly ref: ActorRef,
    private readonly intervalMs: number,
    private readonly handler: string,
    private readonly args: unknown[],
    immediately: boolean,
  ) {
    if (!(typeof intervalMs === 'number' && intervalMs > 0 && Number.isFinite(intervalMs))) {
      throw new TypeError(`Timer interval must be a positive number of ms (got ${String(intervalMs)})`)
    }
    this.interval = setInterval(this.tick, intervalMs)
    ref.target.addWatcher(this)
    if (immediately) this.tick()
  }

  /**
   * Sends `handler(...args)` to `ref` every `intervalMs`; the first tick comes after one interval.
   *
   * @example
   * const timer = Timer.start(ref, 1000, 'tick', 'hello')
   * timer.stop()
   */
  static start<A extends Actor, K extends HandlerName<A>>(
    ref: ActorRef<A>,
    intervalMs: number,
    handler: K,
    ...args: HandlerArgs<A, K>
  ): Timer {
    return new Timer(ref as unknown as ActorRef, intervalMs, handler as string, args, false)
  }

  /** Like {@link Timer.start}, but the first tick is sent at once. */
  static startImmediately<A extends Actor, K extends HandlerName<A>>(
    ref: ActorRef<A>,
    intervalMs: number,
    handler: K,
    ...args: HandlerArgs<A, K>
  ): Timer {
    return new Timer(ref as unknown as ActorRef, intervalMs, handler as string, args, true)
  }

  /** True until stopped. */
  get isRunning(): boolean {
    return this.interval !== null
  }

  /** Ticks delivered so far. */
  get tickCount(): number {
    return this.ticks
  }

  /** Ticks skipped because the previous one was still being handled. */
  get missedTicks(): number {
    return this.missed
  }

  /** Stops the timer. Idempotent. */
  stop(): void {
    if (this.interval === null) return
    clearInterval(this.interval)
    this.interval = null
    // A tick may wait in the mailbox behind a long handler; when the timer ends because its
    // actor restarts, the new instance must not get it (the skipped ask counts as expired).
    this.inFlight?.abort()
    this.inFlight = null
    this.ref.target.removeWatcher(this)
  }

  /** @internal */
  onTargetTerminated(): void {
    this.stop()
  }

  private readonly tick = (): void => {
    if (this.interval === null) return
    if (this.inFlight !== null) {
      this.missed++
      return
    }
    const tick = new AbortController()
    this.inFlight = tick
    this.ref.target.ask(this.handler, this.args, { timeoutMs: Math.max(this.intervalMs * 10, 60_000), signal: tick.signal }).then(
      () => {
        if (this.inFlight === tick) this.inFlight = null
        this.ticks++
      },
      (e: unknown) => {
        if (this.inFlight === tick) this.inFlight = null
        // A handler error is the supervisor's business; a gone actor ends the timer.
        if (isActorRefError(e, 'Stopped') || isActorRefError(e, 'NotSupported') || isActorRefError(e, 'NotFound')) this.stop()
      },
    )
  }
}
