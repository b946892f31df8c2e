/**
 * `NetworkThread`: the mesh thread that carries frames between this node's threads and other
 * nodes. It hosts no actors and never blocks its event loop (it never spins). It owns:
 * - the ws server (plain or TLS) and two outbound connections per peer node (system, user);
 * - the handshake and authentication of every connection, both ways;
 * - moving frames by header alone: frames from the rings are batched per peer and lane per
 *   drain into one protobuf `Batch`; envelopes from sockets get a routing header and go into
 *   the target thread's ring (user payloads are never decoded here);
 * - heartbeats (their arrivals go to the main thread, where the failure detector runs);
 * - a bounded per-peer buffer while a connection is being made; asks that cannot be sent fail
 *   at once with `NodeUnreachable` (answered here from the frame header).
 * Membership decisions are the main thread's (lib/cluster): this thread reports and obeys.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { MessagePort } from 'node:worker_threads'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { nodeKey, sameNode, type NodeAddress } from '../actor/address.js'
import { ActorRefError } from '../actor/errors.js'
import { ControlChannel } from '../runtime/control.js'
import type { MainToWorker, WorkerInit } from '../runtime/messages.js'
import { encodeFrame, errorToData, type Encoded } from '../runtime/transport/codec.js'
import {
  F_ASK,
  F_DESCRIBE,
  F_FAIL,
  F_FAIL_MANY,
  F_STOP,
  F_TELL,
  FRAME_HEADER_BYTES,
  frameKind,
  frameOrigin,
  frameRequestId,
  peerId,
  threadOfPeer,
  writeFrameHeader,
} from '../runtime/transport/frames.js'
import { Inbox } from '../runtime/transport/inbox.js'
import { FULL, Link } from '../runtime/transport/link.js'
import { SpscRing } from '../runtime/transport/ring.js'
import { ThreadSignal } from '../runtime/transport/signal.js'
import { consoleLogger, type Logger } from '../util/logger.js'
import { checkToken, makeToken } from './auth.js'
import { closeReasonOf, Connection, LANE_SYSTEM, LANE_USER, type CloseReason, type LaneIndex } from './connection.js'
import type { ConnectionState, DialFailure, MainToNetwork, NetworkConfig, NetworkStats, NetworkToMain, PeerStats, PlainMember, WireMemberStatus } from './messages.js'
import { PROTOCOL_VERSION, wire, type WireEnvelope, type WireHandshake, type WireMember } from './wire.js'

const STATUS_TO_WIRE: Record<WireMemberStatus, number> = {
  joining: wire.MemberStatus.JOINING,
  up: wire.MemberStatus.UP,
  leaving: wire.MemberStatus.LEAVING,
  down: wire.MemberStatus.DOWN,
  removed: wire.MemberStatus.REMOVED,
}
const WIRE_TO_STATUS: WireMemberStatus[] = ['joining', 'up', 'leaving', 'down', 'removed']

/** Protobuf bytes per envelope besides its payload, a safe upper bound for batch sizing. */
const ENVELOPE_OVERHEAD = 32

/** How long a connection may take to open (dialling) or to say hello (accepting), ms. */
const HANDSHAKE_TIMEOUT_MS = 5_000

/** A TLS handshake that failed on the certificates: the peer is not one of ours (or we are not one of its). */
const TLS_REFUSED = /certificate|self[- ]signed|unable to verify|SSL|TLS|alert/i

/** Kinds of frames the user lane carries; every other known kind goes on the system lane. */
const isUserKind = (kind: number): boolean => kind === F_TELL || kind === F_ASK
const LAST_KIND = F_FAIL_MANY

/** Frames answered by a REPLY or FAIL: when they cannot be sent, their origin hears at once. */
const expectsAnswer = (kind: number): boolean => kind === F_ASK || kind === F_STOP || kind === F_DESCRIBE

/** Another node as this thread sees it: its outbound connections and what waits to be sent. */
class PeerLink {
  advertise = ''
  readonly conns: [Connection | null, Connection | null] = [null, null]
  readonly pending: [WireEnvelope[], WireEnvelope[]] = [[], []]
  readonly pendingBytes = [0, 0]
  lost: string | null = null
  lastHeartbeatAt: number | null = null
  rttMs: number | null = null
  messagesOut = 0
  messagesIn = 0
  bytesIn = 0
  framesIn = 0
  dropped = 0
  /** Bytes and frames of outbound connections that closed (kept for the counters). */
  closedBytesOut = 0
  closedFramesOut = 0

  constructor(
    readonly node: NodeAddress,
    readonly slot: number,
  ) {}

  ready(lane: LaneIndex): boolean {
    return this.conns[lane]?.ready === true
  }

  state(lane: LaneIndex): ConnectionState {
    const c = this.conns[lane]
    if (c === null) return this.lost !== null ? 'closed' : 'none'
    return c.ready ? 'up' : c.closed ? 'closed' : 'connecting'
  }
}

