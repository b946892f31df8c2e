/**
 * Test helper: real cluster node processes on 127.0.0.1 (test/fixtures/cluster-node.ts), driven
 * over stdin/stdout; or, with `netns` and `host`, inside a network namespace on its address. Each node's reports (membership events, results) are recorded here, outside
 * the cluster. `kill()` is a real SIGKILL; every process is killed when the test process exits,
 * and `closeAll()` ends the rest on every test exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const FIXTURE = fileURLToPath(new URL('../fixtures/cluster-node.ts', import.meta.url))
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

export interface NodeConfig {
  nodeId: string
  workers?: number
  port?: number
  /** Listen host (default 127.0.0.1); with `netns`, the namespace's address. */
  host?: string
  /** The URL other nodes dial, when not the listen address. */
  advertise?: string
  /** A network namespace to run the node in (`ip netns exec`, root only; see helpers/netns.ts). */
  netns?: string
  seeds?: string[]
  staticPeers?: string[]
  secret?: string
  heartbeatIntervalMs?: number
  downAfterMs?: number
  joinTimeoutMs?: number
  sendBufferFrames?: number
  /** Journal storage the nodes share (redis-server URL). */
  redisUrl?: string
  /** Register the sharded test types (test/fixtures/shard-actors.ts) with these options. */
  sharding?: {
    shards?: number
    rememberEntities?: boolean
    idleMs?: number
    maxActivePerNode?: number
    handoffTimeoutMs?: number
    rebalanceAfterMs?: number
    proxyOnly?: boolean
  }
}

export interface NodeEvent {
  type: string
  node: string | null
  incarnation?: number
  at: number
}

export interface OpError {
  name: string
  code?: string
  message: string
}

/** A free TCP port on 127.0.0.1 (closed again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** A line an actor of the node printed (`{ t: 'report', ... }`), with when the test process read it. */
export interface NodeReport {
  kind: string
  receivedAt: number
  [field: string]: unknown
}

export class ClusterNode {
  readonly events: NodeEvent[] = []
  /** What the node's actors reported (the singleton probe's starts and stops). */
  readonly reports: NodeReport[] = []
  readonly output: string[] = []
  advertise = ''
  incarnation = 0
  exited: number | null = null
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>()
  private nextId = 1
  private readonly listeners = new Set<() => void>()
  private failed: OpError | null = null

  private constructor(
    readonly config: NodeConfig & { port: number },
    private readonly child: ChildProcess,
  ) {}

