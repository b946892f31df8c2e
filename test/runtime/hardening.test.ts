// Regressions from the outside review (issue 10), each through the public API: one identity
// per actor across threads, lookups after stop, typed errors across threads, a fair
// dispatcher, ask option validation, stale timer ticks, expired asks, deep backlogs at
// shutdown, unknown handlers on workers, worker replacement and spawn option validation.
import t from 'tap'
import { Actor, ActorSystem, isPersistenceError, PersistenceError, type ActorRef } from '../../lib/index.js'
import { Counter, QuotaError, Thrower, Ticking } from '../fixtures/worker-actors.js'
import { sleep, until } from '../helpers/wait.js'

const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', askTimeoutMs: 20_000, statsIntervalMs: 100 })
t.teardown(() => system.shutdown())

t.test('once stop() resolves, the id is gone from lookups on every thread', async (t) => {
  let foundAfterStop = 0
  for (let i = 0; i < 40; i++) {
    const r = await system.spawn(Counter, { id: 'h-stop', placement: 1 + (i % 2) })
    await r.stop()
    if ((await system.lookup('h-stop')) !== undefined) foundAfterStop++
  }
  t.equal(foundAfterStop, 0, 'main thread: lookup right after stop finds nothing')
  const stopper = await system.spawn(Thrower, { placement: 2 })
  let seenFromWorker = 0
  for (let i = 0; i < 20; i++) {
    const r = await system.spawn(Counter, { id: 'h-stop-w', placement: 1 })
    if (!(await stopper.ask('stopAndLookup', r))) seenFromWorker++
  }
  t.equal(seenFromWorker, 0, 'a worker that stopped an actor on another worker no longer finds it')
  await stopper.stop()
})

t.test('every ref to one actor on a thread shares identity, watch and liveness', async (t) => {
  const c = await system.spawn(Counter, { id: 'h-ident', placement: 1, supervision: { directive: 'stop' } })
  const again = await system.lookup('h-ident')
  t.equal(again?.target, c.target, 'lookup returns the same target as spawn')
  const echoed = (await c.ask('echo', c)) as ActorRef
  t.equal(echoed.target, c.target, 'a ref that comes back in a message is the same target')
  t.ok(echoed.equals(c))

  const watcher = await system.spawn(Thrower, { placement: 2 })
  const unwatched = await system.spawn(Counter, { placement: 1 })
  const control = await system.spawn(Counter, { placement: 1 })
  await watcher.ask('watchIt', unwatched)
  await watcher.ask('watchIt', control)
  await watcher.ask('unwatchIt', unwatched)
  await unwatched.stop()
  await control.stop()
  await until(async () => (await watcher.ask('seen')).includes(control.id), 10_000, 'the control notice')
  t.notOk((await watcher.ask('seen')).includes(unwatched.id), 'unwatch from a worker (refs decoded per message) holds')

  const mainWatcher = await system.spawn(Thrower, { placement: 'main' })
  await mainWatcher.ask('watchIt', c)
  await t.rejects(c.ask('fail', 'boom'), { message: 'boom' })
  await until(async () => (await mainWatcher.ask('seen')).includes('h-ident'), 10_000, 'the Terminated notice')
  t.equal(c.isAlive, false, 'the spawn ref knows its actor was stopped by its supervisor')
  t.equal(again?.isAlive, false, 'and so does the looked-up ref')
  for (const r of [watcher, mainWatcher]) await r.stop()
})

t.test('errors keep their class and fields across threads', async (t) => {
  const thrower = await system.spawn(Thrower, { placement: 1 })
  const conflict = await thrower.ask('persistenceConflict').catch((e: unknown) => e)
  t.ok(conflict instanceof PersistenceError, 'a PersistenceError stays one')
  t.ok(isPersistenceError(conflict, 'Conflict'))
  t.match(conflict, { code: 'Conflict', persistenceId: 'acct-1', sequence: 42, detail: 'another writer appended' })
  t.match((conflict as Error).stack, /persistenceConflict/, 'with the thrower\'s stack')
  const quota = await thrower.ask('quota').catch((e: unknown) => e)
  t.ok(quota instanceof QuotaError, 'a registered user error class stays one')
  t.same((quota as QuotaError).tags, ['a', 'b'])
  t.equal((quota as QuotaError).describeLimit(), 'limit 7', 'with its methods')
  const other = await thrower.ask('unregistered').catch((e: unknown) => e)
  t.ok(other instanceof Error)
  t.match(other, { name: 'SomethingElse', message: 'plain', code: 'E_SOMETHING', detail: { n: 1 } }, 'an unregistered one keeps name and fields')
  const missing = await system.spawn(Counter, { placement: 2 })
  await missing.stop()
  await t.rejects(missing.ask('get'), { name: 'ActorRefError', code: 'NotFound' }, 'an ActorRefError is still one')
  await thrower.stop()
})

