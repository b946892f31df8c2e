/**
 * `Inbox`: the receiving loop of one thread. It drains every inbound ring (system lanes
 * first), reassembles chunked frames, hands frames to the router, flushes this thread's
 * outbound backlog, and decides how to wait:
 * - while work keeps arriving it polls once per event-loop turn (`setImmediate`), so local
 *   actors, timers and I/O run between drains;
 * - when idle it spins for a bounded few microseconds (replies to a just-sent ask usually
 *   arrive within them), then sleeps on the thread's doorbell with `Atomics.waitAsync`.
 * A user ring whose head frame targets a full mailbox is parked (head-of-line) until the
 * router reports room; its system ring keeps flowing.
 */
import type { SpscRing } from './ring.js'
import type { ThreadSignal } from './signal.js'
import { CHUNK_FIRST, CHUNK_LAST, CHUNK_NONE } from './frames.js'

/** Delivers one frame. Return false to leave it in the ring for now (user lane only). */
export type FrameSink = (from: number, system: boolean, data: Uint8Array, start: number, end: number) => boolean

/** Frames taken from one user ring per drain before other peers get their turn. */
const USER_BUDGET = 4096

/** Reassembles one lane's chunked frames. */
class Assembler {
  private parts: Uint8Array[] | null = null
  /** A whole frame assembled but not yet accepted (its last chunk is still in the ring). */
  private ready: Uint8Array | null = null

  /** Returns the whole frame at its last chunk, else null (chunk kept). */
  take(data: Uint8Array, start: number, end: number, flags: number): Uint8Array | null {
    if (flags !== CHUNK_LAST) {
      if (flags === CHUNK_FIRST || this.parts === null) this.parts = []
      this.parts.push(data.slice(start, end))
      return null
    }
    if (this.ready === null) {
      const parts = this.parts ?? []
      parts.push(data.slice(start, end))
      this.ready = Buffer.concat(parts)
      this.parts = null
    }
    return this.ready
  }

  accepted(): void {
    this.ready = null
  }
}

const SETTLED: Promise<void> = Promise.resolve()

class Inbound {
  parked = false
  private readonly sysChunks = new Assembler()
  private readonly userChunks = new Assembler()
  readonly readSys: (data: Uint8Array, start: number, end: number, flags: number) => boolean
  readonly readUser: (data: Uint8Array, start: number, end: number, flags: number) => boolean

  constructor(
    readonly from: number,
    readonly sys: SpscRing,
    readonly user: SpscRing,
    sink: FrameSink,
  ) {
    const lane = (system: boolean, chunks: Assembler) => (data: Uint8Array, start: number, end: number, flags: number): boolean => {
      let ok: boolean
      if (flags === CHUNK_NONE) ok = sink(from, system, data, start, end)
      else {
        const whole = chunks.take(data, start, end, flags)
        if (whole === null) return true
        ok = sink(from, system, whole, 0, whole.length)
        if (ok) chunks.accepted()
      }
      if (!ok) this.parked = true
      return ok
    }
    this.readSys = lane(true, this.sysChunks)
    this.readUser = lane(false, this.userChunks)
  }
}

export interface InboxOptions {
  /** How long an idle thread spins before sleeping, microseconds. */
  spinMicros: number
}

export class Inbox {
  private readonly peers = new Map<number, Inbound>()
  private list: Inbound[] = []
  private scheduled = false
  private waiting = false
  private stopped = false
  private lastWork = 0
  private kicked = false

  constructor(
    private readonly signal: ThreadSignal,
    private readonly options: InboxOptions,
    private readonly sink: FrameSink,
    /** Flushes this thread's outbound backlog; returns the frames moved. */
    private readonly flushOutbound: () => number,
  ) {}

  /** Starts (or replaces) receiving from `from`. */
  attach(from: number, sys: SpscRing, user: SpscRing): void {
    this.peers.set(from, new Inbound(from, sys, user, this.sink))
    this.list = [...this.peers.values()]
    this.wakeSoon()
  }

  /** Un-parks `from`'s user ring (its blocked target has room again). */
  unpark(from: number): void {
    const p = this.peers.get(from)
    if (p !== undefined && p.parked) {
      p.parked = false
      this.wakeSoon()
    }
  }

  /** Something was sent that will likely be answered: poll actively instead of sleeping. */
  kick(): void {
    this.kicked = true
    this.wakeSoon()
  }

  start(): void {
    this.stopped = false
    this.wakeSoon()
  }

  stop(): void {
    this.stopped = true
    this.signal.cancelSleep()
  }

  /** Runs the loop soon (next microtask) unless it is already scheduled. */
  wakeSoon(): void {
    if (this.scheduled || this.stopped) return
    this.scheduled = true
    // A reaction to a settled promise: queueMicrotask would allocate an AsyncResource and a
    // bound function each time (a kick per cross-thread ask).
    SETTLED.then(this.run)
  }

  private hasData(): boolean {
    for (const p of this.list) {
      if (p.sys.hasData() || (!p.parked && p.user.hasData())) return true
    }
    return false
  }

  /** One pass over all inbound rings. Returns frames handled. */
  drain(): number {
    let n = 0
    for (const p of this.list) {
      n += p.sys.read(p.readSys, Number.MAX_SAFE_INTEGER)
      if (p.sys.takeProducerWaiting()) this.wakeProducer(p.from)
      if (!p.parked) {
        n += p.user.read(p.readUser, USER_BUDGET)
        if (p.user.takeProducerWaiting()) this.wakeProducer(p.from)
      }
    }
    return n
  }

  /** Set by the owner: rings a producer thread's doorbell. */
  wakeProducer: (thread: number) => void = () => {}

  private readonly run = (): void => {
    this.scheduled = false
    if (this.stopped) return
    let handled = this.drain()
    // A backlog needs no polling: the peer rings this thread when it frees space.
    this.flushOutbound()
    const now = performance.now()
    if (handled > 0) {
      this.lastWork = now
      this.scheduled = true
      setImmediate(this.run)
      return
    }
    // Idle: spin briefly while work is likely (just worked, or just sent an ask).
    const spinMs = this.options.spinMicros / 1000
    if (this.kicked || now - this.lastWork < spinMs) {
      this.kicked = false
      const until = now + spinMs
      while (performance.now() < until) {
        if (this.hasData()) {
          handled = this.drain()
          this.lastWork = performance.now()
          this.scheduled = true
          setImmediate(this.run)
          return
        }
      }
    }
    this.sleep()
  }

  private sleep(): void {
    if (this.waiting) {
      // A wait is already pending (we were kicked while it was); keep the flag up for producers.
      this.signal.prepareSleep()
      if (this.hasData() || this.flushOutbound() > 0) {
        this.signal.cancelSleep()
        this.wakeSoon()
      }
      return
    }
    const bell = this.signal.prepareSleep()
    // With the flag up, look again at both directions: a peer that drained our backlog (or
    // sent us frames) before seeing the flag did not ring.
    if (this.hasData() || this.flushOutbound() > 0 || this.stopped) {
      this.signal.cancelSleep()
      this.wakeSoon()
      return
    }
    this.waiting = true
    void this.signal.waitAsync(bell).then(this.woken)
  }

  private readonly woken = (): void => {
    this.waiting = false
    this.signal.cancelSleep()
    this.wakeSoon()
  }
}