export class NetworkThread {
  private readonly log: Logger
  private readonly links: (Link | undefined)[] = []
  private readonly signals: (ThreadSignal | undefined)[] = []
  private readonly inbox: Inbox
  private readonly slotNodes: NodeAddress[] = []
  private readonly peersBySlot: (PeerLink | undefined)[] = []
  private readonly peersByKey = new Map<string, PeerLink>()
  private readonly lostSlots = new Map<number, string>()
  private readonly lostThreads = new Set<number>()
  /** Dials in progress, by URL (one at a time per URL). */
  private readonly dialing = new Set<string>()
  private readonly inbound = new Set<Connection>()
  private readonly dirty = new Set<PeerLink>()
  private readonly rejected: Record<string, number> = {}
  private server: HttpServer | null = null
  private wss: WebSocketServer | null = null
  private port = 0
  private advertise = ''
  private heartbeatTimer: NodeJS.Timeout | null = null
  private heartbeatSeq = 0
  private closing = false
  /** Scratch space where an envelope gets its routing header back before it enters a ring. */
  private scratch = new Uint8Array(4096)
  private droppedWarnAt = 0

  constructor(
    private readonly init: WorkerInit,
    private readonly config: NetworkConfig,
    private readonly main: ControlChannel<NetworkToMain>,
  ) {
    this.log = consoleLogger(config.logLevel, { system: config.name, nodeId: config.node.id, thread: init.thread, role: 'network' })
    const signal = ThreadSignal.attach(init.signals[init.thread] as SharedArrayBuffer)
    // Never spins: its event loop serves sockets.
    this.inbox = new Inbox(signal, { spinMicros: 0 }, this.onRingFrame, this.flush)
    this.inbox.wakeProducer = (thread) => this.signals[thread]?.wake()
    for (const key of Object.keys(init.outbound)) {
      const thread = Number(key)
      this.connectThread(thread, init.outbound[thread] as never, init.inbound[thread] as never, init.signals[thread] as SharedArrayBuffer)
    }
  }

  private connectThread(thread: number, outbound: { sys: SharedArrayBuffer; user: SharedArrayBuffer }, inbound: { sys: SharedArrayBuffer; user: SharedArrayBuffer }, sab: SharedArrayBuffer): void {
    const signal = ThreadSignal.attach(sab)
    this.signals[thread] = signal
    const sys = SpscRing.attach(outbound.sys)
    const user = SpscRing.attach(outbound.user)
    const existing = this.links[thread]
    if (existing !== undefined) existing.reset(sys, user, signal)
    else {
      const link = new Link(thread, sys, user, signal, this.init.options.outboxLimit, () => this.inbox.wakeSoon())
      link.deferWakes = true
      this.links[thread] = link
    }
    this.inbox.attach(thread, SpscRing.attach(inbound.sys), SpscRing.attach(inbound.user))
  }

  start(): void {
    this.inbox.start()
    this.heartbeatTimer = setInterval(() => this.sendHeartbeats(), this.config.heartbeatIntervalMs)
  }

  // ------------------------------------------------------------------ control

  /** Rings every thread that deferred writes left waiting (see `Link.deferWakes`). */
  private wakeThreads(): void {
    for (const l of this.links) l?.wakeNow()
  }

  /** Control messages from the main thread: the runtime's (shared with actor workers) and remoting's own. */
  onControl(m: MainToWorker | MainToNetwork): unknown {
    try {
      return this.control(m)
    } finally {
      // Frames failed on the spot (a node forgotten, say) went into rings with deferred wakes.
      this.wakeThreads()
    }
  }

  private control(m: MainToWorker | MainToNetwork): unknown {
    switch (m.t) {
      case 'listen':
        return this.listen()
      case 'dial':
        this.dial(m.url)
        return undefined
      case 'gossip':
        this.broadcastSystem({ gossip: { members: m.members.map(toWireMember) } })
        return undefined
      case 'forget':
        this.forget(m.node, m.reason)
        return undefined
      case 'leave':
        return this.leave()
      case 'peerStats':
        return this.stats()
      case 'nodeSlot':
        this.slotNodes[m.slot] = m.node
        return undefined
      case 'nodeLost':
        this.markSlotLost(m.slot, m.reason)
        return undefined
      case 'peerLost':
        this.lostThreads.add(m.thread)
        return undefined
      case 'peerReplaced':
        this.connectThread(m.thread, m.outbound, m.inbound, m.signal)
        return undefined
      case 'peerRestored':
        this.lostThreads.delete(m.thread)
        return undefined
      case 'shutdown':
        return this.shutdown()
      default:
        return undefined
    }
  }

