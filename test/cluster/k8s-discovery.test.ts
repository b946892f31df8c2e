// The Kubernetes provider against a local server that answers like the API server (real
// PodList, watch streams, Status errors, 410 Gone), over http and https with a CA and a bearer
// token: which pods are peers, config and namespace resolution, typed errors, and the watch
// (add/remove/modify, dropped streams, 410, RBAC errors, API down then up, clean stop).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import {
  isDiscoveryError,
  KubernetesDiscovery,
  type DiscoveryChange,
  type KubernetesDiscoveryOptions,
  type Logger,
} from '../../lib/index.js'
import { FakeK8s, makePod, makeTestCa, waitFor, type PodJson } from '../helpers/fake-k8s.js'

const TOKEN = 'test-token-1'
const ca = makeTestCa()
t.teardown(() => rmSync(ca.dir, { recursive: true, force: true }))

/** A logger that keeps what it is told. */
function memoryLogger(): Logger & { lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> } {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = []
  const at = (level: string) => (fields: object, msg: string) => {
    lines.push({ level, fields: fields as Record<string, unknown>, msg })
  }
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** A temp folder with no kubeconfig and no service account, so nothing leaks in from the machine. */
function emptyEnv(t: Test): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'coerce-k8s-env-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return { env: { HOME: dir }, dir }
}

async function startFake(t: Test, tls: boolean, token: string | undefined = TOKEN, namespaces?: string[]): Promise<FakeK8s> {
  const fake = await new FakeK8s({ ...(token ? { token } : {}), ...(tls ? { tls: { key: ca.key, cert: ca.cert } } : {}), ...(namespaces ? { namespaces } : {}) }).start()
  t.teardown(() => fake.close())
  return fake
}

function discoveryFor(t: Test, fake: FakeK8s, o: KubernetesDiscoveryOptions & { tls?: boolean } = {}): KubernetesDiscovery {
  const { tls, ...rest } = o
  return new KubernetesDiscovery({
    kubeConfig: fake.kubeConfig({ token: TOKEN, ...(tls ? { caPem: ca.caPem } : {}) }),
    env: emptyEnv(t).env,
    serviceAccountDir: '/nonexistent',
    retry: { minMs: 20, maxMs: 200 },
    logger: memoryLogger(),
    ...rest,
  })
}

/** The mixed population of the issue: exactly ready-0, ready-1 and v6 are peers. */
function mixedPods(): PodJson[] {
  return [
    makePod({ name: 'ready-0', ip: '10.0.0.10' }),
    makePod({ name: 'ready-1', ip: '10.0.0.11', labels: { app: 'coerce', tier: 'a' } }),
    makePod({ name: 'v6', ip: 'fd00::7' }),
    makePod({ name: 'not-ready', ready: false }),
    makePod({ name: 'no-condition', ready: 'none' }),
    makePod({ name: 'pending', phase: 'Pending', ip: null, ready: false }),
    makePod({ name: 'succeeded', phase: 'Succeeded' }),
    makePod({ name: 'terminating', deleting: true }),
    makePod({ name: 'no-ip', ip: null }),
    makePod({ name: 'wrong-port', ports: [{ name: 'http', containerPort: 8080 }] }),
    makePod({ name: 'unnamed-port', ports: [{ containerPort: 30101 }] }),
    makePod({ name: 'other-app', labels: { app: 'other' } }),
    makePod({ name: 'other-ns', namespace: 'elsewhere' }),
  ]
}

