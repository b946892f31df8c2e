/**
 * `MessageBuffer`: a bounded, ordered queue of tells, sends and asks held for a target that is
 * not known yet (a cluster singleton with no instance, a shard with no home, an entity that is
 * starting or stopping). A buffered ask keeps its own deadline: its timer runs from the call,
 * and what is left of it goes with the message when it is released. Past `capacity`, a tell
 * throws and a send or ask rejects with `MailboxFull`; nothing is dropped silently.
 */
import { ActorRefError, type ActorErrorCode } from '../actor/errors.js'
import type { MessageTarget } from '../actor/target.js'
import type { AskOptions } from '../actor/types.js'

/** What a buffer needs from its owner. */
export interface MessageBufferOptions {
  /** Most messages held; past it new ones fail with `MailboxFull`. */
  capacity: number
  /** The ask timeout when the caller gave none (the system's `askTimeoutMs`). */
  askTimeoutMs: number
  /** Why messages wait, for errors: "the singleton had no instance to take the message". */
  waitingFor: string
  /** Builds an error naming the actor and the handler. */
  error(code: ActorErrorCode, message: string, handler?: string): ActorRefError
  /** A buffered tell failed when released (its caller is gone): log and count it. */
  onDropped(handler: string, error: unknown): void
}

interface Held {
  /** What the owner routes by when released (an entity id); '' when the buffer has one target. */
  key: string
  handler: string
  args: unknown[]
  /** Absent for tells. */
  settle?: { resolve(v: unknown): void; reject(e: unknown): void }
  /** Asks only: when the caller's timeout ends (performance.now()), its timer and signal. */
  ask?: { deadline: number; timer: NodeJS.Timeout; signal?: AbortSignal; onAbort?: () => void }
}

export class MessageBuffer {
  private queue: Held[] = []

  constructor(private readonly o: MessageBufferOptions) {}

  /** Messages held. */
  get length(): number {
    return this.queue.length
  }

  tell(handler: string, args: unknown[], key = ''): void {
    this.enqueue({ key, handler, args })
  }

  send(handler: string, args: unknown[], key = ''): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        this.enqueue({ key, handler, args, settle: { resolve: () => resolve(), reject } })
      } catch (e) {
        reject(e)
      }
    })
  }

  ask(handler: string, args: unknown[], options: AskOptions | undefined, key = ''): Promise<unknown> {
    const timeoutMs = options?.timeoutMs ?? this.o.askTimeoutMs
    const signal = options?.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    return new Promise<unknown>((resolve, reject) => {
      const entry: Held = { key, handler, args, settle: { resolve, reject } }
      const timer = setTimeout(() => {
        this.remove(entry)
        reject(this.o.error('Timeout', `no reply within ${timeoutMs} ms: ${this.o.waitingFor}`, handler))
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
        release(entry)
        reject(e)
      }
    })
  }

  /**
   * Releases every held message, in arrival order, to the target `route` names for its key
   * (or to a buffer `route` returns, when the message must wait again elsewhere).
   */
  releaseTo(route: (key: string) => MessageTarget | MessageBuffer): void {
    const held = this.queue
    this.queue = []
    const now = performance.now()
    for (const p of held) {
      release(p)
      let to: MessageTarget | MessageBuffer
      try {
        to = route(p.key)
      } catch (e) {
        if (p.settle !== undefined) p.settle.reject(e)
        else this.o.onDropped(p.handler, e)
        continue
      }
      if (to instanceof MessageBuffer) {
        to.adopt(p, now)
        continue
      }
      if (p.ask !== undefined) {
        const left = p.ask.deadline - now
        const settle = p.settle as NonNullable<Held['settle']>
        if (left <= 0) settle.reject(this.o.error('Timeout', `no reply in time: ${this.o.waitingFor}`, p.handler))
        else to.ask(p.handler, p.args, { timeoutMs: left, ...(p.ask.signal !== undefined ? { signal: p.ask.signal } : {}) }).then(settle.resolve, settle.reject)
      } else if (p.settle !== undefined) {
        to.send(p.handler, p.args, undefined).then(p.settle.resolve, p.settle.reject)
      } else {
        try {
          to.tell(p.handler, p.args)
        } catch (e) {
          this.o.onDropped(p.handler, e)
        }
      }
    }
  }

  /** Rejects everything held with `code` (tells are reported as dropped). */
  rejectAll(code: ActorErrorCode, why: string): void {
    const held = this.queue
    this.queue = []
    for (const p of held) {
      release(p)
      const error = this.o.error(code, why, p.handler)
      if (p.settle !== undefined) p.settle.reject(error)
      else this.o.onDropped(p.handler, error)
    }
  }

  /** Takes a message released from another buffer, keeping what is left of its deadline. */
  private adopt(p: Held, now: number): void {
    if (p.ask !== undefined) {
      const left = p.ask.deadline - now
      const settle = p.settle as NonNullable<Held['settle']>
      if (left <= 0) {
        settle.reject(this.o.error('Timeout', `no reply in time: ${this.o.waitingFor}`, p.handler))
        return
      }
      const askOptions: AskOptions = { timeoutMs: left, ...(p.ask.signal !== undefined ? { signal: p.ask.signal } : {}) }
      this.ask(p.handler, p.args, askOptions, p.key).then(settle.resolve, settle.reject)
      return
    }
    try {
      this.enqueue({ ...p })
    } catch (e) {
      if (p.settle !== undefined) p.settle.reject(e)
      else this.o.onDropped(p.handler, e)
    }
  }

  private enqueue(p: Held): void {
    if (this.queue.length >= this.o.capacity) {
      throw this.o.error('MailboxFull', `${this.o.waitingFor}, and its buffer is full (bufferSize ${this.o.capacity})`, p.handler)
    }
    this.queue.push(p)
  }

  private remove(p: Held): void {
    const i = this.queue.indexOf(p)
    if (i >= 0) this.queue.splice(i, 1)
    release(p)
  }
}

/** Clears an ask's timer and abort listener. */
function release(p: Held): void {
  if (p.ask === undefined) return
  clearTimeout(p.ask.timer)
  if (p.ask.signal !== undefined && p.ask.onAbort !== undefined) p.ask.signal.removeEventListener('abort', p.ask.onAbort)
}

/** @internal An error for a buffer's owner, naming the actor and the handler. */
export function bufferError(actorId: string, actorType: string) {
  return (code: ActorErrorCode, message: string, handler?: string): ActorRefError =>
    new ActorRefError(code, message, { actorId, actorType, ...(handler !== undefined ? { handler } : {}) })
}
