// The multi-core runtime end to end on real worker threads: placement, cross-thread
// tell/ask in every direction, ordering under load, large messages, serialization errors,
// lookups, children across threads, watch, describe, metrics, backpressure, blocking tasks.
import t from 'tap'
import { threadId } from 'node:worker_threads'
import { Actor, ActorSystem, isActorRefError, Timer, type ActorRef } from '../../lib/index.js'
import type { MainRuntime } from '../../lib/runtime/main-runtime.js'
import { Counter, Forwarder, MainSide, NotExported, Parent, Producer, Sequencer, Watcher } from '../fixtures/worker-actors.js'
import { sleep, until } from '../helpers/wait.js'


const system = await ActorSystem.start({ workers: 2, logLevel: 'error', askTimeoutMs: 20_000, statsIntervalMs: 200 })
t.teardown(() => system.shutdown())

class LocalOnly extends Actor {
  ping(): number {
    return threadId
  }
}

t.test('placement: registered classes go to workers, others stay on main; overrides and policy', async (t) => {
  const a = await system.spawn(Counter, { id: 'p-a' })
  const b = await system.spawn(Counter, { id: 'p-b' })
  t.not(await a.ask('thread'), threadId, 'on a worker')
  t.not(await a.ask('thread'), await b.ask('thread'), 'actor-count policy spreads them')
  t.same([a.target.thread, b.target.thread].sort(), [1, 2])
  const local = await system.spawn(LocalOnly)
  t.equal(await local.ask('ping'), threadId, 'an unregistered class runs on the main thread')
  const onMain = await system.spawn(Counter, { placement: 'main' })
  t.equal(await onMain.ask('thread'), threadId)
  const onTwo = await system.spawn(Counter, { placement: 2 })
  t.equal(onTwo.target.thread, 2)
  await t.rejects(system.spawn(Counter, { placement: 3 }), { code: 'InvalidArgument', message: /1\.\.2/ })
  await t.rejects(system.spawn(LocalOnly, { placement: 'worker' }), {
    code: 'NotSupported',
    message: /LocalOnly cannot run on a worker thread.*actorModule/,
  })
  await t.rejects(system.spawn(NotExported), { code: 'StartFailed', message: /missing\/module\.js/ })
  await t.rejects(system.spawn(Counter, { id: 'p-a' }), { code: 'AlreadyExists', actorId: 'p-a' })
  const withArgs = await system.spawn(Counter, { args: [41], placement: 1 })
  t.equal(await withArgs.ask('get'), 41, 'constructor arguments travel')
  await t.rejects(system.spawn(Counter, { args: [(() => 1) as unknown as number], placement: 1 }), {
    code: 'Serialization',
    message: /function/,
  })
  await t.rejects(system.spawn(Counter, { placement: 1, supervision: { directive: () => 'stop' } }), {
    code: 'NotSupported',
    message: /decider function/,
  })
  for (const r of [a, b, local, onMain, onTwo, withArgs]) await r.stop()
  for (let i = 0; i < 5; i++) {
    const again = await system.spawn(Counter, { id: 'p-a' })
    await again.stop()
  }
  t.pass('an id is free again as soon as the stop resolved')
})

t.test('tell and ask across threads in every direction, with refs as arguments', async (t) => {
  const c1 = await system.spawn(Counter, { id: 'x-c1', placement: 1 })
  const fwd = await system.spawn(Forwarder, { id: 'x-fwd', placement: 2 })
  const main = await system.spawn(MainSide, { id: 'x-main', placement: 'main' })
  c1.tell('inc', 5)
  t.equal(await c1.ask('get'), 5, 'main -> worker')
  t.equal(await fwd.ask('forward', c1, 2), 7, 'worker -> worker (ref passed as an argument)')
  const sent = { s: new Set([1, 2]), d: new Date(7), nested: [{ a: 1 }], ref: fwd }
  const echoed = (await c1.ask('echo', sent)) as typeof sent
  t.same(echoed.s, new Set([1, 2]))
  t.equal(echoed.d.getTime(), 7)
  t.equal(echoed.ref.id, 'x-fwd', 'a ref comes back as a ref')
  t.equal(await echoed.ref.ask('forward', c1, 1), 8, 'and works')
  const found = await fwd.ask('lookup', 'x-c1')
  t.equal(found?.id, 'x-c1', 'a worker finds an actor of another worker by id')
  t.equal(await fwd.ask('lookup', 'nope'), undefined)
  await t.rejects(fwd.ask('lookup', 'x-main'), { code: 'TypeMismatch' }, 'typed lookups check the type')
  t.match(await main.ask('hello', 'main'), /^hello main from 0$/)
  const mainFromWorker = await system.spawn(Forwarder, { placement: 1 })
  const mainCounter = await system.spawn(Counter, { placement: 'main' })
  t.equal(await mainFromWorker.ask('forward', mainCounter, 3), 3, 'worker -> main')
  for (const r of [c1, fwd, main, mainFromWorker, mainCounter]) await r.stop()
})