for (const tls of [false, true]) {
  const scheme = tls ? 'https (CA + token)' : 'http (token)'
  t.test(`mixed pods yield exactly the ready ones, over ${scheme}`, async (t) => {
    const fake = await startFake(t, tls)
    for (const p of mixedPods()) fake.apply(p)
    const logger = memoryLogger()
    const d = discoveryFor(t, fake, { tls, logger })
    const report = await d.inspect()
    t.same(
      report.peers.map((p) => [p.podName, p.host, p.port]),
      [
        ['ready-0', '10.0.0.10', 30101],
        ['ready-1', '10.0.0.11', 30101],
        ['v6', 'fd00::7', 30101],
      ],
    )
    t.same(report.peers[1]?.labels, { app: 'coerce', tier: 'a' })
    t.equal(report.peers[0]?.namespace, 'default')
    t.equal(report.peers[0]?.ordinal, undefined, 'no StatefulSet, no ordinal')
    t.same(Object.fromEntries(report.skipped.map((s) => [s.podName, s.reason])), {
      'no-condition': 'no Ready condition yet',
      'no-ip': 'no pod IP yet',
      'not-ready': 'not ready (Ready=False, ContainersNotReady)',
      pending: 'phase is Pending, not Running',
      succeeded: 'phase is Succeeded, not Running',
      terminating: 'terminating (deletionTimestamp is set)',
      'unnamed-port': "no container port named 'coerce' (named ports: none)",
      'wrong-port': "no container port named 'coerce' (named ports: http)",
    })
    t.equal(report.server, fake.url)
    t.equal(report.namespace, 'default')
    t.ok(
      logger.lines.some((l) => l.level === 'debug' && l.fields['pod'] === 'terminating' && l.fields['reason'] === 'terminating (deletionTimestamp is set)'),
      'skips are logged at debug with the reason',
    )
    t.same((await d.discover()).map((p) => p.podName), ['ready-0', 'ready-1', 'v6'])
    const list = fake.requests.find((r) => !r.watch)
    t.equal(list?.auth, `Bearer ${TOKEN}`, 'bearer token sent')
    t.equal(list?.query.get('labelSelector'), 'app=coerce', 'default selector')
  })
}

t.test('selector, port name and namespace from options and from the environment', async (t) => {
  const fake = await startFake(t, false, TOKEN, ['default', 'chat'])
  fake.apply(makePod({ name: 'c-0', namespace: 'chat', labels: { app: 'chat' }, ports: [{ name: 'remote', containerPort: 4000 }] }))
  fake.apply(makePod({ name: 'c-1', namespace: 'chat', labels: { app: 'chat' }, ports: [{ name: 'coerce', containerPort: 30101 }] }))
  const viaOptions = discoveryFor(t, fake, { selector: 'app=chat', portName: 'remote', namespace: 'chat' })
  t.same((await viaOptions.discover()).map((p) => `${p.podName}@${p.host}:${p.port}`), ['c-0@' + (await viaOptions.discover())[0]?.host + ':4000'])
  const env = { ...emptyEnv(t).env, COERCE_K8S_POD_SELECTOR: 'app=chat', COERCE_K8S_PORT_NAME: 'remote', POD_NAMESPACE: 'chat' }
  const viaEnv = discoveryFor(t, fake, { env })
  const r = await viaEnv.inspect()
  t.same([r.selector, r.portName, r.namespace], ['app=chat', 'remote', 'chat'])
  t.same(r.peers.map((p) => p.port), [4000])
  t.equal(fake.requests.at(-1)?.path, '/api/v1/namespaces/chat/pods')
  const optionBeatsEnv = discoveryFor(t, fake, { env, portName: 'coerce' })
  t.same((await optionBeatsEnv.discover()).map((p) => p.podName), ['c-1'], 'an option beats the environment')
})

t.test('namespace: option, POD_NAMESPACE, service-account file, kubeconfig context, default', async (t) => {
  const fake = await startFake(t, false, TOKEN, ['default', 'opt', 'envns', 'sans', 'ctx'])
  const saDir = mkdtempSync(join(tmpdir(), 'coerce-sa-'))
  t.teardown(() => rmSync(saDir, { recursive: true, force: true }))
  writeFileSync(join(saDir, 'namespace'), 'sans\n')
  const kc = fake.kubeConfig({ token: TOKEN, namespace: 'ctx' })
  const ns = async (o: KubernetesDiscoveryOptions): Promise<string> => (await discoveryFor(t, fake, { kubeConfig: kc, ...o }).inspect()).namespace
  const env = emptyEnv(t).env
  t.equal(await ns({ namespace: 'opt', env: { ...env, POD_NAMESPACE: 'envns' }, serviceAccountDir: saDir }), 'opt')
  t.equal(await ns({ env: { ...env, POD_NAMESPACE: 'envns' }, serviceAccountDir: saDir }), 'envns')
  t.equal(await ns({ env, serviceAccountDir: saDir }), 'sans')
  t.equal(await ns({ env }), 'ctx')
  t.equal(await discoveryFor(t, fake, { env }).inspect().then((r) => r.namespace), 'default')
})

