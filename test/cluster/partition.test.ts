// Real network partitions (test/helpers/netns.ts): node processes in network namespaces of
// their own, joined by a bridge, cut apart by the switch and healed again. Root only; elsewhere
// the test is skipped with the reason. Split-brain resolution is keep-majority: the minority
// downs itself (its singleton stops) before the majority takes over; an equal split keeps the
// side of the oldest member; a downed run never comes back (it restarts as a new incarnation).
// A collector here, outside the cluster, records the singleton's lives on every node.
import t from 'tap'
import { ClusterNode, closeAll, type NodeConfig, eventually, overlaps, singletonLives, upIds } from '../helpers/cluster-nodes.js'
import { NetLab, available, listNamespaces } from '../helpers/netns.js'

const netns = available()
if (!netns.ok) t.comment(`partition tests skipped: ${netns.reason}`)

/** The node's stderr log lines (pino JSON) that parse. */
const logs = (n: ClusterNode): Record<string, unknown>[] =>
  n.output.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>]
    } catch {
      return []
    }
  })

const DOWN_AFTER_MS = 1500
const PORT = 30101


/** One node process per name, each in its own namespace, all on one bridge. */
type Test = Parameters<Parameters<typeof t.test>[0]>[0]

function cluster(t: Test, names: string[]) {
  const lab = NetLab.create(names)
  const nodes = new Set<ClusterNode>()
  t.teardown(async () => {
    await closeAll(nodes)
    lab.destroy()
  })
  const config = (id: string, seeds: string[] = []): NodeConfig => ({ nodeId: id, netns: lab.ns(id), host: lab.addr(id), port: PORT, seeds, downAfterMs: DOWN_AFTER_MS })
  const start = async (id: string, seeds: string[] = []): Promise<ClusterNode> => {
    const n = await ClusterNode.start(config(id, seeds))
    nodes.add(n)
    return n
  }
  return { lab, nodes, start }
}

t.test('5 nodes split 3/2, the singleton on the minority: the minority downs itself and stops it before the majority starts one; healed, the downed nodes rejoin as new incarnations', { skip: netns.ok ? false : netns.reason }, async (t) => {
  const { lab, nodes, start } = cluster(t, ['n1', 'n2', 'n3', 'n4', 'n5'])
  const n1 = await start('n1')
  const rest = []
  for (const id of ['n2', 'n3', 'n4', 'n5']) rest.push(await start(id, [n1.advertise]))
  const [n2, n3, n4, n5] = rest as [ClusterNode, ClusterNode, ClusterNode, ClusterNode]
  const all = [n1, n2, n3, n4, n5]
  for (const n of all) await eventually(`${n.id} sees five up members`, async () => (await upIds(n)).length === 5, 20_000)
  for (const n of all) await n.op({ op: 'singleton', name: 'probe' })
  t.equal(await n4.op({ op: 'ask', target: 'singleton:probe', handler: 'where', args: [] }), 'n1', 'the singleton runs on the oldest, n1')

  const marks = new Map(all.map((n) => [n, n.events.length]))
  const cutAt = performance.now()
  lab.partition([['n1', 'n2'], ['n3', 'n4', 'n5']])
  // The minority (n1, n2) downs itself: each reports its own memberDown, then shuts down.
  const selfDown = await Promise.all([n1, n2].map((n) => n.event('memberDown', n.id, 15_000, marks.get(n))))
  // The majority downs both, and the singleton starts on n3, the oldest of the majority.
  await Promise.all([n3, n4, n5].flatMap((n) => ['n1', 'n2'].map((o) => n.event('memberDown', o, 15_000, marks.get(n)))))
  await eventually('the singleton started on n3', async () => singletonLives(all, 'probe').some((l) => l.node === 'n3'), 15_000)
  const majorityDown = n3.events.slice(marks.get(n3)).find((e) => e.type === 'memberDown' && e.node === 'n1')
  t.ok(selfDown.every((e) => majorityDown !== undefined && e.at < majorityDown.at), `the minority downed itself (+${selfDown.map((e) => Math.round(e.at - cutAt)).join(', ')} ms) before the majority downed it (+${Math.round((majorityDown?.at ?? 0) - cutAt)} ms)`)
  const ls = singletonLives(all, 'probe')
  t.same(overlaps(ls), [], `never two instances at once: ${JSON.stringify(ls.map((l) => [l.node, l.from - ls[0]!.from, l.to === Infinity ? 'running' : l.to - ls[0]!.from]))}`)
  t.same(ls.map((l) => l.node), ['n1', 'n3'], 'one life on n1, then one on n3')
  t.ok(ls[0]!.to < ls[1]!.from, 'n1 stopped its instance before n3 started one')
  t.same(await upIds(n3), ['n3', 'n4', 'n5'], 'the majority goes on without n1 and n2')
  t.equal(await n5.op({ op: 'ask', target: 'singleton:probe', handler: 'where', args: [] }), 'n3', 'asks reach the new instance')

  // ---- heal: the downed runs stay out; restarted, they rejoin as new incarnations
  lab.heal()
  for (const old of [n1, n2]) {
    await old.kill()
    nodes.delete(old)
  }
  const n1b = await start('n1', [n3.advertise])
  const n2b = await start('n2', [n3.advertise])
  t.not(n1b.incarnation, n1.incarnation, 'n1 is a new incarnation')
  for (const n of [n3, n4, n5, n1b, n2b]) await eventually(`${n.id} sees five up members again`, async () => (await upIds(n)).length === 5, 20_000)
  await n1b.op({ op: 'singleton', name: 'probe' })
  await n2b.op({ op: 'singleton', name: 'probe' })
  t.equal(await n1b.op({ op: 'ask', target: 'singleton:probe', handler: 'where', args: [] }), 'n3', 'the singleton stays on n3, now the oldest')
  t.same(overlaps(singletonLives([...all, n1b, n2b], 'probe')), [], 'and still one instance at a time')
  await closeAll(nodes)
  lab.destroy()
  t.same(listNamespaces().filter((n) => n.startsWith(lab.id)), [], 'no namespace of this lab is left')
})

t.test('4 nodes split 2/2: the side with the oldest member keeps the cluster, the other downs itself', { skip: netns.ok ? false : netns.reason }, async (t) => {
  const { lab, start } = cluster(t, ['n1', 'n2', 'n3', 'n4'])
  const n1 = await start('n1')
  const n2 = await start('n2', [n1.advertise])
  const n3 = await start('n3', [n1.advertise])
  const n4 = await start('n4', [n1.advertise])
  const all = [n1, n2, n3, n4]
  for (const n of all) await eventually(`${n.id} sees four up members`, async () => (await upIds(n)).length === 4, 20_000)
  const marks = new Map(all.map((n) => [n, n.events.length]))
  lab.partition([['n1', 'n3'], ['n2', 'n4']])
  await Promise.all([n2, n4].map((n) => n.event('memberDown', n.id, 15_000, marks.get(n))))
  t.pass('n2 and n4 (without the oldest, n1) downed themselves')
  await Promise.all([n1, n3].flatMap((n) => ['n2', 'n4'].map((o) => n.event('memberDown', o, 15_000, marks.get(n)))))
  t.same(await upIds(n1), ['n1', 'n3'], 'n1 and n3 keep the cluster')
  t.notOk([n1, n3].some((n) => n.events.slice(marks.get(n)).some((e) => e.type === 'memberDown' && (e.node === 'n1' || e.node === 'n3'))), 'and never down each other or themselves')
  const n3Logs = logs(n3).filter((l) => String(l['msg']).startsWith('split brain'))
  t.same(n3Logs, [], 'n3 did not down itself')
})
