/**
 * `GET /system/stats`: actor counts by type and thread, asks in flight, message rates and
 * dead letters, all from in-memory counters.
 */
import { messageTotals } from '../sampler.js'
import type { Route } from '../router.js'
import { schemaRef } from '../schemas.js'

export const statsRoute: Route = {
  method: 'GET',
  path: '/system/stats',
  operationId: 'getSystemStats',
  summary: 'Actor counts, asks in flight and message rates',
  tags: ['system'],
  responses: { 200: { description: 'Counters of this node.', schema: schemaRef('SystemStats') } },
  handle(_req, ctx) {
    const metrics = ctx.system.metrics()
    const workers = ctx.runtime.workers()
    const byType: Record<string, number> = {}
    let total = 0
    for (const t of metrics.actorTypes) {
      if (t.alive === 0) continue
      byType[t.actorType] = t.alive
      total += t.alive
    }
    const byThread: Record<string, number> = { main: ctx.runtime.mainThreadActors() }
    for (const w of workers) byThread[String(w.index)] = w.actors
    return {
      body: {
        nodeId: ctx.system.nodeId,
        system: ctx.system.name,
        actors: { total, byType, byThread },
        inFlightAsks: ctx.runtime.inFlightAsks(),
        messagesPerSecond: ctx.sampler.rates(messageTotals(metrics)),
        deadLetters: metrics.deadLetters,
        workers: { total: workers.length, alive: workers.filter((w) => w.alive).length },
      },
    }
  },
}
