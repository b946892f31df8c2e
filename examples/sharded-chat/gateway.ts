/**
 * The chat gateway of one node: an HTTP server (the static page at `/`) with a WebSocket
 * endpoint at `/ws` speaking the JSON protocol of docs/chat.md.
 *
 * A client may connect to any node. The gateway asks the stream's `ChatStream` entity (wherever
 * its shard lives) to join, post and leave, and holds one pub/sub subscription to the topic
 * `chat` per stream key it has sockets for (made on the first join, dropped when the last socket
 * leaves). Live messages go to the local sockets in `seq` order: a message that skips a number
 * (pub/sub is at most once, and a subscription takes a round trip to reach the publisher) makes
 * the gateway fetch the missing ones from the stream first. Bad input gets an `error` frame; the
 * connection stays open.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import { consoleLogger, type ActorSystem, type Logger, type ShardRegion, type Subscription } from '../../lib/index.js'
import type { ChatStream } from './chat-stream.js'
import { CHAT_PAGE } from './page.js'
import { ChatError, chatTopic, checkStream, checkText, checkUser, isChatError, MAX_FRAME_BYTES, type ChatErrorCode, type ChatMessage, type ServerFrame } from './protocol.js'

export interface ChatGatewayOptions {
  /** TCP port (0: any free one). */
  port: number
  /** Address to listen on. Default `0.0.0.0`. */
  host?: string
  /** How long an ask to a stream may take (it waits while the stream's node is being replaced). Default 15 000. */
  askTimeoutMs?: number
  logger?: Logger
}

export interface ChatGateway {
  /** `http://host:port` the gateway listens on. */
  readonly url: string
  readonly port: number
  /** Closes every socket (1001, "going away"), the server and the subscriptions. */
  stop(): Promise<void>
}

/** Frames above this close the connection (ws's own limit, 1009); between MAX_FRAME_BYTES and this they get `frame_too_large`. */
const HARD_FRAME_LIMIT = 1024 * 1024
/** A socket that has this much unsent data is too slow to keep up: closed with 1008. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024
/** Recent messages a stream feed keeps for sockets whose history is still on its way. */
const RECENT = 256

interface Member {
  user: string
  /** The last `seq` this socket was sent on this stream. */
  lastSeq: number
  /** False until the history was sent. */
  ready: boolean
}

/** One stream's live messages on this node: its subscription, its sockets, in `seq` order. */
class StreamFeed {
  readonly members = new Map<WebSocket, Member>()
  private subscription: Subscription | undefined
  /** Highest seq seen, contiguous from the history the first join brought (0: no base yet). */
  private lastSeq = 0
  private based = false
  private readonly early: ChatMessage[] = []
  private readonly recent: ChatMessage[] = []
  /** Deliveries and repairs run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve()

  constructor(
    readonly stream: string,
    private readonly gateway: Gateway,
  ) {}

  subscribe(system: ActorSystem): void {
    this.subscription = system.pubsub.subscribe(chatTopic, { key: this.stream }, (m) => this.live(m))
  }

  unsubscribe(): void {
    this.subscription?.unsubscribe()
    this.subscription = undefined
  }

  /** Runs `f` after everything queued before it. */
  private serial(f: () => Promise<void> | void): Promise<void> {
    const next = this.chain.then(f).catch((e: unknown) => this.gateway.log.warn({ err: e, stream: this.stream }, 'chat: feed step failed'))
    this.chain = next
    return next
  }

  /** A message from pub/sub, or the answer to a post made through this node. */
  live(m: ChatMessage): Promise<void> {
    return this.serial(() => this.accept(m))
  }

  private async accept(m: ChatMessage): Promise<void> {
    if (!this.based) {
      this.early.push(m)
      return
    }
    if (m.seq <= this.lastSeq) return
    if (m.seq > this.lastSeq + 1) {
      // A gap: fetch what this node missed, in order, before going on.
      const missing = await this.gateway.streamRef(this.stream).ask('since', this.lastSeq, { timeoutMs: this.gateway.askTimeoutMs })
      for (const x of missing) if (x.seq === this.lastSeq + 1) this.append(x)
      if (m.seq === this.lastSeq + 1) this.append(m)
      return
    }
    this.append(m)
  }

