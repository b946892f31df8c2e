/**
 * `Subscriber`: one subscription on this node and its bounded buffer. A callback subscriber
 * runs its callback one message at a time (an async callback is awaited before the next, so a
 * slow one is what fills the buffer); an actor subscriber is told each message, and while the
 * actor's mailbox (or the outbox toward its thread or node) is full the messages wait here.
 * A full buffer applies the overflow policy; each drop goes to `onDrop` (which counts it and
 * emits a dead letter), never silently.
 */
import { ActorRefError } from '../../actor/errors.js'
import type { ActorRef } from '../../actor/ref.js'
import type { OverflowPolicy } from './types.js'

/** How a subscriber takes its messages. */
export type Sink =
  | { kind: 'callback'; callback: (message: unknown) => void | Promise<void> }
  | { kind: 'ref'; ref: ActorRef; handler: string }

/** What happened to a message `offer` could not queue. */
export interface Drop {
  subscriber: Subscriber
  message: unknown
  reason: string
}

export class Subscriber {
  private readonly queue: unknown[] = []
  /** True while a message is with the sink (an async callback running, a `send` waiting for room). */
  private busy = false
  active = true

  constructor(
    readonly id: string,
    readonly topic: string,
    readonly key: string | undefined,
    readonly sink: Sink,
    readonly bufferSize: number,
    readonly overflow: OverflowPolicy,
    private readonly onDrop: (drop: Drop) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Messages waiting in the buffer. */
  get waiting(): number {
    return this.queue.length
  }

  /** Does a publish with `key` reach this subscriber? */
  wants(key: string | undefined): boolean {
    return this.active && (this.key === undefined || this.key === key)
  }

  /**
   * Hands `message` over, or queues it. Returns the `MailboxFull` error for the publisher when
   * the buffer is full under `fail` (the drop is already reported), else null.
   */
  offer(message: unknown): ActorRefError | null {
    if (!this.active) return null
    if (!this.busy && this.queue.length === 0) {
      this.drain({ message })
      return null
    }
    if (this.queue.length < this.bufferSize) {
      this.queue.push(message)
      return null
    }
    const why = `pub/sub buffer of ${this.bufferSize} full (topic ${this.topic}, ${this.overflow})`
    if (this.overflow === 'dropOldest') {
      this.onDrop({ subscriber: this, message: this.queue.shift(), reason: why })
      this.queue.push(message)
      return null
    }
    this.onDrop({ subscriber: this, message, reason: why })
    if (this.overflow === 'dropNewest') return null
    return new ActorRefError('MailboxFull', `a subscriber of topic ${this.topic} is full (bufferSize ${this.bufferSize}, overflow fail)`, this.sink.kind === 'ref' ? { actorId: this.sink.ref.id, actorType: this.sink.ref.actorType } : {})
  }

  /** Ends the subscription; what still waits is dropped without reports (the subscriber is gone). */
  close(): void {
    this.active = false
    this.queue.length = 0
  }

  /**
   * Hands messages to the sink in order, starting with `first`, until the buffer is empty or
   * the sink is busy with one (it calls `drain` again when done). Iterative, so a long buffer
   * and a sync callback never nest calls.
   */
  private drain(first?: { message: unknown }): void {
    this.busy = true
    let item = first
    for (;;) {
      if (item === undefined) {
        if (!this.active || this.queue.length === 0) break
        item = { message: this.queue.shift() }
      }
      if (!this.hand(item.message)) return
      item = undefined
    }
    this.busy = false
  }

  /** Gives one message to the sink: true when taken at once, false when it finishes later (and drains on). */
  private hand(message: unknown): boolean {
    const sink = this.sink
    if (sink.kind === 'callback') {
      let result: void | Promise<void>
      try {
        result = sink.callback(message)
      } catch (e) {
        this.onError(e)
        return true
      }
      if (result === undefined || typeof (result as Promise<void>).then !== 'function') return true
      ;(result as Promise<void>).then(
        () => this.drain(),
        (e: unknown) => {
          this.onError(e)
          this.drain()
        },
      )
      return false
    }
    try {
      sink.ref.target.tell(sink.handler, [message])
      return true
    } catch (e) {
      if (!(e instanceof ActorRefError && e.code === 'MailboxFull')) {
        this.onDrop({ subscriber: this, message, reason: e instanceof Error ? e.message : String(e) })
        return true
      }
    }
    // The mailbox (or the outbox toward the actor) is full: wait for room, in order.
    sink.ref.target.send(sink.handler, [message], undefined).then(
      () => this.drain(),
      (e: unknown) => {
        this.onDrop({ subscriber: this, message, reason: e instanceof Error ? e.message : String(e) })
        this.drain()
      },
    )
    return false
  }
}
