/**
 * `SingletonTarget`: what the `ActorRef` that `system.singleton()` returns talks to, one per
 * singleton name on a node's main thread. It forwards each message to the instance wherever it
 * runs (this node or another) and, while there is none (before the first start, during a
 * handover, while the holder is unreachable or being marked down), keeps messages in a bounded
 * buffer in arrival order. A buffered ask keeps its own deadline: its timer runs from the call,
 * and what is left of it goes with the message when it is forwarded.
 */
import type { NodeAddress } from '../../actor/address.js'
import type { ActorDescription } from '../../actor/describe.js'
import { ActorRefError, type ActorErrorCode } from '../../actor/errors.js'
import type { MessageTarget, TerminationListener } from '../../actor/target.js'
import type { AskOptions } from '../../actor/types.js'
import { MessageBuffer } from '../message-buffer.js'

/**
 * The proxy's id for singleton `name`, the same on every node: the main thread registers its
 * proxy under it (`ActorHost.addForwarder`), so a worker's ref to it and a ref that arrives in a
 * message (from this node or another) reach the singleton through this node's proxy.
 */
export function proxyId(name: string): string {
  return `$singleton-proxy:${name}`
}

/** What the proxy needs to know; the manager builds it. */
export interface SingletonTargetOptions {
  /** The singleton's name (the ref's id is `$singleton-proxy:<name>`). */
  name: string
  actorType: string
  node: NodeAddress
  /** The instance class's handler names: unknown ones fail at the caller, as on any ref. */
  handlers: ReadonlySet<string>
  /** Most messages buffered while there is no instance. */
  capacity: number
  /** The ask timeout when the caller gave none (the system's `askTimeoutMs`). */
  askTimeoutMs: number
  /** A buffered tell the instance refused when it was forwarded (the caller is gone). */
  onDropped(handler: string, error: unknown): void
}

export class SingletonTarget implements MessageTarget {
  readonly thread = 0
  private instance: MessageTarget | null = null
  private readonly queue: MessageBuffer
  private closedWith: ActorRefError | null = null

  constructor(private readonly o: SingletonTargetOptions) {
    this.queue = new MessageBuffer({
      capacity: o.capacity,
      askTimeoutMs: o.askTimeoutMs,
      waitingFor: 'the singleton had no instance to take the message',
      error: (code, message, handler) => this.error(code, message, handler),
      onDropped: o.onDropped,
    })
  }

  get id(): string {
    return proxyId(this.o.name)
  }

  get path(): string {
    return proxyId(this.o.name)
  }

  get actorType(): string {
    return this.o.actorType
  }

  get node(): NodeAddress {
    return this.o.node
  }

  get alive(): boolean {
    return this.closedWith === null
  }

  /** Messages waiting for an instance. */
  get buffered(): number {
    return this.queue.length
  }

  /** True while messages go straight to an instance. */
  get attached(): boolean {
    return this.instance !== null
  }

  tell(handler: string, args: unknown[]): void {
    this.check(handler)
    if (this.instance !== null) return this.instance.tell(handler, args)
    this.queue.tell(handler, args)
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    try {
      this.check(handler)
      if (this.instance !== null) return this.instance.send(handler, args, timeoutMs)
      return this.queue.send(handler, args)
    } catch (e) {
      return Promise.reject(e)
    }
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    try {
      this.check(handler)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.instance !== null) return this.instance.ask(handler, args, options)
    return this.queue.ask(handler, args, options)
  }

  /** The singleton stops with its cluster, not through a ref. */
  stop(): Promise<void> {
    return Promise.reject(this.error('NotSupported', 'a cluster singleton cannot be stopped through its ref: it runs while its cluster does'))
  }

  addWatcher(_listener: TerminationListener): void {
    throw this.error('NotSupported', 'a cluster singleton cannot be watched through its proxy ref (its instance moves between nodes)')
  }

  removeWatcher(_listener: TerminationListener): void {}

  describe(): Promise<ActorDescription> {
    return Promise.resolve({
      id: proxyId(this.o.name),
      path: proxyId(this.o.name),
      actorType: this.o.actorType,
      status: this.closedWith !== null ? 'stopped' : 'running',
      tracked: true,
      mailboxSize: this.queue.length,
      thread: 'main',
      childCount: 0,
      children: [],
    })
  }

  /** The instance is known: buffered messages go to it, in order, then every new one does. */
  attach(instance: MessageTarget): void {
    if (this.closedWith !== null) return
    this.instance = instance
    this.queue.releaseTo(() => instance)
  }

  /** The instance is gone or moving: buffer from now on. */
  detach(): void {
    this.instance = null
  }

  /** Rejects everything buffered with `code` and refuses what comes later (system shutdown). */
  close(code: ActorErrorCode, why: string): void {
    if (this.closedWith !== null) return
    this.closedWith = this.error(code, why)
    this.instance = null
    this.queue.rejectAll(code, why)
  }

  private check(handler: string): void {
    if (this.closedWith !== null) throw this.closedWith
    if (!this.o.handlers.has(handler)) throw this.error('NotSupported', `${this.o.actorType} has no handler '${handler}'`, handler)
  }

  private error(code: ActorErrorCode, message: string, handler?: string): ActorRefError {
    return new ActorRefError(code, message, { actorId: proxyId(this.o.name), actorType: this.o.actorType, ...(handler !== undefined ? { handler } : {}) })
  }
}
