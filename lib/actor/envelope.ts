/**
 * What travels through a mailbox: a handler name, its arguments and where the reply goes,
 * and the pending-ask record that settles a caller's promise exactly once (reply, error,
 * timeout, abort or stop, whichever comes first).
 */
import { WheelEntry, type TimeoutWheel } from '../util/timeout-wheel.js'
import { ActorRefError } from './errors.js'
import type { HandlerStats } from './metrics.js'

/** Where a handler's result goes. Called at most once per message. */
export interface Reply {
  resolve(value: unknown): void
  reject(error: unknown): void
  /**
   * True once nobody waits for the result any more (the ask timed out, was aborted, or its
   * caller stopped): the message is skipped instead of handled.
   */
  readonly settled: boolean
  /** Set when failing many such replies at once is cheaper together (see {@link ReplyBatch}). */
  readonly batch?: ReplyBatch
}

/** Collects replies to fail with one error each, sent together on `flush` (a stop's backlog). */
export interface ReplyBatch {
  add(reply: Reply, error: unknown): void
  flush(): void
}

/** One user message in a mailbox (a same-thread ask is its own: {@link LocalAsk}). */
export class Envelope {
  /**
   * performance.now() at enqueue for sampled messages, else null. Not 0: a field that holds
   * both 0 and fractions is stored as a boxed double in every envelope (one more allocation per
   * message); with null only the sampled ones box their number.
   */
  enqueuedAt: number | null = null
  constructor(
    readonly handler: string,
    readonly args: unknown[],
    readonly reply: Reply | null,
    readonly stats: HandlerStats,
  ) {}
}

/** Identifies the target of an ask in its errors. */
export interface AskSubject {
  readonly id: string
  readonly actorType: string
}

/** The caller's side of one ask. */
export class PendingAsk extends WheelEntry implements Reply {
  settled = false
  private readonly resolveFn: (value: unknown) => void
  private readonly rejectFn: (error: unknown) => void
  private abort: { signal: AbortSignal; listener: () => void } | null = null
  readonly promise: Promise<unknown>

  constructor(
    private readonly wheel: TimeoutWheel,
    private readonly subject: AskSubject,
    readonly handler: string,
    private readonly timeoutMs: number,
    /** A `performance.now()` the caller just read, or -1: the wheel stamps it (see TimeoutWheel). */
    now = -1,
  ) {
    super()
    let res!: (value: unknown) => void
    let rej!: (error: unknown) => void
    this.promise = new Promise<unknown>((resolve, reject) => {
      res = resolve
      rej = reject
    })
    this.resolveFn = res
    this.rejectFn = rej
    if (now < 0) wheel.add(this, timeoutMs)
    else wheel.addAt(this, now, timeoutMs)
  }

  /** Rejects at once when `signal` aborts. */
  bindSignal(signal: AbortSignal): void {
    if (signal.aborted) {
      this.reject(signal.reason)
      return
    }
    const listener = (): void => this.reject(signal.reason)
    signal.addEventListener('abort', listener, { once: true })
    this.abort = { signal, listener }
  }

  resolve(value: unknown): void {
    if (this.settled) return
    this.finish()
    this.resolveFn(value)
  }

  reject(error: unknown): void {
    if (this.settled) return
    this.finish()
    this.rejectFn(error)
  }

  expire(): void {
    if (this.settled) return
    this.finish()
    this.rejectFn(
      new ActorRefError('Timeout', `no reply within ${this.timeoutMs} ms`, {
        actorId: this.subject.id,
        actorType: this.subject.actorType,
        handler: this.handler,
      }),
    )
  }

  /** The target's id and type, for error messages. */
  get subjectInfo(): AskSubject {
    return this.subject
  }

  get handlerName(): string {
    return this.handler
  }

  /** Called once when the ask settles, however it settles (a method, not a closure per ask). */
  protected onSettled(): void {}

  private finish(): void {
    this.settled = true
    this.wheel.cancel(this)
    this.onSettled()
    if (this.abort !== null) {
      this.abort.signal.removeEventListener('abort', this.abort.listener)
      this.abort = null
    }
  }
}

/**
 * An ask to an actor on the same thread: the caller's pending ask and the message in the
 * mailbox are one object (one allocation per ask instead of two; the reply is itself).
 */
export class LocalAsk extends PendingAsk implements Envelope {
  enqueuedAt: number | null = null
  readonly reply: Reply = this

  constructor(
    wheel: TimeoutWheel,
    subject: AskSubject,
    handler: string,
    readonly args: unknown[],
    readonly stats: HandlerStats,
    timeoutMs: number,
  ) {
    super(wheel, subject, handler, timeoutMs)
  }
}
