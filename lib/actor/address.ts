/**
 * Where an actor lives: `{ node, thread, id }`. A node is a node id plus an incarnation: a
 * node that restarts with the same id is a new incarnation, so refs to actors of its previous
 * life never reach (or equal) actors of the new one. Thread 0 is a node's main thread.
 */
import { randomInt } from 'node:crypto'

/** One run of one node. */
export interface NodeAddress {
  readonly id: string
  /** Chosen at system start (a random 32-bit number); differs between two runs of one node id. */
  readonly incarnation: number
}

/** The address of one actor. */
export interface ActorAddress {
  readonly node: NodeAddress
  readonly thread: number
  readonly id: string
}

/** A fresh incarnation number for a starting node (1..2^32-1, fits protobuf uint32). */
export function newIncarnation(): number {
  return randomInt(1, 0xffffffff)
}

/** True when `a` and `b` are the same run of the same node. */
export function sameNode(a: NodeAddress, b: NodeAddress): boolean {
  return a === b || (a.incarnation === b.incarnation && a.id === b.id)
}

/** `id#incarnation`: a node run as one string (map keys, logs, JSON). */
export function nodeKey(n: NodeAddress): string {
  return `${n.id}#${n.incarnation}`
}

/** True when `a` and `b` address the same actor. */
export function sameActor(a: ActorAddress, b: ActorAddress): boolean {
  return a.id === b.id && a.thread === b.thread && sameNode(a.node, b.node)
}