  private listen(): Promise<{ port: number; advertise: string }> {
    const c = this.config
    const server =
      c.tls === null
        ? createHttpServer()
        : createHttpsServer({
            cert: c.tls.cert,
            key: c.tls.key,
            ...(c.tls.ca !== undefined ? { ca: c.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
          })
    this.server = server
    const wss = new WebSocketServer({ server, maxPayload: c.maxFrameBytes + 1024, perMessageDeflate: false })
    this.wss = wss
    wss.on('connection', (ws, req) => this.accept(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`))
    wss.on('error', (e) => this.log.error({ err: e }, 'ws server error'))
    // Only WebSocket upgrades are served: a plain HTTP request would get no answer and hold its socket as long as the client likes.
    server.on('request', (req, res) => {
      this.count('malformed')
      this.log.warn({ from: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`, method: req.method, url: req.url }, 'plain HTTP request refused')
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close', upgrade: 'websocket' })
      res.end('the coerce-ts cluster port takes WebSocket connections only\n')
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(c.listenPort, c.listenHost, () => {
        server.off('error', reject)
        server.on('error', (e) => this.log.error({ err: e }, 'server error'))
        this.port = (server.address() as AddressInfo).port
        const host = c.listenHost === '0.0.0.0' || c.listenHost === '::' ? '127.0.0.1' : c.listenHost
        this.advertise = c.advertise ?? `${c.tls === null ? 'ws' : 'wss'}://${host.includes(':') ? `[${host}]` : host}:${this.port}`
        resolve({ port: this.port, advertise: this.advertise })
      })
    })
  }

  private async shutdown(): Promise<boolean> {
    this.closing = true
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer)
    this.flush()
    for (const p of this.peersByKey.values()) for (const c of p.conns) c?.close('normal', 'node shutting down')
    for (const c of this.inbound) c.close('normal', 'node shutting down')
    this.inbox.stop()
    const server = this.server
    if (server !== null) {
      this.wss?.close()
      server.closeAllConnections?.()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    return true
  }

  // ------------------------------------------------------------------ handshakes

  private handshake(lane: LaneIndex): WireHandshake {
    const now = Date.now()
    return {
      protocolVersion: PROTOCOL_VERSION,
      node: { id: this.config.node.id, incarnation: this.config.node.incarnation },
      advertise: this.advertise,
      startedAt: this.config.startedAt,
      lane: lane === LANE_SYSTEM ? wire.Lane.SYSTEM : wire.Lane.USER,
      timestamp: now,
      token: makeToken(this.config.secret, this.config.node, now),
    }
  }

  /** Checks the other side's handshake: null when acceptable, else why not. */
  private checkHandshake(hs: WireHandshake): { reason: CloseReason; text: string } | null {
    if (hs.protocolVersion !== PROTOCOL_VERSION) {
      return {
        reason: 'incompatibleProtocol',
        text: `protocol version ${String(hs.protocolVersion)} there, ${PROTOCOL_VERSION} here: upgrade the older node`,
      }
    }
    if (hs.node?.id === undefined || hs.node.id === null || hs.node.id === '') return { reason: 'malformed', text: 'handshake without a node id' }
    // Every member is dialled back at its advertise URL: without one, it would stay a joining member no one can reach.
    if (hs.advertise === undefined || hs.advertise === null || hs.advertise === '') return { reason: 'malformed', text: 'handshake without an advertise address' }
    const bad = checkToken(this.config.secret, hs, Date.now(), this.config.tokenTtlMs)
    if (bad !== null) return { reason: 'authFailed', text: bad }
    return null
  }

  private count(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1
  }

