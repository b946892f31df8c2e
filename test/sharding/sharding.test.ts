// Cluster sharding in one process: the shard hash (test vectors), the default allocation
// strategy, option validation, the message buffer, and one node's region: entities spread over
// worker threads, refs from workers and inside messages, typed errors, passivation (idle and
// least recently used) with state kept, buffering with MailboxFull and deadlines when no node
// can host, the HTTP routes and the metric families (checked by promtool).
import t from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { Actor, ActorSystem, leastShardsAllocation, MemoryJournalStorage, PersistentActor, registerActors, shardOf, type ActorRef, type PersistentActorOptions } from '../../lib/index.js'
import { MessageBuffer, bufferError } from '../../lib/cluster/message-buffer.js'
import { resolveShardingOptions } from '../../lib/sharding/options.js'
import { ShardCaller, ShardEcho } from '../fixtures/shard-actors.js'
import { promtool, readSeries } from '../helpers/prometheus.js'
import { eventually } from '../helpers/cluster-nodes.js'

registerActors(ShardEcho.actorModule, ShardEcho, ShardCaller)

type Added = { type: 'Added'; by: number }
/** A persistent counter on the main thread (the in-memory journal lives there). */
class Tally extends PersistentActor<{ total: number }, Added> {
  static override persistence: PersistentActorOptions<Added, { total: number }> = { events: ['Added'] }
  protected override initialState(): { total: number } {
    return { total: 0 }
  }
  protected override applyEvent(state: { total: number }, e: Added): { total: number } {
    return { total: state.total + e.by }
  }
  async add(by: number): Promise<number> {
    await this.persist({ type: 'Added', by })
    return this.state.total
  }
  total(): number {
    return this.state.total
  }
}

/** A second persistent type for the least-recently-used passivation. */
class Bounded extends Tally {
  static actorType = 'Bounded'
}

/** A type no node hosts (its only region is a proxy). */
class Nowhere extends Actor {
  ping(): string {
    return 'pong'
  }
}

t.test('the shard of an entity: murmur3 x86_32 (seed 0) of its UTF-8 bytes modulo the shard count, the same everywhere', async (t) => {
  // Reference values of MurmurHash3_x86_32 with seed 0 (checked against an independent implementation).
  const vectors: [string, number][] = [
    ['', 0x00000000],
    ['hello', 0x248bfa47],
    ['Hello, world!', 0xc0363e43],
    ['The quick brown fox jumps over the lazy dog', 0x2e4ff723],
    ['ü€😀', 0x0e9688f1],
    ['acc-42', 0xa4d55fc8],
  ]
  for (const [id, hash] of vectors) {
    t.equal(shardOf(id, 100), hash % 100, `${JSON.stringify(id)} -> shard ${hash % 100} of 100`)
    t.equal(shardOf(id, 2 ** 32), hash, `${JSON.stringify(id)} hashes to 0x${hash.toString(16)}`)
  }
  t.equal(shardOf('hello', 1), 0)
})

t.test('the default allocation: fewest shards first (ties by node id); a rebalance moves from the fullest until within 1, a bounded number at a time', async (t) => {
  const node = (id: string) => ({ id, incarnation: 1 })
  const s = leastShardsAllocation()
  t.equal(s.allocate(7, [{ node: node('b'), shards: [1] }, { node: node('a'), shards: [2] }, { node: node('c'), shards: [3, 4] }]).id, 'a', 'a tie goes to the lowest id')
  t.equal(s.allocate(7, [{ node: node('a'), shards: [1, 2] }, { node: node('b'), shards: [] }]).id, 'b', 'the emptiest')
  const all = Array.from({ length: 10 }, (_, i) => i)
  const plan = s.rebalance([{ node: node('a'), shards: all }, { node: node('b'), shards: [] }], new Set())
  t.equal(plan.length, 5, 'half of 10 shards move to an empty node')
  t.same(s.rebalance([{ node: node('a'), shards: [1, 2] }, { node: node('b'), shards: [3] }], new Set()), [], 'within 1: nothing moves')
  const bounded = leastShardsAllocation({ maxSimultaneous: 2 })
  t.equal(bounded.rebalance([{ node: node('a'), shards: all }, { node: node('b'), shards: [] }], new Set()).length, 2, 'at most maxSimultaneous')
  t.same(bounded.rebalance([{ node: node('a'), shards: all }, { node: node('b'), shards: [] }], new Set([11, 12])), [], 'moves under way count')
  t.same(s.rebalance([{ node: node('a'), shards: all }], new Set()), [], 'one region: nothing to do')
})

