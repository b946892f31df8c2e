/**
 * `GET /sharding/types` and `GET /sharding/types/:type`, added through the API's route table:
 * each entity type with its shards by node (from the coordinator), entities, held messages and
 * handoffs per node (from each region), and handoffs under way.
 */
import { nodeKey } from '../actor/address.js'
import type { ActorSystem } from '../actor/system.js'
import { ApiError } from '../api/errors.js'
import { httpRoutes } from '../api/routes/index.js'
import type { JsonSchema, Route } from '../api/router.js'
import type { CoordinatorStatus } from './coordinator.js'
import { regionEndpoint, type RegionStats } from './region-agent.js'
import type { ShardRegion } from './region.js'

/** One entity type as `GET /sharding/types/:type` shows it. */
export interface ShardingTypeReport {
  entityType: string
  shards: number
  /** Null when the coordinator did not answer in time. */
  coordinator: CoordinatorStatus | null
  /** Each region's figures, by node (`id#incarnation`); regions that did not answer are left out. */
  regions: Record<string, RegionStats>
  /** Entities across the regions that answered. */
  entities: number
}

/** What `GET /sharding/types` answers. */
export interface ShardingTypesReport {
  types: { entityType: string; shards: number; entities: number; hostedHere: number; nodes: number }[]
}

const TIMEOUT_MS = 2000

/** @internal The whole report of one type, asking the coordinator and every region. */
export async function typeReport(system: ActorSystem, region: ShardRegion): Promise<ShardingTypeReport> {
  const coordinator = await region.status().catch(() => null)
  const nodes = system.cluster.members().filter((m) => m.status === 'up' || m.status === 'leaving')
  const answers = await Promise.all(
    nodes.map(async (m) => {
      const target = regionEndpoint(system, m.node, region.typeName)
      if (target === null) return null
      try {
        return (await target.ask('stats', [], { timeoutMs: TIMEOUT_MS })) as RegionStats
      } catch {
        return null
      }
    }),
  )
  const regions: Record<string, RegionStats> = {}
  let entities = 0
  for (const s of answers) {
    if (s === null) continue
    regions[nodeKey(s.node)] = s
    entities += s.entities
  }
  return { entityType: region.typeName, shards: region.shards, coordinator, regions, entities }
}

const nodeSchema: JsonSchema = { type: 'object', properties: { id: { type: 'string' }, incarnation: { type: 'integer' } }, required: ['id', 'incarnation'] }

/** The schemas the routes refer to, by component name. */
export const SHARDING_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ShardingTypes: {
    type: 'object',
    properties: {
      types: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            entityType: { type: 'string' },
            shards: { type: 'integer', description: 'Shards of the type.' },
            entities: { type: 'integer', description: 'Entities across the cluster (regions that answered).' },
            hostedHere: { type: 'integer', description: 'Shards hosted on this node.' },
            nodes: { type: 'integer', description: 'Nodes hosting at least one shard.' },
          },
          required: ['entityType', 'shards', 'entities', 'hostedHere', 'nodes'],
        },
      },
    },
    required: ['types'],
  },
  ShardingType: {
    type: 'object',
    properties: {
      entityType: { type: 'string' },
      shards: { type: 'integer' },
      entities: { type: 'integer' },
      coordinator: {
        type: ['object', 'null'],
        description: "The coordinator's view: shards by node, handoffs under way, regions. Null when it did not answer.",
        properties: {
          coordinator: nodeSchema,
          ready: { type: 'boolean' },
          shardsByNode: { type: 'object', additionalProperties: { type: 'array', items: { type: 'integer' } } },
          handoffs: { type: 'array', items: { type: 'object', properties: { shard: { type: 'integer' }, from: nodeSchema, startedAt: { type: 'integer' } }, required: ['shard', 'from', 'startedAt'] } },
        },
      },
      regions: { type: 'object', description: "Each region's figures by node.", additionalProperties: { type: 'object' } },
    },
    required: ['entityType', 'shards', 'entities', 'coordinator', 'regions'],
  },
}

function typesRoute(regions: () => ShardRegion[], system: ActorSystem): Route {
  return {
    method: 'GET',
    path: '/sharding/types',
    operationId: 'listShardingTypes',
    summary: 'Sharded entity types',
    description: 'Every entity type registered with `system.sharding.register()` on this node, with cluster-wide figures.',
    tags: ['sharding'],
    responses: { 200: { description: 'The types.', schema: { $ref: '#/components/schemas/ShardingTypes' } } },
    async handle() {
      const reports = await Promise.all(regions().map((r) => typeReport(system, r)))
      const body: ShardingTypesReport = {
        types: reports.map((r) => ({
          entityType: r.entityType,
          shards: r.shards,
          entities: r.entities,
          hostedHere: r.regions[nodeKey(system.node)]?.shards ?? 0,
          nodes: Object.values(r.coordinator?.shardsByNode ?? {}).filter((s) => s.length > 0).length,
        })),
      }
      return { body }
    },
  }
}

function typeRoute(regions: () => ShardRegion[], system: ActorSystem): Route {
  return {
    method: 'GET',
    path: '/sharding/types/:type',
    operationId: 'getShardingType',
    summary: 'One sharded entity type',
    description: 'Shards by node, entity counts per node, messages held and handoffs under way for one entity type.',
    tags: ['sharding'],
    params: { type: 'The entity type name.' },
    responses: {
      200: { description: 'The type.', schema: { $ref: '#/components/schemas/ShardingType' } },
      404: { description: 'No such type registered on this node.' },
    },
    async handle(req) {
      const name = req.params['type']
      const region = regions().find((r) => r.typeName === name)
      if (region === undefined) throw new ApiError('NotFound', `no sharded type '${String(name)}' on this node`)
      return { body: await typeReport(system, region) }
    },
  }
}

/** Adds the routes and their schemas to `system`'s route table (once per system). */
export function registerShardingHttp(system: ActorSystem, regions: () => ShardRegion[]): void {
  const router = httpRoutes(system)
  for (const [name, schema] of Object.entries(SHARDING_SCHEMAS)) router.defineSchema(name, schema)
  router.add(typesRoute(regions, system))
  router.add(typeRoute(regions, system))
}
