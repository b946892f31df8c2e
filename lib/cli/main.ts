/**
 * The `coerce-ts` command: picks the subcommand and runs it. The bin entry only wires process
 * streams and signals to {@link runCli}.
 */
import { runDiscover } from './discover.js'
import { runJournal } from './journal.js'
import { ExitCode, type CliIo } from './io.js'

export const USAGE = `Usage: coerce-ts <command> [options]

Commands:
  discover   list the cluster peers found through the Kubernetes API (see: coerce-ts discover --help)
  journal    journal migrate: create or upgrade the SQL journal tables (see: coerce-ts journal --help)
  help       this text
`

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'discover':
      return runDiscover(rest, io)
    case 'journal':
      return runJournal(rest, io)
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE)
      return ExitCode.Ok
    default:
      io.stderr(command === undefined ? USAGE : `coerce-ts: unknown command '${command}'\n\n${USAGE}`)
      return ExitCode.Usage
  }
}
