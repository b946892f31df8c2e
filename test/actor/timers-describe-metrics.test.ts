// Timers, the describe tree and runtime metrics.
import t from 'tap'
import { Actor, ActorSystem, LATENCY_BUCKETS_S, Timer, type ActorRef } from '../../lib/index.js'
import { Histogram } from '../../lib/actor/metrics.js'
import { runEcho } from '../../examples/echo.js'
import { runTimer } from '../../examples/timer.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}

class Ticker extends Actor {
  ticks: string[] = []
  times: number[] = []
  tick(label: string): void {
    this.ticks.push(label)
    this.times.push(performance.now())
  }
  async slowTick(ms: number): Promise<void> {
    this.ticks.push('slow')
    await sleep(ms)
  }
  count(): number {
    return this.ticks.length
  }
  stamps(): number[] {
    return this.times
  }
  startOwnTimer(ms: number): void {
    // Inside a class `this.ctx.self` has the polymorphic `this` type; name the class to get handler checks.
    const self: ActorRef<Ticker> = this.ctx.self
    this.ctx.own(Timer.start(self, ms, 'tick', 'own'))
  }
  fail(): void {
    throw new Error('x')
  }
}

t.test('Timer.start ticks after one interval; startImmediately ticks at once; stop ends it', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const a = await system.spawn(Ticker)
  const t0 = performance.now()
  const timer = Timer.start(a, 40, 'tick', 'a')
  t.equal(timer.isRunning, true)
  await until(async () => (await a.ask('count')) >= 3)
  const stamps = await a.ask('stamps')
  t.ok((stamps[0] as number) - t0 >= 35, 'first tick after one interval')
  timer.stop()
  timer.stop()
  t.equal(timer.isRunning, false)
  const after = await a.ask('count')
  await sleep(120)
  t.equal(await a.ask('count'), after, 'no ticks after stop')
  t.equal(timer.tickCount, after)

  const b = await system.spawn(Ticker)
  const t1 = performance.now()
  const immediate = Timer.startImmediately(b, 1000, 'tick', 'b')
  await until(async () => (await b.ask('count')) === 1)
  t.ok(performance.now() - t1 < 900, 'first tick did not wait for the interval')
  immediate.stop()
  t.throws(() => Timer.start(b, 0, 'tick', 'x'), TypeError)
})

t.test('a timer stops when its actor stops and never piles up ticks behind a slow handler', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const a = await system.spawn(Ticker)
  const timer = Timer.start(a, 10, 'slowTick', 100)
  await sleep(250)
  const count = await a.ask('count')
  t.ok(count <= 3, `slow handler saw at most one tick per 100 ms (${count})`)
  t.ok(timer.missedTicks > 5, 'ticks were skipped, not queued')
  await a.stop()
  t.equal(timer.isRunning, false, 'stopped with the actor')
})

t.test('an owned timer is stopped when the actor restarts', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const a = await system.spawn(Ticker, { supervision: { directive: 'restart', backoff: { minMs: 1 } } })
  await a.ask('startOwnTimer', 10)
  await until(async () => (await a.ask('count')) >= 2)
  await t.rejects(a.ask('fail'))
  // A tick already queued before the restart may still arrive (queued messages survive restarts).
  const afterRestart = await a.ask('count')
  t.ok(afterRestart <= 1, 'the new instance starts fresh')
  await sleep(80)
  t.equal(await a.ask('count'), afterRestart, 'the new instance gets no ticks from the old timer')
})

