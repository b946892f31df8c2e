/**
 * The pools' consistent-hash routing: the ring (lib/util/hash-ring.ts) over the members, with a
 * hash cheaper than murmur3 over UTF-8 (a pool's ring lives in one process, and routing by key
 * hashes every message's key).
 */
import { fmix32, HashRing } from '../../util/hash-ring.js'

/** Points per member: enough for an even share (within a few percent) at small pool sizes. */
export const VNODES = 160

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`, with murmur3's final avalanche. */
export function fastHash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // FNV alone clusters short, similar keys: murmur3's final avalanche spreads them.
  return fmix32(h)
}

/** The routing ring of a pool's members. */
export function poolRing<T>(members: readonly T[], idOf: (m: T) => string): HashRing<T> {
  return new HashRing(members, idOf, { virtualNodes: VNODES, hash: fastHash32 })
}
