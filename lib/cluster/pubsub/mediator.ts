/**
 * `PubSubMediator`: the system actor (`$pubsub`, on the main thread of every node) through
 * which pub/sub crosses threads and nodes. Other nodes tell it their interest and the copies
 * of their publishes (one per node, fanned out here); worker threads of this node tell it
 * their publishes and actor subscriptions. It watches actor subscribers, so a subscription
 * ends when its actor stops. Being one actor, it keeps the order of the tells of each sender.
 */
import { Actor } from '../../actor/actor.js'
import { ActorRefError } from '../../actor/errors.js'
import { nodeKey, type NodeAddress } from '../../actor/address.js'
import type { ActorRef } from '../../actor/ref.js'
import type { ActorSystem } from '../../actor/system.js'
import type { Terminated } from '../../actor/terminated.js'
import type { InterestEntries, PubSubNode } from './node.js'
import type { OverflowPolicy } from './types.js'

/** The mediator's id on every node. */
export const MEDIATOR_ID = '$pubsub'

const nodes = new WeakMap<ActorSystem, PubSubNode>()

/** @internal Binds the mediator of `system` to its pub/sub node. */
export function bindMediator(system: ActorSystem, node: PubSubNode): void {
  nodes.set(system, node)
}

export class PubSubMediator extends Actor {
  /** A worker spawns it on the main thread when a lone node has none yet. */
  static actorModule = import.meta.url
  private readonly watched = new Set<string>()

  private get node(): PubSubNode {
    const n = nodes.get(this.ctx.system)
    if (n === undefined) throw new Error('the pub/sub mediator runs without a pub/sub node')
    return n
  }

  /** Another node's interest (topics and keys it has subscribers for). */
  interest(from: NodeAddress, version: number, entries: InterestEntries, reply: boolean): void {
    this.node.interest(from, version, entries, reply)
  }

  /** Another node's publish: fan it out to this node's subscribers. */
  deliver(topic: string, key: string | undefined, message: unknown): void {
    // A `fail` subscriber that is full was reported already (counted, dead letter); the
    // publisher on the other node is not waiting for an answer.
    this.node.publishLocal(topic, message, key ?? undefined)
  }

  /** A worker's publish. */
  publish(topic: string, message: unknown, key: string | undefined, scope: 'cluster' | 'local'): void {
    try {
      this.node.publish(topic, message, key ?? undefined, scope)
    } catch (e) {
      // Reported where it happened (counted and a dead letter); the worker told, it does not wait.
      if (!(e instanceof ActorRefError && e.code === 'MailboxFull')) throw e
    }
  }

  /** A worker's actor subscription. */
  subscribeRef(id: string, topic: string, key: string | undefined, ref: ActorRef, handler: string, bufferSize: number, overflow: OverflowPolicy): void {
    this.node.add(topic, key ?? undefined, { kind: 'ref', ref, handler }, bufferSize, overflow, id)
  }

  unsubscribe(id: string): void {
    this.node.remove(id)
  }

  /** Watches an actor subscriber of this node (its subscriptions end when it stops). */
  watchSubscriber(ref: ActorRef): void {
    const key = refKey(ref)
    if (this.watched.has(key)) return
    this.watched.add(key)
    this.ctx.watch(ref)
  }

  override onTerminated(notice: Terminated): void {
    this.watched.delete(refKey(notice.ref))
    this.node.removeRef(notice.ref)
  }
}

function refKey(ref: ActorRef): string {
  const a = ref.address
  return `${nodeKey(a.node)}/${a.thread}/${a.id}`
}