t.test('describe returns the tree within maxDepth and maxChildren', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  class Tree extends Actor {
    async grow(width: number, depth: number): Promise<void> {
      if (depth === 0) return
      for (let i = 0; i < width; i++) {
        const c = await this.ctx.spawn(Tree, { id: `c${i}` })
        await c.ask('grow', width, depth - 1)
      }
    }
  }
  const root = await system.spawn(Tree, { id: 'root' })
  await root.ask('grow', 3, 3)
  const all = await system.describe()
  t.equal(all.length, 1)
  const top = all[0]!
  t.match(top, { id: 'root', path: 'root', actorType: 'Tree', status: 'running', tracked: true, thread: 'main', childCount: 3 })
  t.equal(top.children[1]?.children[2]?.children[0]?.path, 'root/c1/c2/c0')
  const limited = (await system.describe({ maxDepth: 1, maxChildren: 2 }))[0]!
  t.equal(limited.children.length, 2)
  t.equal(limited.childCount, 3)
  t.same(limited.children.map((c) => c.children.length), [0, 0], 'depth limit')
  t.equal(limited.children[0]?.childCount, 3, 'counts are kept past the depth limit')
  await t.rejects(system.describe({ maxDepth: -1 }), /maxDepth/)
})

t.test('metrics count messages per type and handler, failures, lifecycle, dead letters and timings', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent', metricsSampleEvery: 1 })
  t.teardown(() => system.shutdown())
  const a: ActorRef<Ticker> = await system.spawn(Ticker, { supervision: { directive: 'resume' } })
  for (let i = 0; i < 10; i++) a.tell('tick', 'x')
  await a.ask('count')
  await t.rejects(a.ask('fail'))
  await a.stop()
  a.tell('tick', 'dead')
  const m = system.metrics()
  const ticker = m.actorTypes.find((x) => x.actorType === 'Ticker')!
  t.match(ticker, { created: 1, stopped: 1, alive: 0 })
  const tick = ticker.handlers.find((h) => h.handler === 'tick')!
  t.match(tick, { sent: 10, processed: 10, failed: 0 })
  t.equal(tick.mailboxWaitSeconds.count, 10, 'every message timed at sampleEvery=1')
  t.equal(tick.processingSeconds.count, 10)
  t.equal(ticker.handlers.find((h) => h.handler === 'fail')!.failed, 1)
  t.equal(m.deadLetters, 1)
  t.equal(m.sampleEvery, 1)

  const sampled = await ActorSystem.start({ logLevel: 'silent', metricsSampleEvery: 8 })
  t.teardown(() => sampled.shutdown())
  const b = await sampled.spawn(Ticker)
  for (let i = 0; i < 64; i++) b.tell('tick', 'y')
  await b.ask('count')
  const h = sampled.metrics().actorTypes[0]!.handlers.find((x) => x.handler === 'tick')!
  t.equal(h.processed, 64, 'counters stay exact')
  t.equal(h.processingSeconds.count, 8, 'timings are sampled')
})

t.test('histograms bucket by upper bound and merge', async (t) => {
  const h = new Histogram()
  h.observe(0.000001)
  h.observe(0.0000011)
  h.observe(0.3)
  h.observe(100)
  t.equal(h.counts[0], 1, 'le is inclusive')
  t.equal(h.counts[1], 1)
  t.equal(h.counts[LATENCY_BUCKETS_S.indexOf(0.5)], 1)
  t.equal(h.counts[LATENCY_BUCKETS_S.length], 1, '+Inf bucket')
  t.equal(h.count, 4)
  const g = new Histogram()
  g.merge(h.snapshot())
  g.merge(h.snapshot())
  t.equal(g.count, 8)
  t.equal(g.sum, h.sum * 2)
})

t.test('the echo and timer examples run and print what they should', async (t) => {
  const echoed: string[] = []
  t.same(await runEcho((l) => echoed.push(l)), ['received: hello, world', 'echoed 2 messages'])
  t.same(echoed, ['received: hello, world', 'echoed 2 messages'])
  const printed: string[] = []
  const lines = await runTimer((l) => printed.push(l), 20, 3)
  t.same(lines.slice(0, 3), ['tick #1', 'tick #2', 'tick #3'])
  t.same(printed.slice(0, 3), lines.slice(0, 3))
})
