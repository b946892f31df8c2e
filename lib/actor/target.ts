/**
 * The internal contracts behind refs and the supervision tree. `MessageTarget` is what every
 * `ActorRef` talks to, whether the actor lives on this thread (an `ActorCell`), on another
 * worker (a `ThreadTarget`) or, later, on another node. `ParentLink` and `ChildHandle` let a
 * parent and its child live on different threads.
 */
import type { NodeAddress } from './address.js'
import type { AskOptions } from './types.js'
import type { Terminated, TerminationReason } from './terminated.js'
import type { ActorDescription, DescribeOptions } from './describe.js'
import type { ActorRef } from './ref.js'
import type { SupervisionStrategy } from './supervision.js'

/** Receives a notice when a watched target stops. */
export interface TerminationListener {
  onTargetTerminated(notice: Terminated): void
}

export interface MessageTarget {
  readonly id: string
  readonly path: string
  readonly actorType: string
  /** The node run the actor lives on. */
  readonly node: NodeAddress
  /** The thread the actor lives on: 0 is the main thread, 1..N the workers. */
  readonly thread: number
  /** False once the actor is known to have stopped. */
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

/** A parent's handle on one of its children. */
export interface ChildHandle {
  readonly id: string
  readonly alive: boolean
  readonly self: ActorRef
  stopWith(reason: TerminationReason, error: unknown): Promise<void>
  describe(options: Required<DescribeOptions>, depth: number): Promise<ActorDescription>
  /** The parent resumed after this child escalated a failure: run again. */
  resumeFromParent(): void
}

/** A child's handle on its parent. */
export interface ParentLink {
  readonly id: string
  readonly path: string
  readonly alive: boolean
  readonly self: ActorRef
  /** The child stopped: forget it and tell the parent actor. */
  childStopped(child: ChildHandle, notice: Terminated): void
  /** The child failed with `escalate`: the parent's own supervisor decides. */
  escalate(child: ChildHandle, error: unknown, handler: string): void
}

/** The strategy a parent actor declares for its children, if it is on this thread. */
export interface LocalParent extends ParentLink {
  readonly childSupervision: SupervisionStrategy | undefined
}
