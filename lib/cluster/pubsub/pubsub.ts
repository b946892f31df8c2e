/**
 * `PubSub`: `system.pubsub` on every thread. It validates arguments once and hands the work to
 * a backend: on the main thread this node's `PubSubNode`; on a worker thread the main thread's
 * `$pubsub` mediator, reached with tells (publishes and actor subscriptions go there, so they
 * keep their order). Declares `system.pubsub` by augmenting `ActorSystem`.
 */
import type { Actor } from '../../actor/actor.js'
import { ActorRefError } from '../../actor/errors.js'
import type { ActorRef } from '../../actor/ref.js'
import type { ActorSystem } from '../../actor/system.js'
import type { HandlerName } from '../../actor/types.js'
import { MEDIATOR_ID, PubSubMediator } from './mediator.js'
import type { PubSubNode, PubSubStats } from './node.js'
import type { Sink } from './subscriber.js'
import {
  DEFAULT_BUFFER_SIZE,
  OVERFLOW_POLICIES,
  topicName,
  type OverflowPolicy,
  type PublishOptions,
  type SubscribeOptions,
  type Subscription,
  type TopicLike,
} from './types.js'

/** The handlers of actor `A` that take a `T` as their message (any handler for an untyped topic). */
export type HandlerFor<A, T> = unknown extends T
  ? HandlerName<A>
  : Extract<HandlerName<A>, { [K in keyof A]-?: A[K] extends (...args: infer P) => unknown ? ([T] extends P ? K : never) : never }[keyof A]>

/** Options of an actor subscription to a topic of `T`. */
export interface ActorSubscribeOptions<A extends Actor, T> extends SubscribeOptions {
  /** The subscriber: each message arrives as `ref.tell(handler, message)`. */
  ref: ActorRef<A>
  /** A handler of the actor taking the topic's message. */
  handler: HandlerFor<A, T>
}

/** Where `PubSub` sends its work (the main thread's node, or the mediator from a worker). */
interface Backend {
  publish(topic: string, message: unknown, key: string | undefined, scope: 'cluster' | 'local'): void
  subscribe(topic: string, key: string | undefined, sink: Sink, bufferSize: number, overflow: OverflowPolicy): Subscription
  interestedNodes(topic: string, key: string | undefined): string[]
  stats(): PubSubStats
}

interface ResolvedSubscribe {
  key: string | undefined
  bufferSize: number
  overflow: OverflowPolicy
}

/**
 * Publish/subscribe by topic, on this node or across the cluster. Each node keeps its own
 * subscribers; which node wants which topic (and key) is replicated between nodes, so a publish
 * sends one copy to each interested node and it fans out there. Messages of one publisher on
 * one topic arrive in the order published. Each subscriber has a bounded buffer (1024 by
 * default) with an overflow policy; every drop is counted and is a dead letter.
 *
 * @example
 * const orders = defineTopic<{ id: string; total: number }>('orders')
 * const sub = system.pubsub.subscribe(orders, { key: 'eu' }, async (o) => { await save(o) })
 * system.pubsub.publish(orders, { id: 'o-1', total: 12 }, { key: 'eu' })
 * sub.unsubscribe()
 */
export class PubSub {
  /** @internal */
  constructor(private readonly backend: Backend) {}

