/**
 * `npm run cluster:local -- [N] [-- node flags...]`: a local cluster on loopback. Starts a
 * redis-server on a free port and N `coerce-ts node` processes (default 3) with free cluster and
 * HTTP ports, static seeds (each other) and the Redis journal, prints each node's API URL, and
 * stops everything on Ctrl+C or SIGTERM (the nodes leave gracefully). Flags after a second `--`
 * go to every node, e.g. `npm run cluster:local -- 3 -- --app examples/cluster-app.ts`.
 * Each node also gets a free COERCE_CHAT_PORT (the sharded chat's page and WebSocket).
 * Environment: COERCE_APP (default examples/sharded-chat/app.ts), COERCE_WORKERS (default 1),
 * COERCE_CLUSTER_SECRET (default a fixed local-only secret).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** `count` distinct TCP ports free on 127.0.0.1 a moment ago (all held open, then released together). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) {
      servers.push(await new Promise<Server>((resolve, reject) => {
        const s = createServer()
        s.once('error', reject)
        s.listen(0, '127.0.0.1', () => resolve(s))
      }))
    }
    return servers.map((s) => (s.address() as { port: number }).port)
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  }
}

/** Parses `[N] [-- node flags]`: the node count (1-16) and the flags; throws one line when wrong. */
export function parseClusterLocalArgs(argv: string[]): { count: number; nodeArgs: string[] } {
  const sep = argv.indexOf('--')
  const own = sep < 0 ? argv : argv.slice(0, sep)
  const nodeArgs = sep < 0 ? [] : argv.slice(sep + 1)
  if (own.length > 1) throw new Error(`usage: npm run cluster:local -- [N] [-- node flags...] (got '${own.join(' ')}')`)
  const count = own[0] === undefined ? 3 : Number(own[0])
  if (!(Number.isInteger(count) && count >= 1 && count <= 16)) throw new Error(`the node count must be 1-16 (got '${own[0]}')`)
  return { count, nodeArgs }
}

