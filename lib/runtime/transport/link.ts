/**
 * `Link`: this thread's sending end toward one peer thread. It owns the two outbound rings
 * (system and user), splits frames too large for one ring slot into chunks, and keeps what
 * does not fit yet in order:
 * - the system lane queues without bound: replies, stops and watch notices are never dropped;
 * - the user lane queues up to `outboxLimit` frames; past that a tell fails with `MailboxFull`
 *   and a send or ask waits its turn (backpressure).
 * Queued frames are flushed when the peer frees space (it rings this thread's doorbell because
 * the link raised the ring's producer-waiting flag).
 */
import { Deque } from '../../util/deque.js'
import { CHUNK_FIRST, CHUNK_LAST, CHUNK_MIDDLE, CHUNK_NONE } from './frames.js'
import type { SpscRing } from './ring.js'
import type { ThreadSignal } from './signal.js'

interface Queued {
  bytes: Uint8Array
  flags: number
}

/** A sender waiting for room in a full user outbox. */
interface Waiter {
  bytes: Uint8Array
  accepted(): void
  failed(error: unknown): void
}

/** Outcome of a user-lane write. */
export const WRITTEN = 0
export const QUEUED = 1
export const FULL = 2
export type WriteOutcome = typeof WRITTEN | typeof QUEUED | typeof FULL

/**
 * How a thread sends frames to a peer: the two lanes (system: never dropped nor blocked behind
 * user traffic; user: bounded, with backpressure), the backlog behind a full lane, and the
 * peer's loss. `Link` (a ring pair in shared memory) is the implementation between threads of
 * one process; a link to another node (the network thread, or a test's forwarder) is another.
 */
export interface FrameLink {
  readonly isDead: boolean
  /** Frames (or chunks) queued behind a full lane. */
  readonly backlog: number
  writeSystem(bytes: Uint8Array, start: number, end: number): void
  /** FULL: the user lane is at its limit and nothing was sent. */
  writeUser(bytes: Uint8Array, start: number, end: number): WriteOutcome
  /** Queues a user frame behind a full lane; `accepted` once it moved on, `failed` if the peer is lost. */
  waitForRoom(bytes: Uint8Array, start: number, end: number, accepted: () => void, failed: (error: unknown) => void): void
  /** Moves queued frames on; returns how many moved. */
  flush(): number
  /** The peer is gone: fail what waits and refuse further frames. */
  kill(error: unknown): void
  userRingUsed(): number
  readonly userRingCapacity: number
}

export class Link implements FrameLink {
  private readonly sysQueue = new Deque<Queued>()
  private readonly userQueue = new Deque<Queued>()
  private readonly waiters = new Deque<Waiter>()
  /** Frames in the user queue (chunks of one frame count once). */
  private userFrames = 0
  private dead = false

  constructor(
    readonly peer: number,
    private sys: SpscRing,
    private user: SpscRing,
    private peerSignal: ThreadSignal,
    private readonly outboxLimit: number,
    /** Called when frames were queued: the owner must flush once the peer frees space. */
    private readonly onBacklog: () => void,
  ) {}

  get isDead(): boolean {
    return this.dead
  }

  /**
   * When true, writes only note that the peer needs waking and `wakeNow()` rings once: a
   * writer that puts many frames in at once (the network thread delivering a batch) rings
   * once per batch instead of once per frame.
   */
  deferWakes = false
  private wakePending = false

  private ring(): void {
    if (this.deferWakes) this.wakePending = true
    else this.peerSignal.wake()
  }

  /** Rings the peer if a deferred write needs it. */
  wakeNow(): void {
    if (!this.wakePending) return
    this.wakePending = false
    this.peerSignal.wake()
  }

  /** Frames waiting to enter the rings, both lanes. */
  get backlog(): number {
    return this.sysQueue.length + this.userQueue.length + this.waiters.length
  }

  /** Bytes used in the user ring, for occupancy metrics. */
  userRingUsed(): number {
    return this.user.capacity - this.user.freeBytes()
  }

  get userRingCapacity(): number {
    return this.user.capacity
  }

  /** Swaps in fresh rings after the peer thread was replaced. */
  reset(sys: SpscRing, user: SpscRing, peerSignal: ThreadSignal): void {
    this.sys = sys
    this.user = user
    this.peerSignal = peerSignal
    this.dead = false
  }

  /** Marks the peer gone: queued frames are dropped, waiting senders fail with `error`. */
  kill(error: unknown): void {
    this.dead = true
    this.sysQueue.drain()
    this.userQueue.drain()
    this.userFrames = 0
    for (const w of this.waiters.drain()) w.failed(error)
  }

  /** Sends `bytes[start, end)` on the system lane: written now or queued, never refused. */
  writeSystem(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (this.dead) return
    if (this.sysQueue.length === 0) {
      if (this.writeOrQueue(this.sys, this.sysQueue, bytes, start, end)) {
        this.ring()
        return
      }
    } else {
      this.queueChunks(this.sysQueue, bytes, start, end, this.sys.maxPayload)
    }
    this.ring()
    this.backlogged(this.sys)
  }

