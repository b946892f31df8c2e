/**
 * Peer discovery: the contract and its providers (static list, DNS, Kubernetes API).
 */
export { peerKey, peerAddress, type Peer, type Discovery, type DiscoveryChange, type StopWatch, type WatchHandlers } from './types.js'
export { DiscoveryError, DiscoveryErrorCode, isDiscoveryError, type DiscoveryErrorDetails } from './errors.js'
export { diffPeers, sortPeers } from './diff.js'
export type { RetryOptions } from './watch-loop.js'
export { StaticDiscovery, type StaticDiscoveryOptions } from './static.js'
export { DnsDiscovery, type DnsDiscoveryOptions } from './dns.js'
export { KubernetesDiscovery, type DiscoveryReport, type SkippedPod } from './k8s/provider.js'
export type { KubernetesDiscoveryOptions, AddressMode } from './k8s/options.js'
