/**
 * Placement: which thread a new actor goes to. Pure functions over per-thread load figures so
 * the policies can be tested on their own.
 */

/** Where a spawn asks to run: the main thread, any worker, or worker number n (1-based). */
export type Placement = 'main' | 'worker' | number

/**
 * How `'worker'` placement picks among workers:
 * - `actor-count`: the worker hosting the fewest actors;
 * - `message-load`: the worker that handled the fewest messages per second lately, ties
 *   broken by actor count.
 */
export type PlacementPolicy = 'actor-count' | 'message-load'

/** What the scheduler knows about one worker. */
export interface WorkerLoad {
  /** 1-based worker number. */
  thread: number
  alive: boolean
  actors: number
  messagesPerSecond: number
}

/** The worker to place on, or null when none is alive. */
export function pickWorker(workers: readonly WorkerLoad[], policy: PlacementPolicy): number | null {
  let best: WorkerLoad | null = null
  for (const w of workers) {
    if (!w.alive) continue
    if (best === null || better(w, best, policy)) best = w
  }
  return best === null ? null : best.thread
}

function better(a: WorkerLoad, b: WorkerLoad, policy: PlacementPolicy): boolean {
  if (policy === 'message-load') {
    // Rates within 5% count as equal so noise does not pile actors onto one worker.
    const hi = Math.max(a.messagesPerSecond, b.messagesPerSecond)
    if (hi > 0 && Math.abs(a.messagesPerSecond - b.messagesPerSecond) > hi * 0.05) {
      return a.messagesPerSecond < b.messagesPerSecond
    }
  }
  return a.actors < b.actors
}

/** Validates a spawn's placement option against the number of workers. */
export function checkPlacement(p: unknown, workers: number): string | null {
  if (p === undefined || p === 'main' || p === 'worker') return null
  if (typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= workers) return null
  return `placement must be 'main', 'worker' or a worker number 1..${workers} (got ${JSON.stringify(p)})`
}
