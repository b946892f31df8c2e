// The runtime's seams for remoting, without a network: node-aware addresses (a node id plus
// an incarnation), a ref codec per system, and frames that a forwarding link routes by their
// 16-byte header alone. Two actor systems with workers in one process stand in for two nodes;
// a test double of the future network thread moves frames between them.
import t from 'tap'
import { ActorSystem, sameNode, type ActorRef, type NodeAddress } from '../../lib/index.js'
import type { MainRuntime } from '../../lib/runtime/main-runtime.js'
import { WRITTEN, type FrameLink, type WriteOutcome } from '../../lib/runtime/transport/link.js'
import { FRAME_HEADER_BYTES, frameKind, frameTarget, rewriteFrameSlots, threadOfPeer } from '../../lib/runtime/transport/frames.js'
import { Counter, Forwarder } from '../fixtures/worker-actors.js'

/**
 * Carries frames from one system to another like a socket would: copies the bytes, renumbers
 * the node slots for the receiving side and delivers them on a later turn. It reads the header
 * and nothing else: the payload stays opaque bytes.
 */
class ForwardingLink implements FrameLink {
  isDead = false
  readonly backlog = 0
  readonly userRingCapacity = 0
  frames = 0
  readonly kinds = new Map<number, number>()
  /** Threads of the other node that frames were addressed to, read from headers. */
  readonly targets = new Set<number>()
  /** The sending node's slot at the receiving side, set once both sides numbered each other. */
  originSlotThere = -1

  constructor(private readonly to: MainRuntime) {}

  private pass(system: boolean, bytes: Uint8Array, start: number, end: number): void {
    if (this.isDead) return
    // A copy (a Buffer's slice would be a view into the encoder's reused buffer).
    const frame = Uint8Array.prototype.slice.call(bytes, start, end)
    const target = frameTarget(frame, 0)
    rewriteFrameSlots(frame, 0, this.originSlotThere, 0)
    this.frames++
    this.kinds.set(frameKind(frame, 0), (this.kinds.get(frameKind(frame, 0)) ?? 0) + 1)
    const deliver = (): void => {
      if (this.isDead) return
      if (!this.to.acceptFrame(system, frame, 0, frame.length)) setTimeout(deliver, 1)
    }
    setImmediate(deliver)
    this.targets.add(threadOfPeer(target))
  }

  writeSystem(bytes: Uint8Array, start: number, end: number): void {
    this.pass(true, bytes, start, end)
  }

  writeUser(bytes: Uint8Array, start: number, end: number): WriteOutcome {
    this.pass(false, bytes, start, end)
    return WRITTEN
  }

  waitForRoom(bytes: Uint8Array, start: number, end: number, accepted: () => void): void {
    this.pass(false, bytes, start, end)
    accepted()
  }

  flush(): number {
    return 0
  }

  kill(): void {
    this.isDead = true
  }

  userRingUsed(): number {
    return 0
  }
}

const a = await ActorSystem.start({ nodeId: 'node-a', workers: 1, logLevel: 'silent', askTimeoutMs: 10_000 })
const b = await ActorSystem.start({ nodeId: 'node-b', workers: 1, logLevel: 'silent', askTimeoutMs: 10_000 })
const rtA = a.runtime as MainRuntime
const rtB = b.runtime as MainRuntime
const aToB = new ForwardingLink(rtB)
const bToA = new ForwardingLink(rtA)
const slotOfBAtA = await rtA.connectNode(b.node, aToB)
const slotOfAAtB = await rtB.connectNode(a.node, bToA)
aToB.originSlotThere = slotOfAAtB
bToA.originSlotThere = slotOfBAtA
t.teardown(async () => {
  aToB.kill()
  bToA.kill()
  await Promise.all([a.shutdown(), b.shutdown()])
})

/** A ref on system `on` to the actor `ref` of another system, built from its address (a remote lookup's job later). */
const remoteRef = <R extends ActorRef>(on: MainRuntime, ref: R): R => {
  const target = ref.target
  return on.refFor({ node: target.node, thread: target.thread, id: target.id, actorType: target.actorType, path: target.path }) as R
}

t.test('addresses name the node run: two runs of one node id never share refs', async (t) => {
  const first = await ActorSystem.start({ nodeId: 'same-node', workers: 0, logLevel: 'silent' })
  const second = await ActorSystem.start({ nodeId: 'same-node', workers: 0, logLevel: 'silent' })
  t.teardown(() => Promise.all([first.shutdown(), second.shutdown()]))
  t.equal(first.node.id, second.node.id)
  t.not(first.node.incarnation, second.node.incarnation, 'each start is a new incarnation')
  t.notOk(sameNode(first.node, second.node))
  const x1 = await first.spawn(Counter, { id: 'x' })
  const x2 = await second.spawn(Counter, { id: 'x' })
  t.notOk(x1.equals(x2), 'same node id, same actor id, another run: not equal')
  t.ok(x1.equals(x1))
  t.same(x1.address, { node: first.node, thread: 0, id: 'x' })
  t.match(x1.toJSON(), { id: 'x', node: `same-node#${first.node.incarnation}`, thread: 0 })
  t.not(JSON.stringify(x1), JSON.stringify(x2))
})

