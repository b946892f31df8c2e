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
import { Deque } from '../util/deque.js'
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

export class Link {
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

  /** Sends on the system lane: written now or queued, never refused. */
  writeSystem(bytes: Uint8Array): void {
    if (this.dead) return
    if (this.sysQueue.length === 0) {
      if (this.writeOrQueue(this.sys, this.sysQueue, bytes)) {
        this.peerSignal.wake()
        return
      }
    } else {
      this.queueChunks(this.sysQueue, bytes, 0, this.sys.maxPayload)
    }
    this.peerSignal.wake()
    this.backlogged(this.sys)
  }

  /** Sends on the user lane; FULL means the outbox is at its limit and nothing was sent. */
  writeUser(bytes: Uint8Array): WriteOutcome {
    if (this.userQueue.length === 0 && this.waiters.length === 0) {
      if (this.writeOrQueue(this.user, this.userQueue, bytes)) {
        this.peerSignal.wake()
        return WRITTEN
      }
      this.userFrames++
      this.peerSignal.wake()
      this.backlogged(this.user)
      return QUEUED
    }
    // The peer may have drained the ring since: move the queue along before judging it full.
    if (this.drainQueue(this.user, this.userQueue, true) > 0) this.peerSignal.wake()
    if (this.userQueue.length === 0 && this.waiters.length === 0) return this.writeUser(bytes)
    if (this.userFrames >= this.outboxLimit || this.waiters.length > 0) return FULL
    this.queueChunks(this.userQueue, bytes, 0, this.user.maxPayload)
    this.userFrames++
    return QUEUED
  }

  /** Queues `bytes` behind a full outbox; `accepted` runs once it moved into the outbox. */
  waitForRoom(bytes: Uint8Array, accepted: () => void, failed: (error: unknown) => void): void {
    this.waiters.push({ bytes: Uint8Array.prototype.slice.call(bytes), accepted, failed })
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
        if (this.writeOrQueue(this.user, this.userQueue, w.bytes)) moved++
        else this.userFrames++
      } else {
        this.queueChunks(this.userQueue, w.bytes, 0, this.user.maxPayload)
        this.userFrames++
      }
      moved++
      w.accepted()
    }
    if (moved > 0) this.peerSignal.wake()
    return moved
  }

  private backlogged(ring: SpscRing): void {
    ring.setProducerWaiting()
    this.onBacklog()
  }

  /**
   * Writes a frame (chunked when large). Returns true when all of it went into the ring; else
   * the unwritten rest is queued (a frame's chunks are never interleaved with other frames).
   */
  private writeOrQueue(ring: SpscRing, queue: Deque<Queued>, bytes: Uint8Array): boolean {
    const max = ring.maxPayload
    if (bytes.length <= max) {
      if (ring.tryWrite(bytes, 0, bytes.length, CHUNK_NONE)) return true
      queue.push({ bytes: Uint8Array.prototype.slice.call(bytes), flags: CHUNK_NONE })
      return false
    }
    let offset = 0
    while (offset < bytes.length) {
      const end = Math.min(bytes.length, offset + max)
      const flags = offset === 0 ? CHUNK_FIRST : end === bytes.length ? CHUNK_LAST : CHUNK_MIDDLE
      if (!ring.tryWrite(bytes, offset, end, flags)) {
        this.queueChunks(queue, bytes, offset, max)
        return false
      }
      offset = end
    }
    return true
  }

  /** Queues `bytes[from..]` as copies, in the chunking `writeOrQueue` would have used. */
  private queueChunks(queue: Deque<Queued>, bytes: Uint8Array, from: number, max: number): void {
    if (from === 0 && bytes.length <= max) {
      queue.push({ bytes: Uint8Array.prototype.slice.call(bytes), flags: CHUNK_NONE })
      return
    }
    for (let offset = from; offset < bytes.length; ) {
      const end = Math.min(bytes.length, offset + max)
      const flags = offset === 0 ? CHUNK_FIRST : end === bytes.length ? CHUNK_LAST : CHUNK_MIDDLE
      // Buffer#slice is a view: copy, the encoder reuses its buffer for the next message.
      queue.push({ bytes: Uint8Array.prototype.slice.call(bytes, offset, end), flags })
      offset = end
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
