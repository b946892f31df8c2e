/**
 * The logging seam. The runtime logs through this small interface so applications can plug in
 * their logger; the default writes JSON lines to stderr at `warn` and above.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'

/** A structured logger: an object of fields, then a message. pino loggers satisfy it. */
export interface Logger {
  trace(fields: object, message: string): void
  debug(fields: object, message: string): void
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 }

/** A JSON-lines logger on stderr; errors in fields are written with name, message and stack. */
export function consoleLogger(level: LogLevel = 'warn', base: object = {}): Logger {
  const min = LEVELS[level]
  const write = (lvl: LogLevel, fields: object, message: string): void => {
    if (LEVELS[lvl] < min) return
    const line = JSON.stringify({ level: lvl, time: Date.now(), ...base, ...fields, msg: message }, errorReplacer)
    process.stderr.write(line + '\n')
  }
  return {
    trace: (f, m) => write('trace', f, m),
    debug: (f, m) => write('debug', f, m),
    info: (f, m) => write('info', f, m),
    warn: (f, m) => write('warn', f, m),
    error: (f, m) => write('error', f, m),
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
  return value
}
