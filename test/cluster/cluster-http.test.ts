// The cluster's part of the HTTP API over real sockets: two clustered systems in this process
// (a and b, b joining through a) exchange messages, then GET /cluster/nodes on both (members,
// leader, heartbeat latency, phi; checked against the published OpenAPI schema), /metrics on
// both (coerce_remote_* per peer, coerce_cluster_*; checked by promtool), what a graceful leave
// of b does to a's answers, and GET /cluster/nodes on a node without cluster.
import t, { type Test } from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { Actor, ActorSystem, nodeKey, type ActorSystemOptions } from '../../lib/index.js'
import { sleep, until } from '../helpers/wait.js'
import { promtool, readSeries, type Series } from '../helpers/prometheus.js'
import type { ClusterNodesReport } from '../../lib/cluster/http.js'

class Counter extends Actor {
  count = 0
  add(n: number): void {
    this.count += n
  }
  get(): number {
    return this.count
  }
}

interface Reply {
  status: number
  text: string
  json: Record<string, unknown>
}

async function get(url: string): Promise<Reply> {
  const res = await fetch(url)
  const text = await res.text()
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json') ? (JSON.parse(text) as Record<string, unknown>) : {}
  return { status: res.status, text, json }
}

function value(series: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
  return series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

/** A validator of response bodies against the schemas `/openapi.json` publishes. */
async function schemaOf(t: Test, apiUrl: string): Promise<(body: unknown, what: string) => void> {
  const doc = (await get(`${apiUrl}/openapi.json`)).json
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(doc, 'openapi.json')
  const pointer = 'openapi.json#/paths/~1cluster~1nodes/get/responses/200/content/application~1json/schema'
  return (body, what) => t.ok(ajv.validate({ $ref: pointer }, body), `${what} matches the published schema: ${ajv.errorsText(ajv.errors)}`)
}

const clustered = (nodeId: string, seeds?: string[]): ActorSystemOptions => ({
  nodeId,
  workers: 0,
  logLevel: 'silent',
  http: { port: 0 },
  cluster: { listen: '127.0.0.1:0', secret: 'test-secret-1', failureDetector: { heartbeatIntervalMs: 100 }, ...(seeds === undefined ? {} : { seeds }) },
})

const urlOf = (s: ActorSystem): string => (s.httpApis[0] as { url: string }).url

t.test('two clustered nodes: /cluster/nodes and /metrics on both, then a graceful leave', async (t) => {
  const a = await ActorSystem.start(clustered('a'))
  t.teardown(() => a.shutdown())
  const b = await ActorSystem.start(clustered('b', [a.cluster.self.advertise]))
  let bDown = false
  t.teardown(() => (bDown ? undefined : b.shutdown()))
  const keyA = nodeKey(a.node)
  const keyB = nodeKey(b.node)

  await a.spawn(Counter, { id: 'c', placement: 'main' })
  const found = await b.actorOf('c', Counter)
  t.ok(found, "b finds a's counter through the cluster's name directory")
  const counter = found!
  counter.tell('add', 2)
  counter.tell('add', 3)
  t.equal(await counter.ask('get'), 5, 'b reaches the counter on a')
  // A few heartbeats (every 100 ms) give latency and phi.
  await sleep(500)

  const check = await schemaOf(t, urlOf(a))
  const views: Record<string, ClusterNodesReport> = {}
  for (const [name, system, self, other] of [['a', a, keyA, keyB], ['b', b, keyB, keyA]] as const) {
    let body: ClusterNodesReport | undefined
    await until(async () => {
      const r = await get(`${urlOf(system)}/cluster/nodes`)
      body = r.json as unknown as ClusterNodesReport
      const peer = body.nodes.find((n) => !n.self)
      return r.status === 200 && body.nodes.length === 2 && body.nodes.every((n) => n.status === 'up') && peer?.latencyMs !== null && peer?.lastHeartbeatAt !== null
    }, 10_000, `node ${name}: two members up, heartbeats measured`)
    const view = body as ClusterNodesReport
    views[name] = view
    check(view, `node ${name}'s /cluster/nodes`)
    t.equal(view.enabled, true)
    t.equal(nodeKey(view.self), self, `node ${name} names itself`)
    const me = view.nodes.find((n) => n.self)
    const peer = view.nodes.find((n) => !n.self)
    t.equal(me && nodeKey(me), self)
    t.equal(peer && nodeKey(peer), other)
    t.match(me, { status: 'up', reachable: true, latencyMs: 0, phi: 0, address: system.cluster.self.advertise })
    t.match(peer, { status: 'up', reachable: true })
    t.ok((peer?.latencyMs ?? -1) >= 0 && (peer?.latencyMs ?? Infinity) < 5_000, `latency measured (${peer?.latencyMs} ms)`)
    t.ok(Math.abs(Date.now() - (peer?.lastHeartbeatAt ?? 0)) < 5_000, 'last heartbeat is recent, in epoch ms')
    t.ok(typeof peer?.phi === 'number' && peer.phi < 8, `phi below the threshold (${peer?.phi})`)
    t.equal(view.nodes.filter((n) => n.leader).length, 1, 'one leader')
  }
  t.same(views['a']?.leader, views['b']?.leader, 'both name the same leader')
  t.equal(views['a']?.leader && nodeKey(views['a'].leader), keyA, 'the oldest member (a) leads')

  for (const [name, system, other] of [['a', a, keyB], ['b', b, keyA]] as const) {
    const text = (await get(`${urlOf(system)}/metrics`)).text
    const lint = promtool(text)
    t.equal(lint.rc, 0, `promtool accepts node ${name}'s /metrics: ${lint.output}`)
    const series = readSeries(text)
    const peer = { peer: other }
    for (const family of ['coerce_remote_bytes_sent_total', 'coerce_remote_bytes_received_total', 'coerce_remote_frames_sent_total', 'coerce_remote_frames_received_total', 'coerce_remote_messages_sent_total', 'coerce_remote_messages_received_total']) {
      t.ok((value(series, family, peer) ?? 0) > 0, `${name}: ${family}{peer="${other}"} > 0`)
    }
    t.match(text, new RegExp(`^# TYPE coerce_remote_bytes_sent_total counter$`, 'm'))
    t.equal(value(series, 'coerce_remote_dropped_total', peer), 0, `${name}: nothing dropped`)
    t.equal(value(series, 'coerce_remote_queued', peer), 0, `${name}: nothing queued`)
    t.match(text, /^# TYPE coerce_remote_queued gauge$/m)
    t.equal(value(series, 'coerce_remote_connection_up', { ...peer, lane: 'system' }), 1)
    t.equal(value(series, 'coerce_remote_connection_up', { ...peer, lane: 'user' }), 1)
    t.match(text, /^# TYPE coerce_remote_rejected_connections_total counter$/m, 'the rejected family is declared even with no rejection yet')
    t.equal(value(series, 'coerce_cluster_members', { status: 'up' }), 2)
    t.equal(value(series, 'coerce_cluster_members', { status: 'down' }), 0, 'every status has a series')
    t.ok((value(series, 'coerce_cluster_member_phi', peer) ?? Infinity) < 8)
    t.equal(series.filter((s) => s.name.startsWith('coerce_remote_') && s.labels['peer'] !== undefined && s.labels['peer'] !== other).length, 0, 'no series for other peers (nor for itself)')
    t.equal(value(series, 'coerce_metrics_collector_up', { collector: 'cluster' }), 1)
  }
  // What b sent a is what a read from b: the same frames, counted on each side.
  const sentByB = value(readSeries((await get(`${urlOf(b)}/metrics`)).text), 'coerce_remote_messages_sent_total', { peer: keyA }) ?? 0
  t.ok(sentByB >= 3, `b sent its tells and ask to a (${sentByB} messages)`)

  // A graceful leave: a no longer lists b, its connections are down, the counters stay.
  await b.shutdown()
  bDown = true
  let after: ClusterNodesReport | undefined
  await until(async () => {
    after = (await get(`${urlOf(a)}/cluster/nodes`)).json as unknown as ClusterNodesReport
    return after.nodes.length === 1
  }, 10_000, 'a no longer lists b')
  check(after, "a's /cluster/nodes after b left")
  t.equal(after?.nodes[0] && nodeKey(after.nodes[0]), keyA)
  t.equal(after?.leader && nodeKey(after.leader), keyA)
  // Both sides close the connections, each with a Close frame: let those cross before reading.
  await sleep(300)
  const text = (await get(`${urlOf(a)}/metrics`)).text
  t.equal(promtool(text).rc, 0)
  const series = readSeries(text)
  t.equal(value(series, 'coerce_cluster_members', { status: 'up' }), 1)
  t.equal(value(series, 'coerce_cluster_members', { status: 'removed' }), undefined, 'members that left are not counted')
  t.equal(value(series, 'coerce_remote_connection_up', { peer: keyB, lane: 'system' }), 0)
  t.equal(value(series, 'coerce_remote_connection_up', { peer: keyB, lane: 'user' }), 0)
  t.ok((value(series, 'coerce_remote_bytes_sent_total', { peer: keyB }) ?? 0) > 0, 'counters of a departed peer stay')
  t.equal(value(series, 'coerce_cluster_member_phi', { peer: keyB }), undefined, 'no phi for a member no longer listed')
  t.same(series.filter((s) => s.name === 'coerce_remote_rejected_connections_total'), [], 'a graceful leave refuses no connection')
})

t.test('a node without cluster answers /cluster/nodes as a cluster of one, with no remote metrics', async (t) => {
  const system = await ActorSystem.start({ nodeId: 'solo', workers: 0, logLevel: 'silent', http: { port: 0 } })
  t.teardown(() => system.shutdown())
  const r = await get(`${urlOf(system)}/cluster/nodes`)
  t.equal(r.status, 200)
  const body = r.json as unknown as ClusterNodesReport
  ;(await schemaOf(t, urlOf(system)))(body, 'the single-node answer')
  const self = { id: 'solo', incarnation: system.node.incarnation }
  t.same(body.self, self)
  t.same(body.leader, self, 'it leads itself, as system.cluster says')
  t.equal(body.enabled, false)
  t.match(body.nodes, [{ ...self, address: '', status: 'up', reachable: true, leader: true, self: true, lastHeartbeatAt: null, latencyMs: 0, phi: 0 }])
  t.ok(Math.abs(Date.now() - (body.nodes[0]?.startedAt ?? 0)) < 600_000, 'startedAt is the process start, in epoch ms')
  const text = (await get(`${urlOf(system)}/metrics`)).text
  t.equal(promtool(text).rc, 0)
  t.notMatch(text, /coerce_remote_|coerce_cluster_|collector="cluster"/, 'no cluster families, no cluster collector')
})
