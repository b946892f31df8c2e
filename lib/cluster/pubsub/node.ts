/**
 * `PubSubNode`: pub/sub on the main thread of one node. It owns this node's subscribers (those
 * of every thread: workers register actor subscribers here), the interest of the other nodes
 * (which topics and keys each wants, replicated by their `$pubsub` mediators), the fan-out of a
 * publish (each local subscriber, plus one copy per interested node, told to that node's
 * mediator), the drop counters behind `coerce_pubsub_dropped_total`, and the `coerce.cluster`
 * system topic (this node's membership events, published locally).
 */
import { nodeKey, sameNode, type NodeAddress } from '../../actor/address.js'
import { actorTypeName } from '../../actor/actor.js'
import { ActorRefError } from '../../actor/errors.js'
import type { ActorRef } from '../../actor/ref.js'
import type { ActorSystem } from '../../actor/system.js'
import { MainRuntime } from '../../runtime/main-runtime.js'
import type { MetricFamily } from '../../util/metric-collectors.js'
import type { ClusterEventName } from '../view.js'
import { MEDIATOR_ID, PubSubMediator } from './mediator.js'
import { Subscriber, type Drop, type Sink } from './subscriber.js'
import { CLUSTER_TOPIC_NAME, type ClusterTopicEvent, type OverflowPolicy } from './types.js'

/** Which keys of a topic a node wants: every message (`all`) or those of some keys. */
export interface TopicInterest {
  all: boolean
  keys: string[]
}

/** A node's interest as its mediator announces it: `[topic, all, keys]` triples (plain data). */
export type InterestEntries = [topic: string, all: boolean, keys: string[]][]

interface RemoteInterest {
  node: NodeAddress
  version: number
  topics: Map<string, TopicInterest>
}

/** What `system.pubsub.stats()` reports for this node. */
export interface PubSubStats {
  /** Live subscriptions on this node, by topic. */
  subscribers: Record<string, number>
  /** Messages dropped by full subscriber buffers on this node, by topic and overflow policy (or `undeliverable`). */
  dropped: Record<string, Partial<Record<OverflowPolicy | 'undeliverable', number>>>
}

const MEMBER_EVENTS: readonly Exclude<ClusterEventName, 'leaderChanged'>[] = [
  'memberJoined',
  'memberUp',
  'memberUnreachable',
  'memberReachable',
  'memberDown',
  'memberLeft',
]

export class PubSubNode {
  private readonly topics = new Map<string, Map<string, Subscriber>>()
  private readonly byId = new Map<string, Subscriber>()
  private readonly remote = new Map<string, RemoteInterest>()
  /**
   * Node runs that went down or left: a late announcement of theirs (already on its way) must
   * not bring their interest back. A run never comes back, so a key stays here for good (one
   * short string per lost run).
   */
  private readonly gone = new Set<string>()
  private readonly drops = new Map<string, Map<string, number>>()
  private version = 0
  private announcePending = false
  private nextId = 0
  private readonly offs: (() => void)[] = []
  private closed = false
  private mediator: Promise<ActorRef<PubSubMediator>> | null = null

  constructor(
    private readonly system: ActorSystem,
    private readonly runtime: MainRuntime,
  ) {}

  /** True when the system is clustered (interest is then replicated). */
  private get clustered(): boolean {
    return this.runtime.cluster !== null && this.system.cluster.enabled
  }

