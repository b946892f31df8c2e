/**
 * The cluster as an extension of the actor core: the `cluster` system option, `system.cluster`
 * on every thread, `ClusterError` across threads, joining at start and leaving at shutdown,
 * and `GET /cluster/nodes` and the cluster's `/metrics` families (lib/cluster/http.ts).
 */
import type { Extension, OptionField } from '../actor/extensions.js'
import type { ActorSystem } from '../actor/system.js'
import type { MainRuntime } from '../runtime/main-runtime.js'
import { onTopic } from '../runtime/topics.js'
import { Cluster, MEMBERSHIP_TOPIC } from './cluster.js'
import { ClusterError } from './errors.js'
import { registerClusterHttp } from './http.js'
import { resolveClusterOptions, type ResolvedClusterOptions } from './options.js'
import { ClusterView, type MembershipUpdate } from './view.js'

const clusterOption: OptionField<ResolvedClusterOptions | null> = {
  resolve: (raw, problems) => resolveClusterOptions(raw, problems),
  // Workers follow the membership through the main thread; they need none of these.
  forWorker: () => null,
}

const clusters = new WeakMap<ActorSystem, Cluster>()

/** @internal The cluster module of a clustered system (main thread), if any. */
export function clusterOf(system: ActorSystem): Cluster | undefined {
  return clusters.get(system)
}

/** A worker thread's replica of the membership, kept by the main thread's updates. */
let workerView: ClusterView | null = null
let lastUpdate: MembershipUpdate | null = null
onTopic(MEMBERSHIP_TOPIC, (data) => {
  lastUpdate = data as MembershipUpdate
  workerView?.apply(lastUpdate)
})

function viewOf(system: ActorSystem): ClusterView {
  const main = clusters.get(system)
  if (main !== undefined) return main.view
  if (system.host.thread === 0) return new ClusterView(system.node, false)
  if (workerView === null) {
    workerView = new ClusterView(system.node, true)
    if (lastUpdate !== null) workerView.apply({ ...lastUpdate, events: [] })
  }
  return workerView
}

export const clusterExtension: Extension = {
  name: 'cluster',
  options: { cluster: clusterOption as OptionField },
  errorClasses: [ClusterError],
  systemProperties: { cluster: viewOf },
  async onStart(system) {
    const options = system.options.cluster
    if (options === null || options === undefined) {
      // The route answers on every node, so probes and dashboards need not know which are clustered.
      registerClusterHttp(system, undefined)
      return
    }
    const cluster = new Cluster(system, system.runtime as MainRuntime, options)
    clusters.set(system, cluster)
    await cluster.start()
    // After joining: the reports read the member table that start() creates.
    registerClusterHttp(system, cluster)
  },
  async onStop(system) {
    await clusters.get(system)?.leave()
  },
}
