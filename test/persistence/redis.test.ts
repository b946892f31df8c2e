// Redis-specific behaviour against real redis-server processes: key layout, connection
// lifetime, Redis going away mid-run (killed and restarted on the same port) and coming back,
// a frozen server (a write whose outcome the client cannot know), a server that never was, and
// the bank-account example on both storages.
import t from 'tap'
import { Redis } from 'ioredis'
import {
  ActorSystem,
  createRedisJournalStorage,
  type ActorRef,
  isPersistenceError,
  type Logger,
  type PersistentActorOptions,
  type RedisStorageConfig,
} from '../../lib/index.js'
import { BankAccount, runBankAccount } from '../../examples/bank-account.js'
import { freePort, startRedis, type RedisServer } from '../helpers/redis-server.js'
import { Account, sleep, until, type AccountEvent, type AccountState } from './fixtures.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

async function server(t: Test, durable = false): Promise<RedisServer> {
  const s = await startRedis({ durable })
  t.teardown(() => s.stop())
  return s
}

function admin(t: Test, s: RedisServer): Redis {
  const c = new Redis(s.url, { retryStrategy: () => null, maxRetriesPerRequest: 0 })
  t.teardown(() => c.disconnect())
  return c
}

/** Ids of the clients connected to the server, the admin connection left out. */
async function clients(a: Redis): Promise<string[]> {
  const self = String(await a.client('ID'))
  const list = String(await a.client('LIST'))
  return list
    .split('\n')
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined && id !== self)
}

function capture(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = []
  const at = (level: string) => (_f: object, msg: string) => lines.push({ level, msg })
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

const policy = (persist: PersistentActorOptions['persist']): PersistentActorOptions<AccountEvent, AccountState> => ({
  ...Account.persistence,
  persist,
})

class Returning extends Account {
  static override persistence = policy({ kind: 'returnError' })
}
class Retrying extends Account {
  static override persistence = policy({ kind: 'retry', maxAttempts: 400, delayMs: 20, maxDelayMs: 100 })
}
class Stopping extends Account {
  static override persistence = policy({ kind: 'stop' })
}

t.test('keys: sorted sets scored by sequence, a sequence key, hash tags on request', async (t) => {
  const s = await server(t)
  const a = admin(t, s)
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: { kind: 'redis', url: s.url, keyPrefix: 'bank:' } } })
  t.teardown(() => system.shutdown())
  const acc = await system.spawn(Account, { id: 'k1' })
  await acc.ask('depositAll', [1, 2, 3])
  await acc.ask('takeSnapshot')
  await acc.ask('deposit', 4)
  await acc.ask('takeSnapshot')
  t.equal(await a.type('bank:k1:journal'), 'zset')
  t.same(await a.zrange('bank:k1:journal', 0, '-1', 'WITHSCORES').then((r) => r.filter((_, i) => i % 2 === 1)), ['1', '2', '3', '4'])
  t.equal(await a.get('bank:k1:seq'), '4')
  t.equal(await a.zcard('bank:k1:snapshot'), 1, 'only the latest snapshot is kept')
  t.same(await a.zrange('bank:k1:snapshot', 0, '-1', 'WITHSCORES').then((r) => r[1]), '4')

  const tagged = await createRedisJournalStorage({ url: s.url, keyPrefix: 'tag:', hashTags: true })
  t.teardown(() => tagged.close())
  t.same(tagged.keys('p1'), { journal: 'tag:{p1}:journal', snapshot: 'tag:{p1}:snapshot', seq: 'tag:{p1}:seq' })
  await tagged.writeEvents('p1', 0, [{ sequence: 1, type: 'T', bytes: new Uint8Array([1]) }])
  t.equal(await a.zcard('tag:{p1}:journal'), 1)

  await t.rejects(createRedisJournalStorage({}), { name: 'TypeError', message: /url is required/ })
  await t.rejects(createRedisJournalStorage({ url: 'localhost:6379', commandTimeoutMs: 0 }), {
    message: /url must be a redis:\/\/ or rediss:\/\/ URL.*commandTimeoutMs must be a positive number/,
  })
})

t.test('one connection per system and storage config; kept across restarts, closed when unused', async (t) => {
  const s = await server(t)
  const a = admin(t, s)
  const config: RedisStorageConfig = { kind: 'redis', url: s.url, keyPrefix: 'life:' }
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => system.shutdown())
  const one = await system.spawn(Account, { id: 'l1' })
  const two = await system.spawn(Account, { id: 'l2' })
  await one.ask('deposit', 1)
  await two.ask('deposit', 2)
  const before = await clients(a)
  t.equal(before.length, 1, 'both actors share one connection')
  await t.rejects(one.ask('fail', 'crash'))
  t.equal(await one.ask('deposit', 1), 2, 'restarted and recovered')
  t.same(await clients(a), before, 'the supervised restart kept the connection')
  await one.stop()
  await sleep(20)
  t.same(await clients(a), before, 'still in use by the other actor')
  await system.shutdown()
  await until(async () => (await clients(a)).length === 0, 'the connection to close after shutdown')
  t.pass('closed')
})

