/**
 * Options of `system.singleton()`: the public type, its resolved form, the defaults, and the
 * one validation that names every bad field in a single `TypeError`.
 */
import type { ActorArgs, ActorClass } from '../../actor/types.js'
import type { ActorRef } from '../../actor/ref.js'

/** Most messages a node buffers for a singleton while it has no instance. */
export const DEFAULT_SINGLETON_BUFFER = 1000

/** Options of {@link ActorSystem.singleton}. */
export interface SingletonOptions<C extends ActorClass = ActorClass> {
  /** The singleton's name, the same on every node: non-empty, without '/'. */
  name: string
  /** Constructor arguments of the instance (plain data: the instance may start on any node). */
  args?: ActorArgs<C>
  /**
   * Messages kept on this node while there is no instance (before it starts, during a
   * handover or a takeover); past that, tells throw and asks reject with `MailboxFull`.
   * Default 1000.
   */
  bufferSize?: number
}

/** @internal Options after validation. */
export interface ResolvedSingletonOptions {
  name: string
  args: unknown[]
  bufferSize: number
}

/** @internal Validates `raw`; throws one `TypeError` naming every problem. */
export function resolveSingletonOptions(raw: unknown): ResolvedSingletonOptions {
  if (raw === null || typeof raw !== 'object') throw new TypeError(`singleton options must be an object with a name (got ${String(raw)})`)
  const o = raw as Record<string, unknown>
  const problems: string[] = []
  const name = o['name']
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) problems.push(`name must be a non-empty string without '/' (got ${JSON.stringify(name)})`)
  const args = o['args']
  if (args !== undefined && !Array.isArray(args)) problems.push('args must be an array of constructor arguments')
  const bufferSize = o['bufferSize'] ?? DEFAULT_SINGLETON_BUFFER
  if (!Number.isInteger(bufferSize) || (bufferSize as number) < 0) problems.push(`bufferSize must be an integer >= 0 (got ${String(bufferSize)})`)
  for (const key of Object.keys(o)) if (key !== 'name' && key !== 'args' && key !== 'bufferSize') problems.push(`unknown option ${key}`)
  if (problems.length > 0) throw new TypeError(`invalid singleton options: ${problems.join('; ')}`)
  return { name: name as string, args: (args as unknown[] | undefined) ?? [], bufferSize: bufferSize as number }
}

// `system.singleton` (installed by the singleton extension), declared next to its options so
// the package's declarations carry it.
declare module '../../actor/system.js' {
  interface ActorSystem {
    /**
     * A cluster singleton: one instance of `type` across the cluster, on its oldest up member,
     * and a ref to it that works from this node wherever the instance runs. Call it with the
     * same name and class on every node (at start-up); each call on a node returns the same
     * ref. The instance starts only after the previous holder is confirmed gone (down, left,
     * or handed over); meanwhile messages wait in a buffer of `bufferSize` (1000), asks with
     * their own timeouts. On a worker thread it returns a ref through its main thread's proxy
     * (the main thread must have called it for `name`); the ref may also be sent in messages,
     * to any thread or node. See docs/cluster.md, "Cluster singleton".
     *
     * Throws `TypeError` for bad options, `ActorRefError` `AlreadyExists` when the name runs
     * another class on this node (main thread).
     *
     * @example
     * registerActors(import.meta.url, Coordinator)
     * const coordinator = system.singleton(Coordinator, { name: 'coordinator', args: [{ shards: 64 }] })
     * await coordinator.ask('allocate', 'shard-7') // from any node
     */
    singleton<C extends ActorClass>(type: C, options: SingletonOptions<C>): ActorRef<InstanceType<C>>
  }
}
