/**
 * The run queue of one thread: actors with pending messages wait here for their turn.
 *
 * Turns run as microtasks for throughput, but once a thread has been busy for `TURN_MS`
 * without the event loop turning, it yields with `setImmediate`, so timers (ask timeouts) and
 * I/O keep running even when actors message each other forever.
 */
import { Deque } from '../util/deque.js'

/** Something the dispatcher can give a turn to. */
export interface Runnable {
  /** Handles up to `budget` messages and returns how many it handled. */
  runTurn(budget: number): number
  /** True while the runnable sits in the run queue. */
  queued: boolean
}

/**
 * Turns are queued as reactions to this settled promise: the same microtask queue as
 * `queueMicrotask`, which also allocates an AsyncResource and a bound function per call (a
 * sequential ask schedules one turn per message).
 */
const SETTLED: Promise<void> = Promise.resolve()

/** Messages one actor handles per turn before others get theirs. */
export const ACTOR_THROUGHPUT = 256
/** Milliseconds a thread may spend in actor turns before it lets the event loop run. */
export const TURN_MS = 10

export class Dispatcher {
  private readonly ready = new Deque<Runnable>(64)
  private scheduled = false
  /** performance.now() when this event-loop turn's first actor turn began; 0 when none yet. */
  private turnStart = 0
  private yieldPending = false
  /** Runnables given a turn; the clock is read every 16th. */
  private turns = 0
  /** The dispatcher's latest clock reading in this event-loop turn. */
  private lastNow = 0

  /**
   * A clock reading from this event-loop turn's dispatch, never ahead of the clock (so a
   * deadline checked against it may pass a little late, never early); the clock itself when
   * the dispatcher has not run in this turn. For checks made per message, such as whether an
   * ask's caller still waits, where a clock read each would cost more than the check.
   */
  recentNow(): number {
    return this.turnStart === 0 ? performance.now() : this.lastNow
  }

  /** Puts `r` in the run queue unless it already is there. */
  schedule(r: Runnable): void {
    if (r.queued) return
    r.queued = true
    this.ready.push(r)
    if (!this.scheduled) {
      this.scheduled = true
      if (this.yieldPending) setImmediate(this.run)
      else SETTLED.then(this.run)
    }
  }

  private readonly run = (): void => {
    const ready = this.ready
    if (this.turnStart === 0) {
      this.turnStart = this.lastNow = performance.now()
      // Marks the end of this event-loop turn: the next one starts with a fresh allowance.
      setImmediate(this.resetTurn)
    }
    while (ready.length > 0) {
      const r = ready.shift() as Runnable
      r.queued = false
      r.runTurn(ACTOR_THROUGHPUT)
      // Counted across runs: under ask ping-pong each run handles one runnable, and the next
      // run is queued as a microtask again, so a per-run count would never reach the check.
      if ((++this.turns & 15) === 0 && (this.lastNow = performance.now()) - this.turnStart > TURN_MS) {
        this.yieldPending = true
        break
      }
    }
    if (ready.length > 0) setImmediate(this.run)
    else this.scheduled = false
  }

  private readonly resetTurn = (): void => {
    this.turnStart = 0
    this.yieldPending = false
  }
}
