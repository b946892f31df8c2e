// Cluster sharding across real node processes (test/fixtures/cluster-node.ts) with a real
// redis-server as the shared journal. Every entity (test/fixtures/shard-actors.ts) prints its
// starts and stops with node and wall-clock time; the test process, outside the cluster,
// collects them and checks that no entity ever lived twice at once, through rebalances,
// SIGKILLs, rolling restarts and rolled-back handoffs.
import t from 'tap'
import { closeAll, entityLives, entityOverlaps, eventually, nodeGroup, upIds, type ClusterNode } from '../helpers/cluster-nodes.js'
import { startRedis, type RedisServer } from '../helpers/redis-server.js'

t.setTimeout(400_000)

interface Batch {
  ok: number
  failed: { id: string; code?: string; message: string }[]
  results: Record<string, { total: number; node: string; id?: string; echo?: string; type?: string }>
}
interface Status {
  ready: boolean
  shardsByNode: Record<string, number[]>
  handoffs: { shard: number }[]
  coordinator: { id: string }
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const counts = (s: Status): number[] => Object.values(s.shardsByNode).map((x) => x.length)
const spread = (s: Status): number => Math.max(...counts(s)) - Math.min(...counts(s))

async function redis(t: { teardown(f: () => unknown): void }): Promise<RedisServer> {
  const server = await startRedis()
  t.teardown(() => server.stop())
  return server
}

/** Waits until the coordinator (asked through `via`) is ready and idle, and every node of `expectNodes` hosts shards within 1 of fair. */
async function balanced(via: ClusterNode, expectNodes: number, timeoutMs = 20_000): Promise<Status> {
  let last: Status | null = null
  try {
    await eventually(
      `shards balanced over ${expectNodes} nodes`,
      async () => {
        last = await via.op<Status>({ op: 'shardStatus', type: 'ShardCounter' })
        return last.ready && last.handoffs.length === 0 && Object.keys(last.shardsByNode).length === expectNodes && spread(last) <= 1
      },
      timeoutMs,
    )
  } catch (e) {
    throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(last)}`)
  }
  return last as unknown as Status
}

t.test('3 nodes, 1000 entities: each lives once; a 4th node joins and shards rebalance to within 1 of fair with state kept; two types do not collide', async (t) => {
  const server = await redis(t)
  const g = nodeGroup()
  t.teardown(() => closeAll(g.nodes))
  const sharding = { shards: 40, rebalanceAfterMs: 200 }
  const a = await g.start({ nodeId: 'a', redisUrl: server.url, sharding })
  const seeds = [a.advertise]
  const [b, c] = await Promise.all([g.start({ nodeId: 'b', seeds, redisUrl: server.url, sharding }), g.start({ nodeId: 'c', seeds, redisUrl: server.url, sharding })])
  await eventually('3 up', async () => (await upIds(a)).length === 3)
  await b.op({ op: 'subscribe', sub: 'moves', topic: 'coerce.cluster' })

  const all = ids('acc-', 1000)
  const first = await a.op<Batch>({ op: 'entityBatch', type: 'ShardCounter', ids: all, handler: 'add', args: [1], collect: true, concurrency: 100 })
  t.equal(first.ok, 1000, `1000 entities answered (failures: ${JSON.stringify(first.failed.slice(0, 3))})`)
  const status3 = await balanced(a, 3)
  t.ok(spread(status3) <= 1, `40 shards over 3 nodes within 1 of fair: ${JSON.stringify(counts(status3))}`)

  // The same ids in another type are other entities.
  const echoes = await c.op<Batch>({ op: 'entityBatch', type: 'ShardEcho', ids: all.slice(0, 50), handler: 'echo', args: ['hi'], collect: true })
  t.equal(echoes.ok, 50)
  t.ok(Object.entries(echoes.results).every(([id, r]) => r.type === 'ShardEcho' && r.id === id && r.echo === 'hi'), 'ShardEcho entities answer as themselves')

  const d = await g.start({ nodeId: 'd', seeds, redisUrl: server.url, sharding })
  await eventually('4 up', async () => (await upIds(a)).length === 4)
  const status4 = await balanced(b, 4)
  t.ok(counts(status4).every((n) => n === 10), `40 shards over 4 nodes: ${JSON.stringify(counts(status4))}`)

  const second = await d.op<Batch>({ op: 'entityBatch', type: 'ShardCounter', ids: all, handler: 'add', args: [1], collect: true, concurrency: 100 })
  t.equal(second.ok, 1000, `every entity answers after the rebalance (failures: ${JSON.stringify(second.failed.slice(0, 3))})`)
  const wrong = Object.entries(second.results).filter(([, r]) => r.total !== 2)
  t.same(wrong.slice(0, 5), [], 'every entity kept its state (total 2) through the moves')
  const onD = Object.values(second.results).filter((r) => r.node === 'd').length
  t.ok(onD > 150, `the new node hosts its share of entities (${onD})`)

  const moved = await b.op<string[]>({ op: 'received', sub: 'moves' })
  t.ok(moved.filter((e) => e === 'shardMoved').length >= 10, 'shardMoved events on coerce.cluster')

  const lives = entityLives([...g.nodes])
  t.ok(lives.length >= 1050, `lives collected (${lives.length})`)
  t.same(entityOverlaps(lives), [], 'no entity lived twice at once')
  const echoStarts = lives.filter((l) => l.type === 'ShardEcho').length
  t.ok(echoStarts >= 50, 'the second type has lives of its own')
})

t.test('SIGKILL of a node mid-traffic: its entities answer again on the others within 2x the failure-detection bound, with their state; remembered entities start again unasked', async (t) => {
  const server = await redis(t)
  const g = nodeGroup()
  t.teardown(() => closeAll(g.nodes))
  const sharding = { shards: 30, rebalanceAfterMs: 200, rememberEntities: true }
  const a = await g.start({ nodeId: 'a', redisUrl: server.url, sharding })
  const seeds = [a.advertise]
  const [b, c] = await Promise.all([g.start({ nodeId: 'b', seeds, redisUrl: server.url, sharding }), g.start({ nodeId: 'c', seeds, redisUrl: server.url, sharding })])
  await eventually('3 up', async () => (await upIds(a)).length === 3)
  await balanced(a, 3)
  const all = ids('k-', 300)
  const first = await a.op<Batch>({ op: 'entityBatch', type: 'ShardCounter', ids: all, handler: 'add', args: [5], collect: true })
  t.equal(first.ok, 300)
  const onB = Object.entries(first.results).filter(([, r]) => r.node === 'b').map(([id]) => id)
  t.ok(onB.length > 50, `b hosts entities (${onB.length})`)

  await c.op({ op: 'trafficStart', type: 'ShardCounter', ids: all, handler: 'get', args: [], timeoutMs: 8000, lanes: 8 })
  await new Promise((r) => setTimeout(r, 300))
  const killedAt = Date.now()
  const t0 = performance.now()
  await b.kill()
  // Remembered: b's entities start on a or c without being asked.
  await eventually(
    "b's entities started again elsewhere without a message",
    () => {
      const again = new Set(entityLives([a, c]).filter((l) => l.from > killedAt && l.type === 'ShardCounter').map((l) => l.id))
      return onB.every((id) => again.has(id))
    },
    15_000,
  )
  const restartedMs = performance.now() - t0
  // Bound with the tests' settings: a closed connection is noticed at once; down after downAfterMs (600) + downMarginMs (1000).
  const boundMs = 600 + 1000 + 300
  t.ok(restartedMs < 2 * boundMs, `b's ${onB.length} entities were running again ${Math.round(restartedMs)} ms after the kill (2x bound: ${2 * boundMs} ms)`)
  const answered = await a.op<Batch>({ op: 'entityBatch', type: 'ShardCounter', ids: onB, handler: 'get', args: [], collect: true, timeoutMs: 5000 })
  t.equal(answered.ok, onB.length, 'every entity of the killed node answers')
  t.ok(Object.values(answered.results).every((r) => r.total === 5 && r.node !== 'b'), 'with its persisted state, on a survivor')
  const traffic = await c.op<{ ok: number; failed: { code?: string }[] }>({ op: 'trafficStop' })
  t.ok(traffic.ok > 300, `traffic kept flowing (${traffic.ok} answers)`)
  t.ok(traffic.failed.every((f) => f.code === 'NodeUnreachable'), `only asks in flight to the killed node failed (${traffic.failed.length}: ${JSON.stringify(traffic.failed.slice(0, 2))})`)
  t.same(entityOverlaps(entityLives([...g.nodes], new Map([['b', killedAt]]))), [], 'no entity lived twice at once')
})

