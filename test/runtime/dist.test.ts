// The built package works on its own: compiled to JavaScript, installed into a separate
// directory and imported by name from plain Node (no TypeScript loader anywhere), it starts
// worker threads, places actors from the consumer's module on them, serves the HTTP API and
// shuts down so the process exits by itself.
import t from 'tap'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

t.test('the built package runs actors on workers from a separate directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'coerce-dist-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const pkg = join(dir, 'pkg')
  mkdirSync(pkg)
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
    cwd: root,
  })
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir')
  const app = join(dir, 'app')
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  symlinkSync(pkg, join(app, 'node_modules', 'coerce-ts'), 'dir')
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(
    join(app, 'main.js'),
    `
import { threadId } from 'node:worker_threads'
import { Actor, ActorSystem, registerActors } from 'coerce-ts'
export class Greeter extends Actor {
  greet(name) { return 'hello ' + name + ' from thread ' + threadId }
}
registerActors(import.meta.url, Greeter)
if (threadId === 0) {
  const system = await ActorSystem.start({ workers: 2, logLevel: 'error', http: { port: 0 } })
  const a = await system.spawn(Greeter, { id: 'a' })
  const b = await system.spawn(Greeter, { id: 'b' })
  const health = await (await fetch(system.httpApis[0].url + '/health')).json()
  const out = { a: await a.ask('greet', 'x'), b: await b.ask('greet', 'y'), workers: system.status().workers.length, health: health.status }
  await system.shutdown()
  console.log(JSON.stringify(out))
}
`,
  )
  const { stdout } = await run(process.execPath, ['main.js'], { cwd: app, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } })
  const out = JSON.parse(stdout.trim()) as { a: string; b: string; workers: number; health: string }
  t.match(out.a, /^hello x from thread [1-9]/, 'the actor ran on a worker thread')
  t.match(out.b, /^hello y from thread [1-9]/)
  t.not(out.a.split(' ').pop(), out.b.split(' ').pop(), 'on different workers')
  t.equal(out.workers, 2)
  t.equal(out.health, 'healthy')
})
