/**
 * The message codec of the runtime: msgpackr with plain maps (no records: both sides would
 * have to agree on structures) plus extensions for what crosses threads in messages:
 * - ActorRef travels as its address and is rebuilt on the receiving thread by the resolver
 *   that thread's router installs;
 * - Errors keep name, message, stack, code and actor details;
 * - values that cannot mean anything on another thread (functions, promises, event emitters
 *   such as sockets and streams, weak collections) fail the encode with `NotEncodableError`
 *   instead of silently arriving as undefined or as a hollow object.
 * Sets, Dates, typed arrays and BigInts round-trip (msgpackr `moreTypes`). Maps travel as
 * msgpack maps and arrive as plain objects: msgpackr encodes Map natively, before any
 * extension is consulted.
 */
import './msgpackr-env.js'
import { EventEmitter } from 'node:events'
import { MessagePort } from 'node:worker_threads'
import { addExtension, isNativeAccelerationEnabled, Packr } from 'msgpackr'
import { ActorRef } from '../actor/ref.js'
import { ActorRefError, type ActorErrorCode } from '../actor/errors.js'

/** A value of a type that cannot be sent to another thread. */
export class NotEncodableError extends Error {
  override readonly name = 'NotEncodableError'
}

/** An actor address as it travels between threads. */
export interface RefAddress {
  id: string
  typeName: string
  path: string
  thread: number
}

type RefResolver = (address: RefAddress) => ActorRef
type RefAddresser = (ref: ActorRef) => RefAddress

let resolveRef: RefResolver = () => {
  throw new Error('no actor ref resolver installed on this thread')
}
let addressOf: RefAddresser = (ref) => ({ id: ref.id, typeName: ref.actorType, path: ref.path, thread: 0 })

/** @internal Installed by the thread's router: how refs are written and rebuilt here. */
export function installRefCodec(addresser: RefAddresser, resolver: RefResolver): void {
  addressOf = addresser
  resolveRef = resolver
}

/** Serialised form of an error. */
export interface ErrorData {
  name: string
  message: string
  stack?: string
  code?: string
  actorId?: string
  actorType?: string
  handler?: string
  cause?: ErrorData
}

/** Flattens any thrown value into {@link ErrorData}. */
export function errorToData(e: unknown, depth = 0): ErrorData {
  if (!(e instanceof Error)) return { name: 'Error', message: typeof e === 'string' ? e : safeString(e) }
  const d: ErrorData = { name: e.name, message: e.message }
  if (e.stack !== undefined) d.stack = e.stack
  const extra = e as Error & { code?: unknown; actorId?: unknown; actorType?: unknown; handler?: unknown }
  if (typeof extra.code === 'string') d.code = extra.code
  if (typeof extra.actorId === 'string') d.actorId = extra.actorId
  if (typeof extra.actorType === 'string') d.actorType = extra.actorType
  if (typeof extra.handler === 'string') d.handler = extra.handler
  if (e.cause !== undefined && depth < 4) d.cause = errorToData(e.cause, depth + 1)
  return d
}

/**
 * Rebuilds an error: an `ActorRefError` stays one (same code and details); anything else
 * becomes an `Error` with the original name, message, stack and code.
 */
export function dataToError(d: ErrorData): Error {
  const cause = d.cause === undefined ? undefined : dataToError(d.cause)
  if (d.name === 'ActorRefError' && d.code !== undefined) {
    // The message already carries the details; rebuild without repeating them.
    const e = new ActorRefError(d.code as ActorErrorCode, '', {
      ...(d.actorId !== undefined ? { actorId: d.actorId } : {}),
      ...(d.actorType !== undefined ? { actorType: d.actorType } : {}),
      ...(d.handler !== undefined ? { handler: d.handler } : {}),
      ...(cause !== undefined ? { cause } : {}),
    })
    e.message = d.message
    if (d.stack !== undefined) e.stack = d.stack
    return e
  }
  const e = new Error(d.message, cause === undefined ? undefined : { cause })
  e.name = d.name
  if (d.stack !== undefined) e.stack = d.stack
  if (d.code !== undefined) (e as Error & { code?: string }).code = d.code
  return e
}

function safeString(v: unknown): string {
  try {
    return String(v)
  } catch {
    return Object.prototype.toString.call(v)
  }
}

const EXT_REF = 0x41
const EXT_ERROR = 0x42
const EXT_REFUSED = 0x44

let installed = false
function installExtensions(): void {
  if (installed) return
  installed = true
  addExtension({
    Class: ActorRef,
    type: EXT_REF,
    write: (ref: ActorRef) => {
      const a = addressOf(ref)
      return [a.id, a.typeName, a.path, a.thread]
    },
    read: (d: [string, string, string, number]) => resolveRef({ id: d[0], typeName: d[1], path: d[2], thread: d[3] }),
  })
  addExtension({ Class: Error, type: EXT_ERROR, write: (e: Error) => errorToData(e), read: (d: ErrorData) => dataToError(d) })
  const refuse = (what: string) => (v: object): never => {
    throw new NotEncodableError(`${what} ${v.constructor?.name ?? ''} cannot be sent to another thread`.replace('  ', ' '))
  }
  for (const [Class, what] of [
    [Function, 'a function'],
    [Promise, 'a promise'],
    [EventEmitter, 'an event emitter (socket, stream, ...)'],
    [MessagePort, 'a MessagePort'],
    [WeakMap, 'a WeakMap'],
    [WeakSet, 'a WeakSet'],
  ] as const) {
    addExtension({ Class: Class as unknown as new () => object, type: EXT_REFUSED, write: refuse(what), read: (d: unknown) => d })
  }
}
installExtensions()

const packr = new Packr({ useRecords: false, moreTypes: true })

/**
 * Encodes `value`. The result is a view into a buffer msgpackr reuses: copy it before the next
 * encode. Throws {@link NotEncodableError} for values that cannot cross threads (symbols included).
 */
export function encode(value: unknown): Buffer {
  try {
    return packr.pack(value)
  } catch (e) {
    if (e instanceof NotEncodableError) throw e
    throw new NotEncodableError((e as Error).message)
  }
}

/** Decodes `data[start, end)` in place (no copy; works on SharedArrayBuffer memory). */
export function decode(data: Uint8Array, start: number, end: number): unknown {
  return packr.unpack(data, { start, end })
}

/** True when msgpackr's native string extractor is active (slow on shared memory): a load-order bug. */
export function nativeDecoderActive(): boolean {
  return isNativeAccelerationEnabled
}