  /** Starts following the membership: re-announcing, dropping lost nodes, the system topic. */
  start(): void {
    // A worker's loss is news only this node has: it goes to subscribers on every node. (A
    // system on another runtime, as some tests build, has no workers to lose.)
    if (this.runtime instanceof MainRuntime) {
      this.offs.push(
        this.runtime.onWorkerLost((thread) => {
          try {
            this.publish(CLUSTER_TOPIC_NAME, { type: 'workerLost', node: this.system.node, thread } satisfies ClusterTopicEvent, undefined, 'cluster')
          } catch {
            // A full `fail` subscriber was reported (counted, dead letter); nobody else to tell.
          }
        }),
      )
    }
    const view = this.system.cluster
    if (!view.enabled) return
    for (const event of MEMBER_EVENTS) {
      this.offs.push(
        view.on(event, (member) => {
          this.publishLocal(CLUSTER_TOPIC_NAME, { type: event, member } satisfies ClusterTopicEvent)
        }),
      )
    }
    this.offs.push(view.on('leaderChanged', (leader) => this.publishLocal(CLUSTER_TOPIC_NAME, { type: 'leaderChanged', leader } satisfies ClusterTopicEvent)))
    this.offs.push(view.on('memberUp', (m) => this.greet(m.node)))
    this.offs.push(view.on('memberDown', (m) => this.forgetNode(m.node)))
    this.offs.push(view.on('memberLeft', (m) => this.forgetNode(m.node)))
    // Ask every member already up for its interest (ours is empty yet, or nearly).
    for (const m of view.members()) if (m.status === 'up' || m.status === 'leaving') this.greet(m.node)
  }

  /** Stops: every subscription ends, nothing is announced any more. */
  close(): void {
    this.closed = true
    for (const off of this.offs.splice(0)) off()
    for (const s of this.byId.values()) s.close()
    this.byId.clear()
    this.topics.clear()
    this.remote.clear()
  }

  // ------------------------------------------------------------------ subscribers

  /** Adds a subscriber of this node; `id` is given for those registered from a worker. */
  add(topic: string, key: string | undefined, sink: Sink, bufferSize: number, overflow: OverflowPolicy, id?: string): Subscriber {
    if (this.closed) throw new ActorRefError('SystemShutdown', 'the actor system is shut down')
    const s = new Subscriber(id ?? `m${++this.nextId}`, topic, key, sink, bufferSize, overflow, (d) => this.dropped(d), (e) => this.callbackFailed(topic, e))
    const old = this.byId.get(s.id)
    if (old !== undefined) this.remove(old.id)
    this.byId.set(s.id, s)
    let subs = this.topics.get(topic)
    if (subs === undefined) {
      subs = new Map()
      this.topics.set(topic, subs)
    }
    const before = interestOf(subs)
    subs.set(s.id, s)
    if (!sameInterest(before, interestOf(subs))) this.changed()
    if (sink.kind === 'ref') this.watch(sink.ref)
    return s
  }

  /**
   * This node's mediator, spawned on first need: at start on a clustered node (other nodes talk
   * to it), else with the first actor subscription or worker's use (a lone node without either
   * runs no extra actor).
   */
  ensureMediator(): Promise<ActorRef<PubSubMediator>> {
    this.mediator ??= this.system.spawn(PubSubMediator, { id: MEDIATOR_ID, placement: 'main' }).catch(async (e: unknown) => {
      // A worker's spawn of it may have come first.
      const found = e instanceof ActorRefError && e.code === 'AlreadyExists' ? await this.system.actorOf(MEDIATOR_ID) : undefined
      if (found === undefined) throw e
      return found as ActorRef<PubSubMediator>
    })
    return this.mediator
  }

  /** The mediator watches actor subscribers, so their subscriptions end when they stop. */
  private watch(ref: ActorRef): void {
    this.ensureMediator().then(
      (m) => m.tell('watchSubscriber', ref),
      (e: unknown) => this.system.host.logger.warn({ err: e }, 'pub/sub: no mediator to watch a subscriber'),
    )
  }

  /** Ends subscription `id` (no-op when gone). */
  remove(id: string): void {
    const s = this.byId.get(id)
    if (s === undefined) return
    s.close()
    this.byId.delete(id)
    const subs = this.topics.get(s.topic)
    if (subs === undefined) return
    const before = interestOf(subs)
    subs.delete(id)
    if (subs.size === 0) this.topics.delete(s.topic)
    if (!sameInterest(before, interestOf(subs))) this.changed()
  }

