/**
 * The sharded chat's vocabulary: the message a stream stores and publishes, its typed error, the
 * limits on names and text, and the WebSocket protocol's frames (docs/chat.md describes them).
 * No behaviour beyond validation lives here; the entity and the gateway both use it.
 */
import { defineTopic, registerErrorClass } from '../../lib/index.js'

/** A stored chat message. `seq` starts at 1 per stream and has no gaps. */
export interface ChatMessage {
  stream: string
  seq: number
  from: string
  text: string
  /** When the stream stored it: milliseconds since the epoch. */
  at: number
}

/** The pub/sub topic every stream publishes its new messages on, keyed by stream id. */
export const chatTopic = defineTopic<ChatMessage>('chat')

/** Longest message text, in characters (UTF-16 code units). */
export const MAX_TEXT_LENGTH = 2000
/** Longest user name, in characters. */
export const MAX_USER_LENGTH = 32
/** Longest stream id, in characters. */
export const MAX_STREAM_LENGTH = 64
/** Messages `join` returns at most: the latest ones. */
export const HISTORY_LIMIT = 500
/** Largest WebSocket frame the gateway reads; a larger one gets `frame_too_large`. */
export const MAX_FRAME_BYTES = 16 * 1024

/** Stable error codes, in `error` frames and on {@link ChatError}. */
export type ChatErrorCode =
  | 'bad_json'
  | 'bad_request'
  | 'unknown_type'
  | 'frame_too_large'
  | 'invalid_stream'
  | 'invalid_user'
  | 'invalid_text'
  | 'not_joined'
  | 'already_joined'
  | 'unavailable'

/** A refused chat request: `code` says why. Registered, so it keeps its class across threads and nodes. */
export class ChatError extends Error {
  override readonly name = 'ChatError'
  constructor(
    readonly code: ChatErrorCode,
    message: string,
  ) {
    super(message)
  }
}
registerErrorClass(ChatError)

/** True when `e` is a {@link ChatError} (also one rebuilt after crossing a node). */
export function isChatError(e: unknown): e is ChatError {
  return e instanceof ChatError || (e instanceof Error && e.name === 'ChatError' && typeof (e as { code?: unknown }).code === 'string')
}

const STREAM_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
// Letters, digits, marks, and a few separators; no control characters, no leading/trailing space.
const USER_RE = /^[\p{L}\p{N}\p{M}_.-](?:[\p{L}\p{N}\p{M}_. -]*[\p{L}\p{N}\p{M}_.-])?$/u

/** Throws `invalid_stream` unless `stream` is 1-64 characters of letters, digits, `_`, `.`, `-` (not leading). */
export function checkStream(stream: unknown): string {
  if (typeof stream !== 'string' || stream.length === 0 || stream.length > MAX_STREAM_LENGTH || !STREAM_RE.test(stream)) {
    throw new ChatError('invalid_stream', `stream must be 1-${MAX_STREAM_LENGTH} characters: letters, digits, '_', '.', '-' (not first)`)
  }
  return stream
}

/** Throws `invalid_user` unless `user` is 1-32 letters, digits, marks, `_`, `.`, `-` or inner spaces. */
export function checkUser(user: unknown): string {
  if (typeof user !== 'string' || user.length === 0 || user.length > MAX_USER_LENGTH || !USER_RE.test(user)) {
    throw new ChatError('invalid_user', `user must be 1-${MAX_USER_LENGTH} characters: letters, digits, '_', '.', '-', inner spaces`)
  }
  return user
}

/** Throws `invalid_text` unless `text` is a string of 1-2000 characters that is not only white space. */
export function checkText(text: unknown): string {
  if (typeof text !== 'string' || text.trim().length === 0 || text.length > MAX_TEXT_LENGTH) {
    throw new ChatError('invalid_text', `text must be 1-${MAX_TEXT_LENGTH} characters, not only white space`)
  }
  return text
}

// --- WebSocket frames (JSON text frames) ----------------------------------------------------

/** Client to server. */
export type ClientFrame =
  | { type: 'join'; stream: string; user: string }
  | { type: 'post'; stream: string; text: string }
  | { type: 'leave'; stream: string }

/** Server to client. */
export type ServerFrame =
  | { type: 'history'; stream: string; messages: ChatMessage[] }
  | ({ type: 'message' } & ChatMessage)
  | { type: 'left'; stream: string }
  | { type: 'error'; code: ChatErrorCode; message: string; request?: string; stream?: string }
