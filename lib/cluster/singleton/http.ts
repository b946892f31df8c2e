/**
 * `GET /cluster/singletons` and its schema, added through the API's route table (as
 * lib/cluster/http.ts adds `/cluster/nodes`): the singletons this node manages, where each
 * instance runs as this node knows it, and this node's state for it.
 */
import type { ActorSystem } from '../../actor/system.js'
import { httpRoutes } from '../../api/routes/index.js'
import type { JsonSchema, Route } from '../../api/router.js'
import type { SingletonReport, SingletonState } from './manager.js'

/** What `GET /cluster/singletons` answers. */
export interface ClusterSingletonsReport {
  singletons: SingletonReport[]
}

const STATES: readonly SingletonState[] = ['running', 'starting', 'stopping', 'waiting', 'located', 'locating', 'stopped']

/** The schemas `GET /cluster/singletons` refers to, by component name. */
export const SINGLETON_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ClusterSingleton: {
    type: 'object',
    description: 'One cluster singleton as this node sees it.',
    properties: {
      name: { type: 'string', description: 'The name given to `system.singleton()`.' },
      actorType: { type: 'string', description: "The instance's actor type." },
      node: { type: ['string', 'null'], description: 'Where the instance runs as this node knows it (`id#incarnation`); null while unknown (buffering).' },
      state: {
        type: 'string',
        enum: [...STATES],
        description:
          'running/starting/stopping: the instance is on this node; waiting: this node is the oldest but the previous holder is not confirmed gone; located: messages go to the instance on `node`; locating: messages are buffered; stopped: this node left.',
      },
      buffered: { type: 'integer', minimum: 0, description: 'Messages this node holds for it while there is no instance.' },
    },
    required: ['name', 'actorType', 'node', 'state', 'buffered'],
    additionalProperties: false,
  },
  ClusterSingletons: {
    type: 'object',
    properties: { singletons: { type: 'array', items: { $ref: '#/components/schemas/ClusterSingleton' }, description: 'By name.' } },
    required: ['singletons'],
    additionalProperties: false,
  },
}

/** `GET /cluster/singletons`, answered from `reports`. */
export function clusterSingletonsRoute(reports: () => SingletonReport[]): Route {
  return {
    method: 'GET',
    path: '/cluster/singletons',
    operationId: 'listClusterSingletons',
    summary: 'Cluster singletons',
    description: 'The singletons this node manages (`system.singleton()`), with the node each instance runs on as this node knows it.',
    tags: ['cluster'],
    responses: { 200: { description: 'The singletons.', schema: { $ref: '#/components/schemas/ClusterSingletons' } } },
    handle() {
      const body: ClusterSingletonsReport = { singletons: reports().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) }
      return { body }
    },
  }
}

/** Adds the route and its schemas to `system`'s route table (once per system, at start). */
export function registerSingletonHttp(system: ActorSystem, reports: () => SingletonReport[]): void {
  const router = httpRoutes(system)
  for (const [name, schema] of Object.entries(SINGLETON_SCHEMAS)) router.defineSchema(name, schema)
  router.add(clusterSingletonsRoute(reports))
}
