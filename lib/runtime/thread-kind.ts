/**
 * What a thread of the mesh is for. Actor threads host actors and may spin briefly before they
 * sleep. The network thread (remoting, to come) hosts no actors, moves frames between rings and
 * sockets by header, and must never block its event loop: it never spins.
 */
export type ThreadKind = 'actor' | 'network'

/** How long a thread of `kind` spins before it sleeps (µs): never for the network thread. */
export function spinMicrosFor(kind: ThreadKind, configured: number): number {
  return kind === 'network' ? 0 : configured
}
