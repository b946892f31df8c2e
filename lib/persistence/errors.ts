/**
 * Typed errors of the persistence module. Every failure carries a stable `code`, the
 * persistence id it concerns and, where there is one, the sequence number involved.
 */

/** Stable error codes. Compare `err.code` against these, never the message text. */
export const PersistenceErrorCode = {
  /** Another writer appended to the journal (a second incarnation, a stale node). Never retried. */
  Conflict: 'Conflict',
  /** The storage failed an operation (connection lost, timeout, server error). */
  StorageFailed: 'StorageFailed',
  /** A persist gave up after the retries its policy allows; `cause` is the last failure. */
  PersistFailed: 'PersistFailed',
  /** Recovery gave up (policy `stop`, attempts spent, or a failure retrying cannot fix). */
  RecoveryFailed: 'RecoveryFailed',
  /** A stored entry names a type the actor does not declare. */
  UnknownType: 'UnknownType',
  /** An event or snapshot could not be encoded or decoded. */
  Codec: 'Codec',
  /** The stored journal is inconsistent, e.g. events missing between the snapshot and the rest. */
  Corrupted: 'Corrupted',
  /** A bad argument or option (non-contiguous batch, undeclared event type, bad sequence). */
  InvalidArgument: 'InvalidArgument',
  /** The journal or storage is closed (the actor stopped, the system shut down). */
  Closed: 'Closed',
  /**
   * The journal's highest sequence is below what this actor already saw stored: the storage
   * lost data (Redis restarted without persistence, a database restored from an old backup).
   * Never retried; the actor stops rather than start over from the empty journal.
   */
  JournalRegressed: 'JournalRegressed',
  /**
   * The SQL schema is missing or older than this version needs. Run
   * `npx coerce-ts journal migrate --url <url>` (or set `autoMigrate: true`).
   */
  SchemaOutdated: 'SchemaOutdated',
} as const

/** One of the {@link PersistenceErrorCode} values. */
export type PersistenceErrorCode = (typeof PersistenceErrorCode)[keyof typeof PersistenceErrorCode]

/** Where a {@link PersistenceError} happened. */
export interface PersistenceErrorDetails {
  persistenceId?: string
  sequence?: number
  /** The last sequence the writer expected (`Conflict`, `JournalRegressed`). */
  expected?: number
  /** The last sequence found stored (`Conflict`, `JournalRegressed`). */
  found?: number
  cause?: unknown
}

/**
 * The one error class of the persistence module.
 *
 * @example
 * try { await ref.ask('deposit', 10) } catch (e) {
 *   if (e instanceof PersistenceError && e.code === 'Conflict') console.log('another node owns', e.persistenceId)
 * }
 */
export class PersistenceError extends Error {
  override readonly name = 'PersistenceError'
  readonly code: PersistenceErrorCode
  readonly persistenceId: string | undefined
  readonly sequence: number | undefined
  /** The last sequence the writer expected (`Conflict`, `JournalRegressed`). */
  readonly expected: number | undefined
  /** The last sequence found stored (`Conflict`, `JournalRegressed`). */
  readonly found: number | undefined
  /** The message without the code and location, for wrapping into another error's message. */
  readonly detail: string

  constructor(code: PersistenceErrorCode, message: string, details: PersistenceErrorDetails = {}) {
    super(describe(code, message, details), details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.detail = message
    this.persistenceId = details.persistenceId
    this.sequence = details.sequence
    this.expected = details.expected
    this.found = details.found
  }
}

function describe(code: PersistenceErrorCode, message: string, d: PersistenceErrorDetails): string {
  const where: string[] = []
  if (d.persistenceId !== undefined) where.push(`persistenceId '${d.persistenceId}'`)
  if (d.sequence !== undefined) where.push(`sequence ${d.sequence}`)
  return where.length > 0 ? `${code}: ${message} [${where.join(', ')}]` : `${code}: ${message}`
}

/** True when `e` is a {@link PersistenceError}, optionally with the given code. */
export function isPersistenceError(e: unknown, code?: PersistenceErrorCode): e is PersistenceError {
  return e instanceof PersistenceError && (code === undefined || e.code === code)
}

/** @internal The text of any thrown value, for messages. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
