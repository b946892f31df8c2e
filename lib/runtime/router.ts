/**
 * `ThreadRouter`: how one thread talks to actors on the other threads of this process.
 *
 * Outbound, it encodes frames for `ThreadTarget`s (refs to actors elsewhere) and writes them
 * through the `Link` to the owning thread; it keeps the asks in flight (monotonic request ids
 * per thread, deadlines on the shared timeout wheel) and the watches this thread placed on
 * remote actors. Inbound, it decodes frames the `Inbox` hands it and delivers them to the
 * cells on this thread, answering asks through the system lane. When a peer thread dies it
 * fails everything that depended on it: asks reject with `WorkerLost`, watchers get
 * `Terminated` with reason `workerLost`, children of lost parents stop.
 */
import type { ActorCell } from '../actor/cell.js'
import type { ActorDescription, DescribeOptions } from '../actor/describe.js'
import { PendingAsk, type Reply, type ReplyBatch } from '../actor/envelope.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import { ActorRef } from '../actor/ref.js'
import type { TerminationListener } from '../actor/target.js'
import type { Terminated, TerminationReason } from '../actor/terminated.js'
import type { AskOptions } from '../actor/types.js'
import { nodeKey, sameNode, type ActorAddress, type NodeAddress } from '../actor/address.js'
import { dataToError, decode, encodeFrame, errorToData, NotEncodableError, type Encoded, type RefAddress } from './transport/codec.js'
import {
  F_ASK,
  F_CHILD_TERMINATED,
  F_DESCRIBE,
  F_ESCALATE,
  F_FAIL,
  F_FAIL_MANY,
  F_REPLY,
  F_RESUME,
  F_STOP,
  F_TELL,
  F_TERMINATED,
  F_UNWATCH,
  F_WATCH,
  type Frame,
  FRAME_HEADER_BYTES,
  frameKind,
  frameOrigin,
  frameTarget,
  peerId,
  requestIdOf,
  slotOfPeer,
  writeFrameHeader,
  type PeerId,
  type NoticeData,
} from './transport/frames.js'
import type { Inbox } from './transport/inbox.js'
import { FULL, type FrameLink, type Link } from './transport/link.js'
import { MissingTarget, noticeToData, RemoteParent, ThreadTarget } from './thread-target.js'

/** An ask in flight to another thread. */
class RemoteAsk extends PendingAsk {
  constructor(
    router: ThreadRouter,
    readonly thread: number,
    readonly requestId: number,
    subject: { id: string; typeName: string },
    handler: string,
    timeoutMs: number,
  ) {
    super(router.host.wheel, subject, handler, timeoutMs, () => router.forget(requestId))
  }
}

