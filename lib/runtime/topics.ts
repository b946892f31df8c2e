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
/**
 * The last data of topics nobody handled yet: a module that registers its handler later (it
 * loads with the first actor that imports it) still gets the current state.
 */
const retained = new Map<string, { data: unknown; resolveRef: RefResolver }>()

/** @internal Registers the handler of `topic` on this thread (one per topic; a later one replaces it). */
export function onTopic(topic: string, handler: TopicHandler): void {
  handlers.set(topic, handler)
  const last = retained.get(topic)
  if (last !== undefined) {
    retained.delete(topic)
    handler(last.data, last.resolveRef)
  }
}

/**
 * @internal Hands `data` to the handler of `topic` on this thread, with the receiving system's
 * ref resolver; data of a topic without a handler yet is kept (the last only) for it.
 */
export function deliverTopic(topic: string, data: unknown, resolveRef: RefResolver): void {
  const handler = handlers.get(topic)
  if (handler !== undefined) handler(data, resolveRef)
  else retained.set(topic, { data, resolveRef })
}
