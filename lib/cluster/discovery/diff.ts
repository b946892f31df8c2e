/**
 * Peer-set arithmetic: sorting, equality and the joined/left/changed diff every watcher emits.
 */
import { peerKey, type DiscoveryChange, type Peer } from './types.js'

/** Sorts by {@link peerKey} (a new array), so output is stable for tables and tests. */
export function sortPeers(peers: Iterable<Peer>): Peer[] {
  return [...peers].sort((a, b) => (peerKey(a) < peerKey(b) ? -1 : peerKey(a) > peerKey(b) ? 1 : 0))
}

/** True when two peers for the same key carry the same address, port, ordinal and labels. */
export function samePeer(a: Peer, b: Peer): boolean {
  if (a.host !== b.host || a.port !== b.port || a.ordinal !== b.ordinal) return false
  const ka = Object.keys(a.labels)
  if (ka.length !== Object.keys(b.labels).length) return false
  return ka.every((k) => a.labels[k] === b.labels[k])
}

/** The change from `prev` to `next` (both keyed by {@link peerKey}), or null when nothing changed. */
export function diffPeers(prev: ReadonlyMap<string, Peer>, next: ReadonlyMap<string, Peer>): DiscoveryChange | null {
  const joined: Peer[] = []
  const left: Peer[] = []
  const changed: Peer[] = []
  for (const [key, p] of next) {
    const before = prev.get(key)
    if (before === undefined) joined.push(p)
    else if (!samePeer(before, p)) changed.push(p)
  }
  for (const [key, p] of prev) if (!next.has(key)) left.push(p)
  if (joined.length + left.length + changed.length === 0) return null
  return { joined: sortPeers(joined), left: sortPeers(left), changed: sortPeers(changed), peers: sortPeers(next.values()) }
}

/** Keys `peers` by {@link peerKey}. */
export function peerMap(peers: Iterable<Peer>): Map<string, Peer> {
  const m = new Map<string, Peer>()
  for (const p of peers) m.set(peerKey(p), p)
  return m
}
