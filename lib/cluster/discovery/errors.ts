/**
 * Typed errors of peer discovery. Each code names a failure an operator can act on, and the
 * message says what to do (which RBAC verbs, which namespace, which pod field).
 */

/** Stable error codes. Compare `err.code` against these, never the message text. */
export const DiscoveryErrorCode = {
  /** The API server (or DNS server) could not be reached: refused, timed out, TLS failure. */
  Unreachable: 'Unreachable',
  /** 401: the credentials were rejected. */
  Unauthorized: 'Unauthorized',
  /** 403: the identity may not get/list/watch pods in the namespace. */
  Forbidden: 'Forbidden',
  /** The namespace does not exist. */
  NamespaceNotFound: 'NamespaceNotFound',
  /** Hostname mode, but a ready pod has no `spec.hostname` or `spec.subdomain`. */
  HostnameMissing: 'HostnameMissing',
  /** No usable Kubernetes configuration (no kubeconfig, no service account). */
  NoConfig: 'NoConfig',
  /** Any other API answer (5xx, malformed response). */
  ApiError: 'ApiError',
  /** DNS answered, but not with usable records (NXDOMAIN, no SRV records). */
  DnsError: 'DnsError',
} as const

/** One of the {@link DiscoveryErrorCode} values. */
export type DiscoveryErrorCode = (typeof DiscoveryErrorCode)[keyof typeof DiscoveryErrorCode]

/** Extra facts about a {@link DiscoveryError}. */
export interface DiscoveryErrorDetails {
  /** HTTP status of the API answer, when there was one. */
  status?: number
  /** Namespace the request was about. */
  namespace?: string
  cause?: unknown
}

/**
 * The one error class of discovery. `code` says what went wrong, the message what to do.
 *
 * @example
 * try { await discovery.discover() } catch (e) {
 *   if (isDiscoveryError(e, 'Forbidden')) console.error(e.message) // names the RBAC verbs
 * }
 */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError'
  readonly code: DiscoveryErrorCode
  readonly status: number | undefined
  readonly namespace: string | undefined

  constructor(code: DiscoveryErrorCode, message: string, details: DiscoveryErrorDetails = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.status = details.status
    this.namespace = details.namespace
  }
}

/** True when `e` is a {@link DiscoveryError}, optionally with the given code. */
export function isDiscoveryError(e: unknown, code?: DiscoveryErrorCode): e is DiscoveryError {
  return e instanceof DiscoveryError && (code === undefined || e.code === code)
}