t.test('each system rebuilds refs with its own router, with two systems with workers in one process', async (t) => {
  const mainA = await a.spawn(Counter, { placement: 'main' })
  const workerA = await a.spawn(Counter, { placement: 1 })
  const mainB = await b.spawn(Counter, { placement: 'main' })
  const workerB = await b.spawn(Counter, { placement: 1 })
  const backA = (await workerA.ask('echo', mainA)) as ActorRef
  t.equal(backA.target, mainA.target, "a ref through A's worker comes back as A's own cell")
  const backB = (await workerB.ask('echo', mainB)) as ActorRef
  t.equal(backB.target, mainB.target, "and B's as B's, although B started its workers last")
  const workerRefBack = (await workerA.ask('echo', workerA)) as ActorRef
  t.equal(workerRefBack.target, workerA.target, 'one target per actor per thread')
  for (const r of [mainA, workerA, mainB, workerB]) await r.stop()
})

t.test('a forwarding link carries tell, ask and refs between the two systems by frame header', async (t) => {
  const counterB = await b.spawn(Counter, { id: 'b-counter', placement: 1 })
  const onA = remoteRef(rtA, counterB)
  t.ok(sameNode(onA.address.node, b.node), 'the ref on A names node B')
  onA.tell('inc', 5)
  t.equal(await onA.ask('get'), 5, 'main thread of A -> worker of B, and the reply back')
  t.equal(await counterB.ask('get'), 5, 'the same actor, seen from B')

  const fwdA = await a.spawn(Forwarder, { placement: 1 })
  t.equal(await fwdA.ask('forward', onA, 2), 7, 'a worker of A uses the ref it got in a message: worker -> worker across nodes')

  const echoed = (await onA.ask('echo', onA)) as ActorRef
  t.equal(echoed.target, onA.target, 'a ref to B that went to B and back is the same target on A')
  t.ok(echoed.equals(onA))

  const counterA = await a.spawn(Counter, { placement: 1 })
  const fwdB = remoteRef(rtA, await b.spawn(Forwarder, { placement: 1 }))
  t.equal(await fwdB.ask('forward', counterA, 3), 3, 'B uses a ref to an actor of A that arrived in a message from A')
  t.equal(await counterA.ask('get'), 3)

  const onMainOfB = remoteRef(rtA, await b.spawn(Counter, { placement: 'main', args: [40] }))
  t.equal(await onMainOfB.ask('get'), 40, "and to B's main thread")

  const routerB = (rtB as unknown as { node: { router: { forwardedFrames: number; malformedFrames: number } } }).node.router
  t.ok(routerB.forwardedFrames > 0, `B's main thread passed ${routerB.forwardedFrames} frames to its worker by header`)
  t.equal(routerB.malformedFrames, 0)
  t.ok(aToB.frames > 0 && bToA.frames > 0, `frames both ways (${aToB.frames} and ${bToA.frames})`)
  t.ok((aToB.kinds.get(2) ?? 0) > 0 && (bToA.kinds.get(3) ?? 0) > 0, 'asks one way, replies the other, told apart by the header kind')
  t.same([...aToB.targets].sort(), [0, 1], 'frames for both of B\'s threads, told apart by the header')
  for (const r of [counterB, fwdA, counterA, fwdB, onMainOfB]) await r.stop()
})

t.test('a ref to a node with no route fails with Unreachable', async (t) => {
  const ghost: NodeAddress = { id: 'ghost', incarnation: 7 }
  const ref = rtA.refFor({ node: ghost, thread: 0, id: 'nobody', actorType: 'Counter', path: 'nobody' }) as ActorRef<Counter>
  await t.rejects(ref.ask('get'), { code: 'NodeUnreachable', message: /ghost/ })
  t.equal(FRAME_HEADER_BYTES, 16)
})

t.test('malformed frames from another node are dropped and counted; traffic goes on', async (t) => {
  const router = (rtA as unknown as { node: { router: { malformedFrames: number } } }).node.router
  const before = router.malformedFrames
  t.equal(rtA.acceptFrame(true, new Uint8Array(5), 0, 5), true, 'a frame shorter than its header is consumed, not retried')
  // A zeroed header (for this thread) and a payload of 0xc1, which msgpack never uses.
  const garbage = new Uint8Array(FRAME_HEADER_BYTES + 4)
  garbage.fill(0xc1, FRAME_HEADER_BYTES)
  t.equal(rtA.acceptFrame(false, garbage, 0, garbage.length), true, 'an undecodable payload is consumed too')
  t.equal(router.malformedFrames, before + 2, 'both counted')
  const c = await a.spawn(Counter, { placement: 'main', args: [3] })
  t.equal(await c.ask('get'), 3, 'the thread keeps working')
  await c.stop()
})