t.test('options: defaults, and every bad field named in one TypeError', async (t) => {
  const o = resolveShardingOptions('T', undefined)
  t.match(o, { shards: 100, idleMs: 0, maxActivePerNode: 0, rememberEntities: false, bufferSize: 1000, handoffTimeoutMs: 10_000, rebalanceAfterMs: 500, proxyOnly: false })
  t.same(o.entityArgs('x'), ['x'], 'entities get their id by default')
  t.throws(
    () => resolveShardingOptions('T', { shards: 0, passivation: { idleMs: -1, other: 1 }, rememberEntities: 'yes', allocation: {}, typo: true }),
    { name: 'TypeError', message: /for T: shards must be .*allocation must have .*unknown option passivation.other.*passivation.idleMs must be .*rememberEntities must be a boolean.*unknown option typo/ },
  )
})

t.test('the message buffer: in order, bounded, asks keep their deadlines across buffers, aborts and rejections', async (t) => {
  const dropped: string[] = []
  const make = (capacity: number) =>
    new MessageBuffer({ capacity, askTimeoutMs: 5000, waitingFor: 'test had nowhere to go', error: bufferError('x', 'T'), onDropped: (h) => dropped.push(h) })
  const a = make(3)
  const calls: string[] = []
  const target = {
    tell: (h: string, args: unknown[]) => void calls.push(`${h}${JSON.stringify(args)}`),
    send: (h: string, args: unknown[]) => Promise.resolve(void calls.push(`send:${h}${JSON.stringify(args)}`)),
    ask: (h: string, args: unknown[], o?: { timeoutMs?: number }) => Promise.resolve({ h, args, timeoutMs: o?.timeoutMs }),
  }
  a.tell('one', [1], 'k1')
  const asked = a.ask('two', [2], { timeoutMs: 1000 }, 'k2')
  const sent = a.send('three', [3], 'k3')
  t.throws(() => a.tell('four', [4]), { code: 'MailboxFull', message: /test had nowhere to go, and its buffer is full \(bufferSize 3\)/ })
  const keys: string[] = []
  const b = make(10)
  // Released into another buffer first (a message that must wait again), then to the target.
  a.releaseTo((key) => (keys.push(key), b))
  t.same(keys, ['k1', 'k2', 'k3'], 'released in arrival order, with their keys')
  t.equal(b.length, 3)
  await new Promise((r) => setTimeout(r, 50))
  b.releaseTo(() => target as never)
  const answer = (await asked) as { timeoutMs: number }
  t.ok(answer.timeoutMs <= 1000 - 40 && answer.timeoutMs > 500, `the ask keeps what is left of its deadline (${answer.timeoutMs} ms)`)
  await sent
  t.same(calls, ['one[1]', 'send:three[3]'])

  const c = make(5)
  const late = c.ask('slow', [], { timeoutMs: 30 })
  await t.rejects(late, { code: 'Timeout', message: /no reply within 30 ms: test had nowhere to go/ })
  t.equal(c.length, 0, 'a timed-out ask leaves the buffer')
  const ac = new AbortController()
  const aborted = c.ask('a', [], { signal: ac.signal })
  ac.abort(new Error('changed my mind'))
  await t.rejects(aborted, { message: 'changed my mind' })
  c.tell('gone', [])
  const pending = c.ask('p', [], undefined)
  c.rejectAll('SystemShutdown', 'closing')
  await t.rejects(pending, { code: 'SystemShutdown' })
  t.same(dropped, ['gone'], 'a rejected tell is reported as dropped')
})

