// The network thread's logic on the main thread of this test, where coverage sees it (in a node
// it runs in a worker). Each test node is the thread pair a clustered node has: thread 0 is this
// test acting as the node's main thread (it answers `peer` requests with slots, records what the
// network thread reports, writes frames into the ring towards it and reads what it delivers),
// thread 1 is `runNetworkThread` over a MessageChannel, as workers/network-worker.ts starts it.
// Real rings, real ws sockets on 127.0.0.1, real protobuf. Covered: handshakes both ways and the
// ways a dial fails (wrong secret, nothing listening, a bad URL, a refused node, itself, a
// duplicate, a server that answers the hello wrongly); tells and asks batched per drain in order, with their headers and payload bytes
// unchanged and the statistics moving; batches split at maxFrameBytes and frames chunked in the
// rings; the system lane; backpressure from a thread that does not read; heartbeats, gossip and
// leave; the bounded send buffer of a node not connected; nodeLost and forget; frames for this
// node, an unknown slot or a lost thread; a replaced thread; hostile input at the port; shutdown.
import t, { type Test } from 'tap'
import { createServer } from 'node:net'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { nodeKey, type NodeAddress } from '../../lib/actor/address.js'
import { makeToken } from '../../lib/remote/auth.js'
import type { MainToNetwork, NetworkConfig, NetworkStats, NetworkToMain, PeerStats, PlainMember } from '../../lib/remote/messages.js'
import { runNetworkThread } from '../../lib/remote/network-thread.js'
import type { coerce } from '../../lib/remote/protocol/wire.js'
import { PROTOCOL_VERSION, wire } from '../../lib/remote/wire.js'
import { ControlChannel } from '../../lib/runtime/control.js'
import type { MainToWorker, RingPair, WorkerInit, WorkerOptions } from '../../lib/runtime/messages.js'
import { decode, encodeFrame, type ErrorData } from '../../lib/runtime/transport/codec.js'
import {
  F_ASK,
  F_FAIL,
  F_REPLY,
  F_STOP,
  F_TELL,
  F_WATCH,
  FRAME_HEADER_BYTES,
  frameKind,
  frameOrigin,
  frameRequestId,
  frameTarget,
  peerId,
  slotOfPeer,
  threadOfPeer,
  writeFrameHeader,
} from '../../lib/runtime/transport/frames.js'
import { Inbox } from '../../lib/runtime/transport/inbox.js'
import { FULL, Link } from '../../lib/runtime/transport/link.js'
import { RING_CONTROL_BYTES, SpscRing } from '../../lib/runtime/transport/ring.js'
import { ThreadSignal } from '../../lib/runtime/transport/signal.js'
import { sleep, until } from '../helpers/wait.js'

const SECRET = 'network-thread-secret'
const RING_BYTES = 64 * 1024
const MAX_FRAME_BYTES = 32 * 1024
const SEND_BUFFER_FRAMES = 8
const OUTBOX_LIMIT = 256
const CODE = wire.CloseCode

/** A frame thread 0 of a test node received from its network thread, header fields read out. */
interface Got {
  system: boolean
  kind: number
  originSlot: number
  originThread: number
  targetSlot: number
  targetThread: number
  requestId: number
  payload: Uint8Array
}

interface NodeOptions {
  secret?: string
}

/** One test node: its network thread, and this test as its thread 0. */
interface TestNode {
  readonly name: string
  readonly id: NodeAddress
  readonly main: ControlChannel<MainToNetwork | MainToWorker>
  readonly port: MessagePort
  /** What the network thread posted (everything but `peer` requests). */
  readonly posts: (NetworkToMain | { t: 'ready' } | { t: 'fatal'; error: ErrorData })[]
  /** Slots this side handed out, by node key (1, 2, ... in order of first `peer` request). */
  readonly slots: Map<string, number>
  /** Node ids whose `peer` requests this side refuses. */
  readonly refuse: Set<string>
  /** Node ids whose `peer` requests this side answers late, by ms. */
  readonly slow: Map<string, number>
  readonly received: Got[]
  /** While true, thread 0 leaves user frames in its ring (a thread that does not keep up). */
  hold: boolean
  link: Link
  inbox: Inbox
  /** Doorbells of thread 0 and of the network thread (thread 1). */
  signals: ThreadSignal[]
  advertise: string
  listenPort: number
  down: boolean
}

const nodes: TestNode[] = []
const inboxes: Inbox[] = []
const sockets = new Set<WebSocket>()
const servers: WebSocketServer[] = []
let incarnation = 100

t.teardown(async () => {
  for (const ws of sockets) ws.terminate()
  for (const s of servers) {
    for (const ws of s.clients) ws.terminate()
    await new Promise((resolve) => s.close(resolve))
  }
  for (const n of nodes) if (!n.down) await shutdown(n)
  for (const i of inboxes) i.stop()
  for (const n of nodes) n.port.close()
})

const encode = (body: coerce.wire.IFrame): Uint8Array => wire.Frame.encode(body).finish()

const pair = (): RingPair => ({ sys: new SharedArrayBuffer(RING_CONTROL_BYTES + RING_BYTES), user: new SharedArrayBuffer(RING_CONTROL_BYTES + RING_BYTES) })

function networkConfig(id: NodeAddress, o: NodeOptions): NetworkConfig {
  return {
    node: id,
    startedAt: Date.now(),
    listenHost: '127.0.0.1',
    listenPort: 0,
    advertise: null,
    secret: o.secret ?? SECRET,
    tokenTtlMs: 30_000,
    tls: null,
    maxFrameBytes: MAX_FRAME_BYTES,
    // Often, so the heartbeat test does not wait.
    heartbeatIntervalMs: 50,
    sendBufferFrames: SEND_BUFFER_FRAMES,
    logLevel: 'silent',
    name: 'network-thread-test',
  }
}

