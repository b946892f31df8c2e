#!/usr/bin/env node
// Entry of the `coerce-ts` command: wires process streams, environment and Ctrl-C to lib/cli.
import { runCli } from '../lib/cli/main.js'

const stop = new AbortController()
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort())

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: stop.signal,
})
