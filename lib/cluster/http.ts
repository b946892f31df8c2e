/**
 * What the cluster adds to a node's HTTP API, through the API's own seams (the route table and
 * the metric collectors), so lib/api never imports the cluster: `GET /cluster/nodes` with its
 * schemas, on every system (a node without `cluster` answers as a cluster of one, like
 * `system.cluster`), and, on a clustered node, the `coerce_remote_*` and `coerce_cluster_*`
 * families, read from the network thread at each scrape.
 */
import { nodeKey, type NodeAddress } from '../actor/address.js'
import type { ActorSystem } from '../actor/system.js'
import { httpRoutes } from '../api/routes/index.js'
import type { JsonSchema, Route } from '../api/router.js'
import { metricCollectors, type MetricFamily, type MetricSample } from '../util/metric-collectors.js'
import type { NetworkStats, PeerStats } from '../remote/messages.js'
import type { Cluster, NodeReport } from './cluster.js'
import type { MemberStatus } from './member-table.js'

/** What `GET /cluster/nodes` answers. */
export interface ClusterNodesReport {
  /** False on a node started without `cluster`: `nodes` is then this node alone, up and leading. */
  enabled: boolean
  self: NodeAddress
  /** The oldest up, reachable member; null while there is none (joining, or partitioned away). */
  leader: NodeAddress | null
  /** Every member this node knows, oldest first; down ones stay until forgotten, removed (left) ones are gone. */
  nodes: NodeReport[]
}

const STATUSES: readonly MemberStatus[] = ['joining', 'up', 'leaving', 'down', 'removed']
/** The statuses a listed member can have: the table lists no removed ones. */
const LISTED: readonly MemberStatus[] = ['joining', 'up', 'leaving', 'down']

const nodeAddressSchema: JsonSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, incarnation: { type: 'integer', minimum: 0, description: 'Random per run of the node: a restarted node is a new incarnation.' } },
  required: ['id', 'incarnation'],
  additionalProperties: false,
}

const ms = (description: string): JsonSchema => ({ type: ['number', 'null'], minimum: 0, description })

/** The schemas `GET /cluster/nodes` refers to, by component name. */
export const CLUSTER_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ClusterNode: {
    type: 'object',
    description: 'One member as this node sees it.',
    properties: {
      id: { type: 'string', description: 'The node id (`nodeId` option).' },
      incarnation: { type: 'integer', minimum: 0, description: 'The run of that node id.' },
      address: { type: 'string', description: 'The URL other nodes dial (`ws://host:port`); empty on a node without cluster.' },
      status: { type: 'string', enum: [...STATUSES], description: 'Only ever moves forward, in this order; removed (left) members are no longer listed.' },
      reachable: { type: 'boolean', description: "This node's failure detector's view (always true for itself)." },
      leader: { type: 'boolean' },
      self: { type: 'boolean', description: 'This is the node that answered.' },
      startedAt: { type: 'number', minimum: 0, description: 'When that node run started, ms since the epoch.' },
      lastHeartbeatAt: ms('When the last heartbeat answer came from it, ms since the epoch; null for this node and before the first.'),
      latencyMs: ms('Round trip of the last heartbeat, ms; 0 for this node, null before the first.'),
      phi: { type: ['number', 'null'], minimum: 0, description: 'Suspicion level of the phi-accrual failure detector (unreachable from its threshold, 8 by default); 0 for this node, null while not connected.' },
    },
    required: ['id', 'incarnation', 'address', 'status', 'reachable', 'leader', 'self', 'startedAt', 'lastHeartbeatAt', 'latencyMs', 'phi'],
    additionalProperties: false,
  },
  ClusterNodes: {
    type: 'object',
    description: 'The membership as this node sees it. A node started without `cluster` answers 200 too, with `enabled: false` and itself alone, up and leading.',
    properties: {
      enabled: { type: 'boolean', description: 'Whether the node was started with `cluster`.' },
      self: nodeAddressSchema,
      leader: { oneOf: [nodeAddressSchema, { type: 'null' }], description: 'The oldest up, reachable member; null while there is none.' },
      nodes: { type: 'array', items: { $ref: '#/components/schemas/ClusterNode' }, description: 'Oldest first; down members stay until forgotten, members that left are gone.' },
    },
    required: ['enabled', 'self', 'leader', 'nodes'],
    additionalProperties: false,
  },
}

/** `GET /cluster/nodes` of one system; `cluster` is undefined on a system without `cluster`. */
export function clusterNodesRoute(cluster: Cluster | undefined): Route {
  return {
    method: 'GET',
    path: '/cluster/nodes',
    operationId: 'listClusterNodes',
    summary: 'Cluster members',
    description:
      'Every member this node knows, with its status, reachability, heartbeat latency and failure-detector phi. A node started without `cluster` answers with `enabled: false` and itself alone.',
    tags: ['cluster'],
    responses: { 200: { description: 'The members.', schema: { $ref: '#/components/schemas/ClusterNodes' } } },
    async handle(_req, ctx) {
      const body: ClusterNodesReport = cluster === undefined ? alone(ctx.system, ctx.startedAt) : await clustered(ctx.system, cluster)
      return { body }
    },
  }
}

