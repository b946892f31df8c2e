/**
 * Where a cluster singleton belongs, as pure functions of one node's view of the membership:
 * the candidate (the oldest up member that has not retired) and what a new candidate must wait
 * for before it starts the instance (a previous holder not yet confirmed gone). The manager
 * (manager.ts) applies them on every membership change; keeping them pure lets the rules be
 * tested without a cluster.
 */
import { nodeKey, sameNode, type NodeAddress } from '../../actor/address.js'
import type { ClusterMember } from '../view.js'

/** Age order of the member table (lib/cluster/member-table.ts): start time, then id, then incarnation. */
export function compareAge(a: ClusterMember, b: ClusterMember): number {
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt
  if (a.node.id !== b.node.id) return a.node.id < b.node.id ? -1 : 1
  return a.node.incarnation - b.node.incarnation
}

/**
 * The node the singleton belongs on: the oldest `up` member not in `retired` (nodes that said
 * they leave and hold no instance any more). Reachability is ignored on purpose: an
 * unreachable holder may still run its instance, so it keeps the role until it is marked down
 * (or leaves); the role moving on the failure detector's word alone would risk two instances.
 */
export function singletonCandidate(members: readonly ClusterMember[], retired: ReadonlySet<string>): NodeAddress | null {
  let best: ClusterMember | null = null
  for (const m of members) {
    if (m.status !== 'up' || retired.has(nodeKey(m.node))) continue
    if (best === null || compareAge(m, best) < 0) best = m
  }
  return best === null ? null : best.node
}

/**
 * The members `self`, as candidate, must wait for before starting the instance: the previous
 * candidate and every member older than `self`, while they are still `up` or `leaving` (they
 * may run an instance) and have not said they released it. Down and removed members are
 * confirmed gone; joining members never held it.
 */
export function takeoverBlockers(
  members: readonly ClusterMember[],
  self: NodeAddress,
  previous: NodeAddress | null,
  released: ReadonlySet<string>,
): NodeAddress[] {
  const me = members.find((m) => sameNode(m.node, self))
  return members
    .filter((m) => {
      if (sameNode(m.node, self) || released.has(nodeKey(m.node))) return false
      if (m.status !== 'up' && m.status !== 'leaving') return false
      const wasHolder = previous !== null && sameNode(previous, m.node)
      return wasHolder || (me !== undefined && compareAge(m, me) < 0)
    })
    .map((m) => m.node)
}
