/**
 * coerce-ts on one thread: tell, sequential and pipelined ask, spawn+stop, and the memory of an
 * idle actor. The peer and baseline scenarios run the same workloads (bench/lib/workloads.ts).
 */
import { Actor, ActorSystem, type ActorRef } from '../../lib/index.js'
import type { Measurement, Scenario, ScenarioContext } from '../scenario.js'
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

/** A system with one counter, started in setup and shut down in teardown. */
function counterFixture(): {
  setup(): Promise<void>
  teardown(): Promise<void>
  readonly counter: ActorRef<Counter>
} {
  let system: ActorSystem | null = null
  let counter: ActorRef<Counter> | null = null
  return {
    async setup() {
      system = await ActorSystem.start({ logLevel: 'silent' })
      counter = await system.spawn(Counter, { id: 'counter' })
    },
    async teardown() {
      await system?.shutdown()
      system = null
    },
    get counter() {
      if (counter === null) throw new Error('setup did not run')
      return counter
    },
  }
}

const tell = counterFixture()
const askSeq = counterFixture()
const askPipelined = counterFixture()

let spawnSystem: ActorSystem | null = null

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
    setup: () => tell.setup(),
    run: (ctx) => measureTell({ send: () => tell.counter.tell('inc'), count: () => tell.counter.ask('get') }, ctx.quick ? 2_000_000 : 5_000_000, ctx.signal),
    teardown: () => tell.teardown(),
    timeoutMs: 60_000,
  },
  {
    name: 'local.ask.seq',
    system: 'coerce-ts',
    description: 'One `ask` at a time to a counter actor on the same thread (each awaits the previous reply); p50/p99 are the round trip.',
    setup: () => askSeq.setup(),
    run: (ctx) => measureSequential(() => askSeq.counter.ask('get'), ctx.quick ? 300_000 : 1_000_000, ctx.signal),
    teardown: () => askSeq.teardown(),
    timeoutMs: 60_000,
  },
  {
    name: 'local.ask.pipelined',
    system: 'coerce-ts',
    description: '`ask` with 1000 in flight to one counter actor on the same thread; p50/p99 are send-to-reply, mostly queueing behind the other 999.',
    setup: () => askPipelined.setup(),
    run: (ctx) => measurePipelined(() => askPipelined.counter.ask('get'), ctx.quick ? 500_000 : 1_000_000, ctx.signal),
    teardown: () => askPipelined.teardown(),
    timeoutMs: 60_000,
  },
  {
    name: 'local.spawn',
    system: 'coerce-ts',
    description: 'Spawn an anonymous actor and stop it, one pair after another; ops/s counts pairs, p50/p99 are per pair.',
    async setup() {
      spawnSystem = await ActorSystem.start({ logLevel: 'silent' })
    },
    run(ctx) {
      const system = spawnSystem
      if (system === null) throw new Error('setup did not run')
      return measureSequential(
        async () => {
          const ref = await system.spawn(Idle)
          await ref.stop()
        },
        ctx.quick ? 50_000 : 200_000,
        ctx.signal,
      )
    },
    async teardown() {
      await spawnSystem?.shutdown()
      spawnSystem = null
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
