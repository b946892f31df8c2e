/**
 * `ActorRef<A>`: the handle through which everything talks to an actor. It is one type
 * whether the actor is on this thread, another worker or another node; message names and
 * argument types are checked against the actor class at compile time.
 */
import type { Actor } from './actor.js'
import { nodeKey, sameNode, type ActorAddress } from './address.js'
import { ActorRefError } from './errors.js'
import type { MessageTarget } from './target.js'
import type { AskArgs, AskOptions, HandlerArgs, HandlerName, HandlerResult } from './types.js'

/**
 * A reference to an actor of type `A`.
 *
 * @example
 * const counter = await system.spawn(Counter, { id: 'c1' })
 * counter.tell('inc', 5)                       // fire and forget
 * await counter.send('inc', 1)                 // waits for room in a full mailbox
 * const n = await counter.ask('get')           // typed reply (number)
 * await counter.ask('get', { timeoutMs: 100 }) // per-call timeout
 */
export class ActorRef<A extends Actor = Actor> {
  /** @internal */
  readonly target: MessageTarget

  /** @internal Refs are made by the runtime; use `system.spawn`, `ctx.spawn` or `system.actorOf`. */
  constructor(target: MessageTarget) {
    this.target = target
  }

  /** The actor's id (for children: `parent/child`). */
  get id(): string {
    return this.target.id
  }

  /** The actor's path in the supervision tree. */
  get path(): string {
    return this.target.path
  }

  /** The actor's type name, as used in wire message names (`Type.handler`). */
  get actorType(): string {
    return this.target.actorType
  }

  /** False once the actor stopped. */
  get isAlive(): boolean {
    return this.target.alive
  }

  /**
   * Sends a message without waiting for it to be handled.
   *
   * A message to a stopped actor becomes a dead letter (counted in metrics and emitted as a
   * `deadLetter` event). Throws `ActorRefError` `NotSupported` for an unknown handler and
   * `MailboxFull` when the actor's user mailbox is at capacity (use {@link ActorRef.send} to wait).
   */
  tell<K extends HandlerName<A>>(handler: K, ...args: HandlerArgs<A, K>): void {
    this.target.tell(handler as string, args)
  }

  /**
   * Sends a message, waiting for room if the mailbox is full (backpressure). Resolves once the
   * message is in the mailbox; rejects with `Stopped`, `NotSupported`, or `Timeout` when no room
   * appeared within the system's `askTimeoutMs`.
   */
  send<K extends HandlerName<A>>(handler: K, ...args: HandlerArgs<A, K>): Promise<void> {
    return this.target.send(handler as string, args, undefined)
  }

  /**
   * Sends a message and resolves with the handler's result. A trailing `{ timeoutMs, signal }`
   * object is taken as {@link AskOptions} (use {@link ActorRef.askWith} when a handler's own
   * last argument has exactly that shape).
   *
   * Rejects with the handler's own error when it throws, and with `ActorRefError`
   * `Timeout` / `Stopped` / `NotSupported` / `MailboxFull` otherwise.
   */
  ask<K extends HandlerName<A>>(handler: K, ...args: AskArgs<A, K>): Promise<HandlerResult<A, K>> {
    const list = args as unknown[]
    // Length first: list[-1] of an empty list is a named-property lookup up the prototype chain.
    const n = list.length
    if (n > 0) {
      const last = list[n - 1]
      if (isAskOptions(last)) {
        list.pop()
        return this.askWith(last, handler, ...(list as HandlerArgs<A, K>))
      }
    }
    return this.target.ask(handler as string, list, undefined) as Promise<HandlerResult<A, K>>
  }

  /** {@link ActorRef.ask} with explicit options first. */
  askWith<K extends HandlerName<A>>(options: AskOptions, handler: K, ...args: HandlerArgs<A, K>): Promise<HandlerResult<A, K>> {
    const problem = askOptionsProblem(options)
    if (problem !== null) {
      return Promise.reject(
        new ActorRefError('InvalidArgument', problem, { actorId: this.id, actorType: this.actorType, handler: handler as string }),
      )
    }
    return this.target.ask(handler as string, args, options) as Promise<HandlerResult<A, K>>
  }

  /**
   * Stops the actor after its current message: its children stop first, queued asks reject
   * with `Stopped`, `stopped()` runs, and watchers get a `Terminated` notice. Idempotent.
   */
  stop(): Promise<void> {
    return this.target.stop()
  }

  /** The actor's address: node run, thread and id. */
  get address(): ActorAddress {
    const t = this.target
    return { node: t.node, thread: t.thread, id: t.id }
  }

  /**
   * True when both refs name the same actor: same node run (id and incarnation), thread and
   * id. A ref to an actor of a node's earlier run never equals one of its current run.
   */
  equals(other: ActorRef): boolean {
    const a = this.target
    const b = other.target
    return a === b || (a.id === b.id && a.thread === b.thread && sameNode(a.node, b.node))
  }

  toString(): string {
    return `ActorRef(${this.actorType}:${this.id})`
  }

  toJSON(): { id: string; actorType: string; node: string; thread: number } {
    return { id: this.id, actorType: this.actorType, node: nodeKey(this.target.node), thread: this.target.thread }
  }
}

/** What is wrong with ask options, checked before anything is registered; null when nothing. */
function askOptionsProblem(options: AskOptions): string | null {
  if (options === null || typeof options !== 'object') return `ask options must be an object (got ${String(options)})`
  const t = options.timeoutMs
  if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) {
    return `timeoutMs must be a positive number (got ${String(t)})`
  }
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    return `signal must be an AbortSignal (got ${signal === null ? 'null' : typeof signal === 'object' ? (Object.getPrototypeOf(signal)?.constructor?.name ?? 'an object') : typeof signal})`
  }
  return null
}

/** A plain object whose keys are only `timeoutMs` / `signal`. */
function isAskOptions(v: unknown): v is AskOptions {
  if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false
  let n = 0
  for (const k in v) {
    if (k !== 'timeoutMs' && k !== 'signal') return false
    n++
  }
  return n > 0
}
