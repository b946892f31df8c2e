/**
 * The actor tree as data: what `system.describe()` returns and the HTTP API serves.
 */

/** Limits of a describe walk. */
export interface DescribeOptions {
  /** Levels of children to include below each top-level actor. Default 8. */
  maxDepth?: number
  /** Children listed per actor; the rest are only counted. Default 64. */
  maxChildren?: number
}

/** Lifecycle status of an actor. */
export type ActorStatus = 'starting' | 'running' | 'restarting' | 'suspended' | 'stopping' | 'stopped'

/** One actor in the tree. */
export interface ActorDescription {
  id: string
  path: string
  actorType: string
  status: ActorStatus
  /** Named (findable by id) rather than anonymous. */
  tracked: boolean
  /** Messages waiting in its mailbox. */
  mailboxSize: number
  /** Where it runs: 'main' or a worker index. */
  thread: 'main' | number
  /** How many children it has in total, listed or not. */
  childCount: number
  children: ActorDescription[]
}

export const DEFAULT_DESCRIBE: Required<DescribeOptions> = { maxDepth: 8, maxChildren: 64 }

/** @internal Fills defaults and validates. */
export function resolveDescribeOptions(o: DescribeOptions = {}): Required<DescribeOptions> {
  const r = { ...DEFAULT_DESCRIBE, ...o }
  for (const key of ['maxDepth', 'maxChildren'] as const) {
    const v = r[key]
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`describe option ${key} must be an integer >= 0 (got ${String(v)})`)
  }
  return r
}
