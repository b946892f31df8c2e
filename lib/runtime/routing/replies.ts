/**
 * The reply paths of cross-thread (and cross-node) traffic: an ask this thread sent and waits
 * for (`PeerAsk`), the reply side of an ask that came from a peer (`PeerReply`, with the
 * batch that fails a stopping actor's backlog in few frames), and a watcher on a peer
 * (`PeerWatcher`). Each writes back to the peer that asked, by its peer id.
 */
import { PendingAsk, type Reply, type ReplyBatch } from '../../actor/envelope.js'
import { ActorRefError } from '../../actor/errors.js'
import type { TerminationListener } from '../../actor/target.js'
import type { Terminated } from '../../actor/terminated.js'
import { encode, errorToData, type Encoded } from '../transport/codec.js'
import { F_FAIL, F_FAIL_MANY, F_REPLY, F_REPLY_MANY, F_TERMINATED, FRAME_HEADER_BYTES, writeFrameHeader, type PeerId } from '../transport/frames.js'
import type { ThreadRouter } from '../router.js'
import { noticeToData, type ThreadTarget } from '../thread-target.js'

/** `performance.timeOrigin` is a getter that costs a call into Node each read. */
const TIME_ORIGIN = performance.timeOrigin

/** An ask in flight to another thread. */
export class PeerAsk extends PendingAsk {
  constructor(
    private readonly router: ThreadRouter,
    readonly thread: PeerId,
    readonly requestId: number,
    private readonly target: ThreadTarget,
    handler: string,
    timeoutMs: number,
    now = -1,
  ) {
    super(router.host.wheel, target, handler, timeoutMs, now)
  }

  protected override onSettled(): void {
    this.router.forget(this.requestId)
  }

  /** A `Stopped` or `NotFound` answer also tells the target that its actor is gone. */
  override reject(error: unknown): void {
    if (!this.settled && error instanceof ActorRefError && (error.code === 'Stopped' || error.code === 'NotFound')) this.target.markStopped()
    super.reject(error)
  }
}

/** The reply side of an ask that came from another thread. */
export class PeerReply implements Reply {
  constructor(
    private readonly router: ThreadRouter,
    private readonly thread: PeerId,
    private readonly requestId: number,
    private readonly actorId: string,
    private readonly actorType: string,
    private readonly handler: string,
    /** When the caller stops waiting (epoch ms); the caller's own timeout rejects its promise. */
    private readonly deadline: number,
  ) {}

  /** Checked before each message runs: the dispatcher's recent clock spares a read per message. */
  get settled(): boolean {
    return TIME_ORIGIN + this.router.host.dispatcher.recentNow() > this.deadline
  }

  resolve(value: unknown): void {
    let bytes: Encoded
    try {
      // To a thread of this node: into the batch that leaves once this microtask checkpoint's
      // turns are done (encoded now, so later changes to `value` do not show).
      if (this.thread < 65536) {
        this.router.queueReply(this.thread, this.requestId, value)
        return
      }
      bytes = this.router.frame(this.thread, [F_REPLY, this.requestId, value])
    } catch (e) {
      this.reject(
        new ActorRefError('Serialization', `the reply cannot be sent to another thread: ${(e as Error).message}`, {
          actorId: this.actorId,
          actorType: this.actorType,
          handler: this.handler,
        }),
      )
      return
    }
    this.router.writeSystem(this.thread, bytes)
  }

  reject(error: unknown): void {
    this.router.sendSystem(this.thread, [F_FAIL, this.requestId, errorToData(error)])
  }

  get batch(): FailBatch {
    return this.router.failBatch(this.thread)
  }

  get id(): number {
    return this.requestId
  }
}

/** Request ids per error, failed with one F_FAIL_MANY frame per error and chunk. */
export class FailBatch implements ReplyBatch {
  private readonly byError = new Map<unknown, number[]>()

  constructor(
    private readonly router: ThreadRouter,
    private readonly thread: PeerId,
  ) {}

  add(reply: Reply, error: unknown): void {
    let ids = this.byError.get(error)
    if (ids === undefined) {
      ids = []
      this.byError.set(error, ids)
    }
    ids.push((reply as PeerReply).id)
  }

