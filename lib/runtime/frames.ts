/**
 * The frames threads exchange through their rings. Each frame is one msgpackr-encoded array
 * whose first element is its kind. The sending thread is implied by the ring it came through.
 * User frames (tell, ask) travel on the bounded user ring; everything else on the system ring,
 * which is never blocked behind user traffic and never dropped.
 */
import type { ErrorData } from './codec.js'
import type { DescribeOptions } from '../actor/describe.js'
import type { TerminationReason } from '../actor/terminated.js'

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

/** A Terminated notice on the wire (the ref is rebuilt from id, type, path and thread). */
export interface NoticeData {
  id: string
  path: string
  actorType: string
  thread: number
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
/** requestId 0: no acknowledgement wanted. */
export type StopFrame = [typeof F_STOP, targetId: string, reason: TerminationReason, requestId: number]
export type WatchFrame = [typeof F_WATCH, targetId: string, watchId: number]
export type UnwatchFrame = [typeof F_UNWATCH, targetId: string, watchId: number]
export type TerminatedFrame = [typeof F_TERMINATED, watchId: number, notice: NoticeData]
export type ChildTerminatedFrame = [typeof F_CHILD_TERMINATED, parentId: string, notice: NoticeData]
export type EscalateFrame = [typeof F_ESCALATE, parentId: string, childId: string, error: ErrorData, handler: string]
export type ResumeFrame = [typeof F_RESUME, childId: string]
export type DescribeFrame = [typeof F_DESCRIBE, targetId: string, options: Required<DescribeOptions>, depth: number, requestId: number]

export type Frame =
  | TellFrame
  | AskFrame
  | ReplyFrame
  | FailFrame
  | FailManyFrame
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
