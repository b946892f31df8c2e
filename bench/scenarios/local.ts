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

/**
 * Spawns `count` idle actors on a fresh main-thread system, in `Promise.all` chunks of 1000, and
 * returns how long the spawns took and the heap growth per actor (full GCs before and after).
 */
async function spawnIdleActors(count: number, ctx: ScenarioContext, what: string): Promise<{ seconds: number; bytesPerActor: number }> {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error(`${what} needs --expose-gc (the harness passes it to its child processes)`)
  const system = await ActorSystem.start({ logLevel: 'silent' })
  try {
    await system.spawn(Idle) // warms the type's caches so they are not charged to the actors
    // Allocated before the first reading, so only the actors are charged.
    const refs: (ActorRef<Idle> | null)[] = Array.from({ length: count }, () => null)
    gc()
    gc()
    const before = process.memoryUsage().heapUsed
    const t0 = performance.now()
    for (let i = 0; i < count; i += 1000) {
      const end = Math.min(count, i + 1000)
      const spawned = await Promise.all(Array.from({ length: end - i }, () => system.spawn(Idle)))
      spawned.forEach((ref, j) => (refs[i + j] = ref))
      checkAborted(ctx.signal)
    }
    const seconds = (performance.now() - t0) / 1000
    gc()
    gc()
    const after = process.memoryUsage().heapUsed
    if (refs.some((r) => r === null || !r.isAlive)) throw new Error('an idle actor is missing or stopped')
    return { seconds, bytesPerActor: Math.round((after - before) / count) }
  } finally {
    await system.shutdown()
  }
}

/** Spawns `count` idle actors on a fresh system and returns the heap growth per actor. */
async function bytesPerIdleActor(count: number, ctx: ScenarioContext): Promise<Measurement> {
  const { bytesPerActor } = await spawnIdleActors(count, ctx, 'local.memory')
  return { opsPerSec: null, extra: { bytesPerActor } }
}

/** Messages handled by every {@link SharedCounter} of this process together. */
let handledByAll = 0

/** A counter that also counts into {@link handledByAll}, so one read shows when N actors are done. */
class SharedCounter extends Actor {
  private n = 0
  inc(): void {
    this.n++
    handledByAll++
  }
  get(): number {
    return this.n
  }
}

/** A main-thread system (`workers: 0`) with `actors` live counters, spawned in chunks of 1000. */
const manyCountersFixture = (actors: number): Fixture<{ system: ActorSystem; counters: ActorRef<SharedCounter>[] }> =>
  new Fixture(
    async () => {
      const system = await ActorSystem.start({ logLevel: 'silent', workers: 0 })
      const counters: ActorRef<SharedCounter>[] = []
      for (let i = 0; i < actors; i += 1000) {
        const n = Math.min(1000, actors - i)
        counters.push(...(await Promise.all(Array.from({ length: n }, () => system.spawn(SharedCounter)))))
      }
      return { system, counters }
    },
    ({ system }) => system.shutdown(),
  )

/**
 * `local.tell.actors.<label>`: the `local.tell` workload with the messages spread round-robin
 * over `actors` counters, so consecutive messages schedule different actors. The clock stops
 * when the shared count shows every message handled.
 */
function tellManyActors(label: string, actors: number, messages: number, quickMessages: number, extra: Partial<Scenario> = {}): Scenario {
  const fixture = manyCountersFixture(actors)
  return {
    name: `local.tell.actors.${label}`,
    system: 'coerce-ts',
    description:
      `The local.tell workload spread round-robin over ${actors.toLocaleString('en-US')} live counter actors on the main thread (workers: 0), so each message schedules a different actor; ` +
      `${messages.toLocaleString('en-US')} messages (${quickMessages.toLocaleString('en-US')} under --quick); the time ends when a shared count shows every message handled. Spawning the actors is untimed (setup).`,
    ...fixture.hooks(),
    run(ctx) {
      const { counters } = fixture.current
      let next = 0
      return measureTell(
        {
          send: () => {
            ;(counters[next] as ActorRef<SharedCounter>).tell('inc')
            if (++next === counters.length) next = 0
          },
          count: async () => handledByAll,
        },
        ctx.quick ? quickMessages : messages,
        ctx.signal,
      )
    },
    timeoutMs: 120_000,
    ...extra,
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
  tellManyActors('1k', 1_000, 5_000_000, 1_000_000),
  tellManyActors('100k', 100_000, 5_000_000, 1_000_000),
  // About 0.5 KB of heap per idle counter since issue 17 (2.6 KB before), more while messages
  // are queued: the 8 GiB limit keeps the scenario comparable with runs of older code.
  tellManyActors('1m', 1_000_000, 5_000_000, 2_000_000, { timeoutMs: 180_000, maxOldSpaceMb: 8192 }),
  {
    name: 'local.spawn.1m',
    system: 'coerce-ts',
    description:
      'Spawns a million idle actors (100 000 under --quick) on a fresh main-thread system, in Promise.all chunks of 1000; ops/s counts spawns, bytesPerActor is the heap growth per actor as in local.memory. Runs with an 8 GiB heap (maxOldSpaceMb).',
    async run(ctx) {
      const count = ctx.quick ? 100_000 : 1_000_000
      const { seconds, bytesPerActor } = await spawnIdleActors(count, ctx, 'local.spawn.1m')
      return { opsPerSec: count / seconds, extra: { bytesPerActor, actors: count } }
    },
    timeoutMs: 180_000,
    repetitions: 3,
    maxOldSpaceMb: 8192,
  },
]

export default scenarios
