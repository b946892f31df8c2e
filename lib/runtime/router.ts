/**
 * `ThreadRouter`: how one thread talks to actors on other threads and, through a forwarding
 * link, other nodes. It owns the refs to actors elsewhere (one target per actor while held),
 * encodes outbound frames behind their routing header and writes them to the peer's link,
 * keeps the asks in flight (monotonic request ids, deadlines on the shared timeout wheel), the
 * watches placed on peers and the cross-thread parent/child links. Its parts:
 * - routing/peers.ts: where frames can go (links, node slots);
 * - routing/inbound.ts: frames arriving (forwarded by header, or decoded and delivered here);
 * - routing/replies.ts: the reply paths (asks in flight, replies to peers, peer watchers);
 * - routing/peer-loss.ts: what a dead peer thread fails.
 */
import type { ActorCell } from '../actor/cell.js'
import type { ActorDescription, DescribeOptions } from '../actor/describe.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import { ActorRef } from '../actor/ref.js'
import type { TerminationListener } from '../actor/target.js'
import type { TerminationReason } from '../actor/terminated.js'
import type { AskOptions } from '../actor/types.js'
import { sameNode } from '../actor/address.js'
import { encodeFrame, NotEncodableError, type Encoded, type RefAddress } from './transport/codec.js'
import {
  F_ASK,
  F_DESCRIBE,
  F_RESUME,
  F_STOP,
  F_TELL,
  F_UNWATCH,
  F_WATCH,
  type Frame,
  requestIdOf,
  slotOfPeer,
  writeFrameHeader,
  type PeerId,
} from './transport/frames.js'
import type { Inbox } from './transport/inbox.js'
import { FULL, type FrameLink } from './transport/link.js'
import { MissingTarget, ThreadTarget } from './thread-target.js'
import { PeerTable } from './routing/peers.js'
import { InboundFrames } from './routing/inbound.js'
import { deliverLost, failNode, failPeer } from './routing/peer-loss.js'
import { FailBatch, PeerAsk, ReplyBatcher, type LocalWatch, type PeerWatcher } from './routing/replies.js'

function targetKey(thread: number, id: string): string {
  return `${thread}:${id}`
}

/** `performance.timeOrigin` is a getter that costs a call into Node each read. */
const TIME_ORIGIN = performance.timeOrigin

/** Reply batches leave as a reaction to this settled promise (after the turns queued before). */
const SETTLED: Promise<void> = Promise.resolve()

export class ThreadRouter {
  /** @internal */ readonly pending = new Map<number, PeerAsk>()
  private nextRequest = 1
  /** @internal */ readonly watches = new Map<number, LocalWatch>()
  private nextWatch = 1
  /** Watchers other threads placed on local cells, by `${thread}:${watchId}`. */
  /** @internal */ readonly remoteWatchers = new Map<string, { cell: ActorCell; watcher: PeerWatcher }>()
  /** Cells on this thread whose parent lives on another thread. */
  /** @internal */ readonly remoteChildren = new Set<ActorCell>()
  /** Parents on this thread with children on another thread, per child. */
  /** @internal */ readonly remoteChildLinks = new Map<string, { parent: ActorCell; child: ThreadTarget }>()
  /** @internal */ readonly lostThreads = new Set<number>()
  /** Peers that confirmed their shutdown: every actor on them is stopped. */
  private readonly shutPeers = new Set<PeerId>()
  /** @internal */ inbox: Inbox | null = null

  constructor(readonly host: ActorHost) {
    this.peers = new PeerTable(host.node, host.thread)
  }

  /** Rebuilds refs in the frames this router decodes (this system's, not another's in the process). */
  readonly resolveRef = (a: RefAddress): ActorRef => this.refFor(a)

  get thread(): number {
    return this.host.thread
  }

  // ------------------------------------------------------------------ peers

  /** Where frames can go: this node's threads and other nodes (see `PeerTable`). */
  readonly peers: PeerTable

  setInbox(inbox: Inbox): void {
    this.inbox = inbox
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
    return this.peers.flush()
  }

  // ------------------------------------------------------------------ refs

