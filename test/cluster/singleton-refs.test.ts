// The cluster singleton's ref beyond the main thread: two clustered systems in one process,
// each with a worker thread. A worker actor reaches the instance through its own
// `system.singleton()` and through a singleton ref it got in a message, a ref sent to the
// other node is used there, with the usual typed errors and timeouts.
import t from 'tap'
import { ActorRefError, ActorSystem, type ActorRef } from '../../lib/index.js'
import { Tally, TallyUser } from '../fixtures/singleton-actors.js'

const secret = 'singleton-refs-secret'
const fast = { heartbeatIntervalMs: 100, acceptableHeartbeatPauseMs: 300, firstHeartbeatEstimateMs: 100 }
const a = await ActorSystem.start({ nodeId: 'a', workers: 1, logLevel: 'silent', askTimeoutMs: 5000, cluster: { listen: '127.0.0.1:0', secret, failureDetector: fast, downAfterMs: 600 } })
const b = await ActorSystem.start({ nodeId: 'b', workers: 1, logLevel: 'silent', askTimeoutMs: 5000, cluster: { listen: '127.0.0.1:0', secret, seeds: [a.cluster.self.advertise], failureDetector: fast, downAfterMs: 600 } })
t.teardown(async () => {
  await Promise.all([a.shutdown(), b.shutdown()])
})

// On every node's main thread, as the docs ask; a is the oldest, so the instance runs there.
const onA = a.singleton(Tally, { name: 'tally' })
const onB = b.singleton(Tally, { name: 'tally' })

t.test('a worker reaches the singleton through system.singleton() on its own thread', async (t) => {
  t.equal(await onA.ask('where'), 'a', 'the instance runs on the oldest node')
  for (const [sys, name] of [[a, 'a'], [b, 'b']] as const) {
    const user = await sys.spawn(TallyUser, { placement: 1 })
    t.not(await user.ask('thread'), 0, `the user on ${name} runs on a worker`)
    t.equal(await user.ask('viaSystem', 'tally'), 'a', `a worker of ${name} asks the instance on a`)
  }
  t.equal(await onB.ask('get'), 2, 'and its tells arrived')
})

t.test('a singleton ref sent in a message, to a worker and to another node', async (t) => {
  const before = await onA.ask('get')
  const userA = await a.spawn(TallyUser, { placement: 1 })
  t.same(await userA.ask('viaRef', onA, 10), ['a', before + 10], "a's ref, passed to a worker of a")
  await b.spawn(TallyUser, { id: 'user-b', placement: 1 })
  const remoteUser = (await a.actorOf('user-b')) as ActorRef<TallyUser> | undefined
  if (remoteUser === undefined) throw new Error('the user on b is not found from a')
  t.same(await remoteUser.ask('viaRef', onA, 100), ['a', before + 110], "a's ref, passed to a worker of b (another node)")
  const mainUser = await b.spawn(TallyUser, { placement: 'main' })
  t.same(await mainUser.ask('viaRef', onB, 1000), ['a', before + 1110], "b's ref, to an actor on b's main thread")
  t.equal(onA.id, '$singleton-proxy:tally', "the ref's id names the proxy")
})

t.test('typed errors and timeouts through a forwarded ref', async (t) => {
  await b.spawn(TallyUser, { id: 'user-b2', placement: 1 })
  const remoteUser = (await a.actorOf('user-b2')) as ActorRef<TallyUser>
  const late = await remoteUser.ask('slowVia', onA, 2000, 200).catch((e: unknown) => e)
  t.ok(late instanceof ActorRefError && late.code === 'Timeout', `the caller's timeout holds across the proxy (${String(late)})`)
  const unknown = await remoteUser.ask('unknownVia', onA).catch((e: unknown) => e)
  t.ok(unknown instanceof ActorRefError && unknown.code === 'NotSupported', `an unknown handler: NotSupported (${String(unknown)})`)
})
