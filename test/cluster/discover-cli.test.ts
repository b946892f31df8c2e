// `coerce-ts discover`: argument parsing and output formatting on the main thread, the command
// run in-process against the fake API server (table, JSON, watch, errors, exit codes), and the
// real entry run as a child process (the npm script and the bin file through tsx).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parseDiscoverArgs, formatReport, formatChange, runDiscover } from '../../lib/cli/discover.js'
import { runCli } from '../../lib/cli/main.js'
import { formatTable } from '../../lib/cli/table.js'
import type { CliIo } from '../../lib/cli/io.js'
import type { DiscoveryReport, Peer } from '../../lib/index.js'
import { FakeK8s, makePod, makeTestCa, waitFor } from '../helpers/fake-k8s.js'

const ROOT = new URL('../../', import.meta.url).pathname
const TOKEN = 'cli-token'
const ca = makeTestCa()
t.teardown(() => rmSync(ca.dir, { recursive: true, force: true }))

function memoryIo(env: NodeJS.ProcessEnv, signal?: AbortSignal): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, env, ...(signal ? { signal } : {}), stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) }
}

async function fixture(t: Test): Promise<{ fake: FakeK8s; env: NodeJS.ProcessEnv; kubeconfig: string }> {
  const fake = await new FakeK8s({ token: TOKEN, tls: { key: ca.key, cert: ca.cert } }).start()
  t.teardown(() => fake.close())
  const dir = mkdtempSync(join(tmpdir(), 'coerce-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const kubeconfig = fake.kubeConfigFile(dir, { token: TOKEN, caPem: ca.caPem })
  return { fake, env: { HOME: dir, KUBECONFIG: kubeconfig }, kubeconfig }
}

const peer = (podName: string, host: string, ordinal?: number): Peer => ({ podName, namespace: 'default', host, port: 30101, labels: {}, ...(ordinal === undefined ? {} : { ordinal }) })

t.test('argument parsing: every flag, short forms, help, and errors', async (t) => {
  t.same(
    parseDiscoverArgs(['--selector', 'app=chat', '--port-name', 'remote', '--namespace', 'ns', '--addr-mode', 'hostname', '--kubeconfig', '/k', '--context', 'c', '--timeout', '2500', '--watch', '--json', '--verbose']),
    {
      options: { selector: 'app=chat', portName: 'remote', namespace: 'ns', addressMode: 'hostname', kubeConfig: '/k', context: 'c', requestTimeoutMs: 2500 },
      watch: true,
      json: true,
      verbose: true,
    },
  )
  t.same(parseDiscoverArgs(['-l', 'a=b', '-p', 'x', '-n', 'y', '-w', '-v']), { options: { selector: 'a=b', portName: 'x', namespace: 'y' }, watch: true, json: false, verbose: true })
  t.same(parseDiscoverArgs([]), { options: {}, watch: false, json: false, verbose: false })
  t.equal(parseDiscoverArgs(['-h']), 'help')
  t.match(parseDiscoverArgs(['--selectr', 'x']), { error: /Unknown option '--selectr'/ })
  t.match(parseDiscoverArgs(['extra']), { error: /Unexpected argument 'extra'/ })
  t.match(parseDiscoverArgs(['--timeout', 'soon']), { error: /--timeout must be a positive number of ms \(got 'soon'\)/ })
})

t.test('output: table, report with skipped pods, changes', async (t) => {
  t.equal(formatTable(['A', 'LONG HEADER'], [['xxxxx', '1'], ['y', '']]), 'A      LONG HEADER\nxxxxx  1\ny\n')
  const report: DiscoveryReport = {
    server: 'https://k:6443',
    namespace: 'default',
    selector: 'app=coerce',
    portName: 'coerce',
    addressMode: 'podIp',
    peers: [peer('coerce-0', '10.0.0.1', 0), peer('v6', 'fd00::1')],
    skipped: [
      { podName: 'coerce-1', reason: 'not ready (Ready=False)' },
      { podName: 'x', reason: 'no pod IP yet' },
    ],
  }
  t.equal(
    formatReport(report),
    'namespace default, selector app=coerce, port coerce, address mode podIp (https://k:6443)\n' +
      'POD       ADDRESS          ORDINAL\n' +
      'coerce-0  10.0.0.1:30101   0\n' +
      'v6        [fd00::1]:30101  -\n' +
      '2 peers; 2 matching pods skipped:\n' +
      '  coerce-1  not ready (Ready=False)\n' +
      '  x         no pod IP yet\n',
  )
  t.match(formatReport({ ...report, peers: [], skipped: [] }), /\n0 peers: no pod matches the selector\n$/)
  t.match(formatReport({ ...report, peers: [peer('a', '1.1.1.1')], skipped: [] }), /\n1 peer\n$/)
  t.match(formatReport({ ...report, peers: [], skipped: [{ podName: 'p', reason: 'r' }] }), /0 peers; 1 matching pod skipped:\n {2}p {2}r\n$/)
  t.equal(
    formatChange({ joined: [peer('a', '1.1.1.1')], left: [peer('b', '1.1.1.2')], changed: [peer('c', '1.1.1.3')], peers: [] }),
    '+ a 1.1.1.1:30101 joined\n- b 1.1.1.2:30101 left\n~ c 1.1.1.3:30101 changed\n',
  )
})

t.test('coerce-ts: help and unknown commands', async (t) => {
  const io = memoryIo({})
  t.equal(await runCli(['help'], io), 0)
  t.match(io.out.join(''), /Usage: coerce-ts <command>/)
  t.equal(await runCli([], io), 2)
  t.equal(await runCli(['frobnicate'], io), 2)
  t.match(io.err.join(''), /unknown command 'frobnicate'/)
  const help = memoryIo({})
  t.equal(await runCli(['discover', '--help'], help), 0)
  t.match(help.out.join(''), /Usage: coerce-ts discover \[options\][\s\S]*--selector/)
  const bad = memoryIo({})
  t.equal(await runCli(['discover', '--nope'], bad), 2)
  t.match(bad.err.join(''), /coerce-ts discover: Unknown option '--nope'[\s\S]*Usage:/)
})

t.test('discover in-process: table and JSON, option errors, API errors and their exit codes', async (t) => {
  const { fake, env } = await fixture(t)
  fake.apply(makePod({ name: 'coerce-0', ip: '10.0.0.5', statefulSet: 'coerce' }))
  fake.apply(makePod({ name: 'coerce-1', ip: '10.0.0.6', statefulSet: 'coerce', ready: false }))
  fake.apply(makePod({ name: 'chat-0', labels: { app: 'chat' } }))

  const table = memoryIo(env)
  t.equal(await runDiscover([], table), 0)
  t.equal(
    table.out.join(''),
    `namespace default, selector app=coerce, port coerce, address mode podIp (${fake.url})\n` +
      'POD       ADDRESS         ORDINAL\ncoerce-0  10.0.0.5:30101  0\n1 peer; 1 matching pod skipped:\n  coerce-1  not ready (Ready=False, ContainersNotReady)\n',
  )
  t.same(table.err, [])

  const json = memoryIo(env)
  t.equal(await runDiscover(['--json', '-l', 'app=chat'], json), 0)
  const parsed = JSON.parse(json.out.join('')) as DiscoveryReport
  t.same(parsed.peers.map((p) => p.podName), ['chat-0'])
  t.equal(parsed.selector, 'app=chat')

  const badMode = memoryIo(env)
  t.equal(await runDiscover(['--addr-mode', 'dns'], badMode), 2)
  t.match(badMode.err.join(''), /addressMode must be 'podIp' or 'hostname' \(got "dns"\)/)

  fake.fail(403, { times: 1, message: 'pods is forbidden: User "alice" cannot list resource "pods"' })
  const forbidden = memoryIo(env)
  t.equal(await runDiscover([], forbidden), 1)
  t.match(forbidden.err.join(''), /Forbidden: not allowed to list pods in namespace 'default' \(403\): pods is forbidden: User "alice".*verbs get, list and watch on pods/)
  t.same(forbidden.out, [])

  const noConfig = memoryIo({ HOME: env['HOME'] })
  t.equal(await runDiscover([], noConfig), 1)
  t.match(noConfig.err.join(''), /NoConfig: no Kubernetes configuration/)

  fake.hangLists(true)
  const ctl = new AbortController()
  const interrupted = memoryIo(env, ctl.signal)
  const before = fake.requests.length
  const running = runDiscover([], interrupted)
  await waitFor(() => fake.requests.length > before, 'list in flight')
  ctl.abort()
  t.equal(await running, 130, 'Ctrl-C during a request exits 130 without an error message')
  t.same(interrupted.err, [])
})

t.test('discover --watch in-process: snapshot, then one line per change, errors on stderr, Ctrl-C ends it', async (t) => {
  const { fake, env } = await fixture(t)
  fake.apply(makePod({ name: 'w-0', ip: '10.0.1.1' }))
  for (const json of [false, true]) {
    const ctl = new AbortController()
    const io = memoryIo(env, ctl.signal)
    const done = runDiscover(json ? ['-w', '--json'] : ['-w'], io)
    await waitFor(() => io.out.length === 1 && fake.openWatches === 1, 'snapshot and watch')
    fake.apply(makePod({ name: `w-${json ? 'j' : 't'}`, ip: '10.0.1.9' }))
    await waitFor(() => io.out.length === 2, 'join printed')
    fake.fail(500, { times: 1, message: 'hiccup' })
    fake.dropWatches()
    await waitFor(() => io.err.length === 1, 'error printed')
    t.match(io.err[0], /ApiError: the API server answered 500 .*hiccup \(retrying\)/)
    await waitFor(() => fake.openWatches === 1, 'watching again')
    fake.remove(`w-${json ? 'j' : 't'}`)
    await waitFor(() => io.out.length === 3, 'leave printed')
    ctl.abort()
    t.equal(await done, 0)
    if (json) {
      const lines = io.out.map((l) => JSON.parse(l) as { type: string; joined?: Peer[]; left?: Peer[]; peers: Peer[] })
      t.same(lines.map((l) => l.type), ['snapshot', 'change', 'change'])
      t.same(lines[1]?.joined?.map((p) => p.podName), ['w-j'])
      t.same(lines[2]?.left?.map((p) => p.podName), ['w-j'])
    } else {
      t.match(io.out[0], /^namespace default, selector app=coerce/)
      t.same(io.out.slice(1), ['+ w-t 10.0.1.9:30101 joined\n', '- w-t 10.0.1.9:30101 left\n'])
    }
  }
  await waitFor(() => fake.openWatches === 0, 'watches closed after Ctrl-C')
})

/** Runs a command, collecting output; resolves with the exit code. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, onStdout?: (all: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString()
      onStdout?.(stdout, child)
    })
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The machine's environment without anything that would steer discovery. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(COERCE_|POD_|KUBE)/.test(k) && !k.startsWith('NODE_OPTIONS')) env[k] = v
  return { ...env, ...extra }
}

t.test('the real command as a child process: npm run discover, and bin/coerce-ts.ts --watch with SIGINT', async (t) => {
  const { fake, kubeconfig } = await fixture(t)
  fake.apply(makePod({ name: 'p-0', ip: '10.0.2.1' }))
  fake.apply(makePod({ name: 'p-1', ip: '10.0.2.2', ready: false }))
  const env = childEnv({ KUBECONFIG: kubeconfig })

  const viaNpm = await run('npm', ['run', '--silent', 'discover', '--', '--json'], env)
  t.equal(viaNpm.code, 0, viaNpm.stderr)
  const report = JSON.parse(viaNpm.stdout) as DiscoveryReport
  t.same(report.peers.map((p) => `${p.podName}=${p.host}:${p.port}`), ['p-0=10.0.2.1:30101'])
  t.same(report.skipped.map((s) => s.podName), ['p-1'])
  t.equal(fake.requests.at(-1)?.auth, `Bearer ${TOKEN}`)

  fake.fail(403, { times: 1, message: 'pods is forbidden' })
  const forbidden = await run(process.execPath, ['--import', 'tsx', 'bin/coerce-ts.ts', 'discover'], env)
  t.equal(forbidden.code, 1)
  t.match(forbidden.stderr, /Forbidden: .*get, list and watch/)

  let added = false
  const watched = await run(process.execPath, ['--import', 'tsx', 'bin/coerce-ts.ts', 'discover', '--watch', '-n', 'default'], env, (out, child) => {
    if (!added && out.includes('1 peer;')) {
      added = true
      waitFor(() => fake.openWatches === 1, 'child watching', 30_000).then(
        () => fake.update('p-1', (p) => (p.status.conditions![1]!.status = 'True')),
        () => child.kill('SIGKILL'),
      )
    }
    if (out.includes('+ p-1 10.0.2.2:30101 joined')) child.kill('SIGINT')
  })
  t.equal(watched.code, 0, `exits 0 on SIGINT (stderr: ${watched.stderr})`)
  t.match(watched.stdout, /p-0 +10\.0\.2\.1:30101[\s\S]*\+ p-1 10\.0\.2\.2:30101 joined\n$/)
})
