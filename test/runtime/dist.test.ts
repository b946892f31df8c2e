// The built package works on its own: compiled to JavaScript, installed into a separate
// directory and imported by name from plain Node (no TypeScript loader anywhere), it starts
// worker threads, places actors from the consumer's module on them, serves the HTTP API and
// shuts down so the process exits by itself. Packed with `npm pack` and installed into a fresh
// TypeScript project, it typechecks and runs actors on workers under tsx.
import t from 'tap'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
// Compiles, packs, installs and typechecks a fresh project: more than the default 120 s on a
// loaded 2-core box.
t.setTimeout(300_000)
const root = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const dir = mkdtempSync(join(tmpdir(), 'coerce-dist-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const pkg = join(dir, 'pkg')
mkdirSync(pkg)
await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
  cwd: root,
})
// The rest of `npm run build`: tsc does not copy the generated protobuf code.
await run(process.execPath, [join(root, 'scripts/copy-generated.mjs'), join(pkg, 'dist')], { cwd: root })
cpSync(join(root, 'package.json'), join(pkg, 'package.json'))
cpSync(join(root, 'README.md'), join(pkg, 'README.md'))

t.test('the built package runs actors on workers from a separate directory', async (t) => {
  const linked = join(dir, 'linked')
  cpSync(pkg, linked, { recursive: true })
  symlinkSync(join(root, 'node_modules'), join(linked, 'node_modules'), 'dir')
  const app = join(dir, 'app')
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  symlinkSync(linked, join(app, 'node_modules', 'coerce-ts'), 'dir')
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

t.test('the packed package in a fresh TypeScript project: typechecks, and runs actors on workers under tsx', async (t) => {
  const packed = join(dir, 'packed')
  mkdirSync(packed)
  await run(npm, ['pack', '--silent', '--pack-destination', packed], { cwd: pkg })
  const tarball = join(packed, readdirSync(packed).find((f) => f.endsWith('.tgz')) as string)
  const app = join(dir, 'ts-app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'ts-app', private: true, type: 'module' }))
  const version = (name: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  // The versions this repository already installed: the npm cache has them.
  await run(
    npm,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, `tsx@${version('tsx')}`, `@types/node@${version('@types/node')}`],
    { cwd: app, timeout: 240_000 },
  )
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['app.ts'],
    }),
  )
  // The README's tour, as a user writes it: a class with `static actorModule`, run with tsx.
  writeFileSync(
    join(app, 'app.ts'),
    `
import { threadId } from 'node:worker_threads'
import { Actor, ActorSystem, PersistenceError, registerErrorClass } from 'coerce-ts'

export class OutOfStock extends Error {
  override readonly name = 'OutOfStock'
  constructor(readonly item: string) { super('out of ' + item) }
}
registerErrorClass(OutOfStock)

export class Shop extends Actor {
  static actorModule = import.meta.url
  private stock = 1
  buy(item: string): string {
    if (this.stock-- <= 0) throw new OutOfStock(item)
    return item + ' bought on thread ' + threadId
  }
  conflict(): never {
    throw new PersistenceError('Conflict', 'two writers', { persistenceId: 'shop', sequence: 3 })
  }
}

if (threadId === 0) {
  const system = await ActorSystem.start({ workers: 2, logLevel: 'error' })
  const shop = await system.spawn(Shop, { id: 'shop' })
  const first: string = await shop.ask('buy', 'tea')
  const second = await shop.ask('buy', 'tea').catch((e: unknown) => e)
  const conflict = await shop.ask('conflict').catch((e: unknown) => e)
  let wrongHandler = ''
  try {
    // @ts-expect-error: 'sell' is not a handler of Shop
    shop.tell('sell', 'tea')
  } catch (e) {
    wrongHandler = (e as { code: string }).code
  }
  await system.shutdown()
  // Two clustered nodes in this process, each with its network thread from the package.
  const secret = 'dist-test-secret'
  const a = await ActorSystem.start({ nodeId: 'a', workers: 1, logLevel: 'error', cluster: { listen: '127.0.0.1:0', secret } })
  const b = await ActorSystem.start({ nodeId: 'b', workers: 0, logLevel: 'error', cluster: { listen: '127.0.0.1:0', secret, seeds: [a.cluster.self.advertise] } })
  await a.spawn(Shop, { id: 'remote-shop' })
  const remoteShop = await b.actorOf('remote-shop', Shop)
  const remote = remoteShop === undefined ? 'not found' : await remoteShop.ask('buy', 'coffee')
  const members = b.cluster.members().map((m) => m.node.id + ':' + m.status).sort().join(',')
  await b.shutdown()
  await a.shutdown()
  console.log(JSON.stringify({
    first,
    outOfStock: second instanceof OutOfStock ? second.item : String(second),
    conflict: conflict instanceof PersistenceError ? conflict.sequence : String(conflict),
    wrongHandler,
    remote,
    members,
  }))
}
`,
  )
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app })
  t.pass('the user project typechecks against the packed types (a wrong handler is a type error)')
  const { stdout } = await run(process.execPath, [join(app, 'node_modules/tsx/dist/cli.mjs'), 'app.ts'], {
    cwd: app,
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  }).catch((e: { stderr?: string; message: string }) => {
    throw new Error(`tsx app.ts failed: ${e.stderr ?? e.message}`)
  })
  const out = JSON.parse(stdout.trim().split('\n').pop() as string) as { first: string; outOfStock: string; conflict: unknown; wrongHandler: string; remote: string; members: string }
  t.match(out.first, /^tea bought on thread [1-9]/, 'the TypeScript actor ran on a worker thread')
  t.equal(out.outOfStock, 'tea', 'a registered user error crossed the thread with its class and fields')
  t.equal(out.conflict, 3, 'a PersistenceError too')
  t.equal(out.wrongHandler, 'NotSupported', 'an unknown handler (as JavaScript would send it) throws on the main thread for a worker actor')
  t.equal(out.members, 'a:up,b:up', 'two clustered nodes formed with the packaged network thread')
  t.match(out.remote, /^coffee bought on thread [1-9]/, "a node asked an actor on the other node's worker")

  const cjs = join(dir, 'cjs-app')
  mkdirSync(join(cjs, 'node_modules'), { recursive: true })
  symlinkSync(join(app, 'node_modules', 'coerce-ts'), join(cjs, 'node_modules', 'coerce-ts'), 'dir')
  writeFileSync(
    join(cjs, 'main.cjs'),
    "try { console.log(typeof require('coerce-ts').ActorSystem) } catch (e) { console.log(e.code) }\nimport('coerce-ts').then((m) => console.log(typeof m.ActorSystem))\n",
  )
  const fromCjs = await run(process.execPath, ['main.cjs'], { cwd: cjs, env: { ...process.env, NODE_OPTIONS: '' } })
  // require() of an ES module works from Node 20.19 on; older Node 20 releases name the cause.
  const [required, imported] = fromCjs.stdout.trim().split('\n')
  t.ok(required === 'function' || required === 'ERR_REQUIRE_ESM', `CommonJS require: ${required}`)
  t.equal(imported, 'function', 'CommonJS import() works')

  // The generated wire code ships with the package and finds protobufjs among the installed
  // dependencies (not through this repository's node_modules).
  const wire = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { wire } = await import('./node_modules/coerce-ts/dist/lib/remote/wire.js')\n" +
        "const f = wire.Frame.decode(wire.Frame.encode({ heartbeat: { seq: 7, sentAt: 1.5 } }).finish())\n" +
        'console.log(f.body, f.heartbeat.seq, f.heartbeat.sentAt)',
    ],
    { cwd: app, env: { ...process.env, NODE_OPTIONS: '' } },
  )
  t.equal(wire.stdout.trim(), 'heartbeat 7 1.5', 'the packed wire protocol code encodes and decodes a frame')
})
