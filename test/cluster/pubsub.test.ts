// Distributed pub/sub between three clustered systems in one process (real network threads and
// WebSockets on 127.0.0.1; node a has a worker thread): fan-out with one copy per interested
// node, order per publisher, keys, unsubscribe, subscriptions ending with their actor or node,
// the overflow policies (counted, dead letters, `fail` throwing), scope `local`, and the
// `coerce.cluster` system topic on every node and on a worker.
import t from 'tap'
import { ActorSystem, clusterTopic, defineTopic, metricCollectors, type ActorRef, type ClusterTopicEvent, type DeadLetter, type MetricFamily } from '../../lib/index.js'
import { PubSubProbe } from '../fixtures/cluster-actors.js'
import { sleep, until } from '../helpers/wait.js'

const secret = 'pubsub-test-secret'
const fast = { heartbeatIntervalMs: 100, acceptableHeartbeatPauseMs: 300, firstHeartbeatEstimateMs: 100 }
const clusterOf = (seeds: string[]) => ({ listen: '127.0.0.1:0', secret, seeds, failureDetector: fast, downAfterMs: 600 })
const a = await ActorSystem.start({ nodeId: 'a', workers: 1, logLevel: 'silent', cluster: clusterOf([]) })
const seeds = [a.cluster.self.advertise]
const b = await ActorSystem.start({ nodeId: 'b', workers: 0, logLevel: 'silent', cluster: clusterOf(seeds) })
const c = await ActorSystem.start({ nodeId: 'c', workers: 0, logLevel: 'silent', cluster: clusterOf(seeds) })
t.teardown(async () => {
  await Promise.all([a.shutdown(), b.shutdown(), c.shutdown()])
})
const all = [a, b, c]
await until(() => all.every((s) => s.cluster.members().filter((m) => m.status === 'up').length === 3), 10_000, 'three members up everywhere')

/** Waits until `on` knows exactly `nodes` want `topic` (and `key`). */
const interest = (on: ActorSystem, topic: string, nodes: string[], key?: string): Promise<void> =>
  until(() => on.pubsub.interestedNodes(topic, key).join() === nodes.join(), 5000, `${on.nodeId} sees [${nodes.join()}] interested in ${topic}`)

/** The messages of `from` in `got`, in the order they arrived. */
const of = (got: readonly unknown[], from: string): unknown[] => got.filter((m) => typeof m === 'string' && m.startsWith(`${from}-`))
const numbered = (from: string, n = 10): string[] => Array.from({ length: n }, (_, i) => `${from}-${i}`)

t.test('3 nodes: every subscriber (callback, main actor, worker actor) gets all 10 of each publisher, in order, within 3 s', async (t) => {
  const got = { a: [] as unknown[], b: [] as unknown[], c: [] as unknown[] }
  const subs = [a.pubsub.subscribe('news', {}, (m) => void got.a.push(m)), b.pubsub.subscribe('news', {}, (m) => void got.b.push(m)), c.pubsub.subscribe('news', {}, (m) => void got.c.push(m))]
  const onMainB = await b.spawn(PubSubProbe, { placement: 'main' })
  b.pubsub.subscribe('news', { ref: onMainB, handler: 'got' })
  const onWorkerA = await a.spawn(PubSubProbe, { placement: 1 })
  await onWorkerA.ask('subscribeSelf', 'news')
  // A worker's subscription takes effect once the main thread has it.
  await until(() => a.pubsub.stats().subscribers.news === 2, 3000, "the worker's subscription on a's main thread")
  await interest(a, 'news', ['b', 'c'])
  await interest(b, 'news', ['a', 'c'])
  await interest(c, 'news', ['a', 'b'])
  const started = Date.now()
  for (let i = 0; i < 10; i++) {
    a.pubsub.publish('news', `a-${i}`)
    c.pubsub.publish('news', `c-${i}`)
  }
  await onWorkerA.ask('publishMany', 'news', 10, 'w')
  const complete = (list: readonly unknown[]): boolean => list.length >= 30
  await until(async () => complete(got.a) && complete(got.b) && complete(got.c) && complete(await onMainB.ask('seen')) && complete(await onWorkerA.ask('seen')), 3000, 'all 30 everywhere')
  t.ok(Date.now() - started < 3000, `delivered everywhere in ${Date.now() - started} ms`)
  const lists: [string, readonly unknown[]][] = [['callback on a', got.a], ['callback on b', got.b], ['callback on c', got.c], ['actor on b', await onMainB.ask('seen')], ['actor on a worker', await onWorkerA.ask('seen')]]
  for (const [who, list] of lists) {
    t.equal(list.length, 30, `${who}: exactly 30 (one copy per node, no duplicates)`)
    for (const from of ['a', 'c', 'w']) t.same(of(list, from), numbered(from), `${who}: ${from}'s 10 in order`)
  }
  for (const s of subs) s.unsubscribe()
  await onWorkerA.stop()
  await onMainB.stop()
})