  private append(m: ChatMessage): void {
    this.lastSeq = m.seq
    this.recent.push(m)
    if (this.recent.length > RECENT) this.recent.shift()
    for (const [ws, member] of this.members) {
      if (member.ready && m.seq > member.lastSeq) {
        member.lastSeq = m.seq
        this.gateway.send(ws, { type: 'message', ...m })
      }
    }
  }

  /** After a join's ask answered: sends the history, then what arrived meanwhile, and makes the socket live. */
  joined(ws: WebSocket, member: Member, history: ChatMessage[]): Promise<void> {
    return this.serial(async () => {
      const last = history.at(-1)?.seq ?? 0
      if (!this.based) {
        this.based = true
        this.lastSeq = last
        this.recent.push(...history.slice(-RECENT))
        const early = this.early.splice(0).sort((a, b) => a.seq - b.seq)
        for (const m of early) await this.accept(m)
      } else if (last > this.lastSeq) {
        // The history is newer than the feed (pub/sub missed messages): take them.
        for (const m of history) if (m.seq === this.lastSeq + 1) this.append(m)
      }
      if (this.members.get(ws) !== member) return // left or closed meanwhile
      member.lastSeq = last
      this.gateway.send(ws, { type: 'history', stream: this.stream, messages: history })
      for (const m of this.recent) {
        if (m.seq > member.lastSeq) {
          member.lastSeq = m.seq
          this.gateway.send(ws, { type: 'message', ...m })
        }
      }
      member.ready = true
    })
  }
}

class Gateway {
  readonly feeds = new Map<string, StreamFeed>()
  /** Per socket, the streams it joined. */
  readonly sockets = new Map<WebSocket, Set<string>>()
  readonly askTimeoutMs: number

  constructor(
    readonly system: ActorSystem,
    readonly region: ShardRegion<ChatStream>,
    readonly log: Logger,
    askTimeoutMs: number,
  ) {
    this.askTimeoutMs = askTimeoutMs
  }

  streamRef(stream: string) {
    return this.region.ref(stream)
  }

