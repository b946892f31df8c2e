/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of every route in the table.
 */
import { openApiDocument } from '../openapi.js'
import type { Route } from '../router.js'
import { runtimeVersion } from '../version.js'

export const openApiRoute: Route = {
  method: 'GET',
  path: '/openapi.json',
  operationId: 'getOpenApi',
  summary: 'This document',
  tags: ['system'],
  responses: { 200: { description: 'The OpenAPI document.', schema: { type: 'object' } } },
  handle(_req, ctx) {
    return {
      body: openApiDocument(ctx.router, {
        title: 'coerce-ts node API',
        version: runtimeVersion(),
        description: `Diagnostics of actor system '${ctx.system.name}', node ${ctx.system.nodeId}.`,
      }),
    }
  },
}
