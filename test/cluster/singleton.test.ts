// The cluster singleton. In one process: the proxy ref's buffer (order, MailboxFull, buffered
// asks keeping their timeouts), option validation and GET /cluster/singletons. With real node
// processes (test/fixtures/cluster-node.ts): the instance (SingletonProbe) prints its starts and
// stops with node and wall-clock time, the test process collects them from every node and
// checks, from outside the cluster, that at most one instance ran at any moment; a SIGKILL of
// the holder moves it to the next oldest node and the asks buffered meanwhile are answered; a
// graceful leave hands over with the old instance's stopped() done before the new one starts.
import t from 'tap'
import { Actor, ActorSystem, type ActorRef } from '../../lib/index.js'
import { singletonCandidate, takeoverBlockers } from '../../lib/cluster/singleton/holder.js'
import type { ClusterMember, MemberStatus } from '../../lib/cluster/view.js'
import { closeAll, eventually, nodeGroup, overlaps, singletonLives, type SingletonLife } from '../helpers/cluster-nodes.js'

/** An instance that takes `startMs` to start: the proxy buffers meanwhile. */
class SlowStart extends Actor {
  private readonly seen: number[] = []
  constructor(private readonly startMs: number) {
    super()
  }
  override async started(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.startMs))
  }
  add(n: number): void {
    this.seen.push(n)
  }
  list(): number[] {
    return [...this.seen] // a copy: a local reply is the object itself, and later adds would show in it
  }
}

t.test('the rules: candidate = oldest up member not retired (reachable or not); wait for the previous holder and older members', async (t) => {
  const m = (id: string, startedAt: number, status: MemberStatus, reachable = true): ClusterMember => ({ node: { id, incarnation: 1 }, advertise: '', status, reachable, startedAt })
  const none = new Set<string>()
  t.equal(singletonCandidate([m('b', 2, 'up'), m('a', 1, 'up')], none)?.id, 'a', 'the oldest')
  t.equal(singletonCandidate([m('a', 1, 'up', false), m('b', 2, 'up')], none)?.id, 'a', 'an unreachable holder keeps the role until it is down')
  t.equal(singletonCandidate([m('a', 1, 'down'), m('b', 2, 'up')], none)?.id, 'b', 'a down one does not')
  t.equal(singletonCandidate([m('a', 1, 'leaving'), m('b', 2, 'joining')], none), null, 'leaving and joining members are no candidates')
  t.equal(singletonCandidate([m('a', 1, 'up'), m('b', 2, 'up')], new Set(['a#1']))?.id, 'b', 'nor one that said it retires')
  const b = { id: 'b', incarnation: 1 }
  t.same(takeoverBlockers([m('a', 1, 'leaving'), m('b', 2, 'up')], b, null, none).map((n) => n.id), ['a'], 'an older leaving member blocks')
  t.same(takeoverBlockers([m('a', 1, 'leaving'), m('b', 2, 'up')], b, null, new Set(['a#1'])), [], 'until it says it released the instance')
  t.same(takeoverBlockers([m('a', 1, 'down'), m('b', 2, 'up')], b, { id: 'a', incarnation: 1 }, none), [], 'a down previous holder does not')
  t.same(takeoverBlockers([m('b', 2, 'up'), m('c', 3, 'up')], b, { id: 'c', incarnation: 1 }, none).map((n) => n.id), ['c'], 'a younger previous holder that is still up does')
})