/** Thread 0's ends of the rings: a Link writing towards thread 1, an Inbox reading from it. */
function threadZero(n: TestNode, signals: ThreadSignal[], toNet: RingPair, fromNet: RingPair): void {
  const inbox = new Inbox(signals[0] as ThreadSignal, { spinMicros: 0 }, (_from, system, data, start, end) => {
    if (!system && n.hold) return false
    n.received.push({
      system,
      kind: frameKind(data, start),
      originSlot: slotOfPeer(frameOrigin(data, start)),
      originThread: threadOfPeer(frameOrigin(data, start)),
      targetSlot: slotOfPeer(frameTarget(data, start)),
      targetThread: threadOfPeer(frameTarget(data, start)),
      requestId: frameRequestId(data, start),
      payload: Uint8Array.prototype.slice.call(data, start + FRAME_HEADER_BYTES, end),
    })
    return true
  }, () => n.link.flush())
  inbox.wakeProducer = (thread) => signals[thread]?.wake()
  n.link = new Link(1, SpscRing.attach(toNet.sys), SpscRing.attach(toNet.user), signals[1] as ThreadSignal, OUTBOX_LIMIT, () => inbox.wakeSoon())
  inbox.attach(1, SpscRing.attach(fromNet.sys), SpscRing.attach(fromNet.user))
  inbox.start()
  n.inbox = inbox
  n.signals = signals
  inboxes.push(inbox)
}

/** Starts a node's network thread and makes it listen on an ephemeral port of 127.0.0.1. */
async function startNode(name: string, o: NodeOptions = {}): Promise<TestNode> {
  const id = { id: name, incarnation: ++incarnation }
  const signals = [ThreadSignal.create(), ThreadSignal.create()]
  const toNet = pair()
  const fromNet = pair()
  const init: WorkerInit = {
    thread: 1,
    kind: 'network',
    workers: 0,
    serviceThread: 1,
    data: networkConfig(id, o),
    signals: signals.map((s) => s.sab),
    outbound: { 0: fromNet },
    inbound: { 0: toNet },
    // The network thread reads outboxLimit alone (its logging comes from its NetworkConfig).
    options: { outboxLimit: OUTBOX_LIMIT } as WorkerOptions,
  }
  const { port1, port2 } = new MessageChannel()
  const n = {
    name,
    id,
    port: port1,
    posts: [],
    slots: new Map(),
    refuse: new Set(),
    slow: new Map(),
    received: [],
    hold: false,
    advertise: '',
    listenPort: 0,
    down: false,
  } as unknown as TestNode
  ;(n as { main: TestNode['main'] }).main = new ControlChannel(port1, (m) => {
    if (m.t !== 'peer') {
      n.posts.push(m as TestNode['posts'][number])
      return undefined
    }
    const peer = (m as Extract<NetworkToMain, { t: 'peer' }>).node
    if (n.refuse.has(peer.id)) throw new Error(`${peer.id} is not welcome here`)
    const key = nodeKey(peer)
    if (!n.slots.has(key)) n.slots.set(key, n.slots.size + 1)
    const slot = n.slots.get(key)
    const late = n.slow.get(peer.id)
    return late === undefined ? slot : sleep(late).then(() => slot)
  })
  threadZero(n, signals, toNet, fromNet)
  nodes.push(n)
  runNetworkThread(init, port2)
  await until(() => n.posts.some((p) => p.t === 'ready'), 5_000, `${name} ready`)
  const listening = await n.main.request<{ port: number; advertise: string }>({ t: 'listen' })
  n.advertise = listening.advertise
  n.listenPort = listening.port
  return n
}

async function shutdown(n: TestNode): Promise<boolean> {
  n.down = true
  return n.main.request<boolean>({ t: 'shutdown' })
}

/** The slot `n` handed out for node `other`. */
function slotOf(n: TestNode, other: TestNode | NodeAddress): number {
  const slot = n.slots.get(nodeKey('main' in other ? other.id : other))
  if (slot === undefined) throw new Error(`${n.name} has no slot for ${nodeKey('main' in other ? other.id : other)}`)
  return slot
}

async function stats(n: TestNode): Promise<NetworkStats> {
  return n.main.request<NetworkStats>({ t: 'peerStats' })
}

async function peerStats(n: TestNode, other: TestNode | NodeAddress): Promise<PeerStats> {
  const id = 'main' in other ? other.id : other
  const p = (await stats(n)).peers.find((s) => nodeKey(s.node) === nodeKey(id))
  if (p === undefined) throw new Error(`${n.name} has no statistics for ${nodeKey(id)}`)
  return p
}

/** Control messages are handled in order: a request answered means every earlier post was handled. */
async function settled(n: TestNode): Promise<void> {
  await stats(n)
}

const isUser = (kind: number): boolean => kind === F_TELL || kind === F_ASK

/**
 * Thread 0 of `n` sends a frame to thread `thread` of the node behind `slot` (tells and asks on
 * the user lane, the rest on the system lane). Returns the payload bytes as written.
 */
function send(n: TestNode, slot: number, payload: unknown[], requestId = 0, thread = 0): Uint8Array {
  const kind = payload[0] as number
  const bytes = encodeFrame(payload)
  writeFrameHeader(bytes, bytes.start, kind, peerId(0, 0), peerId(slot, thread), requestId)
  const sent = Uint8Array.prototype.slice.call(bytes, bytes.start + FRAME_HEADER_BYTES, bytes.end)
  if (!isUser(kind)) n.link.writeSystem(bytes, bytes.start, bytes.end)
  else if (n.link.writeUser(bytes, bytes.start, bytes.end) === FULL) n.link.waitForRoom(bytes, bytes.start, bytes.end, () => {}, () => {})
  return sent
}

