/**
 * What a CLI command gets from its entry point, so commands run (and are tested) without
 * touching process globals.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util'

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>

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

/**
 * Parses `args` as `--flag` options only (strict, no positionals): the values, or the error's
 * first line (parseArgs explains some errors over several lines: the first says what is wrong).
 */
export function parseFlags<const T extends ParseArgsOptionsConfig>(args: string[], options: T): { values: ParsedFlags<T> } | { error: string } {
  try {
    return { values: parseArgs({ args, strict: true, allowPositionals: false, options }).values as ParsedFlags<T> }
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] as string }
  }
}

/** The values `parseFlags` returns for `options`. */
export type ParsedFlags<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: T }>>['values']
