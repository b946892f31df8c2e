/**
 * The vocabulary an `ActorCell` shares with its modules under `lib/actor/cell/`: the states a
 * cell moves through, their public names, and the notices of the system lane.
 */
import type { ActorStatus } from '../describe.js'
import type { ChildHandle } from '../target.js'
import type { Terminated } from '../terminated.js'

export const STARTING = 0
export const RUNNING = 1
export const RESTARTING = 2
export const SUSPENDED = 3
export const STOPPING = 4
export const STOPPED = 5
export type CellState =
  | typeof STARTING
  | typeof RUNNING
  | typeof RESTARTING
  | typeof SUSPENDED
  | typeof STOPPING
  | typeof STOPPED
/** The public name of each state, indexed by state. */
export const STATUS: readonly ActorStatus[] = ['starting', 'running', 'restarting', 'suspended', 'stopping', 'stopped']

/** Notices on the system lane. Handled before user messages, never dropped while alive. */
export type SystemNotice =
  | { kind: 'terminated'; notice: Terminated }
  | { kind: 'childTerminated'; notice: Terminated }
  | { kind: 'escalated'; child: ChildHandle; error: unknown; handler: string }