t.test('Redis going away mid-run: policies act, nothing acknowledged is lost', async (t) => {
  const s = await server(t, true)
  const logger = capture()
  // What a production user would configure: bounded waits, reconnecting with a capped delay.
  const config: RedisStorageConfig = {
    kind: 'redis',
    url: s.url,
    keyPrefix: 'away:',
    connectTimeoutMs: 300,
    commandTimeoutMs: 2_000,
    reconnect: { maxAttempts: 100, maxDelayMs: 100 },
  }
  const system = await ActorSystem.start({ logger, persistence: { storage: config } })
  t.teardown(() => system.shutdown())
  const ret = await system.spawn(Returning, { id: 'ret' })
  const rty = await system.spawn(Retrying, { id: 'rty' })
  const stp = await system.spawn(Stopping, { id: 'stp' })
  const acked: Record<string, number[]> = { ret: [], rty: [], stp: [] }
  for (let i = 1; i <= 5; i++) {
    await ret.ask('deposit', i)
    acked['ret']?.push(i)
    await stp.ask('deposit', i)
    acked['stp']?.push(i)
  }

  // A stream of deposits on the retrying actor; Redis dies and returns in the middle of it, so
  // some writes are lost in flight with an unknown outcome.
  let streamed = 0
  const stream = (async () => {
    for (let i = 1; i <= 300; i++) {
      await rty.ask('deposit', i, { timeoutMs: 60_000 })
      acked['rty']?.push(i)
      streamed = i
    }
  })()
  await until(() => streamed >= 50, 'the stream to get going')
  await s.kill()

  const t0 = performance.now()
  const err = await ret.ask('deposit', 1000).catch((e: unknown) => e)
  const tookMs = performance.now() - t0
  t.ok(isPersistenceError(err, 'StorageFailed'), 'returnError: the ask rejects with StorageFailed')
  t.match((err as Error).message, /writing events 6\.\.6 failed: redis redis:\/\/127\.0\.0\.1:\d+/)
  t.ok(tookMs < 10_000, `bounded (${Math.round(tookMs)} ms)`)
  t.comment(`returnError saw: ${(err as Error).message}`)
  t.equal(ret.isAlive, true)

  await t.rejects(stp.ask('deposit', 1000), { code: 'StorageFailed' }, 'stop: the ask rejects')
  await until(() => !stp.isAlive, 'the stop-policy actor to stop')

  const streamedWhenKilled = streamed
  await sleep(400)
  t.ok(streamed - streamedWhenKilled <= 1, 'the retrying actor waits while Redis is away')
  await s.restart()
  await stream
  t.equal(streamed, 300, 'retry: every deposit of the stream completed once Redis returned')
  t.equal(await ret.ask('deposit', 6), 21, 'returnError actor works again after the reconnect')
  acked['ret']?.push(6)
  t.ok(logger.lines.some((l) => l.level === 'warn' && l.msg === 'journal storage connection failed'), 'the outage was logged')
  const settled = logger.lines.filter((l) => l.msg === 'a write whose outcome was unknown had been stored').length
  t.comment(`writes lost in flight and found stored on retry: ${settled}`)
  t.ok(logger.lines.some((l) => l.level === 'info' && l.msg === 'journal storage reconnected'), 'and the recovery')

  // Nothing acknowledged is lost: a fresh system (new connections) rebuilds every account from
  // Redis, and the journals hold exactly the acknowledged deposits, in order, without duplicates.
  await system.shutdown()
  const reader = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => reader.shutdown())
  for (const id of ['ret', 'rty', 'stp']) {
    const acc = await reader.spawn(Account, { id })
    const state = await acc.ask('read')
    t.same(state.log, acked[id], `${id}: the journal holds exactly the acknowledged events`)
    t.equal(state.sequence, acked[id]?.length)
  }
})

t.test('a frozen server: the timed-out write is found stored and applied before the next', async (t) => {
  const s = await server(t)
  const config: RedisStorageConfig = { kind: 'redis', url: s.url, keyPrefix: 'frozen:', commandTimeoutMs: 200 }
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => system.shutdown())
  const acc = await system.spawn(Returning, { id: 'fz' })
  await acc.ask('deposit', 10)
  s.pause()
  await t.rejects(acc.ask('deposit', 5), { code: 'StorageFailed', message: /no reply within the command timeout/ })
  s.resume()
  t.equal(await acc.ask('deposit', 1), 16, 'the write that timed out had been applied by Redis; it is applied here too')
  t.same(await acc.ask('read'), { balance: 16, log: [10, 5, 1], sequence: 3 })
  await acc.stop()
  const again = await system.spawn(Account, { id: 'fz' })
  t.same(await again.ask('read'), { balance: 16, log: [10, 5, 1], sequence: 3 }, 'storage and memory agree')
})

