// Hostile input at a clustered node's port: garbage, text, truncated frames, frames out of
// order, forged or stale or foreign handshakes, bad envelopes after a good handshake, oversized
// messages, silence, plain HTTP. Each bad connection is closed with the reason the protocol
// names (a Close frame, then ws close 4000 + its code; 1009 for too large) and counted by
// reason, while node b's asks to an actor on node a go on unharmed. Then the same size limit
// through the actor API, and the ways a node can fail to start: another secret, seeds that do
// not answer, a port in use. Raw clients are plain `ws` sockets in this process.
import t, { type Test } from 'tap'
import { connect, createServer, type AddressInfo } from 'node:net'
import { WebSocket, type RawData } from 'ws'
import { Actor, ActorRefError, ActorSystem, type ActorRef } from '../../lib/index.js'
import { clusterOf } from '../../lib/cluster/extension.js'
import { ClusterError } from '../../lib/cluster/errors.js'
import { makeToken } from '../../lib/remote/auth.js'
import { PROTOCOL_VERSION, wire } from '../../lib/remote/wire.js'
import type { coerce } from '../../lib/remote/protocol/wire.js'
import { F_ASK, F_STOP, F_TELL } from '../../lib/runtime/transport/frames.js'
import { sleep, until } from '../helpers/wait.js'
import { bytes, random } from '../helpers/random.js'

class Echo extends Actor {
  echo(x: string): string {
    return x
  }
}

const SECRET = 'test-secret-1'
const MAX_FRAME_BYTES = 64 * 1024
const CODE = wire.CloseCode
/** The network thread's counter names, by Close code. */
const REASON: Partial<Record<number, string>> = {
  [CODE.AUTH_FAILED]: 'authFailed',
  [CODE.INCOMPATIBLE_PROTOCOL]: 'incompatibleProtocol',
  [CODE.MALFORMED]: 'malformed',
}

function clusterOptions(nodeId: string, more: Record<string, unknown> = {}): Parameters<typeof ActorSystem.start>[0] {
  return {
    nodeId,
    workers: 0,
    logLevel: 'silent',
    cluster: { listen: '127.0.0.1:0', secret: SECRET, maxFrameBytes: MAX_FRAME_BYTES, failureDetector: { heartbeatIntervalMs: 100 }, ...more },
  }
}


type Frame = coerce.wire.Frame
const encode = (body: coerce.wire.IFrame): Uint8Array => wire.Frame.encode(body).finish()

/** A port nothing listens on: refused at once. */
async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const nowhere = `ws://127.0.0.1:${await deadPort()}`
/** The one node run the raw clients speak for. It knows the secret, so its good hellos are welcomed (it becomes a joining member no one can dial). */
const INTRUDER = { id: 'intruder', incarnation: 7 }

/** A hello as a node would send it; each field can be made wrong. */
function hello(o: { secret?: string; version?: number; timestamp?: number; lane?: number; advertise?: string; node?: { id: string; incarnation: number } } = {}): Uint8Array {
  const timestamp = o.timestamp ?? Date.now()
  return encode({
    hello: {
      protocolVersion: o.version ?? PROTOCOL_VERSION,
      node: o.node ?? INTRUDER,
      advertise: o.advertise ?? nowhere,
      startedAt: Date.now(),
      lane: o.lane ?? wire.Lane.SYSTEM,
      timestamp,
      token: makeToken(o.secret ?? SECRET, o.node ?? INTRUDER, timestamp),
    },
  })
}

function batch(...envelopes: coerce.wire.IEnvelope[]): Uint8Array {
  return encode({ batch: { envelopes } })
}

/** How a raw connection ended: the ws close code and text, and the frames the node sent first. */
interface Outcome {
  code: number
  text: string
  frames: Frame[]
  /** The Close frame the node sent before closing, if any. */
  close: coerce.wire.IClose | null
  welcomed: boolean
}

const sockets = new Set<WebSocket>()

