// The benchmark harness's own logic, with tiny fake scenarios: statistics, --only filtering,
// argument parsing, scenario validation, the time bound, isolation in child processes, the
// JSON/table output of a whole run in which some scenarios fail, and the second processes
// (child nodes) that remote scenarios start.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { startChild } from '../../bench/lib/child-node.js'
import { main, parseCli } from '../../bench/lib/cli.js'
import { discover, matchesOnly, orderFiles, validateScenarios } from '../../bench/lib/discover.js'
import { BenchError } from '../../bench/lib/errors.js'
import { childExecArgv, runIsolated } from '../../bench/lib/isolate.js'
import { LatencyRecorder } from '../../bench/lib/latency.js'
import { formatRate, jsonReport, markdownTable, runInfo, svgChart, textTable, withRelatives } from '../../bench/lib/report.js'
import { checkMeasurement, summarize, type ScenarioResult } from '../../bench/lib/result.js'
import { repetitionsOf, runScenario } from '../../bench/lib/runner.js'
import { median, percentile, percentileSorted, range } from '../../bench/lib/stats.js'
import { measurePipelined, measureSequential, measureTell } from '../../bench/lib/workloads.js'
import type { Measurement, Scenario, ScenarioContext } from '../../bench/scenario.js'
import { answers } from '../helpers/server-process.js'
import { until } from '../helpers/wait.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/bench/', import.meta.url))
const FAKE_DIR = join(FIXTURES, 'scenarios')
const FAKE_FILE = join(FAKE_DIR, 'fake.ts')

/** What `fn` throws (failing the test's expectations below when it throws nothing). */
function caught(fn: () => unknown): Error {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  return new Error('did not throw')
}

/** Asserts `e` is a BenchError with `code` whose message mentions every one of `parts`. */
function assertBenchError(t: Test, e: unknown, code: string, ...parts: string[]): void {
  t.ok(e instanceof BenchError, `a BenchError (${String(e)})`)
  t.equal((e as BenchError).code, code)
  for (const part of parts) t.ok((e as Error).message.includes(part), `the message names ${part}`)
}

t.test('median, nearest-rank percentiles and ranges', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.equal(median([]), null)
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i) // 100..1, unsorted
  t.equal(percentile(hundred, 50), 50)
  t.equal(percentile(hundred, 99), 99)
  t.equal(percentile(hundred, 100), 100)
  t.equal(percentile([7], 99), 7)
  t.equal(percentileSorted([1, 2, 3, 4], 50), 2, 'nearest rank, not interpolation')
  t.equal(percentileSorted([], 50), null)
  t.throws(() => percentile([1], 0), RangeError)
  t.throws(() => percentile([1], 101), RangeError)
  t.same(range([5, -1, 3]), { min: -1, max: 5 })
  t.equal(range([]), null)

  const rec = new LatencyRecorder(3)
  t.same(rec.summary(), { p50us: null, p99us: null })
  for (const ms of [0.003, 0.001, 0.002, 0.5]) rec.recordMs(ms) // the fourth is past capacity
  t.equal(rec.size, 3)
  t.same(rec.summary(), { p50us: 2, p99us: 3 }, 'microseconds, extra samples dropped')
})

t.test('repetitions fold into medians and the headline range', async (t) => {
  const reps: Measurement[] = [
    { opsPerSec: 100, p50us: 1, p99us: 10, extra: { ratio: 1.5 } },
    { opsPerSec: 300, p50us: 3, p99us: 30, extra: { ratio: 2.5 } },
    { opsPerSec: 200, p50us: 2, p99us: null, extra: { ratio: 2 } },
  ]
  t.same(summarize(reps), { opsPerSec: 200, p50us: 2, p99us: 20, extra: { ratio: 2 }, min: 100, max: 300, repetitions: 3 })
  const memory = summarize([10, 30, 20].map((b) => ({ opsPerSec: null, extra: { bytesPerActor: b } })))
  t.same(memory, { opsPerSec: null, p50us: null, p99us: null, extra: { bytesPerActor: 20 }, min: 10, max: 30, repetitions: 3 })

  t.same(checkMeasurement('x', { opsPerSec: 1 }), { opsPerSec: 1 })
  assertBenchError(t, caught(() => checkMeasurement('x', null)), 'InvalidMeasurement', 'Measurement object')
  const many = caught(() => checkMeasurement('x', { opsPerSec: Number.NaN, p50us: -1, extra: { min: 1, ok: 2 } }))
  assertBenchError(t, many, 'InvalidMeasurement', 'opsPerSec', 'p50us', 'extra.min collides', 'extra.ok collides')
  assertBenchError(t, caught(() => checkMeasurement('x', { opsPerSec: null })), 'InvalidMeasurement', 'must report an extra figure')
})

