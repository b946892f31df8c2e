// Regenerates the wire protocol's static code from lib/remote/protocol/wire.proto:
// wire.js (protobufjs static module, ES module) and wire.d.ts (its types, from pbts).
//
//   npm run proto                        rewrites lib/remote/protocol/wire.{js,d.ts}
//   node scripts/gen-proto.mjs <outDir>  writes them into outDir instead (the test that checks
//                                        the committed files are current uses a temp dir)
//
// Plain Node, no shell: the CLIs run as `node <bin>` from the installed protobufjs-cli, so the
// same versions as package-lock.json run on every platform, and npx never fetches anything.
// The output does not depend on outDir or on the working directory, so the two uses agree
// byte for byte.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const protoDir = join(root, 'lib/remote/protocol')
const outDir = resolve(process.argv[2] ?? protoDir)
const cli = dirname(createRequire(import.meta.url).resolve('protobufjs-cli/package.json'))

// Each --no-* drops code the network thread does not use (create, verify, toObject/fromObject,
// length-delimited encode/decode, type URLs): a WebSocket message already delimits one Frame.
const PBJS_ARGS = ['-t', 'static-module', '-w', 'es6', '--no-create', '--no-verify', '--no-convert', '--no-delimited', '--no-typeurl']

function run(bin, args) {
  execFileSync(process.execPath, [join(cli, 'bin', bin), ...args], { cwd: protoDir, stdio: 'inherit' })
}

mkdirSync(outDir, { recursive: true })
const js = join(outDir, 'wire.js')
run('pbjs', [...PBJS_ARGS, '-o', js, 'wire.proto'])
run('pbts', ['-o', join(outDir, 'wire.d.ts'), js])
