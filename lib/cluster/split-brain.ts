/**
 * Split-brain resolution, keep-majority: which side of a partition goes on. Every node decides
 * for itself from the same facts, the last stable membership (the up members when all of them
 * were reachable) and which of them it can reach now:
 * - more than half reachable: this side keeps the cluster and downs the others, after
 *   `downAfterMs` plus a margin (so the other side has downed itself first);
 * - less than half: this node downs itself after `downAfterMs` (its singletons stop, it leaves);
 * - exactly half: the side with the oldest member of the stable membership keeps it.
 * A lone crash is the same rule: the survivors are the majority.
 */

/** A member of the last stable membership. */
export interface StableMember {
  key: string
  id: string
  startedAt: number
}

/** `stable`: nobody is unreachable; `keep`: this side goes on; `downSelf`: this node must go. */
export type SplitBrainDecision = 'stable' | 'keep' | 'downSelf'

/** The oldest of `members` (start time, then id, then key: the leader's order). */
export function oldestOf(members: readonly StableMember[]): StableMember | undefined {
  let oldest: StableMember | undefined
  for (const m of members) {
    if (oldest === undefined || m.startedAt < oldest.startedAt || (m.startedAt === oldest.startedAt && (m.id < oldest.id || (m.id === oldest.id && m.key < oldest.key)))) oldest = m
  }
  return oldest
}

/** Keep-majority over the last stable membership; `reachable(key)` is this node's view (itself included). */
export function keepMajority(stable: readonly StableMember[], reachable: (key: string) => boolean): SplitBrainDecision {
  const seen = stable.filter((m) => reachable(m.key))
  if (seen.length === stable.length) return 'stable'
  if (seen.length * 2 > stable.length) return 'keep'
  if (seen.length * 2 < stable.length) return 'downSelf'
  const oldest = oldestOf(stable)
  return oldest !== undefined && reachable(oldest.key) ? 'keep' : 'downSelf'
}
