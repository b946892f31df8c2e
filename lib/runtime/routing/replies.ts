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
import { errorToData, type Encoded } from '../transport/codec.js'
import { F_FAIL, F_FAIL_MANY, F_REPLY, F_TERMINATED, type PeerId } from '../transport/frames.js'
import type { ThreadRouter } from '../router.js'
import { noticeToData, type ThreadTarget } from '../thread-target.js'

/** An ask in flight to another thread. */
export class PeerAsk extends PendingAsk {
  constructor(
    private readonly router: ThreadRouter,
    readonly thread: PeerId,
    readonly requestId: number,
    private readonly target: ThreadTarget,
    handler: string,
    timeoutMs: number,
  ) {
    super(router.host.wheel, target, handler, timeoutMs)
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

  get settled(): boolean {
    return performance.timeOrigin + performance.now() > this.deadline
  }

  resolve(value: unknown): void {
    let bytes: Encoded
    try {
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
