/**
 * Cluster sharding (issue 14) across node processes on 127.0.0.1: three child nodes
 * (bench/fixtures/sharded-node.ts) host the 100 shards of `BenchEntity`; this process's node
 * joins with a proxy-only region (it hosts nothing) and sends to entities spread over them.
 * Every node runs `workers: 0`.
 * - `sharded.ask.seq` / `sharded.ask.pipelined`: `ask('get')` to 1000 entities in turn, one at a
 *   time and 1000 in flight; each ask goes from this node to the entity's node (the region
 *   knows every shard's home after the warm-up) and back.
 * - `sharded.rebalance`: 10 000 live entities over 100 shards on 3 nodes; a 4th node starts and
 *   the clock runs from its being up to the coordinator reporting every shard within 1 of fair
 *   with no handoff under way (each moved shard's entities stopped on the old node, the shard
 *   started on the new one). The 4th node then leaves again (its shards move back) before the
 *   next repetition.
 */
import { ActorSystem, type ActorRef, type ShardRegion } from '../../lib/index.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
import { startChild, type ChildNode } from '../lib/child-node.js'
import { Fixture } from '../lib/fixture.js'
import { checkAborted, measurePipelined, measureSequential } from '../lib/workloads.js'
import { BenchEntity } from '../fixtures/sharded-actors.js'

const SHARDED_NODE = new URL('../fixtures/sharded-node.ts', import.meta.url)
const CLUSTER_SECRET = 'bench-secret-1'
const SHARDS = 100
const ENTITIES = 1000
const REBALANCE_ENTITIES = 10_000
const TIMEOUT_MS = 20_000
/** A node's graceful stop hands its shards to the others first. */
const STOP_TIMEOUT_MS = 30_000

interface ShardedCluster {
  children: ChildNode[]
  system: ActorSystem
  region: ShardRegion<BenchEntity>
  refs: ActorRef<BenchEntity>[]
}

