/**
 * The targets behind refs to actors this thread does not host: `ThreadTarget` (an actor on
 * another thread, reached through the router), `PeerParent` (a child's link to a parent on
 * another thread) and `MissingTarget` (an address on this thread whose actor is gone).
 */
import type { ActorDescription, DescribeOptions } from '../actor/describe.js'
import { handlersOfType, STOP_WHEN_DONE } from '../actor/actor.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import { ActorRef } from '../actor/ref.js'
import type { ChildHandle, MessageTarget, ParentLink, TerminationListener } from '../actor/target.js'
import type { Terminated, TerminationReason } from '../actor/terminated.js'
import type { AskOptions } from '../actor/types.js'
import type { NodeAddress } from '../actor/address.js'
import { errorToData, type RefAddress } from './transport/codec.js'
import { F_CHILD_TERMINATED, F_ESCALATE, type NoticeData, type PeerId } from './transport/frames.js'
import type { ThreadRouter } from './router.js'

/** A Terminated notice as it travels between threads. */
export function noticeToData(n: Terminated): NoticeData {
  const d: NoticeData = { id: n.id, path: n.path, actorType: n.actorType, ref: n.ref, reason: n.reason }
  if (n.error !== undefined) d.error = n.error instanceof Error ? n.error : errorToData(n.error)
  return d
}

/** A ref's target for an actor on another thread of this process. */
export class ThreadTarget implements MessageTarget, ChildHandle {
  readonly id: string
  readonly actorType: string
  readonly path: string
  readonly node: NodeAddress
  readonly thread: number
  /** Where frames for the actor go: its thread here, or its node's slot and thread. */
  readonly peer: PeerId
  private stoppedKnown = false
  private ref: ActorRef | null = null
  /** The class's handlers once this thread knows them. */
  private handlers: ReadonlySet<string> | undefined

  constructor(
    private readonly router: ThreadRouter,
    a: RefAddress,
  ) {
    this.id = a.id
    this.actorType = a.actorType
    this.path = a.path
    this.node = a.node
    this.thread = a.thread
    this.peer = router.peers.peerOf(a)
  }

  get alive(): boolean {
    return !this.stoppedKnown
  }

  get self(): ActorRef {
    this.ref ??= new ActorRef(this)
    return this.ref
  }

  /** @internal Learned that the actor stopped (notice or lost thread). */
  markStopped(): void {
    this.stoppedKnown = true
  }

  /** @internal The actor was restarted on the replacement of its lost worker. */
  markRestored(): void {
    this.stoppedKnown = false
  }

  /**
   * Refuses an unknown handler before anything is sent, as a cell on this thread would, when
   * this thread knows the class. (A stopped actor is not refused here: a top-level actor lost
   * with its worker comes back on the replacement under the same ref.)
   */
  private refusal(handler: string): ActorRefError | null {
    const known = (this.handlers ??= handlersOfType(this.actorType))
    if (known === undefined || known.has(handler) || handler === STOP_WHEN_DONE) return null
    return new ActorRefError('NotSupported', `${this.actorType} has no handler '${String(handler)}'`, {
      actorId: this.id,
      actorType: this.actorType,
      handler: String(handler),
    })
  }

  tell(handler: string, args: unknown[]): void {
    const refused = this.refusal(handler)
    if (refused !== null) throw refused
    this.router.tell(this, handler, args)
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    const refused = this.refusal(handler)
    if (refused !== null) return Promise.reject(refused)
    return this.router.send(this, handler, args, timeoutMs)
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    const refused = this.refusal(handler)
    if (refused !== null) return Promise.reject(refused)
    // A Stopped or NotFound answer marks this target stopped (PeerAsk.reject, router.ask).
    return this.router.ask(this, handler, args, options)
  }

  stop(): Promise<void> {
    return this.stopWith('stopped')
  }

  stopWith(reason: TerminationReason, _error?: unknown): Promise<void> {
    return this.router.stop(this, reason).then(() => {
      this.stoppedKnown = true
    })
  }

  addWatcher(listener: TerminationListener): void {
    this.router.watch(this, listener)
  }

  removeWatcher(listener: TerminationListener): void {
    this.router.unwatch(this, listener)
  }

  describe(options: Required<DescribeOptions>, depth: number): Promise<ActorDescription> {
    return this.router.describe(this, options, depth)
  }

  resumeFromParent(): void {
    this.router.resumeChild(this)
  }
}

/** A child's link to a parent on another thread. */
export class PeerParent implements ParentLink {
  readonly id: string
  readonly path: string
  readonly peer: PeerId
  private lost = false
  private readonly target: ThreadTarget

  constructor(
    private readonly router: ThreadRouter,
    a: RefAddress,
  ) {
    this.id = a.id
    this.path = a.path
    this.target = router.targetFor(a)
    this.peer = this.target.peer
  }

  get alive(): boolean {
    return !this.lost && this.target.alive
  }

  get self(): ActorRef {
    return this.target.self
  }

  markLost(): void {
    this.lost = true
  }

  childStopped(_child: ChildHandle, notice: Terminated): void {
    if (this.lost) return
    this.router.sendSystem(this.peer, [F_CHILD_TERMINATED, this.id, noticeToData(notice)])
  }

  escalate(child: ChildHandle, error: unknown, handler: string): void {
    this.router.sendSystem(this.peer, [F_ESCALATE, this.id, child.id, errorToData(error), handler])
  }
}

/** A ref to an actor that should be on this thread but is not (stopped, or never was). */
export class MissingTarget implements MessageTarget {
  readonly id: string
  readonly actorType: string
  readonly path: string
  readonly node: NodeAddress
  readonly thread: number

  constructor(
    a: RefAddress,
    private readonly host: ActorHost,
  ) {
    this.id = a.id
    this.actorType = a.actorType
    this.path = a.path
    this.node = a.node
    this.thread = a.thread
  }

  get alive(): boolean {
    return false
  }

  private gone(handler?: string): ActorRefError {
    return new ActorRefError('Stopped', 'actor is stopped', {
      actorId: this.id,
      actorType: this.actorType,
      ...(handler !== undefined ? { handler } : {}),
    })
  }

  tell(handler: string, args: unknown[]): void {
    this.host.deadLetterFor(this.id, this.actorType, handler, args, 'actor stopped')
  }

  send(handler: string): Promise<void> {
    return Promise.reject(this.gone(handler))
  }

  ask(handler: string): Promise<unknown> {
    return Promise.reject(this.gone(handler))
  }

  stop(): Promise<void> {
    return Promise.resolve()
  }

  addWatcher(listener: TerminationListener): void {
    listener.onTargetTerminated({ id: this.id, path: this.path, actorType: this.actorType, reason: 'stopped', ref: new ActorRef(this) })
  }

  removeWatcher(): void {}

  describe(): Promise<ActorDescription> {
    return Promise.reject(this.gone())
  }
}
