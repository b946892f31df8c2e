/**
 * The discovery contract: what a provider yields (peers), how a watcher is told about changes,
 * and the two helpers every consumer needs (a stable key and a dialable address per peer).
 */
import { isIPv6 } from 'node:net'

/** A cluster node found by a discovery provider. */
export interface Peer {
  /** Pod name (Kubernetes), the host's first DNS label (DNS), or the address (static). */
  podName: string
  /** Namespace of the pod; empty when the provider has none. */
  namespace: string
  /** Address to dial: a pod IP, or a host name in hostname mode. */
  host: string
  /** Port of the named container port (Kubernetes), the SRV port (DNS), or the given one. */
  port: number
  /** The pod's labels (empty for providers without labels). */
  labels: Readonly<Record<string, string>>
  /** StatefulSet index of the pod, when the pod belongs to a StatefulSet. */
  ordinal?: number
}

/**
 * What changed between two views of the cluster. `peers` is the whole new view, sorted by
 * {@link peerKey}, so a consumer can also just replace its list.
 */
export interface DiscoveryChange {
  /** Peers that were not there before. */
  joined: Peer[]
  /** Peers that are gone (their last known form). */
  left: Peer[]
  /** Peers still there whose address, port, labels or ordinal changed (their new form). */
  changed: Peer[]
  /** Every peer now. */
  peers: Peer[]
}

/** Ends a watch. Resolves once the watcher is fully stopped: no callback fires after that. */
export type StopWatch = () => Promise<void>

/** Callbacks of {@link Discovery.watch}. */
export interface WatchHandlers {
  /** Called with each non-empty change; the first call carries the initial peers as `joined`. */
  onChange: (change: DiscoveryChange) => void
  /**
   * Called when a round fails (API down, RBAC missing, ...). The watcher keeps retrying with
   * capped backoff; this is for reporting only. Default: the provider logs at `warn`.
   */
  onError?: (error: Error) => void
}

/**
 * A source of peers. `discover` answers once; `watch` follows the source until stopped.
 *
 * @example
 * const d = new KubernetesDiscovery()
 * const peers = await d.discover()
 * const stop = d.watch({ onChange: (c) => console.log(c.joined, c.left) })
 * await stop()
 */
export interface Discovery {
  /** The peers now. Rejects with a {@link DiscoveryError} that says what to fix. */
  discover(): Promise<Peer[]>
  /** Follows changes until the returned function is called. Never throws; errors go to `onError`. */
  watch(handlers: WatchHandlers | ((change: DiscoveryChange) => void)): StopWatch
}

/** `namespace/podName`: unique per pod across namespaces, stable across restarts of a StatefulSet pod. */
export function peerKey(p: Peer): string {
  return `${p.namespace}/${p.podName}`
}

/** `host:port`, with IPv6 hosts in brackets (`[fd00::1]:30101`). */
export function peerAddress(p: Peer): string {
  return isIPv6(p.host) ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`
}

/** Normalises the two forms `watch` accepts. */
export function toWatchHandlers(h: WatchHandlers | ((change: DiscoveryChange) => void)): WatchHandlers {
  return typeof h === 'function' ? { onChange: h } : h
}
