/**
 * The harness's one error class. A scenario's own failure is reported as it was thrown; these
 * codes cover what the harness itself detects: time bounds, bad scenario files, lost children,
 * and second processes (child nodes) that fail.
 */

/** Stable error codes of the benchmark harness. */
export const BenchErrorCode = {
  /** A scenario ran past its time bound. */
  Timeout: 'Timeout',
  /** A scenario file's default export is not a valid `Scenario[]`, or names collide. */
  InvalidScenario: 'InvalidScenario',
  /** A repetition returned a measurement the harness cannot report. */
  InvalidMeasurement: 'InvalidMeasurement',
  /** The child process running an isolated scenario died or was killed without a result. */
  ChildLost: 'ChildLost',
  /** Bad command-line arguments. */
  BadArguments: 'BadArguments',
  /** A second process a scenario starts (bench/lib/child-node.ts) did not start, died or did not stop cleanly. */
  ChildNode: 'ChildNode',
} as const

/** One of the {@link BenchErrorCode} values. */
export type BenchErrorCode = (typeof BenchErrorCode)[keyof typeof BenchErrorCode]

/** An error the harness raises; `code` says which. */
export class BenchError extends Error {
  override readonly name = 'BenchError'
  readonly code: BenchErrorCode

  constructor(code: BenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options)
    this.code = code
  }
}

/** A one-line description of anything thrown, for tables and JSON. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    const text = e.message.length > 0 ? e.message : e.name
    return typeof code === 'string' && !(e instanceof BenchError) && !text.includes(code) ? `${code}: ${text}` : text
  }
  return String(e)
}
