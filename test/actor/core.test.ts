// Core actor behaviour on one thread: spawn, tell/send/ask, ordering, registry, lifecycle,
// errors, backpressure, shutdown.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { Actor, ActorRefError, ActorSystem, isActorRefError, type ActorRef, type DeadLetter } from '../../lib/index.js'
import { sleep } from '../helpers/wait.js'
import { captureStderr } from '../helpers/stderr.js'


class Counter extends Actor {
  n = 0
  inc(by: number): void {
    this.n += by
  }
  get(): number {
    return this.n
  }
  add(a: number, b: number): number {
    return a + b
  }
  async slowGet(ms: number): Promise<number> {
    await sleep(ms)
    return this.n
  }
  fail(message: string): never {
    throw new Error(message)
  }
  _internal(): number {
    return 42
  }
}

class Recorder extends Actor {
  readonly seen: string[] = []
  active = 0
  maxActive = 0
  async record(tag: string, ms: number): Promise<void> {
    this.active++
    this.maxActive = Math.max(this.maxActive, this.active)
    await sleep(ms)
    this.seen.push(tag)
    this.active--
  }
  push(tag: string): void {
    this.seen.push(tag)
  }
  log(): string[] {
    return this.seen
  }
  concurrency(): number {
    return this.maxActive
  }
}

t.test('tell and ask reach the actor and replies are typed values', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const c = await system.spawn(Counter, { id: 'c1' })
  c.tell('inc', 5)
  c.tell('inc', 2)
  t.equal(await c.ask('get'), 7)
  t.equal(await c.ask('add', 2, 3), 5)
  t.equal(await c.ask('slowGet', 5), 7)
  t.equal(c.id, 'c1')
  t.equal(c.actorType, 'Counter')
  t.equal(c.isAlive, true)
  t.equal(String(c), 'ActorRef(Counter:c1)')
  t.same(c.toJSON(), { id: 'c1', actorType: 'Counter', node: `${system.nodeId}#${c.address.node.incarnation}`, thread: 0 })
})

t.test('messages are handled one at a time, in order per sender, async handlers included', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const r = await system.spawn(Recorder)
  const pending: Promise<void>[] = []
  for (let i = 0; i < 20; i++) pending.push(r.ask('record', `m${i}`, i % 3))
  r.tell('push', 'last')
  await Promise.all(pending)
  const log = await r.ask('log')
  t.same(log, [...Array.from({ length: 20 }, (_, i) => `m${i}`), 'last'])
  t.equal(await r.ask('concurrency'), 1, 'never two handlers at once')
})

t.test('100k tells arrive in order with nothing lost', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  class Seq extends Actor {
    expected = 0
    errors = 0
    next(i: number): void {
      if (i !== this.expected) this.errors++
      this.expected = i + 1
    }
    state(): [number, number] {
      return [this.expected, this.errors]
    }
  }
  const s = await system.spawn(Seq)
  for (let i = 0; i < 100_000; i++) s.tell('next', i)
  t.same(await s.ask('state'), [100_000, 0])
})

t.test('handler errors reject the ask with the handler error', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const c = await system.spawn(Counter, { supervision: { directive: 'resume' } })
  const failures: string[] = []
  system.on('actorFailed', (f) => failures.push(`${f.actorId}:${f.handler}:${(f.error as Error).message}`))
  await t.rejects(c.ask('fail', 'boom'), { message: 'boom' })
  c.tell('fail', 'silent boom')
  t.equal(await c.ask('get'), 0)
  t.same(failures, [`${c.id}:fail:boom`, `${c.id}:fail:silent boom`])
})

t.test('registry: named actors are found by id, duplicates are refused, anonymous are not tracked', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const c = await system.spawn(Counter, { id: 'named' })
  t.equal(await system.actorOf('named'), c)
  t.equal(await system.lookup('named', Counter), c)
  t.equal(await system.actorOf('missing'), undefined)
  await t.rejects(system.spawn(Counter, { id: 'named' }), { code: 'AlreadyExists', actorId: 'named' })
  await t.rejects(system.actorOf('named', Recorder), { code: 'TypeMismatch' })
  const anon = await system.spawn(Counter)
  t.match(anon.id, /^\$\d+$/)
  t.equal(await system.actorOf(anon.id), undefined, 'anonymous actors are not found by id')
  await c.stop()
  t.equal(await system.actorOf('named'), undefined)
  const again = await system.spawn(Counter, { id: 'named' })
  t.equal(again.isAlive, true, 'an id is free again once its actor stopped')
  await t.rejects(system.spawn(Counter, { id: 'a/b' }), { code: 'InvalidArgument' })
  await t.rejects(system.spawn(Counter, { id: '' }), { code: 'InvalidArgument' })
  // @ts-expect-error not an actor class
  await t.rejects(system.spawn(Date), { code: 'InvalidArgument' })
})

