/**
 * `ThreadNode`: one thread's place in the ring mesh, the same on the main thread and in every
 * worker. It attaches the rings to and from each peer (links out, inbox in), routes frames
 * through the `ThreadRouter`, and builds actors from the spawn records the main thread sends.
 */
import type { ActorHost } from '../actor/host.js'
import type { ActorRef } from '../actor/ref.js'
import type { ParentLink } from '../actor/target.js'
import type { ActorCell } from '../actor/cell.js'
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
    const existing = this.router.link(peer)
    if (existing !== undefined) existing.reset(sys, user, signal)
    else this.router.setLink(peer, new Link(peer, sys, user, signal, this.options.outboxLimit, () => this.inbox.wakeSoon()))
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
    const type = await loadActorClass(record.location as ClassLocation)
    const args = argsOf(record, this.router.resolveRef)
    let parent: ParentLink | null = null
    let parentCell: ActorCell | undefined
    if (record.parent !== null) {
      if (record.parent.thread === this.host.thread) {
        parentCell = this.host.cell(record.parent.id)
        if (parentCell === undefined || !parentCell.alive) {
          throw new ActorRefError('Stopped', 'the parent stopped before its child started', { actorId: record.parent.id })
        }
        parent = parentCell
      } else {
        parent = new PeerParent(this.router, record.parent)
      }
    }
    const ref = await this.host.spawnLocal(record, {
      type,
      args,
      parent,
      ...(parentCell !== undefined ? { parentCell } : {}),
      onCreated: (cell) => {
        if (parent instanceof PeerParent) this.router.trackRemoteChild(cell)
      },
    })
    return this.addressOf(ref)
  }
}
