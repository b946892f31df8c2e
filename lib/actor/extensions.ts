/**
 * The one way higher layers plug into the actor core. lib/actor imports nothing above it; the
 * runtime, the HTTP API, persistence and discovery each describe what they add as an
 * `Extension`, and lib/index.ts installs them explicitly, in order. What an extension can add:
 * system option fields, properties on every `ActorSystem`, error classes that keep their type
 * across threads, start/stop hooks (where per-system parts such as metric collectors or HTTP
 * routes are registered), and the two single services the core needs (the runtime that places
 * actors, the HTTP API starter).
 */
import type { ActorSystem, HttpApiHandle } from './system.js'
import type { HttpApiOptions } from './options.js'
import type { RuntimeFactory } from './runtime-api.js'
import { registerErrorClass, type ErrorClass } from './error-registry.js'

/**
 * A system option owned by a higher layer (persistence, ...): validated with the others in
 * `ActorSystem.start`, and handed to worker threads in plain-data form. The layer declares the
 * field's types by augmenting `ActorSystemOptions` and `ResolvedSystemOptions`.
 */
export interface OptionField<R = unknown> {
  /** Validates the raw value (undefined when absent), pushing each problem; returns the resolved value. */
  resolve(raw: unknown, problems: string[]): R
  /** What a worker thread receives (plain data; the resolved value when omitted). */
  forWorker?(resolved: R): unknown
}

/** Starts an HTTP API for a system. */
export type HttpApiStarter = (system: ActorSystem, options: HttpApiOptions) => Promise<HttpApiHandle>

/** What one higher layer adds to the core. Every part is optional. */
export interface Extension {
  readonly name: string
  /** System option fields, by name. */
  readonly options?: Readonly<Record<string, OptionField>>
  /**
   * Properties of every actor system, created on first access (one per system). The layer
   * declares their types by augmenting the `ActorSystem` interface.
   */
  readonly systemProperties?: Readonly<Record<string, (system: ActorSystem) => unknown>>
  /** Error classes that keep their class across threads. */
  readonly errorClasses?: readonly ErrorClass[]
  /** Called once a system on the main thread has started (register per-system parts here). */
  onStart?(system: ActorSystem): void | Promise<void>
  /** Called when a system begins to shut down, before its actors stop. */
  onStop?(system: ActorSystem): void | Promise<void>
  /** The runtime that places actors (exactly one extension provides it). */
  readonly runtime?: RuntimeFactory
  /** The HTTP API (at most one extension provides it). */
  readonly httpApi?: HttpApiStarter
}

const installed: Extension[] = []
const optionFields = new Map<string, OptionField>()
let runtimeFactory: RuntimeFactory | null = null
let httpApiStarter: HttpApiStarter | null = null
let systemPrototype: object | null = null
const pendingProperties: [string, (system: ActorSystem) => unknown][] = []

/** Installs `ext` (lib/index.ts does, for the library's own layers). Installing one twice is a no-op. */
export function installExtension(ext: Extension): void {
  if (installed.some((e) => e.name === ext.name)) return
  installed.push(ext)
  for (const [name, field] of Object.entries(ext.options ?? {})) optionFields.set(name, field)
  for (const type of ext.errorClasses ?? []) registerErrorClass(type)
  for (const entry of Object.entries(ext.systemProperties ?? {})) defineSystemProperty(entry)
  if (ext.runtime !== undefined) runtimeFactory = ext.runtime
  if (ext.httpApi !== undefined) httpApiStarter = ext.httpApi
}

/** @internal The installed extensions, in installation order. */
export function extensions(): readonly Extension[] {
  return installed
}

/** @internal The option fields of every installed extension. */
export function extensionOptionFields(): ReadonlyMap<string, OptionField> {
  return optionFields
}

/** @internal The runtime factory, or null before the runtime extension is installed. */
export function installedRuntime(): RuntimeFactory | null {
  return runtimeFactory
}

/** @internal The HTTP API starter, or null when none is installed. */
export function installedHttpApi(): HttpApiStarter | null {
  return httpApiStarter
}

/** @internal lib/actor/system.ts hands over `ActorSystem.prototype` for system properties. */
export function bindSystemPrototype(proto: object): void {
  systemPrototype = proto
  for (const entry of pendingProperties.splice(0)) defineSystemProperty(entry)
}

function defineSystemProperty([name, create]: [string, (system: ActorSystem) => unknown]): void {
  if (systemPrototype === null) {
    pendingProperties.push([name, create])
    return
  }
  const made = new WeakMap<ActorSystem, unknown>()
  Object.defineProperty(systemPrototype, name, {
    configurable: true,
    get(this: ActorSystem): unknown {
      if (!made.has(this)) made.set(this, create(this))
      return made.get(this)
    },
  })
}