t.test('unknown handlers are NotSupported on every path', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const c = (await system.spawn(Counter, { id: 'ns' })) as unknown as ActorRef<Actor> & {
    tell(h: string, ...a: unknown[]): void
    ask(h: string, ...a: unknown[]): Promise<unknown>
    send(h: string, ...a: unknown[]): Promise<void>
  }
  t.throws(() => c.tell('nope'), { code: 'NotSupported', handler: 'nope', actorId: 'ns', actorType: 'Counter' })
  await t.rejects(c.ask('nope'), { code: 'NotSupported' })
  await t.rejects(c.send('nope'), { code: 'NotSupported' })
  await t.rejects(c.ask('_internal'), { code: 'NotSupported' }, 'underscore methods are not handlers')
  await t.rejects(c.ask('started'), { code: 'NotSupported' }, 'lifecycle hooks are not handlers')
  await t.rejects(c.ask('toString'), { code: 'NotSupported' })

  // A framework base class can keep helper methods away from messages.
  class Base extends Actor {
    static override internalMethods = ['helper']
    helper(): string {
      return 'internal'
    }
  }
  class Derived extends Base {
    useHelper(): string {
      return this.helper()
    }
  }
  const d = (await system.spawn(Derived)) as unknown as ActorRef<Actor> & { ask(h: string): Promise<unknown> }
  t.equal(await d.ask('useHelper'), 'internal')
  await t.rejects(d.ask('helper'), { code: 'NotSupported' }, 'listed internal methods are not handlers')
})

t.test('ask timeout names actor, type and handler; options and abort signals work', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent', askTimeoutMs: 60 })
  t.teardown(() => system.shutdown())
  const c = await system.spawn(Counter, { id: 'slow' })
  const started = performance.now()
  const err = await c.ask('slowGet', 1000).catch((e: unknown) => e)
  const took = performance.now() - started
  t.ok(isActorRefError(err, 'Timeout'))
  t.match((err as Error).message, /no reply within 60 ms.*'slow' \(Counter\).*'slowGet'/)
  t.ok(took >= 55 && took < 900, `default timeout applied (${took.toFixed(0)} ms)`)
  await t.rejects(c.ask('get', { timeoutMs: 20 }), { code: 'Timeout' }, 'queued behind the slow handler')
  await sleep(1000)
  t.equal(await c.ask('get', { timeoutMs: 500 }), 0)
  t.equal(await c.askWith({ timeoutMs: 500 }, 'add', 1, 1), 2)
  await t.rejects(c.ask('get', { timeoutMs: -1 }), { code: 'InvalidArgument' })
  const ac = new AbortController()
  const aborted = t.rejects(c.ask('slowGet', 200, { signal: ac.signal }), { message: 'caller gave up' })
  ac.abort(new Error('caller gave up'))
  await aborted
  await t.rejects(c.ask('get', { signal: AbortSignal.abort(new Error('already')) }), { message: 'already' })
})

t.test('lifecycle: started runs before messages, stopped after; start failures are StartFailed', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const events: string[] = []
  class Life extends Actor {
    constructor(private readonly tag: string) {
      super()
      events.push(`construct ${tag} ${this.ctx.id}`)
    }
    override async started(): Promise<void> {
      await sleep(5)
      events.push(`started ${this.tag}`)
    }
    hello(): string {
      events.push(`hello ${this.tag}`)
      return 'hi'
    }
    override async stopped(): Promise<void> {
      await sleep(5)
      events.push(`stopped ${this.tag}`)
    }
  }
  const l = await system.spawn(Life, { id: 'life', args: ['x'] })
  t.equal(await l.ask('hello'), 'hi')
  await l.stop()
  await l.stop()
  t.same(events, ['construct x life', 'started x', 'hello x', 'stopped x'])
  t.equal(l.isAlive, false)

  class BadStart extends Actor {
    override started(): void {
      throw new Error('no config')
    }
    ping(): void {}
  }
  const err = await system.spawn(BadStart, { id: 'bad' }).catch((e: unknown) => e)
  t.ok(isActorRefError(err, 'StartFailed'))
  t.match((err as ActorRefError).message, /no config/)
  t.equal((err as ActorRefError).actorId, 'bad')
  t.equal(((err as Error).cause as Error).message, 'no config')
  t.equal(await system.actorOf('bad'), undefined, 'a failed start frees the id')

  class StopsItself extends Actor {
    override started(): void {
      this.ctx.stop()
    }
    ping(): void {}
  }
  await t.rejects(system.spawn(StopsItself), { code: 'StartFailed', message: /stopped itself/ })

  t.throws(() => new Counter(), { name: 'TypeError', message: /must be created by an actor system/ })
})

