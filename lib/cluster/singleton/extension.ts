/**
 * The cluster singleton as an extension: `system.singleton()` on every system (on a worker, a
 * ref through its main thread's proxy), the handover at a graceful leave (through the
 * cluster's `beforeLeave` hook, so the instance has stopped before peers hear of the leave),
 * `GET /cluster/singletons`, and closing the managers at shutdown.
 */
import { actorTypeName, handlerNamesOf } from '../../actor/actor.js'
import { ActorRefError } from '../../actor/errors.js'
import type { Extension } from '../../actor/extensions.js'
import type { ActorRef } from '../../actor/ref.js'
import type { ActorSystem } from '../../actor/system.js'
import type { ActorClass } from '../../actor/types.js'
import { clusterOf } from '../extension.js'
import { registerSingletonHttp } from './http.js'
import { SingletonManager } from './manager.js'
import { resolveSingletonOptions, type SingletonOptions } from './options.js'
import { proxyId } from './proxy-target.js'
import type { WorkerRuntime } from '../../runtime/worker-runtime.js'
import { perOwner } from '../../util/per-owner.js'

const managers = perOwner((_: ActorSystem) => new Map<string, SingletonManager>())

/** @internal The singleton managers of `system` (main thread), by name. */
export function singletonsOf(system: ActorSystem): ReadonlyMap<string, SingletonManager> {
  return managers(system)
}

function singletonOf(system: ActorSystem) {
  return <C extends ActorClass>(type: C, options: SingletonOptions<C>): ActorRef<InstanceType<C>> => {
    if (system.isShutdown) throw new ActorRefError('SystemShutdown', 'the actor system is shut down', { actorType: type.name })
    const resolved = resolveSingletonOptions(options)
    if (system.host.thread !== 0) {
      // A worker talks to the singleton through its main thread's proxy, which the main thread's
      // own `system.singleton()` call set up (without it, messages fail with `NotFound`).
      handlerNamesOf(type) // so the ref checks handler names here, as for the class's other refs
      const id = proxyId(resolved.name)
      const runtime = system.runtime as WorkerRuntime
      return runtime.refFor({ node: system.node, thread: 0, id, actorType: actorTypeName(type), path: id }) as ActorRef<InstanceType<C>>
    }
    const byName = managers(system)
    const known = byName.get(resolved.name)
    if (known !== undefined) {
      if (known.type !== type) {
        throw new ActorRefError('AlreadyExists', `singleton '${resolved.name}' already runs another class (${known.actorType})`, { actorId: resolved.name, actorType: type.name })
      }
      return known.ref as ActorRef<InstanceType<C>>
    }
    const manager = new SingletonManager(system, type, resolved)
    byName.set(resolved.name, manager)
    // The ref buffers until the manager follows the membership; a failure here is logged, not thrown,
    // because the caller already holds the ref (its messages wait and time out like any buffered ones).
    manager.start().catch((e: unknown) => system.host.logger.error({ singleton: resolved.name, err: e }, 'the singleton manager failed to start'))
    return manager.ref as ActorRef<InstanceType<C>>
  }
}

export const singletonExtension: Extension = {
  name: 'singleton',
  systemProperties: { singleton: singletonOf },
  onStart(system) {
    registerSingletonHttp(system, () => [...singletonsOf(system).values()].map((m) => m.report()))
    clusterOf(system)?.beforeLeave(async () => {
      await Promise.all([...singletonsOf(system).values()].map((m) => m.handOver()))
    })
  },
  async onStop(system) {
    // A node without cluster (or one whose leave hook did not run) stops its instances with its actors.
    for (const m of singletonsOf(system).values()) {
      await m.handOver()
      m.close()
    }
  },
}

// Declared here, next to the implementation, so the package's declarations carry it.
