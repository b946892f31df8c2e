/**
 * The Kubernetes provider: peers are the ready pods matching a label selector that expose the
 * named container port. `watch` lists, then watches from the list's resourceVersion, re-lists
 * when the watch ends or the server answers 410 Gone, and backs off on API errors.
 */
import type { V1Pod } from '@kubernetes/client-node'
import type { Logger } from '../../../util/logger.js'
import { sortPeers } from '../diff.js'
import { DiscoveryError } from '../errors.js'
import { peerKey, type Discovery, type DiscoveryChange, type Peer, type StopWatch, type WatchHandlers } from '../types.js'
import { runWatchLoop, type WatchRound } from '../watch-loop.js'
import type { PodApi } from './api.js'
import { resolveK8sOptions, type AddressMode, type KubernetesDiscoveryOptions, type ResolvedK8sOptions } from './options.js'
import { evaluatePod } from './pods.js'

/** A pod that matched the selector but is not a peer, and why. */
export interface SkippedPod {
  podName: string
  reason: string
}

/** What {@link KubernetesDiscovery.inspect} saw: the peers, the skipped pods, and where it looked. */
export interface DiscoveryReport {
  server: string
  namespace: string
  selector: string
  portName: string
  addressMode: AddressMode
  peers: Peer[]
  skipped: SkippedPod[]
}

// A watch that ends sooner than this without events is followed by a short pause, so a server
// that closes every watch at once does not turn the loop into a busy re-list.
const MIN_WATCH_MS = 1_000

/**
 * Finds peers through the Kubernetes API. Options come from the constructor, else the
 * environment (`COERCE_K8S_POD_SELECTOR`, `COERCE_K8S_PORT_NAME`, `COERCE_K8S_ADDR_MODE`,
 * `POD_NAMESPACE`), else defaults. Needs get, list and watch on pods in the namespace.
 *
 * @example
 * const discovery = new KubernetesDiscovery({ selector: 'app=chat' })
 * const peers = await discovery.discover()          // ready pods only
 * const stop = discovery.watch({ onChange: (c) => cluster.update(c.peers) })
 */
export class KubernetesDiscovery implements Discovery {
  private readonly o: ResolvedK8sOptions
  private readonly logger: Logger
  private api: PodApi | undefined

  /** Throws a TypeError naming every invalid option (including values read from the environment). */
  constructor(options: KubernetesDiscoveryOptions = {}) {
    this.o = resolveK8sOptions(options)
    this.logger = this.o.logger
  }

  /** The ready peers now. Rejects with a {@link DiscoveryError}. */
  async discover(): Promise<Peer[]> {
    return (await this.inspect()).peers
  }

  /**
   * Like {@link discover}, but also returns the pods that matched and were skipped, with the
   * reason, and where it looked. Used by `coerce-ts discover`.
   */
  async inspect(signal?: AbortSignal): Promise<DiscoveryReport> {
    const api = await this.podApi()
    const snapshot = await api.list(signal)
    const { peers, skipped } = this.evaluateAll(snapshot.pods, api.namespace)
    if (snapshot.pods.length === 0) await this.checkNamespace(api, signal)
    return {
      server: api.config.server,
      namespace: api.namespace,
      selector: this.o.selector,
      portName: this.o.portName,
      addressMode: this.o.addressMode,
      peers,
      skipped,
    }
  }

  /** Follows the ready peers until stopped; errors go to `onError` and are retried with backoff. */
  watch(handlers: WatchHandlers | ((change: DiscoveryChange) => void)): StopWatch {
    return runWatchLoop(handlers, this.o.retry, this.logger, (r) => this.watchRound(r))
  }

  private async watchRound(r: WatchRound): Promise<void> {
    const api = await this.podApi()
    const snapshot = await api.list(r.signal)
    const { peers } = this.evaluateAll(snapshot.pods, api.namespace)
    if (snapshot.pods.length === 0) await this.checkNamespace(api, r.signal)
    r.replace(peers)
    const started = Date.now()
    let events = 0
    const end = await api.watch(
      snapshot.resourceVersion,
      (type, pod) => {
        events++
        if (type === 'BOOKMARK') return
        const name = pod.metadata?.name ?? ''
        const key = peerKey({ namespace: pod.metadata?.namespace ?? api.namespace, podName: name } as Peer)
        if (type === 'DELETED') {
          this.logger.debug({ pod: name, namespace: api.namespace }, 'pod deleted')
          r.update(key, null)
          return
        }
        const verdict = evaluatePod(this.withNamespace(pod, api.namespace), this.o)
        if ('error' in verdict) throw new DiscoveryError('HostnameMissing', verdict.error, { namespace: api.namespace })
        if ('skip' in verdict) this.logger.debug({ pod: name, namespace: api.namespace, reason: verdict.skip }, 'pod skipped')
        r.update(key, 'peer' in verdict ? verdict.peer : null)
      },
      r.signal,
    )
    if (r.signal.aborted) return
    this.logger.debug({ namespace: api.namespace, end, events }, end === 'gone' ? 'watch history gone (410); re-listing' : 'watch ended; re-listing')
    if (end === 'ended' && events === 0 && Date.now() - started < MIN_WATCH_MS) await r.sleep(this.o.retry.minMs)
  }

  private evaluateAll(pods: V1Pod[], ns: string): { peers: Peer[]; skipped: SkippedPod[] } {
    const peers: Peer[] = []
    const skipped: SkippedPod[] = []
    const errors: string[] = []
    for (const pod of pods) {
      const podName = pod.metadata?.name ?? '(unnamed)'
      const verdict = evaluatePod(this.withNamespace(pod, ns), this.o)
      if ('peer' in verdict) peers.push(verdict.peer)
      else if ('error' in verdict) errors.push(verdict.error)
      else {
        skipped.push({ podName, reason: verdict.skip })
        this.logger.debug({ pod: podName, namespace: ns, reason: verdict.skip }, 'pod skipped')
      }
    }
    if (errors.length > 0) throw new DiscoveryError('HostnameMissing', errors.join('; '), { namespace: ns })
    skipped.sort((a, b) => (a.podName < b.podName ? -1 : a.podName > b.podName ? 1 : 0))
    return { peers: sortPeers(peers), skipped }
  }

  // A real API server always fills metadata.namespace; fill it when a proxy or fake does not.
  private withNamespace(pod: V1Pod, ns: string): V1Pod {
    return pod.metadata?.namespace ? pod : { ...pod, metadata: { ...pod.metadata, namespace: ns } }
  }

  // Listing pods in a namespace that does not exist is not an error for the API server (an empty
  // list), so an empty answer is checked once more; a 403 on namespaces proves nothing.
  private async checkNamespace(api: PodApi, signal?: AbortSignal): Promise<void> {
    if ((await api.namespaceExists(signal)) === false) {
      throw new DiscoveryError('NamespaceNotFound', `namespace '${api.namespace}' does not exist; check --namespace / POD_NAMESPACE`, { status: 404, namespace: api.namespace })
    }
  }

  // The client is loaded on first use: importing it costs about half a second, which
  // applications that never use Kubernetes discovery should not pay.
  private async podApi(): Promise<PodApi> {
    if (this.api === undefined) {
      const [{ PodApi }, { loadConfig }] = await Promise.all([import('./api.js'), import('./config.js')])
      this.api = new PodApi(loadConfig(this.o), this.o.selector, this.o.requestTimeoutMs, this.o.watchTimeoutSeconds)
    }
    return this.api
  }
}