  /** The actor `ref` stopped (or its node or thread is gone): its subscriptions end. */
  removeRef(ref: ActorRef): void {
    for (const s of [...this.byId.values()]) {
      if (s.sink.kind === 'ref' && s.sink.ref.equals(ref)) this.remove(s.id)
    }
  }

  // ------------------------------------------------------------------ publishing

  /**
   * Publishes: to this node's subscribers, and with scope `cluster` one copy to each other node
   * that wants the topic and key. Throws `MailboxFull` when a subscriber of this node with
   * overflow `fail` is full (after offering the message to every other subscriber).
   */
  publish(topic: string, message: unknown, key: string | undefined, scope: 'cluster' | 'local'): void {
    if (scope === 'cluster' && this.clustered) {
      for (const r of this.remote.values()) {
        const want = r.topics.get(topic)
        if (want === undefined || !(want.all || (key !== undefined && want.keys.includes(key)))) continue
        try {
          this.mediatorOf(r.node).tell('deliver', topic, key, message)
        } catch (e) {
          // The node cannot take it now (its outbox is full, or it is gone): reported, not silent.
          this.count(topic, 'undeliverable')
          this.system.host.deadLetterFor(MEDIATOR_ID, 'PubSubMediator', 'deliver', [topic, key, message], `pub/sub: node ${nodeKey(r.node)}: ${(e as Error).message}`)
          if (e instanceof ActorRefError && e.code === 'Serialization') throw e
        }
      }
    }
    const failure = this.publishLocal(topic, message, key)
    if (failure !== null) throw failure
  }

  /** Offers `message` to this node's subscribers of `topic` and `key`; returns the first `fail` error. */
  publishLocal(topic: string, message: unknown, key?: string): ActorRefError | null {
    const subs = this.topics.get(topic)
    if (subs === undefined) return null
    let failure: ActorRefError | null = null
    for (const s of [...subs.values()]) {
      if (!s.wants(key)) continue
      const e = s.offer(message)
      if (e !== null && failure === null) failure = e
    }
    return failure
  }

  private dropped(d: Drop): void {
    const s = d.subscriber
    this.count(s.topic, s.overflow)
    if (s.sink.kind === 'ref') this.system.host.deadLetterFor(s.sink.ref.id, s.sink.ref.actorType, s.sink.handler, [d.message], d.reason)
    else this.system.host.deadLetterFor(MEDIATOR_ID, 'PubSubCallback', s.topic, [d.message], d.reason)
  }

  private count(topic: string, policy: string): void {
    let byPolicy = this.drops.get(topic)
    if (byPolicy === undefined) {
      byPolicy = new Map()
      this.drops.set(topic, byPolicy)
    }
    byPolicy.set(policy, (byPolicy.get(policy) ?? 0) + 1)
  }

  private callbackFailed(topic: string, error: unknown): void {
    this.system.host.logger.warn({ topic, err: error }, 'a pub/sub callback failed')
  }

  // ------------------------------------------------------------------ interest between nodes

  /** This node's interest, as announced. */
  entries(): InterestEntries {
    const out: InterestEntries = []
    for (const [topic, subs] of this.topics) {
      const i = interestOf(subs)
      if (i !== null) out.push([topic, i.all, i.keys])
    }
    return out
  }

  /** Another node announced its interest (`reply`: it wants ours back). */
  interest(from: NodeAddress, version: number, entries: InterestEntries, reply: boolean): void {
    if (sameNode(from, this.system.node) || this.closed) return
    const key = nodeKey(from)
    const member = this.system.cluster.members().find((m) => sameNode(m.node, from))
    if (this.gone.has(key) || (member !== undefined && (member.status === 'down' || member.status === 'removed'))) return
    const known = this.remote.get(key)
    if (known === undefined || version >= known.version) {
      this.remote.set(key, { node: from, version, topics: new Map(entries.map(([t, all, keys]) => [t, { all, keys }])) })
    }
    if (reply) this.announceTo(from, false)
  }

