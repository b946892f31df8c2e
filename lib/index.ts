/**
 * coerce-ts public API. Everything an application imports comes from here.
 */
import { installExtension } from './actor/extensions.js'
import { runtimeExtension } from './runtime/extension.js'
import { httpApiExtension } from './api/extension.js'
import { persistenceExtension } from './persistence/extension.js'
import { discoveryExtension } from './cluster/discovery/extension.js'
import { poolExtension } from './runtime/pool/extension.js'
import { clusterExtension } from './cluster/extension.js'
import { singletonExtension } from './cluster/singleton/extension.js'
import { pubsubExtension } from './cluster/pubsub/extension.js'
import { shardingExtension } from './sharding/extension.js'

// lib/actor imports nothing above it: the higher layers plug in here, explicitly and in order.
installExtension(runtimeExtension)
installExtension(httpApiExtension)
installExtension(persistenceExtension)
installExtension(discoveryExtension)
installExtension(poolExtension)
installExtension(clusterExtension)
installExtension(singletonExtension)
// After the cluster: a clustered system has joined before its pub/sub mediator announces anything.
installExtension(pubsubExtension)
// After the singleton and pub/sub it builds on.
installExtension(shardingExtension)

export { Actor } from './actor/actor.js'
export type { Sharding } from './sharding/extension.js'
export type { ShardRegionApi as ShardRegion } from './sharding/region.js'
export type { ShardingOptions, PassivationOptions } from './sharding/options.js'
export { leastShardsAllocation, type ShardAllocationStrategy, type AllocationRegion } from './sharding/allocation.js'
export { shardOf } from './sharding/hash.js'
export type { RebalanceResult, CoordinatorStatus, HandoffStatus } from './sharding/coordinator.js'
export type { RegionStats } from './sharding/region-agent.js'
export type { ShardingTypeReport, ShardingTypesReport } from './sharding/http.js'
export { ActorContext } from './actor/context.js'
export { ActorRef } from './actor/ref.js'
export { ActorSystem, type SpawnOptions } from './actor/system.js'
export type { ActorSystemOptions } from './actor/options.js'
export { ActorRefError, ActorErrorCode, isActorRefError, type ActorErrorDetails } from './actor/errors.js'
export { registerErrorClass, type ErrorClass } from './actor/error-registry.js'
export { installExtension, type Extension, type OptionField, type HttpApiStarter } from './actor/extensions.js'
export { sameNode, sameActor, nodeKey, type NodeAddress, type ActorAddress } from './actor/address.js'
export {
  Supervision,
  type SupervisionStrategy,
  type Directive,
  type Decider,
  type FailureInfo,
  type BackoffOptions,
} from './actor/supervision.js'
export type { Terminated, TerminationReason } from './actor/terminated.js'
export { Timer } from './actor/timer.js'
export type { ActorDescription, ActorStatus, DescribeOptions } from './actor/describe.js'
export type { MetricsSnapshot, ActorTypeMetrics, HandlerMetrics, HistogramSnapshot } from './actor/metrics.js'
export { LATENCY_BUCKETS_S } from './actor/metrics.js'
export type { DeadLetter, ActorFailure, SystemEventMap } from './actor/events.js'
export type { HandlerName, HandlerArgs, HandlerResult, AskOptions, AskArgs, ActorClass, ActorArgs } from './actor/types.js'
export type { OwnedResource } from './actor/cell.js'
export { consoleLogger, type Logger, type LogLevel } from './util/logger.js'
export type { RuntimeStatus, ThreadStatus } from './actor/runtime-api.js'
export type { NodeApp, NodeAppContext, NodeAppHandle } from './cli/node-app.js'
export { registerActors } from './runtime/actor-modules.js'
export type { Placement, PlacementPolicy } from './runtime/placement.js'
export { PoolRef, type PoolStats, type ScatterGatherOptions, type GatherMode, type GatherResult } from './runtime/pool/pool-ref.js'
export type { PoolOptions, RoutingStrategy, ResizerOptions, HashKey, HashKeyFn, PoolMessage } from './runtime/pool/options.js'
export {
  StaticDiscovery,
  DnsDiscovery,
  KubernetesDiscovery,
  DiscoveryError,
  DiscoveryErrorCode,
  isDiscoveryError,
  peerKey,
  peerAddress,
  diffPeers,
  sortPeers,
  type Peer,
  type Discovery,
  type DiscoveryChange,
  type StopWatch,
  type WatchHandlers,
  type DiscoveryErrorDetails,
  type RetryOptions,
  type StaticDiscoveryOptions,
  type DnsDiscoveryOptions,
  type KubernetesDiscoveryOptions,
  type AddressMode,
  type DiscoveryReport,
  type SkippedPod,
} from './cluster/discovery/index.js'
export { ClusterError, ClusterErrorCode } from './cluster/errors.js'
export type { ClusterOptions } from './cluster/options.js'
export { ClusterView, type ClusterMember, type ClusterEventMap, type ClusterEventName, type MemberStatus } from './cluster/view.js'
export type { FailureDetectorOptions } from './cluster/failure-detector.js'
export { DEFAULT_SINGLETON_BUFFER, type SingletonOptions } from './cluster/singleton/options.js'
export type { SingletonReport, SingletonState } from './cluster/singleton/manager.js'
export type { ClusterSingletonsReport } from './cluster/singleton/http.js'
export { PubSub, type ActorSubscribeOptions, type HandlerFor } from './cluster/pubsub/pubsub.js'
export type { PubSubStats } from './cluster/pubsub/node.js'
export {
  defineTopic,
  clusterTopic,
  CLUSTER_TOPIC_NAME,
  DEFAULT_BUFFER_SIZE,
  type Topic,
  type TopicLike,
  type SubscribeOptions,
  type PublishOptions,
  type OverflowPolicy,
  type Subscription,
  type ClusterTopicEvent,
} from './cluster/pubsub/types.js'
export { LOG_LEVELS, actorLogger, isLogLevel, type HandlerSource } from './util/logger.js'
export {
  metricCollectors,
  MetricCollectors,
  type MetricCollector,
  type MetricFamily,
  type MetricSample,
  type HistogramSample,
  type MetricLabels,
} from './util/metric-collectors.js'
export type { HttpApiOptions } from './actor/options.js'
export type { HttpApiHandle } from './actor/system.js'
export { startHttpApi, HttpApi } from './api/server.js'
export type { HttpApiServerOptions } from './api/options.js'
export { ApiError, ApiErrorCode, isApiError } from './api/errors.js'
export {
  healthChecks,
  HealthChecks,
  DEFAULT_HEALTH_SLOW_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  type HealthStatus,
  type HealthCheckOptions,
  type HealthCheckResult,
} from './api/health.js'
export { httpRoutes } from './api/routes/index.js'
export { Router, type Route, type RouteResult, type RouteResponse, type ApiRequest, type HttpMethod, type JsonSchema, type RouteMatch } from './api/router.js'
export type { QueryParam, QueryValues } from './api/query.js'
export type { ApiContext, QueueHealthSettings } from './api/context.js'
export type { RuntimeStatusSource, WorkerStatus, RingStatus } from './api/runtime-status.js'
export { runtimeStatusSource } from './api/runtime-status.js'
export type { MessageRates, MessageTotals } from './api/sampler.js'