  /** A connection another node opened: it must say hello first. */
  private accept(ws: WebSocket, where: string): void {
    const conn = new Connection(ws, false, where)
    this.inbound.add(conn)
    let identified = false
    // A connection that never says hello would hold a socket for good.
    const helloTimer = setTimeout(() => {
      if (!identified && !conn.closed) this.reject(conn, 'malformed', `no hello within ${HANDSHAKE_TIMEOUT_MS} ms`)
    }, HANDSHAKE_TIMEOUT_MS)
    ws.on('error', (e) => {
      const reason = /max payload|too big/i.test(e.message) ? 'tooLarge' : 'malformed'
      this.count(reason)
      this.log.warn({ from: where, node: conn.node === null ? undefined : nodeKey(conn.node), err: e.message }, `connection closed: ${reason}`)
    })
    ws.on('close', () => {
      clearTimeout(helloTimer)
      conn.closed = true
      conn.ready = false
      this.inbound.delete(conn)
    })
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (conn.closed) return
      const bytes = conn.received(data)
      let frame: ReturnType<typeof wire.Frame.decode>
      try {
        if (!isBinary || !Buffer.isBuffer(bytes)) throw new Error('a text message')
        frame = wire.Frame.decode(bytes)
      } catch (e) {
        this.reject(conn, 'malformed', `undecodable frame (${(e as Error).message})`)
        return
      }
      if (!identified) {
        if (frame.body !== 'hello' || frame.hello == null) {
          this.reject(conn, 'malformed', `expected a hello first, got ${String(frame.body)}`)
          return
        }
        identified = true
        clearTimeout(helloTimer)
        this.onHello(conn, frame.hello)
        return
      }
      if (!conn.ready) {
        this.reject(conn, 'malformed', 'frame before the handshake completed')
        return
      }
      this.onInboundFrame(conn, frame, bytes.length)
    })
  }

  private reject(conn: Connection, reason: CloseReason, text: string): void {
    this.count(reason)
    this.log.warn({ from: conn.where, node: conn.node === null ? undefined : nodeKey(conn.node), reason, why: text }, 'connection refused')
    conn.close(reason, text)
  }

  private onHello(conn: Connection, hello: WireHandshake): void {
    const problem = this.checkHandshake(hello)
    if (problem !== null) {
      this.reject(conn, problem.reason, problem.text)
      return
    }
    const node = toNode(hello.node)
    conn.node = node
    conn.lane = hello.lane === wire.Lane.USER ? LANE_USER : LANE_SYSTEM
    this.main
      .request<number>({ t: 'peer', node, advertise: hello.advertise ?? '', startedAt: hello.startedAt ?? 0 })
      .then((slot) => {
        if (conn.closed) return
        conn.slot = slot
        this.slotNodes[slot] = node
        conn.sendFrame({ welcome: this.handshake(conn.lane) })
        conn.ready = true
      })
      .catch((e: unknown) => this.reject(conn, 'removed', (e as Error).message))
  }

  /** Frames on an accepted connection: the other node's envelopes, heartbeats and membership. */
  private onInboundFrame(conn: Connection, frame: ReturnType<typeof wire.Frame.decode>, size: number): void {
    const node = conn.node as NodeAddress
    const peer = this.peersByKey.get(nodeKey(node))
    if (peer !== undefined) {
      peer.bytesIn += size
      peer.framesIn++
    }
    switch (frame.body) {
      case 'batch':
        this.deliverBatch(conn, frame.batch?.envelopes ?? [], peer)
        this.wakeThreads()
        return
      case 'heartbeat':
        if (conn.lane !== LANE_SYSTEM) break
        conn.sendFrame({ heartbeatAck: { seq: frame.heartbeat?.seq ?? 0, sentAt: frame.heartbeat?.sentAt ?? 0 } })
        return
      case 'gossip':
        if (conn.lane !== LANE_SYSTEM) break
        this.main.post({ t: 'gossip', from: node, members: (frame.gossip?.members ?? []).map(fromWireMember) })
        return
      case 'leave':
        if (conn.lane !== LANE_SYSTEM) break
        this.main.post({ t: 'left', node })
        return
      case 'close':
        this.log.info({ node: nodeKey(node), reason: frame.close?.reason }, 'peer closes a connection')
        return
      default:
        break
    }
    this.reject(conn, 'malformed', `unexpected ${String(frame.body)} frame on an accepted ${conn.lane === LANE_USER ? 'user' : 'system'} connection`)
  }

  /** Envelopes from another node into this node's rings, each behind its routing header again. */
  private deliverBatch(conn: Connection, envelopes: WireEnvelope[], peer: PeerLink | undefined): void {
    const last = this.init.workers
    for (let i = 0; i < envelopes.length; i++) {
      const e = envelopes[i] as WireEnvelope
      const kind = e.kind ?? 0
      const target = e.targetThread ?? 0
      const payload = e.payload ?? EMPTY
      const user = conn.lane === LANE_USER
      if (kind < 1 || kind > LAST_KIND || isUserKind(kind) !== user || target > last || payload.length === 0) {
        this.reject(conn, 'malformed', `bad envelope (kind ${kind}, thread ${target}, ${payload.length} bytes) on the ${user ? 'user' : 'system'} lane`)
        return
      }
      if (peer !== undefined) peer.messagesIn++
      const size = FRAME_HEADER_BYTES + payload.length
      if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, this.scratch.length * 2))
      const buf = this.scratch
      writeFrameHeader(buf, 0, kind, peerId(conn.slot, e.originThread ?? 0), target, e.requestId ?? 0)
      buf.set(payload, FRAME_HEADER_BYTES)
      const link = this.links[target]
      if (link === undefined || link.isDead || this.lostThreads.has(target)) {
        if (expectsAnswer(kind)) this.answerFailure(conn.slot, e, 'WorkerLost', `the thread ${target} hosting the actor is gone`)
        continue
      }
      if (!user) {
        link.writeSystem(buf, 0, size)
        continue
      }
      if (link.writeUser(buf, 0, size) === FULL) {
        // Backpressure: the thread's outbox is at its limit; stop reading this socket until it moved on.
        conn.ws.pause()
        link.waitForRoom(buf, 0, size, () => conn.ws.resume(), () => conn.ws.resume())
      }
    }
  }

  /** Answers a frame that expected a reply, from its header alone (the payload stays opaque). */
  private answerFailure(fromSlot: number, e: WireEnvelope, code: 'WorkerLost' | 'NodeUnreachable', why: string): void {
    const requestId = e.requestId ?? 0
    if (requestId === 0) return
    const origin = e.originThread ?? 0
    const bytes = failureFrame(requestId, code, why)
    // Back to the other node: through its system lane.
    const peer = this.peersBySlot[fromSlot]
    if (peer === undefined) return
    this.enqueue(peer, LANE_SYSTEM, {
      kind: F_FAIL,
      originThread: e.targetThread ?? 0,
      targetThread: origin,
      requestId,
      payload: bytes.slice(bytes.start + FRAME_HEADER_BYTES, bytes.end),
    })
    // Queued from a socket event, not from a drain: without a wake-up the answer would wait for
    // the next frame some thread of this node happens to send.
    this.inbox.wakeSoon()
  }

  // ------------------------------------------------------------------ dialling

  /** Opens this node's two connections to the node at `url` (system first, then user). */
  private dial(url: string): void {
    if (this.closing || this.dialing.has(url)) return
    for (const p of this.peersByKey.values()) if (p.advertise === url && p.lost === null && p.conns[LANE_SYSTEM] !== null && !p.conns[LANE_SYSTEM].closed) return
    this.dialing.add(url)
    this.open(url, LANE_SYSTEM, null, (failure, reason, peer) => {
      if (failure !== null || peer === null) {
        this.dialing.delete(url)
        this.main.post({ t: 'dialFailed', url, failure: failure ?? 'closed', reason })
        return
      }
      this.open(url, LANE_USER, peer, (f2, r2) => {
        this.dialing.delete(url)
        if (f2 !== null) {
          this.closePeerConns(peer, 'normal', 'user connection failed')
          this.main.post({ t: 'dialFailed', url, failure: f2, reason: r2 })
          return
        }
        this.main.post({ t: 'connected', node: peer.node, url })
        this.dirty.add(peer)
        this.inbox.wakeSoon()
      })
    })
  }

  /**
   * One outbound connection: hello, the other side's welcome checked, the node numbered by the
   * main thread. `expect`: the peer a user connection must reach (the system one named it).
   */
  private open(url: string, lane: LaneIndex, expect: PeerLink | null, done: (failure: DialFailure | null, reason: string, peer: PeerLink | null) => void): void {
    const c = this.config
    let ws: WebSocket
    try {
      ws = new WebSocket(url, {
        maxPayload: c.maxFrameBytes + 1024,
        perMessageDeflate: false,
        // Masking guards browsers' proxies, not node-to-node links: an all-zero mask makes ws
        // skip the XOR on both ends (about 15% of a busy network thread).
        generateMask: zeroMask,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        ...(c.tls !== null ? { ca: c.tls.ca ?? undefined, cert: c.tls.cert, key: c.tls.key } : {}),
      })
    } catch (e) {
      done('unreachable', (e as Error).message, null)
      return
    }
    const conn = new Connection(ws, true, url)
    conn.lane = lane
    let settled = false
    const finish = (failure: DialFailure | null, reason: string, peer: PeerLink | null): void => {
      if (settled) return
      settled = true
      done(failure, reason, peer)
    }
    let lastError = ''
    ws.on('error', (e) => {
      lastError = e.message
    })
    ws.on('open', () => conn.sendFrame({ hello: this.handshake(lane) }))
    ws.on('close', (code, why) => {
      conn.closed = true
      const wasReady = conn.ready
      conn.ready = false
      const reason = closeReasonOf(code)
      const text = why.toString() || lastError || `closed (${code})`
      if (!settled) {
        finish(dialFailureOf(reason) ?? (conn.framesIn === 0 && lastError !== '' ? (TLS_REFUSED.test(lastError) ? 'authFailed' : 'unreachable') : 'closed'), text, null)
        return
      }
      if (wasReady && conn.node !== null) this.onOutboundClosed(conn, text)
    })
    ws.on('message', (data: RawData) => {
      // Closed on this side (forgotten, or a failed handshake): what still arrives, typically the
      // other side's own Close frame, is no refusal of a handshake and must not be counted as one.
      if (conn.closed) return
      const bytes = conn.received(data)
      let frame: ReturnType<typeof wire.Frame.decode>
      try {
        frame = wire.Frame.decode(bytes)
      } catch (e) {
        conn.close('malformed', `undecodable frame (${(e as Error).message})`)
        finish('closed', 'undecodable frame from the peer', null)
        return
      }
      if (conn.ready) {
        if (frame.body === 'heartbeatAck') this.onHeartbeatAck(conn, frame.heartbeatAck?.sentAt ?? 0)
        else if (frame.body === 'close') this.log.info({ url, reason: frame.close?.reason }, 'peer closes a connection')
        return
      }
      if (frame.body === 'close') {
        const code = frame.close?.code ?? 0
        const text = frame.close?.reason ?? ''
        this.count(code === wire.CloseCode.AUTH_FAILED ? 'authFailed' : code === wire.CloseCode.INCOMPATIBLE_PROTOCOL ? 'incompatibleProtocol' : 'refused')
        this.log.warn({ url, reason: text }, 'the peer refused the connection')
        finish(dialFailureOf(closeReasonOf(4000 + code)) ?? 'closed', text, null)
        return
      }
      if (frame.body !== 'welcome' || frame.welcome == null) {
        conn.close('malformed', 'expected a welcome')
        finish('closed', 'the peer answered the hello with something else', null)
        return
      }
      const problem = this.checkHandshake(frame.welcome)
      if (problem !== null) {
        this.count(problem.reason)
        this.log.warn({ url, reason: problem.reason, why: problem.text }, 'refusing the peer')
        conn.close(problem.reason, problem.text)
        finish(dialFailureOf(problem.reason) ?? 'closed', problem.text, null)
        return
      }
      const node = toNode(frame.welcome.node)
      conn.node = node
      if (sameNode(node, this.config.node)) {
        conn.close('normal', 'this is myself')
        finish('closed', 'dialled itself', null)
        return
      }
      if (expect !== null) {
        if (!sameNode(expect.node, node)) {
          conn.close('normal', 'another node answered')
          finish('closed', `expected ${nodeKey(expect.node)} at ${url}, found ${nodeKey(node)}`, null)
          return
        }
        this.attach(expect, lane, conn)
        finish(null, '', expect)
        return
      }
      const welcome = frame.welcome
      this.main
        .request<number>({ t: 'peer', node, advertise: welcome.advertise ?? url, startedAt: welcome.startedAt ?? 0 })
        .then((slot) => {
          if (conn.closed) {
            finish('closed', 'closed during the handshake', null)
            return
          }
          const peer = this.peerFor(slot, node)
          if (peer.ready(LANE_SYSTEM)) {
            conn.close('duplicate', 'already connected')
            finish('closed', 'already connected', null)
            return
          }
          peer.advertise = welcome.advertise ?? url
          this.attach(peer, lane, conn)
          finish(null, '', peer)
        })
        .catch((e: unknown) => {
          conn.close('removed', (e as Error).message)
          finish('removed', (e as Error).message, null)
        })
    })
  }

  private attach(peer: PeerLink, lane: LaneIndex, conn: Connection): void {
    const old = peer.conns[lane]
    if (old !== null) {
      peer.closedBytesOut += old.bytesOut
      peer.closedFramesOut += old.framesOut
    }
    conn.slot = peer.slot
    conn.ready = true
    peer.conns[lane] = conn
  }

  private onOutboundClosed(conn: Connection, reason: string): void {
    const peer = this.peersByKey.get(nodeKey(conn.node as NodeAddress))
    if (peer === undefined || peer.conns[conn.lane] !== conn) return
    this.closePeerConns(peer, 'normal', 'the other connection closed')
    if (!this.closing && peer.lost === null) {
      this.log.info({ node: nodeKey(peer.node), reason }, 'connection to peer lost')
      this.main.post({ t: 'disconnected', node: peer.node, reason })
    }
  }

  private closePeerConns(peer: PeerLink, reason: CloseReason, text: string): void {
    for (const lane of [LANE_SYSTEM, LANE_USER] as const) {
      const c = peer.conns[lane]
      if (c === null) continue
      c.close(reason, text)
      peer.closedBytesOut += c.bytesOut
      peer.closedFramesOut += c.framesOut
      peer.conns[lane] = null
    }
  }

  private peerFor(slot: number, node: NodeAddress): PeerLink {
    const key = nodeKey(node)
    let peer = this.peersByKey.get(key)
    if (peer === undefined) {
      peer = new PeerLink(node, slot)
      this.peersByKey.set(key, peer)
      this.peersBySlot[slot] = peer
      this.slotNodes[slot] = node
    }
    return peer
  }

  // ------------------------------------------------------------------ outbound frames

  /** A frame from a thread of this node for another node: queued for that peer's next batch. */
  private readonly onRingFrame = (_from: number, system: boolean, data: Uint8Array, start: number, end: number): boolean => {
    if (end - start < FRAME_HEADER_BYTES) return true
    const slot = (data[start + 6] as number) | ((data[start + 7] as number) << 8)
    const env: WireEnvelope = {
      kind: frameKind(data, start),
      originThread: threadOfPeer(frameOrigin(data, start)),
      targetThread: (data[start + 8] as number) | ((data[start + 9] as number) << 8),
      requestId: frameRequestId(data, start),
      payload: Uint8Array.prototype.slice.call(data, start + FRAME_HEADER_BYTES, end),
    }
    const lost = this.lostSlots.get(slot)
    const node = this.slotNodes[slot]
    if (slot === 0 || lost !== undefined || node === undefined) {
      this.undeliverable(null, env, lost ?? (slot === 0 ? 'this node (misrouted)' : 'not known here'))
      return true
    }
    const peer = this.peersBySlot[slot] ?? this.peerFor(slot, node)
    const lane = system ? LANE_SYSTEM : LANE_USER
    if (lane === LANE_USER && !peer.ready(LANE_USER) && peer.pending[LANE_USER].length >= this.config.sendBufferFrames) {
      this.undeliverable(peer, env, `not connected, and its send buffer (${this.config.sendBufferFrames} frames) is full`)
      return true
    }
    this.enqueue(peer, lane, env)
    return true
  }

  private enqueue(peer: PeerLink, lane: LaneIndex, env: WireEnvelope): void {
    peer.pending[lane].push(env)
    peer.pendingBytes[lane] = (peer.pendingBytes[lane] as number) + (env.payload as Uint8Array).length + ENVELOPE_OVERHEAD
    this.dirty.add(peer)
    // A full batch goes now; the rest waits for the end of this drain.
    if ((peer.pendingBytes[lane] as number) >= this.config.maxFrameBytes && peer.ready(lane)) this.sendPending(peer, lane)
  }

  /** A frame that cannot reach its node: its origin hears at once if it waits for an answer; tells are counted. */
  private undeliverable(peer: PeerLink | null, env: WireEnvelope, why: string): void {
    if (peer !== null) peer.dropped++
    const node = peer === null ? 'the node' : `node ${nodeKey(peer.node)}`
    if (expectsAnswer(env.kind ?? 0)) {
      const requestId = env.requestId ?? 0
      const origin = env.originThread ?? 0
      const bytes = failureFrame(requestId, 'NodeUnreachable', `${node} is ${why}`)
      writeFrameHeader(bytes, bytes.start, F_FAIL, peerId(peer?.slot ?? 0, env.targetThread ?? 0), origin, requestId)
      this.links[origin]?.writeSystem(bytes, bytes.start, bytes.end)
      return
    }
    const now = Date.now()
    if (now - this.droppedWarnAt > 1000) {
      this.droppedWarnAt = now
      this.log.warn({ node, kind: env.kind, why }, 'messages to another node dropped (counted in coerce_remote_dropped_total)')
    }
  }

  /** After each drain: one batch per peer and lane that has frames and a connection; ring backlogs too. */
  private readonly flush = (): number => {
    let moved = 0
    for (const l of this.links) {
      if (l === undefined) continue
      if (l.backlog > 0) moved += l.flush()
      l.wakeNow()
    }
    if (this.dirty.size === 0) return moved
    for (const peer of this.dirty) {
      let left = false
      for (const lane of [LANE_SYSTEM, LANE_USER] as const) {
        if (peer.pending[lane].length === 0) continue
        if (peer.ready(lane)) moved += this.sendPending(peer, lane)
        else left = true
      }
      if (!left) this.dirty.delete(peer)
    }
    return moved
  }

  private sendPending(peer: PeerLink, lane: LaneIndex): number {
    const conn = peer.conns[lane] as Connection
    const all = peer.pending[lane]
    peer.pending[lane] = []
    peer.pendingBytes[lane] = 0
    const limit = this.config.maxFrameBytes
    let batch: WireEnvelope[] = []
    let bytes = 0
    for (const env of all) {
      const size = (env.payload as Uint8Array).length + ENVELOPE_OVERHEAD
      if (batch.length > 0 && bytes + size > limit) {
        conn.sendFrame({ batch: { envelopes: batch } })
        batch = []
        bytes = 0
      }
      batch.push(env)
      bytes += size
    }
    if (batch.length > 0) conn.sendFrame({ batch: { envelopes: batch } })
    peer.messagesOut += all.length
    return all.length
  }

  // ------------------------------------------------------------------ membership plumbing

  private broadcastSystem(body: Parameters<Connection['sendFrame']>[0]): number {
    const frame = wire.Frame.encode(body).finish()
    let n = 0
    for (const p of this.peersByKey.values()) {
      const c = p.conns[LANE_SYSTEM]
      if (c?.ready === true) {
        c.send(frame)
        n++
      }
    }
    return n
  }

  private sendHeartbeats(): void {
    const sentAt = performance.timeOrigin + performance.now()
    this.broadcastSystem({ heartbeat: { seq: ++this.heartbeatSeq, sentAt } })
  }

  private onHeartbeatAck(conn: Connection, sentAt: number): void {
    const peer = this.peersByKey.get(nodeKey(conn.node as NodeAddress))
    if (peer === undefined) return
    const now = performance.timeOrigin + performance.now()
    peer.lastHeartbeatAt = now
    peer.rttMs = now - sentAt
    this.main.post({ t: 'heartbeat', node: peer.node, rttMs: peer.rttMs })
  }

  /** The node is down or left: close its connections, fail what waits for it, never serve its slot again. */
  private forget(node: NodeAddress, reason: string): void {
    const peer = this.peersByKey.get(nodeKey(node))
    if (peer === undefined) return
    this.markSlotLost(peer.slot, reason)
    for (const c of this.inbound) if (c.node !== null && sameNode(c.node, node)) c.close('removed', `this node run is ${reason}`)
  }

  private markSlotLost(slot: number, reason: string): void {
    this.lostSlots.set(slot, reason)
    const peer = this.peersBySlot[slot]
    if (peer === undefined || peer.lost !== null) return
    peer.lost = reason
    this.closePeerConns(peer, 'normal', `node ${reason}`)
    for (const lane of [LANE_SYSTEM, LANE_USER] as const) {
      for (const env of peer.pending[lane]) this.undeliverable(peer, env, reason)
      peer.pending[lane] = []
      peer.pendingBytes[lane] = 0
    }
    this.dirty.delete(peer)
  }

  /** A graceful leave: every peer hears it on its system connection before this node goes. */
  private leave(): Promise<number> {
    const frame = wire.Frame.encode({ leave: { node: { id: this.config.node.id, incarnation: this.config.node.incarnation } } }).finish()
    const sent: Promise<void>[] = []
    for (const p of this.peersByKey.values()) {
      const c = p.conns[LANE_SYSTEM]
      if (c?.ready !== true) continue
      sent.push(new Promise<void>((resolve) => c.send(frame, () => resolve())))
    }
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise((r) => (timer = setTimeout(r, 1000)))
    return Promise.race([Promise.all(sent), bound]).then(() => {
      clearTimeout(timer)
      return sent.length
    })
  }

  // ------------------------------------------------------------------ statistics

  private stats(): NetworkStats {
    const peers: PeerStats[] = []
    for (const p of this.peersByKey.values()) {
      let bytesOut = p.closedBytesOut
      let framesOut = p.closedFramesOut
      for (const c of p.conns) {
        bytesOut += c?.bytesOut ?? 0
        framesOut += c?.framesOut ?? 0
      }
      peers.push({
        node: p.node,
        advertise: p.advertise,
        system: p.state(LANE_SYSTEM),
        user: p.state(LANE_USER),
        lastHeartbeatAt: p.lastHeartbeatAt,
        rttMs: p.rttMs,
        bytesOut,
        bytesIn: p.bytesIn,
        framesOut,
        framesIn: p.framesIn,
        messagesOut: p.messagesOut,
        messagesIn: p.messagesIn,
        dropped: p.dropped,
        queued: (p.pending[0]?.length ?? 0) + (p.pending[1]?.length ?? 0),
      })
    }
    return { port: this.port, peers, rejected: { ...this.rejected } }
  }
}

