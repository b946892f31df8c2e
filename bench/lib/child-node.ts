/**
 * A second process for the scenarios that need one on the other end of a socket (the raw-ws and
 * moleculer baselines now, a second coerce-ts node later): both halves of one small protocol.
 *
 * - Parent side, {@link startChild}: starts `node <loader flags> <module> <args>` and waits for
 *   the child's ready line, which carries the port it serves on; `stop()` closes the child's
 *   stdin, waits for it to exit, and kills it (SIGKILL) when it does not in time.
 * - Child side, {@link runChildNode}: starts what the module serves, prints the ready line, and
 *   shuts it down and exits once its stdin closes.
 *
 * Closing stdin is the stop request because it also arrives when the parent dies without a word
 * (the harness SIGKILLs a scenario process that overruns), so a child never outlives its parent
 * for long. Every wait has a deadline, and every child still running when the parent process
 * exits is killed then.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { workerSafeArgv } from '../../lib/runtime/worker-entry.js'
import { BenchError } from './errors.js'

/** The line a child prints on stdout once it serves; the parent reads the port from it. */
const READY_LINE = /^coerce-bench-child ready port=(\d+)\s*$/m

/** How long a child may take to print its ready line, ms (tsx compiles its module first). */
export const DEFAULT_READY_TIMEOUT_MS = 20_000
/** How long a child may take to exit once asked to stop, ms, before it is killed. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000
/** Child output kept for error messages, characters. */
const TAIL_CHARS = 1_500

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** How long to wait for the ready line, ms. Default {@link DEFAULT_READY_TIMEOUT_MS}. */
  readyTimeoutMs?: number
  /** How long `stop()` waits for a clean exit, ms, before SIGKILL. Default {@link DEFAULT_STOP_TIMEOUT_MS}. */
  stopTimeoutMs?: number
  /** Variables added to the parent's environment. */
  env?: Record<string, string>
  /** Aborting it while the child starts kills the child and rejects. */
  signal?: AbortSignal
}

/** A started child process. */
export interface ChildNode {
  /** The port the child printed in its ready line. */
  readonly port: number
  readonly pid: number
  /** False once the process has exited. */
  readonly running: boolean
  /**
   * Asks the child to stop (closes its stdin) and resolves once it exited with status 0.
   * Rejects with a `ChildNode` error when it had to be killed, exited otherwise, or had already
   * died; the process is gone either way. Later calls return the first call's promise.
   */
  stop(): Promise<void>
}

/** Children of this process that have not exited yet, killed when this process exits. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers run synchronously, and a signal send is synchronous: no orphan survives a
  // scenario process that exits (the harness's child exits right after it reported).
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

/**
 * Starts `module` (a file URL or path, `.ts` under the same loader as this process) in a child
 * process with `args`, and resolves once it printed its ready line. Rejects with a `ChildNode`
 * error, after killing the child, when it exits first, prints nothing in time, or `signal` aborts.
 */
export function startChild(module: URL | string, args: readonly string[] = [], options: ChildOptions = {}): Promise<ChildNode> {
  installExitHook()
  const file = module instanceof URL || module.startsWith('file:') ? fileURLToPath(module) : module
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS
  const name = relative(process.cwd(), file)

  // Only the loader flags: `--expose-gc` or a scenario's `--max-old-space-size` are the
  // scenario process's own business, and an inherited `--inspect` would fight over its port.
  const child = spawn(process.execPath, [...workerSafeArgv(process.execArgv), file, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  })
  live.add(child)
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-TAIL_CHARS)
  }
  // The last lines of the child's output for an error message, without stack frames: the
  // message that explains them is one line above them, and the table has room for one line.
  const tail = (): string => {
    const lines = output.trim().split('\n').filter((line) => !/^\s+at /.test(line))
    const text = lines.slice(-6).join(' | ')
    return text.length > 0 ? `; output: ${text}` : ''
  }
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve(signal !== null ? `signal ${signal}` : `status ${String(code)}`)
    })
  })
  // Writing to the stdin of a child that died raises EPIPE on the stream: expected, not fatal.
  child.stdin?.on('error', () => {})

  const ready = new Promise<number>((resolve, reject) => {
    let settled = false
    let seen = ''
    const fail = (why: string): void => {
      if (settled) return
      settled = true
      cleanup()
      child.kill('SIGKILL')
      reject(new BenchError('ChildNode', `${name} ${why}${tail()}`))
    }
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString()).slice(-TAIL_CHARS)
      const match = READY_LINE.exec(seen)
      if (match === null || settled) return
      settled = true
      cleanup()
      resolve(Number(match[1]))
    }
    const onAbort = (): void => fail('was killed: the scenario was aborted while it started')
    const timer = setTimeout(() => fail(`printed no ready line within ${readyTimeoutMs} ms`), readyTimeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      options.signal?.removeEventListener('abort', onAbort)
    }
    child.stdout?.on('data', onData)
    child.once('error', (e) => fail(`could not be started: ${e.message}`))
    void exited.then((how) => fail(`exited (${how}) before it was ready`))
    if (options.signal?.aborted === true) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
  })
  // Read both streams to the end: a child blocked on a full pipe would stall the benchmark.
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  return ready.then((port) => {
    let stopping: Promise<void> | null = null
    const stop = async (): Promise<void> => {
      if (!live.has(child)) throw new BenchError('ChildNode', `${name} had already exited (${await exited})${tail()}`)
      child.stdin?.end()
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), stopTimeoutMs)))
      const how = await Promise.race([exited, late])
      clearTimeout(timer)
      if (how === 'late') {
        child.kill('SIGKILL')
        await exited
        throw new BenchError('ChildNode', `${name} did not exit within ${stopTimeoutMs} ms of being asked to stop: killed${tail()}`)
      }
      if (how !== 'status 0') throw new BenchError('ChildNode', `${name} exited with ${how} while stopping${tail()}`)
    }
    return {
      port,
      pid: child.pid as number,
      get running() {
        return live.has(child)
      },
      stop: () => (stopping ??= stop()),
    }
  })
}

/** What a child module serves: the port to announce and how to shut it down. */
export interface ServedNode {
  port: number
  stop(): Promise<void>
}

/**
 * The child side: runs `serve` with the child's arguments, prints the ready line with the port
 * it returned, then waits for stdin to close, stops what it serves and exits with status 0 (1
 * when serving or stopping failed; the error goes to stderr, where the parent's message shows it).
 */
export async function runChildNode(serve: (args: readonly string[]) => Promise<ServedNode>, stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
  const die = (what: string, e: unknown): never => {
    process.stderr.write(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  }
  let served: ServedNode
  try {
    served = await serve(process.argv.slice(2))
  } catch (e) {
    return die('could not start', e)
  }
  let stopping = false
  const shutdown = (): void => {
    if (stopping) return
    stopping = true
    // A stop that hangs must not keep the child alive: the parent would kill it anyway.
    setTimeout(() => die('stop', new Error(`not done within ${stopTimeoutMs} ms`)), stopTimeoutMs).unref()
    served.stop().then(
      () => process.exit(0),
      (e: unknown) => die('stop', e),
    )
  }
  process.stdin.on('end', shutdown)
  process.stdin.on('close', shutdown)
  process.stdin.on('error', shutdown)
  process.once('SIGTERM', shutdown)
  process.stdin.resume()
  process.stdout.write(`coerce-bench-child ready port=${served.port}\n`)
}