t.test('2 nodes: a topic only two nodes want is sent to those only', async (t) => {
  const got: unknown[] = []
  const cGot: unknown[] = []
  const sub = b.pubsub.subscribe('duo', {}, (m) => void got.push(m))
  await interest(a, 'duo', ['b'])
  t.same(c.pubsub.interestedNodes('duo'), ['b'], 'c knows b wants it too')
  const tap = c.on('deadLetter', (d) => cGot.push(d))
  for (let i = 0; i < 10; i++) a.pubsub.publish('duo', `a-${i}`)
  await until(() => got.length === 10, 3000, '10 on b')
  t.same(got, numbered('a'))
  t.same(cGot, [], 'c got no copy (not even a dead letter)')
  tap()
  sub.unsubscribe()
})

t.test('keys: a keyed subscriber gets its key only; an unkeyed one gets everything', async (t) => {
  const topic = defineTopic<{ n: number }>('keyed')
  const onB: number[] = []
  const onC: number[] = []
  const subB = b.pubsub.subscribe(topic, { key: 'k1' }, (m) => void onB.push(m.n))
  const subC = c.pubsub.subscribe(topic, {}, (m) => void onC.push(m.n))
  await interest(a, 'keyed', ['b', 'c'], 'k1')
  t.same(a.pubsub.interestedNodes(topic, 'k2'), ['c'], 'a k2 publish goes to c only')
  t.same(a.pubsub.interestedNodes(topic), ['c'], 'an unkeyed one too')
  a.pubsub.publish(topic, { n: 1 }, { key: 'k1' })
  a.pubsub.publish(topic, { n: 2 }, { key: 'k2' })
  a.pubsub.publish(topic, { n: 3 })
  a.pubsub.publish(topic, { n: 4 }, { key: 'k1' })
  await until(() => onC.length === 4 && onB.length === 2, 3000, 'keyed deliveries')
  t.same(onB, [1, 4])
  t.same(onC, [1, 2, 3, 4])
  subB.unsubscribe()
  subC.unsubscribe()
})

t.test('unsubscribe: no more deliveries, and the other nodes drop the interest', async (t) => {
  const got: unknown[] = []
  const sub = b.pubsub.subscribe('unsub', {}, (m) => void got.push(m))
  await interest(a, 'unsub', ['b'])
  a.pubsub.publish('unsub', 1)
  await until(() => got.length === 1, 3000)
  t.ok(sub.active)
  sub.unsubscribe()
  sub.unsubscribe()
  t.notOk(sub.active, 'inactive (and unsubscribe is idempotent)')
  await interest(a, 'unsub', [])
  await interest(c, 'unsub', [])
  a.pubsub.publish('unsub', 2)
  b.pubsub.publish('unsub', 3, { scope: 'local' })
  await sleep(200)
  t.same(got, [1])
})

