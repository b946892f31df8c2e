/**
 * Runtime events an application can observe: dead letters (messages that reached no actor)
 * and actor failures (a handler or hook threw). Listeners run synchronously and must not throw.
 */

/** A message that could not be delivered. */
export interface DeadLetter {
  actorId: string
  actorType: string
  handler: string
  args: unknown[]
  reason: string
}

/** A handler or lifecycle hook threw. */
export interface ActorFailure {
  actorId: string
  actorType: string
  handler: string
  error: unknown
}

export interface SystemEventMap {
  deadLetter: DeadLetter
  actorFailed: ActorFailure
}

export type SystemEventListener<K extends keyof SystemEventMap> = (event: SystemEventMap[K]) => void

/** A minimal typed event hub. */
export class SystemEvents {
  private readonly listeners: { [K in keyof SystemEventMap]: Set<SystemEventListener<K>> } = {
    deadLetter: new Set(),
    actorFailed: new Set(),
  }

  on<K extends keyof SystemEventMap>(event: K, listener: SystemEventListener<K>): () => void {
    const set = this.listeners[event] as Set<SystemEventListener<K>>
    set.add(listener)
    return () => set.delete(listener)
  }

  emit<K extends keyof SystemEventMap>(event: K, payload: SystemEventMap[K]): void {
    for (const l of this.listeners[event] as Set<SystemEventListener<K>>) l(payload)
  }
}