async function clustered(system: ActorSystem, cluster: Cluster): Promise<ClusterNodesReport> {
  const nodes = await cluster.nodes()
  // The leader from the same reading as the list, so the two never disagree.
  const leader = nodes.find((n) => n.leader)
  return { enabled: true, self: addressOf(system.node), leader: leader === undefined ? null : addressOf(leader), nodes }
}

/** A node without `cluster` as a cluster of one, like its `system.cluster` view. */
function alone(system: ActorSystem, processStartedAt: number): ClusterNodesReport {
  const self = addressOf(system.node)
  const node: NodeReport = {
    ...self,
    address: '',
    status: 'up',
    reachable: true,
    leader: true,
    self: true,
    startedAt: Math.round(processStartedAt),
    lastHeartbeatAt: null,
    latencyMs: 0,
    phi: 0,
  }
  return { enabled: false, self, leader: self, nodes: [node] }
}

function addressOf(n: NodeAddress): NodeAddress {
  return { id: n.id, incarnation: n.incarnation }
}

/**
 * The cluster's `/metrics` families from one reading: per peer (`peer="<id>#<incarnation>"`)
 * the network thread's counters and connection states, connections refused by reason, members
 * by status and each peer's phi. Without network statistics (the network thread did not
 * answer) only the membership families remain.
 */
export function clusterFamilies(nodes: readonly NodeReport[], network: NetworkStats | null): MetricFamily[] {
  const families: MetricFamily[] = [
    {
      name: 'coerce_cluster_members',
      help: 'Members this node knows, by status (down ones until forgotten; members that left are no longer counted).',
      type: 'gauge',
      samples: LISTED.map((status) => ({ labels: { status }, value: nodes.filter((n) => n.status === status).length })),
    },
    {
      name: 'coerce_cluster_member_phi',
      help: "Suspicion level of this node's phi-accrual failure detector for each connected peer.",
      type: 'gauge',
      samples: nodes.filter((n) => !n.self && n.phi !== null).map((n) => ({ labels: { peer: nodeKey(n) }, value: n.phi as number })),
    },
  ]
  if (network === null) return families
  const perPeer = (pick: (p: PeerStats) => number): MetricSample[] => network.peers.map((p) => ({ labels: { peer: nodeKey(p.node) }, value: pick(p) }))
  const counter = (name: string, help: string, pick: (p: PeerStats) => number): MetricFamily => ({ name, help, type: 'counter', samples: perPeer(pick) })
  families.push(
    counter('coerce_remote_bytes_sent_total', 'Bytes written to the connections this node opened to the peer (encoded frames).', (p) => p.bytesOut),
    counter('coerce_remote_bytes_received_total', 'Bytes read from the connections the peer opened to this node (encoded frames).', (p) => p.bytesIn),
    counter('coerce_remote_frames_sent_total', 'WebSocket frames (batches, heartbeats, gossip) sent to the peer.', (p) => p.framesOut),
    counter('coerce_remote_frames_received_total', 'WebSocket frames received from the peer.', (p) => p.framesIn),
    counter('coerce_remote_messages_sent_total', 'Actor messages (tells, asks, replies, system messages) sent to the peer.', (p) => p.messagesOut),
    counter('coerce_remote_messages_received_total', 'Actor messages received from the peer.', (p) => p.messagesIn),
    counter('coerce_remote_dropped_total', 'Messages for the peer dropped or failed because it could not take them (not connected and its send buffer full, or gone).', (p) => p.dropped),
    { name: 'coerce_remote_queued', help: 'Messages waiting to be sent to the peer.', type: 'gauge', samples: perPeer((p) => p.queued) },
    {
      name: 'coerce_remote_connection_up',
      help: 'Whether the connection this node opened to the peer is up (1) or not (0), by lane (system: membership and control; user: tells and asks).',
      type: 'gauge',
      samples: network.peers.flatMap((p) => [
        { labels: { peer: nodeKey(p.node), lane: 'system' }, value: p.system === 'up' ? 1 : 0 },
        { labels: { peer: nodeKey(p.node), lane: 'user' }, value: p.user === 'up' ? 1 : 0 },
      ]),
    },
    {
      name: 'coerce_remote_rejected_connections_total',
      help: 'Connections closed or refused for a protocol reason (authFailed, incompatibleProtocol, malformed, tooLarge, refused, ...).',
      type: 'counter',
      samples: Object.entries(network.rejected).map(([reason, n]) => ({ labels: { reason }, value: n })),
    },
  )
  return families
}

/**
 * Adds `GET /cluster/nodes` and its schemas to `system`'s route table and, when the system is
 * clustered, the `cluster` metric collector. Called once per system when it has started (by
 * the cluster extension); returns what removes the collector.
 */
export function registerClusterHttp(system: ActorSystem, cluster: Cluster | undefined): () => void {
  const router = httpRoutes(system)
  for (const [name, schema] of Object.entries(CLUSTER_SCHEMAS)) router.defineSchema(name, schema)
  router.add(clusterNodesRoute(cluster))
  if (cluster === undefined) return () => {}
  return metricCollectors(system).register('cluster', {
    // Asynchronous: the counters live on the network thread, one round trip per scrape.
    async collect() {
      const { nodes, network } = await cluster.snapshot()
      return clusterFamilies(nodes, network)
    },
  })
}
