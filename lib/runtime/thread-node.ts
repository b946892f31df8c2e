/**
 * `ThreadNode`: one thread's place in the ring mesh, the same on the main thread and in every
 * worker. It attaches the rings to and from each peer (links out, inbox in), routes frames
 * through the `ThreadRouter`, and builds actors from the spawn records the main thread sends.
 */
import type { ActorHost, LocalBinding } from '../actor/host.js'
import type { ActorRef } from '../actor/ref.js'
import type { ParentLink } from '../actor/target.js'
import type { ActorCell } from '../actor/cell.js'
import type { ActorClass } from '../actor/types.js'
import { ActorRefError } from '../actor/errors.js'
import type { ClassLocation, PlacedSpawnRecord } from '../actor/spawn-record.js'
import { loadActorClass } from './actor-modules.js'
import { argsOf } from './spawn-transfer.js'
import { addressOf, type RefAddress } from './transport/codec.js'
import { Inbox } from './transport/inbox.js'
import { Link } from './transport/link.js'
import type { RingPair } from './messages.js'
import { SpscRing } from './transport/ring.js'
import { ThreadRouter } from './router.js'
import { PeerParent } from './thread-target.js'
import { ThreadSignal } from './transport/signal.js'

export interface ThreadNodeOptions {
  spinMicros: number
  outboxLimit: number
}

export class ThreadNode {
  readonly router: ThreadRouter
  readonly inbox: Inbox
  private readonly peerSignals: (ThreadSignal | undefined)[] = []

  constructor(
    readonly host: ActorHost,
    readonly signal: ThreadSignal,
    private readonly options: ThreadNodeOptions,
  ) {
    this.router = new ThreadRouter(host)
    this.inbox = new Inbox(signal, { spinMicros: options.spinMicros }, this.router.onFrame, () => this.router.flush())
    this.inbox.wakeProducer = (thread) => this.peerSignals[thread]?.wake()
    this.router.setInbox(this.inbox)
  }

  /**
   * Connects (or reconnects) to `peer`. A replacement worker connects `restoring`: frames flow
   * both ways, but actor traffic to it fails with `WorkerLost` until `router.peerReplaced`
   * (its actors are being rebuilt, and a message now would find none of them).
   */
  connect(peer: number, outbound: RingPair, inbound: RingPair, peerSignal: SharedArrayBuffer, restoring = false): void {
    const signal = ThreadSignal.attach(peerSignal)
    this.peerSignals[peer] = signal
    const sys = SpscRing.attach(outbound.sys)
    const user = SpscRing.attach(outbound.user)
    const existing = this.router.peers.link(peer)
    if (existing !== undefined) existing.reset(sys, user, signal)
    else this.router.peers.setLink(peer, new Link(peer, sys, user, signal, this.options.outboxLimit, () => this.inbox.wakeSoon()))
    if (!restoring) this.router.peerReplaced(peer)
    this.inbox.attach(peer, SpscRing.attach(inbound.sys), SpscRing.attach(inbound.user))
  }

  start(): void {
    this.inbox.start()
  }

  stop(): void {
    this.inbox.stop()
  }

  /** The address of a ref as other threads see it. */
  addressOf(ref: ActorRef): RefAddress {
    return addressOf(ref)
  }

  /** Builds and starts the actor a placed record describes on this thread (its class is loaded from its location). */
  async spawnFromRecord(record: PlacedSpawnRecord): Promise<RefAddress> {
    return this.addressOf(await spawnFromRecord(this.host, this.router, record, null))
  }
}

/**
 * Builds and starts on this thread the actor `record` describes, linked to its parent: the
 * cell in hand, a cell found here, or a `PeerParent` when the parent lives on another thread.
 * `router` is null on a main thread whose workers never started (every parent is then here).
 */
export function spawnFromRecord(
  host: ActorHost,
  router: ThreadRouter | null,
  record: PlacedSpawnRecord,
  type: ActorClass | null,
  parentInHand: ActorCell | null = null,
): Promise<ActorRef> {
  if (type === null) return loadActorClass(record.location as ClassLocation).then((cls) => buildHere(host, router, record, cls, parentInHand))
  try {
    return buildHere(host, router, record, type, parentInHand)
  } catch (e) {
    return Promise.reject(e)
  }
}

/** {@link spawnFromRecord} once the class is in hand; throws what it refuses. */
function buildHere(host: ActorHost, router: ThreadRouter | null, record: PlacedSpawnRecord, cls: ActorClass, parentInHand: ActorCell | null): Promise<ActorRef> {
  const args = argsOf(record, router === null ? null : router.resolveRef)
  let parent: ParentLink | null = parentInHand
  let parentCell: ActorCell | undefined = parentInHand ?? undefined
  if (parent === null && record.parent !== null) {
    if (record.parent.thread === host.thread) {
      parentCell = host.cell(record.parent.id)
      if (parentCell === undefined || !parentCell.alive) {
        throw new ActorRefError('Stopped', 'the parent stopped before its child started', { actorId: record.parent.id })
      }
      parent = parentCell
    } else {
      if (router === null) throw new Error('the parent lives on another thread, but no worker threads run')
      parent = new PeerParent(router, record.parent)
    }
  }
  const local: LocalBinding = { type: cls, args, parent, parentCell }
  if (parent instanceof PeerParent) local.onCreated = (cell) => router?.trackRemoteChild(cell)
  return host.spawnLocal(record, local)
}
