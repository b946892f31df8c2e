/** Typed errors of joining and running a cluster: each code names what an operator can fix. */

/** Stable error codes. Compare `err.code` against these, never the message text. */
export const ClusterErrorCode = {
  /** The cluster port could not be bound (in use, no permission, bad address). */
  ListenFailed: 'ListenFailed',
  /** No seed (or discovered peer) answered within `joinTimeoutMs`. */
  JoinTimeout: 'JoinTimeout',
  /** The peers refused this node's token, or this node refused theirs: the secrets differ. */
  AuthFailed: 'AuthFailed',
  /** The peers speak another protocol version. */
  IncompatibleProtocol: 'IncompatibleProtocol',
  /** The cluster options are invalid. */
  InvalidConfig: 'InvalidConfig',
} as const

export type ClusterErrorCode = (typeof ClusterErrorCode)[keyof typeof ClusterErrorCode]

/**
 * The error class of the cluster module (joining, listening). Failures of messages to other
 * nodes are `ActorRefError`s (`NodeUnreachable`), like any other message failure.
 *
 * @example
 * try { await ActorSystem.start({ cluster: { secret, seeds: ['10.0.0.1:30101'] } }) } catch (e) {
 *   if (e instanceof ClusterError && e.code === 'AuthFailed') console.error('check COERCE_CLUSTER_SECRET')
 * }
 */
export class ClusterError extends Error {
  override readonly name = 'ClusterError'
  readonly code: ClusterErrorCode

  constructor(code: ClusterErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options)
    this.code = code
  }
}