const tell = (i: number, pad = ''): unknown[] => [F_TELL, 'counter', 'add', [i, pad]]
const ask = (requestId: number): unknown[] => [F_ASK, 'echo', 'echo', ['x'], requestId, Date.now() + 5_000]

/** Frames `n` received since `from` (an index into `received`). */
const since = (n: TestNode, from: number): Got[] => n.received.slice(from)

async function receive(n: TestNode, from: number, count: number, what: string, ms = 10_000): Promise<Got[]> {
  await until(() => n.received.length - from >= count, ms, `${what}: ${count} frames at ${n.name}`)
  return since(n, from)
}

/** The request id, error code and message of an F_FAIL frame (decoded from its payload). */
function failure(g: Got): { requestId: number; code: unknown; message: string } {
  const [kind, requestId, error] = decode(g.payload, 0, g.payload.length) as [number, number, ErrorData]
  if (kind !== F_FAIL) throw new Error(`expected an F_FAIL payload, got kind ${kind}`)
  return { requestId, code: error.fields?.['code'], message: error.message }
}

function posted<T extends NetworkToMain['t']>(n: TestNode, t: T, from = 0): Extract<NetworkToMain, { t: T }>[] {
  return n.posts.slice(from).filter((p) => p.t === t) as Extract<NetworkToMain, { t: T }>[]
}

async function waitPost<T extends NetworkToMain['t']>(n: TestNode, t: T, from: number, match: (p: Extract<NetworkToMain, { t: T }>) => boolean = () => true): Promise<Extract<NetworkToMain, { t: T }>> {
  await until(() => posted(n, t, from).some(match), 10_000, `a ${t} post at ${n.name}`)
  return posted(n, t, from).find(match) as Extract<NetworkToMain, { t: T }>
}

async function connect(from: TestNode, to: TestNode): Promise<Extract<NetworkToMain, { t: 'connected' }>> {
  const mark = from.posts.length
  from.main.post({ t: 'dial', url: to.advertise })
  return waitPost(from, 'connected', mark, (p) => nodeKey(p.node) === nodeKey(to.id))
}

async function dialFails(n: TestNode, url: string): Promise<Extract<NetworkToMain, { t: 'dialFailed' }>> {
  const mark = n.posts.length
  n.main.post({ t: 'dial', url })
  return waitPost(n, 'dialFailed', mark, (p) => p.url === url)
}

const a = await startNode('a')
const b = await startNode('b')

t.test('start-up: ready, listening, and a fatal report when the rings are unusable', async (t) => {
  t.match(a.advertise, /^ws:\/\/127\.0\.0\.1:\d+$/, `a advertises ${a.advertise}`)
  t.equal(Number(new URL(a.advertise).port), a.listenPort, 'at the port it bound')
  t.same(await stats(a), { port: a.listenPort, peers: [], rejected: {} }, 'no peers yet, nothing refused')

  const { port1, port2 } = new MessageChannel()
  const reports: unknown[] = []
  port1.on('message', (m) => reports.push(m))
  const bad = { sys: new SharedArrayBuffer(RING_CONTROL_BYTES + 100), user: new SharedArrayBuffer(RING_CONTROL_BYTES + 100) }
  runNetworkThread(
    {
      thread: 1,
      kind: 'network',
      workers: 0,
      serviceThread: 1,
      data: networkConfig({ id: 'bad', incarnation: 1 }, {}),
      signals: [ThreadSignal.create().sab, ThreadSignal.create().sab],
      outbound: { 0: bad },
      inbound: { 0: bad },
      options: { outboxLimit: OUTBOX_LIMIT } as WorkerOptions,
    },
    port2,
  )
  await until(() => reports.length > 0, 5_000, 'a report from the failed start')
  port1.close()
  const fatal = reports[0] as { t: string; error: ErrorData }
  t.equal(fatal.t, 'fatal', 'a thread that cannot start reports fatal')
  t.match(fatal.error.message, /power of two/, 'with the reason')
})

t.test('handshakes both ways', async (t) => {
  const ab = await connect(a, b)
  t.same(ab.node, b.id, 'a connected to b')
  t.equal(ab.url, b.advertise, 'at the URL it dialled')
  t.ok(b.slots.has(nodeKey(a.id)), "b's main thread numbered a when a said hello")
  t.ok(a.slots.has(nodeKey(b.id)), "a's main thread numbered b when b welcomed it")
  const ba = await connect(b, a)
  t.same(ba.node, a.id, 'b connected to a')

  const sa = await peerStats(a, b)
  t.match(sa, { advertise: b.advertise, system: 'up', user: 'up', dropped: 0, queued: 0 }, 'a: both lanes to b up')
  t.ok(sa.framesOut >= 2 && sa.bytesOut > 0, 'a counted its hellos')
  t.match(await peerStats(b, a), { advertise: a.advertise, system: 'up', user: 'up' }, 'b: both lanes to a up')

  // Dialling a connected node again opens nothing new.
  const mark = a.posts.length
  a.main.post({ t: 'dial', url: b.advertise })
  a.main.post({ t: 'dial', url: b.advertise })
  await settled(a)
  await sleep(100)
  t.same(a.posts.slice(mark).filter((p) => p.t !== 'heartbeat'), [], 'a second dial of a connected URL is a no-op')
  t.equal(a.slots.size, 1, 'and asks for no slot')
})

