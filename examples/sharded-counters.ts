/**
 * Sharded counters: three cluster nodes in one process share an in-memory journal; persistent
 * counters are spread over them in 12 shards. A fourth node joins and shards rebalance to it;
 * then a node leaves gracefully and hands its shards over. Every counter keeps its total
 * throughout. Run with `npx tsx examples/sharded-counters.ts`.
 */
import { pathToFileURL } from 'node:url'
import { ActorSystem, MemoryJournalStorage, PersistentActor, type PersistentActorOptions } from '../lib/index.js'

type Added = { type: 'Added'; by: number }

/** One counter per entity id; its total is rebuilt from the journal wherever it starts. */
export class Counter extends PersistentActor<{ total: number }, Added> {
  static override persistence: PersistentActorOptions<Added, { total: number }> = { events: ['Added'] }
  protected override initialState(): { total: number } {
    return { total: 0 }
  }
  protected override applyEvent(state: { total: number }, e: Added): { total: number } {
    return { total: state.total + e.by }
  }
  async add(by: number): Promise<{ total: number; node: string }> {
    await this.persist({ type: 'Added', by })
    return { total: this.state.total, node: this.ctx.system.nodeId }
  }
}

/** Runs the example; returns the lines it printed. */
export async function runShardedCounters(print: (line: string) => void = console.log, counters = 40): Promise<string[]> {
  const lines: string[] = []
  const say = (line: string): void => {
    lines.push(line)
    print(line)
  }
  // One journal for all nodes: in production, Redis or SQL storage shared by the node processes.
  const journal = new MemoryJournalStorage()
  const systems: ActorSystem[] = []
  const node = async (nodeId: string): Promise<ActorSystem> => {
    const seeds = systems.length === 0 ? [] : [systems[0]?.cluster.self.advertise as string]
    const system = await ActorSystem.start({ nodeId, workers: 0, logLevel: 'error', persistence: { storage: journal }, cluster: { listen: '127.0.0.1:0', secret: 'example-secret', seeds } })
    system.sharding.register(Counter, { shards: 12, rebalanceAfterMs: 100 })
    systems.push(system)
    return system
  }
  try {
    const a = await node('a')
    await node('b')
    await node('c')
    const counter = a.sharding.region(Counter)
    if (counter === undefined) throw new Error('Counter is not registered')
    // The regions register with the coordinator as their nodes start; shards go to registered ones.
    while ((await counter.status()).regions.length < 3) await new Promise((r) => setTimeout(r, 20))
    const addAll = async (): Promise<Record<string, number>> => {
      const byNode: Record<string, number> = {}
      const results = await Promise.all(Array.from({ length: counters }, (_, i) => counter.ref(`counter-${i}`).ask('add', 1)))
      for (const r of results) byNode[r.node] = (byNode[r.node] ?? 0) + 1
      return byNode
    }
    const spread = (byNode: Record<string, number>): string =>
      Object.keys(byNode)
        .sort()
        .map((n) => `${n}=${byNode[n]}`)
        .join(' ')
    say(`3 nodes: counters by node ${spread(await addAll())}`)

    await node('d')
    // Wait for the automatic rebalance to give the new node its share of the 12 shards.
    for (;;) {
      const s = await counter.status()
      const counts = Object.values(s.shardsByNode).map((x) => x.length)
      if (s.handoffs.length === 0 && counts.length === 4 && Math.max(...counts) - Math.min(...counts) <= 1) break
      await new Promise((r) => setTimeout(r, 50))
    }
    say(`4 nodes after the rebalance: counters by node ${spread(await addAll())}`)

    const b = systems[1] as ActorSystem
    await b.shutdown() // a graceful leave: b's shards move first
    systems.splice(1, 1)
    const totals = await Promise.all(Array.from({ length: counters }, (_, i) => counter.ref(`counter-${i}`).ask('add', 1)))
    say(`b left: every counter at ${[...new Set(totals.map((r) => r.total))].join(',')} on ${[...new Set(totals.map((r) => r.node))].sort().join(',')}`)
    return lines
  } finally {
    await Promise.all(systems.map((s) => s.shutdown()))
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runShardedCounters()
}
