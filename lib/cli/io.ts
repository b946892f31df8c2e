/**
 * What a CLI command gets from its entry point, so commands run (and are tested) without
 * touching process globals.
 */

/** Output streams, environment and a stop signal (SIGINT/SIGTERM in the real entry). */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: NodeJS.ProcessEnv
  /** Aborted when the user asks to stop (Ctrl-C); ends `--watch`. */
  signal?: AbortSignal
}

/** Exit codes: success, a failure of the operation, a usage error, stopped by Ctrl-C (128 + SIGINT). */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2, Interrupted: 130 } as const
