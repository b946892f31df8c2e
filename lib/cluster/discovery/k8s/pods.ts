/**
 * Decides, for one pod, whether it is a peer and at which address; pure, so every rule is
 * tested directly. Accepts both the client's typed pods (from list) and the raw JSON pods a
 * watch stream carries: only fields that are the same in both forms are read.
 */
import type { V1Pod } from '@kubernetes/client-node'
import type { Peer } from '../types.js'
import type { AddressMode } from './options.js'

/** What to do with a pod: use it, skip it (with why), or fail (a misconfiguration). */
export type PodVerdict = { peer: Peer } | { skip: string } | { error: string }

/** The options the verdict depends on. */
export interface PodRules {
  portName: string
  addressMode: AddressMode
}

const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index'

/**
 * A pod is a peer when it is Running, its Ready condition is True, it is not terminating,
 * it has an address (pod IP, or hostname and subdomain) and a container port named
 * `rules.portName`. In hostname mode a ready pod without hostname or subdomain is an error,
 * not a skip: that mode only works for StatefulSet pods behind a headless Service.
 */
export function evaluatePod(pod: V1Pod, rules: PodRules): PodVerdict {
  const meta = pod.metadata
  const name = meta?.name
  if (name === undefined || name === '') return { skip: 'pod has no metadata.name' }
  if (meta?.deletionTimestamp != null) return { skip: 'terminating (deletionTimestamp is set)' }
  const phase = pod.status?.phase
  if (phase !== 'Running') return { skip: `phase is ${phase ?? 'unknown'}, not Running` }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')
  if (ready === undefined) return { skip: 'no Ready condition yet' }
  if (ready.status !== 'True') return { skip: `not ready (Ready=${ready.status}${ready.reason ? `, ${ready.reason}` : ''})` }
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? [])
  const port = ports.find((p) => p.name === rules.portName)
  if (port === undefined || !(port.containerPort > 0)) {
    const names = ports.map((p) => p.name).filter((n): n is string => typeof n === 'string' && n !== '')
    return { skip: `no container port named '${rules.portName}' (named ports: ${names.length > 0 ? names.join(', ') : 'none'})` }
  }
  let host: string
  if (rules.addressMode === 'hostname') {
    const hostname = pod.spec?.hostname
    const subdomain = pod.spec?.subdomain
    if (!hostname || !subdomain) {
      const missing = [!hostname && 'spec.hostname', !subdomain && 'spec.subdomain'].filter(Boolean).join(' and ')
      return {
        error:
          `pod '${name}' has no ${missing}, which hostname address mode needs: run the pods in a StatefulSet ` +
          `whose serviceName is a headless Service (or set both fields), or use address mode podIp`,
      }
    }
    host = `${hostname}.${subdomain}`
  } else {
    const ip = pod.status?.podIP
    if (!ip) return { skip: 'no pod IP yet' }
    host = ip
  }
  const labels: Record<string, string> = { ...(meta?.labels ?? {}) }
  const peer: Peer = { podName: name, namespace: meta?.namespace ?? '', host, port: port.containerPort, labels }
  const ordinal = podOrdinal(pod, name)
  if (ordinal !== undefined) peer.ordinal = ordinal
  return { peer }
}

/** StatefulSet index: the pod-index label (Kubernetes 1.28+), else the name suffix of a StatefulSet-owned pod. */
export function podOrdinal(pod: V1Pod, name: string): number | undefined {
  const label = pod.metadata?.labels?.[POD_INDEX_LABEL]
  if (label !== undefined && /^\d+$/.test(label)) return Number(label)
  const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === 'StatefulSet')
  if (owner === undefined) return undefined
  const m = /^(.*)-(\d+)$/.exec(name)
  return m !== null && m[1] === owner.name ? Number(m[2]) : undefined
}
