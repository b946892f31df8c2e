/**
 * `PeerTable`: where one thread's frames can go. The other threads of this node through their
 * ring-pair links, and other nodes through the network thread's ring pair (or a link per node,
 * such as a test's forwarder). Frame headers name nodes by slot numbers: the main thread numbers the other
 * nodes and tells its workers, so all threads of a node agree; a worker that meets a node
 * nobody numbered yet gives it a provisional slot that no route serves.
 */
import { nodeKey, sameNode, type ActorAddress, type NodeAddress } from '../../actor/address.js'
import { ActorRefError } from '../../actor/errors.js'
import { peerId, slotOfPeer, type PeerId } from '../transport/frames.js'
import type { FrameLink, Link } from '../transport/link.js'

/** Node slots from here up are a worker's own provisional numbers (see `slotOf`). */
export const PROVISIONAL_SLOTS = 0x8000

export class PeerTable {
  private readonly links: (Link | undefined)[] = []
  /** Node runs by slot; slot 0 is this node. */
  private readonly slotNodes: NodeAddress[] = []
  private readonly slotsByNode = new Map<string, number>()
  /** One link per other node; the header routes inside it. */
  private readonly nodeLinks = new Map<number, FrameLink>()
  private nextSlot = 1
  private nextProvisionalSlot = PROVISIONAL_SLOTS
  /** Nodes that are down or left, by slot, with why: traffic to them fails at once. */
  private readonly lostSlots = new Map<number, string>()
  /**
   * The thread that carries frames to other nodes (remoting's network thread), or null: then
   * the main thread holds the links to other nodes and workers route through it.
   */
  serviceThread: number | null = null
  /** Largest frame sent to another node (bigger ones fail at the sender with `Serialization`). */
  maxRemoteFrameBytes = Infinity

  /** Set by the main thread's runtime: tell the workers about a newly numbered node. */
  onSlotAssigned: (slot: number, node: NodeAddress) => void = () => {}

  constructor(
    private readonly local: NodeAddress,
    private readonly thread: number,
  ) {
    this.slotNodes[0] = local
  }

  /** The slot of `node` in frame headers (numbered on first use on the main thread). */
  slotOf(node: NodeAddress): number {
    if (sameNode(node, this.local)) return 0
    const key = nodeKey(node)
    let slot = this.slotsByNode.get(key)
    if (slot === undefined) {
      slot = this.thread === 0 ? this.nextSlot++ : this.nextProvisionalSlot++
      if (slot > 0xffff || (this.thread === 0 && slot >= PROVISIONAL_SLOTS)) throw new ActorRefError('NotSupported', 'too many other nodes')
      this.setSlot(slot, node)
      if (this.thread === 0) this.onSlotAssigned(slot, node)
    }
    return slot
  }

  /** A node numbered by the main thread (on workers). */
  setSlot(slot: number, node: NodeAddress): void {
    this.slotNodes[slot] = node
    this.slotsByNode.set(nodeKey(node), slot)
  }

  /** The node run behind a header slot. */
  nodeOfSlot(slot: number): NodeAddress | undefined {
    return this.slotNodes[slot]
  }

  /** Routes every frame for `node` through `link`; returns the node's slot. */
  connectNode(node: NodeAddress, link: FrameLink): number {
    const slot = this.slotOf(node)
    this.nodeLinks.set(slot, link)
    return slot
  }

  /** The peer id of an address: its node slot and thread. */
  peerOf(a: ActorAddress): PeerId {
    return peerId(this.slotOf(a.node), a.thread)
  }

  /**
   * The link frames for `peer` go through: a ring pair to a thread of this node, or the way to
   * other nodes: the network thread's ring pair when there is one, else a link of the main
   * thread's (workers route through the main thread then).
   */
  linkTo(peer: PeerId): FrameLink | undefined {
    if (peer < 65536) return this.links[peer]
    const slot = slotOfPeer(peer)
    const direct = this.nodeLinks.get(slot)
    if (direct !== undefined || slot >= PROVISIONAL_SLOTS) return direct
    if (this.serviceThread !== null && this.serviceThread !== this.thread) return this.links[this.serviceThread]
    return this.thread !== 0 ? this.links[0] : undefined
  }

  /** The node behind `slot` is down or left (see `failNode`). */
  markNodeLost(slot: number, reason: string): void {
    this.lostSlots.set(slot, reason)
  }

  /** Why the node behind `slot` is lost, or undefined while it is not. */
  nodeLost(slot: number): string | undefined {
    return this.lostSlots.get(slot)
  }

  setLink(thread: number, link: Link): void {
    this.links[thread] = link
  }

  link(thread: number): Link | undefined {
    return this.links[thread]
  }

  /** The ring-pair links to this node's other threads. */
  allLinks(): Link[] {
    return this.links.filter((l): l is Link => l !== undefined)
  }

  /** Flushes every ring link's backlog; returns the frames moved. */
  flush(): number {
    let moved = 0
    for (const l of this.links) if (l !== undefined && l.backlog > 0) moved += l.flush()
    return moved
  }
}
