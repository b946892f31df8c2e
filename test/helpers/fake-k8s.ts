// A local server that answers like the Kubernetes API for pods: real PodList and Namespace
// objects, chunked watch streams with resourceVersions, bookmarks, label selectors, Status
// error bodies, 410 Gone after compaction, bearer-token checks, http or https, and a stop/start
// on the same port to play "API down". Plus builders for pods, kubeconfigs and a test CA.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'

/** A pod as JSON, the way the API server sends it. */
export type PodJson = {
  apiVersion: 'v1'
  kind: 'Pod'
  metadata: {
    name: string
    namespace: string
    uid: string
    resourceVersion?: string
    labels?: Record<string, string>
    deletionTimestamp?: string
    creationTimestamp: string
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>
  }
  spec: {
    containers: Array<{ name: string; image: string; ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }>
    hostname?: string
    subdomain?: string
  }
  status: {
    phase?: string
    podIP?: string
    conditions?: Array<{ type: string; status: string; reason?: string; lastTransitionTime?: string }>
  }
}

export interface PodSpecLite {
  name: string
  namespace?: string
  labels?: Record<string, string>
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'
  ready?: boolean | 'none'
  ip?: string | null
  ports?: Array<{ name?: string; containerPort: number }>
  deleting?: boolean
  hostname?: string
  subdomain?: string
  statefulSet?: string
}

let uidCounter = 0

/** Builds a pod; defaults: namespace default, labels app=coerce, Running, Ready, an IP, port `coerce` 30101. */
export function makePod(s: PodSpecLite): PodJson {
  const now = '2026-01-01T00:00:00Z'
  const pod: PodJson = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      namespace: s.namespace ?? 'default',
      uid: `uid-${++uidCounter}`,
      labels: s.labels ?? { app: 'coerce' },
      creationTimestamp: now,
    },
    spec: {
      containers: [{ name: 'node', image: 'coerce-ts:latest', ports: s.ports ?? [{ name: 'coerce', containerPort: 30101, protocol: 'TCP' }, { name: 'coerce-api', containerPort: 30103 }] }],
    },
    status: { phase: s.phase ?? 'Running' },
  }
  if (s.ip !== null) pod.status.podIP = s.ip ?? `10.0.0.${uidCounter % 250}`
  if (s.ready !== 'none') {
    pod.status.conditions = [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: s.ready === false ? 'False' : 'True', lastTransitionTime: now, ...(s.ready === false ? { reason: 'ContainersNotReady' } : {}) },
    ]
  }
  if (s.deleting) pod.metadata.deletionTimestamp = now
  if (s.hostname !== undefined) pod.spec.hostname = s.hostname
  if (s.subdomain !== undefined) pod.spec.subdomain = s.subdomain
  if (s.statefulSet !== undefined) {
    pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: s.statefulSet, uid: 'sts-uid', controller: true }]
  }
  return pod
}

/** A recorded request. */
export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  auth: string | undefined
  watch: boolean
}

type Injected = { status: number; reason: string; message: string; times: number; on: 'list' | 'watch' | 'any' }

interface Watcher {
  res: ServerResponse
  namespace: string
  selector: Selector
  timer: NodeJS.Timeout | undefined
}

type Requirement = { key: string; op: '=' | '!=' | 'exists' | '!exists'; value?: string }
type Selector = Requirement[]

/** Equality-based label selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`), comma-separated. */
export function parseSelector(s: string): Selector {
  if (s.trim() === '') return []
  return s.split(',').map((part): Requirement => {
    const p = part.trim()
    let m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p)
    if (m) return { key: m[1] as string, op: m[2] === '!=' ? '!=' : '=', value: m[3] as string }
    m = /^(!?)([^=!\s]+)$/.exec(p)
    if (m) return { key: m[2] as string, op: m[1] ? '!exists' : 'exists' }
    throw new Error(`unable to parse requirement: ${p}`)
  })
}

function matches(sel: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {}
  return sel.every((r) => {
    const v = l[r.key]
    if (r.op === 'exists') return v !== undefined
    if (r.op === '!exists') return v === undefined
    if (r.op === '=') return v === r.value
    return v !== r.value
  })
}

export interface FakeK8sOptions {
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string
  /** PEM key and certificate: serve https. */
  tls?: { key: string; cert: string }
  /** Namespaces that exist (default: ['default']). */
  namespaces?: string[]
}

