/**
 * A spawn record crossing a thread: its constructor arguments are encoded (msgpackr) on the
 * way out, with typed errors for what cannot go, and decoded on the thread that builds the actor.
 */
import { ActorRefError } from '../actor/errors.js'
import { checkTransferable, type SpawnRecord } from '../actor/spawn-record.js'
import { decode, encodeCopy, NotEncodableError, type RefResolver } from './transport/codec.js'

/**
 * The record with its arguments encoded, ready for `postMessage`. Throws `NotSupported` for a
 * supervision decider function and `Serialization` for arguments msgpack cannot carry;
 * `where` names the destination in those messages.
 */
export function encodeForTransfer<R extends SpawnRecord>(record: R, where: string, deciderHint = ''): R {
  checkTransferable(record, `${where}${deciderHint}`)
  if (record.args instanceof Uint8Array) return record
  try {
    return { ...record, args: encodeCopy(record.args) }
  } catch (e) {
    if (!(e instanceof NotEncodableError)) throw e
    throw new ActorRefError('Serialization', `constructor arguments cannot be sent to ${where}: ${e.message}`, {
      ...(record.id !== undefined ? { actorId: record.id } : {}),
      actorType: record.actorType,
      cause: e,
    })
  }
}

/** The record's constructor arguments as values (decoding them when they crossed a thread). */
export function argsOf(record: SpawnRecord, refs: RefResolver | null): readonly unknown[] {
  const a = record.args
  return a instanceof Uint8Array ? (decode(a, 0, a.length, refs) as unknown[]) : a
}