t.test('rolling restart of all 3 nodes (graceful leave, restart, wait for up) under steady traffic: zero failed asks', async (t) => {
  const server = await redis(t)
  const g = nodeGroup()
  t.teardown(() => closeAll(g.nodes))
  const sharding = { shards: 30, rebalanceAfterMs: 300 }
  // The client is a proxy-only node: it routes, hosts nothing, and is never restarted.
  const client = await g.start({ nodeId: 'client', redisUrl: server.url, sharding: { ...sharding, proxyOnly: true } })
  const seeds = [client.advertise]
  const hosts: ClusterNode[] = []
  for (const id of ['a', 'b', 'c']) hosts.push(await g.start({ nodeId: id, seeds, redisUrl: server.url, sharding }))
  await eventually('4 up', async () => (await upIds(client)).length === 4)
  const all = ids('r-', 200)
  const warm = await client.op<Batch>({ op: 'entityBatch', type: 'ShardCounter', ids: all, handler: 'get', args: [] })
  t.equal(warm.ok, 200)
  await balanced(client, 3)

  await client.op({ op: 'trafficStart', type: 'ShardCounter', ids: all, handler: 'add', args: [1], timeoutMs: 20_000, lanes: 8 })
  for (let i = 0; i < 3; i++) {
    const old = hosts[i] as ClusterNode
    await old.leave()
    t.equal(old.exited, 0, `${old.id} left gracefully`)
    const again = await g.start({ nodeId: old.id, port: old.port, seeds, redisUrl: server.url, sharding })
    hosts[i] = again
    await eventually(`${old.id} up again`, async () => (await upIds(client)).filter((x) => x === old.id).length === 1 && (await upIds(client)).length === 4, 15_000)
    await balanced(client, 3, 20_000)
  }
  const traffic = await client.op<{ ok: number; failed: { id: string; code?: string; message: string }[] }>({ op: 'trafficStop' })
  t.ok(traffic.ok > 200, `traffic flowed through the restarts (${traffic.ok} asks)`)
  t.same(traffic.failed.slice(0, 5), [], 'zero failed asks')
  const totals = await client.op<Batch>({ op: 'entityBatch', type: 'ShardCounter', ids: all, handler: 'get', args: [], collect: true })
  const sum = Object.values(totals.results).reduce((s, r) => s + r.total, 0)
  t.equal(sum, traffic.ok, 'every answered add is in the persisted totals, none twice')
  t.same(entityOverlaps(entityLives([...g.nodes])), [], 'no entity lived twice at once')
})