t.test('dials that fail, with the reason the main thread is told', async (t) => {
  const stranger = await startNode('stranger', { secret: 'another-secret' })
  const before = (await stats(b)).rejected['authFailed'] ?? 0
  const wrong = await dialFails(stranger, b.advertise)
  t.equal(wrong.failure, 'authFailed', 'another secret: authFailed at the dialling side')
  t.match(wrong.reason, /bad token/, `with the other side's reason (${wrong.reason})`)
  t.equal((await stats(b)).rejected['authFailed'], before + 1, 'counted as authFailed at the refusing side')
  t.notOk(b.slots.has(nodeKey(stranger.id)), 'no slot for a node that failed authentication')
  const back = await dialFails(b, stranger.advertise)
  t.equal(back.failure, 'authFailed', 'the other way round too')

  const listener = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const deadPort = (listener.address() as { port: number }).port
  await new Promise<void>((resolve) => listener.close(() => resolve()))
  const nowhere = await dialFails(a, `ws://127.0.0.1:${deadPort}`)
  t.equal(nowhere.failure, 'unreachable', `nothing listening: unreachable (${nowhere.reason})`)
  const garbled = await dialFails(a, 'not a url')
  t.equal(garbled.failure, 'unreachable', `a URL ws cannot use: unreachable (${garbled.reason})`)

  const itself = await dialFails(a, a.advertise)
  t.match(itself, { failure: 'closed', reason: 'dialled itself' }, 'a dialling itself')

  // Another URL of a node already connected: the handshake names it, and the second connection is closed.
  const dup = await dialFails(a, `${b.advertise}/`)
  t.match(dup, { failure: 'closed', reason: 'already connected' }, 'another URL of a connected node')
  t.match(await peerStats(a, b), { system: 'up', user: 'up' }, 'the first connections stay up')

  // The main thread refuses a node (down or removed there): both sides hear it as removed.
  const outcast = await startNode('outcast')
  b.refuse.add('outcast')
  const refused = await dialFails(outcast, b.advertise)
  t.equal(refused.failure, 'removed', `refused by the dialled side's main thread: removed (${refused.reason})`)
  t.match(refused.reason, /not welcome/, 'with its reason')
  b.refuse.delete('outcast')
  outcast.refuse.add('b')
  const refusedHere = await dialFails(outcast, b.advertise)
  t.match(refusedHere, { failure: 'removed', reason: /b is not welcome/ }, "refused by the dialling side's own main thread: removed too")
  await shutdown(stranger)
  await shutdown(outcast)
})

/** A handshake as a node sends it, signed with `secret`. */
function handshake(node: NodeAddress, lane: number, o: { secret?: string; version?: number; advertise?: string } = {}): coerce.wire.IHandshake {
  const timestamp = Date.now()
  return {
    protocolVersion: o.version ?? PROTOCOL_VERSION,
    node,
    advertise: o.advertise ?? 'ws://127.0.0.1:1',
    startedAt: Date.now(),
    lane,
    timestamp,
    token: makeToken(o.secret ?? SECRET, node, timestamp),
  }
}

