// Persistent actors placed on worker threads: a Redis storage config reaches the workers as
// plain data, recovery and restarts work there, and a storage instance is refused clearly.
import t from 'tap'
import { ActorSystem, MemoryJournalStorage } from '../../lib/index.js'
import { startRedis } from '../helpers/redis-server.js'
import { WorkerAccount } from './worker-fixtures.js'

t.test('persistent actors on workers: redis config, recovery across placements, restarts', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const system = await ActorSystem.start({ workers: 2, logLevel: 'error', askTimeoutMs: 20_000, persistence: { storage: { kind: 'redis', url: server.url, keyPrefix: 'w:' } } })
  t.teardown(() => system.shutdown())
  const a = await system.spawn(WorkerAccount, { id: 'wa', placement: 'worker' })
  t.not(await a.ask('thread'), 0)
  t.equal(await a.ask('deposit', 5), 5)
  t.equal(await a.ask('depositAll', [1, 2]), 3)
  await t.rejects(a.ask('fail', 'boom'))
  t.same(await a.ask('read'), { balance: 8, log: [5, 1, 2], sequence: 3 }, 'restart on a worker recovers')
  await a.stop()
  // A worker actor's id stays registered on the main thread a moment after stop() resolves.
  const spawnWhenFree = async (placement: 'main' | number) => {
    for (;;) {
      try {
        return await system.spawn(WorkerAccount, { id: 'wa', placement })
      } catch (e) {
        if ((e as { code?: string }).code !== 'AlreadyExists') throw e
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
  const m = await spawnWhenFree('main')
  t.same(await m.ask('read'), { balance: 8, log: [5, 1, 2], sequence: 3 }, 'recovered on main from what the worker stored')
  await m.ask('deposit', 2)
  await m.stop()
  const w2 = await spawnWhenFree(2)
  t.equal((await w2.ask('read')).balance, 10)
})

t.test('an instance storage does not reach workers: clear StartFailed', async (t) => {
  const system = await ActorSystem.start({ workers: 1, logLevel: 'silent', persistence: { storage: new MemoryJournalStorage() } })
  t.teardown(() => system.shutdown())
  await t.rejects(system.spawn(WorkerAccount, { id: 'x', placement: 'worker' }), { code: 'StartFailed', message: /no journal storage on this thread/ })
  const onMain = await system.spawn(WorkerAccount, { id: 'y', placement: 'main' })
  t.equal(await onMain.ask('deposit', 1), 1)
})