t.test('--only patterns and argument parsing', async (t) => {
  const names = ['local.tell', 'local.ask.seq', 'local.ask.pipelined', 'peer.comedy.tell', 'peer.nact.tell', 'worker.tell']
  const pick = (...patterns: string[]): string[] => names.filter((n) => matchesOnly(n, patterns))
  t.same(pick(), names, 'no pattern: everything')
  t.same(pick('tell'), ['local.tell', 'peer.comedy.tell', 'peer.nact.tell', 'worker.tell'])
  t.same(pick('local.ask'), ['local.ask.seq', 'local.ask.pipelined'])
  t.same(pick('peer.*.tell'), ['peer.comedy.tell', 'peer.nact.tell'])
  t.same(pick('*.tell'), ['local.tell', 'peer.comedy.tell', 'peer.nact.tell', 'worker.tell'])
  t.same(pick('local.tell,peer.nact.tell'), ['local.tell', 'peer.nact.tell'], 'comma-separated alternatives')
  t.same(pick('worker', 'seq'), ['local.ask.seq', 'worker.tell'], 'repeated --only adds alternatives')
  t.same(pick('l?cal'), [], 'only * is special')

  const o = parseCli(['--quick', '--only', 'local', '--only', 'peer', '--json', 'out/r.json', '--timeout', '5000'])
  t.match(o, { quick: true, only: ['local', 'peer'], json: 'out/r.json', svg: undefined, timeoutCapMs: 5000, inline: false, strict: false })
  t.equal(parseCli(['--no-svg']).svg, false)
  t.equal(parseCli([]).dir, resolve(fileURLToPath(new URL('../../bench/scenarios', import.meta.url))))
  assertBenchError(t, caught(() => parseCli(['--bogus'])), 'BadArguments', '--bogus')
  const bad = caught(() => parseCli(['--timeout', 'soon', '--svg', 'a.svg', '--no-svg', '--json', ' ']))
  assertBenchError(t, bad, 'BadArguments', '--timeout must be', '--svg and --no-svg', '--json needs a path')
})

t.test('discovery validates, orders and rejects duplicates', async (t) => {
  const found = await discover(FAKE_DIR)
  t.same(
    found.map((d) => d.scenario.name),
    ['fake.ok', 'fake.peer', 'fake.throws', 'fake.hangs', 'fake.spins', 'fake.crashes'],
  )
  t.equal(found[0]?.file, FAKE_FILE)
  t.same(
    orderFiles(['/s/peer.ts', '/s/zeta.ts', '/s/local.ts', '/s/baseline.ts', '/s/worker.ts', '/s/alpha.ts']),
    ['/s/local.ts', '/s/worker.ts', '/s/baseline.ts', '/s/peer.ts', '/s/alpha.ts', '/s/zeta.ts'],
  )
  const invalid = await discover(join(FIXTURES, 'invalid')).catch((e: unknown) => e)
  assertBenchError(t, invalid, 'InvalidScenario', 'bad.ts', 'name must be', 'system must be', 'description must be', 'run must be', '[1] is not an object')
  assertBenchError(t, caught(() => validateScenarios('f.ts', { default: [] })), 'InvalidScenario', 'must be an array')
  const valid = { name: 'a.b', system: 's', description: 'd', run: async () => ({ opsPerSec: 1 }) }
  t.same(validateScenarios('f.ts', [valid]), [valid])
  const fields = caught(() => validateScenarios('f.ts', [{ ...valid, timeoutMs: 0, repetitions: 0, warmups: 1.5, setup: 1, maxOldSpaceMb: 1.5 }]))
  assertBenchError(t, fields, 'InvalidScenario', 'timeoutMs', 'repetitions', 'warmups', 'setup', 'maxOldSpaceMb')
  t.same(repetitionsOf({}, false), { warmups: 1, timed: 5 })
  t.same(repetitionsOf({ repetitions: 7, warmups: 0 }, true), { warmups: 0, timed: 3 })
})

/** A scenario whose calls are recorded, built fresh for each inline test. */
function recorded(overrides: Partial<Scenario> = {}): { scenario: Scenario; log: string[] } {
  const log: string[] = []
  let n = 0
  const scenario: Scenario = {
    name: 'inline.fake',
    system: 'coerce-ts',
    description: 'inline fake',
    repetitions: 3,
    async setup(ctx) {
      log.push(`setup:${ctx.repetition}`)
    },
    async run(ctx: ScenarioContext) {
      log.push(`run:${ctx.repetition}:${ctx.quick}`)
      n++
      return { opsPerSec: n * 10 }
    },
    async teardown() {
      log.push('teardown')
    },
    ...overrides,
  }
  return { scenario, log }
}

