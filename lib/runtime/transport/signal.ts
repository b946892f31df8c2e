/**
 * The doorbell of one thread: a `sleeping` flag and a wake counter in a SharedArrayBuffer.
 *
 * A consumer with nothing to do raises `sleeping`, re-checks its rings, and waits for the
 * counter to change. A producer that has just published a frame rings only when the flag is
 * up, so a busy consumer costs producers one atomic load per frame and no system call. The
 * flag store, the re-check and the producer's load are sequentially consistent (Atomics), so a
 * wake-up cannot be lost.
 */

const SLEEPING = 0
const BELL = 16
const INTS = 32

export class ThreadSignal {
  readonly sab: SharedArrayBuffer
  private readonly cells: Int32Array

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab
    this.cells = new Int32Array(sab, 0, INTS)
  }

  static create(): ThreadSignal {
    return new ThreadSignal(new SharedArrayBuffer(INTS * 4))
  }

  static attach(sab: SharedArrayBuffer): ThreadSignal {
    return new ThreadSignal(sab)
  }

  /** Producer side: wake the owner if it sleeps. Returns true when it had to. */
  wake(): boolean {
    if (Atomics.load(this.cells, SLEEPING) === 0) return false
    if (Atomics.exchange(this.cells, SLEEPING, 0) === 0) return false
    Atomics.add(this.cells, BELL, 1)
    Atomics.notify(this.cells, BELL)
    return true
  }

  /** Consumer side: announce sleep; returns the bell value to wait on. */
  prepareSleep(): number {
    const bell = Atomics.load(this.cells, BELL)
    Atomics.store(this.cells, SLEEPING, 1)
    return bell
  }

  /** Consumer side: cancel a prepared sleep (work arrived during the re-check). */
  cancelSleep(): void {
    Atomics.store(this.cells, SLEEPING, 0)
  }

  /** Consumer side: resolves when rung (or at once if rung since `bell` was read). */
  waitAsync(bell: number): Promise<unknown> {
    const r = Atomics.waitAsync(this.cells, BELL, bell)
    return r.async ? r.value : Promise.resolve(r.value)
  }

  get isSleeping(): boolean {
    return Atomics.load(this.cells, SLEEPING) === 1
  }
}
