/**
 * JSON Schemas of the built-in routes' responses, published under `components.schemas` of
 * the OpenAPI document. They are strict (`additionalProperties: false`), so tests that
 * validate live responses against them catch any drift between code and document.
 */
import type { JsonSchema } from './router.js'

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` })
const integer = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description })
const number = (description: string): JsonSchema => ({ type: 'number', minimum: 0, description })
const strict = (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
})
const healthStatus: JsonSchema = { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] }
const counts = (description: string): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'integer', minimum: 0 },
})

/** The schemas of the built-in routes by component name. */
export const BUILTIN_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Error: strict({
    error: strict({ code: { type: 'string', description: 'Stable error code, e.g. NotFound, BadRequest.' }, message: { type: 'string' } }),
  }),
  HealthCheck: {
    ...strict({
      name: { type: 'string' },
      actorId: { type: 'string' },
      actorType: { type: 'string' },
      handler: { type: 'string' },
      status: healthStatus,
      responseMs: { type: ['number', 'null'], description: 'Time to the reply, ms; null without one.' },
      error: { type: 'string', description: 'Why the check failed or was slow.' },
    }),
    required: ['name', 'actorId', 'actorType', 'handler', 'status', 'responseMs'],
  },
  WorkerHealth: strict({
    index: integer('Worker index.'),
    alive: { type: 'boolean' },
    actors: integer('Actors placed on the worker.'),
    queueDepth: integer('Messages waiting on the worker.'),
    restarts: integer('Times the worker was replaced.'),
    status: healthStatus,
  }),
  HealthReport: strict(
    {
      status: healthStatus,
      nodeId: { type: 'string' },
      system: { type: 'string' },
      version: { type: 'string', description: 'coerce-ts version.' },
      startedAt: { type: 'string', format: 'date-time', description: 'When this node process started.' },
      uptimeMs: number('Milliseconds since startedAt.'),
      reasons: { type: 'array', items: { type: 'string' }, description: 'Why the node is not healthy.' },
      checks: { type: 'array', items: ref('HealthCheck') },
      workers: { type: 'array', items: ref('WorkerHealth') },
    },
    'Unhealthy (HTTP 503): a check failed or timed out, a checked actor stopped, or a worker is down. Degraded (HTTP 200): a check replied slower than its threshold or a worker queue keeps growing.',
  ),
  SystemStats: strict({
    nodeId: { type: 'string' },
    system: { type: 'string' },
    actors: strict({
      total: integer('Actors alive.'),
      byType: counts('Actors alive by actor type.'),
      byThread: counts('Actors by thread: `main` or the worker index.'),
    }),
    inFlightAsks: integer('Asks awaiting a reply.'),
    messagesPerSecond: strict(
      {
        sent: number('Messages accepted into mailboxes per second.'),
        processed: number('Messages handled per second.'),
        failed: number('Messages whose handler failed, per second.'),
        windowSeconds: number('The window the rates are averaged over.'),
      },
      'Averaged over the last sampling window.',
    ),
    deadLetters: integer('Messages that reached no actor, since start.'),
    workers: strict({ total: integer('Actor worker threads.'), alive: integer('Worker threads alive.') }),
  }),
  ActorDescription: strict({
    id: { type: 'string' },
    path: { type: 'string' },
    actorType: { type: 'string' },
    status: { type: 'string', enum: ['starting', 'running', 'restarting', 'suspended', 'stopping', 'stopped'] },
    tracked: { type: 'boolean', description: 'Named (findable by id) rather than anonymous.' },
    mailboxSize: integer('Messages waiting in its mailbox.'),
    thread: { oneOf: [{ const: 'main' }, { type: 'integer', minimum: 0 }], description: "'main' or a worker index." },
    childCount: integer('Children in total, listed or not.'),
    children: { type: 'array', items: ref('ActorDescription') },
  }),
  ActorList: strict({ nodeId: { type: 'string' }, actors: { type: 'array', items: ref('ActorDescription') } }),
}

/** A `$ref` to a component schema. */
export const schemaRef = ref
