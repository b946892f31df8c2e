// Actor pools: placement of members over the workers, each routing strategy's distribution,
// broadcast and scatter-gather, membership reaching other threads, option errors, and the
// typed ref (`npm run typecheck` proves the @ts-expect-error lines are errors). Faults, stop,
// watch and the resizer: pool-faults.test.ts.
import t from 'tap'
import { Actor, ActorSystem, Supervision, type ActorRef, type GatherResult, type PoolRef } from '../../lib/index.js'
import { poolRing } from '../../lib/runtime/pool/hash-ring.js'
import { resolvePoolOptions } from '../../lib/runtime/pool/options.js'
import { Member, PoolUser } from '../fixtures/pool-actors.js'
import { sleep, until } from '../helpers/wait.js'

const countsOf = (ids: readonly string[]): Record<string, number> => {
  const c: Record<string, number> = {}
  for (const id of ids) c[id] = (c[id] ?? 0) + 1
  return c
}

/** Messages each member handled, by member id. */
async function handled(pool: PoolRef<Member>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const m of pool.members) out[m.id] = await m.ask('count')
  return out
}

// One system for the file: every worker start costs seconds under a loaded full-suite run
// (each worker loads the TypeScript sources), and tap gives a file 120 s. Pools get their own
// ids or anonymous ones, so the subtests do not see each other's members.
const system = await ActorSystem.start({ workers: 2, logLevel: 'silent' })
t.teardown(() => system.shutdown())

t.test('members spread evenly over the workers, one per worker first', async (t) => {
  const byDefault = await system.pool(Member)
  t.equal(byDefault.members.length, 2, 'default size: one per worker thread')
  t.same(byDefault.members.map((m) => m.target.thread).sort(), [1, 2])
  const threadIds = await Promise.all(byDefault.members.map((m) => m.ask('thread')))
  t.equal(new Set(threadIds).size, 2, 'on two different threads')

  const five = await system.pool(Member, { size: 5, id: 'five' })
  const perThread = countsOf(five.members.map((m) => String(m.target.thread)))
  t.same(perThread, { '1': 3, '2': 2 }, 'five members: 3 and 2')
  t.same(five.members.map((m) => m.id), ['five/m1', 'five/m2', 'five/m3', 'five/m4', 'five/m5'])
  t.equal(five.id, 'five')
  t.equal(five.actorType, 'Member', 'the pool ref is typed and named as its members')

  const onTwo = await system.pool(Member, { placement: [2], size: 2 })
  t.same(onTwo.members.map((m) => m.target.thread), [2, 2], 'an explicit list of workers')
  const onMain = await system.pool(Member, { placement: 'main', size: 2 })
  t.same(onMain.members.map((m) => m.target.thread), [0, 0])

  const tree = await system.describe()
  const node = tree.find((d) => d.id === 'five')
  t.match(node, { actorType: 'coerce.Pool', thread: 'main', childCount: 5 }, 'describe shows the pool as a node')
  t.same(node?.children.map((c) => `${c.id}@${c.thread}`), ['five/m1@1', 'five/m2@2', 'five/m3@1', 'five/m4@2', 'five/m5@1'])
  t.equal((await system.actorOf('five/m2'))?.id, 'five/m2', 'members are findable by id')
})

t.test('round-robin is exact, random reaches every member, broadcast reaches all', async (t) => {
  const rr = await system.pool(Member, { size: 4, id: 'rr' })
  const ids: string[] = []
  for (let i = 0; i < 12; i++) ids.push(await rr.ask('whoami'))
  t.same(ids, ['rr/m1', 'rr/m2', 'rr/m3', 'rr/m4', 'rr/m1', 'rr/m2', 'rr/m3', 'rr/m4', 'rr/m1', 'rr/m2', 'rr/m3', 'rr/m4'])
  for (let i = 0; i < 400; i++) rr.tell('note', i)
  await rr.send('note', 400) // 401st: to rr/m1
  await until(async () => Object.values(await handled(rr)).reduce((a, b) => a + b, 0) === 413)
  t.same(await handled(rr), { 'rr/m1': 104, 'rr/m2': 103, 'rr/m3': 103, 'rr/m4': 103 }, 'tell and send rotate exactly too')
  t.same(
    rr.stats().members.map((m) => m.routed),
    [104, 103, 103, 103],
    'stats count what this thread routed',
  )

  const random = await system.pool(Member, { size: 4, routing: 'random' })
  for (let i = 0; i < 400; i++) random.tell('note', i)
  await until(async () => Object.values(await handled(random)).reduce((a, b) => a + b, 0) === 400)
  const spread = Object.values(await handled(random))
  t.ok(spread.every((n) => n > 40), `random reaches every member (${spread.join(', ')})`)

  const sent = rr.broadcast('note', 0)
  t.equal(sent, 4, 'broadcast sent to the four members')
  await until(async () => Object.values(await handled(rr)).reduce((a, b) => a + b, 0) === 417)
  t.same(await handled(rr), { 'rr/m1': 105, 'rr/m2': 104, 'rr/m3': 104, 'rr/m4': 104 }, 'each member got it once')
})