const EMPTY = new Uint8Array(0)

/** The F_FAIL frame that answers request `requestId` with a typed error, header space left free. */
function failureFrame(requestId: number, code: 'WorkerLost' | 'NodeUnreachable', why: string): Encoded {
  return encodeFrame([F_FAIL, requestId, errorToData(new ActorRefError(code, why))])
}

/** What a refusal the protocol names means for a dial; null for the others. */
function dialFailureOf(reason: CloseReason | null): DialFailure | null {
  return reason === 'authFailed' || reason === 'incompatibleProtocol' || reason === 'removed' ? reason : null
}

function zeroMask(mask: Uint8Array): void {
  mask.fill(0)
}

function toNode(n: { id?: string | null; incarnation?: number | null } | null | undefined): NodeAddress {
  return { id: n?.id ?? '', incarnation: n?.incarnation ?? 0 }
}

function toWireMember(m: PlainMember): WireMember {
  return { node: { id: m.node.id, incarnation: m.node.incarnation }, advertise: m.advertise, status: STATUS_TO_WIRE[m.status], startedAt: m.startedAt }
}

function fromWireMember(m: { node?: { id?: string | null; incarnation?: number | null } | null; advertise?: string | null; status?: number | null; startedAt?: number | null }): PlainMember {
  return { node: toNode(m.node), advertise: m.advertise ?? '', status: WIRE_TO_STATUS[m.status ?? 0] ?? 'joining', startedAt: m.startedAt ?? 0 }
}

/** Starts the network thread from its start-up data. Called by workers/network-worker.ts. */
export function runNetworkThread(init: WorkerInit, port: MessagePort): void {
  let thread: NetworkThread | null = null
  const control = new ControlChannel<NetworkToMain>(port, (m) => (thread as NetworkThread).onControl(m as MainToWorker | MainToNetwork))
  try {
    thread = new NetworkThread(init, init.data as NetworkConfig, control)
    thread.start()
    port.postMessage({ t: 'ready' })
  } catch (e) {
    port.postMessage({ t: 'fatal', error: errorToData(e) })
  }
}
