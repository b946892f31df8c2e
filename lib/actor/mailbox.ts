/**
 * The bounded user lane of one actor's mailbox: queued envelopes up to `capacity`, senders
 * waiting for room in order (a `send` or `ask` into a full mailbox; a `tell` never overtakes
 * them), and listeners told when room appears (threads parked on a full mailbox).
 */
import { Deque } from '../util/deque.js'
import { WheelEntry, type TimeoutWheel } from '../util/timeout-wheel.js'
import type { Envelope } from './envelope.js'

/** A sender waiting for room. */
class WaitingSend extends WheelEntry {
  constructor(
    private readonly mailbox: UserMailbox,
    readonly envelope: Envelope,
    readonly accepted: () => void,
    readonly failed: (e: unknown) => void,
    private readonly timeoutError: () => unknown,
  ) {
    super()
  }

  expire(): void {
    this.mailbox.forget(this)
    this.failed(this.timeoutError())
  }
}

/**
 * The queue itself is the mailbox's own ring (it extends `Deque`, one object instead of two:
 * a send and a turn each follow one pointer less, and a used mailbox holds 56 bytes less).
 */
export class UserMailbox extends Deque<Envelope> {
  /** Senders waiting for room; null while none ever waited. */
  private waiting: Deque<WaitingSend> | null = null
  private roomListeners: (() => void)[] | null = null

  constructor(
    readonly capacity: number,
    private readonly wheel: TimeoutWheel,
  ) {
    super(4)
  }

  /** Envelopes queued plus senders waiting. */
  get size(): number {
    return this.waiting === null ? this.length : this.length + this.waiting.length
  }

  /** True when a new message may enter now (nobody waits ahead of it). */
  hasRoom(): boolean {
    return this.length < this.capacity && (this.waiting === null || this.waiting.length === 0)
  }

  /** Queues `env`; the caller checked {@link UserMailbox.hasRoom}. */
  override push(env: Envelope): void {
    env.stats.sent++
    super.push(env)
  }

  /**
   * Queues `env` behind the senders already waiting; `accepted` runs when it enters the
   * mailbox, `failed` with `timeoutError()` after `timeoutMs`.
   */
  wait(env: Envelope, timeoutMs: number, accepted: () => void, failed: (e: unknown) => void, timeoutError: () => unknown): void {
    const w = new WaitingSend(this, env, accepted, failed, timeoutError)
    ;(this.waiting ??= new Deque<WaitingSend>(4)).push(w)
    this.wheel.add(w, timeoutMs)
  }

  /** The next envelope; lets the first waiting sender in, and tells listeners about room. */
  take(): Envelope | undefined {
    const env = this.shift()
    const waiting = this.waiting
    if (env !== undefined && waiting !== null && waiting.length > 0 && this.length < this.capacity) {
      const w = waiting.shift() as WaitingSend
      this.wheel.cancel(w)
      this.push(w.envelope)
      w.accepted()
    }
    if (this.roomListeners !== null && this.hasRoom()) this.notifyRoom()
    return env
  }

  /** Calls `listener` once there is room (at once if there is). */
  whenRoom(listener: () => void): void {
    if (this.hasRoom()) listener()
    else (this.roomListeners ??= []).push(listener)
  }

  /** @internal A waiting sender timed out. */
  forget(w: WaitingSend): void {
    const waiting = this.waiting
    if (waiting === null) return
    const kept = waiting.drain().filter((x) => x !== w)
    for (const x of kept) waiting.push(x)
  }

  /**
   * Empties the mailbox (the actor stops): waiting senders fail with `errorFor(handler)`,
   * listeners are released, and the queued envelopes are returned for the caller to reject.
   */
  clear(errorFor: (handler: string) => unknown): Envelope[] {
    this.notifyRoom()
    if (this.waiting !== null) {
      for (const w of this.waiting.drain()) {
        this.wheel.cancel(w)
        w.failed(errorFor(w.envelope.handler))
      }
    }
    return this.drain()
  }

  private notifyRoom(): void {
    const ls = this.roomListeners
    if (ls === null) return
    this.roomListeners = null
    for (const l of ls) l()
  }
}