t.test('consistent-hash: same key same member, about 1/N of keys move on resize', async (t) => {
  // The ring alone, with many keys: one member more moves about 1/(N+1) of them, all to it.
  const keys = Array.from({ length: 20_000 }, (_, i) => `key-${i}`)
  const ten = Array.from({ length: 10 }, (_, i) => `m${i + 1}`)
  const before = poolRing(ten, (m) => m)
  const after = poolRing([...ten, 'm11'], (m) => m)
  let moved = 0
  for (const k of keys) {
    const a = before.owner(k)
    const b = after.owner(k)
    if (a !== b) {
      moved++
      if (b !== 'm11') t.fail(`key ${k} moved between old members (${a} -> ${b})`)
    }
  }
  t.ok(moved / keys.length < 0.13 && moved / keys.length > 0.05, `moved ${((moved / keys.length) * 100).toFixed(1)}% (1/11 = 9.1%)`)
  const share = countsOf(keys.map((k) => before.owner(k) as string))
  t.ok(Object.values(share).every((n) => n > 1400 && n < 2700), `even shares of 2000: ${Object.values(share).join(' ')}`)

  const pool = await system.pool(Member, { size: 4, id: 'ch', routing: 'consistent-hash' })
  const owners = async (): Promise<Map<string, string>> => {
    const m = new Map<string, string>()
    for (let i = 0; i < 200; i++) m.set(`user-${i}`, await pool.ask('keyed', `user-${i}`))
    return m
  }
  const first = await owners()
  t.same(await owners(), first, 'the same key goes to the same member every time')
  t.equal(new Set(first.values()).size, 4, 'every member owns keys')
  t.equal(await pool.resize(5), 5)
  const grown = await owners()
  const movedKeys = [...first.keys()].filter((k) => first.get(k) !== grown.get(k))
  t.ok(movedKeys.every((k) => grown.get(k) === 'ch/m5'), 'moved keys all went to the new member')
  t.ok(movedKeys.length > 0 && movedKeys.length <= 200 * 0.35, `${movedKeys.length} of 200 keys moved (1/5 expected)`)
  t.equal(await pool.resize(4), 4)
  t.same(await owners(), first, 'shrinking back restores the first mapping')

  // A key function of the message, typed by handler.
  const byFn = await system.pool(Member, {
    size: 3,
    routing: 'consistent-hash',
    hashKey: (handler, args) => (handler === 'keyed' ? args[0].slice(0, 3) : 'other'),
  })
  const a = await byFn.ask('keyed', 'abc-1')
  t.equal(await byFn.ask('keyed', 'abc-2'), a, 'keys from the function: same prefix, same member')
  const user = await system.spawn(PoolUser, { placement: 1 })
  await t.rejects(user.ask('membersOf', byFn as unknown as PoolRef<Member>), { code: 'Serialization', message: /hashKey function/ })
})

