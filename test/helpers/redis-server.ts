/**
 * Test helper: a real `redis-server` child process on a free TCP port on 127.0.0.1.
 *
 * `--port 0` means "no TCP listener" in Redis, not "pick a port", so the helper reserves a free
 * port itself, starts the server and waits for "Ready to accept connections". The server can be
 * killed (SIGKILL, like a crash) and restarted on the same port and data directory; with
 * `durable: true` it writes an fsync-always append-only file, so everything it acknowledged
 * survives the kill. Every server is killed when the process exits, so a test that times out
 * leaves no orphans behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Append-only file with fsync on every write, so acknowledged writes survive a kill. Default false. */
  durable?: boolean
  /** How long to wait for the server to become ready, ms. Default 10 000. */
  readyTimeoutMs?: number
  /**
   * Run as a one-node Redis Cluster owning all 16384 slots: real cluster semantics
   * (CROSSSLOT errors, the CLUSTER commands a Cluster client needs) on one process.
   */
  cluster?: boolean
}

/** A running (or stopped) redis-server owned by a test. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** True while the process runs. */
  readonly running: boolean
  /** Kills the server with SIGKILL and waits for the process to exit. Idempotent. */
  kill(): Promise<void>
  /** Starts the server again on the same port and data directory; waits until it is ready. */
  restart(): Promise<void>
  /** Freezes the server (SIGSTOP): connections stay open, commands get no reply. */
  pause(): void
  /** Thaws a paused server (SIGCONT); it then handles what it received meanwhile. */
  resume(): void
  /** Kills the server and removes its data directory. Idempotent. */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not read the reserved port'))
      })
    })
  })
}

/** Starts a redis-server on a free port and resolves once it accepts connections. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  installExitHook()
  const dir = mkdtempSync(join(tmpdir(), 'coerce-redis-'))
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000
  let port = await freePort()
  let child: ChildProcess | null = null
  let removed = false

  const args = (): string[] => {
    const list = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--loglevel', 'notice']
    if (options.durable === true) list.push('--appendonly', 'yes', '--appendfsync', 'always')
    else list.push('--appendonly', 'no')
    if (options.cluster === true) {
      list.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1')
    }
    return list
  }

  const launch = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] })
      child = proc
      live.add(proc)
      let output = ''
      let settled = false
      const finish = (error?: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (error === undefined) resolve()
        else reject(error)
      }
      const timer = setTimeout(() => {
        proc.kill('SIGKILL')
        finish(new Error(`redis-server on port ${port} not ready after ${readyTimeoutMs} ms:\n${output}`))
      }, readyTimeoutMs)
      const onData = (chunk: Buffer): void => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) finish()
      }
      proc.stdout?.on('data', onData)
      proc.stderr?.on('data', onData)
      proc.once('error', (e) => {
        live.delete(proc)
        finish(new Error(`could not start redis-server (is it installed?): ${e.message}`))
      })
      proc.once('exit', (code, signal) => {
        live.delete(proc)
        if (child === proc) child = null
        finish(new Error(`redis-server exited before it was ready (code ${String(code)}, signal ${String(signal)}):\n${output}`))
      })
    })

  // Another process may take the port between the probe and the bind: try a few ports.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch()
      break
    } catch (e) {
      if (attempt >= 3 || !String((e as Error).message).includes('Address already in use')) {
        rmSync(dir, { recursive: true, force: true })
        throw e
      }
      port = await freePort()
    }
  }

  if (options.cluster === true) await assignAllSlots(port, readyTimeoutMs)

  const kill = async (): Promise<void> => {
    const proc = child
    if (proc === null) return
    child = null
    if (proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGKILL')
    })
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running(): boolean {
      return child !== null
    },
    kill,
    async restart(): Promise<void> {
      if (removed) throw new Error('redis-server was stopped for good; start a new one')
      await kill()
      await launch()
    },
    pause(): void {
      ;(child as ChildProcess | null)?.kill('SIGSTOP')
    },
    resume(): void {
      ;(child as ChildProcess | null)?.kill('SIGCONT')
    },
    async stop(): Promise<void> {
      ;(child as ChildProcess | null)?.kill('SIGCONT')
      await kill()
      if (!removed) {
        removed = true
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** Gives the one node every slot and waits until the cluster reports ok. */
async function assignAllSlots(port: number, timeoutMs: number): Promise<void> {
  const admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 })
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const info = String(await admin.call('CLUSTER', 'INFO'))
      if (info.includes('cluster_state:ok')) return
      if (Date.now() > deadline) throw new Error(`one-node cluster on port ${port} not ok after ${timeoutMs} ms:\n${info}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  } finally {
    admin.disconnect()
  }
}
