// The examples run and print what they should (they double as documentation).
import t from 'tap'
import { runEcho } from '../examples/echo.js'
import { runTimer } from '../examples/timer.js'
import { runTour } from '../examples/tour.js'
import { runCpuActors } from '../examples/cpu-actors.js'
import { runReadModel } from '../examples/read-model.js'
import { startPostgres } from './helpers/postgres-server.js'
import { runCpuPool } from '../examples/cpu-pool.js'
import { runShardedCounters } from '../examples/sharded-counters.js'

t.test('echo and timer', async (t) => {
  const echoed: string[] = []
  t.same(await runEcho((l) => echoed.push(l)), ['received: hello, world', 'echoed 2 messages'])
  t.same(echoed, ['received: hello, world', 'echoed 2 messages'])
  const printed: string[] = []
  const lines = await runTimer((l) => printed.push(l), 20, 3)
  t.same(lines.slice(0, 3), ['tick #1', 'tick #2', 'tick #3'])
  t.same(printed.slice(0, 3), lines.slice(0, 3))
})

t.test('the README tour runs as written', async (t) => {
  const out = await runTour(2)
  t.match(out, { n: 6, doubled: 12, sameRef: true, childId: 'parent/w1', afterRestart: 0, terminated: ['parent/w1:stopped'] })
  t.ok((out['ticks'] as number) >= 3)
  t.ok((out['counterThread'] as number) >= 1, 'a registered class went to a worker')
})

t.test('cpu-actors handles every message with 1 and 2 workers', async (t) => {
  for (const workers of [1, 2]) {
    const r = await runCpuActors(workers, 400, 20)
    t.match(r, { workers, actors: workers * 2, messages: 400 })
    t.ok(r.messagesPerSecond > 0)
  }
})

t.test('read-model keeps balances in a SQL table from live event queries, and resumes', async (t) => {
  const server = await startPostgres()
  t.teardown(() => server.stop())
  const lines = await runReadModel({ url: server.url, schema: server.schema, print: () => {} })
  t.same(lines, [
    'read model after 2 events: alice 70 (through sequence 2)',
    'live: alice 75 (through sequence 3)',
    'projection stopped; the journal moved on, the read model did not: alice 75 (through sequence 3)',
    'resumed from sequence 4: alice 76 (through sequence 4)',
  ])
})

t.test('cpu-pool serves every request with a pool of 1 and of 2', async (t) => {
  for (const instances of [1, 2]) {
    const r = await runCpuPool(instances, 300, 20)
    t.match(r, { instances, messages: 300, routing: 'round-robin', sample: /^[0-9a-f]{64}$/ })
    t.ok(r.messagesPerSecond > 0)
  }
})

t.test('sharded-counters spreads counters over 3 then 4 nodes and keeps every total through a rebalance and a leave', async (t) => {
  const lines = await runShardedCounters(() => {}, 40)
  t.match(lines[0], /^3 nodes: counters by node a=\d+ b=\d+ c=\d+$/)
  t.match(lines[1], /^4 nodes after the rebalance: counters by node a=\d+ b=\d+ c=\d+ d=\d+$/)
  t.equal(lines[2], 'b left: every counter at 3 on a,c,d')
})
