/**
 * `NameDirectory`: the cluster-wide directory of named top-level actors. A consistent-hash
 * ring over the up members names the owner node of each id; the owner keeps the id's address.
 * - A named spawn registers with the owner before the actor starts, so `AlreadyExists` holds
 *   across the cluster (while the owner is reachable; during a partition two sides may each
 *   register the same name: uniqueness is then eventual, see docs/cluster.md).
 * - Hosts re-announce their names to the owners whenever the ring changes, so an owner's crash
 *   loses nothing for long; entries of a node that is down or left are dropped.
 * - Lookups ask the owner; when it is unreachable, every node is asked.
 */
import { nodeKey, sameNode, type NodeAddress } from '../actor/address.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorRef } from '../actor/ref.js'
import type { RefAddress } from '../runtime/transport/codec.js'
import type { ClusterAgent } from './agent.js'
import { HashRing } from '../util/hash-ring.js'

/** What the directory needs from the cluster module. */
export interface DirectoryContext {
  self: NodeAddress
  /** The up (or leaving) members, this node included when up. */
  ringMembers(): NodeAddress[]
  /** Other members to ask when the owner cannot answer. */
  otherMembers(): NodeAddress[]
  /** False when the member is unreachable, down or unknown. */
  reachable(node: NodeAddress): boolean
  /** True while `node` is a member that is not down or removed. */
  alive(node: NodeAddress): boolean
  /** The agent of `node`, as a ref. */
  agent(node: NodeAddress): ActorRef<ClusterAgent>
  /** This node's named actors, as registered. */
  localNames(): RefAddress[]
  /** A tracked actor of this node by id. */
  localAddress(id: string): RefAddress | undefined
  timeoutMs: number
  warn(fields: Record<string, unknown>, message: string): void
}

const sameAddress = (a: RefAddress, b: RefAddress): boolean => a.id === b.id && a.thread === b.thread && sameNode(a.node, b.node)

export class NameDirectory {
  /** Ids this node owns, with their addresses. */
  private readonly entries = new Map<string, RefAddress>()
  private ring = new HashRing<string>([], (k) => k)
  private readonly byKey = new Map<string, NodeAddress>()

  constructor(private readonly ctx: DirectoryContext) {}

  /** Entries this node holds as owner (diagnostics). */
  get size(): number {
    return this.entries.size
  }

  /** Rebuilds the ring from the members; true when its members changed (names then move). */
  rebuild(): boolean {
    const members = this.ctx.ringMembers()
    const keys = members.map(nodeKey).sort()
    if (keys.join(',') === [...this.ring.members].sort().join(',')) return false
    this.byKey.clear()
    for (const m of members) this.byKey.set(nodeKey(m), m)
    this.ring = new HashRing(keys, (k) => k)
    return true
  }

  /** The owner node of `id`, or undefined while the ring is empty. */
  ownerOf(id: string): NodeAddress | undefined {
    const key = this.ring.owner(id)
    return key === undefined ? undefined : this.byKey.get(key)
  }

  private isSelf(n: NodeAddress): boolean {
    return sameNode(n, this.ctx.self)
  }

  /** Registers `address` with its owner; rejects with `AlreadyExists` or `NodeUnreachable`. */
  async register(address: RefAddress): Promise<void> {
    const owner = this.ownerOf(address.id)
    if (owner === undefined || this.isSelf(owner)) {
      this.registerHere(address)
      return
    }
    if (!this.ctx.reachable(owner)) {
      throw new ActorRefError('NodeUnreachable', `the directory owner of this name (node ${nodeKey(owner)}) is unreachable: cannot check that the name is free`, {
        actorId: address.id,
        actorType: address.actorType,
      })
    }
    await this.ctx.agent(owner).askWith({ timeoutMs: this.ctx.timeoutMs }, 'register', address)
  }

  unregister(address: RefAddress): void {
    const owner = this.ownerOf(address.id)
    if (owner === undefined || this.isSelf(owner)) this.unregisterHere(address)
    else if (this.ctx.reachable(owner)) this.ctx.agent(owner).tell('unregister', address)
  }

  /** Finds `id` on other nodes: its owner, else every member. */
  async lookup(id: string): Promise<RefAddress | undefined> {
    const owner = this.ownerOf(id)
    if (owner !== undefined && this.isSelf(owner)) {
      const here = this.entries.get(id)
      if (here !== undefined) return here
    } else if (owner !== undefined && this.ctx.reachable(owner)) {
      try {
        const found = await this.ctx.agent(owner).askWith({ timeoutMs: this.ctx.timeoutMs }, 'lookup', id)
        if (found !== null) return found
      } catch (e) {
        this.ctx.warn({ id, owner: nodeKey(owner), err: e }, 'directory owner did not answer a lookup; asking every node')
      }
    }
    const asked = this.ctx.otherMembers().filter((n) => this.ctx.reachable(n))
    const answers = await Promise.all(
      asked.map((n) =>
        this.ctx.agent(n).askWith({ timeoutMs: this.ctx.timeoutMs }, 'lookupLocal', id).catch(() => null),
      ),
    )
    return answers.find((a): a is RefAddress => a !== null) ?? undefined
  }

  // ------------------------------------------------------------------ owner side

  registerHere(address: RefAddress): void {
    const existing = this.entries.get(address.id)
    if (existing !== undefined && !sameAddress(existing, address) && this.ctx.alive(existing.node)) {
      // The holder may have stopped it a moment ago: ask its node only when it is this one.
      if (!this.isSelf(existing.node) || this.ctx.localAddress(existing.id) !== undefined) {
        throw new ActorRefError('AlreadyExists', `an actor with this id is already alive on node ${nodeKey(existing.node)}`, {
          actorId: address.id,
          actorType: address.actorType,
        })
      }
    }
    this.entries.set(address.id, address)
  }

  unregisterHere(address: RefAddress): void {
    const existing = this.entries.get(address.id)
    if (existing !== undefined && sameAddress(existing, address)) this.entries.delete(address.id)
  }

  lookupHere(id: string): RefAddress | null {
    return this.entries.get(id) ?? null
  }

  /** Names re-announced by their hosts (after the ring changed); a live conflicting entry wins. */
  announceHere(addresses: RefAddress[]): void {
    for (const a of addresses) {
      try {
        this.registerHere(a)
      } catch {
        this.ctx.warn({ id: a.id, node: nodeKey(a.node), holder: nodeKey((this.entries.get(a.id) as RefAddress).node) }, 'two live actors announce the same name (a partition healed?); the first registration stays')
      }
    }
  }

  /** `node` is down or left: its names are gone. */
  dropNode(node: NodeAddress): void {
    for (const [id, a] of this.entries) if (sameNode(a.node, node)) this.entries.delete(id)
  }

  /** Sends this node's names to their owners (after the ring changed). */
  reannounce(): void {
    const byOwner = new Map<string, { owner: NodeAddress; names: RefAddress[] }>()
    for (const a of this.ctx.localNames()) {
      const owner = this.ownerOf(a.id)
      if (owner === undefined) continue
      if (this.isSelf(owner)) {
        this.announceHere([a])
        continue
      }
      const key = nodeKey(owner)
      let group = byOwner.get(key)
      if (group === undefined) {
        group = { owner, names: [] }
        byOwner.set(key, group)
      }
      group.names.push(a)
    }
    for (const { owner, names } of byOwner.values()) {
      if (!this.ctx.reachable(owner)) continue
      try {
        this.ctx.agent(owner).tell('announce', names)
      } catch (e) {
        this.ctx.warn({ owner: nodeKey(owner), err: e }, 're-announcing names failed')
      }
    }
  }
}

