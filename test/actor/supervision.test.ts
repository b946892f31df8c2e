// Supervision strategies, children and watch: restart (with backoff and limits), resume, stop,
// escalate, deciders, child paths, cascading stops, Terminated notices.
import t from 'tap'
import {
  Actor,
  ActorSystem,
  Supervision,
  type ActorRef,
  type SupervisionStrategy,
  type Terminated,
} from '../../lib/index.js'
import { RestartHistory, resolveStrategy } from '../../lib/actor/supervision.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}

let instances = 0
class Fragile extends Actor {
  readonly instance = ++instances
  n = 0
  inc(): number {
    return ++this.n
  }
  whoAmI(): [number, number] {
    return [this.instance, this.n]
  }
  fail(why: string): void {
    throw new Error(why)
  }
  failWith(kind: 'type' | 'range'): void {
    throw kind === 'type' ? new TypeError('t') : new RangeError('r')
  }
}

t.test('restart: a fresh instance behind the same ref; queued messages survive', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const f = await system.spawn(Fragile, { id: 'fragile', supervision: Supervision.restart({ backoff: { minMs: 20 } }) })
  await f.ask('inc')
  await f.ask('inc')
  const [first] = await f.ask('whoAmI')
  const failed = t.rejects(f.ask('fail', 'boom'), { message: 'boom' })
  const queued = f.ask('whoAmI') // waits through the backoff, handled by the new instance
  await failed
  const [second, n] = await queued
  t.not(second, first, 'a new instance')
  t.equal(n, 0, 'with fresh state')
  t.equal(await system.actorOf('fragile'), f, 'same ref, same registration')
  t.equal(f.isAlive, true)
  const m = system.metrics().actorTypes.find((a) => a.actorType === 'Fragile')
  t.equal(m?.restarted, 1)
  t.equal(m?.handlers.find((h) => h.handler === 'fail')?.failed, 1)
})

t.test('restart limit: more than maxRestarts within the window stops the actor', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  class Watcher extends Actor {
    notices: Terminated[] = []
    watchIt(ref: ActorRef): void {
      this.ctx.watch(ref)
    }
    override onTerminated(n: Terminated): void {
      this.notices.push(n)
    }
    seen(): string[] {
      return this.notices.map((n) => `${n.id}:${n.reason}:${(n.error as Error | undefined)?.message}`)
    }
  }
  const w = await system.spawn(Watcher)
  const f = await system.spawn(Fragile, {
    id: 'limited',
    supervision: Supervision.restart({ maxRestarts: 2, withinMs: 10_000, backoff: { minMs: 1, maxMs: 5 } }),
  })
  await w.ask('watchIt', f)
  for (let i = 0; i < 3; i++) {
    await t.rejects(f.ask('fail', `f${i}`))
    if (i < 2) await until(async () => (await f.ask('inc').catch(() => 0)) > 0)
  }
  await until(() => !f.isAlive)
  await until(async () => (await w.ask('seen')).length === 1)
  t.same(await w.ask('seen'), ['limited:failed:f2'])
})

t.test('backoff grows exponentially and is capped; the window slides', async (t) => {
  const s = resolveStrategy({ directive: 'restart', maxRestarts: 5, withinMs: 1000, backoff: { minMs: 10, maxMs: 50, factor: 3 } })
  const h = new RestartHistory()
  t.same([h.next(s, 0), h.next(s, 1), h.next(s, 2), h.next(s, 3), h.next(s, 4)], [10, 30, 50, 50, 50])
  t.equal(h.next(s, 5), null, 'budget spent within the window')
  t.equal(h.next(s, 1002), 50, 'old restarts leave the window')
  t.equal(h.count, 4, 'two aged out, one added')
  const s2 = resolveStrategy({ directive: 'restart' })
  t.match(s2, { maxRestarts: 10, withinMs: 60_000, minMs: 10, maxMs: 10_000, factor: 2 })
  t.throws(() => resolveStrategy({ directive: 'restart', backoff: { minMs: 100, maxMs: 10 } }), /maxMs/)
  t.throws(() => resolveStrategy({ directive: 'restart', withinMs: Number.NaN }), /withinMs/)
})

t.test('the backoff delay is really waited', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const f = await system.spawn(Fragile, { supervision: Supervision.restart({ backoff: { minMs: 150 } }) })
  await t.rejects(f.ask('fail', 'x'))
  const started = performance.now()
  await f.ask('inc')
  t.ok(performance.now() - started >= 140, 'the next message waited for the restart')
  const [, n] = await f.ask('whoAmI')
  t.equal(n, 1)
})