  send(ws: WebSocket, frame: ServerFrame): void {
    if (ws.readyState !== WebSocket.OPEN) return
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(1008, 'too slow: the server-side send buffer is full')
      return
    }
    ws.send(JSON.stringify(frame))
  }

  error(ws: WebSocket, code: ChatErrorCode, message: string, request?: string, stream?: string): void {
    this.send(ws, { type: 'error', code, message, ...(request !== undefined ? { request } : {}), ...(stream !== undefined ? { stream } : {}) })
  }

  connected(ws: WebSocket): void {
    this.sockets.set(ws, new Set())
    ws.on('message', (data, isBinary) => this.frame(ws, data, isBinary))
    ws.on('close', () => this.closed(ws))
    ws.on('error', (e) => this.log.debug({ err: e }, 'chat: socket error'))
  }

  private frame(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length
    if (bytes > MAX_FRAME_BYTES) return this.error(ws, 'frame_too_large', `frames are limited to ${MAX_FRAME_BYTES} bytes (got ${bytes})`)
    if (isBinary) return this.error(ws, 'bad_request', 'send JSON text frames, not binary ones')
    let msg: unknown
    try {
      msg = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'))
    } catch {
      return this.error(ws, 'bad_json', 'the frame is not valid JSON')
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return this.error(ws, 'bad_request', 'a frame must be a JSON object with a "type"')
    const req = msg as Record<string, unknown>
    const type = req['type']
    if (typeof type !== 'string') return this.error(ws, 'bad_request', 'a frame must be a JSON object with a "type"')
    const handler = type === 'join' ? this.join : type === 'post' ? this.post : type === 'leave' ? this.leave : undefined
    if (handler === undefined) return this.error(ws, 'unknown_type', `unknown type '${type.slice(0, 40)}': join, post or leave`, type.slice(0, 40))
    for (const field of FIELDS[type as 'join' | 'post' | 'leave']) {
      if (!(field in req)) return this.error(ws, 'bad_request', `'${type}' needs the field '${field}'`, type)
    }
    const stream = typeof req['stream'] === 'string' ? req['stream'] : undefined
    handler.call(this, ws, req).catch((e: unknown) => {
      if (isChatError(e)) return this.error(ws, e.code, e.message, type, stream)
      this.log.warn({ err: e, type, stream }, 'chat: request failed')
      this.error(ws, 'unavailable', `the stream did not answer: ${(e as Error).message ?? String(e)}`, type, stream)
    })
  }

  private async join(ws: WebSocket, req: Record<string, unknown>): Promise<void> {
    const stream = checkStream(req['stream'])
    const user = checkUser(req['user'])
    const streams = this.sockets.get(ws)
    if (streams === undefined) return
    let feed = this.feeds.get(stream)
    if (feed === undefined) {
      feed = new StreamFeed(stream, this)
      this.feeds.set(stream, feed)
      // Subscribe before asking for the history: what is posted meanwhile either is in the
      // history or arrives on the subscription (or shows up as a gap and is fetched).
      feed.subscribe(this.system)
    }
    const member: Member = { user, lastSeq: 0, ready: false }
    feed.members.set(ws, member)
    streams.add(stream)
    let history: ChatMessage[]
    try {
      history = (await this.streamRef(stream).ask('join', user, { timeoutMs: this.askTimeoutMs })).messages
    } catch (e) {
      if (feed.members.get(ws) === member) this.drop(ws, stream)
      throw e
    }
    await feed.joined(ws, member, history)
  }

  private async post(ws: WebSocket, req: Record<string, unknown>): Promise<void> {
    const stream = checkStream(req['stream'])
    const text = checkText(req['text'])
    const member = this.feeds.get(stream)?.members.get(ws)
    if (member === undefined) throw new ChatError('not_joined', `join '${stream}' before posting to it`)
    const message = await this.streamRef(stream).ask('post', member.user, text, { timeoutMs: this.askTimeoutMs })
    await this.feeds.get(stream)?.live(message)
  }

  private async leave(ws: WebSocket, req: Record<string, unknown>): Promise<void> {
    const stream = checkStream(req['stream'])
    const member = this.feeds.get(stream)?.members.get(ws)
    if (member === undefined) throw new ChatError('not_joined', `'${stream}' was not joined on this connection`)
    this.drop(ws, stream)
    this.send(ws, { type: 'left', stream })
    await this.streamRef(stream).ask('leave', member.user, { timeoutMs: this.askTimeoutMs })
  }

  /** Takes the socket out of the stream; the stream's subscription ends with its last socket. */
  private drop(ws: WebSocket, stream: string): Member | undefined {
    this.sockets.get(ws)?.delete(stream)
    const feed = this.feeds.get(stream)
    const member = feed?.members.get(ws)
    if (feed === undefined || member === undefined) return undefined
    feed.members.delete(ws)
    if (feed.members.size === 0) {
      feed.unsubscribe()
      this.feeds.delete(stream)
    }
    return member
  }

  private closed(ws: WebSocket): void {
    for (const stream of [...(this.sockets.get(ws) ?? [])]) {
      const member = this.drop(ws, stream)
      if (member !== undefined) this.streamRef(stream).tell('leave', member.user)
    }
    this.sockets.delete(ws)
  }
}

const FIELDS = { join: ['stream', 'user'], post: ['stream', 'text'], leave: ['stream'] } as const

/** Starts the gateway; resolves once it listens. */
export async function startChatGateway(system: ActorSystem, region: ShardRegion<ChatStream>, options: ChatGatewayOptions): Promise<ChatGateway> {
  const log = options.logger ?? consoleLogger('warn')
  const gateway = new Gateway(system, region, log, options.askTimeoutMs ?? 15_000)
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(req.method === 'HEAD' ? undefined : CHAT_PAGE)
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the page is at /, the WebSocket at /ws\n')
    }
  })
  const wss = new WebSocketServer({ server, path: '/ws', maxPayload: HARD_FRAME_LIMIT })
  wss.on('connection', (ws) => gateway.connected(ws))
  wss.on('error', (e) => log.warn({ err: e }, 'chat: WebSocket server error'))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (e) => log.warn({ err: e }, 'chat: HTTP server error'))
  const port = (server.address() as AddressInfo).port
  const host = options.host === undefined || options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async stop() {
      for (const feed of gateway.feeds.values()) feed.unsubscribe()
      gateway.feeds.clear()
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()))
      for (const ws of wss.clients) ws.close(1001, 'the node is stopping')
      // A client that does not answer the closing handshake within a second is cut off.
      const cutOff = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate()
      }, 1000)
      await closed
      clearTimeout(cutOff)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