class Ponger extends Actor {
  pong(): number {
    return 1
  }
}

const flag = { halt: false }

class Pinger extends Actor {
  async rally(peer: ActorRef<Ponger>, max: number): Promise<number> {
    let n = 0
    while (!flag.halt && n < max) n += await peer.ask('pong')
    return n
  }
}

t.test('ask ping-pong on one thread lets timers run', async (t) => {
  const local = await ActorSystem.start({ workers: 0, logLevel: 'silent' })
  t.teardown(() => local.shutdown())
  const ponger = await local.spawn(Ponger)
  const pinger = await local.spawn(Pinger)
  const max = 3_000_000
  flag.halt = false
  const timer = setTimeout(() => (flag.halt = true), 20)
  const rounds = await pinger.ask('rally', ponger, max, { timeoutMs: 120_000 })
  clearTimeout(timer)
  t.ok(rounds < max, `a 20 ms timer fired during actor ping-pong (after ${rounds} rounds)`)

  flag.halt = false
  setTimeout(() => (flag.halt = true), 20)
  let n = 0
  while (!flag.halt && n < max) n += await ponger.ask('pong')
  t.ok(n < max, `and during a loop of awaited asks against a main-thread actor (${n} rounds)`)
})

t.test('ask options are checked before anything is registered', async (t) => {
  const c = await system.spawn(Counter, { placement: 'main' })
  const w = await system.spawn(Counter, { placement: 1 })
  let unhandled = 0
  const count = (): void => void unhandled++
  process.on('unhandledRejection', count)
  t.teardown(() => process.off('unhandledRejection', count))
  for (const r of [c, w]) {
    await t.rejects(r.ask('get', { signal: {} as AbortSignal, timeoutMs: 20 }), { code: 'InvalidArgument', message: /signal must be an AbortSignal/ })
    await t.rejects(r.askWith({ signal: 'x' as unknown as AbortSignal }, 'get'), { code: 'InvalidArgument', handler: 'get' })
    await t.rejects(r.askWith({ timeoutMs: -1 }, 'get'), { code: 'InvalidArgument' })
  }
  await sleep(80)
  t.equal(unhandled, 0, 'no timeout fires later for a refused ask')
  t.equal(await c.ask('get'), 0)
  await c.stop()
  await w.stop()
})

t.test('a restarted actor never gets a tick of its previous incarnation\'s timer', async (t) => {
  const ticking = await system.spawn(Ticking, { placement: 1, supervision: { directive: 'restart' } })
  await until(async () => (await ticking.ask('report')).ticks >= 1, 10_000, 'the first tick')
  const before = await ticking.ask('report')
  await t.rejects(ticking.ask('slowFail', 450), { message: /failing after a long handler/ })
  await until(async () => {
    const r = await ticking.ask('report')
    return r.instance !== before.instance && r.ticks >= 2
  }, 10_000, 'two ticks of the new incarnation')
  const after = await ticking.ask('report')
  t.equal(after.stale, 0, 'no tick of the old timer reached the new instance')
  await ticking.stop()
})

t.test('asks that already timed out are skipped and counted, on main and on workers', async (t) => {
  for (const placement of ['main', 1] as const) {
    const c = await system.spawn(Counter, { placement })
    const busy = c.ask('slow', 300)
    const expired = Array.from({ length: 100 }, () => c.ask('inc', 1, { timeoutMs: 30 }).then(() => 'ok', (e: { code?: string }) => e.code))
    t.same(new Set(await Promise.all(expired)), new Set(['Timeout']))
    await busy
    t.equal(await c.ask('get'), 0, `${placement}: no expired ask ran`)
    await c.stop()
  }
  const m = await system.collectMetrics()
  const inc = m.actorTypes.find((x) => x.actorType === 'Counter')?.handlers.find((h) => h.handler === 'inc')
  t.equal(inc?.expired, 200, 'every skipped ask is counted')
  t.equal(inc?.processed ?? 0, 0)
})

