/**
 * The message codec of the runtime: msgpackr with plain maps (no records: both sides would
 * have to agree on structures) plus extensions for what crosses threads in messages:
 * - ActorRef travels as its address `{ node, thread, id }` (plus type and path), written from
 *   the ref's own target and rebuilt by the resolver the decoding side passes to `decode`
 *   (each system's router has its own: two systems in one process never mix their refs);
 * - Errors keep name, message, stack, cause and data fields, and their class when it is
 *   registered (lib/actor/error-registry.ts);
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
import { addExtension, Packr, RESERVE_START_SPACE, REUSE_BUFFER_MODE, RESET_BUFFER_MODE } from 'msgpackr'
import { FRAME_HEADER_BYTES } from './frames.js'
import type { ActorAddress } from '../../actor/address.js'
import { ActorRef } from '../../actor/ref.js'
import { dataToError, errorToData, type ErrorData } from '../../actor/error-registry.js'

export { dataToError, errorToData, type ErrorData }

/** A value of a type that cannot be sent to another thread. */
export class NotEncodableError extends Error {
  override readonly name = 'NotEncodableError'
}

/** An actor address as it travels between threads and nodes. */
export interface RefAddress extends ActorAddress {
  readonly actorType: string
  readonly path: string
}

/** Rebuilds a ref from its address on the decoding side. */
export type RefResolver = (address: RefAddress) => ActorRef

/** The address of the actor behind `ref`, as its own target knows it. */
export function addressOf(ref: ActorRef): RefAddress {
  const t = ref.target
  return { node: t.node, thread: t.thread, id: t.id, actorType: t.actorType, path: t.path }
}

/** The resolver of the decode in progress (decoding is synchronous). */
let resolving: RefResolver | null = null

function resolveRef(a: RefAddress): ActorRef {
  if (resolving === null) throw new NotEncodableError(`an actor ref (${a.id}) arrived where no system can resolve it`)
  return resolving(a)
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
      const t = ref.target
      return [t.id, t.actorType, t.path, t.thread, t.node.id, t.node.incarnation]
    },
    read: (d: [string, string, string, number, string, number]) =>
      resolveRef({ id: d[0], actorType: d[1], path: d[2], thread: d[3], node: { id: d[4], incarnation: d[5] } }),
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
/** Write into the encoder's own buffer from its start, and return it whole (no view per message). */
const IN_PLACE = REUSE_BUFFER_MODE | RESET_BUFFER_MODE

/**
 * An encoded message: bytes `[start, end)` of a buffer the encoder reuses, valid only until
 * the next encode on this thread. Copy it (or write it into a ring) at once.
 */
export type Encoded = Uint8Array & { readonly start: number; readonly end: number }

/**
 * Encodes `value` into the encoder's reused buffer. Throws {@link NotEncodableError} for
 * values that cannot cross threads (symbols included).
 */
export function encode(value: unknown): Encoded {
  return pack(value, IN_PLACE)
}

/** Like {@link encode}, with {@link FRAME_HEADER_BYTES} left free at `start` for the routing header. */
export function encodeFrame(value: unknown): Encoded {
  return pack(value, IN_PLACE_FRAME)
}

function pack(value: unknown, mode: number): Encoded {
  try {
    return packr.pack(value, mode) as unknown as Encoded
  } catch (e) {
    if (e instanceof NotEncodableError) throw e
    throw new NotEncodableError((e as Error).message)
  }
}

const IN_PLACE_FRAME = IN_PLACE | RESERVE_START_SPACE | FRAME_HEADER_BYTES

/** Encodes `value` into a buffer of its own. */
export function encodeCopy(value: unknown): Uint8Array {
  const e = encode(value)
  return Uint8Array.prototype.slice.call(e, e.start, e.end)
}

/** Reused for every in-place decode: one options object instead of one per frame. */
const range = { start: 0, end: 0 }

/**
 * Decodes `data[start, end)` in place (no copy; works on SharedArrayBuffer memory). Refs in it
 * are rebuilt by `refs` (the decoding system's router); without one a ref fails the decode.
 */
export function decode(data: Uint8Array, start: number, end: number, refs: RefResolver | null = null): unknown {
  range.start = start
  range.end = end
  const outer = resolving
  resolving = refs
  try {
    return packr.unpack(data, range)
  } finally {
    resolving = outer
  }
}