t.test('one node: buffered in order until the instance runs, bounded, asks keep their timeouts; the HTTP route', async (t) => {
  const system = await ActorSystem.start({ nodeId: 'solo', workers: 0, logLevel: 'silent', askTimeoutMs: 3000 })
  t.teardown(() => system.shutdown())
  const ref: ActorRef<SlowStart> = system.singleton(SlowStart, { name: 'slow', args: [400], bufferSize: 4 })
  t.equal(system.singleton(SlowStart, { name: 'slow' }), ref, 'the same ref for the same name')
  t.throws(() => system.singleton(Counterless, { name: 'slow' }), { code: 'AlreadyExists' }, 'another class under a taken name')
  t.throws(() => system.singleton(SlowStart, { name: 'a/b', bufferSize: -1 } as never), { name: 'TypeError', message: /name must be .*bufferSize must be/ }, 'every bad field named')
  t.throws(() => ref.tell('nope' as never), { code: 'NotSupported' }, 'an unknown handler fails at the caller')

  const timedOut = ref.ask('list', { timeoutMs: 100 })
  ref.tell('add', 1)
  ref.tell('add', 2)
  const answered = ref.ask('list', { timeoutMs: 3000 })
  t.throws(() => ref.tell('add', 3), { code: 'MailboxFull' }, 'past bufferSize (4): MailboxFull')
  await t.rejects(timedOut, { code: 'Timeout' }, 'a buffered ask times out on its own timeout')
  ref.tell('add', 4)
  t.same(await answered, [1, 2], 'buffered messages reach the instance in order, the ask answered once it runs')
  t.same(await ref.ask('list'), [1, 2, 4])

  const api = await system.startHttpApi({ port: 0, host: '127.0.0.1' })
  const body = (await (await fetch(`${api.url}/cluster/singletons`)).json()) as { singletons: unknown[] }
  t.match(body.singletons, [{ name: 'slow', actorType: 'SlowStart', node: /^solo#/, state: 'running', buffered: 0 }], 'GET /cluster/singletons')
  const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }
  t.ok(doc.paths['/cluster/singletons'] !== undefined && doc.components.schemas['ClusterSingleton'] !== undefined, 'the route and its schema are published')
})

class Counterless extends Actor {
  get(): number {
    return 0
  }
}

// ------------------------------------------------------------------ real nodes

const { nodes, start } = nodeGroup()
t.teardown(() => closeAll(nodes))

t.test('three nodes: one instance on the oldest; SIGKILL moves it on with the buffered asks answered; a graceful leave hands over without overlap', async (t) => {
  const n1 = await start({ nodeId: 'n1' })
  const n2 = await start({ nodeId: 'n2', seeds: [n1.advertise] })
  const n3 = await start({ nodeId: 'n3', seeds: [n1.advertise] })
  const all = [n1, n2, n3]
  // The collector: every report of every node, in the test process; kills recorded here too.
  const killedAt = new Map<string, number>()
  const lives = (): SingletonLife[] => singletonLives(all, 'probe', killedAt)
  const noOverlap = (what: string): void => {
    const ls = lives()
    t.same(overlaps(ls), [], `${what}: never two instances at once (${JSON.stringify(ls.map((l) => [l.node, l.from, l.to === Infinity ? 'running' : l.to]))})`)
  }

  // Made on every node, youngest first: the instance still goes to the oldest.
  for (const n of [n3, n2, n1]) await n.op({ op: 'singleton', name: 'probe' })
  for (const n of all) t.equal(await n.op({ op: 'ask', target: 'singleton:probe', handler: 'where', args: [], timeoutMs: 8000 }), 'n1', `an ask from ${n.id} reaches the instance on n1`)
  t.same(lives().map((l) => l.node), ['n1'], 'exactly one instance cluster-wide, on the oldest node')
  t.same(await n2.op({ op: 'ask', target: 'singleton:probe', handler: 'echo', args: [{ deep: [1, 2] }] }), { deep: [1, 2] }, 'arguments and replies travel')

  // SIGKILL the holder. Once n3 sees n1 unreachable it buffers; those asks are answered by the new instance.
  const mark = n3.events.length
  killedAt.set('n1', Date.now())
  await n1.kill()
  await n3.event('memberUnreachable', 'n1', 5000, mark)
  const buffered = await n3.op<{ ok?: unknown; code?: string; message?: string; ms: number }[]>(
    { op: 'askMany', target: 'singleton:probe', handler: 'where', args: [], count: 5, timeoutMs: 10_000 },
    20_000,
  )
  t.same(buffered.map((o) => o.ok ?? `${o.code}: ${o.message}`), ['n2', 'n2', 'n2', 'n2', 'n2'], 'the asks buffered during the takeover are answered by the instance on n2 (next oldest)')
  t.equal(await n2.op({ op: 'ask', target: 'singleton:probe', handler: 'where', args: [] }), 'n2', 'and n2 reaches its own')
  const afterKill = lives().filter((l) => l.node !== 'n1')
  t.same(afterKill.map((l) => l.node), ['n2'], 'exactly one new instance')
  t.ok((afterKill[0] as SingletonLife).from >= (killedAt.get('n1') as number), 'started after the old holder died')
  noOverlap('after the kill')

  // A graceful leave of the holder: its instance stops (stopped() done), then n3 starts one.
  await n2.leave()
  await eventually('an instance on n3', () => lives().some((l) => l.node === 'n3'), 10_000)
  const [old, next] = [lives().find((l) => l.node === 'n2') as SingletonLife, lives().find((l) => l.node === 'n3') as SingletonLife]
  t.ok(old.to !== Infinity && old.to <= next.from, `n2's instance stopped (${old.to}) before n3's started (${next.from})`)
  noOverlap('after the handover')
  t.equal(await n3.op({ op: 'ask', target: 'singleton:probe', handler: 'where', args: [] }), 'n3', 'the ref on n3 follows the instance')
})