export { PersistentActor } from './persistence/persistent-actor.js'
export type { PersistenceQueries, EventQueryOptions, StoredEvent } from './persistence/queries.js'
export type { PersistentActorOptions } from './persistence/settings.js'
export type { RecoveryInfo } from './persistence/journal.js'
export type { AttemptFailure } from './persistence/retry.js'
export { PersistenceError, PersistenceErrorCode, isPersistenceError, type PersistenceErrorDetails } from './persistence/errors.js'
export { isJournalStorage, type JournalStorage, type JournalEntry } from './persistence/storage.js'
export { msgpackCodec, type Codec } from './persistence/codec.js'
export { MemoryJournalStorage } from './persistence/providers/memory.js'
export type { RedisJournalStorage, RedisJournalOptions } from './persistence/providers/redis.js'
export type { SqlJournalStorage, SqlLayout } from './persistence/providers/sql.js'
export { SQL_SCHEMA_VERSION, type MigrationResult, type SqlTables } from './persistence/providers/sql-schema.js'
export { createRedisJournalStorage, createSqlJournalStorage, migrateJournalSchema, type SqlJournalOptions } from './persistence/registry.js'
export type {
  PersistenceOptions,
  StorageConfig,
  MemoryStorageConfig,
  RedisStorageConfig,
  RedisConnectionOptions,
  RedisReconnectOptions,
  SqlConnectionOptions,
  SqlStorageConfig,
  PostgresStorageConfig,
  MysqlStorageConfig,
  RetryPolicy,
  RecoveryPolicy,
  PersistPolicy,
} from './persistence/options.js'
