/**
 * The bounded user lane of one actor's mailbox: queued envelopes up to `capacity`, senders
 * waiting for room in order (a `send` or `ask` into a full mailbox; a `tell` never overtakes
 * them), and listeners told when room appears (threads parked on a full mailbox).
 */
import { Deque } from '../util/deque.js'
import { WheelEntry, type TimeoutWheel } from '../util/timeout-wheel.js'
import { Envelope } from './envelope.js'
import type { ActorTypeStats, HandlerStats } from './metrics.js'

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
 * The queue is the mailbox's own ring of slot pairs (one object instead of a mailbox and a
 * deque). A plain tell takes a pair `(handler, args)` and no object of its own: the common
 * message allocates nothing but its arguments. Everything else (asks, messages with a reply
 * elsewhere, sampled tells that carry their enqueue time) takes `(envelope, undefined)`.
 */
export class UserMailbox {
  private items: unknown[]
  private head = 0
  private count = 0
  private mask: number
  /** The handler of the plain tell {@link UserMailbox.take} returned last (its arguments). */
  takenHandler = ''
  /** Senders waiting for room; null while none ever waited. */
  private waiting: Deque<WaitingSend> | null = null
  private roomListeners: (() => void)[] | null = null

  constructor(
    readonly capacity: number,
    private readonly wheel: TimeoutWheel,
    /** The actor type's stats (for the envelopes `clear` rebuilds from plain tells). */
    private readonly typeStats: ActorTypeStats,
  ) {
    this.items = new Array<unknown>(8)
    this.mask = 3
  }

  /** Messages queued (senders waiting not counted). */
  get length(): number {
    return this.count
  }

  /** Envelopes queued plus senders waiting. */
  get size(): number {
    return this.waiting === null ? this.count : this.count + this.waiting.length
  }

  /** True when a new message may enter now (nobody waits ahead of it). */
  hasRoom(): boolean {
    return this.count < this.capacity && (this.waiting === null || this.waiting.length === 0)
  }

  /** Queues `env`; the caller checked {@link UserMailbox.hasRoom}. */
  push(env: Envelope): void {
    env.stats.sent++
    this.pushPair(env, undefined)
  }

  /** Queues a plain tell (no reply, no timing sample); the caller checked {@link UserMailbox.hasRoom}. */
  pushTell(handler: string, args: unknown[], stats: HandlerStats): void {
    stats.sent++
    this.pushPair(handler, args)
  }

  private pushPair(a: unknown, b: unknown): void {
    if (this.count === this.mask + 1) this.grow()
    const i = ((this.head + this.count) & this.mask) << 1
    const items = this.items
    items[i] = a
    items[i + 1] = b
    this.count++
  }

  /**
   * Removes the oldest message: its envelope, or for a plain tell its arguments (the handler
   * is then in {@link UserMailbox.takenHandler}); undefined when empty.
   */
  private shift(): Envelope | unknown[] | undefined {
    if (this.count === 0) return undefined
    const i = this.head << 1
    const items = this.items
    const a = items[i]
    const b = items[i + 1]
    items[i] = items[i + 1] = undefined
    this.head = (this.head + 1) & this.mask
    this.count--
    if (b === undefined) return a as Envelope
    this.takenHandler = a as string
    return b as unknown[]
  }

  private grow(): void {
    const old = this.items
    const cap = (this.mask + 1) * 2
    const next = new Array<unknown>(cap * 2)
    for (let k = 0; k < this.count; k++) {
      const from = ((this.head + k) & this.mask) << 1
      next[k << 1] = old[from]
      next[(k << 1) + 1] = old[from + 1]
    }
    this.items = next
    this.head = 0
    this.mask = cap - 1
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

  /**
   * The next message (see {@link UserMailbox.shift}); lets the first waiting sender in, and
   * tells listeners about room.
   */
  take(): Envelope | unknown[] | undefined {
    const env = this.shift()
    const waiting = this.waiting
    if (env !== undefined && waiting !== null && waiting.length > 0 && this.count < this.capacity) {
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
    const out: Envelope[] = []
    for (let m = this.shift(); m !== undefined; m = this.shift()) {
      out.push(Array.isArray(m) ? new Envelope(this.takenHandler, m, null, this.typeStats.handler(this.takenHandler)) : m)
    }
    return out
  }

  private notifyRoom(): void {
    const ls = this.roomListeners
    if (ls === null) return
    this.roomListeners = null
    for (const l of ls) l()
  }
}
