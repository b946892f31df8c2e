/**
 * Test helper shared by the PostgreSQL and MariaDB helpers: a throwaway database server process
 * in a temp dir, run as a non-root user when the tests run as root (initdb and postgres refuse
 * root), in its own process group so a kill takes its children too, killed when the test
 * process exits. Also: probing whether a server answers on a port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const live = new Set<ChildProcess>()
let hooked = false

/** True when something accepts TCP connections on 127.0.0.1:`port` within `timeoutMs`. */
export function answers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** The uid/gid to run a server as: ourselves unless root, else `preferred` (or nobody). */
export function serverUser(preferred: string): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null
  for (const name of [preferred, 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString().trim())
      const gid = Number(execFileSync('id', ['-g', name]).toString().trim())
      return { uid, gid }
    } catch {
      // no such user: try the next
    }
  }
  throw new Error(`running as root and neither ${preferred} nor nobody exists to run the database server`)
}

/** A temp dir the server user owns. */
export function serverDir(prefix: string, user: { uid: number; gid: number } | null): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (user !== null) chownSync(dir, user.uid, user.gid)
  return dir
}

/** Runs a setup command (initdb, mariadb-install-db) as the server user; throws with its output. */
export function runAs(user: { uid: number; gid: number } | null, command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'pipe', ...(user === null ? {} : { uid: user.uid, gid: user.gid }) })
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string }
    throw new Error(`${command} failed: ${err.message}\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`)
  }
}

/** A server process: started detached (own process group), killed with its group. */
export interface ServerProcess {
  readonly pid: number
  /** SIGKILL to the whole process group (a crash); resolves once the leader exited. */
  kill(): Promise<void>
}

/** Starts `command` as the server user; resolves once `ready()` says so, rejects if it exits first. */
export async function startServer(
  user: { uid: number; gid: number } | null,
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  if (!hooked) {
    hooked = true
    process.on('exit', () => {
      for (const c of live) if (c.pid !== undefined) killGroup(c.pid)
    })
  }
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(user === null ? {} : { uid: user.uid, gid: user.gid }) })
  live.add(child)
  let output = ''
  let exited: string | null = null
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  child.once('error', (e) => (exited = e.message))
  child.once('exit', (code, signal) => {
    live.delete(child)
    exited = `exited (code ${String(code)}, signal ${String(signal)})`
  })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (exited !== null) throw new Error(`${command} ${exited} before it was ready:\n${output}`)
    if (await ready().catch(() => false)) break
    if (Date.now() > deadline) {
      killGroup(child.pid as number)
      throw new Error(`${command} not ready after ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    pid: child.pid as number,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      killGroup(child.pid as number)
      await gone
    },
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Removes a server's data directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** A name unique to this test process, usable as a schema or database name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
}

/** What a test can do to its database server: kill or restart a throwaway one, and clean up. */
export interface ServerControls {
  throwaway: boolean
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

/**
 * The controls of a server a helper found (`proc` null: a local one, where `stop` runs
 * `dropLocal` to remove what the test created) or started (`proc` and its `start`, in `dir`).
 */
export function serverControls(
  proc: ServerProcess | null,
  start: (() => Promise<ServerProcess>) | null,
  dir: string | null,
  dropLocal: () => Promise<unknown>,
): ServerControls {
  let running = proc
  let stopped = false
  return {
    throwaway: running !== null,
    kill: async () => {
      if (running === null) throw new Error('only a throwaway server can be killed')
      await running.kill()
    },
    restart: async () => {
      if (start === null || running === null) throw new Error('only a throwaway server can be restarted')
      await running.kill()
      running = await start()
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      if (running !== null) {
        await running.kill()
        if (dir !== null) removeDir(dir)
      } else {
        await dropLocal()
      }
    },
  }
}
