/**
 * Options of the Kubernetes provider: the public type, the defaults, the environment variables
 * they fall back to, and the one place they are validated.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { consoleLogger, type Logger } from '../../../util/logger.js'
import { resolveRetry, type ResolvedRetry, type RetryOptions } from '../watch-loop.js'

/** How a peer's `host` is formed: the pod IP, or `{spec.hostname}.{spec.subdomain}`. */
export type AddressMode = 'podIp' | 'hostname'

/** Options of {@link KubernetesDiscovery}. Every field is optional. */
export interface KubernetesDiscoveryOptions {
  /** Pod label selector. Default `COERCE_K8S_POD_SELECTOR`, else `app=coerce`. */
  selector?: string
  /** Name of the container port peers listen on. Default `COERCE_K8S_PORT_NAME`, else `coerce`. */
  portName?: string
  /**
   * Namespace to search. Default `POD_NAMESPACE`, else the service account's namespace file,
   * else the kubeconfig context's namespace, else `default`.
   */
  namespace?: string
  /** `podIp` (default) or `hostname` (`{hostname}.{subdomain}`, StatefulSet pods). Default `COERCE_K8S_ADDR_MODE`. */
  addressMode?: AddressMode
  /**
   * Where the API server and credentials come from: a loaded `KubeConfig`, or the path of a
   * kubeconfig file. Default: in-cluster when the service-account token exists and
   * `KUBERNETES_SERVICE_HOST` is set, else `KUBECONFIG`, else `~/.kube/config`.
   */
  kubeConfig?: KubeConfig | string
  /** kubeconfig context to use instead of the file's current context. */
  context?: string
  /** Folder of the mounted service account. Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  serviceAccountDir?: string
  /** Limit of one list request, ms. Default 10 000. */
  requestTimeoutMs?: number
  /**
   * The server ends each watch after this many seconds and the provider re-lists. A watch silent
   * for this long plus 30 s is dropped as dead. Default 300.
   */
  watchTimeoutSeconds?: number
  /** Backoff between failed watch rounds. Default 500 ms doubling up to 30 s. */
  retry?: RetryOptions
  /** Environment the defaults are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** The logger (skipped pods are logged at `debug`). Default JSON lines on stderr at `warn`. */
  logger?: Logger
}

/** Options after validation and defaults; inner code trusts these. */
export interface ResolvedK8sOptions {
  selector: string
  portName: string
  namespace: string | undefined
  addressMode: AddressMode
  kubeConfig: KubeConfig | string | undefined
  context: string | undefined
  serviceAccountDir: string
  requestTimeoutMs: number
  watchTimeoutSeconds: number
  retry: ResolvedRetry
  env: NodeJS.ProcessEnv
  logger: Logger
}

/** Defaults of {@link KubernetesDiscoveryOptions} (timeouts in ms, the watch timeout in s). */
export const DEFAULT_POD_SELECTOR = 'app=coerce'
export const DEFAULT_PORT_NAME = 'coerce'
export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300

const ADDRESS_MODES: Record<string, AddressMode> = { podip: 'podIp', 'pod-ip': 'podIp', ip: 'podIp', hostname: 'hostname' }
// IANA_SVC_NAME, the rule Kubernetes applies to container port names.
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/

/** Validates `o`, fills defaults from the environment. Throws one TypeError naming every bad field. */
export function resolveK8sOptions(o: KubernetesDiscoveryOptions = {}): ResolvedK8sOptions {
  const env = o.env ?? process.env
  const problems: string[] = []
  const str = (field: string, v: unknown, source: string): string | undefined => {
    if (v === undefined) return undefined
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${field} must be a non-empty string (got ${JSON.stringify(v)}${source})`)
      return undefined
    }
    return v.trim()
  }
  const fromEnv = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v
  }
  const selector = str('selector', o.selector ?? fromEnv('COERCE_K8S_POD_SELECTOR'), o.selector === undefined ? ' from COERCE_K8S_POD_SELECTOR' : '') ?? DEFAULT_POD_SELECTOR
  const portSource = o.portName === undefined ? ' from COERCE_K8S_PORT_NAME' : ''
  const portName = str('portName', o.portName ?? fromEnv('COERCE_K8S_PORT_NAME'), portSource) ?? DEFAULT_PORT_NAME
  if (portName.length > 15 || !PORT_NAME.test(portName)) {
    problems.push(`portName must be a Kubernetes port name: at most 15 lowercase letters, digits and '-' (got '${portName}'${portSource})`)
  }
  const namespace = str('namespace', o.namespace ?? fromEnv('POD_NAMESPACE'), o.namespace === undefined ? ' from POD_NAMESPACE' : '')
  const modeRaw = o.addressMode ?? fromEnv('COERCE_K8S_ADDR_MODE')
  let addressMode: AddressMode = 'podIp'
  if (modeRaw !== undefined) {
    const m = typeof modeRaw === 'string' ? ADDRESS_MODES[modeRaw.toLowerCase()] : undefined
    if (m === undefined) {
      problems.push(`addressMode must be 'podIp' or 'hostname' (got ${JSON.stringify(modeRaw)}${o.addressMode === undefined ? ' from COERCE_K8S_ADDR_MODE' : ''})`)
    } else addressMode = m
  }
  const kc = o.kubeConfig
  if (kc !== undefined && typeof kc !== 'string' && (typeof kc !== 'object' || kc === null || typeof kc.getCurrentCluster !== 'function')) {
    problems.push('kubeConfig must be a KubeConfig or the path of a kubeconfig file')
  }
  const context = str('context', o.context, '')
  const serviceAccountDir = str('serviceAccountDir', o.serviceAccountDir, '') ?? DEFAULT_SERVICE_ACCOUNT_DIR
  const positive = (field: string, v: unknown, dflt: number): number => {
    if (v === undefined) return dflt
    if (typeof v === 'number' && v > 0 && Number.isFinite(v)) return v
    problems.push(`${field} must be a positive number (got ${String(v)})`)
    return dflt
  }
  const requestTimeoutMs = positive('requestTimeoutMs', o.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS)
  const watchTimeoutSeconds = Math.ceil(positive('watchTimeoutSeconds', o.watchTimeoutSeconds, DEFAULT_WATCH_TIMEOUT_SECONDS))
  const retry = resolveRetry(o.retry, 'retry', problems)
  if (problems.length > 0) throw new TypeError(`invalid Kubernetes discovery options: ${problems.join('; ')}`)
  return {
    selector,
    portName,
    namespace,
    addressMode,
    kubeConfig: kc,
    context,
    serviceAccountDir,
    requestTimeoutMs,
    watchTimeoutSeconds,
    retry,
    env,
    logger: o.logger ?? consoleLogger('warn', { component: 'discovery' }),
  }
}