t.test('a subscriber actor that stops ends its subscriptions, on a worker too', async (t) => {
  const probe = await c.spawn(PubSubProbe, { placement: 'main' })
  c.pubsub.subscribe('stops', { ref: probe, handler: 'got' })
  c.pubsub.subscribe('stops-too', { ref: probe, handler: 'got', key: 'x' })
  const onWorker = await a.spawn(PubSubProbe, { placement: 1 })
  await onWorker.ask('subscribeSelf', 'stops')
  await interest(b, 'stops', ['a', 'c'])
  t.same(c.pubsub.stats().subscribers, { stops: 1, 'stops-too': 1 })
  await interest(b, 'stops-too', ['c'], 'x')
  await probe.stop()
  await onWorker.stop()
  await interest(b, 'stops', [])
  await interest(b, 'stops-too', [], 'x')
  t.same(c.pubsub.stats().subscribers, {}, 'c has no subscriptions left')
  t.equal(a.pubsub.stats().subscribers.stops, undefined, 'nor has a (its worker actor stopped)')
})

t.test('a node that leaves: the others drop its interest', async (t) => {
  const d = await ActorSystem.start({ nodeId: 'd', workers: 0, logLevel: 'silent', cluster: clusterOf(seeds) })
  let dCount = 0
  d.pubsub.subscribe('leaving', {}, () => void dCount++)
  await interest(a, 'leaving', ['d'])
  await interest(b, 'leaving', ['d'])
  a.pubsub.publish('leaving', 'hello')
  await until(() => dCount === 1, 3000)
  await d.shutdown()
  await interest(a, 'leaving', [])
  await interest(b, 'leaving', [])
  t.doesNotThrow(() => a.pubsub.publish('leaving', 'anyone?'), 'publishing with nobody interested is fine')
})

/** A callback subscriber on `a` that holds the first message until released. */
function slowSubscriber(topic: string, overflow: 'dropOldest' | 'dropNewest' | 'fail') {
  const got: number[] = []
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const sub = a.pubsub.subscribe(topic, { bufferSize: 2, overflow }, async (n: number) => {
    got.push(n)
    await gate
  })
  return { got, release, sub }
}

async function droppedSamples(system: ActorSystem, topic: string): Promise<Record<string, number>> {
  const collector = metricCollectors(system).entries().find(([name]) => name === 'pubsub')?.[1]
  const families = (await collector?.collect()) ?? []
  const family = families.find((f: MetricFamily) => f.name === 'coerce_pubsub_dropped_total')
  const out: Record<string, number> = {}
  for (const s of family?.samples ?? []) if ('value' in s && s.labels?.topic === topic) out[String(s.labels.policy)] = s.value
  return out
}

t.test('overflow: a slow async callback fills its buffer; each policy drops as it says, counted and as dead letters', async (t) => {
  const dead: DeadLetter[] = []
  const off = a.on('deadLetter', (d) => dead.push(d))
  t.teardown(off)

  const oldest = slowSubscriber('ovf-oldest', 'dropOldest')
  for (let n = 0; n < 5; n++) a.pubsub.publish('ovf-oldest', n)
  oldest.release()
  await until(() => oldest.got.length === 3, 3000)
  t.same(oldest.got, [0, 3, 4], 'dropOldest: 1 and 2 dropped (0 was with the callback)')
  t.same(await droppedSamples(a, 'ovf-oldest'), { dropOldest: 2 }, 'coerce_pubsub_dropped_total{topic,policy}')

  const newest = slowSubscriber('ovf-newest', 'dropNewest')
  for (let n = 0; n < 5; n++) a.pubsub.publish('ovf-newest', n)
  newest.release()
  await until(() => newest.got.length === 3, 3000)
  t.same(newest.got, [0, 1, 2], 'dropNewest: 3 and 4 dropped')
  t.same(await droppedSamples(a, 'ovf-newest'), { dropNewest: 2 })

  const fail = slowSubscriber('ovf-fail', 'fail')
  const other: number[] = []
  const otherSub = a.pubsub.subscribe('ovf-fail', {}, (n: number) => void other.push(n))
  for (let n = 0; n < 3; n++) a.pubsub.publish('ovf-fail', n)
  t.throws(() => a.pubsub.publish('ovf-fail', 3), { name: 'ActorRefError', code: 'MailboxFull', message: /topic ovf-fail is full/ }, 'fail: the publish throws MailboxFull')
  t.same(other, [0, 1, 2, 3], 'and the other subscribers still got it')
  fail.release()
  await until(() => fail.got.length === 3, 3000)
  t.same(fail.got, [0, 1, 2])
  t.same(await droppedSamples(a, 'ovf-fail'), { fail: 1 })
  t.same(a.pubsub.stats().dropped['ovf-fail'], { fail: 1 }, 'stats() too')

  const letters = dead.filter((d) => d.actorType === 'PubSubCallback').map((d) => `${d.handler}:${String(d.args[0])}`)
  t.same(letters, ['ovf-oldest:1', 'ovf-oldest:2', 'ovf-newest:3', 'ovf-newest:4', 'ovf-fail:3'], 'every drop is a dead letter with the message')
  t.match(dead.find((d) => d.handler === 'ovf-fail')?.reason, /buffer of 2 full \(topic ovf-fail, fail\)/)
  for (const s of [oldest.sub, newest.sub, fail.sub, otherSub]) s.unsubscribe()
})