t.test('FIFO per sender under load: 100k messages, none lost or duplicated', async (t) => {
  const seq = await system.spawn(Sequencer, { placement: 1 })
  for (let i = 0; i < 100_000; i++) {
    if (i % 1000 === 999) await seq.send('take', 'main', i)
    else {
      // A starved worker (a loaded box) can let the outbox fill: then wait for room, in order.
      try {
        seq.tell('take', 'main', i)
      } catch (e) {
        if (!isActorRefError(e, 'MailboxFull')) throw e
        await seq.send('take', 'main', i)
      }
    }
  }
  const producer = await system.spawn(Producer, { placement: 2 })
  await producer.ask('produce', seq, 'worker2', 50_000)
  await until(async () => (await seq.ask('report')).total === 150_000)
  t.same(await seq.ask('report'), { total: 150_000, errors: 0 })
  await seq.stop()
  await producer.stop()
})

t.test('a 1 MiB message crosses threads whole, both ways', async (t) => {
  const c = await system.spawn(Counter, { placement: 1 })
  const big = 'x'.repeat(1 << 20)
  const bytes = Uint8Array.from({ length: (1 << 20) + 3 }, (_, i) => (i * 31) & 0xff)
  t.equal(((await c.ask('echo', big)) as string).length, 1 << 20)
  const back = (await c.ask('echo', bytes)) as Uint8Array
  t.equal(back.length, bytes.length)
  t.ok(back.every((v, i) => v === bytes[i]), 'byte for byte')
  c.tell('inc', 1)
  t.equal(await c.ask('get'), 1, 'small messages behind a big one keep their order')
  await c.stop()
})

t.test('serialization errors fail the send before it leaves the thread, naming actor and handler', async (t) => {
  const c = await system.spawn(Counter, { id: 'ser', placement: 1 })
  t.throws(() => c.tell('echo', () => 1), { code: 'Serialization', actorId: 'ser', handler: 'echo', message: /function/ })
  await t.rejects(c.ask('echo', { socket: new (await import('node:net')).Socket() }), {
    code: 'Serialization',
    message: /event emitter/,
  })
  await t.rejects(c.send('echo', Promise.resolve(1)), { code: 'Serialization' })
  await t.rejects(c.ask('makeFunction'), { code: 'Serialization', message: /reply cannot be sent/ })
  t.equal(await c.ask('get'), 0, 'the actor is fine')
  await c.stop()
})

t.test('handler errors cross threads with name and message; supervision runs on the worker', async (t) => {
  const c = await system.spawn(Counter, { placement: 2 })
  c.tell('inc', 3)
  const err = await c.ask('fail', 'worker boom').catch((e: unknown) => e)
  t.match(err, { name: 'Error', message: 'worker boom' })
  await until(async () => (await c.ask('get').catch(() => -1)) === 0)
  t.equal(await c.ask('get'), 0, 'restarted with fresh state')
  await t.rejects((c as unknown as ActorRef<Actor> & { ask(h: string): Promise<unknown> }).ask('nope'), { code: 'NotSupported' })
  await c.stop()
  await t.rejects(c.ask('get'), { code: 'NotFound' }, 'a stopped remote actor is not found')
  t.equal(c.isAlive, false)
})

t.test('children: default to the parent thread, or placed elsewhere; stop and notices cross threads', async (t) => {
  // resume: the refused duplicate spawn below throws inside the parent's handler
  const parent = await system.spawn(Parent, { id: 'par', placement: 1, supervision: { directive: 'resume' } })
  const local = await parent.ask('spawnChild', 'near', undefined)
  t.equal(local.target.thread, 1, 'a child defaults to its parent thread')
  t.equal(local.id, 'par/near')
  const far = await parent.ask('spawnChild', 'far', 2)
  const onMain = await parent.ask('spawnChild', 'home', 'main')
  t.equal(far.target.thread, 2)
  t.equal(await onMain.ask('thread'), threadId)
  t.same((await parent.ask('childIds')).sort(), ['par/far@2', 'par/home@0', 'par/near@1'])
  t.equal((await system.actorOf('par/far'))?.target.thread, 2, 'named children are found by id')
  await t.rejects(parent.ask('spawnChild', 'far', 2), { code: 'AlreadyExists' })
  await far.stop()
  await until(async () => (await parent.ask('seen')).includes('par/far:stopped'))
  const tree = (await system.describe()).find((d) => d.id === 'par')
  t.same(tree?.children.map((c) => `${c.path}@${c.thread}`).sort(), ['par/home@main', 'par/near@1'])
  await parent.stop()
  t.equal(onMain.isAlive, false, 'a child on another thread stops with its parent')
  await t.rejects(local.ask('get'), { code: 'NotFound' })
  t.equal(await system.actorOf('par/near'), undefined, 'ids are released')
  const router = (system.runtime as MainRuntime)['node']?.router
  await until(() => router?.crossThreadLinks === 0)
  t.equal(router?.crossThreadLinks, 0, 'no cross-thread link is kept after the actors stopped')
})

