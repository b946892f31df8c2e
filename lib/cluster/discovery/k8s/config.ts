/**
 * Where the Kubernetes API and credentials come from: a given KubeConfig or file, the mounted
 * service account (in-cluster), or the user's kubeconfig; and which namespace to search.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { isIPv6 } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import { DiscoveryError } from '../errors.js'
import type { ResolvedK8sOptions } from './options.js'

/** A loaded configuration and where it came from (for messages and the CLI header). */
export interface LoadedConfig {
  kc: KubeConfig
  source: 'given' | 'file' | 'in-cluster' | 'kubeconfig'
  server: string
  namespace: string
}

/**
 * Loads the configuration per `o` and resolves the namespace. Rejects with `NoConfig` when there
 * is none (instead of the client's silent fallback to http://localhost:8080).
 */
export function loadConfig(o: ResolvedK8sOptions): LoadedConfig {
  const { kc, source } = loadKubeConfig(o)
  if (o.context !== undefined) {
    if (kc.getContextObject(o.context) == null) {
      const known = kc.getContexts().map((c) => c.name)
      throw new DiscoveryError('NoConfig', `kubeconfig has no context '${o.context}' (contexts: ${known.join(', ') || 'none'})`)
    }
    kc.setCurrentContext(o.context)
  }
  const cluster = kc.getCurrentCluster()
  if (cluster === null) throw new DiscoveryError('NoConfig', `kubeconfig (${source}) has no current context with a cluster: set current-context or pass a context`)
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // The client refuses plain http unless the cluster entry opts out of TLS explicitly.
    throw new DiscoveryError('NoConfig', `the API server ${cluster.server} is plain http: set insecure-skip-tls-verify: true on cluster '${cluster.name}' to allow it, or use https`)
  }
  const namespace = o.namespace ?? readServiceAccountNamespace(o.serviceAccountDir) ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default'
  return { kc, source, server: cluster.server, namespace }
}

function loadKubeConfig(o: ResolvedK8sOptions): { kc: KubeConfig; source: LoadedConfig['source'] } {
  if (o.kubeConfig !== undefined && typeof o.kubeConfig !== 'string') return { kc: o.kubeConfig, source: 'given' }
  const kc = new KubeConfig()
  if (typeof o.kubeConfig === 'string') {
    loadFile(kc, o.kubeConfig)
    return { kc, source: 'file' }
  }
  const sa = o.serviceAccountDir
  const host = o.env['KUBERNETES_SERVICE_HOST']
  if (host && existsSync(join(sa, 'token'))) {
    loadInCluster(kc, sa, host, o.env['KUBERNETES_SERVICE_PORT'] ?? '443')
    return { kc, source: 'in-cluster' }
  }
  const fromEnv = (o.env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '')
  const files = fromEnv.length > 0 ? fromEnv : [join(o.env['HOME'] ?? homedir(), '.kube', 'config')].filter((f) => existsSync(f))
  if (files.length === 0) {
    throw new DiscoveryError(
      'NoConfig',
      `no Kubernetes configuration: not in a pod (no ${join(sa, 'token')} or KUBERNETES_SERVICE_HOST unset), ` +
        'KUBECONFIG unset and ~/.kube/config missing; pass --kubeconfig or the kubeConfig option',
    )
  }
  loadFile(kc, files[0] as string)
  for (const f of files.slice(1)) {
    const more = new KubeConfig()
    loadFile(more, f)
    kc.mergeConfig(more, true)
  }
  return { kc, source: 'kubeconfig' }
}

function loadFile(kc: KubeConfig, file: string): void {
  try {
    kc.loadFromFile(file)
  } catch (e) {
    throw new DiscoveryError('NoConfig', `cannot load kubeconfig ${file}: ${(e as Error).message}`, { cause: e })
  }
}

// Like the client's loadFromCluster, but with the service-account folder as a parameter (tests,
// projected volumes mounted elsewhere). The token is re-read by the client every minute, so
// rotated bound tokens keep working.
function loadInCluster(kc: KubeConfig, dir: string, host: string, port: string): void {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https'
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: scheme === 'http' }],
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster' }],
    currentContext: 'in-cluster',
  })
}

function readServiceAccountNamespace(dir: string): string | undefined {
  try {
    const ns = readFileSync(join(dir, 'namespace'), 'utf8').trim()
    return ns === '' ? undefined : ns
  } catch {
    return undefined
  }
}