t.test('stop: queued asks reject with Stopped, queued tells become dead letters, later sends too', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const dead: DeadLetter[] = []
  system.on('deadLetter', (d) => dead.push(d))
  const c = await system.spawn(Counter, { id: 'stopping' })
  const inFlight = c.ask('slowGet', 30)
  await sleep(1) // let the handler start
  const queued = t.rejects(c.ask('get'), { code: 'Stopped', actorId: 'stopping', handler: 'get' })
  c.tell('inc', 1)
  const stopped = c.stop()
  t.equal(c.isAlive, false, 'not alive as soon as stop begins')
  t.equal(await inFlight, 0, 'the running handler finishes')
  await queued
  await stopped
  c.tell('inc', 2)
  await t.rejects(c.ask('get'), { code: 'Stopped' })
  await t.rejects(c.send('inc', 1), { code: 'Stopped' })
  t.same(
    dead.map((d) => [d.actorId, d.handler, d.args]),
    [
      ['stopping', 'inc', [1]],
      ['stopping', 'inc', [2]],
    ],
  )
  t.equal(system.metrics().deadLetters, 2)
})

t.test('ctx.stop from a handler stops after the current message', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  class Quitter extends Actor {
    handled: string[] = []
    async quit(): Promise<string> {
      this.ctx.stop()
      await sleep(10)
      this.handled.push('quit')
      return 'bye'
    }
    other(): void {}
  }
  class Failer extends Actor {
    check(): boolean {
      const before = this.ctx.stopRequested
      this.ctx.stop(new Error('cannot go on'))
      return before === false && this.ctx.stopRequested
    }
  }
  const f = await system.spawn(Failer)
  const terminated = new Promise<string>((resolve) => f.target.addWatcher({ onTargetTerminated: (n) => resolve(`${n.reason}:${(n.error as Error).message}`) }))
  t.equal(await f.ask('check'), true, 'stopRequested turns true at the request')
  t.equal(await terminated, 'failed:cannot go on', 'ctx.stop(error) stops as a failure')
  const q = await system.spawn(Quitter)
  const bye = q.ask('quit')
  const next = t.rejects(q.ask('other'), { code: 'Stopped' })
  t.equal(await bye, 'bye')
  await next
})

t.test('full mailbox: tell throws MailboxFull, send waits for room, ask waits within its timeout', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent', askTimeoutMs: 2000 })
  t.teardown(() => system.shutdown())
  const r = await system.spawn(Recorder, { mailboxCapacity: 2 })
  const first = r.ask('record', 'a', 30)
  await sleep(1) // running now: it left the mailbox
  r.tell('push', 'b')
  r.tell('push', 'c')
  t.throws(() => r.tell('push', 'x'), { code: 'MailboxFull', handler: 'push', message: /capacity 2/ })
  const waited = r.send('push', 'd')
  const asked = r.ask('log')
  t.throws(() => r.tell('push', 'y'), { code: 'MailboxFull' }, 'tell may not overtake waiting senders')
  await first
  await waited
  t.same(await asked, ['a', 'b', 'c', 'd'])
  t.equal(system.metrics().deadLetters, 0, 'nothing was dropped')

  const tight = await system.spawn(Recorder, { mailboxCapacity: 1 })
  void tight.ask('record', 'long', 300)
  await sleep(1)
  tight.tell('push', 'fills')
  await t.rejects(tight.ask('log', { timeoutMs: 40 }), { code: 'Timeout' })
  const fast = await ActorSystem.start({ logLevel: 'silent', askTimeoutMs: 40 })
  t.teardown(() => fast.shutdown())
  const f = await fast.spawn(Recorder, { mailboxCapacity: 1 })
  void f.ask('record', 'long', 300).catch(() => {})
  await sleep(1)
  f.tell('push', 'fills')
  await t.rejects(f.send('push', 'late'), { code: 'Timeout', message: /mailbox stayed full/ })
  const stoppedWhileWaiting = t.rejects(f.send('push', 'never'), { code: 'Stopped' })
  void f.stop()
  await stoppedWhileWaiting
})