t.test('resume keeps the instance and its state', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const f = await system.spawn(Fragile, { supervision: Supervision.resume() })
  await f.ask('inc')
  const [before] = await f.ask('whoAmI')
  await t.rejects(f.ask('fail', 'x'))
  t.same(await f.ask('whoAmI'), [before, 1])
})

t.test('stop stops the actor with reason failed and rejects its queue', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const f = await system.spawn(Fragile, { id: 'stopper', supervision: Supervision.stop() })
  const failed = t.rejects(f.ask('fail', 'fatal'), { message: 'fatal' })
  const queued = t.rejects(f.ask('inc'), { code: 'Stopped' })
  await failed
  await queued
  t.equal(f.isAlive, false)
  t.equal(await system.actorOf('stopper'), undefined)
})

t.test('a decider picks the directive per error; a throwing decider stops the actor', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const seen: string[] = []
  const strategy = Supervision.decide((e, info) => {
    seen.push(`${info.actorType}.${info.handler}`)
    return e instanceof TypeError ? 'resume' : 'stop'
  })
  const f = await system.spawn(Fragile, { supervision: strategy })
  await f.ask('inc')
  await t.rejects(f.ask('failWith', 'type'), TypeError)
  t.same(await f.ask('inc'), 2, 'resumed with state')
  await t.rejects(f.ask('failWith', 'range'), RangeError)
  await until(() => !f.isAlive)
  t.same(seen, ['Fragile.failWith', 'Fragile.failWith'])

  const g = await system.spawn(Fragile, {
    supervision: Supervision.decide(() => {
      throw new Error('decider bug')
    }),
  })
  await t.rejects(g.ask('fail', 'x'))
  await until(() => !g.isAlive)
})

t.test('a restart whose started() fails counts as another failure', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  let made = 0
  class FailsOnRestart extends Fragile {
    override started(): void {
      if (++made > 1) throw new Error('cannot restart')
    }
  }
  const f = await system.spawn(FailsOnRestart, {
    supervision: Supervision.restart({ maxRestarts: 3, backoff: { minMs: 1, maxMs: 2 } }),
  })
  await t.rejects(f.ask('fail', 'x'))
  await until(() => !f.isAlive)
  const m = system.metrics().actorTypes.find((a) => a.actorType === 'FailsOnRestart')
  t.equal(m?.restarted, 0, 'no restart ever completed')
  t.equal(made, 4, 'the first start and three failed restarts')
})

class Parent extends Actor {
  events: string[] = []
  kids: ActorRef<Fragile>[] = []
  constructor(strategy?: SupervisionStrategy) {
    super()
    if (strategy) this.childSupervision = strategy
  }
  async spawnKid(id: string, strategy?: SupervisionStrategy): Promise<ActorRef<Fragile>> {
    const kid = await this.ctx.spawn(Fragile, strategy ? { id, supervision: strategy } : { id })
    this.kids.push(kid)
    return kid
  }
  async spawnAnon(): Promise<string> {
    return (await this.ctx.spawn(Fragile)).id
  }
  childIds(): string[] {
    return this.ctx.children.map((c) => c.id)
  }
  findChild(id: string): string | undefined {
    return this.ctx.child(id)?.path
  }
  override onChildTerminated(n: Terminated): void {
    this.events.push(`child ${n.path} ${n.reason}`)
  }
  log(): string[] {
    return this.events
  }
  override stopped(): void {
    this.events.push('parent stopped')
  }
}

t.test('children: paths, lookup, childSupervision, cascading stop, onChildTerminated', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  // The parent resumes itself too: a handler that throws (the duplicate spawn below) must not restart it.
  const p = await system.spawn(Parent, { id: 'p', args: [Supervision.resume()], supervision: Supervision.resume() })
  const a = await p.ask('spawnKid', 'a')
  t.equal(a.id, 'p/a')
  t.equal(a.path, 'p/a')
  t.equal(await system.actorOf('p/a'), a, 'named children are tracked by their full id')
  t.match(await p.ask('spawnAnon'), /^p\/\$\d+$/)
  t.same((await p.ask('childIds')).length, 2)
  t.equal(await p.ask('findChild', 'a'), 'p/a')
  await t.rejects(p.ask('spawnKid', 'a'), { code: 'AlreadyExists', actorId: 'p/a' })

  await a.ask('inc')
  await t.rejects(a.ask('fail', 'x'))
  t.same(await a.ask('whoAmI').then(([, n]) => n), 1, 'parent childSupervision=resume applied')

  const b = await p.ask('spawnKid', 'b', Supervision.stop())
  await t.rejects(b.ask('fail', 'y'))
  await until(async () => (await p.ask('log')).includes('child p/b failed'))

  const events: string[] = []
  class Outside extends Actor {
    watchIt(ref: ActorRef): void {
      this.ctx.watch(ref)
    }
    override onTerminated(n: Terminated): void {
      events.push(`${n.id} ${n.reason}`)
    }
  }
  const o = await system.spawn(Outside)
  await o.ask('watchIt', a)
  await o.ask('watchIt', p)
  await p.stop()
  t.equal(a.isAlive, false, 'children stop with the parent')
  await until(() => events.length === 2)
  t.same(events.sort(), ['p stopped', 'p/a parentStopped'])
  await o.ask('watchIt', b)
  await until(() => events.length === 3)
  t.equal(events[2], 'p/b failed', 'a late watcher gets the real reason')
  await t.rejects(system.spawn(Fragile).then(() => p.ask('spawnKid', 'late')), { code: 'Stopped' })
})

