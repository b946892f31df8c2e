/**
 * The public vocabulary of pub/sub: typed topics (`defineTopic`), subscribe and publish
 * options, the overflow policies of a subscriber's buffer, `Subscription`, and the cluster's
 * system topic `coerce.cluster` with its event type. No behaviour lives here.
 */
import type { NodeAddress } from '../../actor/address.js'
import type { ClusterMember } from '../view.js'

/**
 * A topic whose messages are of type `T`. Made by {@link defineTopic}; publish and subscribe
 * then check the message type at compile time. A plain string names an untyped topic.
 */
export interface Topic<T> {
  readonly name: string
  /** Never set: carries `T` for the compiler only. */
  readonly __message?: T
}

/**
 * A typed topic.
 *
 * @example
 * const prices = defineTopic<{ sku: string; cents: number }>('prices')
 * system.pubsub.subscribe(prices, {}, (p) => console.log(p.sku, p.cents))
 * system.pubsub.publish(prices, { sku: 'a1', cents: 250 })
 */
export function defineTopic<T>(name: string): Topic<T> {
  if (typeof name !== 'string' || name === '') throw new TypeError('defineTopic: name must be a non-empty string')
  return { name }
}

/** A topic given as a typed topic or by name. */
export type TopicLike<T> = Topic<T> | string

/** The name of a topic. */
export function topicName(topic: TopicLike<unknown>): string {
  return typeof topic === 'string' ? topic : topic.name
}

/**
 * What a subscriber's buffer does when it is full (it holds `bufferSize` messages that the
 * subscriber has not taken yet):
 * - `dropOldest`: the oldest waiting message is dropped and the new one queued;
 * - `dropNewest`: the new message is dropped;
 * - `fail`: the new message is dropped and a publish on this node throws `MailboxFull`.
 *
 * Every drop is counted (`coerce_pubsub_dropped_total{topic,policy}`) and emitted as a dead
 * letter (`system.on('deadLetter')`).
 */
export type OverflowPolicy = 'dropOldest' | 'dropNewest' | 'fail'

export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['dropOldest', 'dropNewest', 'fail']

/** Messages a subscriber's buffer holds by default. */
export const DEFAULT_BUFFER_SIZE = 1024

/** Options of every subscription. */
export interface SubscribeOptions {
  /**
   * Only messages published with this key. Without it, every message of the topic (keyed or
   * not).
   */
  key?: string
  /** Messages waiting for this subscriber, at most. Default 1024. */
  bufferSize?: number
  /** What happens when the buffer is full. Default `dropOldest`. */
  overflow?: OverflowPolicy
}

/** Options of a publish. */
export interface PublishOptions {
  /** Reaches subscribers of this key and subscribers without a key. */
  key?: string
  /** `cluster` (default): subscribers on every node; `local`: on this node only. */
  scope?: 'cluster' | 'local'
}

/** A live subscription. */
export interface Subscription {
  readonly topic: string
  readonly key: string | undefined
  /** True until `unsubscribe()`, or until the subscriber actor stopped. */
  readonly active: boolean
  /** Ends it: no message arrives afterwards (one already being handled finishes). Idempotent. */
  unsubscribe(): void
}

/** The cluster's system topic: membership events as this node sees them, published locally on every node. */
export const CLUSTER_TOPIC_NAME = 'coerce.cluster'

/** An event of the `coerce.cluster` topic. */
export type ClusterTopicEvent =
  | { type: 'memberJoined' | 'memberUp' | 'memberUnreachable' | 'memberReachable' | 'memberDown' | 'memberLeft'; member: ClusterMember }
  | { type: 'leaderChanged'; leader: NodeAddress | null }
  | { type: 'workerLost'; node: NodeAddress; thread: number }
  /** A shard of a sharded entity type got a home: `from` null for a first allocation (published by the type's coordinator to every node). */
  | { type: 'shardMoved'; entityType: string; shard: number; from: NodeAddress | null; to: NodeAddress }

/**
 * The cluster's system topic. Each node publishes its own view of the membership to its own
 * subscribers (scope `local`), so a subscriber on any node and thread hears what its node saw.
 * `workerLost` (a worker thread of `node` died; it is being restarted) is news only that node
 * has: it is published to subscribers on every node.
 *
 * @example
 * system.pubsub.subscribe(clusterTopic, {}, (e) => {
 *   if (e.type === 'memberDown') console.log('lost', e.member.node.id)
 * })
 */
export const clusterTopic: Topic<ClusterTopicEvent> = defineTopic<ClusterTopicEvent>(CLUSTER_TOPIC_NAME)
