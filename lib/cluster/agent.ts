/**
 * `ClusterAgent`: the system actor (`$cluster`, on the main thread of every clustered node)
 * that other nodes talk to for the name directory (register, look up, re-announce) and for
 * spawns on this node. Plain actor messages over the system's own remoting: timeouts, typed
 * errors and node loss behave as for any actor.
 */
import { Actor } from '../actor/actor.js'
import type { ActorSystem } from '../actor/system.js'
import type { RefAddress } from '../runtime/transport/codec.js'
import type { SpawnOptions } from '../actor/system.js'

/** The agent's id on every node. */
export const AGENT_ID = '$cluster'

/** What the agent serves; the cluster module of the system it runs in implements it. */
export interface AgentServices {
  registerHere(address: RefAddress): void
  unregisterHere(address: RefAddress): void
  lookupHere(id: string): RefAddress | null
  lookupLocal(id: string): RefAddress | null
  announceHere(addresses: RefAddress[]): void
  spawnHere(typeName: string, options: SpawnOptions): Promise<RefAddress>
}

const services = new WeakMap<ActorSystem, AgentServices>()

/** @internal Binds the agent of `system` to its cluster module. */
export function bindAgent(system: ActorSystem, s: AgentServices): void {
  services.set(system, s)
}

export class ClusterAgent extends Actor {
  private get s(): AgentServices {
    const s = services.get(this.ctx.system)
    if (s === undefined) throw new Error('the cluster agent runs without a cluster module')
    return s
  }

  register(address: RefAddress): void {
    this.s.registerHere(address)
  }

  unregister(address: RefAddress): void {
    this.s.unregisterHere(address)
  }

  lookup(id: string): RefAddress | null {
    return this.s.lookupHere(id)
  }

  lookupLocal(id: string): RefAddress | null {
    return this.s.lookupLocal(id)
  }

  announce(addresses: RefAddress[]): void {
    this.s.announceHere(addresses)
  }

  spawn(typeName: string, options: SpawnOptions): Promise<RefAddress> {
    return this.s.spawnHere(typeName, options)
  }
}
