/**
 * Between two processes on 127.0.0.1: this scenario process and a second one started by
 * bench/lib/child-node.ts.
 * - `remote.*`: coerce-ts remoting (issue 12). The child (bench/fixtures/coerce-node.ts) is a
 *   node that forms a cluster of one and hosts the named counter; this process starts a second
 *   node that joins it, finds the counter with `actorOf` and tells or asks it. Both nodes run
 *   with `workers: 0` (the counter on the child's main thread, plus each node's network thread):
 *   worker threads on both sides would oversubscribe the 2-core benchmark box.
 * - `remote.pubsub.publish`: distributed pub/sub (issue 13). The child also hosts two counting
 *   subscribers of a topic (bench/fixtures/pubsub-actors.ts); this process's node publishes.
 * - `baseline.ws.*`: raw `ws` carrying msgpackr messages shaped like the runtime's frames
 *   (bench/lib/ws-batch.ts) to bench/fixtures/ws-counter.ts: tells batched 100 per WebSocket
 *   message, and asks one at a time; the ceiling for `remote.tell` and `remote.ask.seq`.
 * - `peer.moleculer.remote.*`: moleculer 0.14 `broker.call` over its TCP transporter to a
 *   broker in bench/fixtures/moleculer-counter.ts, one at a time and 1000 in flight.
 */
import { ServiceBroker } from 'moleculer'
import { WebSocket, type RawData } from 'ws'
import { ActorRefError, ActorSystem, defineTopic, type Actor, type ActorRef } from '../../lib/index.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
import { startChild, type ChildNode } from '../lib/child-node.js'
import { Fixture } from '../lib/fixture.js'
import { BATCH_MESSAGES, BatchWriter, KIND_ASK, KIND_REPLY, KIND_TELL, readBatch, type TellMessage } from '../lib/ws-batch.js'
import { checkAborted, measurePipelined, measureSequential, measureTell, TELL_CHUNK } from '../lib/workloads.js'
import type { BenchCounter } from '../fixtures/worker-actors.js'
import { SUBSCRIBER_IDS, TALLY_ID, type PubSubTally } from '../fixtures/pubsub-actors.js'

const WS_COUNTER = new URL('../fixtures/ws-counter.ts', import.meta.url)
const MOLECULER_COUNTER = new URL('../fixtures/moleculer-counter.ts', import.meta.url)
const COERCE_NODE = new URL('../fixtures/coerce-node.ts', import.meta.url)

/** How long a connection to the child may take to open, and an answer to arrive, ms. */
const CONNECT_TIMEOUT_MS = 10_000
const REPLY_TIMEOUT_MS = 10_000
/** How long moleculer may take to discover the child's service (gossip runs once a second). */
const DISCOVERY_TIMEOUT_MS = 15_000
/** How long the child's counter may take to show in the cluster's name directory, ms. */
const LOOKUP_TIMEOUT_MS = 10_000
/**
 * How long this node's shutdown (leaving the cluster) may take, ms, before teardown gives up on
 * it and stops the child anyway: with the child's own 5 s this stays inside teardown's 10 s.
 */
const SHUTDOWN_TIMEOUT_MS = 4_000
/** How long the child's subscriptions may take to reach this node (interest announcement), ms. */
const INTEREST_TIMEOUT_MS = 10_000
/** The topic of `remote.pubsub.publish`; each message is the publish's sequence number. */
const BENCH_TOPIC = defineTopic<number>('bench.pubsub')
/**
 * Publishes that may be ahead of what the child's subscribers have counted before the publisher
 * waits: half the 65 536-frame outbox to the network thread, so a publish never finds it full
 * (a full outbox makes the copy for that node undeliverable, a counted drop).
 */
const PUBSUB_WINDOW = 32_768
/** The cluster secret both benchmark nodes share (loopback only; nothing to protect). */
const CLUSTER_SECRET = 'bench-secret-1'

/** The tell of the local scenarios (`tell('inc')` to the counter), as the runtime frames it. */
const INC: TellMessage = [KIND_TELL, 'counter', 'inc', []]

/** A request waiting for its reply. */
interface Pending {
  resolve(value: number): void
  reject(error: Error): void
}

/**
 * The scenario's end of a raw ws connection to bench/fixtures/ws-counter.ts: tells collect into
 * batches of {@link BATCH_MESSAGES}; an ask sends what is batched, then itself in a message of
 * its own, and waits for the reply its request id names.
 */