t.test('a handoff past its timeout is rolled back: the shard stays, its entities come back there, no overlap', async (t) => {
  const g = nodeGroup()
  t.teardown(() => closeAll(g.nodes))
  // No automatic rebalance: the one asked for below is the one that times out.
  const sharding = { shards: 6, rebalanceAfterMs: 600_000 }
  const a = await g.start({ nodeId: 'a', sharding })
  await a.op({ op: 'entityBatch', type: 'SlowStop', ids: ids('s-', 30), handler: 'where', args: [] })
  const before = await a.op<{ shardsByNode: Record<string, number[]> }>({ op: 'shardStatus', type: 'SlowStop' })
  t.equal(Object.values(before.shardsByNode).flat().length, 6, 'all 6 shards on a')
  // SlowStop entities take 3 s to stop; the type's handoffTimeoutMs is 1 s.
  const b = await g.start({ nodeId: 'b', seeds: [a.advertise], sharding })
  await eventually('2 up', async () => (await upIds(a)).length === 2)
  await eventually('b registered with the coordinator', async () => (await a.op<{ regions: unknown[] }>({ op: 'shardStatus', type: 'SlowStop' })).regions.length === 2)
  const result = await a.op<{ moved: number; rolledBack: number }>({ op: 'rebalance', type: 'SlowStop' })
  t.equal(result.moved, 0, 'nothing moved')
  t.ok(result.rolledBack >= 2, `handoffs rolled back (${result.rolledBack})`)
  const after = await b.op<{ shardsByNode: Record<string, number[]>; handoffs: unknown[] }>({ op: 'shardStatus', type: 'SlowStop' })
  t.same(Object.keys(after.shardsByNode).map((k) => k.split('#')[0]), ['a'], 'the shards stayed on a')
  t.same(after.handoffs, [], 'no handoff left under way')
  const where = await b.op<Batch>({ op: 'entityBatch', type: 'SlowStop', ids: ids('s-', 30), handler: 'where', args: [], collect: true, timeoutMs: 8000 })
  t.equal(where.ok, 30, 'every entity answers after the rollback')
  t.ok(Object.values(where.results).every((n) => (n as unknown as string) === 'a'), 'on a')
  await eventually('the slow stops reported', () => entityLives([a]).filter((l) => l.to !== Infinity).length >= 10, 8000)
  t.same(entityOverlaps(entityLives([a, b])), [], 'no entity lived twice at once')
})
