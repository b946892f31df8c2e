/**
 * `ServiceTarget`: a message target that is no actor, answered by plain functions on the main
 * thread and registered as a forwarder (`ActorHost.addForwarder`), so other nodes reach it by
 * id like any actor. Unlike an actor it serves requests concurrently: an ask that takes long
 * (a shard handoff) holds no other request. Cluster modules use it for node-to-node control
 * (the sharding region endpoint).
 */
import type { NodeAddress } from '../actor/address.js'
import type { ActorDescription } from '../actor/describe.js'
import { ActorRefError } from '../actor/errors.js'
import type { MessageTarget, TerminationListener } from '../actor/target.js'
import type { AskOptions } from '../actor/types.js'
import type { Logger } from '../util/logger.js'

/** The functions of a service, by handler name. */
export type ServiceHandlers = Readonly<Record<string, (...args: never[]) => unknown>>

export class ServiceTarget implements MessageTarget {
  readonly thread = 0
  private closed = false

  constructor(
    readonly id: string,
    readonly actorType: string,
    readonly node: NodeAddress,
    private readonly handlers: ServiceHandlers,
    private readonly log: Logger,
  ) {}

  get path(): string {
    return this.id
  }

  get alive(): boolean {
    return !this.closed
  }

  tell(handler: string, args: unknown[]): void {
    this.call(handler, args).catch((e: unknown) => this.log.warn({ service: this.id, handler, err: e }, 'service: a told request failed'))
  }

  send(handler: string, args: unknown[]): Promise<void> {
    this.tell(handler, args)
    return Promise.resolve()
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    const answer = this.call(handler, args)
    const timeoutMs = options?.timeoutMs
    if (timeoutMs === undefined) return answer
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.error('Timeout', `no reply within ${timeoutMs} ms`, handler)), timeoutMs)
    })
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer))
  }

  private call(handler: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(this.error('SystemShutdown', 'the actor system is shut down', handler))
    const fn = Object.prototype.hasOwnProperty.call(this.handlers, handler) ? this.handlers[handler] : undefined
    if (fn === undefined) return Promise.reject(this.error('NotSupported', `${this.actorType} has no handler '${handler}'`, handler))
    try {
      return Promise.resolve((fn as (...a: unknown[]) => unknown)(...args))
    } catch (e) {
      return Promise.reject(e)
    }
  }

  stop(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }

  addWatcher(_listener: TerminationListener): void {
    throw this.error('NotSupported', 'a service cannot be watched')
  }

  removeWatcher(_listener: TerminationListener): void {}

  describe(): Promise<ActorDescription> {
    return Promise.resolve({ id: this.id, path: this.id, actorType: this.actorType, status: this.closed ? 'stopped' : 'running', tracked: false, mailboxSize: 0, thread: 'main', childCount: 0, children: [] })
  }

  private error(code: 'Timeout' | 'SystemShutdown' | 'NotSupported', message: string, handler?: string): ActorRefError {
    return new ActorRefError(code, message, { actorId: this.id, actorType: this.actorType, ...(handler !== undefined ? { handler } : {}) })
  }
}