  /** Starts a node and waits until it joined (or failed to). */
  static async start(config: NodeConfig, timeoutMs = 20_000): Promise<ClusterNode> {
    const port = config.port ?? (await freePort())
    const full = { workers: 0, secret: 'cluster-test-secret', ...config, port }
    // tsx, not the test runner's loader: it starts a node (and its workers) in about a second.
    const argv = [process.execPath, '--import', 'tsx', FIXTURE, JSON.stringify(full)]
    // `ip netns exec` execs the node in place: the child's pid is the node's (kill() reaches it).
    const [cmd, ...args] = config.netns !== undefined ? ['ip', 'netns', 'exec', config.netns, ...argv] : argv
    const child = spawn(cmd as string, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    live.add(child)
    const node = new ClusterNode(full, child)
    child.on('exit', (code, signal) => {
      live.delete(child)
      node.exited = code ?? (signal === null ? -1 : 128)
      for (const w of node.waiting.values()) w.reject(new Error(`node ${config.nodeId} exited (${code ?? signal})`))
      node.waiting.clear()
      node.notify()
    })
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (l) => node.output.push(l))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => node.onLine(l))
    await node.until(() => node.advertise !== '' || node.failed !== null || node.exited !== null, timeoutMs, 'ready')
    if (node.failed !== null) throw Object.assign(new Error(node.failed.message), node.failed)
    if (node.exited !== null) throw new Error(`node ${config.nodeId} exited with ${node.exited}: ${node.output.slice(-5).join('\n')}`)
    return node
  }

  get id(): string {
    return this.config.nodeId
  }

  get port(): number {
    return this.config.port
  }

  private onLine(line: string): void {
    let m: { t: string; [k: string]: unknown }
    try {
      m = JSON.parse(line) as typeof m
    } catch {
      this.output.push(line)
      return
    }
    if (m.t === 'ready') {
      this.advertise = m['advertise'] as string
      this.incarnation = (m['node'] as { incarnation: number }).incarnation
    } else if (m.t === 'failed') {
      this.failed = { name: m['name'] as string, code: m['code'] as string, message: m['message'] as string }
    } else if (m.t === 'event') {
      this.events.push({ type: m['type'] as string, node: m['node'] as string | null, incarnation: m['incarnation'] as number, at: performance.now() })
    } else if (m.t === 'report') {
      this.reports.push({ ...m, kind: m['kind'] as string, receivedAt: performance.now() })
    } else if (m.t === 'result') {
      const w = this.waiting.get(m['rid'] as number)
      if (w !== undefined) {
        this.waiting.delete(m['rid'] as number)
        if (m['error'] !== undefined) w.reject(Object.assign(new Error((m['error'] as OpError).message), m['error']))
        else w.resolve(m['ok'])
      }
    }
    this.notify()
  }

  private notify(): void {
    for (const l of [...this.listeners]) l()
  }

  /** Resolves once `cond` holds (checked on every report), rejects after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!cond()) return
        clearTimeout(timer)
        this.listeners.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.listeners.delete(check)
        reject(new Error(`node ${this.id}: no ${what} within ${timeoutMs} ms; events ${JSON.stringify(this.events.map((e) => `${e.type}:${e.node}`))}; stderr ${this.output.slice(-5).join(' | ')}`))
      }, timeoutMs)
      this.listeners.add(check)
      // Time-based conditions need a look now and then, not only on reports.
      const poll = setInterval(() => (this.listeners.has(check) ? check() : clearInterval(poll)), 50)
    })
  }

  /** Waits for a membership event about `node` (by id), after index `from` of the event log. */
  event(type: string, node: string | null, timeoutMs = 10_000, from = 0): Promise<NodeEvent> {
    const find = (): NodeEvent | undefined => this.events.slice(from).find((e) => e.type === type && e.node === node)
    return this.until(() => find() !== undefined, timeoutMs, `${type} of ${node}`).then(() => find() as NodeEvent)
  }

  /** Runs an operation on the node; rejects with the node's error (name, code, message). */
  op<T = unknown>(m: Record<string, unknown> & { op: string }, timeoutMs = 15_000): Promise<T> {
    if (this.exited !== null) return Promise.reject(new Error(`node ${this.id} is not running`))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`node ${this.id}: no answer to ${m.op} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.child.stdin?.write(`${JSON.stringify({ ...m, rid: id })}\n`)
    })
  }

  members(): Promise<{ self: { id: string; incarnation: number }; leader: { id: string } | null; members: { id: string; incarnation: number; status: string; reachable: boolean }[] }> {
    return this.op({ op: 'members' })
  }

  /** A real SIGKILL: no leave, no goodbye. */
  async kill(): Promise<void> {
    if (this.exited !== null) return
    this.child.kill('SIGKILL')
    await this.until(() => this.exited !== null, 5000, 'exit')
  }

  /** Freezes the process (SIGSTOP): its connections stay open, it answers nothing (a hung node). */
  pause(): void {
    this.child.kill('SIGSTOP')
  }

  resume(): void {
    this.child.kill('SIGCONT')
  }

  /** A graceful stop: the node shuts its system down (leaving the cluster) and exits. */
  async leave(): Promise<void> {
    if (this.exited !== null) return
    this.child.stdin?.end()
    try {
      await this.until(() => this.exited !== null, 10_000, 'exit after leaving')
    } catch {
      await this.kill()
    }
  }
}

/** Kills every node still running (teardown). */
export async function closeAll(nodes: Iterable<ClusterNode | undefined>): Promise<void> {
  await Promise.all([...nodes].map((n) => n?.kill()))
}

/** The ids of the members `n` sees up, sorted. */
export const upIds = async (n: ClusterNode): Promise<string[]> =>
  (await n.members()).members.filter((m) => m.status === 'up').map((m) => m.id).sort()

/** Polls `f` until it returns true (membership converges asynchronously). */
export async function eventually(what: string, f: () => Promise<boolean> | boolean, timeoutMs = 8000): Promise<void> {
  const until = performance.now() + timeoutMs
  for (;;) {
    if (await f()) return
    if (performance.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A test's nodes: `start` adds each to `nodes`, which the caller kills at teardown (`closeAll`). */
export function nodeGroup(): { nodes: Set<ClusterNode>; start(config: NodeConfig): Promise<ClusterNode> } {
  const nodes = new Set<ClusterNode>()
  return {
    nodes,
    start: async (config) => {
      const n = await ClusterNode.start(config)
      nodes.add(n)
      return n
    },
  }
}

/** One life of a cluster singleton's instance, as its probe reported it (test/fixtures/cluster-actors.ts). */
export interface SingletonLife {
  node: string
  incarnation: number
  from: number
  /** When it stopped (its stopped() done), or the kill time of its node run; Infinity while running. */
  to: number
}

/**
 * The instance lives of singleton `name` from the reports of `nodes` (a collector outside the
 * cluster), by wall-clock time; a life still open on a node run in `killedAt` ends at its kill.
 */
export function singletonLives(nodes: readonly ClusterNode[], name: string, killedAt: ReadonlyMap<string, number> = new Map()): SingletonLife[] {
  const reports = nodes.flatMap((n) => n.reports.filter((r) => r.kind === 'singleton' && r['name'] === name))
  const out: SingletonLife[] = []
  for (const r of reports.sort((a, b) => (a['at'] as number) - (b['at'] as number))) {
    if (r['event'] === 'started') out.push({ node: r['node'] as string, incarnation: r['incarnation'] as number, from: r['at'] as number, to: Infinity })
    else {
      const open = out.find((l) => l.node === r['node'] && l.incarnation === r['incarnation'] && l.to === Infinity)
      if (open !== undefined) open.to = r['at'] as number
    }
  }
  for (const l of out) if (l.to === Infinity && killedAt.has(l.node)) l.to = killedAt.get(l.node) as number
  return out
}

/** One life of a sharded entity, as it reported it (test/fixtures/shard-actors.ts). */
export interface EntityLife extends SingletonLife {
  type: string
  id: string
}

/**
 * Every entity life the nodes reported (a collector outside the cluster), by wall-clock time; a
 * life still open on a node run in `killedAt` ends at its kill.
 */
export function entityLives(nodes: readonly ClusterNode[], killedAt: ReadonlyMap<string, number> = new Map()): EntityLife[] {
  const reports = nodes.flatMap((n) => n.reports.filter((r) => r.kind === 'entity'))
  const open = new Map<string, EntityLife>()
  const out: EntityLife[] = []
  for (const r of reports.sort((a, b) => (a['at'] as number) - (b['at'] as number))) {
    const key = `${r['type'] as string}|${r['id'] as string}|${r['node'] as string}|${r['incarnation'] as number}`
    if (r['event'] === 'started') {
      const life: EntityLife = { type: r['type'] as string, id: r['id'] as string, node: r['node'] as string, incarnation: r['incarnation'] as number, from: r['at'] as number, to: Infinity }
      out.push(life)
      open.set(key, life)
    } else {
      const life = open.get(key)
      if (life !== undefined) life.to = r['at'] as number
      open.delete(key)
    }
  }
  for (const l of out) if (l.to === Infinity && killedAt.has(l.node)) l.to = killedAt.get(l.node) as number
  return out
}

/** Entities that lived twice at once (`type|id: node/node`); empty when none did. */
export function entityOverlaps(lives: readonly EntityLife[]): string[] {
  const byEntity = new Map<string, EntityLife[]>()
  for (const l of lives) {
    const key = `${l.type}|${l.id}`
    const list = byEntity.get(key)
    if (list === undefined) byEntity.set(key, [l])
    else list.push(l)
  }
  return [...byEntity].flatMap(([key, list]) => overlaps(list).map((pair) => `${key}: ${pair}`))
}

/** Pairs of lives that ran at the same time (`node/node`); empty when never two at once. */
export function overlaps(lives: readonly SingletonLife[]): string[] {
  return lives.flatMap((a, i) => lives.slice(i + 1).filter((b) => a.from < b.to && b.from < a.to).map((b) => `${a.node}/${b.node}`))
}
