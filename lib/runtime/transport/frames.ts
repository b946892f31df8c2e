/**
 * The frames threads (and, through a forwarding link, nodes) exchange. A frame is a fixed
 * 16-byte routing header followed by a msgpackr-encoded array whose first element repeats the
 * kind (so a payload decodes on its own). A forwarding thread routes by the header alone and
 * never decodes the payload.
 *
 * Header, little-endian:
 * | offset | size | field |
 * |---|---|---|
 * | 0 | u8 | kind (`F_*`) |
 * | 1 | u8 | reserved (0) |
 * | 2 | u16 | origin node slot (0: this node; slots are per hop, a forwarder rewrites them) |
 * | 4 | u16 | origin thread (where replies and notices go back to) |
 * | 6 | u16 | target node slot |
 * | 8 | u16 | target thread |
 * | 10 | u16 | reserved (0) |
 * | 12 | u32 | request id (asks, replies, stops, describes; 0 otherwise) |
 *
 * User frames (tell, ask) travel on the bounded user lane; everything else on the system lane,
 * which is never blocked behind user traffic and never dropped.
 */
import type { ErrorData } from './codec.js'
import type { DescribeOptions } from '../../actor/describe.js'
import type { TerminationReason } from '../../actor/terminated.js'
import type { ActorRef } from '../../actor/ref.js'

/** Bytes of the routing header in front of every frame's payload. */
export const FRAME_HEADER_BYTES = 16

/**
 * A peer of a thread: another thread of this node (`node slot 0`, the number is the thread) or
 * a thread of another node (`slot * 65536 + thread`). One number, so tables keyed by thread
 * before remoting stay keyed the same way.
 */
export type PeerId = number
export const peerId = (slot: number, thread: number): PeerId => slot * 65536 + thread
export const slotOfPeer = (peer: PeerId): number => Math.floor(peer / 65536)
export const threadOfPeer = (peer: PeerId): number => peer % 65536

/** Writes the routing header into `buf[at, at + 16)`. */
export function writeFrameHeader(buf: Uint8Array, at: number, kind: number, from: PeerId, to: PeerId, requestId: number): void {
  const fromSlot = slotOfPeer(from)
  const fromThread = threadOfPeer(from)
  const toSlot = slotOfPeer(to)
  const toThread = threadOfPeer(to)
  buf[at] = kind
  buf[at + 1] = 0
  buf[at + 2] = fromSlot & 0xff
  buf[at + 3] = fromSlot >>> 8
  buf[at + 4] = fromThread & 0xff
  buf[at + 5] = fromThread >>> 8
  buf[at + 6] = toSlot & 0xff
  buf[at + 7] = toSlot >>> 8
  buf[at + 8] = toThread & 0xff
  buf[at + 9] = toThread >>> 8
  buf[at + 10] = 0
  buf[at + 11] = 0
  buf[at + 12] = requestId & 0xff
  buf[at + 13] = (requestId >>> 8) & 0xff
  buf[at + 14] = (requestId >>> 16) & 0xff
  buf[at + 15] = requestId >>> 24
}

const u16 = (b: Uint8Array, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8)

/** The header's fields, read without touching the payload. */
export const frameKind = (b: Uint8Array, at: number): number => b[at] as number
export const frameOrigin = (b: Uint8Array, at: number): PeerId => peerId(u16(b, at + 2), u16(b, at + 4))
export const frameTarget = (b: Uint8Array, at: number): PeerId => peerId(u16(b, at + 6), u16(b, at + 8))
export const frameRequestId = (b: Uint8Array, at: number): number => (u16(b, at + 12) | (u16(b, at + 14) << 16)) >>> 0

/** Rewrites the node slots of a frame in place (a forwarder moving it to another node's numbering). */
export function rewriteFrameSlots(b: Uint8Array, at: number, originSlot: number, targetSlot: number): void {
  b[at + 2] = originSlot & 0xff
  b[at + 3] = originSlot >>> 8
  b[at + 6] = targetSlot & 0xff
  b[at + 7] = targetSlot >>> 8
}

export const F_TELL = 1
export const F_ASK = 2
export const F_REPLY = 3
export const F_FAIL = 4
export const F_STOP = 5
export const F_WATCH = 6
export const F_UNWATCH = 7
export const F_TERMINATED = 8
export const F_CHILD_TERMINATED = 9
export const F_ESCALATE = 10
export const F_RESUME = 11
export const F_DESCRIBE = 12
export const F_FAIL_MANY = 13
/** Many replies to one thread of this node in one frame: `[F_REPLY_MANY, id1, value1, id2, value2, ...]`. */
export const F_REPLY_MANY = 14

/** A Terminated notice on the wire (the ref travels as a ref: its address names node and thread). */
export interface NoticeData {
  id: string
  path: string
  actorType: string
  ref: ActorRef
  reason: TerminationReason
  error?: unknown
}

export type TellFrame = [typeof F_TELL, targetId: string, handler: string, args: unknown[]]
/** `deadline`: when the caller stops waiting, in ms since the epoch (`performance.timeOrigin + performance.now()`). */
export type AskFrame = [typeof F_ASK, targetId: string, handler: string, args: unknown[], requestId: number, deadline: number]
export type ReplyFrame = [typeof F_REPLY, requestId: number, value: unknown]
export type FailFrame = [typeof F_FAIL, requestId: number, error: ErrorData]
/** One error for many asks (a stopping actor's backlog): one frame instead of one per ask. */
export type FailManyFrame = [typeof F_FAIL_MANY, requestIds: number[], error: ErrorData]
/** Written by `ReplyBatcher` (request id and value pairs, flat), never built as an array. */
export type ReplyManyFrame = [typeof F_REPLY_MANY, ...idsAndValues: unknown[]]
/** requestId 0: no acknowledgement wanted. */
export type StopFrame = [typeof F_STOP, targetId: string, reason: TerminationReason, requestId: number]
export type WatchFrame = [typeof F_WATCH, targetId: string, watchId: number]
export type UnwatchFrame = [typeof F_UNWATCH, targetId: string, watchId: number]
export type TerminatedFrame = [typeof F_TERMINATED, watchId: number, notice: NoticeData]
export type ChildTerminatedFrame = [typeof F_CHILD_TERMINATED, parentId: string, notice: NoticeData]
export type EscalateFrame = [typeof F_ESCALATE, parentId: string, childId: string, error: ErrorData, handler: string]
export type ResumeFrame = [typeof F_RESUME, childId: string]
export type DescribeFrame = [typeof F_DESCRIBE, targetId: string, options: Required<DescribeOptions>, depth: number, requestId: number]

/** The request id a frame carries (0 for kinds without one), for its header. */
export function requestIdOf(f: Frame): number {
  switch (f[0]) {
    case F_ASK:
    case F_DESCRIBE:
      return f[4]
    case F_REPLY:
    case F_FAIL:
      return f[1]
    case F_STOP:
      return f[3]
    default:
      return 0
  }
}

export type Frame =
  | TellFrame
  | AskFrame
  | ReplyFrame
  | FailFrame
  | FailManyFrame
  | ReplyManyFrame
  | StopFrame
  | WatchFrame
  | UnwatchFrame
  | TerminatedFrame
  | ChildTerminatedFrame
  | EscalateFrame
  | ResumeFrame
  | DescribeFrame

/** Ring frame flags: whole frames, or chunks of a frame too large for one ring slot. */
export const CHUNK_NONE = 0
export const CHUNK_FIRST = 1
export const CHUNK_MIDDLE = 2
export const CHUNK_LAST = 3