  /** The other nodes a cluster publish of `topic` (and `key`) reaches now, by id. */
  interestedNodes(topic: string, key?: string): string[] {
    const out: string[] = []
    for (const r of this.remote.values()) {
      const want = r.topics.get(topic)
      if (want !== undefined && (want.all || (key !== undefined && want.keys.includes(key)))) out.push(r.node.id)
    }
    return out.sort()
  }

  private forgetNode(node: NodeAddress): void {
    this.remote.delete(nodeKey(node))
    this.gone.add(nodeKey(node))
  }

  private greet(node: NodeAddress): void {
    if (!sameNode(node, this.system.node)) this.announceTo(node, true)
  }

  /** Our interest changed: tell every other member once this turn is over (changes coalesce). */
  private changed(): void {
    this.version++
    if (!this.clustered || this.announcePending) return
    this.announcePending = true
    queueMicrotask(() => {
      this.announcePending = false
      if (this.closed) return
      for (const m of this.system.cluster.members()) {
        if (m.status === 'up' || m.status === 'leaving' || m.status === 'joining') {
          if (!sameNode(m.node, this.system.node)) this.announceTo(m.node, false)
        }
      }
    })
  }

  private announceTo(node: NodeAddress, reply: boolean): void {
    if (this.closed || !this.clustered) return
    try {
      this.mediatorOf(node).tell('interest', this.system.node, this.version, this.entries(), reply)
    } catch (e) {
      // The next membership change or announcement carries the whole state again.
      this.system.host.logger.debug({ node: nodeKey(node), err: e }, 'pub/sub: cannot announce interest')
    }
  }

  private mediatorOf(node: NodeAddress): ActorRef<PubSubMediator> {
    return this.runtime.refFor({ node, thread: 0, id: MEDIATOR_ID, actorType: actorTypeName(PubSubMediator), path: MEDIATOR_ID }) as ActorRef<PubSubMediator>
  }

  // ------------------------------------------------------------------ reports

  stats(): PubSubStats {
    const subscribers: Record<string, number> = {}
    for (const [topic, subs] of this.topics) subscribers[topic] = subs.size
    const dropped: PubSubStats['dropped'] = {}
    for (const [topic, byPolicy] of this.drops) dropped[topic] = Object.fromEntries(byPolicy)
    return { subscribers, dropped }
  }

  families(): MetricFamily[] {
    const dropped = [...this.drops].flatMap(([topic, byPolicy]) => [...byPolicy].map(([policy, value]) => ({ labels: { topic, policy }, value })))
    return [
      {
        name: 'coerce_pubsub_dropped_total',
        help: 'Pub/sub messages dropped on this node: a full subscriber buffer (by its overflow policy), or a node that could not take its copy (undeliverable). Each is also a dead letter.',
        type: 'counter',
        samples: dropped,
      },
      {
        name: 'coerce_pubsub_subscribers',
        help: 'Live pub/sub subscriptions on this node, by topic.',
        type: 'gauge',
        samples: [...this.topics].map(([topic, subs]) => ({ labels: { topic }, value: subs.size })),
      },
    ]
  }
}

function interestOf(subs: Map<string, Subscriber> | undefined): TopicInterest | null {
  if (subs === undefined || subs.size === 0) return null
  let all = false
  const keys = new Set<string>()
  for (const s of subs.values()) {
    if (s.key === undefined) all = true
    else keys.add(s.key)
  }
  return { all, keys: all ? [] : [...keys].sort() }
}

function sameInterest(a: TopicInterest | null, b: TopicInterest | null): boolean {
  if (a === null || b === null) return a === b
  return a.all === b.all && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i])
}
