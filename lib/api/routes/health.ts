/**
 * `GET /health`: the node's health for probes and operators. 200 when healthy or degraded,
 * 503 when unhealthy, so a Kubernetes probe can use it as is.
 */
import { assessHealth } from '../health.js'
import type { Route } from '../router.js'
import { schemaRef } from '../schemas.js'
import { runtimeVersion } from '../version.js'

export const healthRoute: Route = {
  method: 'GET',
  path: '/health',
  operationId: 'getHealth',
  summary: 'Health of this node',
  description:
    'Asks every registered health-checked actor (concurrently, each with its timeout) and looks at the worker threads. ' +
    'Unhealthy (503) when a check fails or times out, a checked actor is stopped, a worker is down or the system is shut down; ' +
    'degraded (200) when a check is slower than its threshold or a worker queue keeps growing.',
  tags: ['system'],
  responses: {
    200: { description: 'Healthy or degraded.', schema: schemaRef('HealthReport') },
    503: { description: 'Unhealthy.', schema: schemaRef('HealthReport') },
  },
  async handle(_req, ctx) {
    const checks = await ctx.health.run()
    const workers = ctx.runtime.workers()
    const verdict = assessHealth(checks, workers, ctx.sampler.growingQueues(ctx.queues.growthSamples, ctx.queues.depthFloor))
    if (ctx.system.isShutdown) {
      verdict.status = 'unhealthy'
      verdict.reasons.unshift('the actor system is shut down')
    }
    const now = Date.now()
    return {
      status: verdict.status === 'unhealthy' ? 503 : 200,
      body: {
        status: verdict.status,
        nodeId: ctx.system.nodeId,
        system: ctx.system.name,
        version: runtimeVersion(),
        startedAt: new Date(ctx.startedAt).toISOString(),
        uptimeMs: Math.max(0, Math.round(now - ctx.startedAt)),
        reasons: verdict.reasons,
        checks,
        workers: verdict.workers,
      },
    }
  },
}