  /** Sends `bytes[start, end)` on the user lane; FULL means the outbox is at its limit and nothing was sent. */
  writeUser(bytes: Uint8Array, start = 0, end = bytes.length): WriteOutcome {
    if (this.userQueue.length === 0 && this.waiters.length === 0) {
      if (this.writeOrQueue(this.user, this.userQueue, bytes, start, end)) {
        this.ring()
        return WRITTEN
      }
      this.userFrames++
      this.ring()
      this.backlogged(this.user)
      return QUEUED
    }
    // The peer may have drained the ring since: move the queue along before judging it full.
    if (this.drainQueue(this.user, this.userQueue, true) > 0) this.ring()
    if (this.userQueue.length === 0 && this.waiters.length === 0) return this.writeUser(bytes, start, end)
    if (this.userFrames >= this.outboxLimit || this.waiters.length > 0) return FULL
    this.queueChunks(this.userQueue, bytes, start, end, this.user.maxPayload)
    this.userFrames++
    return QUEUED
  }

  /** Queues `bytes[start, end)` behind a full outbox; `accepted` runs once it moved into the outbox. */
  waitForRoom(bytes: Uint8Array, start: number, end: number, accepted: () => void, failed: (error: unknown) => void): void {
    this.waiters.push({ bytes: Uint8Array.prototype.slice.call(bytes, start, end), accepted, failed })
    this.backlogged(this.user)
  }

  /**
   * Moves queued frames into the rings as far as they fit. Returns the number of frames (or
   * chunks) moved; `backlog` tells whether some remain (the peer then rings this thread when
   * it frees space, because the producer-waiting flags are up).
   */
  flush(): number {
    if (this.dead) return 0
    let moved = this.flushOnce()
    if (this.backlog === 0) return moved
    // Raise the flags, then look again: the consumer may have freed space just before the
    // flag went up, and it only rings when it sees the flag (no lost wake-up either way).
    if (this.sysQueue.length > 0) this.sys.setProducerWaiting()
    if (this.userQueue.length > 0 || this.waiters.length > 0) this.user.setProducerWaiting()
    moved += this.flushOnce()
    return moved
  }

  /** One pass moving queued frames into the rings; returns frames moved. */
  private flushOnce(): number {
    let moved = this.drainQueue(this.sys, this.sysQueue, false)
    moved += this.drainQueue(this.user, this.userQueue, true)
    while (this.waiters.length > 0 && this.userFrames < this.outboxLimit) {
      const w = this.waiters.shift() as Waiter
      if (this.userQueue.length === 0) {
        if (this.writeOrQueue(this.user, this.userQueue, w.bytes, 0, w.bytes.length)) moved++
        else this.userFrames++
      } else {
        this.queueChunks(this.userQueue, w.bytes, 0, w.bytes.length, this.user.maxPayload)
        this.userFrames++
      }
      moved++
      w.accepted()
    }
    if (moved > 0) this.ring()
    return moved
  }

  private backlogged(ring: SpscRing): void {
    ring.setProducerWaiting()
    this.onBacklog()
  }

  /**
   * Writes the frame `bytes[start, end)` (chunked when large). Returns true when all of it went
   * into the ring; else the unwritten rest is queued as copies (a frame's chunks are never
   * interleaved with other frames).
   */
  private writeOrQueue(ring: SpscRing, queue: Deque<Queued>, bytes: Uint8Array, start: number, end: number): boolean {
    const max = ring.maxPayload
    if (end - start <= max) {
      if (ring.tryWrite(bytes, start, end, CHUNK_NONE)) return true
      queue.push({ bytes: Uint8Array.prototype.slice.call(bytes, start, end), flags: CHUNK_NONE })
      return false
    }
    let offset = start
    while (offset < end) {
      const stop = Math.min(end, offset + max)
      const flags = offset === start ? CHUNK_FIRST : stop === end ? CHUNK_LAST : CHUNK_MIDDLE
      if (!ring.tryWrite(bytes, offset, stop, flags)) {
        this.queueChunks(queue, bytes, offset, end, max, start)
        return false
      }
      offset = stop
    }
    return true
  }

  /**
   * Queues `bytes[from, end)` as copies, chunked as `writeOrQueue` would have; `frameStart` is
   * where the whole frame began (a frame resumed mid-way continues with middle chunks).
   */
  private queueChunks(queue: Deque<Queued>, bytes: Uint8Array, from: number, end: number, max: number, frameStart = from): void {
    if (from === frameStart && end - from <= max) {
      queue.push({ bytes: Uint8Array.prototype.slice.call(bytes, from, end), flags: CHUNK_NONE })
      return
    }
    for (let offset = from; offset < end; ) {
      const stop = Math.min(end, offset + max)
      const flags = offset === frameStart ? CHUNK_FIRST : stop === end ? CHUNK_LAST : CHUNK_MIDDLE
      // Copies: the encoder reuses its buffer for the next message.
      queue.push({ bytes: Uint8Array.prototype.slice.call(bytes, offset, stop), flags })
      offset = stop
    }
  }

  private drainQueue(ring: SpscRing, queue: Deque<Queued>, user: boolean): number {
    let moved = 0
    for (let q = queue.peek(); q !== undefined; q = queue.peek()) {
      if (!ring.tryWrite(q.bytes, 0, q.bytes.length, q.flags)) break
      queue.shift()
      moved++
      if (user && (q.flags === CHUNK_NONE || q.flags === CHUNK_LAST)) this.userFrames--
    }
    return moved
  }
}
