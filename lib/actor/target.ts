/**
 * The internal contract behind every `ActorRef`: one interface whether the actor lives on this
 * thread (an `ActorCell`), on another worker, or on another node. Refs stay one type because
 * only this target differs.
 */
import type { AskOptions } from './types.js'
import type { Terminated } from './terminated.js'
import type { ActorDescription, DescribeOptions } from './describe.js'

/** Receives a notice when a watched target stops. */
export interface TerminationListener {
  onTargetTerminated(notice: Terminated): void
}

export interface MessageTarget {
  readonly id: string
  readonly path: string
  readonly typeName: string
  /** False once the actor stopped (or is known to be unreachable). */
  readonly alive: boolean
  /** Fire-and-forget. Throws `NotSupported` for an unknown handler and `MailboxFull` when full. */
  tell(handler: string, args: unknown[]): void
  /** Like tell, but waits for room in a full mailbox. */
  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void>
  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown>
  stop(): Promise<void>
  /** Registers `listener` for the target's stop; called at once if it already stopped. */
  addWatcher(listener: TerminationListener): void
  removeWatcher(listener: TerminationListener): void
  describe(options: Required<DescribeOptions>, depth: number): Promise<ActorDescription>
}