/** The reply side of an ask that came from another thread. */
class RemoteReply implements Reply {
  constructor(
    private readonly router: ThreadRouter,
    private readonly thread: number,
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
class FailBatch implements ReplyBatch {
  private readonly byError = new Map<unknown, number[]>()

  constructor(
    private readonly router: ThreadRouter,
    private readonly thread: number,
  ) {}

  add(reply: Reply, error: unknown): void {
    let ids = this.byError.get(error)
    if (ids === undefined) {
      ids = []
      this.byError.set(error, ids)
    }
    ids.push((reply as RemoteReply).id)
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
class RemoteWatcher implements TerminationListener {
  constructor(
    private readonly router: ThreadRouter,
    readonly thread: number,
    readonly watchId: number,
  ) {}

  onTargetTerminated(notice: Terminated): void {
    this.router.forgetRemoteWatcher(this)
    this.router.sendSystem(this.thread, [F_TERMINATED, this.watchId, noticeToData(notice)])
  }
}

interface LocalWatch {
  listener: TerminationListener
  thread: number
  targetId: string
  target: ThreadTarget
}


/** Node slots from here up are a worker's own provisional numbers (see `slotOf`). */
const PROVISIONAL_SLOTS = 0x8000

function targetKey(thread: number, id: string): string {
  return `${thread}:${id}`
}

export class ThreadRouter {
  private readonly links: (Link | undefined)[] = []
  private readonly pending = new Map<number, RemoteAsk>()
  private nextRequest = 1
  private readonly watches = new Map<number, LocalWatch>()
  private nextWatch = 1
  /** Watchers other threads placed on local cells, by `${thread}:${watchId}`. */
  private readonly remoteWatchers = new Map<string, { cell: ActorCell; watcher: RemoteWatcher }>()
  /** Cells on this thread whose parent lives on another thread. */
  private readonly remoteChildren = new Set<ActorCell>()
  /** Parents on this thread with children on another thread, per child. */
  private readonly remoteChildLinks = new Map<string, { parent: ActorCell; child: ThreadTarget }>()
  private readonly lostThreads = new Set<number>()
  private inbox: Inbox | null = null

  constructor(readonly host: ActorHost) {
    this.slotNodes[0] = host.node
  }

  /** Rebuilds refs in the frames this router decodes (this system's, not another's in the process). */
  readonly resolveRef = (a: RefAddress): ActorRef => this.refFor(a)

  get thread(): number {
    return this.host.thread
  }

  // ------------------------------------------------------------------ peers

  /** Node runs by slot; slot 0 is this node. Frame headers name nodes by these slots. */
  private readonly slotNodes: NodeAddress[] = []
  private readonly slotsByNode = new Map<string, number>()
  /** One link per other node (its network thread, or a test's forwarder); header routes inside. */
  private readonly nodeLinks = new Map<number, FrameLink>()

  /**
   * The slot of `node` in frame headers. The main thread numbers the nodes (from 1) and tells
   * the workers (`onSlotAssigned`), so every thread of a node uses the same numbers; a worker
   * that meets a node nobody numbered yet gives it a provisional slot from 0x8000, which no
   * route serves (sends fail with `Unreachable`).
   */
  slotOf(node: NodeAddress): number {
    if (sameNode(node, this.host.node)) return 0
    const key = nodeKey(node)
    let slot = this.slotsByNode.get(key)
    if (slot === undefined) {
      slot = this.thread === 0 ? this.nextSlot++ : this.nextProvisionalSlot++
      if (slot > 0xffff || (this.thread === 0 && slot >= PROVISIONAL_SLOTS)) throw new ActorRefError('NotSupported', 'too many other nodes')
      this.setSlot(slot, node)
      if (this.thread === 0) this.onSlotAssigned(slot, node)
    }
    return slot
  }

  private nextSlot = 1
  private nextProvisionalSlot = PROVISIONAL_SLOTS

  /** Set by the main thread's runtime: tell the workers about a newly numbered node. */
  onSlotAssigned: (slot: number, node: NodeAddress) => void = () => {}

  /** A node numbered by the main thread (on workers). */
  setSlot(slot: number, node: NodeAddress): void {
    this.slotNodes[slot] = node
    this.slotsByNode.set(nodeKey(node), slot)
  }

  /** The node run behind a header slot. */
  nodeOfSlot(slot: number): NodeAddress | undefined {
    return this.slotNodes[slot]
  }

  /** Routes every frame for `node` through `link` (a forwarding link); returns the node's slot. */
  connectNode(node: NodeAddress, link: FrameLink): number {
    const slot = this.slotOf(node)
    this.nodeLinks.set(slot, link)
    return slot
  }

  /** The peer id of an address: its node slot and thread. */
  peerOf(a: ActorAddress): PeerId {
    return peerId(this.slotOf(a.node), a.thread)
  }

  /**
   * The link frames for `peer` go through: a ring pair to a local thread, or the node's link.
   * A worker has no link of its own to other nodes: the main thread forwards for it.
   */
  linkTo(peer: PeerId): FrameLink | undefined {
    if (peer < 65536) return this.links[peer]
    const slot = slotOfPeer(peer)
    return this.nodeLinks.get(slot) ?? (this.thread !== 0 && slot < PROVISIONAL_SLOTS ? this.links[0] : undefined)
  }

  setInbox(inbox: Inbox): void {
    this.inbox = inbox
  }

  setLink(thread: number, link: Link): void {
    this.links[thread] = link
  }

  link(thread: number): Link | undefined {
    return this.links[thread]
  }

  allLinks(): Link[] {
    return this.links.filter((l): l is Link => l !== undefined)
  }

  private readonly failBatches = new Map<number, FailBatch>()

  /** @internal The batch of failed replies to `thread`. */
  failBatch(thread: number): FailBatch {
    let b = this.failBatches.get(thread)
    if (b === undefined) {
      b = new FailBatch(this, thread)
      this.failBatches.set(thread, b)
    }
    return b
  }

  /** Asks in flight from this thread. */
  get inFlightAsks(): number {
    return this.pending.size
  }

  /** Flushes every link's backlog; returns the frames moved. */
  flush(): number {
    let moved = 0
    for (const l of this.links) if (l !== undefined && l.backlog > 0) moved += l.flush()
    return moved
  }

  // ------------------------------------------------------------------ refs

  /** A ref for an address: the local cell when it lives here, else a target on its thread or node. */
  refFor(a: RefAddress): ActorRef {
    if (a.thread === this.thread && sameNode(a.node, this.host.node)) {
      const cell = this.host.cell(a.id)
      if (cell !== undefined) return cell.self
      return new ActorRef(new MissingTarget(a, this.host))
    }
    return this.targetFor(a).self
  }

  /**
   * The target for an actor on another thread: one object per actor while anything holds it,
   * so every ref to it on this thread shares equality, watch/unwatch and liveness. A target
   * known to be stopped is not reused for a later actor with the same id.
   */
  targetFor(a: RefAddress): ThreadTarget {
    const key = targetKey(this.peerOf(a), a.id)
    const cached = this.targets.get(key)?.deref()
    if (cached !== undefined && cached.alive && cached.typeName === a.typeName) return cached
    const t = new ThreadTarget(this, a)
    this.targets.set(key, new WeakRef(t))
    this.targetsGone.register(t, key)
    return t
  }

  /** The actor `id` on `thread` is back after its worker was replaced. */
  markRestored(thread: number, id: string): void {
    this.targets.get(targetKey(thread, id))?.deref()?.markRestored()
  }

  /** The actor `id` on `thread` stopped (the main thread learns it from the placement table). */
  markStopped(thread: number, id: string): void {
    this.targets.get(targetKey(thread, id))?.deref()?.markStopped()
  }

  private readonly targets = new Map<string, WeakRef<ThreadTarget>>()
  private readonly targetsGone = new FinalizationRegistry<string>((key) => {
    if (this.targets.get(key)?.deref() === undefined) this.targets.delete(key)
  })

  // ------------------------------------------------------------------ outbound

  private liveLink(thread: PeerId, a: { id: string; typeName: string }, handler?: string): FrameLink {
    const link = this.linkTo(thread)
    if (thread >= 65536 && (link === undefined || link.isDead)) {
      throw new ActorRefError('Unreachable', `no route to node ${String(this.nodeOfSlot(slotOfPeer(thread))?.id)}`, {
        actorId: a.id,
        actorType: a.typeName,
        ...(handler !== undefined ? { handler } : {}),
      })
    }
    if (link === undefined || link.isDead || this.lostThreads.has(thread)) {
      throw new ActorRefError('WorkerLost', `the thread hosting this actor (${thread}) is gone`, {
        actorId: a.id,
        actorType: a.typeName,
        ...(handler !== undefined ? { handler } : {}),
      })
    }
    return link
  }

  /** Encodes `payload` behind its routing header, from this thread to `to`. */
  frame(to: PeerId, payload: Frame): Encoded {
    const bytes = encodeFrame(payload)
    writeFrameHeader(bytes, bytes.start, payload[0], this.thread, to, requestIdOf(payload))
    return bytes
  }

  /** Sends `payload` to `to` on the system lane (dropped when there is no link to it). */
  sendSystem(to: PeerId, payload: Frame): void {
    const link = this.linkTo(to)
    if (link === undefined) return
    const bytes = this.frame(to, payload)
    link.writeSystem(bytes, bytes.start, bytes.end)
  }

  private encodeFor(to: PeerId, frame: Frame, a: { id: string; typeName: string }, handler: string): Encoded {
    try {
      return this.frame(to, frame)
    } catch (e) {
      if (e instanceof NotEncodableError) {
        throw new ActorRefError('Serialization', `the message cannot be sent to another thread: ${e.message}`, {
          actorId: a.id,
          actorType: a.typeName,
          handler,
          cause: e,
        })
      }
      throw e
    }
  }

  writeSystem(to: PeerId, bytes: Encoded): void {
    const link = this.linkTo(to)
    if (link !== undefined) link.writeSystem(bytes, bytes.start, bytes.end)
  }

  tell(t: ThreadTarget, handler: string, args: unknown[]): void {
    let link: FrameLink
    try {
      link = this.liveLink(t.peer, t, handler)
    } catch {
      this.host.deadLetterFor(t.id, t.typeName, handler, args, 'the thread hosting the actor is gone')
      return
    }
    const bytes = this.encodeFor(t.peer, [F_TELL, t.id, handler, args], t, handler)
    if (link.writeUser(bytes, bytes.start, bytes.end) === FULL) {
      throw new ActorRefError('MailboxFull', `the outbox to thread ${t.peer} is full`, {
        actorId: t.id,
        actorType: t.typeName,
        handler,
      })
    }
  }

  send(t: ThreadTarget, handler: string, args: unknown[], timeoutMs: number | undefined): Promise<void> {
    let link: FrameLink
    let bytes: Encoded
    try {
      link = this.liveLink(t.peer, t, handler)
      bytes = this.encodeFor(t.peer, [F_TELL, t.id, handler, args], t, handler)
    } catch (e) {
      return Promise.reject(e)
    }
    if (link.writeUser(bytes, bytes.start, bytes.end) !== FULL) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const limit = timeoutMs ?? this.host.options.askTimeoutMs
      const timer = setTimeout(() => {
        done = true
        reject(new ActorRefError('Timeout', `the outbox stayed full for ${limit} ms`, { actorId: t.id, actorType: t.typeName, handler }))
      }, limit)
      let done = false
      link.waitForRoom(
        bytes,
        bytes.start,
        bytes.end,
        () => {
          clearTimeout(timer)
          if (!done) resolve()
        },
        (e) => {
          clearTimeout(timer)
          if (!done) reject(e)
        },
      )
    })
  }

  ask(t: ThreadTarget, handler: string, args: unknown[], options: AskOptions | undefined): Promise<unknown> {
    let link: FrameLink
    const requestId = this.nextRequest++
    const timeoutMs = options?.timeoutMs ?? this.host.options.askTimeoutMs
    let bytes: Encoded
    try {
      link = this.liveLink(t.peer, t, handler)
      bytes = this.encodeFor(t.peer, [F_ASK, t.id, handler, args, requestId, performance.timeOrigin + performance.now() + timeoutMs], t, handler)
    } catch (e) {
      return Promise.reject(e)
    }
    const pending = new RemoteAsk(this, t.peer, requestId, t, handler, timeoutMs)
    this.pending.set(requestId, pending)
    if (options?.signal !== undefined) pending.bindSignal(options.signal)
    if (link.writeUser(bytes, bytes.start, bytes.end) === FULL) {
      link.waitForRoom(bytes, bytes.start, bytes.end, () => {}, (e) => pending.reject(e))
    }
    this.inbox?.kick()
    return pending.promise
  }

  /** @internal Drops a settled ask from the table. */
  forget(requestId: number): void {
    this.pending.delete(requestId)
  }

  /** A request on the system lane answered by REPLY/FAIL (stop, describe). */
  private request(t: ThreadTarget, frame: (requestId: number) => Frame, what: string, timeoutMs: number): Promise<unknown> {
    const requestId = this.nextRequest++
    let link: FrameLink
    try {
      link = this.liveLink(t.peer, t, what)
    } catch (e) {
      return Promise.reject(e)
    }
    const pending = new RemoteAsk(this, t.peer, requestId, t, what, timeoutMs)
    this.pending.set(requestId, pending)
    const bytes = this.frame(t.peer, frame(requestId))
    link.writeSystem(bytes, bytes.start, bytes.end)
    this.inbox?.kick()
    return pending.promise
  }

  stop(t: ThreadTarget, reason: TerminationReason): Promise<void> {
    return this.request(t, (id) => [F_STOP, t.id, reason, id], 'stop', this.host.options.stopTimeoutMs * 2 + 1000).then(
      () => undefined,
      (e: unknown) => {
        // The thread died with the actor on it: it is stopped all the same.
        if (e instanceof ActorRefError && e.code === 'WorkerLost') return
        throw e
      },
    )
  }

  describe(t: ThreadTarget, options: Required<DescribeOptions>, depth: number): Promise<ActorDescription> {
    return this.request(t, (id) => [F_DESCRIBE, t.id, options, depth, id], 'describe', this.host.options.askTimeoutMs) as Promise<ActorDescription>
  }

  watch(t: ThreadTarget, listener: TerminationListener): void {
    for (const [, w] of this.watches) if (w.listener === listener && w.targetId === t.id && w.thread === t.peer) return
    const watchId = this.nextWatch++
    this.watches.set(watchId, { listener, thread: t.peer, targetId: t.id, target: t })
    if (this.lostThreads.has(t.peer) || this.linkTo(t.peer)?.isDead) {
      this.deliverLost(watchId)
      return
    }
    this.sendSystem(t.peer, [F_WATCH, t.id, watchId])
  }

  unwatch(t: ThreadTarget, listener: TerminationListener): void {
    for (const [watchId, w] of this.watches) {
      if (w.listener === listener && w.targetId === t.id && w.thread === t.peer) {
        this.watches.delete(watchId)
        this.sendSystem(t.peer, [F_UNWATCH, t.id, watchId])
      }
    }
  }

  resumeChild(t: ThreadTarget): void {
    this.sendSystem(t.peer, [F_RESUME, t.id])
  }

  /** Records a local cell whose parent is on another thread, until the cell stops. */
  trackRemoteChild(cell: ActorCell): void {
    this.remoteChildren.add(cell)
    cell.addWatcher({ onTargetTerminated: () => this.remoteChildren.delete(cell) })
  }

  /** Records a local parent's child on another thread, until the child's stop is reported. */
  trackChildOnOtherThread(parent: ActorCell, child: ThreadTarget): void {
    this.remoteChildLinks.set(`${child.peer}:${child.id}`, { parent, child })
  }

  /** Cross-thread parent/child links this thread keeps (for tests and diagnostics). */
  get crossThreadLinks(): number {
    return this.remoteChildren.size + this.remoteChildLinks.size
  }

  /** @internal */
  forgetRemoteWatcher(w: RemoteWatcher): void {
    this.remoteWatchers.delete(`${w.thread}:${w.watchId}`)
  }

  // ------------------------------------------------------------------ inbound

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
      if (to !== this.thread) return this.forward(to, system, data, start, end)
      frame = decode(data, start + FRAME_HEADER_BYTES, end, this.resolveRef) as Frame
      if (!Array.isArray(frame) || typeof frame[0] !== 'number') throw new Error('not a frame')
    } catch (e) {
      // A frame that does not decode is dropped and reported; the thread keeps running.
      this.malformedFrames++
      this.host.logger.error({ from, lane: system ? 'system' : 'user', bytes: end - start, err: e }, 'malformed frame dropped')
      return true
    }
    try {
      return this.handleFrame(from, frame, channel)
    } catch (e) {
      this.host.logger.error({ from, kind: frame[0], err: e }, 'frame handling failed')
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
    const link = this.linkTo(to)
    if (link === undefined || link.isDead) {
      this.host.logger.warn({ to, kind: frameKind(data, start) }, 'no route for a forwarded frame; dropped')
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
        const p = this.pending.get(frame[1])
        if (p !== undefined) p.resolve(frame[2])
        return true
      }
      case F_FAIL: {
        const p = this.pending.get(frame[1])
        if (p !== undefined) p.reject(dataToError(frame[2]))
        return true
      }
      case F_FAIL_MANY: {
        const error = dataToError(frame[2])
        for (const id of frame[1]) this.pending.get(id)?.reject(error)
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
        const w = this.remoteWatchers.get(key)
        if (w !== undefined) {
          this.remoteWatchers.delete(key)
          w.cell.removeWatcher(w.watcher)
        }
        return true
      }
      case F_TERMINATED: {
        const w = this.watches.get(frame[1])
        if (w !== undefined) {
          this.watches.delete(frame[1])
          w.listener.onTargetTerminated(this.noticeFrom(frame[2]))
        }
        return true
      }
      case F_CHILD_TERMINATED: {
        const notice = this.noticeFrom(frame[2])
        this.remoteChildLinks.delete(`${from}:${notice.id}`)
        const parent = this.host.cell(frame[1])
        const child = parent?.children.get(notice.id)
        if (parent !== undefined && child !== undefined) parent.childStopped(child, notice)
        return true
      }
      case F_ESCALATE: {
        const parent = this.host.cell(frame[1])
        const child = parent?.children.get(frame[2])
        if (parent !== undefined && child !== undefined) parent.escalate(child, dataToError(frame[3]), frame[4])
        return true
      }
      case F_RESUME:
        this.host.cell(frame[1])?.resumeFromParent()
        return true
      case F_DESCRIBE: {
        const [, id, options, depth, requestId] = frame
        const cell = this.host.cell(id)
        if (cell === undefined) {
          this.sendSystem(from, [F_FAIL, requestId, errorToData(new ActorRefError('NotFound', 'no such actor', { actorId: id }))])
        } else {
          cell.describe(options, depth).then(
            (d) => this.sendSystem(from, [F_REPLY, requestId, d]),
            (e: unknown) => this.sendSystem(from, [F_FAIL, requestId, errorToData(e)]),
          )
        }
        return true
      }
      default:
        this.host.logger.error({ from, kind: (frame as unknown[])[0] }, 'unknown frame kind; frame dropped')
        return true
    }
  }

