// Remote refs between two clustered systems in one process (each with a worker thread and its
// own network thread, talking over real WebSockets on 127.0.0.1): what a caller sees across
// nodes is what it sees on one node: typed errors, timeouts, stop, watch, refs in messages,
// and the membership as a worker thread sees it.
import t from 'tap'
import { ActorRefError, ActorSystem, PersistenceError, type ActorRef } from '../../lib/index.js'
import { clusterOf } from '../../lib/cluster/extension.js'
import { Counter, Forwarder, QuotaError, Thrower, Watcher } from '../fixtures/worker-actors.js'
import { MemberWatch } from '../fixtures/cluster-actors.js'

const secret = 'remote-refs-secret'
const fast = { heartbeatIntervalMs: 100, acceptableHeartbeatPauseMs: 300, firstHeartbeatEstimateMs: 100 }
const a = await ActorSystem.start({ nodeId: 'a', workers: 1, logLevel: 'silent', askTimeoutMs: 3000, cluster: { listen: '127.0.0.1:0', secret, failureDetector: fast, downAfterMs: 600 } })
const b = await ActorSystem.start({ nodeId: 'b', workers: 1, logLevel: 'silent', askTimeoutMs: 3000, cluster: { listen: '127.0.0.1:0', secret, seeds: [a.cluster.self.advertise], failureDetector: fast, downAfterMs: 600, maxFrameBytes: 256 * 1024 } })
t.teardown(async () => {
  await Promise.all([a.shutdown(), b.shutdown()])
})

const remote = async <A extends ActorRef>(on: ActorSystem, id: string): Promise<A> => {
  const r = await on.actorOf(id)
  if (r === undefined) throw new Error(`${id} not found from ${on.nodeId}`)
  return r as A
}

t.test('errors arrive as on one node: handler errors, typed classes, NotFound, Serialization, Timeout', async (t) => {
  await a.spawn(Thrower, { id: 'thrower', placement: 1 })
  await a.spawn(Counter, { id: 'counter-a', placement: 1 })
  const thrower = await remote<ActorRef<Thrower>>(b, 'thrower')
  const counter = await remote<ActorRef<Counter>>(b, 'counter-a')
  const quota = await thrower.ask('quota').catch((e: unknown) => e)
  t.ok(quota instanceof QuotaError, 'a registered user error class keeps its class across nodes')
  t.equal((quota as QuotaError).limit, 7)
  t.equal((quota as QuotaError).describeLimit(), 'limit 7')
  const conflict = await thrower.ask('persistenceConflict').catch((e: unknown) => e)
  t.ok(conflict instanceof PersistenceError, "the library's typed errors too")
  t.match(conflict, { code: 'Conflict', persistenceId: 'acct-1' })
  await t.rejects(counter.ask('fail', 'boom'), { message: /boom/ }, 'a plain handler error')
  await t.rejects(counter.ask('slow', 2000, { timeoutMs: 200 }), { code: 'Timeout' }, 'asks across nodes keep their timeout')
  t.throws(() => counter.tell('echo', (() => 1) as unknown as number), { code: 'Serialization' }, 'a function cannot travel')
  await t.rejects(counter.ask('echo', 'x'.repeat(300 * 1024)), { code: 'Serialization', message: /maxFrameBytes \(262144\)/ }, 'bigger than maxFrameBytes fails at the sender')
  t.equal(await counter.ask('echo', 'still fine'), 'still fine', 'and the connection is unharmed')
  await counter.stop()
  const gone = await counter.ask('get').catch((e: unknown) => e)
  t.ok(gone instanceof ActorRefError && (gone.code === 'NotFound' || gone.code === 'Stopped'), `a stopped remote actor: ${String(gone)}`)
  t.equal(await b.actorOf('counter-a'), undefined, 'and its name is gone from the directory')
})

