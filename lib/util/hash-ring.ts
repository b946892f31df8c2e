/**
 * The consistent-hash ring (pool routing by key, the cluster's name directory) and its default
 * hash. Nodes must compute the same owner from the same member list, so the default hash is
 * MurmurHash3 (x86, 32-bit) over UTF-8 bytes, spelled out here rather than taken from a
 * platform (V8's string hash is seeded per process). A ring used only inside one process may
 * pass a cheaper hash.
 */

const encoder = new TextEncoder()

/** MurmurHash3 x86_32 of `bytes` (its first `len` bytes; unsigned). */
export function murmur3(bytes: Uint8Array, seed = 0, len = bytes.length): number {
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  const blocks = len & ~3
  let h = seed >>> 0
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  let k = 0
  switch (len & 3) {
    case 3:
      k ^= (bytes[blocks + 2] as number) << 16
    // falls through
    case 2:
      k ^= (bytes[blocks + 1] as number) << 8
    // falls through
    case 1:
      k ^= bytes[blocks] as number
      k = Math.imul(k, c1)
      k = (k << 15) | (k >>> 17)
      k = Math.imul(k, c2)
      h ^= k
  }
  return fmix32(h ^ len)
}

/** murmur3's final avalanche: every input bit affects every output bit (unsigned result). */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Reused for short strings: hashing an id allocates nothing (it runs per sharded message). */
let scratch = new Uint8Array(256)

/** A stable 32-bit hash of a string's UTF-8 bytes (murmur3 x86_32, seed 0), identical on every platform. */
export function hash32(s: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3)
  const { written } = encoder.encodeInto(s, scratch)
  return murmur3(scratch, 0, written)
}

/** Virtual nodes per member when the constructor is not told. */
export const DEFAULT_VIRTUAL_NODES = 128

/** How a ring is built: points per member, and the hash of members' points and of keys. */
export interface HashRingOptions {
  /** Points per member. Default {@link DEFAULT_VIRTUAL_NODES}. */
  virtualNodes?: number
  /** Default {@link hash32}. */
  hash?: (s: string) => number
}

/**
 * An immutable ring: build a new one when membership changes. Each member owns
 * `virtualNodes` points `hash(id + '#' + i)`; a key belongs to the member of the first point at
 * or after `hash(key)`, wrapping around. Adding or removing a member therefore moves only the
 * keys between its points and their predecessors (about 1/n of them), and many points per
 * member even out the arcs. The ring depends on the members' ids only, not their order.
 */
export class HashRing<T> {
  /** The members, one per id, sorted by id. */
  readonly members: readonly T[]
  private readonly points: Uint32Array
  /** Index into `members` of each point's owner, parallel to `points`. */
  private readonly owners: Uint32Array
  private readonly hash: (s: string) => number

  /** Throws a TypeError when `virtualNodes` is not a positive integer. */
  constructor(members: readonly T[], idOf: (m: T) => string, options: HashRingOptions = {}) {
    const virtualNodes = options.virtualNodes ?? DEFAULT_VIRTUAL_NODES
    if (!(Number.isInteger(virtualNodes) && virtualNodes >= 1)) {
      throw new TypeError(`virtualNodes must be an integer >= 1 (got ${String(virtualNodes)})`)
    }
    this.hash = options.hash ?? hash32
    const byId = new Map<string, T>()
    for (const m of members) if (!byId.has(idOf(m))) byId.set(idOf(m), m)
    const ids = [...byId.keys()].sort(compareStrings)
    this.members = Object.freeze(ids.map((id) => byId.get(id) as T))
    const all: { hash: number; member: number }[] = []
    ids.forEach((id, member) => {
      for (let i = 0; i < virtualNodes; i++) all.push({ hash: this.hash(`${id}#${i}`), member })
    })
    // Equal hashes (from different members) are ordered by member id, which `members`
    // already is, so every node breaks the tie the same way.
    all.sort((a, b) => a.hash - b.hash || a.member - b.member)
    this.points = Uint32Array.from(all, (p) => p.hash)
    this.owners = Uint32Array.from(all, (p) => p.member)
  }

  get isEmpty(): boolean {
    return this.points.length === 0
  }

  /** The member owning `key`; undefined when the ring is empty. */
  owner(key: string): T | undefined {
    const n = this.points.length
    if (n === 0) return undefined
    const h = this.hash(key)
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.points[mid] as number) < h) lo = mid + 1
      else hi = mid
    }
    return this.members[this.owners[lo === n ? 0 : lo] as number]
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
