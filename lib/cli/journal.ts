/**
 * `coerce-ts journal migrate`: creates or upgrades the SQL journal tables (PostgreSQL,
 * MariaDB/MySQL) to the schema version this coerce-ts needs, under a database lock.
 */
import { errorText } from '../persistence/errors.js'
import type { SqlStorageConfig } from '../persistence/options.js'
import { migrateJournalSchema } from '../persistence/registry.js'
import { SQL_SCHEMA_VERSION } from '../persistence/providers/sql-schema.js'
import { ExitCode, parseFlags, type CliIo } from './io.js'

export const JOURNAL_USAGE = `Usage: coerce-ts journal migrate --url <url> [options]

Creates or upgrades the journal tables to schema version ${SQL_SCHEMA_VERSION}. Safe to run again
and from several machines at once (a database lock serializes the runs).

Options:
      --url <url>           postgres://user@host:5432/db or mysql://user@host:3306/db
                            (default COERCE_JOURNAL_URL)
      --schema <name>       PostgreSQL schema / MySQL database of the tables (default: the connection's)
      --table-prefix <p>    prefix of the table names, as in the storage options (default none)
      --to <version>        stop at this schema version (default ${SQL_SCHEMA_VERSION}, the latest)
  -h, --help                this text

Exit status: 0 on success, 1 when the migration fails, 2 on a usage error.
`

/** Runs `journal <subcommand> ...`; resolves to the exit code. */
export async function runJournal(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(JOURNAL_USAGE)
    return ExitCode.Ok
  }
  if (sub !== 'migrate') {
    io.stderr(`coerce-ts journal: ${sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'`}\n\n${JOURNAL_USAGE}`)
    return ExitCode.Usage
  }
  const parsed = parseFlags(rest, { url: { type: 'string' }, schema: { type: 'string' }, 'table-prefix': { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } })
  if ('error' in parsed) {
    io.stderr(`coerce-ts journal migrate: ${parsed.error}\n\n${JOURNAL_USAGE}`)
    return ExitCode.Usage
  }
  const { values } = parsed
  if (values.help === true) {
    io.stdout(JOURNAL_USAGE)
    return ExitCode.Ok
  }
  const url = values.url ?? io.env['COERCE_JOURNAL_URL']
  const kind = url === undefined ? undefined : /^postgres(ql)?:/.test(url) ? 'postgres' : /^(mysql|mariadb):/.test(url) ? 'mysql' : undefined
  if (url === undefined || kind === undefined) {
    io.stderr(`coerce-ts journal migrate: --url must be a postgres://, postgresql://, mysql:// or mariadb:// URL${url === undefined ? '' : ` (got ${url})`}\n`)
    return ExitCode.Usage
  }
  const to = values.to === undefined ? undefined : Number(values.to)
  if (to !== undefined && !(Number.isInteger(to) && to >= 1 && to <= SQL_SCHEMA_VERSION)) {
    io.stderr(`coerce-ts journal migrate: --to must be an integer from 1 to ${SQL_SCHEMA_VERSION} (got ${values.to})\n`)
    return ExitCode.Usage
  }
  const config: SqlStorageConfig = { kind, url, ...(values.schema === undefined ? {} : { schema: values.schema }), ...(values['table-prefix'] === undefined ? {} : { tablePrefix: values['table-prefix'] }) }
  try {
    const result = await migrateJournalSchema(config, to)
    if (result.applied.length === 0) io.stdout(`journal schema is at version ${result.from}: nothing to do\n`)
    else {
      for (const m of result.applied) io.stdout(`applied version ${m.version}: ${m.description}\n`)
      io.stdout(`journal schema migrated from version ${result.from} to ${result.to}\n`)
    }
    return ExitCode.Ok
  } catch (e) {
    io.stderr(`coerce-ts journal migrate: ${errorText(e)}\n`)
    return ExitCode.Failed
  }
}
