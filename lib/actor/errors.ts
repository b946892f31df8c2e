/**
 * Typed errors of the actor runtime. Every failure a caller can see carries a stable `code`,
 * the actor it concerns and, where there is one, the handler (message type) involved.
 */
import { registerErrorClass } from './error-registry.js'

/** Stable error codes. Compare `err.code` against these, never the message text. */
export const ActorErrorCode = {
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Timeout: 'Timeout',
  Stopped: 'Stopped',
  StartFailed: 'StartFailed',
  NotSupported: 'NotSupported',
  Serialization: 'Serialization',
  MailboxFull: 'MailboxFull',
  WorkerLost: 'WorkerLost',
  TypeMismatch: 'TypeMismatch',
  InvalidArgument: 'InvalidArgument',
  SystemShutdown: 'SystemShutdown',
  /** The node hosting the actor is down, left, or cannot be reached (no connection, or its send buffer is full). */
  NodeUnreachable: 'NodeUnreachable',
} as const

/** One of the {@link ActorErrorCode} values. */
export type ActorErrorCode = (typeof ActorErrorCode)[keyof typeof ActorErrorCode]

/** Where an {@link ActorRefError} happened. */
export interface ActorErrorDetails {
  actorId?: string
  actorType?: string
  handler?: string
  cause?: unknown
}

/**
 * The one error class of the actor runtime. `code` says what went wrong; `actorId`,
 * `actorType` and `handler` say where. The message repeats them for logs.
 *
 * @example
 * try { await ref.ask('get') } catch (e) {
 *   if (e instanceof ActorRefError && e.code === 'Timeout') retry()
 * }
 */
export class ActorRefError extends Error {
  override readonly name = 'ActorRefError'
  readonly code: ActorErrorCode
  readonly actorId: string | undefined
  readonly actorType: string | undefined
  readonly handler: string | undefined

  constructor(code: ActorErrorCode, message: string, details: ActorErrorDetails = {}) {
    super(describe(code, message, details), details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.actorId = details.actorId
    this.actorType = details.actorType
    this.handler = details.handler
  }
}

function describe(code: ActorErrorCode, message: string, d: ActorErrorDetails): string {
  const where: string[] = []
  if (d.actorId !== undefined) where.push(`actor '${d.actorId}'${d.actorType ? ` (${d.actorType})` : ''}`)
  else if (d.actorType !== undefined) where.push(`actor type ${d.actorType}`)
  if (d.handler !== undefined) where.push(`handler '${d.handler}'`)
  return where.length > 0 ? `${code}: ${message} [${where.join(', ')}]` : `${code}: ${message}`
}

registerErrorClass(ActorRefError)

/** True when `e` is an {@link ActorRefError}, optionally with the given code. */
export function isActorRefError(e: unknown, code?: ActorErrorCode): e is ActorRefError {
  return e instanceof ActorRefError && (code === undefined || e.code === code)
}
