/**
 * `Connection`: one WebSocket between two nodes, either side: what it is for (lane), who is at
 * the other end once the handshake told us, byte and frame counters, and closing with a reason
 * the other side can read (a `Close` frame, then a ws close code 4000 + the reason's code).
 */
import type { RawData, WebSocket } from 'ws'
import type { NodeAddress } from '../actor/address.js'
import { wire, type WireFrameInit } from './wire.js'

export const LANE_SYSTEM = 0
export const LANE_USER = 1
export type LaneIndex = typeof LANE_SYSTEM | typeof LANE_USER

/** Why a connection was closed on purpose, as the protocol names it. */
export type CloseReason = 'normal' | 'authFailed' | 'incompatibleProtocol' | 'malformed' | 'tooLarge' | 'removed' | 'duplicate'

const CODES: Record<CloseReason, number> = {
  normal: wire.CloseCode.NORMAL,
  authFailed: wire.CloseCode.AUTH_FAILED,
  incompatibleProtocol: wire.CloseCode.INCOMPATIBLE_PROTOCOL,
  malformed: wire.CloseCode.MALFORMED,
  tooLarge: wire.CloseCode.TOO_LARGE,
  removed: wire.CloseCode.REMOVED,
  duplicate: wire.CloseCode.DUPLICATE,
}

/** The close reason behind a ws close code (4000 + protocol code), or null for other codes. */
export function closeReasonOf(code: number): CloseReason | null {
  if (code === 1009) return 'tooLarge'
  const protocolCode = code - 4000
  for (const [reason, c] of Object.entries(CODES)) if (c === protocolCode) return reason as CloseReason
  return null
}

export class Connection {
  /** Set once the handshake named the node at the other end. */
  node: NodeAddress | null = null
  /** That node's slot in this node's frame headers. */
  slot = -1
  lane: LaneIndex = LANE_SYSTEM
  ready = false
  closed = false
  bytesIn = 0
  bytesOut = 0
  framesIn = 0
  framesOut = 0
  /** Why this side closed it, when it did. */
  closedWith: CloseReason | null = null

  constructor(
    readonly ws: WebSocket,
    /** True when this node dialled (an outbound connection: it carries this node's envelopes). */
    readonly outbound: boolean,
    /** Where the other end is (a URL or a remote address), for logs. */
    readonly where: string,
  ) {}

  /** Counts a message that arrived; returns its bytes (ws delivers one Buffer per message here). */
  received(data: RawData): Buffer {
    const bytes = data as Buffer
    this.bytesIn += bytes.length
    this.framesIn++
    return bytes
  }

  send(frame: Uint8Array, done?: (err?: Error) => void): void {
    if (this.closed) {
      done?.(new Error('connection closed'))
      return
    }
    this.bytesOut += frame.length
    this.framesOut++
    this.ws.send(frame, { binary: true }, done)
  }

  sendFrame(body: WireFrameInit, done?: (err?: Error) => void): void {
    this.send(wire.Frame.encode(body).finish(), done)
  }

  /** Tells the other side why, then closes. */
  close(reason: CloseReason, text: string): void {
    if (this.closed) return
    this.closedWith = reason
    try {
      if (this.ws.readyState === this.ws.OPEN) {
        this.sendFrame({ close: { code: CODES[reason], reason: text } })
        this.ws.close(4000 + CODES[reason], text.slice(0, 120))
      } else {
        this.ws.terminate()
      }
    } catch {
      this.ws.terminate()
    }
    this.closed = true
    this.ready = false
  }
}
