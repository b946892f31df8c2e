// Remoting and membership with real node processes on 127.0.0.1 (test/fixtures/cluster-node.ts),
// really killed with SIGKILL. The test process stays outside the cluster and records what each
// node reports: membership events, and the results of operations run on that node.
import t from 'tap'
import { ClusterNode, closeAll, nodeGroup, type OpError, eventually, upIds } from '../helpers/cluster-nodes.js'

// Five groups of real node processes: about a minute on a quiet 2-core box, more on a busy one.
t.setTimeout(300_000)

const { nodes, start } = nodeGroup()
t.teardown(() => closeAll(nodes))


t.test('three nodes from one seed: membership, leader, remote spawn, lookup, tell, ask, refs in messages, names, node loss, rejoin', async (t) => {
  const n1 = await start({ nodeId: 'n1' })
  const n2 = await start({ nodeId: 'n2', workers: 1, seeds: [n1.advertise] })
  const n3 = await start({ nodeId: 'n3', seeds: [`127.0.0.1:${n1.port}`] })
  t.same(await upIds(n3), ['n1', 'n2', 'n3'], "n3's start resolved with n2 up too: it learned n2 from n1 (joining is transitive)")
  for (const n of [n1, n2, n3]) await eventually(`${n.id} sees three up members`, async () => (await upIds(n)).join() === 'n1,n2,n3')
  for (const n of [n1, n2, n3]) t.equal((await n.members()).leader?.id, 'n1', `${n.id}: the oldest member leads`)

  // Remote spawn by type name, lookups from any node, tell and ask across nodes.
  const spawned = await n1.op<{ node: string; thread: number }>({ op: 'spawn', type: 'Counter', id: 'c1', node: 'n2' })
  t.match(spawned.node, /^n2#/, 'spawned on n2 from n1')
  t.equal(spawned.thread, 1, "on n2's worker (the type is registered there)")
  t.match(await n3.op({ op: 'lookup', id: 'c1' }), { id: 'c1', node: spawned.node }, 'n3 finds it through the directory')
  await n3.op({ op: 'tell', target: 'c1', handler: 'inc', args: [5] })
  await eventually('the tell from n3 arrived', async () => (await n1.op({ op: 'ask', target: 'c1', handler: 'get', args: [] })) === 5)

  // A ref inside a message: n1's ref to c1 (on n2) travels to a forwarder on n3, which uses it.
  await n3.op({ op: 'spawn', type: 'Forwarder', id: 'f3', placement: 'main' })
  t.equal(await n1.op({ op: 'ask', target: 'f3', handler: 'forward', args: [2], refArgs: ['c1'] }), 7, 'n1 -> f3 on n3 -> c1 on n2 and back')

  // Names are unique across the cluster.
  await t.rejects(n3.op({ op: 'spawn', type: 'Counter', id: 'c1' }), { code: 'AlreadyExists' }, 'a duplicate name on another node')
  await t.rejects(n2.op({ op: 'spawn', type: 'Counter', id: 'c1', placement: 'main' }), { code: 'AlreadyExists' }, 'and on the hosting node')
  await t.rejects(n1.op({ op: 'spawn', type: 'Counter', id: 'nowhere', node: 'n9' }), { code: 'NodeUnreachable' }, 'spawn on an unknown node')
  t.equal(await n2.op({ op: 'lookup', id: 'no-such-name' }), null, 'a name nobody holds')

  // Watch across nodes, then SIGKILL the node: down within the bound, asks fail, watchers hear nodeLost.
  await n3.op({ op: 'spawn', type: 'Counter', id: 'c3', placement: 'main' })
  await n1.op({ op: 'spawn', type: 'Watcher', id: 'w1', placement: 'main' })
  await n1.op({ op: 'ask', target: 'w1', handler: 'watchIt', args: [], refArgs: ['c3'] })
  t.equal(await n1.op({ op: 'ask', target: 'c3', handler: 'get', args: [] }), 0, 'n1 reaches c3 before the kill')
  const marks = [n1.events.length, n2.events.length]
  const killedAt = performance.now()
  await n3.kill()
  const down1 = await n1.event('memberDown', 'n3', 10_000, marks[0])
  await n2.event('memberDown', 'n3', 10_000, marks[1])
  t.ok(down1.at - killedAt < 5000, `n1 marked n3 down ${Math.round(down1.at - killedAt)} ms after the kill (bound: detection + downAfterMs 600 ms)`)
  const lost = (await n1.op({ op: 'ask', target: 'c3', handler: 'get', args: [] }).catch((e: OpError) => e)) as OpError
  t.equal(lost.code, 'NodeUnreachable', `asks to the lost node reject at once: ${lost.message}`)
  t.same(await n1.op({ op: 'ask', target: 'w1', handler: 'seen', args: [] }), ['c3:nodeLost'], 'the watcher got Terminated(nodeLost)')
  t.same(await upIds(n1), ['n1', 'n2'])

  // The restarted node rejoins as a new incarnation on the same address.
  const n3b = await start({ nodeId: 'n3', port: n3.port, seeds: [n1.advertise] })
  t.not(n3b.incarnation, n3.incarnation, 'a new incarnation')
  await eventually('n1 sees the new n3 up', async () => (await n1.members()).members.some((m) => m.id === 'n3' && m.incarnation === n3b.incarnation && m.status === 'up'))
  t.notOk((await n1.members()).members.some((m) => m.id === 'n3' && m.incarnation === n3.incarnation && m.status === 'up'), 'the old run stays down')
  t.equal(await n3b.op({ op: 'lookup', id: 'c3' }), null, "the dead run's names are gone")
  t.equal(await n3b.op({ op: 'ask', target: 'c1', handler: 'get', args: [] }), 7, 'the new run reaches c1 on n2')

  // The leader dies: the next oldest leads.
  const mark2 = n2.events.length
  await n1.kill()
  const changed = await n2.event('leaderChanged', 'n2', 10_000, mark2)
  t.ok(changed, 'n2 (next oldest) leads')
  await eventually('n3 agrees', async () => (await n3b.members()).leader?.id === 'n2')
  t.equal(await n3b.op({ op: 'ask', target: 'c1', handler: 'get', args: [] }), 7, 'c1 on n2 still answers')

  // A graceful leave is seen at once, not after the failure detector.
  const mark3 = n3b.events.length
  const leftAt = performance.now()
  await n2.leave()
  const left = await n3b.event('memberLeft', 'n2', 5000, mark3)
  t.ok(left.at - leftAt < 3000, 'memberLeft without waiting for a timeout')
  t.notOk(n3b.events.slice(mark3).some((e) => e.type === 'memberDown' && e.node === 'n2'), 'never marked down')
  t.equal((await n3b.members()).leader?.id, 'n3', 'alone, n3 leads')
})

t.test('three nodes from a static discovery list, started together; a wrong secret never joins', async (t) => {
  const { freePort } = await import('../helpers/cluster-nodes.js')
  const ports = [await freePort(), await freePort(), await freePort()]
  const peers = ports.map((p) => `127.0.0.1:${p}`)
  const started = await Promise.all(ports.map((port, i) => start({ nodeId: `s${i + 1}`, port, staticPeers: peers })))
  for (const n of started) await eventually(`${n.id} sees three up members`, async () => (await upIds(n)).join() === 's1,s2,s3')
  const leaders = new Set(await Promise.all(started.map(async (n) => (await n.members()).leader?.id)))
  t.equal(leaders.size, 1, `one leader for all (${[...leaders].join()})`)

  const intruder = await ClusterNode.start({ nodeId: 'intruder', seeds: [started[0]!.advertise], secret: 'not-the-secret', joinTimeoutMs: 3000 }).catch((e: OpError) => e)
  t.match(intruder, { name: 'ClusterError', code: 'AuthFailed' }, 'start() rejects with AuthFailed')
  await new Promise((r) => setTimeout(r, 300))
  t.notOk((await started[0]!.members()).members.some((m) => m.id === 'intruder'), 'and it never appears as a member')
})

t.test('a hung node (SIGSTOP) is found by the failure detector, then marked down; asks waiting on it fail at once', async (t) => {
  const h1 = await start({ nodeId: 'h1', downAfterMs: 1500 })
  const h2 = await start({ nodeId: 'h2', downAfterMs: 1500, seeds: [h1.advertise] })
  await h2.op({ op: 'spawn', type: 'Counter', id: 'hc', placement: 'main' })
  t.equal(await h1.op({ op: 'ask', target: 'hc', handler: 'get', args: [] }), 0)
  const mark = h1.events.length
  const frozenAt = performance.now()
  h2.pause()
  t.teardown(() => h2.resume())
  const waiting = h1.op<{ code?: string; message?: string; ms: number }[]>({ op: 'askMany', target: 'hc', handler: 'get', args: [], count: 3, timeoutMs: 20_000 })
  const unreachable = await h1.event('memberUnreachable', 'h2', 10_000, mark)
  const down = await h1.event('memberDown', 'h2', 10_000, mark)
  const detected = unreachable.at - frozenAt
  t.ok(detected < 3000, `unreachable ${Math.round(detected)} ms after the freeze (phi bound about 0.9 s with these settings)`)
  t.ok(down.at - unreachable.at >= 1400, `down ${Math.round(down.at - unreachable.at)} ms after unreachable (downAfterMs 1500)`)
  const outcomes = await waiting
  t.ok(outcomes.every((o) => o.code === 'NodeUnreachable'), `asks in flight rejected with NodeUnreachable: ${JSON.stringify(outcomes)}`)
  t.ok(outcomes.every((o) => o.ms < 10_000), 'when the node went down, not at their 20 s timeout')
  await h2.kill()
})

t.test('while a lost node is not down yet, its send buffer is bounded: asks past it fail at once', async (t) => {
  const b1 = await start({ nodeId: 'b1', downAfterMs: 2500, sendBufferFrames: 4 })
  const b2 = await start({ nodeId: 'b2', downAfterMs: 2500, seeds: [b1.advertise] })
  await b2.op({ op: 'spawn', type: 'Counter', id: 'bc', placement: 'main' })
  t.equal(await b1.op({ op: 'ask', target: 'bc', handler: 'get', args: [] }), 0)
  const mark = b1.events.length
  await b2.kill()
  await b1.event('memberUnreachable', 'b2', 5000, mark)
  const outcomes = await b1.op<{ code?: string; message?: string; ms: number }[]>({ op: 'askMany', target: 'bc', handler: 'get', args: [], count: 7, timeoutMs: 20_000 })
  const atOnce = outcomes.filter((o) => /send buffer/.test(o.message ?? ''))
  const queued = outcomes.filter((o) => !/send buffer/.test(o.message ?? ''))
  t.equal(atOnce.length, 3, `three asks past the buffer of 4 fail at once: ${JSON.stringify(atOnce)}`)
  t.ok(atOnce.every((o) => o.code === 'NodeUnreachable' && o.ms < 1000), 'with NodeUnreachable, without waiting')
  t.equal(queued.length, 4, 'the four buffered ones')
  t.ok(queued.every((o) => o.code === 'NodeUnreachable' && o.ms < 10_000), `fail when the node is marked down: ${JSON.stringify(queued)}`)
})

t.test('pub/sub between node processes: every subscriber gets every message in order, keys filter, unsubscribe and leave end subscriptions, system events on every node', async (t) => {
  const p1 = await start({ nodeId: 'p1' })
  const p2 = await start({ nodeId: 'p2', workers: 1, seeds: [p1.advertise] })
  const p3 = await start({ nodeId: 'p3', seeds: [p1.advertise] })
  for (const n of [p1, p2, p3]) await eventually(`${n.id} sees three up members`, async () => (await upIds(n)).join() === 'p1,p2,p3')
  for (const n of [p1, p2, p3]) await n.op({ op: 'subscribe', sub: 'system', topic: 'coerce.cluster' })
  await p2.op({ op: 'subscribe', sub: 'all', topic: 'news' })
  await p3.op({ op: 'subscribe', sub: 'all', topic: 'news' })
  await p3.op({ op: 'subscribe', sub: 'k1', topic: 'news', key: 'k1' })
  await eventually('p1 knows who wants news', async () => (await p1.op<string[]>({ op: 'interested', topic: 'news' })).join() === 'p2,p3')
  const sentAt = performance.now()
  await p1.op({ op: 'publish', topic: 'news', count: 10, from: 'p1' })
  await p2.op({ op: 'publish', topic: 'news', count: 10, from: 'p2' })
  await p1.op({ op: 'publish', topic: 'news', count: 3, from: 'p1k', key: 'k1' })
  const expectAll = [...Array.from({ length: 10 }, (_, i) => `p1-${i}`), ...Array.from({ length: 10 }, (_, i) => `p2-${i}`), 'p1k-0', 'p1k-1', 'p1k-2']
  for (const n of [p2, p3]) {
    await eventually(`${n.id} got all 23`, async () => (await n.op<string[]>({ op: 'received', sub: 'all' })).length >= 23, 3000)
    const got = await n.op<string[]>({ op: 'received', sub: 'all' })
    t.same([...got].sort(), [...expectAll].sort(), `${n.id}: every message once`)
    for (const from of ['p1-', 'p2-']) {
      const mine = got.filter((m) => m.startsWith(from))
      t.same(mine, [...mine].sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1])), `${n.id}: in order from ${from.slice(0, 2)}`)
    }
  }
  t.ok(performance.now() - sentAt < 3000, 'within 3 s')
  t.same(await p3.op({ op: 'received', sub: 'k1' }), ['p1k-0', 'p1k-1', 'p1k-2'], 'a keyed subscriber gets only its key')

  await p3.op({ op: 'unsubscribe', sub: 'all' })
  await p3.op({ op: 'unsubscribe', sub: 'k1' })
  await eventually('p1 drops p3 from news', async () => (await p1.op<string[]>({ op: 'interested', topic: 'news' })).join() === 'p2')
  await p2.leave()
  await eventually('p1 drops the departed p2', async () => (await p1.op<string[]>({ op: 'interested', topic: 'news' })).length === 0)
  await p1.op({ op: 'publish', topic: 'news', count: 2, from: 'late' })
  await new Promise((r) => setTimeout(r, 300))
  t.notOk((await p3.op<string[]>({ op: 'received', sub: 'all' })).some((m) => m.startsWith('late')), 'nothing after unsubscribe')
  for (const n of [p1, p3]) {
    await eventually(`${n.id} heard p2 leave on coerce.cluster`, async () => (await n.op<string[]>({ op: 'received', sub: 'system' })).includes('memberLeft:p2'))
  }
  t.pass('system events on every node')
})