class WsCounterClient {
  private readonly batch = new BatchWriter()
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closed: Error | null = null

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: RawData) => {
      if (!Buffer.isBuffer(data)) return this.fail(new TypeError('the child sent a frame that is not one Buffer'))
      try {
        readBatch(data, (m) => {
          if (m[0] !== KIND_REPLY) return
          const waiting = this.pending.get(m[1])
          this.pending.delete(m[1])
          waiting?.resolve(m[2] as number)
        })
      } catch (e) {
        this.fail(e as Error)
      }
    })
    socket.on('close', () => this.fail(new Error('the ws connection to the child closed')))
    socket.on('error', (e) => this.fail(e))
  }

  /** Connects to the child on `port`; rejects after {@link CONNECT_TIMEOUT_MS}. */
  static connect(port: number): Promise<WsCounterClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate()
        reject(new Error(`no ws connection to the child on port ${port} within ${CONNECT_TIMEOUT_MS} ms`))
      }, CONNECT_TIMEOUT_MS)
      socket.once('open', () => {
        clearTimeout(timer)
        resolve(new WsCounterClient(socket))
      })
      socket.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
  }

  tell(): void {
    this.batch.add(INC)
    if (this.batch.count === BATCH_MESSAGES) this.flush()
  }

  /** Asks `handler` of the child's counter; rejects when the connection fails or after {@link REPLY_TIMEOUT_MS}. */
  ask(handler: 'get'): Promise<number> {
    if (this.closed !== null) return Promise.reject(this.closed)
    this.flush()
    const id = this.nextId++
    const deadline = Date.now() + REPLY_TIMEOUT_MS
    this.batch.add([KIND_ASK, 'counter', handler, [], id, deadline])
    this.flush()
    return new Promise((resolve, reject) => {
      // A timer per ask would cost more than the ask: a lost reply shows as a closed connection
      // or, failing that, as the scenario's time bound.
      this.pending.set(id, { resolve, reject })
    })
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()))
    this.socket.close()
    const timer = setTimeout(() => this.socket.terminate(), CONNECT_TIMEOUT_MS)
    await closed
    clearTimeout(timer)
  }

  private flush(): void {
    if (this.batch.count > 0) this.socket.send(this.batch.take())
  }

  private fail(error: Error): void {
    this.closed ??= error
    for (const waiting of this.pending.values()) waiting.reject(error)
    this.pending.clear()
  }
}

/**
 * Starts `module` in a second process with `args` and connects to it with `connect`; stops the
 * child again when connecting fails, so a failed setup leaves nothing running.
 */
async function withChild<C>(ctx: ScenarioContext, module: URL, args: string[], connect: (child: ChildNode) => Promise<C>): Promise<{ child: ChildNode; client: C }> {
  const child = await startChild(module, args, { signal: ctx.signal })
  try {
    return { child, client: await connect(child) }
  } catch (e) {
    await child.stop().catch(() => {})
    throw e
  }
}

/** The ws counter in a child process and a connection to it. */
const wsFixture = (): Fixture<{ child: ChildNode; client: WsCounterClient }> =>
  new Fixture(
    (ctx) => withChild(ctx, WS_COUNTER, [], (child) => WsCounterClient.connect(child.port)),
    async ({ child, client }) => {
      await client.close()
      await child.stop()
    },
  )

/**
 * A moleculer broker in a child process with the counter service, and one here that reaches it
 * through the TCP transporter at a static URL (no UDP discovery: no multicast on loopback). The
 * transporter's default JSON serializer is kept: it is what a moleculer user gets.
 */
const moleculerFixture = (): Fixture<{ child: ChildNode; client: ServiceBroker }> =>
  new Fixture(
    (ctx) => {
      const serverId = `bench-server-${process.pid}`
      return withChild(ctx, MOLECULER_COUNTER, [serverId], async (child) => {
        const broker = new ServiceBroker({
          nodeID: `bench-client-${process.pid}`,
          logger: false,
          skipProcessEventRegistration: true,
          requestTimeout: REPLY_TIMEOUT_MS,
          transporter: {
            type: 'TCP',
            options: { udpDiscovery: false, port: 0, gossipPeriod: 1, urls: [`127.0.0.1:${child.port}/${serverId}`] },
          },
        })
        try {
          await broker.start()
          await broker.waitForServices('counter', DISCOVERY_TIMEOUT_MS)
          return broker
        } catch (e) {
          await broker.stop().catch(() => {})
          throw e
        }
      })
    },
    async ({ child, client }) => {
      await client.stop()
      await child.stop()
    },
  )