t.test('least-busy routes around a stalled member', async (t) => {
  const pool = await system.pool(Member, { size: 3, routing: 'least-busy' })
  const stalled = pool.ask('slow', 1500)
  const seen: string[] = []
  for (let i = 0; i < 30; i++) seen.push(await pool.ask('whoami'))
  const stalledId = await stalled
  t.notOk(seen.includes(stalledId), `nothing went to the stalled ${stalledId}`)
  t.equal(new Set(seen).size, 2, 'the two others shared the work')
  const c = countsOf(seen)
  t.ok(Object.values(c).every((n) => n >= 14), `evenly (${JSON.stringify(c)})`)
  // Members on the main thread: their mailbox counts too (tells, not only asks).
  const local = await system.pool(Member, { size: 2, routing: 'least-busy', placement: 'main' })
  const slowOne = local.ask('slow', 500)
  await sleep(20) // the slow handler runs: one ask in flight there
  for (let i = 0; i < 10; i++) {
    local.tell('note', i)
    await sleep(2) // lets the other member drain its mailbox
  }
  const stalledLocal = await slowOne
  const counts = await handled(local)
  t.equal(counts[stalledLocal], 0, 'tells avoided the busy main-thread member')
})

t.test('scatter-gather: first reply, all replies within the window, typed errors', async (t) => {
  const pool = await system.pool(Member, { size: 3, id: 'sg' })
  const first: string = await pool.scatterGather({ within: 5_000 }, 'lagIf', 'm1', 1_500)
  t.not(first, 'sg/m1', 'the first reply wins, not the slow member')
  // sg/m1 is still busy with the last call's 1.5 s: it misses a 300 ms window.
  const all: GatherResult<string> = await pool.scatterGather({ within: 300, mode: 'all' }, 'whoami')
  t.same(all.replies.map((r) => r.value).sort(), ['sg/m2', 'sg/m3'], 'replies within the window')
  t.same(all.missing, ['sg/m1'], 'the busy member is missing')
  t.same(all.failures, [])
  const complete = await pool.scatterGather({ within: 5_000, mode: 'all' }, 'whoami')
  t.equal(complete.replies.length, 3, 'resolves as soon as every member answered')
  const failing = await pool.scatterGather({ within: 5_000, mode: 'all' }, 'failIf', 'm3')
  t.same(failing.failures.map((f) => f.member), ['sg/m3'])
  t.match(String(failing.failures[0]?.error), /member sg\/m3 failed/)
  await t.rejects(pool.scatterGather({ within: 100 }, 'lagIf', '', 1_000), {
    code: 'Timeout',
    message: /no member of pool 'sg' replied within 100 ms.*handler 'lagIf'/,
  })
  await t.rejects(pool.scatterGather({ within: 5_000 }, 'failIf', ''), { message: /member sg\/m\d failed/ }, 'every member failed: the first error')
  await t.rejects(pool.scatterGather({ within: 0 }, 'whoami'), { code: 'InvalidArgument' })
})

t.test('a pool ref works from a worker thread and sees membership changes', async (t) => {
  const pool = await system.pool(Member, { size: 4, id: 'shared' })
  const user = await system.spawn(PoolUser, { placement: 2 })
  t.same(countsOf(await user.ask('askMany', pool, 8)), { 'shared/m1': 2, 'shared/m2': 2, 'shared/m3': 2, 'shared/m4': 2 }, 'routes round-robin from the worker')
  t.same(await user.ask('membersOf', pool), ['shared/m1', 'shared/m2', 'shared/m3', 'shared/m4'])
  await pool.resize(2)
  await until(async () => (await user.ask('membersOf', pool)).length === 2)
  t.same(await user.ask('membersOf', pool), ['shared/m1', 'shared/m2'], 'the worker saw the shrink')
  t.same(countsOf(await user.ask('askMany', pool, 4)), { 'shared/m1': 2, 'shared/m2': 2 })
  t.same(await user.ask('startOwn', 2), [`${user.id}/own/m1`, `${user.id}/own/m2`], 'ctx.pool from a worker')
  t.same(countsOf(await user.ask('askOwn', 4)), { [`${user.id}/own/m1`]: 2, [`${user.id}/own/m2`]: 2 })
  await user.stop()
  await until(async () => (await system.actorOf(`${user.id}/own`)) === undefined)
  t.pass('the owned pool stopped with its actor')
})

