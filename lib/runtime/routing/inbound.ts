/**
 * Frames that reach a thread: routed by header, so a frame for another thread or node is passed
 * on undecoded (the main thread forwards between other nodes and its workers); the others are
 * decoded with the system's own ref resolver and delivered to the cells here, asks answered on
 * the system lane to the frame's origin.
 */
import { ActorRef } from '../../actor/ref.js'
import { ActorRefError } from '../../actor/errors.js'
import type { Terminated, TerminationReason } from '../../actor/terminated.js'
import { dataToError, decode, errorToData } from '../transport/codec.js'
import {
  F_ASK,
  F_CHILD_TERMINATED,
  F_DESCRIBE,
  F_ESCALATE,
  F_FAIL,
  F_FAIL_MANY,
  F_REPLY,
  F_REPLY_MANY,
  F_RESUME,
  F_STOP,
  F_TELL,
  F_TERMINATED,
  F_UNWATCH,
  F_WATCH,
  FRAME_HEADER_BYTES,
  frameKind,
  frameOrigin,
  frameTarget,
  type Frame,
  type NoticeData,
  type PeerId,
} from '../transport/frames.js'
import { FULL } from '../transport/link.js'
import type { ThreadRouter } from '../router.js'
import { MissingTarget, ThreadTarget } from '../thread-target.js'
import { PeerReply, PeerWatcher } from './replies.js'

/** `performance.timeOrigin` is a getter that costs a call into Node each read. */
const TIME_ORIGIN = performance.timeOrigin

/**
 * A failure answered without the actor in hand (the network thread answers from a frame's
 * header: it never decodes payloads) names the actor and handler the ask was for.
 */
function withSubject(e: unknown, subject: { id: string; actorType: string }, handler: string): unknown {
  if (!(e instanceof ActorRefError) || e.actorId !== undefined) return e
  const message = e.message.replace(/^\w+: /, '')
  return new ActorRefError(e.code, message, { actorId: subject.id, actorType: subject.actorType, handler })
}

export class InboundFrames {
  constructor(private readonly r: ThreadRouter) {}


  /**
   * Handles one frame that came through `channel` (the ring's peer thread, which a full mailbox
   * parks). Replies and notices go back to the frame's origin, read from its header. False: the
   * target's mailbox is full, retry later.
   */
  readonly onFrame = (channel: number, system: boolean, data: Uint8Array, start: number, end: number): boolean => {
    let frame: Frame
    let from: PeerId = channel
    try {
      if (end - start < FRAME_HEADER_BYTES) throw new Error('shorter than a frame header')
      from = frameOrigin(data, start)
      const to = frameTarget(data, start)
      if (to !== this.r.thread) return this.forward(to, system, data, start, end)
      frame = decode(data, start + FRAME_HEADER_BYTES, end, this.r.resolveRef) as Frame
      if (!Array.isArray(frame) || typeof frame[0] !== 'number') throw new Error('not a frame')
    } catch (e) {
      // A frame that does not decode is dropped and reported; the thread keeps running.
      this.malformedFrames++
      this.r.host.logger.error({ from, lane: system ? 'system' : 'user', bytes: end - start, err: e }, 'malformed frame dropped')
      return true
    }
    try {
      return this.handleFrame(from, frame, channel)
    } catch (e) {
      this.r.host.logger.error({ from, kind: frame[0], err: e }, 'frame handling failed')
      return true
    }
  }

  /** Frames that failed to decode since start. */
  malformedFrames = 0

  /** Frames passed on to another thread or node by header, never decoded here. */
  forwardedFrames = 0

  /**
   * Passes a frame meant for another thread (or node) on, by its header alone: the main thread
   * forwards between other nodes' links and this node's workers. False: the user lane towards
   * it is full (the frame stays where it is and is offered again).
   */
  private forward(to: PeerId, system: boolean, data: Uint8Array, start: number, end: number): boolean {
    const link = this.r.peers.linkTo(to)
    if (link === undefined || link.isDead) {
      this.r.host.logger.warn({ to, kind: frameKind(data, start) }, 'no route for a forwarded frame; dropped')
      return true
    }
    if (system) link.writeSystem(data, start, end)
    else if (link.writeUser(data, start, end) === FULL) return false
    this.forwardedFrames++
    return true
  }

