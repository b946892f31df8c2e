/**
 * Pools as an extension of the actor core (`poolExtension`, installed by lib/index.ts and by
 * every actor worker): `system.pool(...)` and `ctx.pool(...)`, and the pools' `/metrics`
 * collector of each system. The facade classes live in lib/actor, which must not import the
 * runtime layer that pools need (placement over workers, the control channel, the codec), so
 * the methods are declared by module augmentation (in pool-ref.ts, which the package's
 * declarations carry): `system.pool` is a system property of the extension, and `ctx.pool` is installed on the context prototype by this module (contexts
 * have no per-object property seam).
 */
import { Actor, actorTypeName } from '../../actor/actor.js'
import { ActorContext } from '../../actor/context.js'
import { ActorRefError } from '../../actor/errors.js'
import type { ActorRef } from '../../actor/ref.js'
import { resolveStrategy, Supervision } from '../../actor/supervision.js'
import type { Extension } from '../../actor/extensions.js'
import type { ActorSystem, SpawnOptions } from '../../actor/system.js'
import type { ActorClass } from '../../actor/types.js'
import { locate, moduleOf } from '../actor-modules.js'
import { resolvePoolOptions, type HashKey, type PoolOptions } from './options.js'
import { PoolRef, PoolTarget, type RestartBackoff } from './pool-ref.js'
import { registerPoolMetrics } from './metrics.js'
import { poolState } from './state.js'
import { PoolSupervisor, type PoolSpec } from './supervisor.js'

type Spawn = (type: ActorClass, options: SpawnOptions) => Promise<ActorRef>

async function createPool(system: ActorSystem, spawn: Spawn, type: ActorClass, options: PoolOptions): Promise<PoolRef> {
  if (typeof type !== 'function' || !(type.prototype instanceof Actor)) {
    throw new ActorRefError('InvalidArgument', `pool needs a class extending Actor (got ${String((type as { name?: unknown })?.name ?? type)})`)
  }
  const actorType = actorTypeName(type)
  const resolved = resolvePoolOptions(options ?? {}, system.options.workers)
  const onWorkers = resolved.placement !== 'main'
  if (onWorkers && moduleOf(type) === undefined) {
    throw new ActorRefError(
      'InvalidArgument',
      "pool members on worker threads need a loadable class: give it `static actorModule = import.meta.url` (or registerActors), or use placement: 'main'",
      { actorType },
    )
  }
  if (onWorkers && typeof resolved.supervision?.directive === 'function') {
    throw new ActorRefError('NotSupported', 'a supervision decider function cannot be sent to a worker thread: use a directive or placement: main', {
      actorType,
    })
  }
  const keyFn = typeof options?.hashKey === 'function' ? (options.hashKey as unknown as (h: string, a: readonly unknown[]) => HashKey) : null
  // On the main thread the supervisor gets the class itself; from a worker, where to load it.
  const here = system.host.thread === 0
  const spec: PoolSpec = { member: here ? type : locate(type), actorType, options: resolved }
  const supervisor = (await spawn(PoolSupervisor, {
    ...(options?.id !== undefined ? { id: options.id } : {}),
    placement: 'main',
    args: [spec] as never,
    supervision: Supervision.resume(),
  })) as ActorRef<PoolSupervisor>
  const snap = await supervisor.ask('snapshot')
  const state = poolState(snap.node, snap.poolId, actorType)
  state.apply(snap.version, snap.members, false)
  const strategy = resolved.supervision === undefined ? system.options.supervision : resolveStrategy(resolved.supervision)
  const backoff: RestartBackoff = strategy.directive === 'restart' ? [strategy.minMs, strategy.maxMs, strategy.factor] : null
  return new PoolRef(new PoolTarget(state, supervisor, resolved.routing, resolved.hashArg, keyFn, backoff))
}

/** `system.pool` of one system. */
function systemPool(system: ActorSystem): ActorSystem['pool'] {
  return <C extends ActorClass>(type: C, options: PoolOptions<C> = {}) =>
    createPool(system, (t, o) => system.spawn(t, o), type, options as PoolOptions) as Promise<PoolRef<InstanceType<C>>>
}

ActorContext.prototype.pool = function pool<C extends ActorClass>(this: ActorContext, type: C, options: PoolOptions<C> = {}) {
  return createPool(this.system, (t, o) => this.spawn(t, o), type, options as PoolOptions) as Promise<PoolRef<InstanceType<C>>>
}

export const poolExtension: Extension = {
  name: 'pool',
  systemProperties: { pool: systemPool },
  onStart(system) {
    registerPoolMetrics(system)
  },
}