t.test('one node with workers: entities spread over the workers, reached from the main thread, from a worker and through refs in messages; typed errors', async (t) => {
  // Generous timeouts: the first spawn on each worker loads the class through the test runner's TypeScript loader.
  const system = await ActorSystem.start({ nodeId: 'solo', workers: 2, logLevel: 'silent', askTimeoutMs: 30_000 })
  t.teardown(() => system.shutdown())
  const region = system.sharding.register(ShardEcho, { shards: 8 })
  t.equal(system.sharding.register(ShardEcho), region, 'registering again returns the same region')
  t.same(system.sharding.types(), ['ShardEcho'])
  t.throws(() => system.sharding.register(class ShardEcho extends Actor {}), { code: 'AlreadyExists' })
  t.throws(() => system.sharding.register(Nowhere, { shards: -1 } as never), { name: 'TypeError', message: /shards must be an integer >= 1/ })

  const threads = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const r = await region.ref(`e${i}`).ask('echo', 'x')
    t.equal(r.id, `e${i}`)
    threads.add(await region.ref(`e${i}`).ask('thread'))
  }
  t.same([...threads].sort(), [1, 2], 'entities live on both workers')
  t.equal((await region.ref('e3').ask('echo', 'again')).seen, 2, 'the same entity answers again')

  const caller = await system.spawn(ShardCaller, { placement: 2 })
  t.equal(await caller.ask('thread'), 2)
  t.match(await caller.ask('echoFrom', 'e3', 'from a worker'), { id: 'e3', seen: 3 }, 'a worker reaches an entity through its own region')
  t.match(await caller.ask('echoThrough', region.ref('e4'), 'by ref'), { id: 'e4', echo: 'by ref', seen: 2 }, 'a ref sent in a message reaches the same entity')
  t.match(await caller.ask('echoThrough', region.ref('new-one'), 'first'), { id: 'new-one', seen: 1 }, 'and starts one on its first message')

  t.throws(() => region.ref('e1').tell('nope' as never), { code: 'NotSupported', message: /ShardEcho has no handler 'nope'/ })
  t.throws(() => region.ref(''), { code: 'InvalidArgument' })
  await t.rejects(region.ref('e1').stop(), { code: 'NotSupported' })
  const status = await region.status()
  t.equal(Object.values(status.shardsByNode).flat().length, 8, 'every shard got a home here')
  t.same(await region.rebalance(), { moved: 0, rolledBack: 0, durationMs: 0 }, 'one node: nothing to rebalance')
})

