/**
 * The logging seam. The runtime logs through the small `Logger` interface so applications can
 * plug in their own logger (a pino logger fits as is). The default is pino writing JSON lines
 * to stderr at `warn` and above. `actorLogger` binds an actor's identity to a logger and adds
 * the running handler to each line, paying nothing for lines below the level.
 */
import { pino } from 'pino'

/** Log levels, most verbose first; `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'

/** The levels in order, for validation. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent']

/**
 * A structured logger: an object of fields, then a message. pino loggers satisfy it.
 *
 * The optional members let the runtime do less work: with `isLevelEnabled` a disabled line
 * costs one call and builds no fields; with `child` an actor's fixed fields are bound (and, in
 * pino, serialised) once instead of being merged into every line; `bindings` tells which fields
 * are already bound so they are not written twice.
 */
export interface Logger {
  trace(fields: object, message: string): void
  debug(fields: object, message: string): void
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
  /** False when a line at `level` would be dropped. */
  isLevelEnabled?(level: LogLevel): boolean
  /** A logger whose every line also carries `bindings`. */
  child?(bindings: Record<string, unknown>): Logger
  /** The fields every line of this logger already carries. */
  bindings?(): Record<string, unknown>
}

/** True when `v` names a {@link LogLevel}. */
export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v)
}

/**
 * A pino logger writing JSON lines to `process.stderr`: `level` as its name, `time` in epoch
 * milliseconds, the `base` fields, then the line's fields and `msg`. Errors under `err` are
 * written with type, message and stack. Default level `warn`.
 */
export function consoleLogger(level: LogLevel = 'warn', base: Record<string, unknown> = {}): Logger {
  // process.stderr (not a raw fd) keeps ordering with other stderr output and lets tests capture it.
  return pino(
    { level, base, formatters: { level: (label: string) => ({ level: label }) } },
    process.stderr,
  )
}

/** Where {@link actorLogger} reads the handler that is running now (an actor cell fits). */
export interface HandlerSource {
  readonly currentHandler: string | undefined
}

/** Levels that write lines, in the order of the {@link Logger} methods. */
const WRITING_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const

/**
 * A logger for one actor: every line carries `bindings` (actor id, type, node id) and, while a
 * handler runs, `handler` read from `source` at the moment of the call, so lines logged after
 * an `await` inside an async handler still name it. A line below the base logger's level
 * returns before any field is built. Fields already bound in `base` with the same value are not
 * repeated.
 */
export function actorLogger(base: Logger, bindings: Record<string, unknown>, source: HandlerSource): Logger {
  const bound = base.bindings?.() ?? {}
  const own: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(bindings)) if (bound[k] !== v) own[k] = v
  const target = base.child !== undefined ? base.child(own) : mergingLogger(base, own)
  const enabled = base.isLevelEnabled?.bind(base) ?? ((): boolean => true)
  const logger = {} as Record<(typeof WRITING_LEVELS)[number], (fields: object, message: string) => void>
  for (const level of WRITING_LEVELS) {
    logger[level] = (fields, message) => {
      if (!enabled(level)) return
      const handler = source.currentHandler
      target[level](handler === undefined ? fields : { handler, ...fields }, message)
    }
  }
  return { ...logger, isLevelEnabled: (level) => enabled(level), bindings: () => ({ ...bound, ...own }) }
}

/** A logger that merges `fields` into each line of `base` (for loggers without `child`). */
function mergingLogger(base: Logger, fields: Record<string, unknown>): Logger {
  return {
    trace: (f, m) => base.trace({ ...fields, ...f }, m),
    debug: (f, m) => base.debug({ ...fields, ...f }, m),
    info: (f, m) => base.info({ ...fields, ...f }, m),
    warn: (f, m) => base.warn({ ...fields, ...f }, m),
    error: (f, m) => base.error({ ...fields, ...f }, m),
  }
}
