/**
 * Topics: rare data the main thread publishes to every worker over the control channel
 * (`MainWorkers.broadcast`), delivered on each worker to the handler registered for the topic.
 * Modules of the runtime layer (pools) subscribe here instead of adding a control message each.
 * Refs travel in topic data as addresses: the handler rebuilds them with the resolver of the
 * system that received the data (its router's `resolveRef`), never a thread-global one.
 */
import type { RefResolver } from './transport/codec.js'

type TopicHandler = (data: unknown, resolveRef: RefResolver) => void

const handlers = new Map<string, TopicHandler>()

/** @internal Registers the handler of `topic` on this thread (one per topic; a later one replaces it). */
export function onTopic(topic: string, handler: TopicHandler): void {
  handlers.set(topic, handler)
}

/**
 * @internal Hands `data` to the handler of `topic` on this thread, with the receiving system's
 * ref resolver; unknown topics are ignored.
 */
export function deliverTopic(topic: string, data: unknown, resolveRef: RefResolver): void {
  handlers.get(topic)?.(data, resolveRef)
}
