/**
 * `ThreadNode`: one thread's place in the ring mesh, the same on the main thread and in every
 * worker. It attaches the rings to and from each peer (links out, inbox in), routes frames
 * through the `ThreadRouter`, and builds actors from `SpawnSpec`s sent by the main thread.
 */
import type { ActorHost } from '../actor/host.js'
import type { ActorRef } from '../actor/ref.js'
import type { ParentLink } from '../actor/target.js'
import type { ActorCell } from '../actor/cell.js'
import { ActorRefError } from '../actor/errors.js'
import { loadActorClass } from './actor-modules.js'
import { addressOf, decode, type RefAddress } from './transport/codec.js'
import { Inbox } from './transport/inbox.js'
import { Link } from './transport/link.js'
import type { RingPair, SpawnSpec } from './messages.js'
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

  /** Builds and starts the actor a spec describes on this thread. */
  async spawnFromSpec(spec: SpawnSpec): Promise<RefAddress> {
    const type = await loadActorClass(spec.location)
    const args = decode(spec.args, 0, spec.args.length, this.router.resolveRef) as unknown[]
    let parent: ParentLink | null = null
    let parentCell: ActorCell | undefined
    if (spec.parent !== null) {
      if (spec.parent.thread === this.host.thread) {
        parentCell = this.host.cell(spec.parent.id)
        if (parentCell === undefined || !parentCell.alive) {
          throw new ActorRefError('Stopped', 'the parent stopped before its child started', { actorId: spec.parent.id })
        }
        parent = parentCell
      } else {
        parent = new PeerParent(this.router, spec.parent)
      }
    }
    const ref = await this.host.spawnLocal({
      type,
      typeName: spec.location.typeName,
      id: spec.id,
      localId: spec.localId,
      tracked: spec.tracked,
      args,
      strategy: spec.strategy,
      mailboxCapacity: spec.mailboxCapacity,
      parent,
      ...(parentCell !== undefined ? { parentCell } : {}),
      registered: spec.tracked || spec.parent === null,
      onCreated: (cell) => {
        if (parent instanceof PeerParent) this.router.trackRemoteChild(cell)
      },
    })
    return this.addressOf(ref)
  }
}
