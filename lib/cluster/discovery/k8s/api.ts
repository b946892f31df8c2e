/**
 * The provider's only contact with the Kubernetes API: list pods, watch pods, check that a
 * namespace exists, and turn every failure into a DiscoveryError that says what to fix.
 */
import { ApiException, CoreV1Api, Observable, Watch, type ObservableMiddleware, type V1Pod, type V1Status } from '@kubernetes/client-node'
import { DiscoveryError, isDiscoveryError } from '../errors.js'
import type { LoadedConfig } from './config.js'

/** A pod list and the resourceVersion to watch from. */
export interface PodSnapshot {
  pods: V1Pod[]
  resourceVersion: string
}

/** How a watch ended: normally (server timeout, dropped stream) or 410 Gone (history compacted). */
export type WatchEnd = 'ended' | 'gone'

/** The watch event types a pod watch carries. */
export type PodEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'

/** What a 403 message tells the operator to grant. */
export const RBAC_HINT =
  'discovery needs the verbs get, list and watch on pods: bind a Role with ' +
  `rules [{apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"]}] to the pod's service account ` +
  '(deploy/k8s/role.yaml and rolebinding.yaml)'

// Grace on top of the server-side watch timeout before a silent watch counts as dead.
const WATCH_GRACE_MS = 30_000

/** List, watch and namespace checks for the selected pods of one namespace, with typed errors. */
export class PodApi {
  private readonly core: CoreV1Api
  private readonly watcher: Watch

  constructor(
    readonly config: LoadedConfig,
    readonly selector: string,
    private readonly requestTimeoutMs: number,
    private readonly watchTimeoutSeconds: number,
  ) {
    this.core = config.kc.makeApiClient(CoreV1Api)
    this.watcher = new Watch(config.kc)
  }

  get namespace(): string {
    return this.config.namespace
  }