/**
 * Opens a raw ws connection to `url`, sends `first` (strings as text messages), then
 * `afterWelcome` once a welcome arrived; resolves when the node closes it (code -1 when it did
 * not within `ms`, and the socket is dropped).
 */
function probe(url: string, first: (Uint8Array | string)[], afterWelcome: (Uint8Array | string)[] = [], ms = 5_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    sockets.add(ws)
    const frames: Frame[] = []
    let welcomed = false
    const send = (m: Uint8Array | string): void => ws.send(m, { binary: typeof m !== 'string' })
    const timer = setTimeout(() => {
      ws.terminate()
      finish(-1, 'not closed by the node in time')
    }, ms)
    const finish = (code: number, text: string): void => {
      clearTimeout(timer)
      sockets.delete(ws)
      resolve({ code, text, frames, close: frames.find((f) => f.body === 'close')?.close ?? null, welcomed })
    }
    ws.on('error', () => {})
    ws.on('open', () => first.forEach(send))
    ws.on('message', (data: RawData) => {
      let f: Frame
      try {
        f = wire.Frame.decode(data as Buffer)
      } catch {
        return
      }
      frames.push(f)
      if (f.body === 'welcome' && !welcomed) {
        welcomed = true
        afterWelcome.forEach(send)
      }
    })
    ws.on('close', (code, why) => finish(code, why.toString()))
  })
}

const systems: ActorSystem[] = []
let asking = true
t.teardown(async () => {
  asking = false
  for (const ws of sockets) ws.terminate()
  for (const s of systems.reverse()) await s.shutdown().catch(() => {})
})

const a = await ActorSystem.start(clusterOptions('a'))
systems.push(a)
const url = a.cluster.self.advertise
const b = await ActorSystem.start(clusterOptions('b', { seeds: [url] }))
systems.push(b)
await a.spawn(Echo, { id: 'echo', placement: 'main' })
const found = await b.actorOf<Echo>('echo')
if (found === undefined) throw new Error("b does not find the echo actor on a")
const echo: ActorRef<Echo> = found

// b asks a's actor for the whole file: hostile connections must not disturb a peer's traffic.
let asked = 0
const askFailures: unknown[] = []
const asks = (async () => {
  while (asking) {
    const m = `m${asked}`
    try {
      const got = await echo.askWith({ timeoutMs: 2_000 }, 'echo', m)
      if (got !== m) askFailures.push(new Error(`asked ${m}, got ${String(got)}`))
    } catch (e) {
      askFailures.push(e)
      await sleep(10)
    }
    asked++
  }
})()

async function rejected(): Promise<Record<string, number>> {
  const stats = await clusterOf(a)?.networkStats()
  if (stats == null) throw new Error('no network stats on a')
  return stats.rejected
}

/** How many rejections by reason were counted since `before`. */
async function countedSince(before: Record<string, number>): Promise<Record<string, number>> {
  const now = await rejected()
  const delta: Record<string, number> = {}
  for (const [k, v] of Object.entries(now)) if (v !== (before[k] ?? 0)) delta[k] = v - (before[k] ?? 0)
  return delta
}

/** Asserts the node closed the connection on purpose: a Close frame with `code` and a reason matching `text`, then ws close 4000 + code. */
function closedWith(t: Test, o: Outcome, code: number, text: RegExp, what: string): void {
  t.equal(o.code, 4000 + code, `${what}: ws close ${4000 + code} (got ${o.code} ${o.text})`)
  t.equal(o.close?.code ?? CODE.NORMAL, code, `${what}: a Close frame with code ${code} came first`)
  t.match(o.close?.reason ?? '', text, `${what}: the Close frame says why (${o.close?.reason ?? 'none'})`)
}

