/**
 * The wire format of the raw-ws baselines (`baseline.ws.*`), shared by the scenario side
 * (bench/scenarios/remote.ts) and its child process (bench/fixtures/ws-counter.ts): msgpackr
 * messages shaped like the runtime's own frames (lib/runtime/transport/frames.ts: kind, target
 * id, handler, args, and for an ask its request id and deadline), each behind a 4-byte length,
 * many to one WebSocket message. So the baseline pays what a remoting layer cannot avoid (one
 * encode and one decode per message, a batch per socket write) and nothing else: no protobuf
 * envelope, no routing, no actor.
 */
import { Packr } from 'msgpackr'

export const KIND_TELL = 0
export const KIND_ASK = 1
export const KIND_REPLY = 2

export type TellMessage = [typeof KIND_TELL, targetId: string, handler: string, args: unknown[]]
/** `deadline`: when the caller stops waiting, ms since the epoch (the child does not enforce it). */
export type AskMessage = [typeof KIND_ASK, targetId: string, handler: string, args: unknown[], requestId: number, deadline: number]
export type ReplyMessage = [typeof KIND_REPLY, requestId: number, value: unknown]
export type WsMessage = TellMessage | AskMessage | ReplyMessage

/** Messages per WebSocket message in the tell baseline (the batch the network thread aims at). */
export const BATCH_MESSAGES = 100

/** Plain maps, as the runtime's codec: records would need both ends to agree on structures. */
const packr = new Packr({ useRecords: false })
const LENGTH_BYTES = 4
/** Room for a batch of small messages before the buffer has to grow, bytes. */
const INITIAL_BYTES = 4 * 1024

/** Collects length-prefixed messages into one WebSocket message. */
export class BatchWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES)
  private used = 0
  /** Messages in the batch so far. */
  count = 0

  /** Encodes `message` at the end of the batch. */
  add(message: WsMessage): void {
    // pack() returns a view into msgpackr's reused buffer: copied into ours at once.
    const bytes = packr.pack(message)
    const need = this.used + LENGTH_BYTES + bytes.length
    if (need > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buffer.length * 2))
      this.buffer.copy(grown, 0, 0, this.used)
      this.buffer = grown
    }
    this.buffer.writeUInt32LE(bytes.length, this.used)
    this.buffer.set(bytes, this.used + LENGTH_BYTES)
    this.used = need
    this.count++
  }

  /**
   * The batch as a buffer of its own, and an empty batch. A copy because `ws` keeps what it is
   * given until the socket took it, and a client masks it in place.
   */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.used)
    this.buffer.copy(out, 0, 0, this.used)
    this.used = 0
    this.count = 0
    return out
  }
}

/** Decodes every message of a batch in place and hands each to `each`; returns how many. */
export function readBatch(data: Buffer, each: (message: WsMessage) => void): number {
  let offset = 0
  let count = 0
  while (offset + LENGTH_BYTES <= data.length) {
    const start = offset + LENGTH_BYTES
    const end = start + data.readUInt32LE(offset)
    if (end > data.length) throw new RangeError(`a batch message runs past the end of its frame (${end} > ${data.length})`)
    each(packr.unpack(data, { start, end }) as WsMessage)
    offset = end
    count++
  }
  if (offset !== data.length) throw new RangeError(`${data.length - offset} stray bytes at the end of a batch`)
  return count
}
