/**
 * The error classes that keep their type when they cross a thread (and later a node). An error
 * travels as data (name, message, stack, cause and its own data fields); the receiving side
 * rebuilds an instance of the class registered under that name, so `instanceof`, `code` and
 * fields such as `persistenceId` survive. An unregistered error arrives as a plain `Error` with
 * the same name, message, stack and fields.
 */

/** An error class the registry can rebuild. */
export type ErrorClass = abstract new (...args: never[]) => Error

const byName = new Map<string, ErrorClass>()

/**
 * Registers an error class so that its instances cross threads intact. Register it on every
 * thread that may receive it: calling this at the top level of the module that defines the
 * class does that, since workers import the modules of the actors they host.
 *
 * The instance is rebuilt without calling the constructor: its prototype is the class's, and
 * its own data fields (strings, numbers, booleans, dates, plain arrays and objects of those)
 * are copied over. Fields holding functions or class instances are dropped.
 *
 * @param name the error's `name` (default: the class name). It must be unique.
 *
 * @example
 * export class QuotaExceeded extends Error {
 *   override readonly name = 'QuotaExceeded'
 *   constructor(readonly limit: number) { super(`over the quota of ${limit}`) }
 * }
 * registerErrorClass(QuotaExceeded)
 * // an ask to an actor on a worker that throws it rejects with a QuotaExceeded, limit intact
 */
export function registerErrorClass(type: ErrorClass, name: string = type.name): void {
  if (typeof type !== 'function' || !(type.prototype instanceof Error)) {
    throw new TypeError(`registerErrorClass needs a class extending Error (got ${String(type)})`)
  }
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('registerErrorClass needs a non-empty name')
  const existing = byName.get(name)
  if (existing !== undefined && existing !== type) {
    throw new TypeError(`another error class is already registered as '${name}'`)
  }
  byName.set(name, type)
}

/** @internal The class registered under `name`, if any. */
export function errorClassNamed(name: string): ErrorClass | undefined {
  return byName.get(name)
}

/** Serialised form of an error. */
export interface ErrorData {
  name: string
  message: string
  stack?: string
  /** The error's own data fields (`code`, `actorId`, `persistenceId`, ...). */
  fields?: Record<string, unknown>
  cause?: ErrorData
}

const MAX_DEPTH = 4

/** Flattens any thrown value into {@link ErrorData}. */
export function errorToData(e: unknown, depth = 0): ErrorData {
  if (!(e instanceof Error)) return { name: 'Error', message: typeof e === 'string' ? e : safeString(e) }
  const d: ErrorData = { name: e.name, message: e.message }
  if (e.stack !== undefined) d.stack = e.stack
  let fields: Record<string, unknown> | undefined
  for (const key of Object.keys(e)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue
    const v = (e as unknown as Record<string, unknown>)[key]
    if (!isPlainData(v, 0)) continue
    fields ??= {}
    fields[key] = v
  }
  if (fields !== undefined) d.fields = fields
  if (e.cause !== undefined && depth < MAX_DEPTH) d.cause = errorToData(e.cause, depth + 1)
  return d
}

/** Rebuilds an error: an instance of the class registered under its name, else an `Error`. */
export function dataToError(d: ErrorData): Error {
  const type = byName.get(d.name)
  const e = type === undefined ? new Error(d.message) : (Object.create(type.prototype) as Error)
  Object.defineProperty(e, 'message', { value: d.message, writable: true, configurable: true, enumerable: false })
  Object.defineProperty(e, 'stack', { value: d.stack ?? `${d.name}: ${d.message}`, writable: true, configurable: true, enumerable: false })
  if (d.cause !== undefined) {
    Object.defineProperty(e, 'cause', { value: dataToError(d.cause), writable: true, configurable: true, enumerable: false })
  }
  if (d.fields !== undefined) Object.assign(e, d.fields)
  if (e.name !== d.name) {
    // Classes that declare `name` as a field get it back from `fields`; the others get it here.
    Object.defineProperty(e, 'name', { value: d.name, writable: true, configurable: true, enumerable: false })
  }
  return e
}

/** Values that mean the same on every thread: primitives, dates, plain arrays and objects of those. */
function isPlainData(v: unknown, depth: number): boolean {
  if (v === null || v === undefined) return true
  const t = typeof v
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return true
  if (t !== 'object' || depth >= MAX_DEPTH) return false
  if (v instanceof Date) return true
  if (Array.isArray(v)) return v.every((x) => isPlainData(x, depth + 1))
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return false
  return Object.values(v as object).every((x) => isPlainData(x, depth + 1))
}

function safeString(v: unknown): string {
  try {
    return String(v)
  } catch {
    return Object.prototype.toString.call(v)
  }
}
