// The runtime's building blocks on one thread: ring, link (chunking, backlog, limits),
// codec (errors, refusals), placement policies, control channel.
import t from 'tap'
import { realpathSync } from 'node:fs'
import { MessageChannel } from 'node:worker_threads'
import { EventEmitter } from 'node:events'
import { SpscRing } from '../../lib/runtime/transport/ring.js'
import { ThreadSignal } from '../../lib/runtime/transport/signal.js'
import { Link, FULL, QUEUED, WRITTEN } from '../../lib/runtime/transport/link.js'
import { CHUNK_FIRST, CHUNK_LAST, CHUNK_MIDDLE, CHUNK_NONE } from '../../lib/runtime/transport/frames.js'
import { dataToError, decode, encode, errorToData, NotEncodableError } from '../../lib/runtime/transport/codec.js'
import { checkPlacement, pickWorker } from '../../lib/runtime/placement.js'
import { ControlChannel } from '../../lib/runtime/control.js'
import { ActorRefError } from '../../lib/index.js'

function readAll(ring: SpscRing): { bytes: number[]; flags: number }[] {
  const out: { bytes: number[]; flags: number }[] = []
  ring.read((data, start, end, flags) => {
    out.push({ bytes: [...data.subarray(start, end)], flags })
    return true
  }, 1_000_000)
  return out
}

t.test('ring: frames in order across wrap-around with padding; reader can refuse', async (t) => {
  const ring = SpscRing.create(256)
  const peer = SpscRing.attach(ring.sab)
  t.equal(ring.maxPayload, 256 / 4 - 8)
  let next = 0
  const seen: number[] = []
  for (let round = 0; round < 200; round++) {
    const len = (round * 7) % 50
    const frame = new Uint8Array(len + 1).fill(next & 0xff)
    frame[0] = next & 0xff
    if (ring.tryWrite(frame, 0, frame.length, CHUNK_NONE)) next++
    if (round % 3 === 0) for (const f of readAll(peer)) seen.push(f.bytes[0] as number)
  }
  for (const f of readAll(peer)) seen.push(f.bytes[0] as number)
  t.same(seen, Array.from({ length: next }, (_, i) => i & 0xff), 'every written frame read once, in order')
  t.ok(next > 100)
  // A full ring refuses; the reader can leave a frame in place.
  const small = SpscRing.create(64)
  const a = new Uint8Array(8).fill(1)
  let written = 0
  while (small.tryWrite(a, 0, 8, CHUNK_NONE)) written++
  t.equal(written, 4, '64 bytes hold four 16-byte frames')
  t.notOk(small.hasData() === false)
  let calls = 0
  t.equal(
    small.read(() => {
      calls++
      return false
    }, 10),
    0,
  )
  t.equal(calls, 1)
  t.ok(small.hasData(), 'refused frame stays')
  t.equal(small.freeBytes(), 0)
  t.throws(() => SpscRing.create(100), RangeError)
})

t.test('ring: the producer-waiting flag is taken once', async (t) => {
  const ring = SpscRing.create(64)
  t.equal(ring.takeProducerWaiting(), false)
  ring.setProducerWaiting()
  t.equal(ring.takeProducerWaiting(), true)
  t.equal(ring.takeProducerWaiting(), false)
})

t.test('signal: wake only rings a sleeper, and a prepared sleep sees a ring', async (t) => {
  const s = ThreadSignal.create()
  const peer = ThreadSignal.attach(s.sab)
  t.equal(peer.wake(), false, 'nobody sleeps')
  const bell = s.prepareSleep()
  t.equal(s.isSleeping, true)
  t.equal(peer.wake(), true)
  t.equal(s.isSleeping, false)
  const r = await s.waitAsync(bell)
  t.equal(r, 'not-equal', 'the ring happened before the wait: no lost wake-up')
  const bell2 = s.prepareSleep()
  setTimeout(() => peer.wake(), 10)
  t.equal(await s.waitAsync(bell2), 'ok')
  s.cancelSleep()
  t.equal(peer.wake(), false)
})

function linkPair(ringBytes: number, outboxLimit: number): { link: Link; sys: SpscRing; user: SpscRing; backlogs: number[] } {
  const sys = SpscRing.create(ringBytes)
  const user = SpscRing.create(ringBytes)
  const backlogs: number[] = []
  const link = new Link(1, SpscRing.attach(sys.sab), SpscRing.attach(user.sab), ThreadSignal.create(), outboxLimit, () =>
    backlogs.push(1),
  )
  return { link, sys, user, backlogs }
}

