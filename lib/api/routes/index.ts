/**
 * The route table of each actor system: the built-in routes, plus whatever other modules and
 * applications add. Cluster and sharding routes slot in here with `httpRoutes(system).add()`
 * (the cluster extension adds `GET /cluster/nodes`, lib/cluster/http.ts).
 */
import type { ActorSystem } from '../../actor/system.js'
import { perOwner } from '../../util/per-owner.js'
import { Router } from '../router.js'
import { BUILTIN_SCHEMAS } from '../schemas.js'
import { actorsRoute } from './actors.js'
import { healthRoute } from './health.js'
import { metricsRoute } from './metrics.js'
import { openApiRoute } from './openapi.js'
import { statsRoute } from './stats.js'

/**
 * The route table served by `system`'s HTTP API, created with the built-in routes on first
 * use. Routes added here are served at once, also by an API already running, and appear in
 * `/openapi.json`.
 *
 * @example
 * httpRoutes(system).add({
 *   method: 'GET', path: '/orders/pending', operationId: 'listPendingOrders', summary: 'Orders awaiting payment',
 *   tags: ['orders'], responses: { 200: { description: 'The orders.' } },
 *   handle: () => ({ body: { orders: pending.list() } }),
 * })
 */
export const httpRoutes: (system: ActorSystem) => Router = perOwner(() => {
  const r = new Router()
  for (const [name, schema] of Object.entries(BUILTIN_SCHEMAS)) r.defineSchema(name, schema)
  for (const route of [healthRoute, statsRoute, actorsRoute, metricsRoute, openApiRoute]) r.add(route)
  return r
})
