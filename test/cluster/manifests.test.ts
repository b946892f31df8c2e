// deploy/k8s: the kustomize base renders, every object is valid against the Kubernetes schema
// (unknown fields included), the objects agree with each other and with what discovery
// expects, and a typo of each kind is caught.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { hasKubectl, renderFallback, renderKustomize, renderWithKubectl, validateObject, type K8sObject } from '../helpers/k8s-manifests.js'
import { parseNodeArgs } from '../../lib/cli/node.js'

const BASE = new URL('../../deploy/k8s/', import.meta.url).pathname

type Container = {
  name: string
  image: string
  ports: Array<{ name: string; containerPort: number }>
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } } }>
  readinessProbe?: { httpGet?: { path: string; port: string | number } }
  livenessProbe?: { httpGet?: { path: string; port: string | number } }
}

const byKind = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind)
const named = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objs.find((o) => o.kind === kind && o.metadata.name === name)
  if (found === undefined) throw new Error(`no ${kind}/${name}`)
  return found
}
const one = (objs: K8sObject[], kind: string): K8sObject => {
  const found = byKind(objs, kind)
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`)
  return found[0] as K8sObject
}

async function problemsOf(objs: K8sObject[]): Promise<string[]> {
  return (await Promise.all(objs.map(validateObject))).flat()
}

/** Copies the base to a temp folder, applies `edit` to one file, renders it. */
function renderEdited(file: string, edit: (text: string) => string): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'coerce-k8s-'))
  try {
    cpSync(BASE, dir, { recursive: true })
    const before = readFileSync(join(dir, file), 'utf8')
    const after = edit(before)
    if (after === before) throw new Error(`edit of ${file} changed nothing`)
    writeFileSync(join(dir, file), after)
    return renderKustomize(dir).objects
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test('the base renders and every object is schema-valid', async (t) => {
  const { objects, renderer } = renderKustomize(BASE)
  t.comment(`rendered with ${renderer === 'kubectl' ? 'kubectl kustomize' : 'the fallback renderer (kubectl not found)'}`)
  t.same(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
    'Deployment/coerce-redis',
    'Role/coerce-pod-reader',
    'RoleBinding/coerce-pod-reader',
    'Secret/coerce-cluster',
    'Service/coerce',
    'Service/coerce-redis',
    'ServiceAccount/coerce',
    'StatefulSet/coerce',
  ])
  t.same(await problemsOf(objects), [], 'no schema problems')
  for (const o of objects) t.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'coerce-ts', `${o.kind} carries the common label`)
})

t.test('the objects fit together and match what discovery expects', async (t) => {
  const { objects } = renderKustomize(BASE)
  const sa = one(objects, 'ServiceAccount')
  const role = one(objects, 'Role') as K8sObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }
  const binding = one(objects, 'RoleBinding') as K8sObject & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string }> }
  const svc = named(objects, 'Service', 'coerce') as K8sObject & { spec: { clusterIP: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string }> } }
  const sts = one(objects, 'StatefulSet') as K8sObject & {
    spec: { serviceName: string; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: Container[] } } }
  }

  t.same(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }], 'Role: exactly get/list/watch on pods')
  t.same(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name })
  t.same(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name }])

  const pod = sts.spec.template
  t.equal(pod.spec.serviceAccountName, sa.metadata.name, 'pods run as the bound service account')
  t.equal(sts.spec.serviceName, svc.metadata.name, 'StatefulSet governed by the headless Service (hostname mode)')
  t.equal(svc.spec.clusterIP, 'None', 'the Service is headless')
  for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) t.equal(pod.metadata.labels[k], v, `template carries selector label ${k}`)
  t.equal(pod.metadata.labels['app'], 'coerce', 'pods match the default discovery selector app=coerce')
  for (const [k, v] of Object.entries(svc.spec.selector)) t.equal(pod.metadata.labels[k], v, `Service selects the pods (${k})`)

  t.equal(pod.spec.containers.length, 1)
  const c = pod.spec.containers[0] as Container
  t.equal(c.image, 'coerce-ts:latest')
  t.same(
    c.ports.map((p) => [p.name, p.containerPort]),
    [
      ['coerce', 30101],
      ['coerce-chat', 30102],
      ['coerce-api', 30103],
    ],
    'named container ports: remoting, the app (chat) and HTTP API',
  )
  t.same(
    svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
    [
      ['coerce', 30101, 'coerce'],
      ['coerce-chat', 30102, 'coerce-chat'],
      ['coerce-api', 30103, 'coerce-api'],
    ],
    'Service ports target the named container ports',
  )
  for (const probe of [c.readinessProbe, c.livenessProbe]) t.same(probe?.httpGet, { path: '/health', port: 'coerce-api' }, 'probe on GET /health of the API port')
  const env = new Map(c.env.map((e) => [e.name, e]))
  t.equal(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name')
  t.equal(env.get('POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace')
  t.equal(env.get('POD_IP')?.valueFrom?.fieldRef?.fieldPath, 'status.podIP')
  t.equal(env.get('COERCE_K8S_POD_SELECTOR')?.value, 'app=coerce')
  t.equal(env.get('COERCE_K8S_PORT_NAME')?.value, 'coerce')
})

t.test('the node command, its secret and Redis: the environment is one coerce-ts node accepts', async (t) => {
  const { objects } = renderKustomize(BASE)
  const sts = one(objects, 'StatefulSet') as K8sObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } } }
  const c = sts.spec.template.spec.containers[0] as Container
  const env = new Map(c.env.map((e) => [e.name, e]))

  // The secret comes from the Secret, by a key it has.
  const secret = one(objects, 'Secret') as K8sObject & { stringData?: Record<string, string>; data?: Record<string, string> }
  const ref = env.get('COERCE_CLUSTER_SECRET')?.valueFrom?.secretKeyRef
  t.equal(ref?.name, secret.metadata.name, 'COERCE_CLUSTER_SECRET from the Secret')
  t.ok(ref !== undefined && (ref.key in (secret.stringData ?? {}) || ref.key in (secret.data ?? {})), 'by a key the Secret has')
  const placeholder = secret.stringData?.[ref?.key ?? ''] ?? ''

  // What the node would make of this environment (POD_* as Kubernetes fills them in).
  const plain: NodeJS.ProcessEnv = { POD_NAME: 'coerce-0', POD_NAMESPACE: 'default', POD_IP: '10.0.0.7', COERCE_CLUSTER_SECRET: placeholder }
  for (const e of c.env) if (e.value !== undefined) plain[e.name] = e.value
  const s = parseNodeArgs([], plain)
  if (s === 'help' || 'error' in s) throw new Error(`coerce-ts node rejects the StatefulSet's environment: ${JSON.stringify(s)}`)
  t.equal(s.discovery, 'k8s', 'Kubernetes discovery')
  t.same(s.listen, { host: '0.0.0.0', port: 30101 })
  t.equal(s.advertise, '10.0.0.7:30101', 'advertises the pod IP')
  t.equal(s.nodeId, 'coerce-0', 'the pod name as node id')
  t.same(s.http, { host: '0.0.0.0', port: 30103 }, 'the HTTP API on the probed port, all interfaces')
  t.equal(env.get('COERCE_CHAT_PORT')?.value, '30102', "the app's port, named coerce-chat")

  // Redis: the Service reaches the Deployment's pods on the port the node is told to use.
  const redis = named(objects, 'Deployment', 'coerce-redis') as K8sObject & {
    spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } }
  }
  const redisSvc = named(objects, 'Service', 'coerce-redis') as K8sObject & { spec: { clusterIP?: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string }> } }
  t.equal(s.persistence.kind, 'redis')
  const url = new URL((s.persistence as { url: string }).url)
  t.equal(url.hostname, redisSvc.metadata.name, 'COERCE_PERSISTENCE names the Redis Service')
  const svcPort = redisSvc.spec.ports.find((p) => p.port === Number(url.port))
  t.ok(svcPort, 'on a port the Service has')
  const redisContainer = redis.spec.template.spec.containers[0] as Container
  t.ok(redisContainer.ports.some((p) => p.name === svcPort?.targetPort), 'whose target is a named port of the Redis container')
  for (const [k, v] of Object.entries(redisSvc.spec.selector)) t.equal(redis.spec.template.metadata.labels[k], v, `the Redis Service selects the Redis pods (${k})`)
  for (const [k, v] of Object.entries(redis.spec.selector.matchLabels)) t.equal(redis.spec.template.metadata.labels[k], v, `the Deployment selects its pods (${k})`)
  t.notOk(redisSvc.spec.clusterIP === 'None', 'a normal (virtual IP) Service')

  // Redis pods are not cluster nodes: neither discovery (app=coerce) nor the headless Service may select them.
  const svc = named(objects, 'Service', 'coerce') as K8sObject & { spec: { selector: Record<string, string> } }
  const selects = (sel: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => labels[k] === v)
  t.notOk(selects({ app: 'coerce' }, redis.spec.template.metadata.labels), 'the discovery selector app=coerce misses the Redis pods')
  t.notOk(selects(svc.spec.selector, redis.spec.template.metadata.labels), 'the headless Service misses the Redis pods')
  t.notOk(selects(redisSvc.spec.selector, sts.spec.template.metadata.labels), 'the Redis Service misses the node pods')
})

