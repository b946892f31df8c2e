/**
 * Routing strategies: how a pool ref picks the member for one message, on the sending thread
 * and from numbers it already holds (no round trip per message). Each returns undefined when
 * no member is available.
 */
import type { HashKey, RoutingStrategy } from './options.js'
import type { PoolMember, PoolState } from './state.js'

/** Picks a member of `state` for one message. */
export interface Router {
  pick(state: PoolState, handler: string, args: readonly unknown[]): PoolMember | undefined
}

// Round-robin, random and least-busy choose among `state.ready` (members not restarting after a
// failure, when there are any); consistent-hash keeps to the ring over every available member,
// so a key's member does not change while it restarts (its messages wait in its mailbox).

/** Each available member in turn. */
export class RoundRobinRouter implements Router {
  private next = 0
  pick(state: PoolState): PoolMember | undefined {
    const live = state.ready
    if (live.length === 0) return undefined
    const i = this.next++ % live.length
    if (this.next >= 0x3fffffff) this.next = 0
    return live[i]
  }
}

/** A uniformly random available member. */
export class RandomRouter implements Router {
  pick(state: PoolState): PoolMember | undefined {
    const live = state.ready
    return live.length === 0 ? undefined : live[Math.floor(Math.random() * live.length)]
  }
}

/**
 * The member with the smallest load (asks in flight from this thread, plus its mailbox when it
 * lives on this thread); among equally loaded members, the one this thread routed the fewest
 * messages to, so idle members share the work evenly.
 */
export class LeastBusyRouter implements Router {
  pick(state: PoolState): PoolMember | undefined {
    const live = state.ready
    const n = live.length
    if (n === 0) return undefined
    let best = live[0] as PoolMember
    let bestLoad = best.load
    for (let k = 1; k < n; k++) {
      const m = live[k] as PoolMember
      const load = m.load
      if (load < bestLoad || (load === bestLoad && m.routed < best.routed)) {
        best = m
        bestLoad = load
      }
    }
    return best
  }
}

/** The member owning the message's key on the hash ring. */
export class ConsistentHashRouter implements Router {
  constructor(private readonly keyOf: (handler: string, args: readonly unknown[]) => HashKey) {}
  pick(state: PoolState, handler: string, args: readonly unknown[]): PoolMember | undefined {
    return state.hashRing().owner(keyString(this.keyOf(handler, args)))
  }
}

/** The string a key hashes as (numbers and strings with the same text share a member). */
export function keyString(key: unknown): string {
  if (typeof key === 'string') return key
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return String(key)
  try {
    return JSON.stringify(key) ?? String(key)
  } catch {
    return String(key)
  }
}

/** @internal The router for a strategy. */
export function makeRouter(
  routing: RoutingStrategy,
  hashArg: number | null,
  keyFn: ((handler: string, args: readonly unknown[]) => HashKey) | null,
): Router {
  switch (routing) {
    case 'random':
      return new RandomRouter()
    case 'least-busy':
      return new LeastBusyRouter()
    case 'consistent-hash': {
      if (keyFn !== null) return new ConsistentHashRouter(keyFn)
      const index = hashArg ?? 0
      return new ConsistentHashRouter((_h, args) => keyString(args[index]))
    }
    default:
      return new RoundRobinRouter()
  }
}