  private onTell(channel: number, id: string, handler: string, args: unknown[]): boolean {
    const cell = this.host.cell(id)
    if (cell === undefined) {
      this.host.deadLetterFor(id, '?', handler, args, 'no such actor on this thread')
      return true
    }
    const outcome = cell.deliver(handler, args, null)
    if (outcome === 'full') {
      cell.whenRoom(() => this.inbox?.unpark(channel))
      return false
    }
    return true
  }

  private onAsk(from: PeerId, id: string, handler: string, args: unknown[], requestId: number, deadline: number, channel: number): boolean {
    const cell = this.host.cell(id)
    if (cell === undefined) {
      this.sendSystem(from, [F_FAIL, requestId, errorToData(new ActorRefError('NotFound', 'no such actor', { actorId: id, handler }))])
      return true
    }
    const reply = new RemoteReply(this, from, requestId, cell.id, cell.typeName, handler, deadline)
    const outcome = cell.deliver(handler, args, reply)
    if (outcome === 'full') {
      cell.whenRoom(() => this.inbox?.unpark(channel))
      return false
    }
    return true
  }

  private onStop(from: number, id: string, reason: TerminationReason, requestId: number): void {
    const cell = this.host.cell(id)
    const ack = (): void => {
      if (requestId !== 0) this.sendSystem(from, [F_REPLY, requestId, null])
    }
    // Acknowledged once the placement table freed the id: a lookup after `stop()` finds nothing.
    if (cell === undefined) void this.host.released(id).then(ack)
    else void cell.stopWith(reason, undefined).then(() => this.host.released(id)).then(ack)
  }

