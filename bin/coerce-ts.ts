#!/usr/bin/env node
// Entry of the `coerce-ts` command: wires process streams, environment and signals to lib/cli.
// The first SIGINT/SIGTERM asks the command to stop (a node leaves its cluster gracefully); a
// second one exits 1 at once.
import { runCli } from '../lib/cli/main.js'

const stop = new AbortController()
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stop.signal.aborted) {
      process.stderr.write(`coerce-ts: ${sig} again: exiting without waiting\n`)
      process.exit(1)
    }
    stop.abort(sig)
  })
}

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: stop.signal,
})
process.exitCode = code
// The command is done: a handle something left open (a socket, a timer) must not keep the
// process alive. Unref'd, so a clean exit does not wait for it.
setTimeout(() => process.exit(code), 2000).unref()
