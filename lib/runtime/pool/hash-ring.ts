/**
 * A consistent-hash ring: each member owns `VNODES` points on a 32-bit circle (hashes of its
 * id), and a key belongs to the first point at or after its own hash. Adding or removing one
 * member of N moves only the keys of the arcs it gains or loses, about 1/N of them; the rest
 * keep their member. Points depend on member ids only, so every thread builds the same ring.
 */

/** Points per member: enough for an even share (within a few percent) at small pool sizes. */
export const VNODES = 160

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`. */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  // Final avalanche (murmur3 fmix32): FNV alone clusters short, similar keys.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export class HashRing<T> {
  private readonly points: Uint32Array
  private readonly owners: T[]

  /** Builds the ring of `members`, each named by `idOf`. */
  constructor(members: readonly T[], idOf: (m: T) => string) {
    const entries: { point: number; owner: T }[] = []
    for (const m of members) {
      const id = idOf(m)
      for (let v = 0; v < VNODES; v++) entries.push({ point: hash32(`${id}#${v}`), owner: m })
    }
    entries.sort((a, b) => a.point - b.point)
    this.points = Uint32Array.from(entries, (e) => e.point)
    this.owners = entries.map((e) => e.owner)
  }

  get isEmpty(): boolean {
    return this.owners.length === 0
  }

  /** The member owning `key`; undefined on an empty ring. */
  owner(key: string): T | undefined {
    const n = this.points.length
    if (n === 0) return undefined
    const h = hash32(key)
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.points[mid] as number) < h) lo = mid + 1
      else hi = mid
    }
    return this.owners[lo === n ? 0 : lo]
  }
}