  private onWatch(from: PeerId, id: string, watchId: number): void {
    const watcher = new RemoteWatcher(this, from, watchId)
    const cell = this.host.cell(id)
    if (cell === undefined) {
      watcher.onTargetTerminated({
        id,
        path: id,
        actorType: '?',
        reason: 'stopped',
        ref: new ActorRef(new MissingTarget({ id, typeName: '?', path: id, thread: this.thread, node: this.host.node }, this.host)),
      })
      return
    }
    this.remoteWatchers.set(`${from}:${watchId}`, { cell, watcher })
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

  // ------------------------------------------------------------------ thread loss

  /** Another thread died: fail everything that waits on it. */
  peerLost(thread: number): void {
    this.lostThreads.add(thread)
    const lost = (what: string, a: { id: string; typeName: string }, handler?: string): ActorRefError =>
      new ActorRefError('WorkerLost', `${what}: the worker thread ${thread} hosting the actor died`, {
        actorId: a.id,
        actorType: a.typeName,
        ...(handler !== undefined ? { handler } : {}),
      })
    this.links[thread]?.kill(lost('send failed', { id: '?', typeName: '?' }))
    for (const p of [...this.pending.values()]) {
      if (p.thread === thread) p.reject(lost('no reply', p.subjectInfo, p.handlerName))
    }
    for (const watchId of [...this.watches.keys()]) {
      if (this.watches.get(watchId)?.thread === thread) this.deliverLost(watchId)
    }
    for (const [key, w] of [...this.remoteWatchers]) {
      if (key.startsWith(`${thread}:`)) {
        this.remoteWatchers.delete(key)
        w.cell.removeWatcher(w.watcher)
      }
    }
    for (const cell of [...this.remoteChildren]) {
      const parent = cell.parent
      if (parent instanceof RemoteParent && parent.peer === thread) {
        this.remoteChildren.delete(cell)
        parent.markLost()
        void cell.stopWith('parentStopped', undefined)
      }
    }
    for (const [key, { child, parent }] of [...this.remoteChildLinks]) {
      if (child.peer !== thread) continue
      this.remoteChildLinks.delete(key)
      child.markStopped()
      parent.childStopped(child, {
        id: child.id,
        path: child.path,
        actorType: child.typeName,
        reason: 'workerLost',
        error: lost('child lost', child),
        ref: child.self,
      })
    }
  }

  /** The lost thread was replaced and its actors restored; traffic may flow again. */
  peerReplaced(thread: number): void {
    this.lostThreads.delete(thread)
  }

  private deliverLost(watchId: number): void {
    const w = this.watches.get(watchId)
    if (w === undefined) return
    this.watches.delete(watchId)
    w.target.markStopped()
    w.listener.onTargetTerminated({
      id: w.target.id,
      path: w.target.path,
      actorType: w.target.typeName,
      reason: 'workerLost',
      error: new ActorRefError('WorkerLost', `worker thread ${w.thread} died`, { actorId: w.target.id, actorType: w.target.typeName }),
      ref: w.target.self,
    })
  }

  /** Rejects every ask in flight (shutdown). */
  failAll(error: (p: { id: string; typeName: string }, handler: string) => unknown): void {
    for (const p of [...this.pending.values()]) p.reject(error(p.subjectInfo, p.handlerName))
  }
}
