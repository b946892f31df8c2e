/**
 * Runs one scenario in a child process of its own. Each scenario then starts from a fresh heap
 * (no GC debt or JIT state from the previous one), may use `global.gc` (the child runs with
 * `--expose-gc`), and cannot keep the harness alive: the child exits after reporting, and is
 * killed when it neither reports nor exits in time.
 */
import { fork } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Scenario } from '../scenario.js'
import type { DiscoveredScenario } from './discover.js'
import { BenchError, describeError } from './errors.js'
import { failedResult, identity, type ScenarioResult } from './result.js'
import { TEARDOWN_GRACE_MS, effectiveTimeoutMs, type RunOptions } from './runner.js'

/** Sent to the child: which scenario to run and how. */
export interface ChildRequest {
  type: 'run'
  file: string
  name: string
  options: RunOptions
}

/** Sent back by the child. */
export interface ChildResponse {
  type: 'result'
  result: ScenarioResult
}

/** Allowance for the child's start-up (loader, imports) on top of the scenario's bound, ms. */
export const CHILD_STARTUP_MS = 20_000
/** How long a child may take to exit after it reported, ms, before it is killed. */
export const CHILD_EXIT_MS = 3_000
/** Output of the child kept for the error of a lost child, characters. */
const TAIL_CHARS = 600

/** Options of {@link runIsolated}. */
export interface IsolateOptions extends RunOptions {
  /** Overrides {@link CHILD_STARTUP_MS} (tests use a short one). */
  startupMs?: number
}

const childEntry = fileURLToPath(new URL(`./child${extname(fileURLToPath(import.meta.url))}`, import.meta.url))

/**
 * The child's Node flags: the harness's own (the TypeScript loader), `--expose-gc`, and the
 * scenario's heap limit when it asks for one (a later `--max-old-space-size` wins over an
 * inherited one).
 */
export function childExecArgv(scenario: Pick<Scenario, 'maxOldSpaceMb'>): string[] {
  const args = [...process.execArgv, '--expose-gc']
  if (scenario.maxOldSpaceMb !== undefined) args.push(`--max-old-space-size=${scenario.maxOldSpaceMb}`)
  return args
}

/** Runs `entry` in a child process and resolves once the child is gone; never rejects. */
export function runIsolated(entry: DiscoveredScenario, o: IsolateOptions): Promise<ScenarioResult> {
  const { scenario } = entry
  const started = performance.now()
  const runOptions: RunOptions = { quick: o.quick }
  if (o.timeoutCapMs !== undefined) runOptions.timeoutCapMs = o.timeoutCapMs
  if (o.teardownGraceMs !== undefined) runOptions.teardownGraceMs = o.teardownGraceMs
  const deadlineMs =
    effectiveTimeoutMs(scenario, o) + (o.teardownGraceMs ?? TEARDOWN_GRACE_MS) + (o.startupMs ?? CHILD_STARTUP_MS)
  const elapsed = (): number => Math.round(performance.now() - started)

  return new Promise((resolve) => {
    let output = ''
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-TAIL_CHARS)
    }
    let result: ScenarioResult | null = null
    let killedForTime = false
    const child = fork(childEntry, [], {
      execArgv: childExecArgv(scenario),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    })
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    const deadline = setTimeout(() => {
      killedForTime = true
      child.kill('SIGKILL')
    }, deadlineMs)
    let exitTimer: NodeJS.Timeout | undefined

    child.on('message', (m: ChildResponse) => {
      if (m.type !== 'result' || result !== null) return
      // The child's own identity may be a placeholder when its import failed: ours is authoritative.
      result = { ...m.result, ...identity(scenario) }
      exitTimer = setTimeout(() => child.kill('SIGKILL'), CHILD_EXIT_MS)
    })
    child.on('error', (e) => {
      result ??= failedResult(scenario, `could not run the child process: ${describeError(e)}`, elapsed())
      child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      clearTimeout(deadline)
      clearTimeout(exitTimer)
      if (result === null) {
        const why = killedForTime
          ? new BenchError('Timeout', `killed the child process after ${deadlineMs} ms without a result`)
          : new BenchError('ChildLost', `child process exited (${signal ?? `code ${String(code)}`}) without a result`)
        const tail = output.trim().split('\n').slice(-3).join(' | ')
        result = failedResult(scenario, tail.length > 0 ? `${why.message}; output: ${tail}` : why.message, elapsed())
      }
      resolve(result)
    })
    const request: ChildRequest = { type: 'run', file: entry.file, name: scenario.name, options: runOptions }
    child.send(request)
  })
}
