/**
 * coerce-ts across threads: the main thread talks to an actor on a worker thread through the
 * shared-memory rings (tell, sequential ask, ask with 1000 in flight), and CPU-bound actors
 * spread over every core compared with a single worker.
 */
import { availableParallelism } from 'node:os'
import { ActorSystem, type ActorRef, type PoolRef } from '../../lib/index.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
import { Fixture } from '../lib/fixture.js'
import { checkAborted, measurePipelined, measureSequential, measureTell } from '../lib/workloads.js'
import { BenchCounter } from '../fixtures/worker-actors.js'
import { runCpuActors } from '../../examples/cpu-actors.js'
import { runCpuPool } from '../../examples/cpu-pool.js'

/** A system with one worker hosting one counter. */
const counterOnWorker = (): Fixture<{ system: ActorSystem; counter: ActorRef<BenchCounter> }> =>
  new Fixture(
    async () => {
      const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' })
      const counter = await system.spawn(BenchCounter, { placement: 1 })
      await counter.ask('get')
      return { system, counter }
    },
    ({ system }) => system.shutdown(),
  )

/** A system with one worker hosting a pool of one counter: the same path as above plus routing. */
const poolOnWorker = (): Fixture<{ system: ActorSystem; pool: PoolRef<BenchCounter>; member: ActorRef<BenchCounter> }> =>
  new Fixture(
    async () => {
      const system = await ActorSystem.start({ workers: 1, logLevel: 'silent' })
      const pool = await system.pool(BenchCounter, { size: 1 })
      const member = pool.members[0] as ActorRef<BenchCounter>
      await pool.ask('get')
      return { system, pool, member }
    },
    ({ system }) => system.shutdown(),
  )

const tell = counterOnWorker()
const askSeq = counterOnWorker()
const askPipelined = counterOnWorker()
const poolTell = poolOnWorker()
const poolAskPipelined = poolOnWorker()

const CRUNCH_MICROS = 50

/** The cpu-actors example's run (two CPU-bound actors per worker), with 1 worker and with one per core. */
async function cpuScale(ctx: ScenarioContext): Promise<Measurement> {
  const messages = ctx.quick ? 20_000 : 60_000
  const cores = availableParallelism()
  const one = await runCpuActors(1, messages, CRUNCH_MICROS)
  checkAborted(ctx.signal)
  const all = await runCpuActors(cores, messages, CRUNCH_MICROS)
  if (one.messages !== messages || all.messages !== messages) throw new Error('some messages were not handled')
  return {
    opsPerSec: all.messagesPerSecond,
    p50us: null,
    p99us: null,
    extra: { ratio: all.messagesPerSecond / one.messagesPerSecond, workers: cores, singleWorkerOpsPerSec: one.messagesPerSecond },
  }
}

/** The cpu-pool example: a pool of one CPU-bound hasher vs a pool of one per core. */
async function poolCpuScale(ctx: ScenarioContext): Promise<Measurement> {
  const messages = ctx.quick ? 20_000 : 60_000
  const cores = availableParallelism()
  const one = await runCpuPool(1, messages, CRUNCH_MICROS)
  checkAborted(ctx.signal)
  const all = await runCpuPool(cores, messages, CRUNCH_MICROS)
  if (one.messages !== messages || all.messages !== messages) throw new Error('some requests were not served')
  return {
    opsPerSec: all.messagesPerSecond,
    p50us: null,
    p99us: null,
    extra: { ratio: all.messagesPerSecond / one.messagesPerSecond, instances: all.instances, singleInstanceOpsPerSec: one.messagesPerSecond },
  }
}

const scenarios: Scenario[] = [
  {
    name: 'worker.tell',
    system: 'coerce-ts',
    description:
      'Fire-and-forget `tell` from the main thread to a counter on a worker thread through the shared-memory rings; chunks of 1000 with setImmediate between them; the time ends when an ask shows every message handled.',
    ...tell.hooks(),
    run(ctx) {
      const { counter } = tell.current
      return measureTell({ send: () => counter.tell('inc'), count: () => counter.ask('get') }, ctx.quick ? 500_000 : 2_000_000, ctx.signal)
    },
    timeoutMs: 90_000,
  },
  {
    name: 'worker.ask.seq',
    system: 'coerce-ts',
    description: 'One `ask` at a time from the main thread to a counter on a worker thread; p50/p99 are the cross-thread round trip.',
    ...askSeq.hooks(),
    run(ctx) {
      const { counter } = askSeq.current
      return measureSequential(() => counter.ask('get'), ctx.quick ? 50_000 : 200_000, ctx.signal)
    },
    timeoutMs: 90_000,
  },
  {
    name: 'worker.ask.pipelined',
    system: 'coerce-ts',
    description: '`ask` with 1000 in flight from the main thread to a counter on a worker thread; p50/p99 are send-to-reply, mostly queueing.',
    ...askPipelined.hooks(),
    run(ctx) {
      const { counter } = askPipelined.current
      return measurePipelined(() => counter.ask('get'), ctx.quick ? 200_000 : 1_000_000, ctx.signal)
    },
    timeoutMs: 90_000,
  },
  {
    name: 'worker.cpu.scale',
    system: 'coerce-ts',
    description: `CPU-bound actors (~${CRUNCH_MICROS} us per message, two per worker): messages/s with one worker per core; ratio = that divided by the rate with a single worker.`,
    run: cpuScale,
    timeoutMs: 180_000,
    repetitions: 3,
  },
  {
    name: 'worker.pool.tell',
    system: 'coerce-ts',
    description: '`worker.tell` through a pool ref (round-robin, one member on the worker): the cost of routing on the sending thread.',
    ...poolTell.hooks(),
    run(ctx) {
      const { pool, member } = poolTell.current
      return measureTell({ send: () => pool.tell('inc'), count: () => member.ask('get') }, ctx.quick ? 500_000 : 2_000_000, ctx.signal)
    },
    timeoutMs: 90_000,
  },
  {
    name: 'worker.pool.ask.pipelined',
    system: 'coerce-ts',
    description: '`worker.ask.pipelined` through a pool ref (round-robin, one member on the worker), 1000 in flight.',
    ...poolAskPipelined.hooks(),
    run(ctx) {
      const { pool } = poolAskPipelined.current
      return measurePipelined(() => pool.ask('get'), ctx.quick ? 200_000 : 1_000_000, ctx.signal)
    },
    timeoutMs: 90_000,
  },
  {
    name: 'worker.pool.cpu.scale',
    system: 'coerce-ts',
    description: `A CPU-bound hashing service (~${CRUNCH_MICROS} us per request) as a round-robin pool with one instance per core, requests sent as tells through the pool ref; ratio = that divided by the rate of a pool of one instance.`,
    run: poolCpuScale,
    timeoutMs: 180_000,
    repetitions: 3,
  },
]

export default scenarios
