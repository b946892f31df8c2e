/**
 * The route table of the HTTP API. A route carries its handler and its own documentation
 * (summary, query parameters, response schemas), so the OpenAPI document is generated from the
 * same table that serves requests. Modules add routes (cluster, sharding, an application's own)
 * with `router.add`, before or after the server starts.
 */
import { ApiError } from './errors.js'
import type { ApiContext } from './context.js'
import type { QueryParam, QueryValues } from './query.js'

/** A JSON Schema (2020-12, as used by OpenAPI 3.1) as a plain object. */
export type JsonSchema = { readonly [keyword: string]: unknown }

/** HTTP methods a route can answer. Request bodies are not read: routes take path and query. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** What a route handler receives. */
export interface ApiRequest {
  method: HttpMethod
  /** The path without the query string, e.g. `/actors`. */
  path: string
  /** Values of the `:name` segments of the route's path, URL-decoded. */
  params: Readonly<Record<string, string>>
  /** Declared query parameters, parsed and validated. */
  query: QueryValues
  /** Aborted when the client goes away before the answer is sent. */
  signal: AbortSignal
}

/** What a route handler returns: a JSON body, or text with its content type. */
export type RouteResult =
  | { status?: number; body: unknown; headers?: Readonly<Record<string, string>> }
  | { status?: number; text: string; contentType: string; headers?: Readonly<Record<string, string>> }

/** The documentation of one response of a route. */
export interface RouteResponse {
  description: string
  /** Schema of a JSON body; for text bodies give `contentType` instead. */
  schema?: JsonSchema
  contentType?: string
}

/** One route: how it is matched, documented and answered. */
export interface Route {
  method: HttpMethod
  /** `/segment/:param/...`; `:param` matches one non-empty segment. */
  path: string
  /** Unique id of the operation in the OpenAPI document. */
  operationId: string
  summary: string
  description?: string
  /** OpenAPI tags grouping routes (`system`, `actors`, `cluster`, ...). */
  tags?: readonly string[]
  /** Descriptions of the `:param` segments, by name. */
  params?: Readonly<Record<string, string>>
  query?: readonly QueryParam[]
  /** Responses by HTTP status. */
  responses: Readonly<Record<number, RouteResponse>>
  /** Answers a request. Throw `ApiError` for client errors; anything else becomes a 500. */
  handle(request: ApiRequest, ctx: ApiContext): RouteResult | Promise<RouteResult>
}

/** The outcome of matching a request against the table. */
export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrongMethod'; allowed: HttpMethod[] }
  | { kind: 'none' }

interface Entry {
  route: Route
  segments: string[]
}

const SEGMENT = /^(?::[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~-]+)$/

/** A table of routes matched by method and path segments. */
export class Router {
  private readonly entries: Entry[] = []
  private readonly schemaMap = new Map<string, JsonSchema>()

  /**
   * Adds a named schema to the OpenAPI document's `components.schemas`, for routes to refer to
   * as `{ $ref: '#/components/schemas/<name>' }`. Throws `ApiError` `AlreadyExists` when the
   * name is taken by another schema.
   */
  defineSchema(name: string, schema: JsonSchema): this {
    const existing = this.schemaMap.get(name)
    if (existing !== undefined && existing !== schema) {
      throw new ApiError('AlreadyExists', `a schema named '${name}' is already defined`)
    }
    this.schemaMap.set(name, schema)
    return this
  }

  /** The named schemas. */
  schemas(): Record<string, JsonSchema> {
    return Object.fromEntries(this.schemaMap)
  }

  /**
   * Adds a route. Throws `ApiError` `InvalidArgument` for a malformed path or missing handler,
   * and `AlreadyExists` when the method and path, or the operation id, are taken.
   */
  add(route: Route): this {
    const segments = splitPath(route.path)
    if (!route.path.startsWith('/') || segments.some((s) => !SEGMENT.test(s))) {
      throw new ApiError('InvalidArgument', `route path '${route.path}' must be '/' followed by segments or ':params'`)
    }
    if (typeof route.handle !== 'function') throw new ApiError('InvalidArgument', `route ${route.path} has no handle()`)
    const shape = shapeOf(segments)
    for (const e of this.entries) {
      if (e.route.method === route.method && shapeOf(e.segments) === shape) {
        throw new ApiError('AlreadyExists', `a route ${route.method} ${e.route.path} is already registered`)
      }
      if (e.route.operationId === route.operationId) {
        throw new ApiError('AlreadyExists', `operationId '${route.operationId}' is already used by ${e.route.path}`)
      }
    }
    this.entries.push({ route, segments })
    return this
  }

  /** The routes in the order they were added. */
  routes(): Route[] {
    return this.entries.map((e) => e.route)
  }

  /**
   * Finds the route for `method` and `path`. Literal segments win over parameters regardless
   * of order, so `/actors/stats` is not taken by `/actors/:id`. HEAD matches GET routes.
   * Throws `ApiError` `BadRequest` when a parameter segment is not valid percent-encoding.
   */
  match(method: string, path: string): RouteMatch {
    const parts = splitPath(path)
    const want = method === 'HEAD' ? 'GET' : method
    let best: { entry: Entry; score: number } | null = null
    const allowed = new Set<HttpMethod>()
    for (const e of this.entries) {
      const score = scoreMatch(e.segments, parts)
      if (score < 0) continue
      if (e.route.method !== want) {
        allowed.add(e.route.method)
        continue
      }
      if (best === null || score > best.score) best = { entry: e, score }
    }
    if (best === null) return allowed.size > 0 ? { kind: 'wrongMethod', allowed: [...allowed] } : { kind: 'none' }
    const params: Record<string, string> = {}
    best.entry.segments.forEach((s, i) => {
      if (s.startsWith(':')) params[s.slice(1)] = decodeSegment(parts[i] as string)
    })
    return { kind: 'found', route: best.entry.route, params }
  }
}

/** Path segments without empty ones, so `/actors/` and `/actors` are the same path. */
function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0)
}

function shapeOf(segments: string[]): string {
  return segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/')
}

/** -1 when no match; otherwise the number of literal segments matched. */
function scoreMatch(pattern: string[], parts: string[]): number {
  if (pattern.length !== parts.length) return -1
  let score = 0
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string
    if (p.startsWith(':')) continue
    if (p !== parts[i]) return -1
    score++
  }
  return score
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    throw new ApiError('BadRequest', `path segment ${JSON.stringify(s)} is not valid percent-encoding`)
  }
}