async function main(): Promise<number> {
  let args: { count: number; nodeArgs: string[] }
  try {
    args = parseClusterLocalArgs(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`cluster:local: ${(e as Error).message}\n`)
    return 2
  }
  const { count, nodeArgs } = args
  const children: Array<{ name: string; proc: ChildProcess }> = []
  const redisDir = mkdtempSync(join(tmpdir(), 'coerce-cluster-local-'))
  let stopping = false
  let resolveDone: (code: number) => void = () => {}
  const done = new Promise<number>((r) => (resolveDone = r))
  const exited = (p: ChildProcess): boolean => p.exitCode !== null || p.signalCode !== null
  const killAll = (signal: NodeJS.Signals): void => {
    for (const c of children) if (!exited(c.proc)) c.proc.kill(signal)
  }
  // Whatever happens to this process, no child outlives it.
  process.on('exit', () => {
    killAll('SIGKILL')
    rmSync(redisDir, { recursive: true, force: true })
  })

  const ports = await freePorts(1 + 3 * count)
  const redisPort = ports[0] as number
  const clusterPorts = ports.slice(1, 1 + count)
  const httpPorts = ports.slice(1 + count, 1 + 2 * count)
  const chatPorts = ports.slice(1 + 2 * count)
  const app = process.env['COERCE_APP'] ?? 'examples/sharded-chat/app.ts'
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.push({ name: 'redis', proc: redis })
  const ready = await new Promise<boolean>((resolve) => {
    let out = ''
    redis.once('error', (e) => {
      process.stderr.write(`cluster:local: cannot start redis-server (is it installed?): ${e.message}\n`)
      resolve(false)
    })
    redis.once('exit', () => resolve(false))
    redis.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) resolve(true)
    })
  })
  if (!ready) return 1
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  process.stdout.write(`redis      ${redisUrl}\n`)

  const seeds = clusterPorts.map((p) => `127.0.0.1:${p}`).join(',')
  const logLevel = process.env['COERCE_LOG_LEVEL'] ?? 'warn'
  for (let i = 0; i < count; i++) {
    const name = `node-${i + 1}`
    const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/coerce-ts.ts'), 'node', ...nodeArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'pipe'],
      // Its own process group: Ctrl+C in the terminal reaches this script only, which then sends
      // each node one SIGTERM (a node takes a second signal as "exit now").
      detached: true,
      env: {
        ...process.env,
        COERCE_NODE_ID: name,
        COERCE_CLUSTER_LISTEN: `127.0.0.1:${clusterPorts[i]}`,
        COERCE_CLUSTER_ADVERTISE: `127.0.0.1:${clusterPorts[i]}`,
        COERCE_HTTP_HOST: '127.0.0.1',
        COERCE_HTTP_PORT: String(httpPorts[i]),
        COERCE_SEED_PEERS: seeds,
        COERCE_PERSISTENCE: redisUrl,
        COERCE_CLUSTER_SECRET: process.env['COERCE_CLUSTER_SECRET'] ?? 'cluster-local-secret',
        COERCE_WORKERS: process.env['COERCE_WORKERS'] ?? '1',
        COERCE_APP: app,
        COERCE_CHAT_HOST: '127.0.0.1',
        COERCE_CHAT_PORT: String(chatPorts[i]),
        COERCE_LOG_LEVEL: logLevel,
      },
    })
    children.push({ name, proc })
    // Each node's log lines, prefixed with its name (JSON lines at COERCE_LOG_LEVEL, default warn).
    createInterface({ input: proc.stderr as NodeJS.ReadableStream }).on('line', (l) => process.stderr.write(`[${name}] ${l}\n`))
    proc.once('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`cluster:local: ${name} exited (${code ?? signal}); stopping the others\n`)
        void stop()
      }
    })
  }

  // Up when every API answers /health.
  const deadline = Date.now() + 60_000
  for (const [i, port] of httpPorts.entries()) {
    for (;;) {
      if (stopping) return 1
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)
      if (ok) break
      if (Date.now() > deadline) {
        process.stderr.write(`cluster:local: node-${i + 1} did not answer /health within 60 s\n`)
        await stop()
        return 1
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  for (let i = 0; i < count; i++) {
    const chat = app.includes('sharded-chat') ? `   chat http://127.0.0.1:${chatPorts[i]}/` : ''
    process.stdout.write(`node-${i + 1}     API http://127.0.0.1:${httpPorts[i]}   cluster 127.0.0.1:${clusterPorts[i]}${chat}\n`)
  }
  if (app.includes('sharded-chat')) process.stdout.write('chat:      open any chat URL in a browser (the WebSocket is at /ws, protocol in docs/chat.md)\n')
  process.stdout.write(`members:   curl http://127.0.0.1:${httpPorts[0]}/cluster/nodes\n`)
  process.stdout.write('cluster:local: running; Ctrl+C stops every node and redis\n')

  async function stop(): Promise<void> {
    if (stopping) return
    stopping = true
    process.stdout.write('cluster:local: stopping\n')
    const nodes = children.filter((c) => c.name !== 'redis')
    for (const c of nodes) if (!exited(c.proc)) c.proc.kill('SIGTERM')
    const force = setTimeout(() => killAll('SIGKILL'), 30_000)
    await Promise.all(nodes.map((c) => (exited(c.proc) ? undefined : new Promise((r) => c.proc.once('exit', r)))))
    clearTimeout(force)
    if (!exited(redis)) {
      redis.kill('SIGTERM')
      await new Promise((r) => redis.once('exit', r))
    }
    const failed = nodes.filter((c) => c.proc.exitCode !== 0)
    for (const c of failed) process.stderr.write(`cluster:local: ${c.name} exited with ${c.proc.exitCode ?? c.proc.signalCode}\n`)
    resolveDone(failed.length === 0 ? 0 : 1)
  }
  let signals = 0
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (++signals > 1) {
        process.stderr.write('cluster:local: second signal: killing everything\n')
        process.exit(1)
      }
      void stop()
    })
  }
  return done
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main()
}