t.test('a server that is not there fails recovery fast and clearly', async (t) => {
  const port = await freePort()
  const system = await ActorSystem.start({
    logLevel: 'silent',
    persistence: {
      storage: { kind: 'redis', url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, reconnect: { maxAttempts: 1 } },
      recovery: { kind: 'retry', maxAttempts: 2, delayMs: 10 },
    },
  })
  t.teardown(() => system.shutdown())
  const err = await system.spawn(Account, { id: 'nobody' }).catch((e: unknown) => e)
  t.match(err, { code: 'StartFailed' })
  t.match((err as Error).message, new RegExp(`recovery failed after 2 attempt\\(s\\): StorageFailed: reading the last sequence failed: redis redis://127\\.0\\.0\\.1:${port} not connected after 200 ms`))
})

t.test('after the reconnect attempts ran out, the next operation connects again', async (t) => {
  const s = await server(t, true)
  const config: RedisStorageConfig = { kind: 'redis', url: s.url, keyPrefix: 'ended:', connectTimeoutMs: 200, reconnect: { maxAttempts: 1, maxDelayMs: 10 } }
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => system.shutdown())
  const acc = await system.spawn(Returning, { id: 'end' })
  await acc.ask('deposit', 1)
  await s.kill()
  await t.rejects(acc.ask('deposit', 2), { code: 'StorageFailed' })
  await sleep(300)
  await s.restart()
  t.equal(await acc.ask('deposit', 3), 4, 'the client came back without outside help')
})

t.test('the bank-account example runs in memory and on Redis', async (t) => {
  const memory = await runBankAccount({ print: () => {} })
  t.same(memory, [
    'storage: memory',
    'opened alice with balance 0 (0 transactions so far)',
    'deposit 100 -> 100',
    'withdraw 30 -> 70',
    'withdraw 1000000 refused: insufficient funds: balance 70, asked 1000000',
    'compacted at sequence 2',
    'deposit 5 -> 75',
    'stopped the actor',
    'recovered alice: balance 75 at sequence 3 (snapshot at 2, 1 event(s) replayed)',
  ])
  const s = await server(t)
  const first = await runBankAccount({ redisUrl: s.url, accountId: 'bob', print: () => {} })
  t.equal(first.at(-1), 'recovered bob: balance 75 at sequence 3 (snapshot at 2, 1 event(s) replayed)')
  const second = await runBankAccount({ redisUrl: s.url, accountId: 'bob', print: () => {} })
  t.equal(second[1], 'opened bob with balance 75 (3 transactions so far)', 'a second run starts where the first left off')
  t.equal(second.at(-1), 'recovered bob: balance 150 at sequence 6 (snapshot at 5, 1 event(s) replayed)')
  t.equal(BankAccount.name, 'BankAccount')
})

t.test('Redis restarted empty under a running actor: JournalRegressed, the actor stops, nothing is handed out twice', async (t) => {
  const s = await server(t)
  const config: RedisStorageConfig = { kind: 'redis', url: s.url, keyPrefix: 'lost:', connectTimeoutMs: 300, reconnect: { maxDelayMs: 50 } }
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: config } })
  t.teardown(() => system.shutdown())
  const refs = new Map<string, ActorRef<Account>>()
  for (const [id, type] of [['lost-default', Account], ['lost-retry', Retrying], ['lost-return', Returning]] as const) {
    const acc: ActorRef<Account> = await system.spawn(type, { id })
    for (let i = 1; i <= 10; i++) await acc.ask('deposit', i)
    t.equal((await acc.ask('read')).sequence, 10)
    refs.set(id, acc)
  }
  // Not durable: the restarted server starts with nothing.
  await s.restart()
  for (const [id, acc] of refs) {
    const err = await acc.ask('deposit', 1000, { timeoutMs: 10_000 }).catch((e: unknown) => e)
    t.ok(isPersistenceError(err, 'JournalRegressed'), `${id}: the persist rejects with JournalRegressed`)
    t.match(err, { persistenceId: id, expected: 10, found: 0, message: /highest sequence is 0 but this actor already saw 10 stored/ })
    await until(() => !acc.isAlive, `${id} to stop`)
  }
  // A supervised restart after the loss: the new incarnation knows what the old one saw.
  const crash: ActorRef<Account> = await system.spawn(Account, { id: 'lost-crash' })
  await crash.ask('depositAll', [1, 2, 3])
  await s.restart()
  await t.rejects(crash.ask('fail', 'boom'), { message: 'boom' })
  const after = await crash.ask('read').catch((e: unknown) => e)
  t.notMatch(after, { balance: 0, sequence: 0 }, 'the restarted actor did not start over from the empty journal')
  const a = admin(t, s)
  t.same(await a.keys('lost:*'), [], 'nothing was written to the emptied journal: sequence numbers were not handed out again')
})