t.test('the in-process runner: repetitions, failures, time bounds, teardown always', async (t) => {
  const ok = recorded()
  const good = await runScenario(ok.scenario, { quick: true })
  t.same(ok.log, ['setup:-1', 'run:-1:true', 'run:0:true', 'run:1:true', 'run:2:true', 'teardown'], 'one warm-up, three timed')
  t.match(good, { name: 'inline.fake', ok: true, opsPerSec: 30, min: 20, max: 40, repetitions: 3 })
  t.notOk('error' in good)

  const throws = recorded({
    async run() {
      throw new Error('boom')
    },
  })
  const failed = await runScenario(throws.scenario, { quick: true })
  t.match(failed, { ok: false, error: 'boom', opsPerSec: null, repetitions: 0 })
  t.same(throws.log, ['setup:-1', 'teardown'])

  let seenSignal: AbortSignal | null = null
  const hangs = recorded({
    timeoutMs: 100,
    run: (ctx) => {
      seenSignal = ctx.signal
      return new Promise(() => {})
    },
  })
  const started = Date.now()
  const timedOut = await runScenario(hangs.scenario, { quick: false })
  t.match(timedOut, { ok: false, error: /^Timeout: inline\.fake exceeded its time bound of 100 ms/ })
  t.ok(Date.now() - started < 10_000, 'ended by the bound')
  t.equal((seenSignal as AbortSignal | null)?.aborted, true, 'the scenario saw its signal abort')
  t.same(hangs.log, ['setup:-1', 'teardown'])

  const capped = await runScenario(recorded({ timeoutMs: 60_000, run: () => new Promise(() => {}) }).scenario, { quick: true, timeoutCapMs: 50 })
  t.match(capped.error, /time bound of 50 ms/, '--timeout caps the bound')

  const setupFails = recorded({
    async setup() {
      throw new Error('no server')
    },
  })
  t.match(await runScenario(setupFails.scenario, { quick: true }), { ok: false, error: 'no server' })
  t.same(setupFails.log, ['teardown'], 'teardown runs after a failed setup')

  const stuckTeardown = recorded({ teardown: () => new Promise(() => {}) })
  t.match(await runScenario(stuckTeardown.scenario, { quick: true, teardownGraceMs: 50 }), {
    ok: false,
    error: /teardown failed: Timeout: inline\.fake teardown took longer than 50 ms/,
  })

  const bad = recorded({ run: async () => ({ opsPerSec: -1 }) })
  t.match(await runScenario(bad.scenario, { quick: true }), { ok: false, error: /InvalidMeasurement/ })
})

t.test('the shared workloads count and time what they are given', async (t) => {
  const signal = new AbortController().signal
  let handled = 0
  const tell = await measureTell({ send: () => void handled++, count: async () => handled }, 2500, signal)
  t.equal(handled, 2500)
  t.ok(tell.opsPerSec !== null && tell.opsPerSec > 0)
  t.equal(tell.p50us, null)

  // A send that reports the transport full holds the producer until its promise settles.
  let delivered = 0
  let sentWhileFull = 0
  let full: Promise<void> | null = null
  const throttled = await measureTell(
    {
      send: () => {
        if (full !== null) sentWhileFull++
        if (delivered % 700 !== 699) {
          delivered++
          return
        }
        full = new Promise<void>((resolve) =>
          setTimeout(() => {
            full = null
            delivered++
            resolve()
          }, 2),
        )
        return full
      },
      count: async () => delivered,
    },
    2500,
    signal,
  )
  t.equal(delivered, 2500)
  t.equal(sentWhileFull, 0, 'nothing is sent while the transport is full')
  t.ok(throttled.opsPerSec !== null && throttled.opsPerSec > 0)

  let asked = 0
  let maxInFlight = 0
  let inFlight = 0
  const ask = async (): Promise<void> => {
    asked++
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    await new Promise((r) => setImmediate(r))
    inFlight--
  }
  const piped = await measurePipelined(ask, 50, signal, 8)
  t.equal(asked, 50)
  t.equal(maxInFlight, 8, 'the window is full, never more')
  t.ok(typeof piped.p50us === 'number' && typeof piped.p99us === 'number')

  asked = 0
  maxInFlight = 0
  await measureSequential(ask, 20, signal)
  t.equal(asked, 20)
  t.equal(maxInFlight, 1)

  const aborted = AbortSignal.abort(new Error('bound reached'))
  await t.rejects(measureTell({ send: () => {}, count: async () => 0 }, 10, aborted), /bound reached/)
})

