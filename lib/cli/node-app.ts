/**
 * The contract between `coerce-ts node` and the application it runs (`--app <module>`).
 */
import type { ActorSystem } from '../actor/system.js'
import type { Logger } from '../util/logger.js'

/** What `coerce-ts node` tells the application about the node it runs on. */
export interface NodeAppContext {
  /** This node's id (`--node-id`, `COERCE_NODE_ID`, `POD_NAME`, else a random UUID). */
  readonly nodeId: string
  /** The node's logger (JSON lines on stderr); bind your own fields with `child` if you like. */
  readonly logger: Logger
  /** The environment the node was started with: read your application's own settings here. */
  readonly env: NodeJS.ProcessEnv
  /** Where the HTTP API listens (`http://host:port`), or null when it is off. */
  readonly httpUrl: string | null
  /** The address other nodes dial (`ws://host:port`). */
  readonly advertise: string
  /** The journal storage the system was started with: `memory` or a `redis://` URL. */
  readonly persistence: string
  /** Aborted when the node starts to shut down (SIGTERM/SIGINT), before the app's `stop()` runs. */
  readonly signal: AbortSignal
}

/** What a {@link NodeApp} may return: a `stop()` the node awaits before it leaves the cluster. */
export interface NodeAppHandle {
  /** Closes what the app opened outside the actor system (servers, sockets). Runs before `system.shutdown()`. */
  stop?(): Promise<void>
}

/**
 * An application run by `coerce-ts node --app <module>` (or `COERCE_APP`): the module's default
 * export, or its export named `setup`.
 *
 * It is called once, after the actor system started and joined the cluster (its HTTP API is
 * listening), and registers what the node runs: actors (spawned, or started as cluster
 * singletons with `system.singleton(...)`), sharded entity types, pub/sub subscriptions and
 * HTTP routes. Actor classes that may run on worker threads need
 * `static actorModule = import.meta.url` (or `registerActors`), as everywhere else.
 *
 * A rejected promise (or a throw) stops the node: it logs the error, shuts the system down and
 * exits with status 1. On SIGTERM/SIGINT the node first calls the returned handle's `stop()`,
 * then `system.shutdown()` (which leaves the cluster gracefully: singletons and shards are
 * handed over), then exits 0.
 *
 * @example
 * // app.ts, run with `coerce-ts node --app ./dist/app.js`
 * import type { NodeApp } from 'coerce-ts'
 * const setup: NodeApp = async (system, ctx) => {
 *   await system.spawn(Greeter, { id: `greeter-${ctx.nodeId}` })
 *   system.singleton(Scheduler, { name: 'scheduler' })
 * }
 * export default setup
 */
export type NodeApp = (system: ActorSystem, ctx: NodeAppContext) => Promise<void | NodeAppHandle> | void | NodeAppHandle