t.test('link: large frames are chunked; backlog flushes in order; the user outbox is bounded', async (t) => {
  const { link, user, sys, backlogs } = linkPair(256, 3)
  const big = Uint8Array.from({ length: 150 }, (_, i) => i)
  t.equal(link.writeUser(big), WRITTEN)
  const chunks = readAll(user)
  t.same(
    chunks.map((c) => c.flags),
    [CHUNK_FIRST, CHUNK_MIDDLE, CHUNK_LAST],
  )
  t.same(chunks.flatMap((c) => c.bytes), [...big])
  // Fill the ring, then queue.
  const small = new Uint8Array(40).fill(7)
  let outcomes: number[] = []
  for (let i = 0; i < 8; i++) outcomes.push(link.writeUser(small))
  t.ok(outcomes.includes(QUEUED))
  t.ok(outcomes.includes(FULL), 'past the outbox limit a write is refused')
  t.ok(backlogs.length > 0)
  const accepted = outcomes.filter((o) => o !== FULL).length
  let waiterAccepted = false
  link.waitForRoom(small, 0, small.length, () => (waiterAccepted = true), () => t.fail('not failed'))
  t.equal(link.writeUser(small), FULL, 'no overtaking a waiting sender')
  let got = 0
  for (let i = 0; i < 10 && link.backlog > 0; i++) {
    got += readAll(user).length
    link.flush()
  }
  got += readAll(user).length
  t.equal(got, accepted + 1, 'every accepted frame and the waiter arrive')
  t.equal(waiterAccepted, true)
  // System lane: never refused, chunked too.
  for (let i = 0; i < 10; i++) link.writeSystem(big)
  let sysFrames = 0
  for (let i = 0; i < 40 && (link.backlog > 0 || sys.hasData()); i++) {
    sysFrames += readAll(sys).filter((f) => f.flags === CHUNK_LAST).length
    link.flush()
  }
  t.equal(sysFrames, 10)
  // A dead link fails waiters and drops queues.
  const dead = linkPair(64, 1)
  dead.link.writeUser(new Uint8Array(40))
  dead.link.writeUser(new Uint8Array(40))
  let failure: unknown
  dead.link.waitForRoom(new Uint8Array(4), 0, 4, () => {}, (e) => (failure = e))
  dead.link.kill(new Error('gone'))
  t.match(failure, { message: 'gone' })
  t.equal(dead.link.isDead, true)
  t.equal(dead.link.backlog, 0)
  dead.link.writeSystem(new Uint8Array(4))
  t.equal(dead.link.flush(), 0)
})

t.test('codec: errors keep their details; values that cannot cross threads are refused', async (t) => {
  const original = new ActorRefError('Timeout', 'no reply', { actorId: 'a', actorType: 'T', handler: 'h', cause: new TypeError('inner') })
  const back = dataToError(errorToData(original)) as ActorRefError
  t.type(back, ActorRefError)
  t.match(back, { code: 'Timeout', actorId: 'a', actorType: 'T', handler: 'h', message: original.message })
  t.match(back.cause, { name: 'TypeError', message: 'inner' })
  const plain = Object.assign(new RangeError('r'), { code: 'E_R' })
  t.match(dataToError(errorToData(plain)), { name: 'RangeError', message: 'r', code: 'E_R' })
  t.match(errorToData('text'), { name: 'Error', message: 'text' })
  t.match(errorToData(42), { message: '42' })
  const value = { s: new Set([1]), d: new Date(5), n: 10n, u: undefined, e: plain, arr: [1, 'x'] }
  const enc = encode(value)
  const bytes = enc.subarray(enc.start, enc.end)
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length + 8))
  copy.set(bytes, 4)
  const out = decode(copy, 4, 4 + bytes.length) as typeof value
  t.same(out.s, new Set([1]))
  t.equal(out.d.getTime(), 5)
  t.equal(out.n, 10n)
  t.equal(out.e.message, 'r')
  t.same(out.arr, [1, 'x'])
  for (const bad of [() => 1, Promise.resolve(), new EventEmitter(), new MessageChannel().port1, new WeakMap(), Symbol('s')]) {
    t.throws(() => encode([bad]), NotEncodableError, `refuses ${String(typeof bad === 'object' ? bad?.constructor?.name : typeof bad)}`)
  }
})

