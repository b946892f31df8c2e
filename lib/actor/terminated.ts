/**
 * The notice a watcher (or parent) receives when an actor stops, and why it stopped.
 */
import type { ActorRef } from './ref.js'

/**
 * Why an actor stopped:
 * - `stopped`: stopped on request (`ref.stop()`, `ctx.stop()`);
 * - `failed`: its supervisor stopped it after a handler error (or restarts ran out);
 * - `parentStopped`: its parent stopped;
 * - `shutdown`: the system shut down;
 * - `workerLost`: the thread it lived on died;
 * - `nodeLost`: the node it lived on went down or left the cluster (seen from another node).
 */
export type TerminationReason = 'stopped' | 'failed' | 'parentStopped' | 'shutdown' | 'workerLost' | 'nodeLost'

/** Sent to watchers and to the parent when an actor stops. */
export interface Terminated {
  /** The stopped actor's id. */
  readonly id: string
  /** The stopped actor's path (`parent/child`). */
  readonly path: string
  /** The stopped actor's type name. */
  readonly actorType: string
  readonly reason: TerminationReason
  /** The error that made it stop, for `failed`. */
  readonly error?: unknown
  /** A ref to the stopped actor (dead: sends to it fail with `Stopped`). */
  readonly ref: ActorRef
}