t.test('watch across threads', async (t) => {
  const w = await system.spawn(Watcher, { placement: 1 })
  const target = await system.spawn(Counter, { id: 'watched', placement: 2 })
  const mainTarget = await system.spawn(Counter, { placement: 'main' })
  await w.ask('watchIt', target)
  await w.ask('watchIt', mainTarget)
  await target.stop()
  await mainTarget.stop()
  await until(async () => (await w.ask('seen')).length === 2)
  t.same((await w.ask('seen')).sort(), ['$' + mainTarget.id.slice(1) + ':stopped', 'watched:stopped'].sort())
  await w.stop()
})

t.test('timers drive actors on other threads and end with them', async (t) => {
  const c = await system.spawn(Counter, { placement: 2 })
  const timer = Timer.start(c, 10, 'inc', 1)
  await until(async () => (await c.ask('get')) >= 3)
  await c.stop()
  await until(() => !timer.isRunning)
  t.equal(timer.isRunning, false, 'the timer noticed the remote actor stopped')
  t.ok(timer.tickCount >= 3)
})

t.test('metrics and status cover every thread', async (t) => {
  const c = await system.spawn(Counter, { id: 'metered', placement: 2 })
  for (let i = 0; i < 10; i++) c.tell('inc', 1)
  await c.ask('get')
  const m = await system.collectMetrics()
  const counter = m.actorTypes.find((x) => x.actorType === 'Counter')
  t.ok((counter?.handlers.find((h) => h.handler === 'inc')?.processed ?? 0) >= 10)
  const s = system.status()
  t.equal(s.workers.length, 2)
  t.ok(s.workers.every((w) => w.alive))
  t.ok(s.workers.reduce((n, w) => n + w.actors, 0) >= 1)
  await c.stop()
})

t.test('blocking tasks run on the piscina pool, from the main thread and from actors', async (t) => {
  const task = new URL('../fixtures/square-task.ts', import.meta.url)
  const r = await system.offload<{ n: number }, { value: number; thread: number }>(task, { n: 7 })
  t.equal(r.value, 49)
  t.not(r.thread, threadId)
  await t.rejects(system.offload(task, { n: 3, fail: true }), { message: /cannot square 3/ })
  class Offloader extends Actor {
    run(n: number): Promise<{ value: number }> {
      return this.ctx.blocking(task, { n })
    }
  }
  const o = await system.spawn(Offloader)
  t.equal((await o.ask('run', 9)).value, 81)
})

t.test('backpressure: full rings and outbox make tell fail and send wait; system messages still flow', async (t) => {
  const tight = await ActorSystem.start({
    workers: 1,
    logLevel: 'silent',
    ringBytes: 4096,
    outboxLimit: 4,
    mailboxCapacity: 8,
    askTimeoutMs: 20_000,
  })
  t.teardown(() => tight.shutdown())
  const c = await tight.spawn(Counter, { placement: 1 })
  const blocker = c.ask('slow', 500) // occupies the actor
  await sleep(50)
  let full: unknown = null
  let sent = 0
  for (let i = 0; i < 10_000 && full === null; i++) {
    try {
      c.tell('inc', 1)
      sent++
    } catch (e) {
      full = e
    }
  }
  t.ok(isActorRefError(full, 'MailboxFull'), 'tell fails once mailbox, ring and outbox are full')
  const waited = c.send('inc', 1000)
  const sysTarget = await tight.spawn(Watcher, { placement: 'main' })
  await sysTarget.ask('watchIt', c)
  await blocker
  await waited
  await until(async () => (await c.ask('get')) === sent + 1000)
  t.equal(await c.ask('get'), sent + 1000, 'nothing accepted was lost')
  const stopped = c.stop()
  await stopped
  await until(async () => (await sysTarget.ask('seen')).length === 1)
  t.same(await sysTarget.ask('seen'), [`${c.id}:stopped`])
})