t.test('in-cluster config: service-account token, CA and namespace files, KUBERNETES_SERVICE_*', async (t) => {
  const fake = await startFake(t, true, 'sa-token')
  fake.addNamespace('team')
  fake.apply(makePod({ name: 'n-0', namespace: 'team', ip: '10.1.0.1' }))
  const root = mkdtempSync(join(tmpdir(), 'coerce-sa-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const sa = join(root, 'serviceaccount')
  mkdirSync(sa)
  writeFileSync(join(sa, 'token'), 'sa-token')
  writeFileSync(join(sa, 'ca.crt'), ca.caPem)
  writeFileSync(join(sa, 'namespace'), 'team')
  const d = new KubernetesDiscovery({
    serviceAccountDir: sa,
    env: { HOME: root, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.port) },
    logger: memoryLogger(),
  })
  const r = await d.inspect()
  t.equal(r.server, `https://127.0.0.1:${fake.port}`)
  t.equal(r.namespace, 'team')
  t.same(r.peers.map((p) => p.host), ['10.1.0.1'])
  t.equal(fake.requests.at(-1)?.auth, 'Bearer sa-token')
})

t.test('kubeconfig from a file, KUBECONFIG, and a named context', async (t) => {
  const fake = await startFake(t, true)
  fake.apply(makePod({ name: 'k-0', ip: '10.2.0.1' }))
  const { env, dir } = emptyEnv(t)
  const file = fake.kubeConfigFile(dir, { token: TOKEN, caPem: ca.caPem })
  const fromPath = new KubernetesDiscovery({ kubeConfig: file, env, serviceAccountDir: '/nonexistent', logger: memoryLogger() })
  t.same((await fromPath.discover()).map((p) => p.host), ['10.2.0.1'])
  const fromEnv = new KubernetesDiscovery({ env: { ...env, KUBECONFIG: file }, serviceAccountDir: '/nonexistent', logger: memoryLogger() })
  t.equal((await fromEnv.inspect()).server, fake.url)
  const homeKube = join(dir, '.kube')
  mkdirSync(homeKube)
  writeFileSync(join(homeKube, 'config'), fake.kubeConfig({ token: TOKEN, caPem: ca.caPem }).exportConfig())
  const fromHome = new KubernetesDiscovery({ env, context: 'fake', serviceAccountDir: '/nonexistent', logger: memoryLogger() })
  t.equal((await fromHome.inspect()).server, fake.url, '~/.kube/config with an explicit context')
  const badContext = new KubernetesDiscovery({ env, context: 'nope', serviceAccountDir: '/nonexistent', logger: memoryLogger() })
  await t.rejects(badContext.discover(), { name: 'DiscoveryError', code: 'NoConfig', message: /no context 'nope' \(contexts: fake\)/ })
})

t.test('no configuration at all is a NoConfig error, not a silent localhost:8080', async (t) => {
  const { env } = emptyEnv(t)
  const d = new KubernetesDiscovery({ env, serviceAccountDir: '/nonexistent', logger: memoryLogger() })
  await t.rejects(d.discover(), { code: 'NoConfig', message: /no Kubernetes configuration.*KUBECONFIG unset/ })
  const broken = join(emptyEnv(t).dir, 'broken')
  writeFileSync(broken, 'this: [is not a kubeconfig')
  await t.rejects(new KubernetesDiscovery({ kubeConfig: broken, env, logger: memoryLogger() }).discover(), { code: 'NoConfig', message: /cannot load kubeconfig/ })
})

t.test('hostname mode: {hostname}.{subdomain} with ordinals; a pod without them is a clear error', async (t) => {
  const fake = await startFake(t, false)
  fake.apply(makePod({ name: 'coerce-0', hostname: 'coerce-0', subdomain: 'coerce', statefulSet: 'coerce' }))
  fake.apply(makePod({ name: 'coerce-1', hostname: 'coerce-1', subdomain: 'coerce', statefulSet: 'coerce', labels: { app: 'coerce', 'apps.kubernetes.io/pod-index': '1' } }))
  fake.apply(makePod({ name: 'coerce-2', hostname: 'coerce-2', subdomain: 'coerce', statefulSet: 'coerce', ip: null }))
  fake.apply(makePod({ name: 'starting', ready: false }))
  const d = discoveryFor(t, fake, { addressMode: 'hostname' })
  const r = await d.inspect()
  t.same(
    r.peers.map((p) => [p.podName, p.host, p.port, p.ordinal]),
    [
      ['coerce-0', 'coerce-0.coerce', 30101, 0],
      ['coerce-1', 'coerce-1.coerce', 30101, 1],
      ['coerce-2', 'coerce-2.coerce', 30101, 2],
    ],
    'hostname mode needs no pod IP',
  )
  t.same(r.skipped.map((s) => s.podName), ['starting'], 'a pod that is not ready is skipped before its hostname matters')
  t.equal((await discoveryFor(t, fake).discover())[0]?.ordinal, 0, 'ordinals in podIp mode too')

  fake.apply(makePod({ name: 'deploy-abc', subdomain: 'coerce' }))
  const viaEnv = discoveryFor(t, fake, { env: { ...emptyEnv(t).env, COERCE_K8S_ADDR_MODE: 'hostname' } })
  await t.rejects(viaEnv.discover(), {
    name: 'DiscoveryError',
    code: 'HostnameMissing',
    message: /pod 'deploy-abc' has no spec\.hostname, which hostname address mode needs: run the pods in a StatefulSet/,
  })
})

t.test('typed, actionable errors: 401, 403 with the RBAC verbs, missing namespace, 5xx, unreachable, timeout, untrusted TLS', async (t) => {
  const fake = await startFake(t, true)
  fake.apply(makePod({ name: 'a-0' }))

  const wrongToken = new KubernetesDiscovery({ kubeConfig: fake.kubeConfig({ token: 'nope', caPem: ca.caPem }), env: emptyEnv(t).env, logger: memoryLogger() })
  await t.rejects(wrongToken.discover(), { code: 'Unauthorized', status: 401, message: /rejected the credentials \(401\)/ })

  fake.fail(403, { times: 1, message: 'pods is forbidden: User "system:serviceaccount:default:coerce" cannot list resource "pods" in API group "" in the namespace "default"' })
  const d = discoveryFor(t, fake, { tls: true })
  const forbidden = await d.discover().catch((e: unknown) => e)
  t.ok(isDiscoveryError(forbidden, 'Forbidden'))
  t.match((forbidden as Error).message, /not allowed to list pods in namespace 'default' \(403\): pods is forbidden: User "system:serviceaccount:default:coerce"/)
  t.match((forbidden as Error).message, /verbs get, list and watch on pods/)
  t.equal((forbidden as { namespace?: string }).namespace, 'default')

  await t.rejects(discoveryFor(t, fake, { tls: true, namespace: 'missing' }).discover(), {
    code: 'NamespaceNotFound',
    message: /namespace 'missing' does not exist/,
  })
  fake.fail(404, { times: 1, reason: 'NotFound', message: 'namespaces "gone" not found' })
  await t.rejects(discoveryFor(t, fake, { tls: true, namespace: 'gone' }).discover(), { code: 'NamespaceNotFound', status: 404 })
  fake.fail(403, { times: 1, on: 'list' })
  await t.rejects(d.discover(), { code: 'Forbidden' })
  t.same((await d.discover()).map((p) => p.podName), ['a-0'], 'the same provider recovers after a one-off 403')

  fake.fail(500, { times: 1, reason: 'InternalError', message: 'etcd is sad' })
  await t.rejects(d.discover(), { code: 'ApiError', status: 500, message: /answered 500 to list pods in namespace 'default': etcd is sad/ })

  await t.rejects(discoveryFor(t, fake, { tls: true, selector: 'app in (a' }).discover(), {
    code: 'ApiError',
    status: 400,
    message: /answered 400 to list pods in namespace 'default': unable to parse requirement/,
  })

  const untrusted = new KubernetesDiscovery({ kubeConfig: fake.kubeConfig({ token: TOKEN }), env: emptyEnv(t).env, logger: memoryLogger() })
  await t.rejects(untrusted.discover(), { code: 'Unreachable', message: /certificate is not trusted/ })

  fake.hangLists(true)
  const slow = discoveryFor(t, fake, { tls: true, requestTimeoutMs: 300 })
  await t.rejects(slow.discover(), { code: 'Unreachable', message: /no answer within 300 ms/ })
  fake.hangLists(false)

  const port = fake.port
  await fake.down()
  const down = new KubernetesDiscovery({ kubeConfig: fake.kubeConfig({ token: TOKEN, caPem: ca.caPem }), env: emptyEnv(t).env, logger: memoryLogger() })
  await t.rejects(down.discover(), { code: 'Unreachable', message: new RegExp(`cannot reach the Kubernetes API at https://127.0.0.1:${port}.*ECONNREFUSED`) })
})

t.test('options are validated once, naming every bad field (environment included)', async (t) => {
  t.throws(
    () => new KubernetesDiscovery({ portName: 'Coerce_Port', addressMode: 'dns' as 'podIp', requestTimeoutMs: -1, namespace: '', retry: { minMs: 0 } }),
    {
      name: 'TypeError',
      message: /portName must be a Kubernetes port name.*'Coerce_Port'.*namespace must be a non-empty string.*addressMode must be 'podIp' or 'hostname' \(got "dns"\).*requestTimeoutMs must be a positive number.*retry\.minMs/,
    },
  )
  t.throws(() => new KubernetesDiscovery({ env: { COERCE_K8S_ADDR_MODE: 'ipv6' } }), /addressMode .*"ipv6" from COERCE_K8S_ADDR_MODE/)
  t.throws(() => new KubernetesDiscovery({ env: { COERCE_K8S_PORT_NAME: 'this-name-is-too-long' } }), /from COERCE_K8S_PORT_NAME/)
  t.throws(() => new KubernetesDiscovery({ kubeConfig: 42 as unknown as string }), /kubeConfig must be a KubeConfig or the path/)
  t.doesNotThrow(() => new KubernetesDiscovery({ env: { COERCE_K8S_ADDR_MODE: 'HOSTNAME', COERCE_K8S_PORT_NAME: 'p-1', COERCE_K8S_POD_SELECTOR: '' } }))
})

/** Collects watch callbacks. */
function recorder(): { changes: DiscoveryChange[]; errors: Error[]; peers: () => string[] } {
  const changes: DiscoveryChange[] = []
  const errors: Error[] = []
  return { changes, errors, peers: () => (changes.at(-1)?.peers ?? []).map((p) => `${p.podName}=${p.host}`) }
}

t.test('watch: initial peers, then joins, leaves and changes from the event stream', async (t) => {
  const fake = await startFake(t, true)
  fake.apply(makePod({ name: 'a-0', ip: '10.0.0.1' }))
  fake.apply(makePod({ name: 'a-1', ip: '10.0.0.2', ready: false }))
  const d = discoveryFor(t, fake, { tls: true })
  const rec = recorder()
  const stop = d.watch({ onChange: (c) => rec.changes.push(c), onError: (e) => rec.errors.push(e) })
  t.teardown(stop)
  await waitFor(() => rec.changes.length === 1 && fake.openWatches === 1, 'initial list and watch')
  t.same(rec.changes[0]?.joined.map((p) => p.podName), ['a-0'])
  const watchReq = fake.requests.find((r) => r.watch)
  const listRv = 102 // two pods applied after rv 100
  t.equal(watchReq?.query.get('resourceVersion'), String(listRv), "watch starts at the list's resourceVersion")
  t.equal(watchReq?.query.get('allowWatchBookmarks'), 'true')
  t.equal(watchReq?.query.get('labelSelector'), 'app=coerce')

  fake.update('a-1', (p) => (p.status.conditions![1]!.status = 'True'))
  await waitFor(() => rec.changes.length === 2, 'a-1 ready')
  t.same(rec.changes[1]?.joined.map((p) => p.podName), ['a-1'], 'becoming ready is a join')

  fake.apply(makePod({ name: 'a-2', ip: '10.0.0.3' }))
  await waitFor(() => rec.changes.length === 3, 'a-2 added')
  t.same(rec.changes[2]?.joined.map((p) => p.podName), ['a-2'])

  fake.update('a-0', (p) => (p.status.podIP = '10.0.0.9'))
  await waitFor(() => rec.changes.length === 4, 'a-0 changed')
  t.same(rec.changes[3]?.changed.map((p) => `${p.podName}=${p.host}`), ['a-0=10.0.0.9'], 'new IP is a change')

  fake.update('a-1', (p) => (p.metadata.deletionTimestamp = '2026-01-01T00:00:01Z'))
  await waitFor(() => rec.changes.length === 5, 'a-1 terminating')
  t.same(rec.changes[4]?.left.map((p) => p.podName), ['a-1'], 'terminating is a leave')

  fake.remove('a-1')
  fake.update('a-2', (p) => (p.metadata.labels = { app: 'other' }))
  await waitFor(() => rec.changes.length === 6, 'a-2 relabelled')
  t.same(rec.changes[5]?.left.map((p) => p.podName), ['a-2'], 'no longer matching the selector is a leave; deleting a non-peer is no change')
  fake.remove('a-0')
  await waitFor(() => rec.changes.length === 7, 'a-0 deleted')
  t.same(rec.changes[6]?.left.map((p) => p.podName), ['a-0'])
  t.same(rec.changes[6]?.peers, [])

  fake.bookmark()
  fake.update('a-2', (p) => (p.metadata.labels = { app: 'coerce', v: '2' }))
  await waitFor(() => rec.changes.length === 8, 'a-2 back')
  t.same(rec.peers(), ['a-2=10.0.0.3'])
  t.same(rec.errors, [])
  await stop()
  await waitFor(() => fake.openWatches === 0, 'the server sees the watch closed')
  const before = rec.changes.length
  fake.apply(makePod({ name: 'late' }))
  await new Promise((r) => setTimeout(r, 100))
  t.equal(rec.changes.length, before, 'no callback after stop')
})

t.test('watch: a dropped stream or 410 Gone re-lists and resumes without losing changes', async (t) => {
  const fake = await startFake(t, false)
  fake.apply(makePod({ name: 'b-0', ip: '10.0.1.0' }))
  const logger = memoryLogger()
  const d = discoveryFor(t, fake, { logger })
  const rec = recorder()
  const stop = d.watch({ onChange: (c) => rec.changes.push(c), onError: (e) => rec.errors.push(e) })
  t.teardown(stop)
  await waitFor(() => fake.openWatches === 1, 'watch')
  const lists = (): number => fake.requests.filter((r) => !r.watch).length

  fake.dropWatches('end')
  fake.apply(makePod({ name: 'b-1', ip: '10.0.1.1' })) // while no watch is open
  await waitFor(() => rec.peers().includes('b-1=10.0.1.1'), 'b-1 seen by the re-list')
  await waitFor(() => fake.openWatches === 1, 'watch again')
  t.equal(lists(), 2)

  fake.dropWatches('destroy') // connection reset mid-stream
  fake.remove('b-0')
  await waitFor(() => !rec.peers().includes('b-0=10.0.1.0'), 'b-0 gone after reset')
  await waitFor(() => fake.openWatches === 1, 'watch again')

  fake.compact() // ERROR event with a 410 Status on the open stream
  await waitFor(() => lists() === 4 && fake.openWatches === 1, 're-list after 410 event')
  t.ok(logger.lines.some((l) => l.msg.includes('410')), 'the 410 is logged')
  fake.fail(410, { on: 'watch', times: 1, reason: 'Expired', message: 'too old resource version' })
  fake.dropWatches('end') // the next watch request gets an HTTP 410
  await waitFor(() => lists() === 6 && fake.openWatches === 1, 're-list after HTTP 410')
  fake.apply(makePod({ name: 'b-2', ip: '10.0.1.2' }))
  await waitFor(() => rec.peers().includes('b-2=10.0.1.2'), 'events flow after the 410s')
  t.same(rec.peers(), ['b-1=10.0.1.1', 'b-2=10.0.1.2'])
  t.same(rec.errors, [], '410 and dropped streams are not errors')
  const joins = rec.changes.flatMap((c) => c.joined.map((p) => p.podName))
  t.same(joins, ['b-0', 'b-1', 'b-2'], 'each peer joined exactly once across re-lists')
})

t.test('watch: the server-side timeout ends each watch and the provider re-lists', async (t) => {
  const fake = await startFake(t, false)
  fake.apply(makePod({ name: 'c-0' }))
  const d = discoveryFor(t, fake, { watchTimeoutSeconds: 1 })
  const rec = recorder()
  const stop = d.watch({ onChange: (c) => rec.changes.push(c), onError: (e) => rec.errors.push(e) })
  t.teardown(stop)
  await waitFor(() => fake.requests.filter((r) => r.watch).length >= 3, 'three watches')
  t.equal(fake.requests.find((r) => r.watch)?.query.get('timeoutSeconds'), '1')
  t.equal(rec.changes.length, 1, 're-lists with no change emit nothing')
})

t.test('watch: 403 is reported with the RBAC message and retried with backoff until fixed', async (t) => {
  const fake = await startFake(t, false)
  fake.apply(makePod({ name: 'd-0' }))
  fake.fail(403, { message: 'pods is forbidden' })
  const d = discoveryFor(t, fake, { retry: { minMs: 10, maxMs: 80 } })
  const rec = recorder()
  const stop = d.watch({ onChange: (c) => rec.changes.push(c), onError: (e) => rec.errors.push(e) })
  t.teardown(stop)
  await waitFor(() => rec.errors.length >= 3, 'three failed rounds')
  t.ok(rec.errors.every((e) => isDiscoveryError(e, 'Forbidden') && /get, list and watch/.test(e.message)))
  t.equal(rec.changes.length, 0)
  fake.heal()
  await waitFor(() => rec.changes.length === 1, 'recovered')
  t.same(rec.peers().map((s) => s.split('=')[0]), ['d-0'])

  fake.fail(403, { on: 'watch', message: 'cannot watch resource "pods"' })
  fake.dropWatches()
  const errorsBefore = rec.errors.length
  await waitFor(() => rec.errors.length > errorsBefore, 'watch 403 reported')
  t.match(rec.errors.at(-1)?.message, /not allowed to watch pods.*\(403\)/, 'a watch refused at the HTTP level says watch')
  fake.heal()
  await waitFor(() => fake.openWatches === 1, 'watching again')
})

t.test('watch: API down, then up on the same address, recovers the current state', async (t) => {
  const fake = await startFake(t, true)
  fake.apply(makePod({ name: 'e-0', ip: '10.0.2.0' }))
  const d = discoveryFor(t, fake, { tls: true, retry: { minMs: 20, maxMs: 100 } })
  const rec = recorder()
  const stop = d.watch({ onChange: (c) => rec.changes.push(c), onError: (e) => rec.errors.push(e) })
  t.teardown(stop)
  await waitFor(() => fake.openWatches === 1, 'watching')
  await fake.down()
  await waitFor(() => rec.errors.length >= 2, 'failures while down')
  t.ok(rec.errors.every((e) => isDiscoveryError(e, 'Unreachable')), 'reported as Unreachable')
  fake.remove('e-0')
  fake.apply(makePod({ name: 'e-1', ip: '10.0.2.1' }))
  await fake.start()
  await waitFor(() => rec.peers().join() === 'e-1=10.0.2.1', 'state after restart')
  t.same(rec.changes.at(-1)?.left.map((p) => p.podName), ['e-0'])
  t.same(rec.changes.at(-1)?.joined.map((p) => p.podName), ['e-1'])
  await waitFor(() => fake.openWatches === 1, 'watching again')
})

t.test('watch: stop is prompt in every state, and a throwing handler does not kill the watch', async (t) => {
  const fake = await startFake(t, false)
  fake.apply(makePod({ name: 'f-0' }))
  // Stop while in backoff after an error.
  fake.fail(500, { message: 'boom' })
  const logger = memoryLogger()
  const failing = discoveryFor(t, fake, { retry: { minMs: 60_000, maxMs: 60_000 }, logger })
  const stopFailing = failing.watch(() => undefined)
  await waitFor(() => logger.lines.some((l) => l.level === 'warn'), 'first failure logged')
  t.match(String((logger.lines.find((l) => l.level === 'warn')?.fields['err'] as Error | undefined)?.message), /answered 500/, 'without onError, failures are logged at warn')
  const t0 = Date.now()
  await stopFailing()
  t.ok(Date.now() - t0 < 10_000, 'stop does not wait for the 60 s backoff')
  fake.heal()

  // Stop while a list hangs.
  fake.hangLists(true)
  const listsBefore = fake.requests.length
  const hanging = discoveryFor(t, fake, { requestTimeoutMs: 60_000 })
  const stopHanging = hanging.watch(() => undefined)
  await waitFor(() => fake.requests.length > listsBefore, 'list in flight')
  await stopHanging()
  fake.hangLists(false)

  // A handler that throws: logged, the watch goes on.
  const logger2 = memoryLogger()
  const d = discoveryFor(t, fake, { logger: logger2 })
  let calls = 0
  const stop = d.watch((c) => {
    calls++
    if (c.joined.some((p) => p.podName === 'f-0')) throw new Error('handler bug')
  })
  t.teardown(stop)
  await waitFor(() => calls === 1 && fake.openWatches === 1, 'first change')
  fake.apply(makePod({ name: 'f-1' }))
  await waitFor(() => calls === 2, 'second change still delivered')
  t.ok(logger2.lines.some((l) => l.level === 'error' && l.msg.includes('onChange handler threw')))
  await stop()
  await stop() // idempotent
  await waitFor(() => fake.openWatches === 0, 'the server sees the watch closed')
})

t.test('watch: hostname errors and a missing namespace are reported, then recovered from', async (t) => {
  const fake = await startFake(t, false, TOKEN, ['default'])
  const d = discoveryFor(t, fake, { namespace: 'late', retry: { minMs: 10, maxMs: 50 } })
  const rec = recorder()
  const stop = d.watch({ onChange: (c) => rec.changes.push(c), onError: (e) => rec.errors.push(e) })
  t.teardown(stop)
  await waitFor(() => rec.errors.length >= 1, 'namespace error')
  t.ok(isDiscoveryError(rec.errors[0], 'NamespaceNotFound'))
  fake.addNamespace('late')
  fake.apply(makePod({ name: 'g-0', namespace: 'late' }))
  await waitFor(() => rec.changes.length === 1, 'namespace created')

  const h = discoveryFor(t, fake, { addressMode: 'hostname', retry: { minMs: 10, maxMs: 50 } })
  const hrec = recorder()
  fake.apply(makePod({ name: 's-0', hostname: 's-0', subdomain: 's', statefulSet: 's' }))
  const stopH = h.watch({ onChange: (c) => hrec.changes.push(c), onError: (e) => hrec.errors.push(e) })
  t.teardown(stopH)
  await waitFor(() => hrec.changes.length === 1 && fake.openWatches === 2, 'hostname peers')
  fake.apply(makePod({ name: 'bad' })) // ready, but no hostname/subdomain
  await waitFor(() => hrec.errors.length >= 1, 'hostname error from a watch event')
  t.ok(isDiscoveryError(hrec.errors[0], 'HostnameMissing'))
  fake.remove('bad')
  await waitFor(() => fake.openWatches === 2 && hrec.errors.length >= 1, 'recovered')
  t.same(hrec.peers(), ['s-0=s-0.s'])
})