  /**
   * Publishes `message` on `topic`. Scope `cluster` (default) reaches subscribers on every
   * node, `local` this node's only. With `key`, subscribers of that key and subscribers
   * without a key get it; without `key`, only subscribers without a key.
   *
   * Throws `ActorRefError` `MailboxFull` (on the main thread) when a subscriber of this node
   * with overflow `fail` is full: the message went to every other subscriber and node. A
   * full `fail` subscriber on another node, or a publish from a worker thread, cannot make
   * this call throw: the drop is counted and a dead letter there. Throws `Serialization` when
   * the message cannot travel to another node or thread.
   *
   * @example
   * system.pubsub.publish('chat', { from: 'ann', text: 'hi' }, { key: 'room-1' })
   */
  publish<T>(topic: TopicLike<T>, message: T, options: PublishOptions = {}): void {
    const name = checkTopic(topic)
    if (options === null || typeof options !== 'object') throw invalid(`publish options must be an object (got ${String(options)})`)
    const { key, scope = 'cluster' } = options
    if (key !== undefined && typeof key !== 'string') throw invalid('publish: key must be a string')
    if (scope !== 'cluster' && scope !== 'local') throw invalid(`publish: scope must be 'cluster' or 'local' (got ${String(scope)})`)
    this.backend.publish(name, message, key, scope)
  }

  /**
   * Subscribes a callback (first form) or an actor (second form, `{ ref, handler }`: each
   * message arrives as `ref.tell(handler, message)`, and the subscription ends when the actor
   * stops). An async callback is awaited before the next message; messages meanwhile wait in
   * the buffer (`bufferSize`, default 1024; `overflow`, default `dropOldest`).
   *
   * On a worker thread only actor subscriptions are supported (a callback throws
   * `NotSupported`): subscribe an actor of that worker instead.
   *
   * @example
   * system.pubsub.subscribe('chat', { key: 'room-1' }, (m) => console.log(m))
   * system.pubsub.subscribe(chat, { ref: room, handler: 'onChat', overflow: 'dropNewest' })
   */
  subscribe<T>(topic: TopicLike<T>, options: SubscribeOptions, callback: (message: T) => void | Promise<void>): Subscription
  subscribe<T, A extends Actor>(topic: TopicLike<T>, options: ActorSubscribeOptions<A, T>): Subscription
  subscribe<T>(topic: TopicLike<T>, options: SubscribeOptions & { ref?: ActorRef; handler?: string }, callback?: (message: T) => void | Promise<void>): Subscription {
    const name = checkTopic(topic)
    const o = resolveSubscribe(options)
    let sink: Sink
    if (callback !== undefined) {
      if (typeof callback !== 'function') throw invalid('subscribe: the callback must be a function')
      if (options.ref !== undefined) throw invalid('subscribe: give either a callback or { ref, handler }, not both')
      sink = { kind: 'callback', callback: callback as (message: unknown) => void | Promise<void> }
    } else {
      const { ref, handler } = options
      if (ref === undefined || typeof ref !== 'object' || typeof ref.tell !== 'function') throw invalid('subscribe: give a callback, or options.ref (an ActorRef) with options.handler')
      if (typeof handler !== 'string' || handler === '') throw invalid('subscribe: options.handler must name a handler of the actor')
      sink = { kind: 'ref', ref, handler }
    }
    return this.backend.subscribe(name, o.key, sink, o.bufferSize, o.overflow)
  }

  /**
   * The other nodes a cluster publish on `topic` (with `key`) reaches now, by node id, as this
   * node knows their interest (it follows their subscriptions within a gossip round trip).
   * Empty on a worker thread.
   */
  interestedNodes(topic: TopicLike<unknown>, key?: string): string[] {
    return this.backend.interestedNodes(checkTopic(topic), key)
  }

  /** This node's subscriptions and drops by topic (empty on a worker thread: ask the main thread's system). */
  stats(): PubSubStats {
    return this.backend.stats()
  }
}

/** @internal `system.pubsub` on the main thread. */
export function mainPubSub(node: PubSubNode): PubSub {
  return new PubSub({
    publish: (topic, message, key, scope) => node.publish(topic, message, key, scope),
    subscribe(topic, key, sink, bufferSize, overflow) {
      const s = node.add(topic, key, sink, bufferSize, overflow)
      return {
        topic,
        key,
        get active() {
          return s.active
        },
        unsubscribe: () => node.remove(s.id),
      }
    },
    interestedNodes: (topic, key) => node.interestedNodes(topic, key),
    stats: () => node.stats(),
  })
}