t.test('garbage before any handshake: closed as malformed, counted', async (t) => {
  const before = await rejected()
  const next = random(0x5eed)
  const inputs: Uint8Array[] = []
  for (let i = 0; i < 30; i++) inputs.push(bytes(1 + Math.floor(next() * 400), next))
  const outcomes = await Promise.all(inputs.map((input) => probe(url, [input])))
  // Random bytes may happen to decode (protobuf skips unknown fields): as an empty frame, a
  // frame of another body, or a hello with a wrong version or token. All are refused.
  const refusals: Record<string, number> = {}
  outcomes.forEach((o, i) => {
    const reason = REASON[o.code - 4000]
    if (reason === undefined || o.close?.code !== o.code - 4000 || o.welcomed) {
      t.fail(`random input ${i} (${inputs[i]?.length} bytes): closed with ${o.code} ${o.text}, Close frame ${JSON.stringify(o.close)}`)
      return
    }
    refusals[reason] = (refusals[reason] ?? 0) + 1
  })
  t.ok((refusals['malformed'] ?? 0) > 0, `30 random inputs refused (${JSON.stringify(refusals)})`)
  const counted = await countedSince(before)
  t.same(counted, refusals, 'each counted under its reason')

  const text = await probe(url, ['hello there'])
  closedWith(t, text, CODE.MALFORMED, /text message/, 'a text message')

  const full = hello()
  const truncated = await Promise.all([1, 2, 5, Math.floor(full.length / 2), full.length - 1].map((n) => probe(url, [full.subarray(0, n)])))
  truncated.forEach((o, i) => closedWith(t, o, CODE.MALFORMED, /undecodable frame/, `a hello truncated (${i})`))

  const empty = await probe(url, [new Uint8Array(0)])
  closedWith(t, empty, CODE.MALFORMED, /expected a hello first/, 'an empty frame')
  const heartbeat = await probe(url, [encode({ heartbeat: { seq: 1, sentAt: Date.now() } })])
  closedWith(t, heartbeat, CODE.MALFORMED, /expected a hello first, got heartbeat/, 'a heartbeat first')
  const earlyBatch = await probe(url, [batch({ kind: F_TELL, targetThread: 0, payload: Uint8Array.of(0x90) })])
  closedWith(t, earlyBatch, CODE.MALFORMED, /expected a hello first, got batch/, 'a batch first')
  const welcome = await probe(url, [encode({ welcome: { protocolVersion: PROTOCOL_VERSION, node: { id: 'x', incarnation: 1 } } })])
  closedWith(t, welcome, CODE.MALFORMED, /expected a hello first, got welcome/, 'a welcome first')

  t.same(await countedSince(before), { ...counted, malformed: (counted['malformed'] ?? 0) + 10 }, 'ten more malformed')
})

t.test('handshakes that must fail: wrong secret, expired token, another protocol version', async (t) => {
  const before = await rejected()
  const wrong = await probe(url, [hello({ secret: 'wrong-secret' })])
  closedWith(t, wrong, CODE.AUTH_FAILED, /bad token \(wrong secret\?\)/, 'a token made with another secret')
  const expired = await probe(url, [hello({ timestamp: Date.now() - 60_000 })])
  closedWith(t, expired, CODE.AUTH_FAILED, /token expired/, 'a token a minute old')
  const future = await probe(url, [hello({ timestamp: Date.now() + 60_000 })])
  closedWith(t, future, CODE.AUTH_FAILED, /token from the future/, 'a token a minute ahead')
  const version = await probe(url, [hello({ version: PROTOCOL_VERSION + 41 })])
  closedWith(t, version, CODE.INCOMPATIBLE_PROTOCOL, new RegExp(`protocol version ${PROTOCOL_VERSION + 41} there, ${PROTOCOL_VERSION} here`), 'another protocol version')
  t.match(version.text, `${PROTOCOL_VERSION + 41} there, ${PROTOCOL_VERSION} here`, 'the ws close text names both versions too')
  const noAdvertise = await probe(url, [hello({ advertise: '' })])
  closedWith(t, noAdvertise, CODE.MALFORMED, /handshake without an advertise address/, 'a hello without an advertise address')
  for (const o of [wrong, expired, future, version, noAdvertise]) t.notOk(o.welcomed, 'no welcome to a refused hello')
  t.same(await countedSince(before), { authFailed: 3, incompatibleProtocol: 1, malformed: 1 }, 'counted by reason')
})

