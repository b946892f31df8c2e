/**
 * Typed errors of the HTTP API: failures to start it, bad registrations, and the request
 * errors that become JSON error responses with their HTTP status.
 */

/** Stable error codes of the HTTP API. Compare `err.code` against these, never the message text. */
export const ApiErrorCode = {
  /** A query parameter is missing, malformed or out of range (HTTP 400). */
  BadRequest: 'BadRequest',
  /** No route has this path (HTTP 404). */
  NotFound: 'NotFound',
  /** The path exists but not for this method (HTTP 405). */
  MethodNotAllowed: 'MethodNotAllowed',
  /** The request's headers exceed the server's limit (HTTP 431). */
  HeadersTooLarge: 'HeadersTooLarge',
  /** A route failed unexpectedly (HTTP 500). */
  Internal: 'Internal',
  /** The server could not bind its address (port taken, bad host). */
  ListenFailed: 'ListenFailed',
  /** A route, health check or option is invalid (a programming error, thrown at once). */
  InvalidArgument: 'InvalidArgument',
  /** A route or health check with this name is already registered. */
  AlreadyExists: 'AlreadyExists',
} as const

/** One of the {@link ApiErrorCode} values. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode]

const STATUS: Record<ApiErrorCode, number> = {
  BadRequest: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  HeadersTooLarge: 431,
  Internal: 500,
  ListenFailed: 500,
  InvalidArgument: 500,
  AlreadyExists: 500,
}

/**
 * The one error class of the HTTP API. `status` is the HTTP status a route answers with when
 * it throws this error; the JSON body is `{ error: { code, message } }`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly code: ApiErrorCode
  readonly status: number

  constructor(code: ApiErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = STATUS[code]
  }

  /** The message without the code prefix, as sent in error bodies. */
  get detail(): string {
    return this.message.slice(this.code.length + 2)
  }
}

/** True when `e` is an {@link ApiError}, optionally with the given code. */
export function isApiError(e: unknown, code?: ApiErrorCode): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code)
}
