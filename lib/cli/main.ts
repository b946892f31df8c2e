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
  node       run a cluster node until SIGTERM (see: coerce-ts node --help)
  journal    journal migrate: create or upgrade the SQL journal tables (see: coerce-ts journal --help)
  help       this text
`

/** Runs the command line `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'discover':
      return runDiscover(rest, io)
    case 'node':
      // Loaded on demand: it brings the whole runtime (lib/index.ts and its extensions).
      return (await import('./node.js')).runNode(rest, io)
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