t.test('a good handshake, then frames that must not be accepted', async (t) => {
  const before = await rejected()
  const next = random(0xbad)
  const garbage = (): Uint8Array => Uint8Array.of(0x0a, 0xff, ...bytes(20, next))

  const helloThenGarbage = await probe(url, [hello(), garbage()])
  closedWith(t, helloThenGarbage, CODE.MALFORMED, /undecodable frame/, 'garbage right behind the hello')
  const welcomeThenGarbage = await probe(url, [hello()], [garbage()])
  t.ok(welcomeThenGarbage.welcomed, 'the good hello was welcomed')
  closedWith(t, welcomeThenGarbage, CODE.MALFORMED, /undecodable frame/, 'garbage after the welcome')

  const payload = Uint8Array.of(0x93, 0x01, 0x02, 0x03)
  const system = (...frames: Uint8Array[]): Promise<Outcome> => probe(url, [hello()], frames)
  const user = (...frames: Uint8Array[]): Promise<Outcome> => probe(url, [hello({ lane: wire.Lane.USER })], frames)
  const cases: [string, Promise<Outcome>, RegExp][] = [
    ['an envelope of kind 99', system(batch({ kind: 99, targetThread: 0, payload })), /bad envelope \(kind 99, thread 0, 4 bytes\) on the system lane/],
    ['an envelope of kind 0', system(batch({ kind: 0, targetThread: 0, payload })), /bad envelope \(kind 0,/],
    ['an envelope for thread 42', system(batch({ kind: F_STOP, targetThread: 42, requestId: 1, payload })), /bad envelope \(kind 5, thread 42,/],
    ['a tell on the system lane', system(batch({ kind: F_TELL, targetThread: 0, payload })), /bad envelope \(kind 1, thread 0, 4 bytes\) on the system lane/],
    ['an ask on the system lane', system(batch({ kind: F_ASK, targetThread: 0, requestId: 7, payload })), /bad envelope \(kind 2, .* on the system lane/],
    ['a stop on the user lane', user(batch({ kind: F_STOP, targetThread: 0, requestId: 1, payload })), /bad envelope \(kind 5, .* on the user lane/],
    ['an envelope without a payload', user(batch({ kind: F_TELL, targetThread: 0 })), /bad envelope \(kind 1, thread 0, 0 bytes\)/],
    ['a heartbeat on the user lane', user(encode({ heartbeat: { seq: 1, sentAt: 1 } })), /unexpected heartbeat frame on an accepted user connection/],
    ['a second hello', system(hello()), /unexpected hello frame/],
    ['a truncated batch', user(batch({ kind: F_TELL, targetThread: 0, payload }).subarray(0, 6)), /undecodable frame/],
  ]
  for (const [what, outcome, text] of cases) {
    const o = await outcome
    t.ok(o.welcomed, `${what}: welcomed first`)
    closedWith(t, o, CODE.MALFORMED, text, what)
  }
  t.same(await countedSince(before), { malformed: 2 + cases.length }, 'each counted as malformed')
})

t.test('messages over maxFrameBytes: ws closes with 1009, counted as tooLarge', async (t) => {
  const before = await rejected()
  const big = new Uint8Array(2 * MAX_FRAME_BYTES).fill(7)
  const first = await probe(url, [big])
  t.equal(first.code, 1009, `a first message of ${big.length} bytes: ws close 1009 (got ${first.code} ${first.text})`)
  const inBatch = await probe(url, [hello({ lane: wire.Lane.USER })], [batch({ kind: F_TELL, targetThread: 0, payload: big })])
  t.ok(inBatch.welcomed, 'welcomed first')
  t.equal(inBatch.code, 1009, `a batch of ${big.length} bytes after the handshake: ws close 1009 (got ${inBatch.code} ${inBatch.text})`)
  t.same(await countedSince(before), { tooLarge: 2 }, 'counted as tooLarge')
})

t.test('below the protocol: plain HTTP, bytes that are not HTTP, text that is not UTF-8', async (t) => {
  const before = await rejected()
  const http = await fetch(url.replace(/^ws/, 'http'), { signal: AbortSignal.timeout(5_000) })
  t.equal(http.status, 426, 'a plain HTTP request: 426 Upgrade Required at once')
  await http.body?.cancel()

  // Not HTTP at all: Node's HTTP parser answers 400 and closes, before any WebSocket exists (not counted).
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1')
    let got = ''
    const timer = setTimeout(() => socket.destroy(), 5_000)
    socket.on('data', (d) => (got += d.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(got)
    })
    socket.write(bytes(300, random(0xdead)))
  })
  t.match(answer, /^HTTP\/1\.1 400 /, 'random bytes instead of an upgrade request: 400, closed')

  const utf8 = await new Promise<number>((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    sockets.add(ws)
    const timer = setTimeout(() => ws.terminate(), 5_000)
    ws.on('error', () => {})
    ws.on('open', () => ws.send(Buffer.from([0x68, 0xc3, 0x28, 0xff]), { binary: false }))
    ws.on('close', (code) => {
      clearTimeout(timer)
      sockets.delete(ws)
      resolve(code)
    })
  })
  t.equal(utf8, 1007, 'a text message that is not UTF-8: ws close 1007')
  t.same(await countedSince(before), { malformed: 2 }, 'the HTTP request and the bad text counted as malformed')
})

t.test('a message over maxFrameBytes through the actor API fails at the sender', async (t) => {
  const huge = 'x'.repeat(MAX_FRAME_BYTES + 100)
  const limit = new RegExp(`more than maxFrameBytes \\(${MAX_FRAME_BYTES}\\)`)
  t.throws(() => echo.tell('echo', huge), { name: 'ActorRefError', code: 'Serialization', message: limit }, 'tell throws Serialization, naming the limit')
  const err = await echo.ask('echo', huge).then(
    () => null,
    (e: unknown) => e,
  )
  t.ok(err instanceof ActorRefError, 'ask rejects with an ActorRefError')
  t.match(err, { code: 'Serialization', message: limit }, 'ask rejects with Serialization, naming the limit')
  t.equal(await echo.ask('echo', 'x'.repeat(MAX_FRAME_BYTES / 2)), 'x'.repeat(MAX_FRAME_BYTES / 2), 'half the limit still goes through')
})

/** `ActorSystem.start`, settled: the system or the error, and how long it took. */
function attempt(options: Parameters<typeof ActorSystem.start>[0]): Promise<{ system: ActorSystem | null; err: unknown; ms: number }> {
  const started = Date.now()
  return ActorSystem.start(options).then(
    (s) => {
      systems.push(s)
      return { system: s, err: null, ms: Date.now() - started }
    },
    (e: unknown) => ({ system: null, err: e, ms: Date.now() - started }),
  )
}

// A node with another secret is slow to start (a network thread), and a silent connection
// waits 5 s: both are refusals of a's handshake, so they run together.
t.test("refused at a's door, slowly: a connection that never says hello, a node with another secret", async (t) => {
  const before = await rejected()
  const seen: string[] = []
  t.teardown(a.cluster.on('memberJoined', (m) => seen.push(m.node.id)))
  // Generous: it bounds the whole start, network thread included, on a busy box. A refusal
  // must end the join at once, not at this deadline.
  const joinTimeoutMs = 30_000
  const started = Date.now()
  const [quiet, mallory] = await Promise.all([
    probe(url, [], [], 10_000),
    attempt(clusterOptions('mallory', { secret: 'wrong-secret-2', seeds: [url], joinTimeoutMs })),
  ])
  closedWith(t, quiet, CODE.MALFORMED, /no hello within 5000 ms/, 'a connection that says nothing')
  t.ok(Date.now() - started >= 4_500, 'closed after about 5 s')

  t.ok(mallory.err instanceof ClusterError, `another secret: start rejects with a ClusterError (${String(mallory.err)})`)
  t.equal((mallory.err as ClusterError).code, 'AuthFailed', 'another secret: code AuthFailed')
  t.ok(mallory.ms < joinTimeoutMs, `another secret: within its joinTimeoutMs (${mallory.ms} ms < ${joinTimeoutMs} ms)`)

  const counted = await countedSince(before)
  t.equal(counted['malformed'], 1, 'the silent connection counted as malformed')
  t.ok((counted['authFailed'] ?? 0) >= 1, `the other secret's hellos counted as authFailed (${counted['authFailed'] ?? 0})`)
  t.same(Object.keys(counted).sort(), ['authFailed', 'malformed'], 'and nothing else')
  await sleep(300)
  t.notOk(seen.includes('mallory'), 'no memberJoined on a for the node with another secret')
  t.notOk(a.cluster.members().some((m) => m.node.id === 'mallory'), "not in a's members")
  t.notOk(b.cluster.members().some((m) => m.node.id === 'mallory'), "nor in b's")
})

t.test('seeds that do not answer: JoinTimeout', async (t) => {
  const lonely = await attempt(clusterOptions('lonely', { seeds: [nowhere], joinTimeoutMs: 1_500 }))
  t.ok(lonely.err instanceof ClusterError, `a ClusterError (${String(lonely.err)})`)
  t.equal((lonely.err as ClusterError).code, 'JoinTimeout', 'code JoinTimeout')
  t.ok(lonely.ms >= 1_500, `after its joinTimeoutMs of 1500 ms (${lonely.ms} ms)`)
})

t.test('a port already in use: ListenFailed', async (t) => {
  const twin = await attempt(clusterOptions('twin', { listen: `127.0.0.1:${new URL(url).port}` }))
  t.ok(twin.err instanceof ClusterError, `a ClusterError (${String(twin.err)})`)
  t.equal((twin.err as ClusterError).code, 'ListenFailed', 'code ListenFailed')
})

t.test('afterwards: a is up, b is still its member, new connections work, no ask failed', async (t) => {
  const joinTimeoutMs = 30_000
  const good = await attempt(clusterOptions('c', { seeds: [url], joinTimeoutMs }))
  t.equal(good.err, null, `a new node c joins through a (${good.ms} ms)`)
  const c = good.system
  await until(() => a.cluster.members().some((m) => m.node.id === 'c' && m.status === 'up'), 10_000, 'c up on a')
  const members = a.cluster.members()
  const bOnA = members.find((m) => m.node.id === 'b')
  t.same([bOnA?.status, bOnA?.reachable], ['up', true], "b is up and reachable in a's members")
  t.same(
    members.map((m) => m.node.id).sort(),
    ['a', 'b', 'c', 'intruder'],
    'no refused node became a member (the intruder knew the secret: its good hellos were welcomed)',
  )
  const stats = await clusterOf(a)?.networkStats()
  const peerB = stats?.peers.find((p) => p.node.id === 'b')
  t.same([peerB?.system, peerB?.user], ['up', 'up'], "a's connections to b are up")

  // A new identity: the intruder, which no node can dial back, may be marked down by now
  // (unreachable for downAfterMs), and a down node run is refused for good.
  const fresh = await probe(url, [hello({ node: { id: 'visitor', incarnation: 9 } })], [encode({ heartbeat: { seq: 1, sentAt: 1 } })], 1_000)
  t.same(
    fresh.frames.map((f) => f.body),
    ['welcome', 'heartbeatAck'],
    'a fresh good hello is welcomed, its heartbeat acknowledged',
  )
  t.equal(fresh.code, -1, 'and the node keeps that connection open (the client hung up)')
  const fromC = await c?.actorOf<Echo>('echo')
  t.equal(await fromC?.ask('echo', 'from c'), 'from c', "the new node c asks a's actor")

  asking = false
  await asks
  t.ok(asked > 20, `b asked a's actor ${asked} times meanwhile`)
  t.same(askFailures, [], 'every ask succeeded')
})