t.test('overflow on another node: a full fail subscriber there cannot fail the publisher; it is counted there', async (t) => {
  const got: number[] = []
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const sub = b.pubsub.subscribe('remote-fail', { bufferSize: 1, overflow: 'fail' }, async (n: number) => {
    got.push(n)
    await gate
  })
  await interest(a, 'remote-fail', ['b'])
  for (let n = 0; n < 4; n++) t.doesNotThrow(() => a.pubsub.publish('remote-fail', n))
  await until(() => (b.pubsub.stats().dropped['remote-fail']?.fail ?? 0) === 2, 3000, 'two drops on b')
  release()
  await until(() => got.length === 2, 3000)
  t.same(got, [0, 1])
  sub.unsubscribe()
})

t.test("scope 'local' reaches this node's subscribers only", async (t) => {
  const onA: unknown[] = []
  const onB: unknown[] = []
  const subA = a.pubsub.subscribe('scoped', {}, (m) => void onA.push(m))
  const subB = b.pubsub.subscribe('scoped', {}, (m) => void onB.push(m))
  await interest(a, 'scoped', ['b'])
  a.pubsub.publish('scoped', 'local-1', { scope: 'local' })
  a.pubsub.publish('scoped', 'cluster-1')
  // Order per publisher: once b has the later cluster message, the local one would be there.
  await until(() => onB.length === 1, 3000)
  t.same(onA, ['local-1', 'cluster-1'])
  t.same(onB, ['cluster-1'])
  subA.unsubscribe()
  subB.unsubscribe()
})

t.test('the coerce.cluster topic: every node (and a worker) sees the membership events', async (t) => {
  const seen = new Map<string, string[]>()
  const subs = all.map((s) => {
    const list: string[] = []
    seen.set(s.nodeId, list)
    return s.pubsub.subscribe(clusterTopic, {}, (e: ClusterTopicEvent) => {
      if (e.type === 'leaderChanged') list.push(`leaderChanged:${e.leader?.id ?? '-'}`)
      else if (e.type === 'workerLost') list.push(`workerLost:${e.thread}`)
      else if (e.type === 'shardMoved') list.push(`shardMoved:${e.shard}`)
      else list.push(`${e.type}:${e.member.node.id}`)
    })
  })
  const onWorker: ActorRef<PubSubProbe> = await a.spawn(PubSubProbe, { placement: 1 })
  await onWorker.ask('subscribeSelf', 'coerce.cluster')
  await until(() => (a.pubsub.stats().subscribers['coerce.cluster'] ?? 0) === 2, 3000)
  const e = await ActorSystem.start({ nodeId: 'e', workers: 0, logLevel: 'silent', cluster: clusterOf(seeds) })
  await until(() => all.every((s) => seen.get(s.nodeId)?.includes('memberUp:e') === true), 5000, 'memberUp:e everywhere')
  await e.shutdown()
  await until(() => all.every((s) => seen.get(s.nodeId)?.includes('memberLeft:e') === true), 5000, 'memberLeft:e everywhere')
  for (const s of all) {
    const list = seen.get(s.nodeId) ?? []
    t.ok(list.indexOf('memberUp:e') < list.indexOf('memberLeft:e'), `${s.nodeId}: ${list.join(', ')}`)
  }
  await until(async () => (await onWorker.ask('seen')).some((x) => (x as ClusterTopicEvent).type === 'memberLeft'), 3000, 'the worker subscriber too')
  const workerSaw = (await onWorker.ask('seen')) as ClusterTopicEvent[]
  t.ok(workerSaw.some((x) => x.type === 'memberUp' && x.member.node.id === 'e'), 'a worker actor hears memberUp')
  for (const s of subs) s.unsubscribe()
  await onWorker.stop()
})

