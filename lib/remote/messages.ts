/**
 * The control messages between the main thread (the cluster module) and the network thread:
 * connection lifecycle, membership gossip in plain form, heartbeat arrivals and statistics.
 * Control plane only; actor traffic goes through the rings and sockets.
 */
import type { NodeAddress } from '../actor/address.js'

/** Member statuses as they travel (the cluster module owns their meaning). */
export type WireMemberStatus = 'joining' | 'up' | 'leaving' | 'down' | 'removed'

export interface PlainMember {
  node: NodeAddress
  advertise: string
  status: WireMemberStatus
  startedAt: number
}

/** The network thread's start-up data. */
export interface NetworkConfig {
  node: NodeAddress
  startedAt: number
  listenHost: string
  listenPort: number
  /** The URL other nodes dial; null: `ws(s)://<listenHost>:<bound port>`. */
  advertise: string | null
  secret: string
  tokenTtlMs: number
  tls: { cert: string; key: string; ca?: string } | null
  maxFrameBytes: number
  heartbeatIntervalMs: number
  /** Frames kept per peer while its connection is being made; past that asks fail with `NodeUnreachable`. */
  sendBufferFrames: number
  logLevel: import('../util/logger.js').LogLevel
  name: string
}

/** Why a dial did not give a usable connection. */
export type DialFailure = 'unreachable' | 'authFailed' | 'incompatibleProtocol' | 'removed' | 'closed'

export type MainToNetwork =
  | { t: 'listen' }
  | { t: 'dial'; url: string }
  | { t: 'gossip'; members: PlainMember[] }
  | { t: 'forget'; node: NodeAddress; reason: string }
  | { t: 'leave' }
  | { t: 'peerStats' }

export type NetworkToMain =
  /** Request: a node completed a handshake (dialled or accepted); answered with its slot, or refused. */
  | { t: 'peer'; node: NodeAddress; advertise: string; startedAt: number }
  | { t: 'connected'; node: NodeAddress; url: string }
  | { t: 'dialFailed'; url: string; failure: DialFailure; reason: string }
  | { t: 'disconnected'; node: NodeAddress; reason: string }
  | { t: 'heartbeat'; node: NodeAddress; rttMs: number }
  | { t: 'gossip'; from: NodeAddress; members: PlainMember[] }
  | { t: 'left'; node: NodeAddress }

/** One peer as the network thread sees it. */
export interface PeerStats {
  node: NodeAddress
  advertise: string
  system: ConnectionState
  user: ConnectionState
  lastHeartbeatAt: number | null
  rttMs: number | null
  bytesOut: number
  bytesIn: number
  framesOut: number
  framesIn: number
  messagesOut: number
  messagesIn: number
  /** User messages dropped or failed because the peer could not take them. */
  dropped: number
  queued: number
}

export type ConnectionState = 'none' | 'connecting' | 'up' | 'closed'

export interface NetworkStats {
  port: number
  peers: PeerStats[]
  /** Connections closed for a protocol reason, by reason (authFailed, malformed, tooLarge, ...). */
  rejected: Record<string, number>
}
