/**
 * A single-producer single-consumer ring of length-prefixed frames in a SharedArrayBuffer:
 * the hot path between two threads.
 *
 * Layout: a 128-byte control block (head and tail on separate cache lines, plus a flag the
 * producer raises while it waits for room) and a power-of-two data region. A frame is an 8-byte
 * header (u32 payload length, u32 flags) and its payload, padded to 8 bytes; a frame never
 * wraps: when it does not fit before the end, a padding marker sends the reader to the start.
 * Head and tail are free-running u32 byte counters. The producer publishes the tail after every
 * frame and the consumer the head after every drain; frames are decoded in place before the
 * head moves past them.
 */

const HEAD = 0
const TAIL = 16
const PRODUCER_WAITING = 32
const CONTROL_INTS = 48
/** Bytes before the data region. */
export const RING_CONTROL_BYTES = CONTROL_INTS * 4
const PAD = 0xffffffff
const FRAME_HEADER = 8

const align8 = (n: number): number => (n + 7) & ~7

/** Reads one frame in place. Return false to leave it (and everything after it) in the ring. */
export type FrameReader = (data: Uint8Array, start: number, end: number, flags: number) => boolean

export class SpscRing {
  readonly sab: SharedArrayBuffer
  readonly capacity: number
  /** Largest payload that always fits in one frame; larger messages must be chunked. */
  readonly maxPayload: number
  private readonly control: Int32Array
  private readonly data: Uint8Array
  private readonly view: DataView
  private readonly mask: number
  private tail: number
  private headSeen: number
  private head: number

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab
    this.capacity = sab.byteLength - RING_CONTROL_BYTES
    if (this.capacity < 64 || (this.capacity & (this.capacity - 1)) !== 0) {
      throw new RangeError(`ring data size must be a power of two >= 64 bytes (got ${this.capacity})`)
    }
    this.mask = this.capacity - 1
    this.maxPayload = this.capacity / 4 - FRAME_HEADER
    this.control = new Int32Array(sab, 0, CONTROL_INTS)
    this.data = new Uint8Array(sab, RING_CONTROL_BYTES, this.capacity)
    this.view = new DataView(sab, RING_CONTROL_BYTES, this.capacity)
    this.tail = Atomics.load(this.control, TAIL) >>> 0
    this.head = Atomics.load(this.control, HEAD) >>> 0
    this.headSeen = this.head
  }

  /** A new ring with `capacity` data bytes (a power of two). */
  static create(capacity: number): SpscRing {
    return new SpscRing(new SharedArrayBuffer(RING_CONTROL_BYTES + capacity))
  }

  /** The other end of a ring created elsewhere. */
  static attach(sab: SharedArrayBuffer): SpscRing {
    return new SpscRing(sab)
  }

  // ------------------------------------------------------------------ producer side

  /**
   * Appends one frame holding `src[start, end)`; false when there is no room now.
   * `end - start` must not exceed {@link SpscRing.maxPayload}.
   */
  tryWrite(src: Uint8Array, start: number, end: number, flags: number): boolean {
    const len = end - start
    const need = align8(FRAME_HEADER + len)
    let tail = this.tail
    let offset = tail & this.mask
    const contiguous = this.capacity - offset
    const total = need > contiguous ? contiguous + need : need
    if (((tail - this.headSeen) >>> 0) + total > this.capacity) {
      this.headSeen = Atomics.load(this.control, HEAD) >>> 0
      if (((tail - this.headSeen) >>> 0) + total > this.capacity) return false
    }
    const view = this.view
    if (need > contiguous) {
      view.setUint32(offset, PAD, true)
      tail = (tail + contiguous) >>> 0
      offset = 0
    }
    view.setUint32(offset, len, true)
    view.setUint32(offset + 4, flags, true)
    if (len <= 32) {
      const data = this.data
      for (let i = 0, o = offset + FRAME_HEADER; i < len; i++) data[o + i] = src[start + i] as number
    } else {
      this.data.set(src.subarray(start, end), offset + FRAME_HEADER)
    }
    tail = (tail + need) >>> 0
    this.tail = tail
    Atomics.store(this.control, TAIL, tail | 0)
    return true
  }

  /** Bytes a producer could write now (upper bound: padding may take some). */
  freeBytes(): number {
    this.headSeen = Atomics.load(this.control, HEAD) >>> 0
    return this.capacity - ((this.tail - this.headSeen) >>> 0)
  }

  /** Raised by the producer while it holds frames waiting for room; the consumer clears it. */
  setProducerWaiting(): void {
    Atomics.store(this.control, PRODUCER_WAITING, 1)
  }

  // ------------------------------------------------------------------ consumer side

  /** True when frames are waiting. */
  hasData(): boolean {
    return (Atomics.load(this.control, TAIL) >>> 0) !== this.head
  }

  /**
   * Hands up to `max` frames to `reader`, in order, then releases their space. Stops early
   * when the reader returns false. Returns the number of frames consumed.
   */
  read(reader: FrameReader, max: number): number {
    let head = this.head
    const tail = Atomics.load(this.control, TAIL) >>> 0
    const view = this.view
    let n = 0
    while (head !== tail && n < max) {
      const offset = head & this.mask
      const len = view.getUint32(offset, true)
      if (len === PAD) {
        head = (head + (this.capacity - offset)) >>> 0
        continue
      }
      const flags = view.getUint32(offset + 4, true)
      const start = offset + FRAME_HEADER
      if (!reader(this.data, start, start + len, flags)) break
      head = (head + align8(FRAME_HEADER + len)) >>> 0
      n++
    }
    if (head !== this.head) {
      this.head = head
      Atomics.store(this.control, HEAD, head | 0)
    }
    return n
  }

  /** True (once) when the producer was waiting for room; the caller wakes the producer. */
  takeProducerWaiting(): boolean {
    return Atomics.load(this.control, PRODUCER_WAITING) === 1 && Atomics.exchange(this.control, PRODUCER_WAITING, 0) === 1
  }
}
