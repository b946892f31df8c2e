/**
 * How events and snapshots become bytes: the `Codec` seam, the default msgpackr codec, and the
 * per-actor-type registry that maps a stored type name to its codec.
 */
import { Packr } from 'msgpackr'
import { errorText, PersistenceError } from './errors.js'

/** Turns values of one type into bytes and back. */
export interface Codec<T = unknown> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

// No records or shared structures: stored bytes must decode in any later process.
const packr = new Packr({ useRecords: false, moreTypes: true })

/**
 * The default codec: msgpackr without records, so bytes stay readable by any process.
 * Round-trips JSON-like data, `Date`, `Set`, typed arrays and bigint; a `Map` comes back as a
 * plain object (give the type its own codec if that matters).
 */
export const msgpackCodec: Codec<unknown> = {
  encode(value: unknown): Uint8Array {
    // pack() returns a view into a reused buffer: keep a copy. Buffer.from copies small
    // values into Node's shared pool, so a journal of many small events is not one
    // ArrayBuffer per event for the garbage collector to track.
    return Buffer.from(packr.pack(value))
  },
  decode(bytes: Uint8Array): unknown {
    return packr.unpack(bytes)
  },
}

/** Per-actor-type declaration of the stored types, resolved. */
export interface TypeSettings {
  /** Declared event types and their codecs; null: any type name, default codec. */
  events: ReadonlyMap<string, Codec> | null
  eventType: (event: unknown) => string
  snapshotType: string
  snapshotCodec: Codec
  skipUnknownTypes: boolean
}

/** The default event type name: a string `type` field, else the class name. */
export function defaultEventType(event: unknown): string {
  if (event !== null && typeof event === 'object') {
    const t = (event as { type?: unknown }).type
    if (typeof t === 'string' && t.length > 0) return t
    const ctor = (event as object).constructor
    if (typeof ctor === 'function' && ctor !== Object && ctor.name.length > 0) return ctor.name
  }
  throw new TypeError('cannot tell the type of this event: give it a string `type` field, make it a class instance, or set persistence.eventType')
}

/** @internal Encodes and decodes the events and snapshots of one actor type. */
export class TypeRegistry {
  constructor(readonly settings: TypeSettings) {}

  /** Type name and bytes of an event. Rejects undeclared types (`InvalidArgument`) and codec failures (`Codec`). */
  encodeEvent(persistenceId: string, event: unknown): { type: string; bytes: Uint8Array } {
    let type: string
    try {
      type = this.settings.eventType(event)
    } catch (e) {
      throw new PersistenceError('InvalidArgument', errorText(e), { persistenceId, cause: e })
    }
    const codec = this.codecFor(type)
    if (codec === undefined) {
      throw new PersistenceError('InvalidArgument', `event type '${type}' is not declared in persistence.events`, { persistenceId })
    }
    return { type, bytes: run(persistenceId, `encoding event '${type}'`, () => codec.encode(event)) }
  }

  /** The codec of a stored event type, undefined when the type is not declared. */
  codecFor(type: string): Codec | undefined {
    const events = this.settings.events
    return events === null ? msgpackCodec : events.get(type)
  }

  decodeEvent(persistenceId: string, sequence: number, type: string, bytes: Uint8Array, codec: Codec): unknown {
    return run(persistenceId, `decoding event '${type}' at sequence ${sequence}`, () => codec.decode(bytes), sequence)
  }

  encodeSnapshot(persistenceId: string, state: unknown): { type: string; bytes: Uint8Array } {
    const { snapshotType, snapshotCodec } = this.settings
    return { type: snapshotType, bytes: run(persistenceId, 'encoding the snapshot', () => snapshotCodec.encode(state)) }
  }

  decodeSnapshot(persistenceId: string, sequence: number, bytes: Uint8Array): unknown {
    return run(persistenceId, `decoding the snapshot at sequence ${sequence}`, () => this.settings.snapshotCodec.decode(bytes), sequence)
  }
}

function run<T>(persistenceId: string, what: string, fn: () => T, sequence?: number): T {
  try {
    return fn()
  } catch (e) {
    throw new PersistenceError('Codec', `${what} failed: ${errorText(e)}`, { persistenceId, sequence, cause: e })
  }
}