t.test('shutdown stops everything, rejects pending asks, refuses spawns and is idempotent', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  const order: string[] = []
  class Node extends Actor {
    override async started(): Promise<void> {
      const depth = this.ctx.path.split('/').length
      if (depth < 3) await this.ctx.spawn(Node, { id: `n${depth}` })
    }
    override stopped(): void {
      order.push(this.ctx.path)
    }
    wait(ms: number): Promise<void> {
      return sleep(ms)
    }
    ping(): string {
      return 'pong'
    }
  }
  const root = await system.spawn(Node, { id: 'root' })
  const busy = root.ask('wait', 30)
  await sleep(1)
  const queued = t.rejects(root.ask('ping'), { code: 'Stopped', message: /shut down/ })
  const first = system.shutdown()
  t.equal(system.shutdown(), first, 'same promise on repeat')
  await first
  await busy
  await queued
  t.same(order, ['root/n1/n2', 'root/n1', 'root'], 'children stop before parents')
  await t.rejects(system.spawn(Node), { code: 'SystemShutdown' })
  t.equal(system.isShutdown, true)
  t.same(await system.describe(), [])
})

t.test('stop does not wait forever for a stuck handler', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent', stopTimeoutMs: 50 })
  class Stuck extends Actor {
    hang(): Promise<void> {
      return new Promise(() => {})
    }
  }
  const s = await system.spawn(Stuck)
  const hung = t.rejects(s.ask('hang', { timeoutMs: 10_000 }), { code: 'Stopped', message: /still running/ })
  await sleep(1)
  await system.shutdown()
  await hung
})

t.test('options are validated once, naming every bad field', async (t) => {
  const err = await ActorSystem.start({ askTimeoutMs: 0, mailboxCapacity: -1, metricsSampleEvery: 3, name: '' }).catch(
    (e: unknown) => e,
  )
  t.type(err, TypeError)
  for (const field of ['askTimeoutMs', 'mailboxCapacity', 'metricsSampleEvery', 'name']) {
    t.match((err as Error).message, field, `names ${field}`)
  }
  await t.rejects(ActorSystem.start({ supervision: { directive: 'explode' as 'stop' } }), TypeError)
  await t.rejects(ActorSystem.start({ supervision: { directive: 'restart', backoff: { factor: 0.5 } } }), /factor/)
  // @ts-expect-error wrong level
  await t.rejects(ActorSystem.start({ logLevel: 'loud' }), /logLevel/)
  const system = await ActorSystem.start({ name: 'named-system', nodeId: 'node-1', logLevel: 'silent' })
  t.equal(system.name, 'named-system')
  t.equal(system.nodeId, 'node-1')
  t.equal(system.options.askTimeoutMs, 5000)
  await t.rejects(system.spawn(Counter, { mailboxCapacity: 0 }), { code: 'InvalidArgument' })
  await t.rejects(system.spawn(Counter, { supervision: { directive: 'restart', maxRestarts: -1 } }), {
    code: 'InvalidArgument',
  })
  await system.shutdown()
})

t.test('the default logger writes JSON lines with actor fields', async (t) => {
  const lines = await captureStderr(async () => {
    const system = await ActorSystem.start({ logLevel: 'info', nodeId: 'n1' })
    class Talker extends Actor {
      say(): void {
        this.ctx.log.info({ extra: 1 }, 'hello from an actor')
        this.ctx.log.debug({}, 'not shown at info')
      }
    }
    const a = await system.spawn(Talker, { id: 'talker' })
    await a.ask('say')
    await system.shutdown()
  })
  const hello = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'hello from an actor')
  t.match(hello, { level: 'info', actorId: 'talker', actorType: 'Talker', nodeId: 'n1', extra: 1, handler: 'say' })
  t.notOk(lines.some((l) => l.includes('not shown')))
})

// The heap an idle actor holds (issue 17: at most 1 KB; a million idle actors must fit in a
// 1.5 GB heap). An idle actor has no mailbox, queues, sets or maps of its own until it needs
// them; this guards against a per-actor structure creeping back in.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

class IdleForMemory extends Actor {
  ping(): number {
    return 1
  }
}

t.test('an idle actor holds well under 1 KB of heap, and gets its mailbox back in order when used', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent', workers: 0 })
  t.teardown(() => system.shutdown())
  await system.spawn(IdleForMemory) // the type's caches are not the actors' cost
  const count = 20_000
  const refs: (ActorRef<IdleForMemory> | null)[] = Array.from({ length: count }, () => null)
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < count; i += 1000) {
    const spawned = await Promise.all(Array.from({ length: 1000 }, () => system.spawn(IdleForMemory)))
    spawned.forEach((r, j) => (refs[i + j] = r))
  }
  gc()
  gc()
  const perActor = (process.memoryUsage().heapUsed - before) / count
  t.ok(perActor < 1024, `${perActor.toFixed(0)} bytes per idle actor`)
  // The lazily made parts work as before once used.
  const first = refs[0] as ActorRef<IdleForMemory>
  first.tell('ping')
  t.equal(await first.ask('ping'), 1)
  await first.stop()
  t.equal(first.isAlive, false)
})