t.test('a dialled server that answers the hello wrongly: the dial fails with a reason', async (t) => {
  // One scripted server; the URL path says how it answers each lane's hello.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  servers.push(server)
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `ws://127.0.0.1:${(server.address() as { port: number }).port}`
  const x = { id: 'x', incarnation: 1 }
  server.on('connection', (ws, req) => {
    ws.once('message', (data: RawData) => {
      const lane = wire.Frame.decode(data as Buffer).hello?.lane ?? wire.Lane.SYSTEM
      const welcome = (h: coerce.wire.IHandshake): void => ws.send(encode({ welcome: h }))
      switch (req.url) {
        case '/garbage':
          return ws.send(Uint8Array.of(0x0a, 0xff, 0xff))
        case '/heartbeat':
          return ws.send(encode({ heartbeat: { seq: 1, sentAt: 1 } }))
        case '/forged':
          return welcome(handshake(x, lane, { secret: 'forged' }))
        case '/old':
          return welcome(handshake(x, lane, { version: PROTOCOL_VERSION + 1 }))
        case '/nameless':
          return welcome(handshake({ id: '', incarnation: 1 }, lane))
        case '/switch':
          // The user connection reaches another node than the system one did.
          return welcome(handshake(lane === wire.Lane.USER ? { id: 'y', incarnation: 1 } : x, lane))
        case '/vanish':
          welcome(handshake({ id: 'vanishing', incarnation: 1 }, lane))
          return ws.terminate()
        default:
          return ws.close()
      }
    })
  })
  const before = (await stats(a)).rejected
  t.match(await dialFails(a, `${base}/garbage`), { failure: 'closed', reason: /undecodable frame/ }, 'garbage for a welcome')
  t.match(await dialFails(a, `${base}/heartbeat`), { failure: 'closed', reason: /answered the hello with something else/ }, 'a heartbeat for a welcome')
  t.match(await dialFails(a, `${base}/forged`), { failure: 'authFailed', reason: /bad token/ }, 'a welcome signed with another secret')
  t.match(await dialFails(a, `${base}/old`), { failure: 'incompatibleProtocol', reason: /protocol version/ }, 'a welcome of another protocol version')
  t.match(await dialFails(a, `${base}/nameless`), { failure: 'closed', reason: /without a node id/ }, 'a welcome without a node id')
  t.match(await dialFails(a, `${base}/switch`), { failure: 'closed', reason: /expected x#1 at .*, found y#1/ }, 'another node on the user connection')
  // Its slot is answered late, so the connection is gone by then.
  a.slow.set('vanishing', 1_000)
  t.match(await dialFails(a, `${base}/vanish`), { failure: 'closed' }, 'a server that welcomes and goes before the main thread numbered it')
  await sleep(1_000)
  t.match(await dialFails(a, `${base}/close`), { failure: 'closed' }, 'a server that closes without a word')
  const after = (await stats(a)).rejected
  t.same(
    ['authFailed', 'incompatibleProtocol', 'malformed'].map((k) => (after[k] ?? 0) - (before[k] ?? 0)),
    [1, 1, 1],
    'the bad welcomes counted at the dialling side',
  )
  t.match(await peerStats(a, x), { system: 'none', user: 'none' }, "x's system connection closed with the failed user one")
})

t.test('tells batched per drain: in order, headers and payloads unchanged, counters move', async (t) => {
  const toB = slotOf(a, b)
  const aAtB = slotOf(b, a)
  const before = await peerStats(a, b)
  const beforeIn = await peerStats(b, a)
  const mark = b.received.length
  const sent: Uint8Array[] = []
  // One synchronous loop: all of them are in the ring before the network thread's next drain.
  for (let i = 0; i < 200; i++) sent.push(send(a, toB, tell(i)))
  const got = await receive(b, mark, 200, 'the tells')
  t.equal(got.length, 200, 'all 200 arrived, nothing else')
  let intact = 0
  got.forEach((g, i) => {
    if (
      !g.system &&
      g.kind === F_TELL &&
      g.originSlot === aAtB &&
      g.originThread === 0 &&
      g.targetSlot === 0 &&
      g.targetThread === 0 &&
      g.requestId === 0 &&
      Buffer.compare(g.payload, sent[i] as Uint8Array) === 0
    )
      intact++
  })
  t.equal(intact, 200, "each in order on b's user lane, from a's slot at b, its payload byte for byte")
  t.same(decode((got[199] as Got).payload, 0, (got[199] as Got).payload.length), tell(199), 'the payload decodes to what was sent')

  const after = await peerStats(a, b)
  const messages = after.messagesOut - before.messagesOut
  const frames = after.framesOut - before.framesOut
  t.equal(messages, 200, 'a counted 200 messages out')
  t.ok(frames >= 1 && frames < messages, `in fewer ws frames (${frames}, heartbeats included)`)
  t.ok(after.bytesOut - before.bytesOut >= sent.reduce((s, p) => s + p.length, 0), 'bytes out cover the payloads')
  const afterIn = await peerStats(b, a)
  t.equal(afterIn.messagesIn - beforeIn.messagesIn, 200, 'b counted 200 messages in')
  t.ok(afterIn.framesIn > beforeIn.framesIn && afterIn.bytesIn > beforeIn.bytesIn, 'and the frames and bytes that carried them')
})

t.test('asks on the user lane, stops and replies on the system lane', async (t) => {
  const toB = slotOf(a, b)
  const toA = slotOf(b, a)
  const mark = b.received.length
  const askBytes = send(a, toB, ask(77), 77)
  const stopBytes = send(a, toB, [F_STOP, 'echo', 'stopped', 78], 78)
  const got = await receive(b, mark, 2, 'an ask and a stop')
  const gotAsk = got.find((g) => g.kind === F_ASK) as Got
  const gotStop = got.find((g) => g.kind === F_STOP) as Got
  t.match(gotAsk, { system: false, requestId: 77, originSlot: toA, originThread: 0 }, 'the ask: user lane, its request id kept')
  t.equal(Buffer.compare(gotAsk.payload, askBytes), 0, 'ask payload unchanged')
  t.match(gotStop, { system: true, requestId: 78, originSlot: toA }, 'the stop: system lane')
  t.equal(Buffer.compare(gotStop.payload, stopBytes), 0, 'stop payload unchanged')

  // The reply goes back over b's own connection to a, on the system lane.
  const markA = a.received.length
  const replyBytes = send(b, toA, [F_REPLY, 77, 'x'], 77)
  const [reply] = await receive(a, markA, 1, 'the reply')
  t.match(reply, { system: true, kind: F_REPLY, requestId: 77, originSlot: toB, targetSlot: 0, targetThread: 0 }, 'the reply reaches a on its system lane')
  t.equal(Buffer.compare((reply as Got).payload, replyBytes), 0, 'reply payload unchanged')
})

t.test('large frames: chunked through the rings, batches split at maxFrameBytes', async (t) => {
  const toB = slotOf(a, b)
  const before = await peerStats(a, b)
  const mark = b.received.length
  // 20 KiB each: over a ring slot (16 KiB - 8), so chunked into and out of the rings; two
  // together exceed maxFrameBytes (32 KiB), so each goes in a batch of its own.
  const sent = [0, 1, 2].map((i) => send(a, toB, tell(i, String(i).repeat(20 * 1024))))
  const got = await receive(b, mark, 3, 'the large tells')
  t.same(
    got.map((g, i) => Buffer.compare(g.payload, sent[i] as Uint8Array)),
    [0, 0, 0],
    'reassembled whole, in order',
  )
  const after = await peerStats(a, b)
  t.equal(after.messagesOut - before.messagesOut, 3, 'three messages')
  t.ok(after.framesOut - before.framesOut >= 3, `in at least three ws frames (${after.framesOut - before.framesOut})`)
})

t.test('a thread that does not read: the socket pauses, nothing is lost, order kept', async (t) => {
  const toB = slotOf(a, b)
  const mark = b.received.length
  b.hold = true
  // More than b's user ring (64 KiB) and its outbox (256 frames) take.
  const count = 3000
  for (let i = 0; i < count; i++) send(a, toB, tell(i))
  await until(async () => (await peerStats(b, a)).messagesIn > 0, 10_000, 'b reading the tells')
  await sleep(300)
  t.equal(b.received.length, mark, 'nothing handed over while the thread holds its user lane')
  b.hold = false
  b.inbox.unpark(1)
  const got = await receive(b, mark, count, 'the held tells', 20_000)
  let inOrder = 0
  got.forEach((g, i) => {
    if (g.kind === F_TELL && (decode(g.payload, 0, g.payload.length) as [number, string, string, [number]])[3][0] === i) inOrder++
  })
  t.equal(inOrder, count, `all ${count} delivered in order once the thread reads again`)
})

t.test('heartbeats: acknowledged, reported with a round-trip time', async (t) => {
  const mark = a.posts.length
  const beat = await waitPost(a, 'heartbeat', mark, (p) => nodeKey(p.node) === nodeKey(b.id))
  t.ok(beat.rttMs >= 0 && beat.rttMs < 5_000, `a heartbeat from b acknowledged (rtt ${beat.rttMs.toFixed(2)} ms)`)
  const s = await peerStats(a, b)
  t.ok(s.lastHeartbeatAt !== null && s.rttMs !== null, 'kept in the statistics')
  await waitPost(b, 'heartbeat', 0, (p) => nodeKey(p.node) === nodeKey(a.id))
  t.pass('and b hears acks from a')
})

t.test('gossip: relayed on the system lane with every field', async (t) => {
  const statuses = ['joining', 'up', 'leaving', 'down', 'removed'] as const
  const members: PlainMember[] = statuses.map((status, i) => ({ node: { id: `m${i}`, incarnation: 1000 + i }, advertise: `ws://10.0.0.${i}:4000`, status, startedAt: 1_700_000_000_000 + i }))
  const mark = b.posts.length
  a.main.post({ t: 'gossip', members })
  const g = await waitPost(b, 'gossip', mark)
  t.same(g.from, a.id, 'b hears it from a')
  t.same(g.members, members, 'with the same members, statuses and all')
})

t.test('frames for this node, an unknown node, or nothing at all', async (t) => {
  const mark = a.received.length
  // A frame shorter than its header is skipped; the thread goes on.
  a.link.writeUser(new Uint8Array(8), 0, 8)
  send(a, 0, ask(301), 301)
  send(a, 0, tell(1))
  send(a, 42, ask(302), 302, 3)
  send(a, 42, tell(2))
  send(a, 42, [F_WATCH, 'echo', 5])
  const got = await receive(a, mark, 2, 'the failures')
  await sleep(100)
  t.equal(a.received.length - mark, 2, 'two answers: the asks; tells and the watch are dropped')
  const [misrouted, unknown] = got as [Got, Got]
  t.match(misrouted, { system: true, kind: F_FAIL, requestId: 301, targetSlot: 0, targetThread: 0, originSlot: 0 }, 'the ask for slot 0 fails back to its thread')
  t.match(failure(misrouted), { requestId: 301, code: 'NodeUnreachable', message: /misrouted/ }, 'NodeUnreachable: misrouted')
  t.match(unknown, { kind: F_FAIL, requestId: 302, originSlot: 0, originThread: 3 }, 'the ask for an unknown slot fails back too')
  t.match(failure(unknown), { code: 'NodeUnreachable', message: /not known here/ }, 'NodeUnreachable: not known here')
})

t.test('a node known but not connected: a bounded send buffer, then nodeLost', async (t) => {
  const ghost = { id: 'ghost', incarnation: 1 }
  a.main.post({ t: 'nodeSlot', slot: 9, node: ghost })
  await settled(a)
  const mark = a.received.length
  for (let i = 0; i < SEND_BUFFER_FRAMES - 1; i++) send(a, 9, tell(i))
  send(a, 9, ask(500), 500)
  // The buffer is full: tells are dropped, asks fail at once. The system lane is not bounded.
  send(a, 9, tell(100))
  send(a, 9, tell(101))
  send(a, 9, ask(501), 501)
  send(a, 9, ask(502), 502)
  send(a, 9, [F_STOP, 'echo', 'stopped', 503], 503)
  const early = await receive(a, mark, 2, 'asks past the buffer')
  t.same(
    early.map((g) => [g.kind, g.system, g.requestId, g.originSlot]),
    [
      [F_FAIL, true, 501, 9],
      [F_FAIL, true, 502, 9],
    ],
    'the asks past the buffer fail back at once, named from the slot they were for',
  )
  t.match(failure(early[0] as Got), { code: 'NodeUnreachable', message: /ghost#1 is not connected, and its send buffer \(8 frames\) is full/ }, 'NodeUnreachable, saying why')
  t.match(await peerStats(a, ghost), { system: 'none', user: 'none', queued: SEND_BUFFER_FRAMES + 1, dropped: 4 }, 'eight user frames and the stop queued, four dropped')

  a.main.post({ t: 'nodeLost', slot: 9, reason: 'down' })
  const lost = (await receive(a, mark, 4, 'queued asks failed')).slice(2)
  t.same(lost.map((g) => failure(g).requestId).sort(), [500, 503], 'the queued ask and stop fail once the node is lost')
  t.match(failure(lost[0] as Got), { code: 'NodeUnreachable', message: /ghost#1 is down/ }, 'with the reason')
  t.match(await peerStats(a, ghost), { system: 'closed', user: 'closed', queued: 0, dropped: 4 + SEND_BUFFER_FRAMES + 1 }, 'nothing queued any more; the rest counted as dropped')
  send(a, 9, ask(504), 504)
  const [later] = (await receive(a, mark, 5, 'a later ask')).slice(4)
  t.match(failure(later as Got), { requestId: 504, code: 'NodeUnreachable', message: /down/ }, 'later frames to the slot fail too')
  a.main.post({ t: 'nodeLost', slot: 9, reason: 'down' })
  await settled(a)
  t.pass('losing it twice is harmless')
})

t.test('forget: queued asks fail, the slot is never served again', async (t) => {
  const phantom = { id: 'phantom', incarnation: 2 }
  a.main.post({ t: 'nodeSlot', slot: 11, node: phantom })
  await settled(a)
  const mark = a.received.length
  send(a, 11, ask(600), 600)
  send(a, 11, tell(1))
  await until(async () => (await stats(a)).peers.some((p) => p.node.id === 'phantom' && p.queued === 2), 5_000, 'two frames queued')
  a.main.post({ t: 'forget', node: phantom, reason: 'removed' })
  const [failed] = await receive(a, mark, 1, 'the queued ask failed')
  t.match(failure(failed as Got), { requestId: 600, code: 'NodeUnreachable', message: /phantom#2 is removed/ }, 'the queued ask fails')
  send(a, 11, ask(601), 601)
  const [later] = (await receive(a, mark, 2, 'a later ask')).slice(1)
  t.match(failure(later as Got), { requestId: 601, message: /removed/ }, 'a later ask fails at once')
  a.main.post({ t: 'forget', node: { id: 'never-seen', incarnation: 1 }, reason: 'removed' })
  await settled(a)
  t.pass('forgetting a node never seen is a no-op')
})

t.test('a lost thread: asks for it fail back to the other node with WorkerLost', async (t) => {
  const toB = slotOf(a, b)
  b.main.post({ t: 'peerLost', thread: 0 })
  await settled(b)
  const markA = a.received.length
  const markB = b.received.length
  send(a, toB, tell(1))
  send(a, toB, [F_STOP, 'echo', 'stopped', 0])
  send(a, toB, ask(900), 900)
  const [fail] = await receive(a, markA, 1, 'the WorkerLost answer')
  t.match(fail, { system: true, kind: F_FAIL, requestId: 900, originSlot: toB, originThread: 0 }, "the ask fails back through b's connection to a")
  t.match(failure(fail as Got), { code: 'WorkerLost', message: /thread 0/ }, 'WorkerLost')
  t.equal(b.received.length, markB, 'nothing reached the lost thread; the tell and the unacknowledged stop are dropped')
  b.main.post({ t: 'peerRestored', thread: 0 })
  await settled(b)
  send(a, toB, ask(901), 901)
  const [back] = await receive(b, markB, 1, 'an ask after the restore')
  t.match(back, { kind: F_ASK, requestId: 901 }, 'once restored, frames reach it again')
})

t.test('a replaced thread: the network thread moves to its new rings', async (t) => {
  // Thread 0 gets a new doorbell; the network thread's own stays (it is not the one replaced).
  const signals = [ThreadSignal.create(), b.signals[1] as ThreadSignal]
  const toNet = pair()
  const fromNet = pair()
  b.inbox.stop()
  threadZero(b, signals, toNet, fromNet)
  b.main.post({ t: 'peerReplaced', thread: 0, outbound: fromNet, inbound: toNet, signal: (signals[0] as ThreadSignal).sab })
  await settled(b)
  const mark = b.received.length
  send(a, slotOf(a, b), tell(7))
  const [got] = await receive(b, mark, 1, 'a tell into the new rings')
  t.same(decode((got as Got).payload, 0, (got as Got).payload.length), tell(7), 'delivered into the new rings')
  const markA = a.received.length
  send(b, slotOf(b, a), [F_REPLY, 5, 'from the new thread'], 5)
  const [reply] = await receive(a, markA, 1, 'a reply from the new thread')
  t.match(reply, { kind: F_REPLY, requestId: 5 }, 'and frames from the new rings reach the other node')
})

/** How a raw connection to a node's port ended. */
interface Outcome {
  code: number
  close: coerce.wire.IClose | null
  welcomed: boolean
}

function hello(o: { id?: string; advertise?: string; lane?: number; version?: number } = {}): Uint8Array {
  return encode({ hello: handshake({ id: o.id ?? 'raw', incarnation: 3 }, o.lane ?? wire.Lane.SYSTEM, o) })
}

/** Sends `first` on a raw ws connection to `url`, `afterWelcome` once welcomed; resolves when the node closes it. */
function probe(url: string, first: (Uint8Array | string)[], afterWelcome: (Uint8Array | string)[] = [], closeAfterMs = 5_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    sockets.add(ws)
    let close: coerce.wire.IClose | null = null
    let welcomed = false
    const send = (m: Uint8Array | string): void => ws.send(m, { binary: typeof m !== 'string' })
    const timer = setTimeout(() => ws.close(), closeAfterMs)
    ws.on('error', () => {})
    ws.on('open', () => first.forEach(send))
    ws.on('message', (data: RawData) => {
      const f = wire.Frame.decode(data as Buffer)
      if (f.body === 'close') close = f.close ?? null
      if (f.body === 'welcome' && !welcomed) {
        welcomed = true
        afterWelcome.forEach(send)
      }
    })
    ws.on('close', (code) => {
      clearTimeout(timer)
      sockets.delete(ws)
      resolve({ code, close, welcomed })
    })
  })
}

function closedWith(t: Test, o: Outcome, code: number, text: RegExp, what: string): void {
  t.equal(o.code, 4000 + code, `${what}: ws close ${4000 + code}`)
  t.match(o.close, { code, reason: text }, `${what}: a Close frame says why`)
}

t.test('hostile input at the port: refused with a reason, counted', async (t) => {
  const before = (await stats(b)).rejected
  const url = b.advertise
  const payload = Uint8Array.of(0x93, 0x01, 0x02, 0x03)
  closedWith(t, await probe(url, ['hello there']), CODE.MALFORMED, /text message/, 'a text message')
  closedWith(t, await probe(url, [Uint8Array.of(0x0a, 0xff, 0xff)]), CODE.MALFORMED, /undecodable/, 'garbage')
  closedWith(t, await probe(url, [encode({ heartbeat: { seq: 1 } })]), CODE.MALFORMED, /expected a hello first/, 'a heartbeat first')
  closedWith(t, await probe(url, [hello({ version: PROTOCOL_VERSION + 1 })]), CODE.INCOMPATIBLE_PROTOCOL, /protocol version/, 'another protocol version')
  closedWith(t, await probe(url, [hello({ id: '' })]), CODE.MALFORMED, /without a node id/, 'no node id')
  closedWith(t, await probe(url, [hello({ advertise: '' })]), CODE.MALFORMED, /without an advertise/, 'no advertise address')
  closedWith(t, await probe(url, [hello(), encode({ batch: { envelopes: [] } })]), CODE.MALFORMED, /before the handshake completed/, 'a batch before the welcome')
  closedWith(t, await probe(url, [hello()], [encode({ welcome: {} })]), CODE.MALFORMED, /unexpected welcome frame/, 'a welcome to a node')
  closedWith(t, await probe(url, [hello({ lane: wire.Lane.USER })], [encode({ heartbeat: { seq: 1 } })]), CODE.MALFORMED, /unexpected heartbeat frame on an accepted user/, 'a heartbeat on the user lane')
  closedWith(t, await probe(url, [hello({ lane: wire.Lane.USER })], [encode({ gossip: { members: [] } })]), CODE.MALFORMED, /unexpected gossip/, 'gossip on the user lane')
  closedWith(t, await probe(url, [hello({ lane: wire.Lane.USER })], [encode({ leave: {} })]), CODE.MALFORMED, /unexpected leave/, 'a leave on the user lane')
  closedWith(t, await probe(url, [hello()], [encode({ batch: { envelopes: [{ kind: F_TELL, targetThread: 0, payload }] } })]), CODE.MALFORMED, /bad envelope \(kind 1, thread 0, 4 bytes\) on the system lane/, 'a tell on the system lane')
  closedWith(t, await probe(url, [hello({ lane: wire.Lane.USER })], [encode({ batch: { envelopes: [{ kind: F_TELL, targetThread: 1, payload }] } })]), CODE.MALFORMED, /thread 1/, 'an envelope for the network thread itself')
  // A peer saying it closes is logged; its connection then ends when it closes it.
  const polite = await probe(url, [hello()], [encode({ close: { code: CODE.NORMAL, reason: 'bye' } })], 200)
  t.match(polite, { welcomed: true, code: 1005, close: null }, 'a Close frame from the other side is taken calmly (it closes the socket itself)')
  const big = await probe(url, [new Uint8Array(MAX_FRAME_BYTES + 2048)])
  t.equal(big.code, 1009, 'a message over maxFrameBytes: ws close 1009')
  const http = await fetch(url.replace(/^ws/, 'http'), { signal: AbortSignal.timeout(5_000) })
  t.equal(http.status, 426, 'plain HTTP: 426')
  await http.body?.cancel()
  const after = (await stats(b)).rejected
  const delta = (k: string): number => (after[k] ?? 0) - (before[k] ?? 0)
  // Twelve refused connections, and the plain HTTP request (counted as malformed too).
  t.same([delta('malformed'), delta('incompatibleProtocol'), delta('tooLarge')], [13, 1, 1], 'each counted under its reason')
})

t.test('leave: every peer hears it', async (t) => {
  const mark = b.posts.length
  const sent = await a.main.request<number>({ t: 'leave' })
  t.equal(sent, 1, 'a told its one connected peer')
  const left = await waitPost(b, 'left', mark)
  t.same(left.node, a.id, 'b hears that a leaves')
})

t.test('forget a connected node: connections closed both ways, traffic to it fails', async (t) => {
  const toB = slotOf(a, b)
  const markB = b.posts.length
  a.main.post({ t: 'forget', node: b.id, reason: 'removed' })
  const gone = await waitPost(b, 'disconnected', markB, (p) => nodeKey(p.node) === nodeKey(a.id))
  t.ok(gone.reason.length > 0, `b loses its connection to a (${gone.reason})`)
  t.match(await peerStats(a, b), { system: 'closed', user: 'closed' }, "a's connections to b closed")
  t.notOk(posted(a, 'disconnected').some((p) => nodeKey(p.node) === nodeKey(b.id)), 'a does not report a node it forgot as disconnected')
  const mark = a.received.length
  send(a, toB, ask(700), 700)
  const [failed] = await receive(a, mark, 1, 'an ask to the forgotten node')
  t.match(failure(failed as Got), { requestId: 700, code: 'NodeUnreachable', message: /removed/ }, 'asks to it fail')
})

t.test('shutdown: connections closed, the port freed', async (t) => {
  const c = await startNode('c')
  const d = await startNode('d')
  await connect(c, d)
  await connect(d, c)
  const markD = d.posts.length
  t.equal(await shutdown(c), true, 'c shuts down')
  const gone = await waitPost(d, 'disconnected', markD, (p) => nodeKey(p.node) === nodeKey(c.id))
  t.match(gone.reason, /shutting down/, `d hears c go (${gone.reason})`)
  t.match(await peerStats(d, c), { system: 'none', user: 'none' }, "d's connections to c are gone")
  const again = createServer()
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject)
    again.listen(c.listenPort, '127.0.0.1', resolve)
  })
  await new Promise<void>((resolve) => again.close(() => resolve()))
  t.pass(`c's port ${c.listenPort} is free again`)
  const after = await dialFails(d, c.advertise)
  t.equal(after.failure, 'unreachable', 'dialling it now fails')
})