let workerIds = 0

/** @internal `system.pubsub` on a worker thread: everything goes to the main thread's mediator. */
export function workerPubSub(system: ActorSystem): PubSub {
  // Found once (a lookup on the main thread); the tells queued behind it keep their order.
  let mediator: Promise<ActorRef<PubSubMediator>> | null = null
  const toMediator = (send: (m: ActorRef<PubSubMediator>) => void): void => {
    mediator ??= findMediator(system)
    mediator.then(send).catch((e: unknown) => system.host.logger.warn({ err: e }, 'pub/sub: cannot reach the main thread'))
  }
  return new PubSub({
    publish(topic, message, key, scope) {
      toMediator((m) => m.tell('publish', topic, message, key, scope))
    },
    subscribe(topic, key, sink, bufferSize, overflow) {
      if (sink.kind !== 'ref') {
        throw new ActorRefError('NotSupported', 'pub/sub callbacks run on the main thread: on a worker, subscribe an actor ({ ref, handler })')
      }
      const id = `w${system.host.thread}-${++workerIds}`
      let active = true
      toMediator((m) => m.tell('subscribeRef', id, topic, key, sink.ref, sink.handler, bufferSize, overflow))
      return {
        topic,
        key,
        get active() {
          return active
        },
        unsubscribe() {
          if (!active) return
          active = false
          toMediator((m) => m.tell('unsubscribe', id))
        },
      }
    },
    interestedNodes: () => [],
    stats: () => ({ subscribers: {}, dropped: {} }),
  })
}

/** The main thread's mediator, spawned there when a lone node has none yet (it is made on first need). */
async function findMediator(system: ActorSystem): Promise<ActorRef<PubSubMediator>> {
  const found = await system.actorOf(MEDIATOR_ID)
  if (found !== undefined) return found as ActorRef<PubSubMediator>
  try {
    return await system.spawn(PubSubMediator, { id: MEDIATOR_ID, placement: 'main' })
  } catch (e) {
    const again = e instanceof ActorRefError && e.code === 'AlreadyExists' ? await system.actorOf(MEDIATOR_ID) : undefined
    if (again === undefined) throw e
    return again as ActorRef<PubSubMediator>
  }
}

function checkTopic(topic: TopicLike<unknown>): string {
  const name = topic !== null && typeof topic === 'object' ? topicName(topic) : topic
  if (typeof name !== 'string' || name === '') throw invalid('a topic is a non-empty string or a topic from defineTopic()')
  return name
}

function resolveSubscribe(options: SubscribeOptions): ResolvedSubscribe {
  if (options === null || typeof options !== 'object') throw invalid(`subscribe options must be an object (got ${String(options)})`)
  const { key, bufferSize = DEFAULT_BUFFER_SIZE, overflow = 'dropOldest' } = options
  if (key !== undefined && typeof key !== 'string') throw invalid('subscribe: key must be a string')
  if (!Number.isInteger(bufferSize) || bufferSize < 1) throw invalid(`subscribe: bufferSize must be a positive integer (got ${String(bufferSize)})`)
  if (!OVERFLOW_POLICIES.includes(overflow)) throw invalid(`subscribe: overflow must be one of ${OVERFLOW_POLICIES.join(', ')} (got ${String(overflow)})`)
  return { key, bufferSize, overflow }
}

function invalid(message: string): ActorRefError {
  return new ActorRefError('InvalidArgument', message)
}

// Declared here, next to the type, so the package's declarations carry it.
declare module '../../actor/system.js' {
  interface ActorSystem {
    /**
     * Publish/subscribe by topic, on this node or across the cluster (see {@link PubSub}).
     *
     * @example
     * system.pubsub.subscribe('news', {}, (n) => console.log(n))
     * system.pubsub.publish('news', 'hello')
     */
    readonly pubsub: PubSub
  }
}