t.test('isolated scenarios: results come back; spinning and crashing children are ended', async (t) => {
  const [ok, , , , spins, crashes] = await discover(FAKE_DIR)
  if (ok === undefined || spins === undefined || crashes === undefined) throw new Error('fixture changed')

  const good = await runIsolated(ok, { quick: true })
  // A fresh process: the module-level call counter starts again, so the reps are 200, 300, 400.
  t.match(good, { name: 'fake.ok', ok: true, opsPerSec: 300, p50us: 3, p99us: 30, extra: { widgets: 3 }, min: 200, max: 400 })

  // A short allowance: whether the child is still starting or spinning when it runs out, the
  // outcome is the same kill.
  const killed = await runIsolated(spins, { quick: true, teardownGraceMs: 100, startupMs: 2_000 })
  t.match(killed, { name: 'fake.spins', system: 'coerce-ts', ok: false, error: /^Timeout: killed the child process after \d+ ms without a result/ })

  const lost = await runIsolated(crashes, { quick: true })
  t.match(lost, { name: 'fake.crashes', ok: false, error: /^ChildLost: child process exited \(code 3\) without a result/ })
})

t.test('a scenario can ask for a bigger heap in its child process', async (t) => {
  const [big, plain] = await discover(join(FIXTURES, 'heap'))
  if (big === undefined || plain === undefined) throw new Error('fixture changed')
  t.same(childExecArgv({ maxOldSpaceMb: 3000 }).slice(-2), ['--expose-gc', '--max-old-space-size=3000'])
  t.equal(childExecArgv({}).at(-1), '--expose-gc')
  const r = await runIsolated(big, { quick: true })
  t.match(r, { name: 'heap.big', ok: true })
  // V8 adds its young generation to the old-space limit it was given.
  const limit = r.extra['heapLimitMb'] ?? 0
  t.ok(limit >= 3000 && limit < 3200, `heap limit ${limit} MiB follows maxOldSpaceMb`)
  const d = await runIsolated(plain, { quick: true })
  t.not(d.extra['heapLimitMb'], limit, 'a scenario that asks for nothing keeps the default')
})

t.test('a whole run: failures reported, JSON/SVG/Markdown written, the run completes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coerce-bench-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const json = join(dir, 'out', 'latest.json')
  const md = join(dir, 'table.md')
  const out: string[] = []
  const err: string[] = []
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }

  // --inline keeps this fast (child processes are covered above); this process has not run
  // fake.ok before, so its repetitions see the same call counts as a fresh child would.
  const args = ['--dir', FAKE_DIR, '--quick', '--inline', '--only', 'fake.ok,fake.peer,fake.throws,fake.hangs']
  const status = await main([...args, '--json', json, '--markdown', md], io)
  t.equal(status, 0, 'failed scenarios do not fail the run without --strict')
  const doc = JSON.parse(await readFile(json, 'utf8')) as { node: string; cpus: number; results: Array<Record<string, unknown>> }
  t.equal(doc.node, process.version)
  t.ok(Number.isInteger(doc.cpus) && doc.cpus > 0)
  t.same(
    doc.results.map((r) => r['name']),
    ['fake.ok', 'fake.peer', 'fake.throws', 'fake.hangs'],
  )
  const [ok, peer, throws, hangs] = doc.results
  t.match(ok, { system: 'coerce-ts', opsPerSec: 300, p50us: 3, p99us: 30, widgets: 3, min: 200, max: 400, ok: true })
  t.notOk(ok !== undefined && 'extra' in ok, 'extra figures are top-level fields')
  t.match(peer, { opsPerSec: 50, p50us: null, p99us: null, compareTo: 'fake.ok', relative: 0.167 })
  t.match(throws, { ok: false, opsPerSec: null, error: /boom from fake\.throws/ })
  t.match(hangs, { ok: false, opsPerSec: null, error: /Timeout/ })
  t.match(await readFile(json.replace(/\.json$/, '.svg'), 'utf8'), /^<svg[^]*fake\.peer[^]*<\/svg>\n$/)
  const table = out.join('\n')
  t.match(table, /fake\.peer\s+peer\s+50\s+-\s+-\s+0\.17x \(fake\.ok\)/)
  t.match(table, /fake\.throws .*FAILED: boom from fake\.throws/)
  t.match(table, /2 of 4 scenarios failed: fake\.throws, fake\.hangs/)
  t.match(await readFile(md, 'utf8'), /^\| scenario \| system \| ops\/s \|[^]*\| fake\.hangs \| coerce-ts \|/)
  t.match(err.join('\n'), /\[4\/4\] fake\.hangs: FAILED: .*bound 300 ms/)

  t.equal(await main(['--dir', FAKE_DIR, '--inline', '--strict', '--only', 'fake.throws'], io), 1, '--strict fails the run')
  out.length = 0
  t.equal(await main(['--dir', FAKE_DIR, '--list', '--only', 'fake.ok'], io), 0)
  t.match(out.join('\n'), /^fake\.ok\s+coerce-ts\s+returns 100/)
  t.equal(await main(['--dir', FAKE_DIR, '--only', 'nothing.matches'], io), 2)
  t.equal(await main(['--what'], io), 2)
  t.equal(await main(['--dir', join(FIXTURES, 'invalid')], io), 2)
  t.equal(await main(['--help'], io), 0)
})