  flush(): void {
    for (const [error, ids] of this.byError) {
      const data = errorToData(error)
      for (let i = 0; i < ids.length; i += FAIL_MANY_CHUNK) {
        this.router.sendSystem(this.thread, [F_FAIL_MANY, ids.slice(i, i + FAIL_MANY_CHUNK), data])
      }
    }
    this.byError.clear()
  }
}

/** Request ids per F_FAIL_MANY frame (about 40 KB of ids). */
const FAIL_MANY_CHUNK = 8192

/** A watcher on another thread, registered on a local cell. */
export class PeerWatcher implements TerminationListener {
  constructor(
    private readonly router: ThreadRouter,
    readonly thread: PeerId,
    readonly watchId: number,
  ) {}

  onTargetTerminated(notice: Terminated): void {
    this.router.forgetPeerWatcher(this)
    this.router.sendSystem(this.thread, [F_TERMINATED, this.watchId, noticeToData(notice)])
  }
}

export interface LocalWatch {
  listener: TerminationListener
  thread: number
  targetId: string
  target: ThreadTarget
}

/** Start of a batch's payload: the routing header, an array32 header (5 bytes), the kind. */
const BATCH_ITEMS = FRAME_HEADER_BYTES + 5 + 1
/** A batch this large leaves at once instead of waiting for the end of the turns. */
const BATCH_FLUSH_BYTES = 32 * 1024
/**
 * Replies per batch before it leaves: small enough that the asking thread handles the first
 * replies while this one computes the next (on two cores a batch per drain, up to a thousand
 * replies, left the asking thread idle meanwhile), large enough to amortise the frame.
 */
const BATCH_FLUSH_COUNT = 32

/**
 * Replies to asks from one thread of this node, gathered while actor turns run and sent as one
 * `F_REPLY_MANY` frame (one ring write, one wake-up check, one decode on the asking side)
 * instead of a frame each. Each value is encoded when it is added, so the reply is the value
 * as it was when the handler returned.
 */
export class ReplyBatcher {
  private buf = new Uint8Array(4096)
  private view = new DataView(this.buf.buffer)
  private len = BATCH_ITEMS
  /** Replies in the batch. */
  count = 0
  /** True while listed for the next flush. */
  listed = false

  constructor(
    readonly from: PeerId,
    readonly to: PeerId,
  ) {}

  /** Appends one reply; throws `NotEncodableError` (and adds nothing) when `value` cannot be encoded. */
  add(requestId: number, value: unknown): void {
    const bytes = encode(value)
    const n = bytes.end - bytes.start
    this.reserve(9 + n)
    const buf = this.buf
    let at = this.len
    if (requestId < 128) buf[at++] = requestId
    else if (requestId <= 0xffffffff) {
      buf[at] = 0xce
      this.view.setUint32(at + 1, requestId)
      at += 5
    } else {
      buf[at] = 0xcb
      this.view.setFloat64(at + 1, requestId)
      at += 9
    }
    if (n <= 32) for (let i = 0, s = bytes.start; i < n; i++) buf[at + i] = bytes[s + i] as number
    else buf.set(bytes.subarray(bytes.start, bytes.end), at)
    this.len = at + n
    this.count++
  }

  get full(): boolean {
    return this.count >= BATCH_FLUSH_COUNT || this.len >= BATCH_FLUSH_BYTES
  }

  /** The frame's bytes: after `seal()`, the whole frame is `[0, end)`. */
  get bytes(): Uint8Array {
    return this.buf
  }

  /** Completes the frame (header and payload in `bytes[0, end)`), resets the batch and returns `end`; 0 when empty. */
  seal(): number {
    if (this.count === 0) return 0
    const buf = this.buf
    writeFrameHeader(buf, 0, F_REPLY_MANY, this.from, this.to, 0)
    buf[FRAME_HEADER_BYTES] = 0xdd
    this.view.setUint32(FRAME_HEADER_BYTES + 1, 1 + 2 * this.count)
    buf[BATCH_ITEMS - 1] = F_REPLY_MANY
    const end = this.len
    this.len = BATCH_ITEMS
    this.count = 0
    return end
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + extra) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
    this.view = new DataView(next.buffer)
  }
}