t.test('typos are caught: unknown fields, wrong types, missing required fields', async (t) => {
  const cases: Array<[string, string, (s: string) => string, RegExp]> = [
    ['unknown field', 'statefulset.yaml', (s) => s.replace('containerPort: 30101', 'containerPrt: 30101'), /unknown field spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPrt/],
    ['field one level off', 'statefulset.yaml', (s) => s.replace('  replicas: 3', '  replica: 3'), /unknown field spec\.replica\b/],
    ['wrong type', 'statefulset.yaml', (s) => s.replace('replicas: 3', 'replicas: "3"'), /replicas must be integer/],
    ['wrong type in a probe', 'statefulset.yaml', (s) => s.replace('periodSeconds: 5', 'periodSeconds: five'), /periodSeconds must be integer/],
    ['missing required field', 'role.yaml', (s) => s.replace('    verbs: ["get", "list", "watch"]\n', ''), /rules\/0 must have required property verbs/],
    ['unknown field in the Redis Deployment', 'redis.yaml', (s) => s.replace('containerPort: 6379', 'containerPrt: 6379'), /Deployment\/coerce-redis: unknown field spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPrt/],
    ['misspelt secret reference', 'statefulset.yaml', (s) => s.replace('secretKeyRef:', 'secretKeyReference:'), /unknown field .*valueFrom\.secretKeyReference/],
    ['misspelt probe field', 'statefulset.yaml', (s) => s.replace('failureThreshold: 6', 'failureTreshold: 6'), /unknown field .*livenessProbe\.failureTreshold/],
  ]
  for (const [what, file, edit, expected] of cases) {
    const problems = await problemsOf(renderEdited(file, edit))
    t.match(problems.join('\n'), expected, `${what} is reported`)
  }
})

t.test('the fallback renderer matches kubectl kustomize and refuses features it does not implement', async (t) => {
  const fallback = renderFallback(BASE)
  t.same(await problemsOf(fallback), [])
  if (!hasKubectl()) {
    t.pass('compare with kubectl kustomize', { skip: 'kubectl not installed' })
  } else {
    const key = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`
    const real = new Map(renderWithKubectl(BASE).map((o) => [key(o), o]))
    t.same(new Map(fallback.map((o) => [key(o), o])), real, 'same objects, field for field')
  }
  const dir = mkdtempSync(join(tmpdir(), 'coerce-k8s-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(BASE, dir, { recursive: true })
  writeFileSync(join(dir, 'kustomization.yaml'), readFileSync(join(dir, 'kustomization.yaml'), 'utf8') + 'namePrefix: x-\n')
  t.throws(() => renderFallback(dir), /namePrefix.*not supported/)
})
