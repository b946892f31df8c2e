// Worker faults on real threads: an uncaught error, process.exit and terminate() are
// detected; asks in flight reject with WorkerLost (no hang); a replacement worker starts;
// top-level actors are restarted there per their strategy; watchers get Terminated. Then a
// clean shutdown with traffic in flight leaves no thread or port behind.
import t from 'tap'
import { ActorSystem, isActorRefError, Supervision, type ActorRef } from '../../lib/index.js'
import type { MainRuntime } from '../../lib/runtime/main-runtime.js'
import { Counter, Watcher } from '../fixtures/worker-actors.js'
import { sleep, until } from '../helpers/wait.js'

// Workers die, get replaced and restart their actors here: about a minute on a quiet 2-core
// box, and past tap's default 120 s when the box is busy.
t.setTimeout(240_000)


t.test('a worker that dies is detected, replaced, and its actors restarted or reported', async (t) => {
  const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', askTimeoutMs: 30_000, statsIntervalMs: 200 })
  t.teardown(() => system.shutdown())
  const runtime = system.runtime as MainRuntime

  const scenarios: { name: string; kill: (victim: ActorRef<Counter>, thread: number) => void }[] = [
    { name: 'uncaught error', kill: (victim) => victim.tell('crashThread') },
    { name: 'process.exit', kill: (victim) => victim.tell('exitThread', 3) },
    { name: 'terminate()', kill: (_v, thread) => void runtime.workerFor(thread)?.terminate() },
  ]
  for (const [i, s] of scenarios.entries()) {
    const thread = (i % 2) + 1
    const other = thread === 1 ? 2 : 1
    const kept = await system.spawn(Counter, { id: `kept-${i}`, placement: thread, args: [10] })
    const dropped = await system.spawn(Counter, { id: `dropped-${i}`, placement: thread, supervision: Supervision.stop() })
    const remoteWatcher = await system.spawn(Watcher, { placement: other })
    const mainWatcher = await system.spawn(Watcher, { placement: 'main' })
    for (const w of [remoteWatcher, mainWatcher]) {
      await w.ask('watchIt', kept)
      await w.ask('watchIt', dropped)
    }
    kept.tell('inc', 5)
    t.equal(await kept.ask('get'), 15)
    const started = Date.now()
    const inFlight = kept.ask('slow', 20_000).then(
      () => t.fail(`${s.name}: the ask should not succeed`),
      (e: unknown) => e,
    )
    await sleep(50)
    s.kill(dropped, thread)
    const err = await inFlight
    t.ok(isActorRefError(err, 'WorkerLost'), `${s.name}: the ask in flight rejects with WorkerLost`)
    t.match((err as Error).message, new RegExp(`kept-${i}`))
    t.ok(Date.now() - started < 15_000, `${s.name}: no waiting for the ask timeout`)
    await until(async () => (await kept.ask('get').catch(() => -1)) === 10)
    t.equal(await kept.ask('get'), 10, `${s.name}: restarted on the replacement with its constructor arguments`)
    t.equal(kept.target.thread, thread)
    t.equal(await system.actorOf(`dropped-${i}`), undefined, `${s.name}: a stop-strategy actor is not restarted`)
    await t.rejects(dropped.ask('get'), { code: 'NotFound' })
    for (const w of [remoteWatcher, mainWatcher]) {
      await until(async () => (await w.ask('seen')).length === 2)
      t.same((await w.ask('seen')).sort(), [`dropped-${i}:workerLost`, `kept-${i}:workerLost`], `${s.name}: watchers notified`)
    }
    const c = await system.spawn(Counter, { placement: thread })
    t.equal(await c.ask('get'), 0, `${s.name}: the replacement takes new actors`)
    for (const r of [kept, remoteWatcher, mainWatcher, c]) await r.stop()
  }
  const workers = system.status().workers
  t.equal(workers.reduce((n, w) => n + w.restarts, 0), 3, 'three replacements in total')
  t.ok(workers.every((w) => w.alive))
  const m = await system.collectMetrics()
  t.ok((m.actorTypes.find((a) => a.actorType === 'Counter')?.restarted ?? 0) >= 3, 'restarts are counted')
})

t.test('shutdown with traffic in flight settles every ask and leaves no thread behind', async (t) => {
  const before = new Set(process.getActiveResourcesInfo())
  const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', askTimeoutMs: 30_000 })
  const counters = await Promise.all([1, 2, 1, 2].map((w) => system.spawn(Counter, { placement: w })))
  const asks: Promise<unknown>[] = []
  for (let i = 0; i < 2000; i++) {
    const c = counters[i % counters.length]!
    c.tell('inc', 1)
    asks.push(i % 100 === 0 ? c.ask('slow', 200) : c.ask('get'))
  }
  const settling = Promise.allSettled(asks)
  await system.shutdown()
  const settled = await settling
  t.equal(settled.length, 2000, 'every ask settled')
  const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[]
  t.ok(
    rejected.every((r) => isActorRefError(r.reason, 'Stopped')),
    `rejections are Stopped (${rejected.length} of 2000)`,
  )
  t.ok(system.status().workers.every((w) => !w.alive), 'workers are gone')
  await t.rejects(system.spawn(Counter), { code: 'SystemShutdown' })
  await sleep(50)
  const leftover = process.getActiveResourcesInfo().filter((r) => !before.has(r) && (r === 'Worker' || r === 'MessagePort'))
  t.same(leftover, [], 'no worker or port handle left')
})

t.test('the HTTP API reports a killed worker as unhealthy until its replacement runs', async (t) => {
  const system = await ActorSystem.start({ workers: 2, logLevel: 'silent', http: { port: 0 }, statsIntervalMs: 200 })
  t.teardown(() => system.shutdown())
  const runtime = system.runtime as MainRuntime
  const c = await system.spawn(Counter, { placement: 1 })
  await c.ask('get')
  const url = `${system.httpApis[0]!.url}/health`
  const healthy = await fetch(url)
  t.equal(healthy.status, 200)
  const worker = runtime.workerFor(1)!
  const exited = new Promise((r) => worker.once('exit', r))
  void worker.terminate()
  await exited
  const down = await fetch(url)
  const body = (await down.json()) as { status: string; workers: { index: number; alive: boolean }[] }
  t.equal(down.status, 503, 'unhealthy while the worker is down')
  t.equal(body.status, 'unhealthy')
  t.match(body.workers.find((w) => w.index === 1), { alive: false })
  await until(async () => (await fetch(url)).status === 200)
  t.equal(system.status().workers.find((w) => w.index === 1)?.restarts, 1, 'healthy again once replaced')
})
