/**
 * The HTTP server of the diagnostics API: binds, matches requests against the system's route
 * table, validates the query, runs the route and writes JSON or text. Unknown paths answer 404,
 * wrong methods 405, bad parameters 400, failing routes 500, each with a JSON error body.
 * Routes only read snapshots and counters, so serving never holds up actor traffic.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ActorSystem, HttpApiHandle } from '../actor/system.js'
import type { Logger } from '../util/logger.js'
import { metricCollectors } from '../util/metric-collectors.js'
import type { ApiContext } from './context.js'
import { ApiError } from './errors.js'
import { healthChecks, type HealthChecks } from './health.js'
import { MetricsRegistry } from './metrics-registry.js'
import { resolveHttpApiServerOptions, type HttpApiServerOptions } from './options.js'
import { parseQuery } from './query.js'
import type { HttpMethod, Router, RouteResult } from './router.js'
import { httpRoutes } from './routes/index.js'
import { runtimeStatusSource } from './runtime-status.js'
import { messageTotals, RuntimeSampler } from './sampler.js'

/** A running HTTP API. */
export class HttpApi implements HttpApiHandle {
  readonly url: string
  readonly port: number
  readonly host: string
  private closing: Promise<void> | null = null

  /** @internal Use {@link startHttpApi}. */
  constructor(
    private readonly server: Server,
    private readonly ctx: ApiContext,
  ) {
    const address = server.address() as AddressInfo
    this.port = address.port
    this.host = address.address
    this.url = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`
  }

  /** The route table this API serves (shared by every API of the system). */
  get router(): Router {
    return this.ctx.router
  }

  /** The health checks `/health` runs (shared by every API of the system). */
  get health(): HealthChecks {
    return this.ctx.health
  }

  /** Stops listening, ends open connections and stops sampling. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.ctx.sampler.stop()
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    return this.closing
  }
}

/**
 * Starts the HTTP API of `system` and resolves once it listens. Rejects with a TypeError
 * naming every bad option and with `ApiError` `ListenFailed` when the address cannot be bound.
 * `ActorSystem.startHttpApi` calls this; call it directly to pass a runtime status source or
 * sampling settings.
 */
export async function startHttpApi(system: ActorSystem, options: HttpApiServerOptions = {}): Promise<HttpApi> {
  const o = resolveHttpApiServerOptions(options)
  const runtime = o.runtimeStatus ?? runtimeStatusSource(system)
  const sampler = new RuntimeSampler(
    () => ({ totals: messageTotals(system.metrics()), workers: runtime.workers() }),
    o.sampleIntervalMs,
    Math.max(o.rateWindowSamples, o.queueGrowthSamples),
  )
  const logger = o.logger ?? system.options.logger
  const collectors = metricCollectors(system)
  const ctx: ApiContext = {
    system,
    runtime,
    health: healthChecks(system),
    collectors,
    metrics: new MetricsRegistry({ system, runtime, collectors, logger }),
    sampler,
    router: httpRoutes(system),
    logger,
    queues: { growthSamples: o.queueGrowthSamples, depthFloor: o.queueDepthFloor },
    startedAt: performance.timeOrigin,
  }
  const server = createServer((req, res) => void serve(ctx, req, res))
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      reject(new ApiError('ListenFailed', `cannot listen on ${o.host}:${o.port}: ${e.message}`, { cause: e }))
    }
    server.once('error', onError)
    server.listen(o.port, o.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  server.on('error', (e) => ctx.logger.error({ err: e }, 'HTTP API server error'))
  server.on('clientError', answerClientError)
  sampler.start()
  const api = new HttpApi(server, ctx)
  ctx.logger.info({ url: api.url, nodeId: system.nodeId }, 'HTTP API listening')
  return api
}

/**
 * Requests that never reach a route (oversized headers, malformed HTTP) still get a JSON error
 * body like every other answer; Node's default answer has none.
 */
function answerClientError(e: Error & { code?: string }, socket: import('node:stream').Duplex): void {
  if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy()
    return
  }
  const tooLarge = e.code === 'HPE_HEADER_OVERFLOW'
  const error = tooLarge
    ? new ApiError('HeadersTooLarge', 'request headers are larger than the server accepts')
    : new ApiError('BadRequest', `malformed HTTP request (${e.code ?? e.message})`)
  const body = JSON.stringify({ error: { code: error.code, message: error.detail } })
  const reason = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

async function serve(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborted = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort()
  })
  let result: RouteResult
  try {
    result = await answer(ctx, req, aborted.signal, res)
  } catch (e) {
    const err = e instanceof ApiError ? e : internal(ctx, req, e)
    result = { status: err.status, body: { error: { code: err.code, message: err.detail } } }
  }
  if (aborted.signal.aborted) return
  const status = result.status ?? 200
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...result.headers }
  let payload: string
  if ('text' in result) {
    headers['content-type'] = result.contentType
    payload = result.text
  } else {
    headers['content-type'] = 'application/json; charset=utf-8'
    payload = JSON.stringify(result.body)
  }
  headers['content-length'] = String(Buffer.byteLength(payload))
  res.writeHead(status, headers)
  res.end(payload)
}

async function answer(ctx: ApiContext, req: IncomingMessage, signal: AbortSignal, res: ServerResponse): Promise<RouteResult> {
  // Split by hand: new URL() would read a path starting with '//' as a host.
  const target = req.url ?? '/'
  const q = target.indexOf('?')
  const path = q < 0 ? target : target.slice(0, q)
  const search = new URLSearchParams(q < 0 ? '' : target.slice(q + 1))
  const method = req.method ?? 'GET'
  const match = ctx.router.match(method, path)
  if (match.kind === 'none') throw new ApiError('NotFound', `no route for ${path}`)
  if (match.kind === 'wrongMethod') {
    res.setHeader('allow', [...match.allowed, ...(match.allowed.includes('GET') ? ['HEAD'] : [])].join(', '))
    throw new ApiError('MethodNotAllowed', `${method} is not allowed on ${path}`)
  }
  const { route, params } = match
  const query = parseQuery(search, route.query ?? [])
  return route.handle({ method: route.method as HttpMethod, path, params, query, signal }, ctx)
}

/** Logs an unexpected route failure; the client learns only that it happened. */
function internal(ctx: ApiContext, req: IncomingMessage, e: unknown): ApiError {
  const logger: Logger = ctx.logger
  logger.error({ err: e, method: req.method, url: req.url }, 'HTTP API route failed')
  return new ApiError('Internal', `${req.method ?? 'GET'} ${req.url ?? ''} failed; the node's log has the cause`, { cause: e })
}