t.test('report helpers: relatives need a successful comparison target', async (t) => {
  const base: ScenarioResult = {
    name: 'a',
    system: 'coerce-ts',
    description: '',
    ok: true,
    opsPerSec: 200,
    p50us: null,
    p99us: null,
    extra: {},
    min: 100,
    max: 300,
    repetitions: 3,
    durationMs: 1,
  }
  const results = withRelatives([
    base,
    { ...base, name: 'b', system: 'peer', compareTo: 'a', opsPerSec: 50 },
    { ...base, name: 'c', system: 'peer', compareTo: 'missing', opsPerSec: 50 },
    { ...base, name: 'd', system: 'coerce-ts', opsPerSec: null, extra: { bytesPerActor: 512 }, min: 500, max: 530 },
  ])
  t.same(
    results.map((r) => r.relative),
    [null, 0.25, null, null],
  )
  const info = runInfo(true)
  const doc = jsonReport(results, info)
  t.same(Object.keys(doc.results[3] ?? {}), ['name', 'system', 'opsPerSec', 'p50us', 'p99us', 'bytesPerActor', 'min', 'max', 'ok', 'repetitions', 'durationMs'])
  t.match(textTable(results), /d\s+coerce-ts\s+-\s+-\s+-\s+500-530 bytesPerActor\s+bytesPerActor=512/)
  t.match(textTable(results), /c\s+peer\s+50\s+-\s+-\s+- \(missing\)/, 'a comparison without a target figure says which')
  t.equal(markdownTable(results).split('\n').length, 6)
  t.same(
    [9_999_000, 999_950, 12_345, 1_234_567, 50, 0.5].map(formatRate),
    ['10.0M', '1.00M', '12.3k', '1.23M', '50', '0.5'],
  )
  t.equal((svgChart(results, info).match(/<rect x=/g) ?? []).length, 3, 'one bar per result with a rate')
})

t.test('child nodes: ready with a port, stopped cleanly, killed when they fail or overstay', async (t) => {
  const module = new URL('../fixtures/bench/child-node.ts', import.meta.url)
  const gone = (pid: number): boolean => {
    try {
      process.kill(pid, 0)
      return false
    } catch {
      return true
    }
  }
  const pidIn = (e: Error): number => Number(/pid=(\d+)/.exec(e.message)?.[1])

  const child = await startChild(module, ['serve'])
  t.ok(await answers(child.port), 'the child serves on the port it announced')
  t.ok(child.running)
  const stopping = child.stop()
  t.equal(child.stop(), stopping, 'a second stop is the same stop')
  await stopping
  t.notOk(child.running, 'it exited with status 0 once its stdin closed')

  const crashed = await startChild(module, ['crash']).catch((e: Error) => e)
  assertBenchError(t, crashed, 'ChildNode', 'child-node.ts exited (status 1) before it was ready', 'no port for you')

  const silent = await startChild(module, ['silent'], { readyTimeoutMs: 3_000 }).catch((e: Error) => e)
  assertBenchError(t, silent, 'ChildNode', 'printed no ready line within 3000 ms')
  await until(() => gone(pidIn(silent as Error)), 5_000, 'the silent child killed')

  const stubborn = await startChild(module, ['stubborn'], { stopTimeoutMs: 500 })
  const refused = await stubborn.stop().catch((e: Error) => e)
  assertBenchError(t, refused, 'ChildNode', 'did not exit within 500 ms of being asked to stop: killed')
  t.ok(gone(stubborn.pid), 'the stubborn child was killed')

  const controller = new AbortController()
  const starting = startChild(module, ['silent'], { signal: controller.signal })
  controller.abort()
  assertBenchError(t, await starting.catch((e: Error) => e), 'ChildNode', 'the scenario was aborted while it started')
})
