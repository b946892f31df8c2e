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

interface Pending {
  handler: string
  args: unknown[]
  /** Absent for tells. */
  settle?: { resolve(v: unknown): void; reject(e: unknown): void }
  /** Asks only: when the caller's timeout ends (performance.now()), its timer and signal. */
  ask?: { deadline: number; timer: NodeJS.Timeout; signal?: AbortSignal; onAbort?: () => void }
}

export class SingletonTarget implements MessageTarget {
  readonly thread = 0
  private instance: MessageTarget | null = null
  private readonly queue: Pending[] = []
  private closedWith: ActorRefError | null = null

  constructor(private readonly o: SingletonTargetOptions) {}

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
    this.enqueue({ handler, args })
  }

  send(handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    try {
      this.check(handler)
      if (this.instance !== null) return this.instance.send(handler, args, timeoutMs)
      return new Promise<void>((resolve, reject) => this.enqueue({ handler, args, settle: { resolve: () => resolve(), reject } }))
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
    const timeoutMs = options?.timeoutMs ?? this.o.askTimeoutMs
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    return new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { handler, args, settle: { resolve, reject } }
      const timer = setTimeout(() => {
        this.remove(entry)
        reject(this.error('Timeout', `no reply within ${timeoutMs} ms: the singleton had no instance to take the message`, handler))
      }, timeoutMs)
      entry.ask = { deadline: performance.now() + timeoutMs, timer }
      if (signal !== undefined) {
        const onAbort = (): void => {
          this.remove(entry)
          reject(signal.reason)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        entry.ask.signal = signal
        entry.ask.onAbort = onAbort
      }
      try {
        this.enqueue(entry)
      } catch (e) {
        this.release(entry)
        reject(e)
      }
    })
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
    const now = performance.now()
    for (const p of this.queue.splice(0)) {
      this.release(p)
      if (p.ask !== undefined) {
        const left = p.ask.deadline - now
        const settle = p.settle as NonNullable<Pending['settle']>
        if (left <= 0) settle.reject(this.error('Timeout', 'no reply in time: the singleton had no instance to take the message', p.handler))
        else instance.ask(p.handler, p.args, { timeoutMs: left, ...(p.ask.signal !== undefined ? { signal: p.ask.signal } : {}) }).then(settle.resolve, settle.reject)
      } else if (p.settle !== undefined) {
        instance.send(p.handler, p.args, undefined).then(p.settle.resolve, p.settle.reject)
      } else {
        try {
          instance.tell(p.handler, p.args)
        } catch (e) {
          this.o.onDropped(p.handler, e)
        }
      }
    }
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
    for (const p of this.queue.splice(0)) {
      this.release(p)
      if (p.settle !== undefined) p.settle.reject(this.error(code, why, p.handler))
      else this.o.onDropped(p.handler, this.closedWith)
    }
  }

  private check(handler: string): void {
    if (this.closedWith !== null) throw this.closedWith
    if (!this.o.handlers.has(handler)) throw this.error('NotSupported', `${this.o.actorType} has no handler '${handler}'`, handler)
  }

  private enqueue(p: Pending): void {
    if (this.queue.length >= this.o.capacity) {
      throw this.error('MailboxFull', `the singleton has no instance and its buffer is full (bufferSize ${this.o.capacity})`, p.handler)
    }
    this.queue.push(p)
  }

  private remove(p: Pending): void {
    const i = this.queue.indexOf(p)
    if (i >= 0) this.queue.splice(i, 1)
    this.release(p)
  }

  /** Clears an ask's timer and abort listener. */
  private release(p: Pending): void {
    if (p.ask === undefined) return
    clearTimeout(p.ask.timer)
    if (p.ask.signal !== undefined && p.ask.onAbort !== undefined) p.ask.signal.removeEventListener('abort', p.ask.onAbort)
  }

  private error(code: ActorErrorCode, message: string, handler?: string): ActorRefError {
    return new ActorRefError(code, message, { actorId: proxyId(this.o.name), actorType: this.o.actorType, ...(handler !== undefined ? { handler } : {}) })
  }
}
