/**
 * Deadlines for many short-lived operations (asks, sends waiting for room) with one timer.
 *
 * A `setTimeout` + `clearTimeout` pair per ask costs ~400 ns, which alone would cap
 * sequential asks near 1.7M/s. Entries here go into buckets of `resolutionMs` width kept as
 * intrusive doubly linked lists, so adding and cancelling are O(1) with no allocation beyond
 * the entry itself. One timer is armed for the earliest bucket; it is unref'd whenever
 * nothing is pending so an idle system never holds the process open. The unref waits for the
 * event loop's check phase: one ask at a time empties the wheel after every reply, and a ref
 * and an unref per ask (each a call into the timer list) cost more than the rest of the wheel.
 *
 * Reading the clock costs 60-110 ns on a virtualised host, a sixth of a local ask. So `add`
 * does not read it: the entry waits, unstamped, until the check phase of the event-loop turn
 * that added it, when one clock read stamps every entry added in that turn (most asks of a
 * busy turn settled before it and cost no read). A deadline so counts from the end of the
 * turn that made it: never early, and late by at most the rest of that turn (which a timer
 * set in it would be late by too). `addAt` places an entry at once, for callers that read
 * the clock anyway.
 */

/** Something with a deadline. Subclass it and implement {@link WheelEntry.expire}. */
export abstract class WheelEntry {
  /** @internal */ wheelPrev: WheelEntry | null = null
  /** @internal */ wheelNext: WheelEntry | null = null
  /** @internal */ wheelBucket: Bucket | null = null
  /** @internal The timeout of an entry still waiting for its stamp. */ wheelTimeout = 0

  /** Called once when the deadline passes before the entry was cancelled. */
  abstract expire(): void
}

class Bucket {
  head: WheelEntry | null = null
  tail: WheelEntry | null = null
  constructor(readonly key: number) {}
}

export class TimeoutWheel {
  private readonly buckets = new Map<number, Bucket>()
  /** Entries added in this event-loop turn, waiting for their stamp (see above). */
  private readonly fresh = new Bucket(Number.NaN)
  private stampQueued = false
  private lastBucket: Bucket | null = null
  private timer: NodeJS.Timeout | null = null
  private armedKey = Number.POSITIVE_INFINITY
  private live = 0
  private referenced = false
  private unrefQueued = false

  constructor(private readonly resolutionMs = 10) {}

  /** Number of entries waiting for their deadline. */
  get size(): number {
    return this.live
  }

  /**
   * Schedules `entry.expire()` after `timeoutMs` (rounded up to the wheel's resolution),
   * counted from the end of this event-loop turn (see above).
   */
  add(entry: WheelEntry, timeoutMs: number): void {
    entry.wheelTimeout = timeoutMs
    this.link(entry, this.fresh)
    if (this.live++ === 0) this.setReferenced(true)
    if (!this.stampQueued) {
      this.stampQueued = true
      setImmediate(this.stampFresh)
    }
  }

  /** Schedules `entry.expire()` at `now + timeoutMs`, `now` being a `performance.now()` just read. */
  addAt(entry: WheelEntry, now: number, timeoutMs: number): void {
    const key = this.place(entry, now + timeoutMs)
    if (this.live++ === 0) this.setReferenced(true)
    if (key < this.armedKey) this.arm(key)
  }

  /** Links `entry` into the bucket of `deadline`; returns the bucket's key. */
  private place(entry: WheelEntry, deadline: number): number {
    const key = Math.ceil(deadline / this.resolutionMs)
    let bucket = this.lastBucket
    if (bucket === null || bucket.key !== key) {
      bucket = this.buckets.get(key) ?? null
      if (bucket === null) {
        bucket = new Bucket(key)
        this.buckets.set(key, bucket)
      }
      this.lastBucket = bucket
    }
    this.link(entry, bucket)
    return key
  }

  private link(entry: WheelEntry, bucket: Bucket): void {
    entry.wheelBucket = bucket
    entry.wheelNext = null
    entry.wheelPrev = bucket.tail
    if (bucket.tail === null) bucket.head = entry
    else bucket.tail.wheelNext = entry
    bucket.tail = entry
  }

  /** Stamps the entries added in this event-loop turn (and still pending) with one clock read. */
  private readonly stampFresh = (): void => {
    this.stampQueued = false
    const fresh = this.fresh
    if (fresh.head === null) return
    const now = performance.now()
    let earliest = Number.POSITIVE_INFINITY
    for (let e: WheelEntry | null = fresh.head; e !== null; ) {
      const next: WheelEntry | null = e.wheelNext
      const key = this.place(e, now + e.wheelTimeout)
      if (key < earliest) earliest = key
      e = next
    }
    fresh.head = fresh.tail = null
    if (earliest < this.armedKey) this.arm(earliest)
  }

  /** Cancels a pending entry; a no-op when it already expired or was cancelled. */
  cancel(entry: WheelEntry): void {
    const bucket = entry.wheelBucket
    if (bucket === null) return
    if (entry.wheelPrev === null) bucket.head = entry.wheelNext
    else entry.wheelPrev.wheelNext = entry.wheelNext
    if (entry.wheelNext === null) bucket.tail = entry.wheelPrev
    else entry.wheelNext.wheelPrev = entry.wheelPrev
    entry.wheelPrev = entry.wheelNext = entry.wheelBucket = null
    if (--this.live === 0 && this.referenced && !this.unrefQueued) {
      this.unrefQueued = true
      setImmediate(this.unrefIfIdle)
    }
  }

  private readonly unrefIfIdle = (): void => {
    this.unrefQueued = false
    if (this.live === 0) this.setReferenced(false)
  }

  /** Cancels every pending entry without expiring it. */
  clear(): void {
    for (const bucket of [...this.buckets.values(), this.fresh]) {
      for (let e = bucket.head; e !== null; ) {
        const next = e.wheelNext
        e.wheelPrev = e.wheelNext = e.wheelBucket = null
        e = next
      }
    }
    this.buckets.clear()
    this.fresh.head = this.fresh.tail = null
    this.lastBucket = null
    this.live = 0
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.armedKey = Number.POSITIVE_INFINITY
    this.referenced = false
  }

  private setReferenced(on: boolean): void {
    if (this.referenced === on) return
    this.referenced = on
    if (this.timer !== null) {
      if (on) this.timer.ref()
      else this.timer.unref()
    }
  }

  private arm(key: number): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.armedKey = key
    const delay = Math.max(0, key * this.resolutionMs - performance.now())
    this.timer = setTimeout(this.fire, delay)
    if (!this.referenced) this.timer.unref()
  }

  private readonly fire = (): void => {
    this.timer = null
    this.armedKey = Number.POSITIVE_INFINITY
    const nowKey = Math.floor(performance.now() / this.resolutionMs)
    const due: Bucket[] = []
    let nextKey = Number.POSITIVE_INFINITY
    for (const bucket of this.buckets.values()) {
      if (bucket.key <= nowKey) due.push(bucket)
      else if (bucket.key < nextKey) nextKey = bucket.key
    }
    for (const bucket of due) {
      this.buckets.delete(bucket.key)
      if (this.lastBucket === bucket) this.lastBucket = null
    }
    due.sort((a, b) => a.key - b.key)
    for (const bucket of due) {
      for (let e = bucket.head; e !== null; e = bucket.head) {
        this.cancel(e)
        e.expire()
      }
    }
    // expire() callbacks may have added entries and armed the timer themselves.
    if (nextKey < this.armedKey) this.arm(nextKey)
  }
}