/** The fake API server. */
export class FakeK8s {
  readonly requests: RecordedRequest[] = []
  private server: Server
  private readonly sockets = new Set<Socket>()
  private readonly pods = new Map<string, PodJson>() // key ns/name
  private readonly watchers = new Set<Watcher>()
  private readonly namespaces: Set<string>
  private rv = 100
  private compactedRv = 0
  /** Every change since the last compaction, so a watch from an older resourceVersion gets what it missed (as the real API server does). */
  private history: { rv: number; namespace: string; before: PodJson | undefined; after: PodJson | undefined }[] = []
  private injected: Injected[] = []
  private readonly hang = { list: false }
  port = 0

  constructor(private readonly opts: FakeK8sOptions = {}) {
    this.namespaces = new Set(opts.namespaces ?? ['default'])
    this.server = this.create()
  }

  /** Starts listening on 127.0.0.1 (a random port, or the previous one after {@link down}). */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`
  }

  /** The API goes away: open watches are cut, connections reset, the port closed. */
  async down(): Promise<void> {
    for (const w of this.watchers) this.endWatch(w, false)
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server = this.create()
  }

  async close(): Promise<void> {
    if (!this.server.listening) return
    await this.down()
  }

  /** A kubeconfig (object) pointing here with the given token and CA. */
  kubeConfig(o: { token?: string; caPem?: string; namespace?: string } = {}): KubeConfig {
    const kc = new KubeConfig()
    kc.loadFromOptions({
      // The client allows plain http only with skipTLSVerify set.
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: !this.opts.tls, ...(o.caPem ? { caData: Buffer.from(o.caPem).toString('base64') } : {}) }],
      users: [{ name: 'u', ...(o.token ? { token: o.token } : {}) }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'u', ...(o.namespace ? { namespace: o.namespace } : {}) }],
      currentContext: 'fake',
    })
    return kc
  }

  /** Writes that kubeconfig as a YAML-compatible JSON file and returns its path. */
  kubeConfigFile(dir: string, o: { token?: string; caPem?: string; namespace?: string } = {}): string {
    const file = join(dir, 'kubeconfig')
    writeFileSync(file, this.kubeConfig(o).exportConfig())
    return file
  }

  addNamespace(ns: string): void {
    this.namespaces.add(ns)
  }

  /** Adds or replaces a pod; open watches get ADDED / MODIFIED (or DELETED when it stops matching). */
  apply(pod: PodJson): PodJson {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`
    const before = this.pods.get(key)
    const stored: PodJson = structuredClone(pod)
    stored.metadata.resourceVersion = String(++this.rv)
    this.pods.set(key, stored)
    this.record(stored.metadata.namespace, before, stored)
    return stored
  }

  /** Keeps a change in the history and sends it to the open watches it concerns. */
  private record(namespace: string, before: PodJson | undefined, after: PodJson | undefined): void {
    const change = { rv: this.rv, namespace, before, after }
    this.history.push(change)
    for (const w of this.watchers) this.deliver(w, change)
  }

  private deliver(w: Watcher, c: { namespace: string; before: PodJson | undefined; after: PodJson | undefined }): void {
    if (w.namespace !== c.namespace) return
    const was = c.before !== undefined && matches(w.selector, c.before.metadata.labels)
    const is = c.after !== undefined && matches(w.selector, c.after.metadata.labels)
    if (is) this.send(w, was ? 'MODIFIED' : 'ADDED', c.after)
    else if (was) this.send(w, 'DELETED', c.after ?? c.before)
  }

  /** Changes a stored pod. */
  update(name: string, change: (p: PodJson) => void, namespace = 'default'): PodJson {
    const p = this.pods.get(`${namespace}/${name}`)
    if (p === undefined) throw new Error(`no pod ${namespace}/${name}`)
    const copy = structuredClone(p)
    change(copy)
    return this.apply(copy)
  }

  /** Removes a pod; open watches get DELETED. */
  remove(name: string, namespace = 'default'): void {
    const key = `${namespace}/${name}`
    const p = this.pods.get(key)
    if (p === undefined) return
    this.pods.delete(key)
    const gone = structuredClone(p)
    gone.metadata.resourceVersion = String(++this.rv)
    this.record(namespace, gone, undefined)
  }

  /** Ends every open watch: cleanly (chunked end) or by destroying the socket. */
  dropWatches(how: 'end' | 'destroy' = 'end'): void {
    for (const w of this.watchers) this.endWatch(w, how === 'end')
  }

  /** Forgets history: a watch from an older resourceVersion gets an ERROR 410 event; open watches get it now. */
  compact(): void {
    this.compactedRv = this.rv
    this.history = []
    for (const w of this.watchers) {
      this.send(w, 'ERROR', statusBody(410, 'Expired', 'too old resource version: 1 (2)'))
      this.endWatch(w, true)
    }
  }

  /** Sends a bookmark on every open watch. */
  bookmark(): void {
    for (const w of this.watchers) this.send(w, 'BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } })
  }

  /** The next `times` requests of kind `on` fail with `status` and a Status body. */
  fail(status: number, o: { reason?: string; message?: string; times?: number; on?: 'list' | 'watch' | 'any' } = {}): void {
    this.injected.push({ status, reason: o.reason ?? 'Forbidden', message: o.message ?? `injected ${status}`, times: o.times ?? Infinity, on: o.on ?? 'any' })
  }

  /** Stops injecting errors. */
  heal(): void {
    this.injected = []
  }

  /** List requests are accepted but never answered (until {@link down}). */
  hangLists(on: boolean): void {
    this.hang.list = on
  }

  get openWatches(): number {
    return this.watchers.size
  }

  private create(): Server {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res)
    const server = this.opts.tls ? createHttpsServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler) : createHttpServer(handler)
    server.on(this.opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    return server
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1'
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, auth: req.headers.authorization, watch: isWatch })
    if (this.opts.token !== undefined && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'))
    }
    const inj = this.injected.find((i) => i.times > 0 && (i.on === 'any' || (i.on === 'watch') === isWatch))
    if (inj !== undefined) {
      inj.times--
      return json(res, inj.status, statusBody(inj.status, inj.reason, inj.message))
    }
    let m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname)
    if (m !== null && req.method === 'GET') {
      const ns = decodeURIComponent(m[1] as string)
      let selector: Selector
      try {
        selector = parseSelector(url.searchParams.get('labelSelector') ?? '')
      } catch (e) {
        return json(res, 400, statusBody(400, 'BadRequest', (e as Error).message))
      }
      if (isWatch) return this.startWatch(res, ns, selector, url.searchParams)
      if (this.hang.list) return
      // Like the real server: listing in a namespace that does not exist is an empty list.
      const items = [...this.pods.values()].filter((p) => p.metadata.namespace === ns && matches(selector, p.metadata.labels))
      return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items })
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname)
    if (m !== null && req.method === 'GET') {
      const ns = decodeURIComponent(m[1] as string)
      if (!this.namespaces.has(ns)) return json(res, 404, { ...statusBody(404, 'NotFound', `namespaces "${ns}" not found`), details: { name: ns, kind: 'namespaces' } })
      return json(res, 200, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: ns, resourceVersion: '1' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })
    }
    json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'))
  }

  private startWatch(res: ServerResponse, namespace: string, selector: Selector, q: URLSearchParams): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
    res.flushHeaders()
    const w: Watcher = { res, namespace, selector, timer: undefined }
    const from = Number(q.get('resourceVersion') ?? '0')
    if (from !== 0 && from < this.compactedRv) {
      res.write(JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`) }) + '\n')
      res.end()
      return
    }
    this.watchers.add(w)
    if (from !== 0) for (const c of this.history) if (c.rv > from) this.deliver(w, c)
    const timeout = Number(q.get('timeoutSeconds') ?? '0')
    if (timeout > 0) w.timer = setTimeout(() => this.endWatch(w, true), timeout * 1000)
    res.on('close', () => {
      clearTimeout(w.timer)
      this.watchers.delete(w)
    })
  }

  private send(w: Watcher, type: string, object: unknown): void {
    w.res.write(JSON.stringify({ type, object }) + '\n')
  }

  private endWatch(w: Watcher, clean: boolean): void {
    clearTimeout(w.timer)
    this.watchers.delete(w)
    if (clean) w.res.end()
    else w.res.destroy()
  }
}

/** A Kubernetes Status object. */
export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

/** A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it (openssl). */
export function makeTestCa(): { caPem: string; key: string; cert: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'coerce-ca-'))
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  }
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=coerce-test-ca'])
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'])
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n')
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'])
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8')
  return { caPem: read('ca.crt'), key: read('server.key'), cert: read('server.crt'), dir }
}

/** Polls `cond` until true or `ms` passes (generous deadlines: the box is shared). */
export async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
