/**
 * Where actor classes come from. A worker thread can only construct an actor whose class it
 * can import, so classes that may run on workers are registered with their module URL, either
 * with a static `actorModule = import.meta.url` on the class or with `registerActors`.
 * Workers import the module once and cache the class.
 */
import { actorTypeName, Actor, handlerNamesOf } from '../actor/actor.js'
import { ActorRefError } from '../actor/errors.js'
import type { ClassLocation } from '../actor/spawn-record.js'
import type { ActorClass } from '../actor/types.js'

const registered = new WeakMap<ActorClass, string>()
/** Registered classes by type name: what another node's spawn request names. */
const byName = new Map<string, ActorClass>()

/** The registered actor class of that type name (see `registerActors`), if any. */
export function actorTypeByName(name: string): ActorClass | undefined {
  return byName.get(name)
}

/**
 * Registers actor classes with the module that exports them, so they can be placed on worker
 * threads. Call it in that module with `import.meta.url`.
 *
 * @example
 * export class Counter extends Actor { ... }
 * registerActors(import.meta.url, Counter)
 */
export function registerActors(moduleUrl: string, ...types: ActorClass[]): void {
  if (typeof moduleUrl !== 'string' || !/^[a-z]+:/.test(moduleUrl)) {
    throw new TypeError(`registerActors needs a module URL such as import.meta.url (got ${String(moduleUrl)})`)
  }
  for (const t of types) {
    registered.set(t, moduleUrl)
    byName.set(actorTypeName(t), t)
    handlerNamesOf(t)
  }
}

/** The module URL of an actor class, if it has one. */
export function moduleOf(type: ActorClass): string | undefined {
  const own = registered.get(type)
  if (own !== undefined) return own
  const declared = (type as unknown as { actorModule?: unknown }).actorModule
  if (typeof declared !== 'string' || declared.length === 0) return undefined
  byName.set(actorTypeName(type), type)
  return declared
}

export type { ClassLocation } from '../actor/spawn-record.js'

/** The location of `type`, or a clear error when it cannot be loaded elsewhere. */
export function locate(type: ActorClass): ClassLocation {
  const actorType = actorTypeName(type)
  const moduleUrl = moduleOf(type)
  if (moduleUrl === undefined) {
    throw new ActorRefError(
      'NotSupported',
      `${type.name} cannot run on a worker thread: its module is unknown. Export the class and add ` +
        "`static actorModule = import.meta.url` to it, or call registerActors(import.meta.url, " +
        `${type.name}) in its module`,
      { actorType: actorType },
    )
  }
  return { actorType, moduleUrl, exportName: type.name }
}

const loaded = new Map<string, Promise<ActorClass>>()

/** Imports (once) and returns the class at `loc`. Rejects with `StartFailed` naming class and module. */
export function loadActorClass(loc: ClassLocation): Promise<ActorClass> {
  const key = `${loc.moduleUrl}#${loc.exportName}`
  let p = loaded.get(key)
  if (p === undefined) {
    p = importClass(loc)
    loaded.set(key, p)
    p.catch(() => loaded.delete(key))
  }
  return p
}

async function importClass(loc: ClassLocation): Promise<ActorClass> {
  let mod: Record<string, unknown>
  try {
    mod = (await import(loc.moduleUrl)) as Record<string, unknown>
  } catch (e) {
    throw new ActorRefError('StartFailed', `cannot load module ${loc.moduleUrl} for ${loc.exportName}: ${(e as Error).message}${loadHint(e)}`, {
      actorType: loc.actorType,
      cause: e,
    })
  }
  const direct = mod[loc.exportName]
  const found =
    isActorClass(direct) && actorTypeName(direct) === loc.actorType
      ? direct
      : Object.values(mod).find((v): v is ActorClass => isActorClass(v) && actorTypeName(v) === loc.actorType)
  if (found === undefined) {
    throw new ActorRefError('StartFailed', `module ${loc.moduleUrl} does not export an actor class ${loc.exportName}`, {
      actorType: loc.actorType,
    })
  }
  registered.set(found, loc.moduleUrl)
  // The module's other actor classes are known here too: tells to them get checked handlers.
  for (const v of Object.values(mod)) if (isActorClass(v)) handlerNamesOf(v)
  return found
}

/** What to do about a module a worker cannot import. */
function loadHint(e: unknown): string {
  const code = (e as { code?: unknown }).code
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return (
      '. Worker threads need a TypeScript loader to import .ts files: run the program with tsx ' +
      '(detected and registered in workers automatically) or `node --import <loader>`, or compile to JavaScript'
    )
  }
  if (code === 'ERR_MODULE_NOT_FOUND') return '. The class\'s actorModule (or registerActors URL) must be the URL of the module that exports it (import.meta.url)'
  return ''
}

function isActorClass(v: unknown): v is ActorClass {
  return typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Actor
}