t.test('escalate: the parent decides; restart replaces the parent and stops its children', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const p = await system.spawn(Parent, {
    id: 'esc',
    args: [Supervision.escalate()],
    supervision: Supervision.restart({ backoff: { minMs: 1 } }),
  })
  const kid = await p.ask('spawnKid', 'k')
  await t.rejects(kid.ask('fail', 'deep'), { message: 'deep' })
  await until(() => !kid.isAlive)
  await until(async () => (await p.ask('childIds').catch(() => ['x'])).length === 0)
  t.same(await p.ask('log'), [], 'a fresh parent instance')
  t.equal(p.isAlive, true)
})

t.test('escalate: a parent resuming resumes the suspended child', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const p = await system.spawn(Parent, { args: [Supervision.escalate()], supervision: Supervision.resume() })
  const kid = await p.ask('spawnKid', 'k')
  await kid.ask('inc')
  await t.rejects(kid.ask('fail', 'x'))
  t.same((await kid.ask('whoAmI'))[1], 1, 'child kept its state and runs again')
})

t.test('escalate: a parent stopping stops the subtree; top-level escalation stops the actor', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const p = await system.spawn(Parent, { args: [Supervision.escalate()], supervision: Supervision.stop() })
  const kid = await p.ask('spawnKid', 'k')
  await t.rejects(kid.ask('fail', 'x'))
  await until(() => !p.isAlive && !kid.isAlive)
  const top = await system.spawn(Fragile, { supervision: Supervision.escalate() })
  await t.rejects(top.ask('fail', 'x'))
  await until(() => !top.isAlive)
  const twoLevels = await system.spawn(Parent, { args: [Supervision.escalate()], supervision: Supervision.escalate() })
  const k2 = await twoLevels.ask('spawnKid', 'k2')
  await t.rejects(k2.ask('fail', 'x'))
  await until(() => !twoLevels.isAlive && !k2.isAlive)
})

t.test('watch: Terminated carries id, path, type and reason; unwatch and already-dead targets', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  class W extends Actor {
    notices: Terminated[] = []
    watchIt(ref: ActorRef): void {
      this.ctx.watch(ref)
    }
    unwatchIt(ref: ActorRef): void {
      this.ctx.unwatch(ref)
    }
    override async onTerminated(n: Terminated): Promise<void> {
      await sleep(1)
      this.notices.push(n)
    }
    seen(): string[] {
      return this.notices.map((n) => `${n.id}|${n.path}|${n.actorType}|${n.reason}|${n.ref.isAlive}`)
    }
  }
  const w = await system.spawn(W)
  const a = await system.spawn(Fragile, { id: 'wa' })
  const b = await system.spawn(Fragile, { id: 'wb' })
  await w.ask('watchIt', a)
  await w.ask('watchIt', a)
  await w.ask('watchIt', b)
  await w.ask('unwatchIt', b)
  await a.stop()
  await b.stop()
  await w.ask('watchIt', b) // already dead: notified at once
  await until(async () => (await w.ask('seen')).length === 2)
  await sleep(20)
  t.same(await w.ask('seen'), ['wa|wa|Fragile|stopped|false', 'wb|wb|Fragile|stopped|false'])
})

t.test('onTerminated failures go through supervision like handler failures', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const failures: string[] = []
  system.on('actorFailed', (f) => failures.push(f.handler))
  class Grumpy extends Actor {
    watchIt(ref: ActorRef): void {
      this.ctx.watch(ref)
    }
    override onTerminated(): void {
      throw new Error('grr')
    }
    ping(): string {
      return 'pong'
    }
  }
  const g = await system.spawn(Grumpy, { supervision: Supervision.resume() })
  const f = await system.spawn(Fragile)
  await g.ask('watchIt', f)
  await f.stop()
  await until(() => failures.length === 1)
  t.same(failures, ['onTerminated'])
  t.equal(await g.ask('ping'), 'pong')
})
