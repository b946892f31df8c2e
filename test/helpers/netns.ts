/**
 * Test helper: real network partitions with Linux network namespaces (root only).
 *
 * A `NetLab` builds a "switch" namespace holding a bridge, and one namespace per node with a
 * veth pair into that bridge (`eth0` in the node's namespace, an address in 10.213.X.0/24 with
 * X drawn per lab), `lo` up everywhere. Nothing is routed to or from the host: traffic stays
 * inside the namespaces this lab created. `exec()` starts a process inside a node's namespace
 * (`ip netns exec`); `partition(groups)` cuts traffic between groups by moving each group's
 * switch ports onto a bridge of its own (any grouping, no firewall needed; open TCP connections
 * see silence, not a reset, as in a real partition); `heal()` puts every port back.
 *
 * `destroy()` kills every process in the lab's namespaces and deletes them; it is idempotent
 * and runs on process exit and on SIGINT/SIGTERM/SIGHUP. Names carry the creating process's pid
 * and a random suffix (`ctn<pid>-<rand>-<node>`), so parallel test files never collide, and a
 * new lab deletes labs whose creating process is gone (a test process killed with SIGKILL).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'

const PREFIX = 'ctn'
const SWITCH_BRIDGE = 'br0'

export type Availability = { ok: true } | { ok: false; reason: string }

/** Runs `ip` with these arguments; returns stdout, throws with stderr in the message. */
function ip(args: string[], input?: string): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000, ...(input !== undefined ? { input } : {}) })
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`)
  }
}

/** The lab's names currently present (`ip netns list` prints `name (id: N)` or `name`). */
export function listNamespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '')
}

let availability: Availability | undefined

/**
 * Whether this process can build labs: Linux, root, `ip` (iproute2) present, `ip netns add`
 * working, and bridge and veth links creatable inside a namespace. Checked once, with a
 * throwaway namespace that is deleted again.
 */
export function available(): Availability {
  if (availability !== undefined) return availability
  availability = probe()
  return availability
}

function probe(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'network namespaces need root (the tests do not run as root here)' }
  try {
    ip(['-V'])
  } catch (e) {
    return { ok: false, reason: `iproute2 (the ip command) is missing: ${(e as Error).message}` }
  }
  const ns = `${PREFIX}${process.pid}-probe${randomBytes(3).toString('hex')}`
  try {
    ip(['netns', 'add', ns])
  } catch (e) {
    return { ok: false, reason: `ip netns add fails: ${(e as Error).message}` }
  }
  try {
    ip(['-n', ns, 'link', 'add', 'pbr', 'type', 'bridge'])
    ip(['-n', ns, 'link', 'add', 'pa', 'type', 'veth', 'peer', 'name', 'pb'])
    ip(['-n', ns, 'link', 'set', 'pa', 'master', 'pbr'])
    return { ok: true }
  } catch (e) {
    return { ok: false, reason: `bridge or veth links cannot be created in a namespace: ${(e as Error).message}` }
  } finally {
    try {
      ip(['netns', 'del', ns])
    } catch {
      // Best effort: the probe namespace holds no process.
    }
  }
}

/** Kills every process inside a namespace (by pid, as `ip netns pids` lists them). */
function killIn(ns: string): void {
  let pids: number[] = []
  try {
    pids = ip(['netns', 'pids', ns])
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((p) => Number.isInteger(p) && p > 0)
  } catch {
    return
  }
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'
  }
}

/** Deletes the namespaces of labs whose creating process is gone. */
function sweepStale(): void {
  for (const ns of listNamespaces()) {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(ns)
    if (m === null) continue
    const owner = Number(m[1])
    if (owner === process.pid || alive(owner)) continue
    killIn(ns)
    try {
      ip(['netns', 'del', ns])
    } catch {
      // Another sweeper got there first.
    }
  }
}

const labs = new Set<NetLab>()
let hooked = false
function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const l of [...labs]) l.destroy()
  })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const l of [...labs]) l.destroy()
      process.removeListener(sig, onSignal)
      // Nobody else handles it: die of the signal as if we had not been listening.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

export class NetLab {
  private readonly nodes = new Map<string, { ns: string; port: string; addr: string }>()
  private readonly children = new Set<ChildProcess>()
  private readonly created: string[] = []
  private groupBridges: string[] = []
  private destroyed = false
  readonly switchNs: string
  /** The third octet of this lab's 10.213.X.0/24. */
  readonly subnet: number

  private constructor(readonly id: string) {
    this.switchNs = `${id}-sw`
    this.subnet = randomInt(0, 256)
  }

  /**
   * Builds a lab with one namespace per node name (letters, digits, `_` and `-`). Throws when
   * `available()` is not ok; whatever was built before a failure is torn down again.
   */
  static create(nodeNames: string[]): NetLab {
    const a = available()
    if (!a.ok) throw new Error(`network namespaces are not available: ${a.reason}`)
    if (new Set(nodeNames).size !== nodeNames.length) throw new Error(`duplicate node names: ${nodeNames.join(', ')}`)
    if (nodeNames.length > 200) throw new Error('at most 200 nodes per lab')
    for (const n of nodeNames) if (!/^[A-Za-z0-9_-]{1,24}$/.test(n)) throw new Error(`bad node name ${JSON.stringify(n)}`)
    sweepStale()
    hookExit()
    const lab = new NetLab(`${PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`)
    labs.add(lab)
    try {
      lab.build(nodeNames)
    } catch (e) {
      lab.destroy()
      throw e
    }
    return lab
  }

  private addNs(ns: string): void {
    ip(['netns', 'add', ns])
    this.created.push(ns)
    ip(['-n', ns, 'link', 'set', 'lo', 'up'])
  }

  private build(nodeNames: string[]): void {
    const sw = this.switchNs
    this.addNs(sw)
    ip(['-n', sw, 'link', 'add', SWITCH_BRIDGE, 'type', 'bridge'])
    ip(['-n', sw, 'link', 'set', SWITCH_BRIDGE, 'up'])
    nodeNames.forEach((name, i) => {
      const ns = `${this.id}-${name}`
      const port = `p${i}`
      const addr = `10.213.${this.subnet}.${10 + i}`
      this.addNs(ns)
      // Both ends are made in the switch namespace, then one end moves into the node's.
      ip(['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
      ip(['-n', sw, 'link', 'set', port, 'master', SWITCH_BRIDGE])
      ip(['-n', sw, 'link', 'set', port, 'up'])
      ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0'])
      ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
      this.nodes.set(name, { ns, port, addr })
    })
  }

  private node(name: string): { ns: string; port: string; addr: string } {
    const n = this.nodes.get(name)
    if (n === undefined) throw new Error(`no node ${name} in this lab (${[...this.nodes.keys()].join(', ')})`)
    return n
  }

  /** The namespace of a node (for `ip netns exec`). */
  ns(name: string): string {
    return this.node(name).ns
  }

  /** The node's address inside the lab. */
  addr(name: string): string {
    return this.node(name).addr
  }

  /** Starts a process inside the node's namespace; it is killed on `destroy()`. */
  exec(name: string, cmd: string, args: string[] = [], options: SpawnOptions = {}): ChildProcess {
    if (this.destroyed) throw new Error('the lab was destroyed')
    const child = spawn('ip', ['netns', 'exec', this.ns(name), cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...options })
    this.children.add(child)
    child.on('exit', () => this.children.delete(child))
    return child
  }

  /** Runs a command inside the node's namespace to completion; returns its stdout. */
  run(name: string, cmd: string, args: string[] = []): string {
    return ip(['netns', 'exec', this.ns(name), cmd, ...args])
  }

  /**
   * Cuts traffic between groups: nodes in one group still reach each other, nobody else.
   * Nodes named in no group stay on the main bridge together (a group of their own).
   * Replaces any partition in force.
   */
  partition(groups: string[][]): void {
    const seen = new Set<string>()
    for (const g of groups) {
      for (const n of g) {
        this.node(n)
        if (seen.has(n)) throw new Error(`node ${n} is in two groups`)
        seen.add(n)
      }
    }
    this.heal()
    const sw = this.switchNs
    groups.forEach((g, i) => {
      const br = `brg${i}`
      ip(['-n', sw, 'link', 'add', br, 'type', 'bridge'])
      this.groupBridges.push(br)
      ip(['-n', sw, 'link', 'set', br, 'up'])
      for (const n of g) ip(['-n', sw, 'link', 'set', this.node(n).port, 'master', br])
    })
  }

  /** Ends any partition: every port back on the main bridge. */
  heal(): void {
    if (this.groupBridges.length === 0) return
    const sw = this.switchNs
    for (const { port } of this.nodes.values()) ip(['-n', sw, 'link', 'set', port, 'master', SWITCH_BRIDGE])
    for (const br of this.groupBridges) ip(['-n', sw, 'link', 'del', br])
    this.groupBridges = []
  }

  /** Kills every process in the lab's namespaces and deletes them (idempotent, synchronous). */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    labs.delete(this)
    for (const c of this.children) c.kill('SIGKILL')
    this.children.clear()
    for (const ns of [...this.created].reverse()) {
      killIn(ns)
      try {
        // Deleting a namespace deletes its veth end, and with it the peer in the switch.
        ip(['netns', 'del', ns])
      } catch {
        // Already gone.
      }
    }
    this.created.length = 0
  }
}