  /** A ref for an address: the local cell when it lives here, else a target on its thread or node. */
  refFor(a: RefAddress): ActorRef {
    if (a.thread === this.thread) {
      // A forwarder stands for the same logical actor on every node (a singleton's proxy):
      // a ref to another node's one resolves to this node's, when this node has it.
      const fwd = this.host.forwarder(a.id)
      if (fwd !== undefined && fwd.actorType === a.actorType) return fwd
    }
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
    const key = targetKey(this.peers.peerOf(a), a.id)
    const cached = this.targets.get(key)?.deref()
    if (cached !== undefined && cached.alive && cached.actorType === a.actorType) return cached
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

  private liveLink(thread: PeerId, a: { id: string; actorType: string }, handler?: string): FrameLink {
    const link = this.peers.linkTo(thread)
    if (thread >= 65536) {
      const slot = slotOfPeer(thread)
      const lost = this.peers.nodeLost(slot)
      if (link === undefined || link.isDead || lost !== undefined) {
        const node = this.peers.nodeOfSlot(slot)
        throw new ActorRefError('NodeUnreachable', `node ${node === undefined ? '?' : `${node.id}#${node.incarnation}`} is ${lost ?? 'not reachable (no route)'}`, {
          actorId: a.id,
          actorType: a.actorType,
          ...(handler !== undefined ? { handler } : {}),
        })
      }
      return link
    }
    if (link === undefined || link.isDead || this.lostThreads.has(thread)) {
      throw new ActorRefError('WorkerLost', `the thread hosting this actor (${thread}) is gone`, {
        actorId: a.id,
        actorType: a.actorType,
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

  /** Reply batches per thread of this node (index: thread), created on first use. */
  private readonly replyBatches: (ReplyBatcher | undefined)[] = []
  /** Batches holding replies, sent at the end of this microtask checkpoint's turns. */
  private readonly unsentBatches: ReplyBatcher[] = []

  /**
   * Adds a reply to `to` (a thread of this node) to its batch; throws `NotEncodableError` when
   * the value cannot be encoded. Anything else this thread then writes to `to` sends the batch
   * first, so frames to a peer keep their order.
   */
  queueReply(to: PeerId, requestId: number, value: unknown): void {
    let b = this.replyBatches[to]
    if (b === undefined) {
      b = new ReplyBatcher(this.thread, to)
      this.replyBatches[to] = b
    }
    b.add(requestId, value)
    if (b.full) this.sendBatch(b)
    else if (!b.listed) {
      b.listed = true
      if (this.unsentBatches.push(b) === 1) SETTLED.then(this.sendBatches)
    }
  }

  /** Sends every reply batch now (before a message on another channel). */
  readonly sendBatches = (): void => {
    const list = this.unsentBatches
    for (let i = 0; i < list.length; i++) this.sendBatch(list[i] as ReplyBatcher)
    list.length = 0
  }

  private sendBatch(b: ReplyBatcher): void {
    b.listed = false
    const end = b.seal()
    if (end === 0) return
    const link = this.peers.linkTo(b.to)
    if (link !== undefined) link.writeSystem(b.bytes, 0, end)
  }

  /** Sends the reply batch to `to` now, before another frame to it. */
  private flushReplies(to: PeerId): void {
    const b = this.replyBatches[to]
    if (b !== undefined && b.count > 0) this.sendBatch(b)
  }

  /** Sends `payload` to `to` on the system lane (dropped when there is no link to it). */
  sendSystem(to: PeerId, payload: Frame): void {
    const link = this.peers.linkTo(to)
    if (link === undefined) return
    if (to < 65536) this.flushReplies(to)
    const bytes = this.frame(to, payload)
    link.writeSystem(bytes, bytes.start, bytes.end)
  }

  private encodeFor(to: PeerId, frame: Frame, a: { id: string; actorType: string }, handler: string): Encoded {
    try {
      const bytes = this.frame(to, frame)
      if (to >= 65536 && bytes.end - bytes.start > this.peers.maxRemoteFrameBytes) {
        throw new ActorRefError(
          'Serialization',
          `the message is ${bytes.end - bytes.start} bytes encoded, more than maxFrameBytes (${this.peers.maxRemoteFrameBytes}) allows to another node`,
          { actorId: a.id, actorType: a.actorType, handler },
        )
      }
      return bytes
    } catch (e) {
      if (e instanceof NotEncodableError) {
        throw new ActorRefError('Serialization', `the message cannot be sent to another thread: ${e.message}`, {
          actorId: a.id,
          actorType: a.actorType,
          handler,
          cause: e,
        })
      }
      throw e
    }
  }

  writeSystem(to: PeerId, bytes: Encoded): void {
    const link = this.peers.linkTo(to)
    if (link === undefined) return
    if (to < 65536) this.flushReplies(to)
    link.writeSystem(bytes, bytes.start, bytes.end)
  }

  tell(t: ThreadTarget, handler: string, args: unknown[]): void {
    let link: FrameLink
    try {
      link = this.liveLink(t.peer, t, handler)
    } catch {
      this.host.deadLetterFor(t.id, t.actorType, handler, args, 'the thread hosting the actor is gone')
      return
    }
    const bytes = this.encodeFor(t.peer, [F_TELL, t.id, handler, args], t, handler)
    if (t.peer < 65536) this.flushReplies(t.peer)
    if (link.writeUser(bytes, bytes.start, bytes.end) === FULL) {
      throw new ActorRefError('MailboxFull', `the outbox to thread ${t.peer} is full`, {
        actorId: t.id,
        actorType: t.actorType,
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
    if (t.peer < 65536) this.flushReplies(t.peer)
    if (link.writeUser(bytes, bytes.start, bytes.end) !== FULL) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const limit = timeoutMs ?? this.host.options.askTimeoutMs
      const timer = setTimeout(() => {
        done = true
        reject(new ActorRefError('Timeout', `the outbox stayed full for ${limit} ms`, { actorId: t.id, actorType: t.actorType, handler }))
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
    // One clock read for the deadline the peer gets and the one this thread's wheel keeps.
    const now = performance.now()
    let bytes: Encoded
    try {
      link = this.liveLink(t.peer, t, handler)
      bytes = this.encodeFor(t.peer, [F_ASK, t.id, handler, args, requestId, TIME_ORIGIN + now + timeoutMs], t, handler)
    } catch (e) {
      if (e instanceof ActorRefError && (e.code === 'Stopped' || e.code === 'NotFound')) t.markStopped()
      return Promise.reject(e)
    }
    const pending = new PeerAsk(this, t.peer, requestId, t, handler, timeoutMs, now)
    this.pending.set(requestId, pending)
    if (options?.signal !== undefined) pending.bindSignal(options.signal)
    if (t.peer < 65536) this.flushReplies(t.peer)
    if (link.writeUser(bytes, bytes.start, bytes.end) === FULL) {
      link.waitForRoom(bytes, bytes.start, bytes.end, () => {}, (e) => pending.reject(e))
    }
    // A reply from a thread of this node often comes within the spin; one from another node
    // never does, and spinning would take the core the network thread needs to carry it.
    if (t.peer < 65536) this.inbox?.kick()
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
    const pending = new PeerAsk(this, t.peer, requestId, t, what, timeoutMs)
    this.pending.set(requestId, pending)
    if (t.peer < 65536) this.flushReplies(t.peer)
    const bytes = this.frame(t.peer, frame(requestId))
    link.writeSystem(bytes, bytes.start, bytes.end)
    this.inbox?.kick()
    return pending.promise
  }

  stop(t: ThreadTarget, reason: TerminationReason): Promise<void> {
    if (this.shutPeers.has(t.peer)) return Promise.resolve()
    return this.request(t, (id) => [F_STOP, t.id, reason, id], 'stop', this.host.options.stopTimeoutMs * 2 + 1000).then(
      () => undefined,
      (e: unknown) => {
        // The thread (or node) died with the actor on it: it is stopped all the same.
        if (e instanceof ActorRefError && (e.code === 'WorkerLost' || (e.code === 'NodeUnreachable' && this.peers.nodeLost(slotOfPeer(t.peer)) !== undefined))) return
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
    if (t.peer >= 65536 && this.peers.nodeLost(slotOfPeer(t.peer)) !== undefined) {
      failNode(this, slotOfPeer(t.peer), this.peers.nodeLost(slotOfPeer(t.peer)) as string)
      return
    }
    if (this.lostThreads.has(t.peer) || this.peers.linkTo(t.peer)?.isDead) {
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
  forgetPeerWatcher(w: PeerWatcher): void {
    this.remoteWatchers.delete(`${w.thread}:${w.watchId}`)
  }

  // ------------------------------------------------------------------ inbound

  private readonly inbound = new InboundFrames(this)

  /** Handles one frame that came through `channel` (see `InboundFrames.onFrame`). */
  readonly onFrame = (channel: number, system: boolean, data: Uint8Array, start: number, end: number): boolean =>
    this.inbound.onFrame(channel, system, data, start, end)

  /** Frames that failed to decode since start. */
  get malformedFrames(): number {
    return this.inbound.malformedFrames
  }

  /** Frames passed on to another thread or node by header, undecoded. */
  get forwardedFrames(): number {
    return this.inbound.forwardedFrames
  }

  // ------------------------------------------------------------------ thread loss

  /** Another thread died: fail everything that waits on it (see `failPeer`). */
  peerLost(thread: number): void {
    failPeer(this, thread)
  }

  /** The node behind `slot` is down or left: fail everything that waits on it (see `failNode`). */
  nodeLost(slot: number, reason: string): void {
    failNode(this, slot, reason)
  }

  /** The lost thread was replaced and its actors restored; traffic may flow again. */
  peerReplaced(thread: number): void {
    this.lostThreads.delete(thread)
  }

  /** @internal A watch on a lost thread ends with `Terminated(workerLost)`. */
  deliverLost(watchId: number): void {
    deliverLost(this, watchId)
  }

  /**
   * Peer `peer` confirmed its shutdown (the system is shutting down): every actor on it is
   * stopped, and a frame sent to it now may never be read. Stop requests waiting on it, and
   * later ones, are answered at once instead of after their timeout (a main-thread parent with
   * children on workers, such as a pool, would otherwise hold the shutdown that long).
   */
  peerShutDown(peer: PeerId): void {
    this.shutPeers.add(peer)
    for (const p of [...this.pending.values()]) if (p.thread === peer && p.handlerName === 'stop') p.resolve(null)
  }

  /** Rejects every ask in flight (shutdown). */
  failAll(error: (p: { id: string; actorType: string }, handler: string) => unknown): void {
    for (const p of [...this.pending.values()]) p.reject(error(p.subjectInfo, p.handlerName))
  }
}