t.test('two systems in one process keep their pools apart, even under one node id', async (t) => {
  // Pool state is kept per node run (id and incarnation), and refs in pool refs and membership
  // updates are rebuilt by the receiving system's own resolver.
  const twin = await ActorSystem.start({ workers: 0, nodeId: system.nodeId, logLevel: 'silent' })
  t.teardown(() => twin.shutdown())
  const mine = await system.pool(Member, { size: 2, id: 'twin' })
  const theirs = await twin.pool(Member, { size: 3, id: 'twin' })
  t.same(mine.members.map((m) => m.target.thread).sort(), [1, 2], "this system's members are on its workers")
  t.same(theirs.members.map((m) => m.target.thread), [0, 0, 0], "the twin's on its main thread")
  t.equal(mine.size, 2)
  await theirs.stop()
  t.equal(mine.size, 2, "stopping the twin's pool leaves this one")
  t.match(await mine.ask('whoami'), /^twin\/m[12]$/)
  const user = await system.spawn(PoolUser, { placement: 1 })
  t.same(await user.ask('membersOf', mine), ['twin/m1', 'twin/m2'], 'a worker decodes the pool ref with its own system')
  await user.stop()
  await mine.stop()
})

class Unregistered extends Actor {
  ping(): void {}
}

t.test('options are validated with typed errors', async (t) => {
  t.throws(() => resolvePoolOptions({ size: 0, routing: 'fastest' as never, placement: [3] }, 2), {
    name: 'TypeError',
    message: /size must be an integer >= 1 \(got 0\); routing must be one of .*; placement must list worker numbers 1\.\.2/,
  })
  t.throws(() => resolvePoolOptions({ hashKey: 1 }, 2), { message: /hashKey needs routing: 'consistent-hash'/ })
  t.throws(() => resolvePoolOptions({ size: 9, resizer: { min: 2, max: 4 } }, 2), { message: /size \(9\) must be within resizer\.min\.\.max \(2\.\.4\)/ })
  t.match(resolvePoolOptions({}, 0), { size: 1, placement: 'main', routing: 'round-robin', hashArg: 0, resizer: null })
  t.match(resolvePoolOptions({ resizer: {} }, 2), { size: 2, resizer: { min: 1, max: 4 } })
  await t.rejects(system.pool(Member, { size: -1 }), { name: 'TypeError' })
  await t.rejects(system.pool(Unregistered), { code: 'InvalidArgument', message: /static actorModule/ })
  const onMain = await system.pool(Unregistered, { placement: 'main', size: 1 })
  onMain.tell('ping')
  await t.rejects(system.pool(Member, { supervision: Supervision.decide(() => 'stop') }), { code: 'NotSupported' })
  await system.pool(Member, { id: 'taken', size: 1 })
  await t.rejects(system.pool(Member, { id: 'taken', size: 1 }), { code: 'AlreadyExists' })
  const tagged = await system.pool(Member, { args: ['blue'], size: 2 })
  t.same(await Promise.all(tagged.members.map((m) => m.ask('getTag'))), ['blue', 'blue'], 'constructor args reach every member')
})

t.test('pool refs are typed like actor refs', async (t) => {
  const system = await ActorSystem.start({ workers: 0, logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const pool: PoolRef<Member> = await system.pool(Member, { size: 2 })
  const plain: ActorRef<Member> = pool
  const id: string = await plain.ask('whoami')
  const first: string = await pool.scatterGather({ within: 1000 }, 'keyed', 'k')
  const all: GatherResult<string> = await pool.scatterGather({ within: 1000, mode: 'all' }, 'whoami')
  t.match(id, /\/m[12]$/)
  t.match(first, /\/m[12]$/)
  t.equal(all.replies.length, 2)
  if (Math.random() > 2) {
    // Never run: these lines exist for the type checker.
    // @ts-expect-error unknown handler
    pool.tell('nope')
    // @ts-expect-error wrong argument type
    pool.tell('note', 'one')
    // @ts-expect-error wrong argument type in broadcast
    pool.broadcast('note', 'one')
    // @ts-expect-error unknown handler in scatterGather
    await pool.scatterGather({ within: 10 }, 'nope')
    // @ts-expect-error scatterGather in 'first' mode returns the reply, not a GatherResult
    const wrong: GatherResult<string> = await pool.scatterGather({ within: 10 }, 'whoami')
    // @ts-expect-error result type is string, not number
    const n: number = await pool.ask('whoami')
    // @ts-expect-error constructor args must match the member class
    await system.pool(Member, { args: [1] })
    // @ts-expect-error the hash key function sees typed arguments (keyed takes a string)
    await system.pool(Member, { routing: 'consistent-hash', hashKey: (h, args) => (h === 'keyed' ? args[0].toFixed() : '') })
    void wrong
    void n
  }
})