t.test('remote stop and watch: Terminated(stopped) across nodes, from a worker too', async (t) => {
  const target = await b.spawn(Counter, { id: 'watched', placement: 1 })
  const watcherMain = await a.spawn(Watcher, { placement: 'main' })
  const watcherWorker = await a.spawn(Watcher, { placement: 1 })
  const onA = await remote<ActorRef<Counter>>(a, 'watched')
  await watcherMain.ask('watchIt', onA)
  await watcherWorker.ask('watchIt', onA)
  t.equal(await onA.ask('get'), 0)
  await onA.stop()
  t.notOk(target.isAlive, 'stopped from the other node')
  for (const [w, where] of [[watcherMain, 'main'], [watcherWorker, 'worker']] as const) {
    for (let i = 0; i < 100 && (await w.ask('seen')).length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    t.same(await w.ask('seen'), ['watched:stopped'], `a watcher on the ${where} thread of the other node`)
  }
})

t.test('refs in messages between workers of two nodes; one target per actor', async (t) => {
  const counterB = await b.spawn(Counter, { id: 'cb', placement: 1 })
  const fwdA = await a.spawn(Forwarder, { placement: 1 })
  const onA = await remote<ActorRef<Counter>>(a, 'cb')
  t.equal(await fwdA.ask('forward', onA, 3), 3, 'a worker of a uses a ref to a worker of b')
  const echoed = (await onA.ask('echo', onA)) as ActorRef<Counter>
  t.ok(echoed.equals(onA), 'a ref that went to b and back is the same actor')
  t.equal(echoed.target, onA.target, 'and the same target on a')
  t.equal(await counterB.ask('get'), 3)
  const back = (await counterB.ask('echo', fwdA)) as ActorRef
  t.ok(back.equals(fwdA), "b's actor echoes a's ref unchanged")
})

t.test('workers see the membership and its events', async (t) => {
  const probe = await a.spawn(MemberWatch, { placement: 1 })
  t.same((await probe.ask('members')).sort(), ['a:up', 'b:up'], 'a worker thread lists both members')
  t.equal(await probe.ask('leader'), 'a')
  const c = await ActorSystem.start({ nodeId: 'c', workers: 0, logLevel: 'silent', cluster: { listen: '127.0.0.1:0', secret, seeds: [a.cluster.self.advertise], failureDetector: fast, downAfterMs: 600 } })
  await c.shutdown()
  for (let i = 0; i < 100 && !(await probe.ask('events')).includes('memberLeft:c'); i++) await new Promise((r) => setTimeout(r, 20))
  const events = await probe.ask('events')
  t.ok(events.includes('memberUp:c'), `the worker heard memberUp (${events.join(', ')})`)
  t.ok(events.includes('memberLeft:c'), 'and memberLeft')
  t.equal(clusterOf(a)?.view.members().length, 2, 'c is gone from the main view too')
})

t.test('wss: two nodes with TLS (certificates checked both ways) talk; a node without the CA cannot join', async (t) => {
  const { execFileSync } = await import('node:child_process')
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'coerce-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const pem = (name: string): string => readFileSync(join(dir, name), 'utf8')
  const selfSigned = (name: string): void => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=coerce-test', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' })
  }
  selfSigned('cluster')
  selfSigned('other')
  const tls = { cert: pem('cluster.crt'), key: pem('cluster.key'), ca: pem('cluster.crt') }
  const x = await ActorSystem.start({ nodeId: 'x', workers: 0, logLevel: 'silent', cluster: { listen: '127.0.0.1:0', secret, tls, failureDetector: fast } })
  t.teardown(() => x.shutdown())
  t.match(x.cluster.self.advertise, /^wss:\/\/127\.0\.0\.1:\d+$/, 'advertises wss')
  const y = await ActorSystem.start({ nodeId: 'y', workers: 0, logLevel: 'silent', cluster: { listen: '127.0.0.1:0', secret, tls, seeds: [x.cluster.self.advertise], failureDetector: fast } })
  t.teardown(() => y.shutdown())
  await x.spawn(Counter, { id: 'tls-counter', placement: 'main' })
  const onY = await remote<ActorRef<Counter>>(y, 'tls-counter')
  onY.tell('inc', 4)
  t.equal(await onY.ask('get'), 4, 'tell and ask over wss')
  const stranger = await ActorSystem.start({
    nodeId: 'stranger',
    workers: 0,
    logLevel: 'silent',
    cluster: { listen: '127.0.0.1:0', secret, tls: { cert: pem('other.crt'), key: pem('other.key'), ca: pem('other.crt') }, seeds: [x.cluster.self.advertise], joinTimeoutMs: 1500 },
  }).catch((e: unknown) => e)
  t.match(stranger, { name: 'ClusterError', code: 'AuthFailed', message: /certificate/ }, 'certificates from another CA: the TLS handshake fails, start() says why, the node never joins')
  t.notOk(x.cluster.members().some((m) => m.node.id === 'stranger'))
})