async function waitFor(what: string, f: () => Promise<boolean> | boolean, signal: AbortSignal, timeoutMs = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await f())) {
    checkAborted(signal)
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** True when the coordinator sees `nodes` hosting nodes within 1 of fair and no handoff under way. */
async function balanced(region: ShardRegion<BenchEntity>, nodes: number): Promise<boolean> {
  const s = await region.status()
  const counts = Object.values(s.shardsByNode).map((x) => x.length)
  return s.ready && s.handoffs.length === 0 && counts.length === nodes && Math.max(...counts) - Math.min(...counts) <= 1
}

async function startCluster(ctx: ScenarioContext, entities: number): Promise<ShardedCluster> {
  const children: ChildNode[] = []
  let system: ActorSystem | null = null
  try {
    const first = await startChild(SHARDED_NODE, ['bench-s0', CLUSTER_SECRET, '-', String(SHARDS)], { signal: ctx.signal, stopTimeoutMs: STOP_TIMEOUT_MS })
    children.push(first)
    for (const id of ['bench-s1', 'bench-s2']) children.push(await startChild(SHARDED_NODE, [id, CLUSTER_SECRET, String(first.port), String(SHARDS)], { signal: ctx.signal, stopTimeoutMs: STOP_TIMEOUT_MS }))
    system = await ActorSystem.start({
      nodeId: `bench-client-${process.pid}`,
      workers: 0,
      logLevel: 'silent',
      askTimeoutMs: TIMEOUT_MS,
      cluster: { listen: '127.0.0.1:0', secret: CLUSTER_SECRET, seeds: [`127.0.0.1:${first.port}`] },
    })
    const region = system.sharding.register(BenchEntity, { shards: SHARDS, proxyOnly: true })
    const sys = system
    await waitFor('4 members up', () => sys.cluster.members().filter((m) => m.status === 'up').length === 4, ctx.signal)
    const refs = Array.from({ length: entities }, (_, i) => region.ref(`e${i}`))
    // Every entity started, every shard's home known here, before the clock starts.
    for (let i = 0; i < refs.length; i += 1000) await Promise.all(refs.slice(i, i + 1000).map((r) => r.ask('get')))
    await waitFor('shards balanced over 3 nodes', () => balanced(region, 3), ctx.signal)
    return { children, system, region, refs }
  } catch (e) {
    await system?.shutdown().catch(() => {})
    for (const c of children) await c.stop().catch(() => {})
    throw e
  }
}

const cluster = (entities: number): Fixture<ShardedCluster> =>
  new Fixture(
    (ctx) => startCluster(ctx, entities),
    async ({ children, system }) => {
      try {
        await system.shutdown()
      } finally {
        // One by one: each hands its shards to those still running, the last keeps them.
        for (const c of children) await c.stop()
      }
    },
  )

const askSeq = cluster(ENTITIES)
const askPipelined = cluster(ENTITIES)
const rebalance = cluster(REBALANCE_ENTITIES)

/** One rebalance: a 4th node joins; the clock runs from its being up to a balanced, idle coordinator. */
async function rebalanceRun(ctx: ScenarioContext): Promise<Measurement> {
  const { system, region, refs } = rebalance.current
  const seed = rebalance.current.children[0] as ChildNode
  const fourth = await startChild(SHARDED_NODE, [`bench-s3-${ctx.repetition ?? 0}-${Date.now()}`, CLUSTER_SECRET, String(seed.port), String(SHARDS)], { signal: ctx.signal, stopTimeoutMs: STOP_TIMEOUT_MS })
  try {
    await waitFor('the 4th node up', () => system.cluster.members().filter((m) => m.status === 'up').length === 5, ctx.signal)
    const start = performance.now()
    await waitFor('shards balanced over 4 nodes', () => balanced(region, 4), ctx.signal, 60_000)
    const seconds = (performance.now() - start) / 1000
    const s = await region.status()
    const moved = Math.min(...Object.values(s.shardsByNode).map((x) => x.length))
    // Every entity still answers (those of moved shards start again on the new node).
    for (let i = 0; i < refs.length; i += 1000) await Promise.all(refs.slice(i, i + 1000).map((r) => r.ask('get')))
    return { opsPerSec: moved / seconds, p50us: null, p99us: null, extra: { rebalanceMs: Math.round(seconds * 1000), shardsMoved: moved, entities: refs.length } }
  } finally {
    await fourth.stop()
    await waitFor('shards back on 3 nodes', () => balanced(region, 3), ctx.signal, 60_000)
  }
}

let next = 0
const nextRef = (refs: ActorRef<BenchEntity>[]): ActorRef<BenchEntity> => refs[next++ % refs.length] as ActorRef<BenchEntity>

const scenarios: Scenario[] = [
  {
    name: 'sharded.ask.seq',
    system: 'coerce-ts',
    description: "`ask('get')` from a proxy-only node to 1000 sharded entities in turn over 3 node processes (100 shards, workers: 0 everywhere), one at a time; p50/p99 are the round trip.",
    ...askSeq.hooks(),
    run(ctx) {
      const { refs } = askSeq.current
      return measureSequential(() => nextRef(refs).ask('get'), ctx.quick ? 5_000 : 20_000, ctx.signal)
    },
    timeoutMs: 180_000,
  },
  {
    name: 'sharded.ask.pipelined',
    system: 'coerce-ts',
    description: "The same asks with 1000 in flight; p50/p99 are send-to-reply, mostly queueing.",
    ...askPipelined.hooks(),
    run(ctx) {
      const { refs } = askPipelined.current
      return measurePipelined(() => nextRef(refs).ask('get'), ctx.quick ? 50_000 : 200_000, ctx.signal)
    },
    timeoutMs: 180_000,
  },
  {
    name: 'sharded.rebalance',
    system: 'coerce-ts',
    description:
      '10 000 live entities in 100 shards on 3 node processes; a 4th node joins and the clock runs from its being up until the coordinator reports every node within 1 shard of fair and no handoff under way. ops/s are shards moved per second; rebalanceMs is the time; the 4th node leaves again between repetitions.',
    ...rebalance.hooks(),
    run: rebalanceRun,
    warmups: 0,
    repetitions: 3,
    timeoutMs: 300_000,
  },
]

export default scenarios
