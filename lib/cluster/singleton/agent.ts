/**
 * `SingletonAgent`: the system actor (`$singleton-manager:<name>`, main thread) through which
 * the managers of one singleton on different nodes talk: a proxy asks the candidate's agent
 * where the instance is (a long poll that answers once it runs), and a node that gave the
 * instance up (handover, graceful leave) tells the others. Plain actor messages over the
 * system's remoting, so node loss and timeouts behave as for any actor.
 */
import { Actor } from '../../actor/actor.js'
import type { NodeAddress } from '../../actor/address.js'
import type { ActorRef } from '../../actor/ref.js'
import type { ActorSystem } from '../../actor/system.js'
import { perOwner } from '../../util/per-owner.js'

/** The agent's id for singleton `name`, the same on every node. */
export function agentId(name: string): string {
  return `$singleton-manager:${name}`
}

/** What an agent serves; the manager of its name implements it. */
export interface SingletonAgentServices {
  /** The running instance, waiting up to `waitMs` for one; null when none started in that time. */
  locate(waitMs: number): Promise<ActorRef | null>
  /** `from` runs no instance any more; `retiring`: it leaves, so it is no candidate either. */
  released(from: NodeAddress, retiring: boolean): void
}

const bound = perOwner((_: ActorSystem) => new Map<string, SingletonAgentServices>())

/** @internal Binds the agent of singleton `name` in `system` to its manager. */
export function bindSingletonAgent(system: ActorSystem, name: string, services: SingletonAgentServices): void {
  bound(system).set(name, services)
}

export class SingletonAgent extends Actor {
  constructor(private readonly name: string) {
    super()
  }

  private get s(): SingletonAgentServices {
    const s = bound(this.ctx.system).get(this.name)
    if (s === undefined) throw new Error(`the agent of singleton '${this.name}' runs without its manager`)
    return s
  }

  locate(waitMs: number): Promise<ActorRef | null> {
    return this.s.locate(waitMs)
  }

  released(from: NodeAddress, retiring: boolean): void {
    this.s.released(from, retiring)
  }
}
