/**
 * `npm run bench`: runs every scenario in bench/scenarios/ and prints the comparison table.
 * See bench/README.md, and `npm run bench -- --help` for the flags.
 */
import { main } from './lib/cli.js'

const status = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
})
// Exit explicitly: an --inline run may leave a peer library's handles open (comedy's threads).
process.exitCode = status
setImmediate(() => process.exit(status))