t.test('passivation: idle entities stop and come back with their state; past maxActivePerNode the least recently used stops; nothing sent meanwhile is lost', async (t) => {
  const system = await ActorSystem.start({ nodeId: 'p', workers: 0, logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const tallies = system.sharding.register(Tally, { shards: 4, passivation: { idleMs: 150 } })
  t.equal(await tallies.ref('t1').ask('add', 5), 5)
  await eventually('t1 passivated', async () => (await system.sharding.region(Tally)?.status()) !== undefined && statsOf(system, 'Tally').entities === 0, 3000)
  t.ok(statsOf(system, 'Tally').passivated >= 1, 'counted')
  t.equal(await tallies.ref('t1').ask('total'), 5, 'back on its next message, with its state')

  const bounded: { ref(id: string): ActorRef<Bounded> } = system.sharding.register(Bounded, { shards: 4, passivation: { maxActivePerNode: 2 } })
  // Three entities under a limit of two: each round wakes one that was passivated, and every
  // tell sent while an entity stops or starts must still be counted.
  const ids = ['b1', 'b2', 'b3']
  for (let round = 0; round < 30; round++) {
    for (const id of ids) bounded.ref(id).tell('add', 1)
    await bounded.ref(ids[round % 3] as string).ask('total')
  }
  for (const id of ids) t.equal(await bounded.ref(id).ask('total'), 30, `${id} saw all 30 adds through its restarts`)
  // The least recently used one may still be finishing its stop (its record goes with its stopped()).
  await eventually('at most 2 entities once passivations finish', () => statsOf(system, 'Bounded').entities <= 2, 3000)
  t.ok(statsOf(system, 'Bounded').entities <= 2, `at most 2 active (${statsOf(system, 'Bounded').entities})`)
  t.ok(statsOf(system, 'Bounded').passivated >= 10, `the least recently used were passivated (${statsOf(system, 'Bounded').passivated})`)
})

function statsOf(system: ActorSystem, type: string): { entities: number; passivated: number; buffered: number } {
  const region = system.sharding.region(type) as unknown as { stats(): { entities: number; passivated: number; buffered: number } }
  return region.stats()
}

t.test('no node can host (proxy only): messages wait in a bounded buffer, asks time out on their own deadline, shutdown rejects the rest', async (t) => {
  const system = await ActorSystem.start({ nodeId: 'proxy', workers: 0, logLevel: 'silent' })
  let down = false
  t.teardown(() => (down ? undefined : system.shutdown()))
  const region = system.sharding.register(Nowhere, { shards: 1, proxyOnly: true, bufferSize: 3 })
  await t.rejects(region.ref('a').ask('ping', { timeoutMs: 200 }), { code: 'Timeout', message: /shard 0 of Nowhere had no reachable home/ })
  region.ref('a').tell('ping')
  region.ref('b').tell('ping')
  const waiting = region.ref('c').ask('ping', { timeoutMs: 10_000 })
  t.throws(() => region.ref('d').tell('ping'), { code: 'MailboxFull', message: /bufferSize 3/ })
  t.equal(statsOf(system, 'Nowhere').buffered, 3)
  await system.shutdown()
  down = true
  await t.rejects(waiting, { code: 'SystemShutdown' }, 'a waiting ask is rejected at shutdown, not left hanging')
})

t.test('HTTP: GET /sharding/types and /sharding/types/:type match their schemas; /metrics has the sharding families', async (t) => {
  const system = await ActorSystem.start({ nodeId: 'h', workers: 0, logLevel: 'silent', http: { port: 0 } })
  t.teardown(() => system.shutdown())
  const tallies = system.sharding.register(Tally, { shards: 5 })
  for (let i = 0; i < 12; i++) await tallies.ref(`t${i}`).ask('add', 1)
  const url = (system.httpApis[0] as { url: string }).url
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as Record<string, unknown>
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(doc, 'openapi.json')
  const schemaAt = (path: string): string => `openapi.json#/paths/${path.replace(/\//g, '~1')}/get/responses/200/content/application~1json/schema`

  const list = (await (await fetch(`${url}/sharding/types`)).json()) as { types: { entityType: string; shards: number; entities: number; hostedHere: number; nodes: number }[] }
  t.ok(ajv.validate({ $ref: schemaAt('/sharding/types') }, list), ajv.errorsText(ajv.errors))
  t.same(list.types, [{ entityType: 'Tally', shards: 5, entities: 12, hostedHere: 5, nodes: 1 }])
  const one = (await (await fetch(`${url}/sharding/types/Tally`)).json()) as { entities: number; coordinator: { ready: boolean; shardsByNode: Record<string, number[]> } }
  t.ok(ajv.validate({ $ref: schemaAt('/sharding/types/{type}') }, one), ajv.errorsText(ajv.errors))
  t.equal(one.entities, 12)
  t.same(Object.values(one.coordinator.shardsByNode), [[0, 1, 2, 3, 4]])
  const missing = await fetch(`${url}/sharding/types/Nope`)
  t.equal(missing.status, 404)

  const text = await (await fetch(`${url}/metrics`)).text()
  const lint = promtool(text)
  t.equal(lint.rc, 0, `promtool accepts /metrics: ${lint.output}`)
  const series = readSeries(text)
  const v = (name: string) => series.find((s) => s.name === name && s.labels['type'] === 'Tally')?.value
  t.equal(v('coerce_sharding_shards'), 5)
  t.equal(v('coerce_sharding_entities'), 12)
  t.equal(v('coerce_sharding_buffered_messages'), 0)
  t.equal(v('coerce_sharding_handoffs_total'), 0)
})

t.test('three nodes in one process sharing a journal: first allocations spread evenly; a graceful leave hands every shard over with its state', async (t) => {
  const journal = new MemoryJournalStorage()
  const start = (nodeId: string, seeds: string[]) =>
    ActorSystem.start({ nodeId, workers: 0, logLevel: 'silent', persistence: { storage: journal }, cluster: { listen: '127.0.0.1:0', secret: 'sharding-test-1', seeds, failureDetector: { heartbeatIntervalMs: 100 } } })
  const a = await start('a', [])
  const systems = [a]
  t.teardown(() => Promise.all(systems.map((s) => s.shutdown())))
  const seeds = [a.cluster.self.advertise]
  systems.push(await start('b', seeds), await start('c', seeds))
  const regions = systems.map((s) => s.sharding.register(Tally, { shards: 12, rebalanceAfterMs: 600_000 }))
  const via = regions[2] as (typeof regions)[number]
  await eventually('every region registered', async () => (await via.status()).regions.length === 3)
  await Promise.all(Array.from({ length: 60 }, (_, i) => via.ref(`x${i}`).ask('add', i)))
  const before = await via.status()
  t.same(Object.values(before.shardsByNode).map((s) => s.length), [4, 4, 4], 'concurrent first allocations spread evenly (no rebalance ran)')

  const b = systems[1] as ActorSystem
  await b.shutdown()
  const after = await via.status()
  t.notOk(Object.keys(after.shardsByNode).some((k) => k.startsWith('b#')), "b's shards moved before it left")
  t.same(Object.values(after.shardsByNode).map((s) => s.length).sort(), [6, 6], 'to the two others')
  const totals = await Promise.all(Array.from({ length: 60 }, (_, i) => via.ref(`x${i}`).ask('total')))
  t.same(totals, Array.from({ length: 60 }, (_, i) => i), 'every entity kept its state')
})