  /** Lists the selected pods. Rejects with a DiscoveryError. */
  async list(signal?: AbortSignal): Promise<PodSnapshot> {
    try {
      const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: this.selector }, this.requestOptions(signal))
      return { pods: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' }
    } catch (e) {
      throw this.toError(e, 'list')
    }
  }

  /**
   * True or false when the API says whether the namespace exists; undefined when it will not
   * tell (a namespaced Role cannot grant `get` on namespaces, so 403 is the usual answer in a pod).
   */
  async namespaceExists(signal?: AbortSignal): Promise<boolean | undefined> {
    try {
      await this.core.readNamespace({ name: this.namespace }, this.requestOptions(signal))
      return true
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return false
      return undefined
    }
  }

  /**
   * Watches the selected pods from `resourceVersion`, calling `onEvent` per event, until the
   * stream ends, the server answers 410 Gone, `signal` aborts, or nothing (not even a bookmark)
   * arrives for the watch timeout plus 30 s. Rejects with a DiscoveryError on API errors and
   * with whatever `onEvent` throws.
   */
  watch(resourceVersion: string, onEvent: (type: PodEventType, pod: V1Pod) => void, signal: AbortSignal): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve, reject) => {
      let settled = false
      let controller: AbortController | undefined
      let idle: NodeJS.Timeout | undefined
      const finish = (outcome: WatchEnd | Error): void => {
        if (settled) return
        settled = true
        clearTimeout(idle)
        signal.removeEventListener('abort', onAbort)
        controller?.abort()
        if (outcome instanceof Error) reject(outcome)
        else resolve(outcome)
      }
      const onAbort = (): void => finish('ended')
      const armIdle = (): void => {
        clearTimeout(idle)
        idle = setTimeout(() => finish('ended'), this.watchTimeoutSeconds * 1000 + WATCH_GRACE_MS)
      }
      if (signal.aborted) return finish('ended')
      signal.addEventListener('abort', onAbort)
      armIdle()
      const path = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods`
      const query = { labelSelector: this.selector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.watchTimeoutSeconds }
      const onLine = (type: string, obj: unknown): void => {
        if (settled) return
        armIdle()
        if (type === 'ERROR') {
          const status = obj as V1Status
          return finish(status.code === 410 ? 'gone' : this.toError(statusError(status), 'watch'))
        }
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED' && type !== 'BOOKMARK') return
        try {
          onEvent(type, obj as V1Pod)
        } catch (e) {
          finish(e instanceof Error ? e : new Error(String(e)))
        }
      }
      const onDone = (err: unknown): void => {
        if (err === null || err === undefined) return finish('ended')
        if (statusOf(err) === 410) return finish('gone')
        // A stream cut after the watch was accepted (reset, premature close) is a dropped watch:
        // re-list. Refused connections and HTTP errors arrive as FetchError or with a status.
        if (statusOf(err) === undefined && (err as { name?: string }).name !== 'FetchError') return finish('ended')
        finish(this.toError(err, 'watch'))
      }
      this.watcher.watch(path, query, onLine, onDone).then(
        (c) => {
          controller = c
          if (settled) c.abort()
        },
        (e: unknown) => finish(this.toError(e, 'watch')),
      )
    })
  }

  /** Maps any failure of a pods request to a DiscoveryError. */
  toError(e: unknown, verb: 'list' | 'watch'): DiscoveryError {
    if (isDiscoveryError(e)) return e
    const ns = this.namespace
    const status = statusOf(e)
    const serverMessage = bodyMessage(e)
    const said = serverMessage ? `: ${serverMessage}` : ''
    if (status === 401) {
      return new DiscoveryError('Unauthorized', `the API server at ${this.config.server} rejected the credentials (401)${said}; check the kubeconfig user or the service-account token`, { status, namespace: ns, cause: e })
    }
    if (status === 403) {
      return new DiscoveryError('Forbidden', `not allowed to ${verb} pods in namespace '${ns}' (403)${said}; ${RBAC_HINT}`, { status, namespace: ns, cause: e })
    }
    if (status === 404) {
      return new DiscoveryError('NamespaceNotFound', `namespace '${ns}' not found (404 on ${verb} pods)${said}; check --namespace / POD_NAMESPACE`, { status, namespace: ns, cause: e })
    }
    if (status !== undefined) {
      return new DiscoveryError('ApiError', `the API server answered ${status} to ${verb} pods in namespace '${ns}'${said}`, { status, namespace: ns, cause: e })
    }
    const err = e as { name?: string; code?: string; message?: string }
    if (err.name === 'AbortError' || err.name === 'TimeoutError' || err.name === 'FetchError' || typeof err.code === 'string') {
      const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError'
      const why = timedOut ? `no answer within ${this.requestTimeoutMs} ms` : (err.message ?? String(e))
      const tls = typeof err.code === 'string' && /CERT|SELF_SIGNED|TLS|SSL|ALTNAME|VERIFY|LEAF/.test(err.code)
      const hint = tls ? "; the server's certificate is not trusted: check certificate-authority(-data) in the kubeconfig or the service account's ca.crt" : ''
      return new DiscoveryError('Unreachable', `cannot reach the Kubernetes API at ${this.config.server} to ${verb} pods: ${why}${hint}`, { namespace: ns, cause: e })
    }
    return new DiscoveryError('ApiError', `${verb} pods in namespace '${ns}' failed: ${err.message ?? String(e)}`, { namespace: ns, cause: e })
  }

  // Each request gets the caller's signal and its own timeout (the client sets none).
  private requestOptions(signal: AbortSignal | undefined): { middleware: ObservableMiddleware[]; middlewareMergeStrategy: 'append' } {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs)
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    return {
      middleware: [
        {
          pre: (ctx) => {
            ctx.setSignal(combined)
            return new Observable(Promise.resolve(ctx))
          },
          post: (ctx) => new Observable(Promise.resolve(ctx)),
        },
      ],
      middlewareMergeStrategy: 'append',
    }
  }
}

/** An Error carrying a Status from a watch stream, shaped like the client's errors. */
function statusError(s: V1Status): Error & { statusCode?: number; body?: unknown } {
  const e: Error & { statusCode?: number; body?: unknown } = new Error(s.message ?? s.reason ?? 'watch error')
  if (s.code !== undefined) e.statusCode = s.code
  e.body = s
  return e
}

function statusOf(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code
  const code = (e as { statusCode?: unknown } | null)?.statusCode
  return typeof code === 'number' ? code : undefined
}

/** The `message` of a Kubernetes Status body, whether it came parsed or as a JSON string. */
function bodyMessage(e: unknown): string | undefined {
  let body = (e as { body?: unknown } | null)?.body
  if (typeof body === 'string') {
    const text = body
    try {
      body = JSON.parse(text) as unknown
    } catch {
      return text.trim() === '' ? undefined : text.slice(0, 300)
    }
  }
  const m = (body as { message?: unknown } | null | undefined)?.message
  return typeof m === 'string' && m !== '' ? m : undefined
}