/** Resolves with `promise`, or rejects after `ms` with an error that names `what`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Asks the cluster for the child's `counter` until it answers: the name reaches its owner in
 * the name directory when the ring changes, which may be a moment after the join completed.
 */
async function findCounter<A extends Actor = BenchCounter>(system: ActorSystem, signal: AbortSignal, name = 'counter'): Promise<ActorRef<A>> {
  const deadline = Date.now() + LOOKUP_TIMEOUT_MS
  for (;;) {
    const ref = await system.actorOf<A>(name)
    if (ref !== undefined) return ref
    checkAborted(signal)
    if (Date.now() > deadline) throw new Error(`the child's ${name} was not found in the cluster within ${LOOKUP_TIMEOUT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A coerce-ts node here joined to the child's, and a ref to the child's counter. */
interface CoerceClient {
  system: ActorSystem
  counter: ActorRef<BenchCounter>
}

/**
 * Starts this process's node, joined to the child's through its port, and finds the counter;
 * shuts the node down again when that fails. `then` (also shut down on failure) does more
 * setup with the node.
 */
async function joinChild<C extends CoerceClient = CoerceClient>(ctx: ScenarioContext, child: ChildNode, then?: (client: CoerceClient) => Promise<C>): Promise<C> {
  const system = await ActorSystem.start({
    nodeId: `bench-client-${process.pid}`,
    workers: 0,
    logLevel: 'silent',
    askTimeoutMs: REPLY_TIMEOUT_MS,
    cluster: { listen: '127.0.0.1:0', secret: CLUSTER_SECRET, seeds: [`127.0.0.1:${child.port}`], joinTimeoutMs: CONNECT_TIMEOUT_MS },
  })
  try {
    const counter = await findCounter(system, ctx.signal)
    await counter.ask('get') // the connection carries user messages before the clock starts
    return then === undefined ? ({ system, counter } as C) : await then({ system, counter })
  } catch (e) {
    await within(system.shutdown(), SHUTDOWN_TIMEOUT_MS, 'shutting down the benchmark node').catch(() => {})
    throw e
  }
}

/**
 * The counter node in a child process and this process's node joined to it. Teardown shuts this
 * node down first (it leaves the cluster), then stops the child, whatever the first step did.
 */
const coerceFixture = <C extends CoerceClient = CoerceClient>(extraArgs: string[] = [], then?: (ctx: ScenarioContext, client: CoerceClient) => Promise<C>): Fixture<{ child: ChildNode; client: C }> =>
  new Fixture(
    (ctx) =>
      withChild(ctx, COERCE_NODE, [`bench-counter-${process.pid}`, CLUSTER_SECRET, ...extraArgs], (child) =>
        joinChild(ctx, child, then === undefined ? undefined : (client) => then(ctx, client)),
      ),
    async ({ child, client }) => {
      try {
        await within(client.system.shutdown(), SHUTDOWN_TIMEOUT_MS, 'shutting down the benchmark node')
      } finally {
        await child.stop()
      }
    },
  )

/**
 * `remote.tell`'s producer: `tell('inc')`, and when the outbox to the network thread is full
 * (it holds 65 536 frames; past that a tell throws `MailboxFull` and sends nothing) the same
 * increment again with `send`, which waits for room (at most `askTimeoutMs`). That is what an
 * application does with a fast producer: without it a long run on a busy box fails whenever the
 * network thread falls 65 536 tells behind. `outboxFullWaits` counts the waits.
 */
async function remoteTellRun(counter: ActorRef<BenchCounter>, messages: number, signal: AbortSignal): Promise<Measurement> {
  let waits = 0
  const send = (): void | Promise<void> => {
    try {
      counter.tell('inc')
    } catch (e) {
      if (!(e instanceof ActorRefError && e.code === 'MailboxFull')) throw e
      waits++
      return counter.send('inc')
    }
  }
  const measured = await measureTell({ send, count: () => counter.ask('get') }, messages, signal)
  return { ...measured, extra: { outboxFullWaits: waits } }
}

/** The publisher's node, and the child's two subscribers and drop tally. */
interface PubSubClient extends CoerceClient {
  subscribers: ActorRef<BenchCounter>[]
  tally: ActorRef<PubSubTally>
}

/**
 * Finds the child's subscribers and tally, then waits until this node knows the child's
 * interest in the topic (it arrives by announcement, a moment after the child subscribed): a
 * publish before that would reach nobody.
 */
async function findSubscribers(ctx: ScenarioContext, client: CoerceClient): Promise<PubSubClient> {
  const { system } = client
  const subscribers = await Promise.all(SUBSCRIBER_IDS.map((id) => findCounter(system, ctx.signal, id)))
  const tally = await findCounter<PubSubTally>(system, ctx.signal, TALLY_ID)
  const childId = `bench-counter-${process.pid}`
  const deadline = Date.now() + INTEREST_TIMEOUT_MS
  while (!system.pubsub.interestedNodes(BENCH_TOPIC).includes(childId)) {
    checkAborted(ctx.signal)
    if (Date.now() > deadline) throw new Error(`the child's interest in ${BENCH_TOPIC.name} did not reach this node within ${INTEREST_TIMEOUT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { ...client, subscribers, tally }
}

/** Deliveries the child's subscribers have handled, all together. */
async function deliveries(subscribers: ActorRef<BenchCounter>[]): Promise<number> {
  let sum = 0
  for (const n of await Promise.all(subscribers.map((s) => s.ask('get')))) sum += n
  return sum
}

/** Drops on the topic on both nodes (the publisher's `undeliverable` copies, the subscribers' overflow). */
async function pubsubDrops({ system, tally }: PubSubClient): Promise<number> {
  let sum = 0
  for (const n of Object.values(system.pubsub.stats().dropped[BENCH_TOPIC.name] ?? {})) sum += n ?? 0
  for (const n of Object.values(await tally.ask('dropped'))) sum += n
  return sum
}

/**
 * `remote.pubsub.publish`: publishes `publishes` numbers on the topic in chunks of 1000 with
 * setImmediate between them, never more than {@link PUBSUB_WINDOW} ahead of what the
 * subscribers counted; the clock stops when the subscribers have counted every delivery (two
 * per publish). Any drop fails the repetition: the figure counts only when all arrived.
 */
async function remotePubSubRun(client: PubSubClient, publishes: number, signal: AbortSignal): Promise<Measurement> {
  const { system, subscribers } = client
  const perPublish = subscribers.length
  const dropsBefore = await pubsubDrops(client)
  const base = await deliveries(subscribers)
  const goal = base + publishes * perPublish
  let windowWaits = 0
  const start = performance.now()
  let seen = base
  for (let sent = 0; sent < publishes; ) {
    while (base + (sent - PUBSUB_WINDOW) * perPublish > seen) {
      windowWaits++
      checkAborted(signal)
      seen = await deliveries(subscribers)
    }
    const end = Math.min(publishes, sent + TELL_CHUNK)
    for (; sent < end; sent++) system.pubsub.publish(BENCH_TOPIC, sent)
    checkAborted(signal)
    await new Promise((resolve) => setImmediate(resolve))
  }
  // Every wait is an ask (askTimeoutMs 10 s) and the scenario's time bound covers the loop; a
  // drop would leave the count short for good, so it ends the wait with an error at once.
  while ((seen = await deliveries(subscribers)) < goal) {
    checkAborted(signal)
    const dropped = (await pubsubDrops(client)) - dropsBefore
    if (dropped > 0) throw new Error(`${dropped} pub/sub deliveries dropped (${seen - base} of ${goal - base} arrived)`)
    await new Promise((resolve) => setImmediate(resolve))
  }
  const seconds = (performance.now() - start) / 1000
  const dropped = (await pubsubDrops(client)) - dropsBefore
  if (dropped > 0 || seen !== goal) throw new Error(`${dropped} pub/sub deliveries dropped, ${seen - base} of ${goal - base} counted`)
  return { opsPerSec: (goal - base) / seconds, p50us: null, p99us: null, extra: { publishes, subscribers: perPublish, dropped, windowWaits } }
}

const remoteTell = coerceFixture()
const remoteAskSeq = coerceFixture()
const remoteAskPipelined = coerceFixture()
const remotePubSub = coerceFixture([BENCH_TOPIC.name], findSubscribers)
const wsTell = wsFixture()
const wsAskSeq = wsFixture()
const moleculerSeq = moleculerFixture()
const moleculerPipelined = moleculerFixture()

const moleculerGet = (broker: ServiceBroker): Promise<number> => broker.call<number>('counter.get')

const scenarios: Scenario[] = [
  {
    name: 'remote.tell',
    system: 'coerce-ts',
    description:
      "The local.tell workload to a counter on a second node (a child process, cluster over ws on loopback, workers: 0 on both): `tell('inc')` through this node's network thread, in chunks of 1000 with setImmediate between them; the clock stops when an `ask('get')` shows every message handled. When the outbox to the network thread is full (65 536 frames), the producer waits for room with `send` (counted as outboxFullWaits).",
    ...remoteTell.hooks(),
    run(ctx) {
      return remoteTellRun(remoteTell.current.client.counter, ctx.quick ? 500_000 : 2_000_000, ctx.signal)
    },
    timeoutMs: 120_000,
  },
  {
    name: 'remote.ask.seq',
    system: 'coerce-ts',
    description: "The local.ask.seq workload to the counter on the second node: one `ask('get')` at a time; p50/p99 are the round trip.",
    ...remoteAskSeq.hooks(),
    run(ctx) {
      const { counter } = remoteAskSeq.current.client
      return measureSequential(() => counter.ask('get'), ctx.quick ? 5_000 : 20_000, ctx.signal)
    },
    timeoutMs: 120_000,
  },
  {
    name: 'remote.ask.pipelined',
    system: 'coerce-ts',
    description: "`ask('get')` to the counter on the second node with 1000 in flight; p50/p99 are send-to-reply, mostly queueing behind the other 999.",
    ...remoteAskPipelined.hooks(),
    run(ctx) {
      const { counter } = remoteAskPipelined.current.client
      return measurePipelined(() => counter.ask('get'), ctx.quick ? 50_000 : 200_000, ctx.signal)
    },
    timeoutMs: 120_000,
  },
  {
    name: 'remote.pubsub.publish',
    system: 'coerce-ts',
    description:
      "Distributed pub/sub: this node publishes numbers on a topic, 2 actor subscribers on the second node (a child process, workers: 0 on both) each count them; one copy per publish crosses to that node and fans out there. Chunks of 1000 with setImmediate between them, at most 32 768 publishes ahead of the count; ops/s are deliveries (2 per publish), and the clock stops when `ask('get')` on both subscribers shows every delivery. Any drop fails the repetition.",
    ...remotePubSub.hooks(),
    run(ctx) {
      return remotePubSubRun(remotePubSub.current.client, ctx.quick ? 100_000 : 500_000, ctx.signal)
    },
    timeoutMs: 120_000,
  },
  {
    name: 'baseline.ws.tell',
    system: 'node',
    description:
      'The local.tell workload to a counter in a second process over raw ws on loopback: each tell a msgpackr message shaped like a runtime tell frame, 100 per ws message; the child decodes and counts each, and the clock stops when an ask shows them all counted.',
    compareTo: 'remote.tell',
    ...wsTell.hooks(),
    run(ctx) {
      const { client } = wsTell.current
      return measureTell({ send: () => client.tell(), count: () => client.ask('get') }, ctx.quick ? 1_000_000 : 3_000_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'baseline.ws.ask.seq',
    system: 'node',
    description:
      'The local.ask.seq workload over raw ws to a second process: one msgpackr ask per ws message, one reply back, one at a time; p50/p99 are the round trip.',
    compareTo: 'remote.ask.seq',
    ...wsAskSeq.hooks(),
    run(ctx) {
      const { client } = wsAskSeq.current
      return measureSequential(() => client.ask('get'), ctx.quick ? 10_000 : 40_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'peer.moleculer.remote.ask.seq',
    system: 'moleculer',
    description:
      'The local.ask.seq workload with moleculer 0.14: one `broker.call` at a time to an action of a broker in a second process, TCP transporter on loopback.',
    compareTo: 'remote.ask.seq',
    ...moleculerSeq.hooks(),
    run(ctx) {
      const { client } = moleculerSeq.current
      return measureSequential(() => moleculerGet(client), ctx.quick ? 4_000 : 15_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'peer.moleculer.remote.ask.pipelined',
    system: 'moleculer',
    description: 'The same `broker.call` with 1000 in flight.',
    compareTo: 'remote.ask.pipelined',
    ...moleculerPipelined.hooks(),
    run(ctx) {
      const { client } = moleculerPipelined.current
      return measurePipelined(() => moleculerGet(client), ctx.quick ? 20_000 : 100_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
]

export default scenarios