t.test('placement: policies and validation', async (t) => {
  const w = (thread: number, actors: number, rate: number, alive = true) => ({ thread, actors, messagesPerSecond: rate, alive })
  t.equal(pickWorker([w(1, 5, 0), w(2, 3, 100), w(3, 4, 0)], 'actor-count'), 2)
  t.equal(pickWorker([w(1, 5, 10), w(2, 3, 1000), w(3, 4, 10)], 'message-load'), 3, 'quietest first, then fewest actors')
  t.equal(pickWorker([w(1, 5, 1000), w(2, 3, 1020)], 'message-load'), 2, 'rates within 5% count as equal')
  t.equal(pickWorker([w(1, 0, 0, false), w(2, 9, 0)], 'actor-count'), 2, 'dead workers are skipped')
  t.equal(pickWorker([w(1, 0, 0, false)], 'actor-count'), null)
  t.equal(checkPlacement(undefined, 2), null)
  t.equal(checkPlacement('main', 0), null)
  t.equal(checkPlacement(2, 2), null)
  t.match(checkPlacement(3, 2), /1\.\.2/)
  t.match(checkPlacement('gpu', 2), /placement/)
})

t.test('control channel: requests, replies, errors, close', async (t) => {
  const { port1, port2 } = new MessageChannel()
  const server = new ControlChannel(port2, (m) => {
    if (m.t === 'double') return Promise.resolve((m as unknown as { n: number }).n * 2)
    if (m.t === 'boom') throw new ActorRefError('NotFound', 'nothing here', { actorId: 'x' })
    return undefined
  })
  const client = new ControlChannel<{ t: string; n?: number }>(port1, () => undefined)
  t.equal(await client.request({ t: 'double', n: 21 }), 42)
  await t.rejects(client.request({ t: 'boom' }), { code: 'NotFound', actorId: 'x' })
  const pending = client.request({ t: 'never-answered-after-close' })
  client.close(new Error('closed'))
  await t.rejects(pending, { message: 'closed' })
  await t.rejects(client.request({ t: 'double', n: 1 }), { message: 'closed' })
  server.close(new Error('x'))
  port1.close()
})

t.test('worker execArgv keeps loaders and drops flags workers refuse', async (t) => {
  const { workerSafeArgv } = await import('../../lib/runtime/worker-entry.js')
  t.same(
    workerSafeArgv(['--expose-gc', '--import', 'file:///x.mjs', '--max-old-space-size=100', '--require', 'a.cjs', '--enable-source-maps', '--import=y', '--conditions', 'dev']),
    ['--import', 'file:///x.mjs', '--require', 'a.cjs', '--enable-source-maps', '--import=y', '--conditions', 'dev'],
  )
})

t.test('under tsx, workers get a preload that registers the parent\'s tsx', async (t) => {
  const { tsxApiUrl, workerExecArgv } = await import('../../lib/runtime/worker-entry.js')
  const root = new URL('../../', import.meta.url).pathname
  // Where the tsx package really is (node_modules may be a link), as module resolution reports it.
  const tsxDir = `${realpathSync(`${root}node_modules/tsx`)}/`
  const api = `file://${tsxDir}dist/esm/api/index.mjs`
  const cli = ['--require', `${tsxDir}dist/preflight.cjs`, '--import', `file://${tsxDir}dist/loader.mjs`]
  t.equal(tsxApiUrl(cli), api, 'the tsx CLI (preflight + loader)')
  t.equal(tsxApiUrl([`--import=file://${tsxDir}dist/loader.mjs`]), api, '--import=<url>')
  t.equal(tsxApiUrl(['--import', 'tsx'], root), api, 'node --import tsx, resolved from the working directory')
  t.equal(tsxApiUrl(['--import', 'tsx'], '/'), undefined, 'no tsx to be found there')
  t.equal(tsxApiUrl(['--import', 'file:///x/@tapjs/typescript/import.mjs']), undefined, 'other loaders need nothing')
  const argv = workerExecArgv(cli)
  t.same(argv.slice(0, 4), cli, 'the parent\'s flags are kept')
  t.match(argv[5], /^data:text\/javascript,import\{register\}from".*tsx\/dist\/esm\/api\/index\.mjs";register\(\)$/)
  t.same(workerExecArgv(['--expose-gc']), [], 'without tsx: the inherited flags only')
  const mod = (await import(api)) as { register?: unknown }
  t.equal(typeof mod.register, 'function', 'the derived module exists and exports register')
})
