// deploy/k8s: the kustomize base renders, every object is valid against the Kubernetes schema
// (unknown fields included), the objects agree with each other and with what discovery
// expects, and a typo of each kind is caught.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { hasKubectl, renderFallback, renderKustomize, renderWithKubectl, validateObject, type K8sObject } from '../helpers/k8s-manifests.js'

const BASE = new URL('../../deploy/k8s/', import.meta.url).pathname

type Container = {
  name: string
  image: string
  ports: Array<{ name: string; containerPort: number }>
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>
  readinessProbe?: { httpGet?: { path: string; port: string | number } }
  livenessProbe?: { httpGet?: { path: string; port: string | number } }
}

const byKind = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind)
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
  t.same(objects.map((o) => o.kind).sort(), ['Role', 'RoleBinding', 'Service', 'ServiceAccount', 'StatefulSet'])
  t.same(await problemsOf(objects), [], 'no schema problems')
  for (const o of objects) t.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'coerce-ts', `${o.kind} carries the common label`)
})

t.test('the objects fit together and match what discovery expects', async (t) => {
  const { objects } = renderKustomize(BASE)
  const sa = one(objects, 'ServiceAccount')
  const role = one(objects, 'Role') as K8sObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }
  const binding = one(objects, 'RoleBinding') as K8sObject & { roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string }> }
  const svc = one(objects, 'Service') as K8sObject & { spec: { clusterIP: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string }> } }
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
      ['coerce-api', 30103],
    ],
    'named container ports: remoting and HTTP API',
  )
  t.same(
    svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
    [
      ['coerce', 30101, 'coerce'],
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

t.test('typos are caught: unknown fields, wrong types, missing required fields', async (t) => {
  const cases: Array<[string, string, (s: string) => string, RegExp]> = [
    ['unknown field', 'statefulset.yaml', (s) => s.replace('containerPort: 30101', 'containerPrt: 30101'), /unknown field spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPrt/],
    ['field one level off', 'statefulset.yaml', (s) => s.replace('  replicas: 3', '  replica: 3'), /unknown field spec\.replica\b/],
    ['wrong type', 'statefulset.yaml', (s) => s.replace('replicas: 3', 'replicas: "3"'), /replicas must be integer/],
    ['wrong type in a probe', 'statefulset.yaml', (s) => s.replace('periodSeconds: 5', 'periodSeconds: five'), /periodSeconds must be integer/],
    ['missing required field', 'role.yaml', (s) => s.replace('    verbs: ["get", "list", "watch"]\n', ''), /rules\/0 must have required property verbs/],
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
