/**
 * `GET /actors`: the actor tree as `system.describe()` returns it, within the request's
 * depth and breadth limits (capped, so one request cannot walk an unbounded tree).
 */
import type { Route } from '../router.js'
import { schemaRef } from '../schemas.js'

/** Upper bounds of the describe limits a request may ask for. */
export const MAX_DESCRIBE_DEPTH = 64
export const MAX_DESCRIBE_CHILDREN = 10_000

export const actorsRoute: Route = {
  method: 'GET',
  path: '/actors',
  operationId: 'listActors',
  summary: 'The actor tree',
  description: 'Top-level actors and their children. Children beyond maxChildren are only counted (childCount).',
  tags: ['actors'],
  query: [
    { name: 'maxDepth', type: 'integer', minimum: 0, maximum: MAX_DESCRIBE_DEPTH, default: 8, description: 'Levels of children listed below each top-level actor.' },
    { name: 'maxChildren', type: 'integer', minimum: 0, maximum: MAX_DESCRIBE_CHILDREN, default: 64, description: 'Children listed per actor.' },
  ],
  responses: { 200: { description: 'The actor tree.', schema: schemaRef('ActorList') } },
  async handle(req, ctx) {
    const actors = await ctx.system.describe({ maxDepth: req.query['maxDepth'] as number, maxChildren: req.query['maxChildren'] as number })
    return { body: { nodeId: ctx.system.nodeId, actors } }
  },
}
