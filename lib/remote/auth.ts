/**
 * Node authentication for the handshake: the token a node puts in its `hello` or `welcome`,
 * and the check of a peer's. A token is HMAC-SHA256 over "id|incarnation|timestamp" with the
 * cluster secret, so it proves that the sender knows the secret and names the node run it
 * speaks for; the timestamp bounds how long a captured token can be replayed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** How old (or, for clock skew, how far ahead) a token may be when checked: 30 000 ms. */
export const DEFAULT_TOKEN_TTL_MS = 30_000

/** HMAC-SHA256 output length, in bytes. */
const TOKEN_BYTES = 32

/** The handshake fields a token covers, as the decoded wire message has them (any may be absent). */
export interface TokenFields {
  node?: { id?: string | null; incarnation?: number | null } | null
  timestamp?: number | null
  token?: Uint8Array | null
}

/**
 * The token for one node run at `timestamp` (ms since the epoch): 32 bytes of
 * HMAC-SHA256(secret, `${id}|${incarnation}|${timestamp}`).
 */
export function makeToken(secret: string, node: { id: string; incarnation: number }, timestamp: number): Uint8Array {
  return createHmac('sha256', secret).update(`${node.id}|${node.incarnation}|${timestamp}`).digest()
}

/**
 * Checks a peer's handshake token against the cluster secret and the local clock `now` (ms).
 * Returns null when the token is valid, else a short reason for the log and the Close frame.
 * The token must match first, so a forged handshake is "bad token" whatever its timestamp;
 * an authentic one must then be no older than `ttlMs` and no further ahead than `ttlMs` (the
 * same allowance for clock skew both ways). Never throws on malformed input.
 *
 * Absent fields take their proto3 defaults ('' id, incarnation 0, timestamp 0), since the
 * decoder omits zero values: the sender made its token over those same values.
 */
export function checkToken(secret: string, hs: TokenFields, now: number, ttlMs: number): string | null {
  const token = hs.token
  if (!token || token.length === 0) return 'missing token'
  if (token.length !== TOKEN_BYTES) return `bad token (${token.length} bytes, expected ${TOKEN_BYTES})`
  const timestamp = hs.timestamp ?? 0
  // A NaN or infinite timestamp would slip through both age comparisons below.
  if (!Number.isFinite(timestamp)) return 'bad token timestamp'
  const expected = makeToken(secret, { id: hs.node?.id ?? '', incarnation: hs.node?.incarnation ?? 0 }, timestamp)
  if (!timingSafeEqual(expected, token)) return 'bad token (wrong secret?)'
  const age = now - timestamp
  if (age > ttlMs) return `token expired (age ${Math.round(age)} ms > ttl ${ttlMs} ms)`
  if (-age > ttlMs) return `token from the future (${Math.round(-age)} ms ahead > ttl ${ttlMs} ms; clocks out of sync?)`
  return null
}