t.test('arguments are checked', async (t) => {
  t.throws(() => a.pubsub.publish('', 1), { code: 'InvalidArgument' })
  t.throws(() => a.pubsub.publish('x', 1, { scope: 'everywhere' as 'local' }), { code: 'InvalidArgument', message: /scope/ })
  t.throws(() => a.pubsub.subscribe('x', { bufferSize: 0 }, () => {}), { code: 'InvalidArgument', message: /bufferSize/ })
  t.throws(() => a.pubsub.subscribe('x', { overflow: 'drop' as 'fail' }, () => {}), { code: 'InvalidArgument', message: /overflow/ })
  t.throws(() => a.pubsub.subscribe('x', {} as never), { code: 'InvalidArgument', message: /callback/ })
})

t.test('workerLost: a dead worker thread of a is published on coerce.cluster to every node', async (t) => {
  const heard = new Map<string, string[]>()
  const subs = all.map((s) => {
    const list: string[] = []
    heard.set(s.nodeId, list)
    return s.pubsub.subscribe(clusterTopic, {}, (e) => {
      if (e.type === 'workerLost') list.push(`${e.node.id}:${e.thread}`)
    })
  })
  await interest(a, 'coerce.cluster', ['b', 'c'])
  const { MainRuntime } = await import('../../lib/runtime/main-runtime.js')
  t.ok(a.runtime instanceof MainRuntime)
  await (a.runtime as InstanceType<typeof MainRuntime>).workerFor(1)?.terminate()
  await until(() => all.every((s) => heard.get(s.nodeId)?.join() === 'a:1'), 5000, 'workerLost everywhere')
  t.pass('a, b and c heard workerLost a:1')
  for (const s of subs) s.unsubscribe()
})

t.test('a system without cluster: local pub/sub, with the mediator spawned on first need by a worker', async (t) => {
  const lone = await ActorSystem.start({ nodeId: 'lone', workers: 1, logLevel: 'silent' })
  t.teardown(() => lone.shutdown())
  t.same((await lone.describe()).map((d) => d.id), [], 'no pub/sub actor until it is needed')
  const got: unknown[] = []
  lone.pubsub.subscribe('solo', {}, (m) => void got.push(m))
  const onWorker = await lone.spawn(PubSubProbe, { placement: 1 })
  await onWorker.ask('subscribeSelf', 'solo')
  await until(() => lone.pubsub.stats().subscribers.solo === 2, 3000, "the worker's subscription")
  await onWorker.ask('publishMany', 'solo', 10, 'w')
  lone.pubsub.publish('solo', 'main-0')
  await until(async () => got.length === 11 && (await onWorker.ask('seen')).length === 11, 3000)
  t.same(of(got, 'w'), numbered('w'), 'a callback on main gets the worker publishes, in order')
  t.same(of(await onWorker.ask('seen'), 'w'), numbered('w'), 'and so does the worker actor')
  t.same(lone.pubsub.interestedNodes('solo'), [])
})

// Compile-time only (tsc checks the tests): typed topics check messages and handlers.
export function typedTopicsCompile(system: ActorSystem, probe: ActorRef<PubSubProbe>): void {
  const nums = defineTopic<number>('nums')
  system.pubsub.publish(nums, 1)
  // @ts-expect-error a number topic takes numbers
  system.pubsub.publish(nums, 'one')
  system.pubsub.subscribe(nums, {}, (n) => void (n satisfies number))
  system.pubsub.subscribe(nums, { ref: probe, handler: 'got' })
  // @ts-expect-error subscribeSelf does not take a number
  system.pubsub.subscribe(nums, { ref: probe, handler: 'subscribeSelf' })
  // @ts-expect-error no such handler
  system.pubsub.subscribe('untyped', { ref: probe, handler: 'nope' })
}