t.test('tell to an unknown handler throws NotSupported on workers as on main', async (t) => {
  const onWorker = await system.spawn(Counter, { placement: 1 })
  const onMain = await system.spawn(Counter, { placement: 'main' })
  for (const r of [onWorker, onMain]) {
    t.throws(() => (r as unknown as { tell(h: string): void }).tell('noSuchHandler'), { code: 'NotSupported', handler: 'noSuchHandler' })
  }
  const sender = await system.spawn(Thrower, { placement: 2 })
  t.equal(await sender.ask('tellUnknown', onWorker), 'NotSupported', 'from another worker')
  t.equal(await sender.ask('tellUnknown', onMain), 'NotSupported', 'from a worker to main')
  for (const r of [onWorker, onMain, sender]) await r.stop()
})

t.test('spawn options are validated, naming the field', async (t) => {
  await t.rejects(system.spawn(Counter, { mailboxCapacity: 1.5 }), { code: 'InvalidArgument', message: /mailboxCapacity/ })
  await t.rejects(system.spawn(Counter, { mailboxCapacity: Infinity }), { code: 'InvalidArgument', message: /mailboxCapacity/ })
  await t.rejects(system.spawn(Counter, { supervision: null as never }), { code: 'InvalidArgument', message: /supervision/ })
  await t.rejects(system.spawn(Counter, { args: 'x' as never }), { code: 'InvalidArgument', message: /args/ })
  await t.rejects(system.spawn(Counter, { placement: 'elsewhere' as never }), { code: 'InvalidArgument', message: /placement/ })
  await t.rejects(system.spawn(Counter, { bogus: 1 } as never), { code: 'InvalidArgument', message: /bogus/ })
  await t.rejects(system.spawn(Counter, null as never), { code: 'InvalidArgument', message: /options/ })
})

t.test('during a worker\'s replacement its actors answer WorkerLost, never NotFound; metrics keep their totals', async (t) => {
  const c = await system.spawn(Counter, { id: 'h-replaced', placement: 2, supervision: { directive: 'restart', maxRestarts: 5 } })
  for (let i = 0; i < 50; i++) await c.ask('inc', 1)
  const before = await system.collectMetrics()
  const incBefore = before.actorTypes.find((x) => x.actorType === 'Counter')?.handlers.find((h) => h.handler === 'inc')?.processed ?? 0
  t.ok(incBefore >= 50)
  c.tell('exitThread', 3)
  const codes = new Set<string>()
  const deadline = Date.now() + 20_000
  let back = false
  while (Date.now() < deadline) {
    try {
      await c.ask('get', { timeoutMs: 2_000 })
      if (codes.size > 0 || back) break
    } catch (e) {
      codes.add((e as { code: string }).code)
      back = true
    }
    await sleep(2)
  }
  t.ok(codes.size > 0, `asks failed while the worker was replaced (${[...codes].join(', ')})`)
  t.notOk(codes.has('NotFound'), 'none of them with NotFound')
  t.equal(await c.ask('get'), 0, 'the actor is back, restarted fresh')
  const after = await system.collectMetrics()
  const incAfter = after.actorTypes.find((x) => x.actorType === 'Counter')?.handlers.find((h) => h.handler === 'inc')?.processed ?? 0
  t.ok(incAfter >= incBefore, `per-handler totals survive the replacement (${incBefore} -> ${incAfter})`)
  await c.stop()
})

t.test('a deep backlog is failed in bulk at shutdown', async (t) => {
  // The running handler outlasts the stop timeout: nothing of the backlog runs before shutdown.
  const other = await ActorSystem.start({ workers: 1, logLevel: 'silent', askTimeoutMs: 120_000, stopTimeoutMs: 100, statsIntervalMs: 50 })
  const c = await other.spawn(Counter, { placement: 1, mailboxCapacity: 1_000_000 })
  const busy = c.ask('slow', 600_000).catch(() => 'stopped')
  const backlog: Promise<string>[] = []
  for (let i = 0; i < 100_000; i++) {
    backlog.push(c.ask('get').then(() => 'ok', (e: { code?: string }) => e.code ?? 'error'))
    if (i % 20_000 === 0) await sleep(1)
  }
  // Measure the shutdown of a backlog that is in the mailbox, not of frames still in flight.
  await until(() => (other.status().workers[0]?.queueDepth ?? 0) >= 100_000, 60_000, 'the backlog in the mailbox')
  const started = performance.now()
  await other.shutdown()
  const outcomes = await Promise.all(backlog)
  const took = performance.now() - started
  await busy
  const counts = new Map<string, number>()
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1)
  t.same([...counts.keys()], ['Stopped'], 'every queued ask rejected with Stopped')
  t.ok(took < 5_000, `100k queued asks failed within the shutdown (${Math.round(took)} ms)`)
})
