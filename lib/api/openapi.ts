/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table: every route with
 * its path and query parameters, responses and schemas. Routes added later (cluster,
 * sharding, an application's) appear without further work.
 */
import type { QueryParam } from './query.js'
import type { JsonSchema, Route, RouteResponse, Router } from './router.js'

/** Title and version of the document's `info`. */
export interface OpenApiInfo {
  title: string
  version: string
  description?: string
}

const ERROR_REF = { $ref: '#/components/schemas/Error' }

/** The OpenAPI document describing `router`'s routes. */
export function openApiDocument(router: Router, info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of router.routes()) {
    const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')
    const item = (paths[path] ??= {})
    item[route.method.toLowerCase()] = operation(route)
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: { schemas: router.schemas() },
  }
}

function operation(route: Route): Record<string, unknown> {
  const pathParams = route.path
    .split('/')
    .filter((s) => s.startsWith(':'))
    .map((s) => ({
      name: s.slice(1),
      in: 'path',
      required: true,
      description: route.params?.[s.slice(1)] ?? s.slice(1),
      schema: { type: 'string' },
    }))
  const parameters = [...pathParams, ...(route.query ?? []).map(queryParameter)]
  const responses: Record<string, unknown> = {}
  for (const [status, r] of Object.entries(route.responses)) responses[status] = response(r)
  if (parameters.length > 0 && responses['400'] === undefined) {
    responses['400'] = response({ description: 'A parameter is malformed or out of range.', schema: ERROR_REF })
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.tags === undefined ? {} : { tags: [...route.tags] }),
    ...(parameters.length === 0 ? {} : { parameters }),
    responses,
  }
}

function queryParameter(p: QueryParam): Record<string, unknown> {
  const schema: Record<string, unknown> = { type: p.type }
  if (p.minimum !== undefined) schema['minimum'] = p.minimum
  if (p.maximum !== undefined) schema['maximum'] = p.maximum
  if (p.enum !== undefined) schema['enum'] = [...p.enum]
  if (p.default !== undefined) schema['default'] = p.default
  return { name: p.name, in: 'query', required: false, description: p.description, schema }
}

function response(r: RouteResponse): Record<string, unknown> {
  const type = r.contentType ?? 'application/json'
  const schema: JsonSchema = r.schema ?? (type === 'application/json' ? {} : { type: 'string' })
  return { description: r.description, content: { [type]: { schema } } }
}