  private handleFrame(from: PeerId, frame: Frame, channel: number): boolean {
    switch (frame[0]) {
      case F_TELL:
        return this.onTell(channel, frame[1], frame[2], frame[3])
      case F_ASK:
        return this.onAsk(from, frame[1], frame[2], frame[3], frame[4], frame[5], channel)
      case F_REPLY: {
        const p = this.r.pending.get(frame[1])
        if (p !== undefined) p.resolve(frame[2])
        return true
      }
      case F_REPLY_MANY: {
        const pending = this.r.pending
        for (let i = 1; i < frame.length; i += 2) pending.get(frame[i] as number)?.resolve(frame[i + 1])
        return true
      }
      case F_FAIL: {
        const p = this.r.pending.get(frame[1])
        if (p !== undefined) p.reject(withSubject(dataToError(frame[2]), p.subjectInfo, p.handlerName))
        return true
      }
      case F_FAIL_MANY: {
        const error = dataToError(frame[2])
        for (const id of frame[1]) this.r.pending.get(id)?.reject(error)
        return true
      }
      case F_STOP:
        this.onStop(from, frame[1], frame[2], frame[3])
        return true
      case F_WATCH:
        this.onWatch(from, frame[1], frame[2])
        return true
      case F_UNWATCH: {
        const key = `${from}:${frame[2]}`
        const w = this.r.remoteWatchers.get(key)
        if (w !== undefined) {
          this.r.remoteWatchers.delete(key)
          w.cell.removeWatcher(w.watcher)
        }
        return true
      }
      case F_TERMINATED: {
        const w = this.r.watches.get(frame[1])
        if (w !== undefined) {
          this.r.watches.delete(frame[1])
          w.listener.onTargetTerminated(this.noticeFrom(frame[2]))
        }
        return true
      }
      case F_CHILD_TERMINATED: {
        const notice = this.noticeFrom(frame[2])
        this.r.remoteChildLinks.delete(`${from}:${notice.id}`)
        const parent = this.r.host.cell(frame[1])
        const child = parent?.children.get(notice.id)
        if (parent !== undefined && child !== undefined) parent.childStopped(child, notice)
        return true
      }
      case F_ESCALATE: {
        const parent = this.r.host.cell(frame[1])
        const child = parent?.children.get(frame[2])
        if (parent !== undefined && child !== undefined) parent.escalate(child, dataToError(frame[3]), frame[4])
        return true
      }
      case F_RESUME:
        this.r.host.cell(frame[1])?.resumeFromParent()
        return true
      case F_DESCRIBE: {
        const [, id, options, depth, requestId] = frame
        const cell = this.r.host.cell(id)
        if (cell === undefined) {
          this.r.sendSystem(from, [F_FAIL, requestId, errorToData(this.missing(id, undefined))])
        } else {
          cell.describe(options, depth).then(
            (d) => this.r.sendSystem(from, [F_REPLY, requestId, d]),
            (e: unknown) => this.r.sendSystem(from, [F_FAIL, requestId, errorToData(e)]),
          )
        }
        return true
      }
      default:
        this.r.host.logger.error({ from, kind: (frame as unknown[])[0] }, 'unknown frame kind; frame dropped')
        return true
    }
  }

  /**
   * The answer to a request for an actor this thread does not have. Once the thread shut its
   * actors down, the actor was stopped with them: `Stopped`, as its own queue answered, so a
   * caller (a pool retrying on another member) does not see `NotFound` for a shutdown.
   */
  private missing(id: string, handler: string | undefined): ActorRefError {
    const context = handler === undefined ? { actorId: id } : { actorId: id, handler }
    return this.r.host.isClosed
      ? new ActorRefError('Stopped', 'actor system shut down', context)
      : new ActorRefError('NotFound', 'no such actor', context)
  }

  private onTell(channel: number, id: string, handler: string, args: unknown[]): boolean {
    const cell = this.r.host.cell(id)
    if (cell === undefined) {
      const fwd = this.r.host.forwarder(id)
      if (fwd === undefined) {
        this.r.host.deadLetterFor(id, '?', handler, args, 'no such actor on this thread')
        return true
      }
      try {
        fwd.target.tell(handler, args)
      } catch (e) {
        this.r.host.deadLetterFor(id, fwd.actorType, handler, args, e instanceof Error ? e.message : String(e))
      }
      return true
    }
    const outcome = cell.deliver(handler, args, null)
    if (outcome === 'full') {
      cell.whenRoom(() => this.r.inbox?.unpark(channel))
      return false
    }
    return true
  }

  private onAsk(from: PeerId, id: string, handler: string, args: unknown[], requestId: number, deadline: number, channel: number): boolean {
    const cell = this.r.host.cell(id)
    if (cell === undefined) {
      const fwd = this.r.host.forwarder(id)
      if (fwd === undefined) {
        this.r.sendSystem(from, [F_FAIL, requestId, errorToData(this.missing(id, handler))])
        return true
      }
      // A forwarder (a singleton's proxy) takes the ask with what is left of the caller's timeout.
      const reply = new PeerReply(this.r, from, requestId, id, fwd.actorType, handler, deadline)
      const left = Math.max(1, deadline - (TIME_ORIGIN + performance.now()))
      fwd.target.ask(handler, args, { timeoutMs: left }).then(
        (v) => reply.resolve(v),
        (e: unknown) => reply.reject(e),
      )
      return true
    }
    const reply = new PeerReply(this.r, from, requestId, cell.id, cell.actorType, handler, deadline)
    const outcome = cell.deliver(handler, args, reply)
    if (outcome === 'full') {
      cell.whenRoom(() => this.r.inbox?.unpark(channel))
      return false
    }
    return true
  }

  private onStop(from: number, id: string, reason: TerminationReason, requestId: number): void {
    const cell = this.r.host.cell(id)
    const ack = (): void => {
      if (requestId !== 0) this.r.sendSystem(from, [F_REPLY, requestId, null])
    }
    // Acknowledged once the placement table freed the id: a lookup after `stop()` finds nothing.
    if (cell === undefined) void this.r.host.released(id).then(ack)
    else void cell.stopWith(reason, undefined).then(() => this.r.host.released(id)).then(ack)
  }

  private onWatch(from: PeerId, id: string, watchId: number): void {
    const watcher = new PeerWatcher(this.r, from, watchId)
    const cell = this.r.host.cell(id)
    if (cell === undefined) {
      watcher.onTargetTerminated({
        id,
        path: id,
        actorType: '?',
        reason: 'stopped',
        ref: new ActorRef(new MissingTarget({ id, actorType: '?', path: id, thread: this.r.thread, node: this.r.host.node }, this.r.host)),
      })
      return
    }
    this.r.remoteWatchers.set(`${from}:${watchId}`, { cell, watcher })
    cell.addWatcher(watcher)
  }

  private noticeFrom(d: NoticeData): Terminated {
    const ref = d.ref
    if (ref.target instanceof ThreadTarget) ref.target.markStopped()
    return {
      id: d.id,
      path: d.path,
      actorType: d.actorType,
      reason: d.reason,
      ...(d.error !== undefined ? { error: d.error } : {}),
      ref,
    }
  }
}
