/**
 * coerce-ts on one thread: tell, sequential and pipelined ask, spawn+stop, and the memory of an
 * idle actor. The peer and baseline scenarios run the same workloads (bench/lib/workloads.ts).
 */
import { Actor, ActorSystem, type ActorRef } from '../../lib/index.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
import { Fixture } from '../lib/fixture.js'
import { checkAborted, measurePipelined, measureSequential, measureTell } from '../lib/workloads.js'

/** The counter every throughput scenario talks to. */
class Counter extends Actor {
  private n = 0
  inc(): void {
    this.n++
  }
  get(): number {
    return this.n
  }
}

/** An actor with no state and no handlers of note: what spawn and memory scenarios create. */
class Idle extends Actor {
  ping(): void {}
}

/** A system with one counter actor. */
const counterFixture = (): Fixture<{ system: ActorSystem; counter: ActorRef<Counter> }> =>
  new Fixture(
    async () => {
      const system = await ActorSystem.start({ logLevel: 'silent' })
      return { system, counter: await system.spawn(Counter, { id: 'counter' }) }
    },
    ({ system }) => system.shutdown(),
  )

const tell = counterFixture()
const askSeq = counterFixture()
const askPipelined = counterFixture()
const spawning = new Fixture(
  () => ActorSystem.start({ logLevel: 'silent' }),
  (system) => system.shutdown(),
)

/** Spawns `count` idle actors on a fresh system and returns the heap growth per actor. */
async function bytesPerIdleActor(count: number, ctx: ScenarioContext): Promise<Measurement> {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('local.memory needs --expose-gc (the harness passes it to its child processes)')
  const system = await ActorSystem.start({ logLevel: 'silent' })
  try {
    await system.spawn(Idle) // warms the type's caches so they are not charged to the actors
    // Allocated before the first reading, so only the actors are charged.
    const refs: (ActorRef<Idle> | null)[] = Array.from({ length: count }, () => null)
    gc()
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < count; i += 1000) {
      const end = Math.min(count, i + 1000)
      const spawned = await Promise.all(Array.from({ length: end - i }, () => system.spawn(Idle)))
      spawned.forEach((ref, j) => (refs[i + j] = ref))
      checkAborted(ctx.signal)
    }
    gc()
    gc()
    const after = process.memoryUsage().heapUsed
    if (refs.some((r) => r === null || !r.isAlive)) throw new Error('an idle actor is missing or stopped')
    return { opsPerSec: null, extra: { bytesPerActor: Math.round((after - before) / count) } }
  } finally {
    await system.shutdown()
  }
}

const scenarios: Scenario[] = [
  {
    name: 'local.tell',
    system: 'coerce-ts',
    description:
      'Fire-and-forget `tell` to a counter actor on the same thread; the producer sends in chunks of 1000 and yields with setImmediate between them; the time ends when an ask shows every message handled.',
    ...tell.hooks(),
    run(ctx) {
      const { counter } = tell.current
      return measureTell({ send: () => counter.tell('inc'), count: () => counter.ask('get') }, ctx.quick ? 2_000_000 : 5_000_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'local.ask.seq',
    system: 'coerce-ts',
    description: 'One `ask` at a time to a counter actor on the same thread (each awaits the previous reply); p50/p99 are the round trip.',
    ...askSeq.hooks(),
    run(ctx) {
      const { counter } = askSeq.current
      return measureSequential(() => counter.ask('get'), ctx.quick ? 300_000 : 1_000_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'local.ask.pipelined',
    system: 'coerce-ts',
    description: '`ask` with 1000 in flight to one counter actor on the same thread; p50/p99 are send-to-reply, mostly queueing behind the other 999.',
    ...askPipelined.hooks(),
    run(ctx) {
      const { counter } = askPipelined.current
      return measurePipelined(() => counter.ask('get'), ctx.quick ? 500_000 : 1_000_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'local.spawn',
    system: 'coerce-ts',
    description: 'Spawn an anonymous actor and stop it, one pair after another; ops/s counts pairs, p50/p99 are per pair.',
    ...spawning.hooks(),
    run(ctx) {
      const system = spawning.current
      return measureSequential(
        async () => {
          const ref = await system.spawn(Idle)
          await ref.stop()
        },
        ctx.quick ? 50_000 : 200_000,
        ctx.signal,
      )
    },
    timeoutMs: 60_000,
  },
  {
    name: 'local.memory',
    system: 'coerce-ts',
    description:
      'Heap growth per idle actor: spawns 100 000 actors (20 000 under --quick) on a fresh system, with full GCs before and after; reported as bytesPerActor, opsPerSec null.',
    run: (ctx) => bytesPerIdleActor(ctx.quick ? 20_000 : 100_000, ctx),
    timeoutMs: 60_000,
    repetitions: 3,
  },
]

export default scenarios
