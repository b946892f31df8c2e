/**
 * coerce-ts across threads: the main thread talks to an actor on a worker thread through the
 * shared-memory rings (tell, sequential ask, ask with 1000 in flight), and CPU-bound actors
 * spread over every core compared with a single worker.
 */
import { availableParallelism } from 'node:os'
import { ActorSystem, type ActorRef } from '../../lib/index.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
import { Fixture } from '../lib/fixture.js'
import { checkAborted, measurePipelined, measureSequential, measureTell } from '../lib/workloads.js'
import { BenchCounter } from '../fixtures/worker-actors.js'
import { runCpuActors } from '../../examples/cpu-actors.js'

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

const tell = counterOnWorker()
const askSeq = counterOnWorker()
const askPipelined = counterOnWorker()

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
]

export default scenarios
