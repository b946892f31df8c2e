/**
 * Pub/sub as an extension: `system.pubsub` on every thread; on the main thread of each system
 * the `PubSubNode`, its `$pubsub` mediator (spawned at start when clustered), the membership hooks and the
 * `coerce_pubsub_*` metric families. Installed after the cluster extension, so a clustered
 * system has joined before its mediator announces anything.
 */
import type { Extension } from '../../actor/extensions.js'
import type { ActorSystem } from '../../actor/system.js'
import type { MainRuntime } from '../../runtime/main-runtime.js'
import { metricCollectors } from '../../util/metric-collectors.js'
import { bindMediator } from './mediator.js'
import { PubSubNode } from './node.js'
import { mainPubSub, workerPubSub, type PubSub } from './pubsub.js'

const nodes = new WeakMap<ActorSystem, PubSubNode>()

/** @internal This system's pub/sub node (main thread), made on first use. */
export function pubSubNodeOf(system: ActorSystem): PubSubNode {
  let node = nodes.get(system)
  if (node === undefined) {
    node = new PubSubNode(system, system.runtime as MainRuntime)
    nodes.set(system, node)
  }
  return node
}

function pubsubOf(system: ActorSystem): PubSub {
  return system.host.thread === 0 ? mainPubSub(pubSubNodeOf(system)) : workerPubSub(system)
}

export const pubsubExtension: Extension = {
  name: 'pubsub',
  systemProperties: { pubsub: pubsubOf },
  async onStart(system) {
    const node = pubSubNodeOf(system)
    bindMediator(system, node)
    // Other nodes talk to a clustered node's mediator from the start; a lone node spawns it
    // on first need (so it runs no extra actor unless pub/sub is used across threads).
    if (system.cluster.enabled) await node.ensureMediator()
    node.start()
    metricCollectors(system).register('pubsub', { collect: () => node.families() })
  },
  onStop(system) {
    nodes.get(system)?.close()
  },
}
