/**
 * Peer actor libraries through their documented APIs, each running the same workload as the
 * coerce-ts scenario named in its `compareTo`: comedy 2.1.7 (in-memory and threaded actors) and
 * nact 7.6.2. Versions are pinned in package.json devDependencies.
 */
import { fileURLToPath } from 'node:url'
import { createSystem, type ActorRef as ComedyRef, type ActorSystem as ComedySystem } from 'comedy'
import { dispatch, query, spawn, start, stop, type Ref } from 'nact'
import type { Scenario } from '../scenario.js'
import { Fixture } from '../lib/fixture.js'
import { measurePipelined, measureSequential, measureTell } from '../lib/workloads.js'

/**
 * comedy's threaded mode loads actors by module path only (`//` = absolute path); the in-memory
 * scenarios use the same module so both modes run identical handlers.
 */
const COMEDY_COUNTER = `/${fileURLToPath(new URL('../fixtures/comedy-counter.cjs', import.meta.url))}`

/** Silent, per comedy's README ("Setting the log level"). */
const COMEDY_SILENT = 1

/** A comedy system with one counter actor in the given mode. */
const comedyFixture = (mode: 'in-memory' | 'threaded'): Fixture<{ system: ComedySystem; counter: ComedyRef }> =>
  new Fixture(
    async () => {
      const system = createSystem({})
      ;(system.getLog() as { setLevel(level: number): void }).setLevel(COMEDY_SILENT)
      const root = await system.rootActor()
      return { system, counter: await root.createChild(COMEDY_COUNTER, { mode }) }
    },
    // Threaded mode leaves a MessagePort open after destroy(); the harness's child process
    // exits after reporting, which closes it.
    ({ system }) => system.destroy(),
  )

/** What the nact counter understands. */
type NactMsg = { type: 'inc' } | { type: 'get'; sender: Ref<number> }

/** A nact system with one counter actor. */
const nactFixture = (): Fixture<{ system: ReturnType<typeof start>; counter: Ref<NactMsg> }> =>
  new Fixture(
    async () => {
      const system = start()
      const counter = spawn(
        system,
        (count: number, msg: NactMsg) => {
          if (msg.type === 'inc') return count + 1
          dispatch(msg.sender, count)
          return count
        },
        'counter',
        { initialState: 0 },
      )
      return { system, counter }
    },
    ({ system }) => stop(system),
  )

/** nact's query needs a timeout; a lost reply then fails the scenario instead of hanging it. */
const NACT_QUERY_TIMEOUT_MS = 10_000
const INC: NactMsg = { type: 'inc' }

const comedyTell = comedyFixture('in-memory')
const comedyAsk = comedyFixture('in-memory')
const comedyThreaded = comedyFixture('threaded')
const nactTell = nactFixture()
const nactAsk = nactFixture()

const comedyCount = (ref: ComedyRef): Promise<number> => ref.sendAndReceive('get') as Promise<number>
const nactCount = (ref: Ref<NactMsg>): Promise<number> =>
  query(ref, (sender: Ref<number>): NactMsg => ({ type: 'get', sender }), NACT_QUERY_TIMEOUT_MS) as Promise<number>

const scenarios: Scenario[] = [
  {
    name: 'peer.comedy.tell',
    system: 'comedy',
    description: 'The local.tell workload with comedy in-memory actors: `send` to a counter, then `sendAndReceive` until it has counted them all.',
    compareTo: 'local.tell',
    ...comedyTell.hooks(),
    run(ctx) {
      const { counter } = comedyTell.current
      return measureTell({ send: () => void counter.send('inc'), count: () => comedyCount(counter) }, ctx.quick ? 300_000 : 1_000_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'peer.comedy.ask.seq',
    system: 'comedy',
    description: 'The local.ask.seq workload with comedy in-memory actors: one `sendAndReceive` at a time.',
    compareTo: 'local.ask.seq',
    ...comedyAsk.hooks(),
    run(ctx) {
      const { counter } = comedyAsk.current
      return measureSequential(() => comedyCount(counter), ctx.quick ? 150_000 : 500_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'peer.comedy.threaded.ask.pipelined',
    system: 'comedy',
    description:
      'comedy threaded mode (the actor runs in a worker thread, loaded by module path): `sendAndReceive` with 1000 in flight; the workload of worker.ask.pipelined.',
    compareTo: 'worker.ask.pipelined',
    ...comedyThreaded.hooks(),
    run(ctx) {
      const { counter } = comedyThreaded.current
      return measurePipelined(() => comedyCount(counter), ctx.quick ? 50_000 : 200_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'peer.nact.tell',
    system: 'nact',
    description: 'The local.tell workload with nact: `dispatch` to a stateful counter, then `query` until it has counted them all.',
    compareTo: 'local.tell',
    ...nactTell.hooks(),
    run(ctx) {
      const { counter } = nactTell.current
      return measureTell({ send: () => dispatch(counter, INC), count: () => nactCount(counter) }, ctx.quick ? 200_000 : 500_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'peer.nact.ask.seq',
    system: 'nact',
    description: 'The local.ask.seq workload with nact: one `query` at a time.',
    compareTo: 'local.ask.seq',
    ...nactAsk.hooks(),
    run(ctx) {
      const { counter } = nactAsk.current
      return measureSequential(() => nactCount(counter), ctx.quick ? 100_000 : 300_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
]

export default scenarios
