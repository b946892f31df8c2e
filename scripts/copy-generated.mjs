// Copies the generated protobuf code into the build output: tsc compiles only .ts files, and
// lib/remote/wire.ts imports ./protocol/wire.js (the code) whose types are ./protocol/wire.d.ts.
//
//   node scripts/copy-generated.mjs [outDir]   (default dist; part of `npm run build`)
//
// The .proto itself is not shipped: the static code needs no schema at run time.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = resolve(root, process.argv[2] ?? 'dist')

const FILES = ['lib/remote/protocol/wire.js', 'lib/remote/protocol/wire.d.ts']

for (const file of FILES) {
  const to = join(outDir, file)
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(join(root, file), to)
}
