/**
 * Per-actor-type persistence settings (the static `persistence` field of a `PersistentActor`
 * subclass): declared event and snapshot types, codecs, and overrides of the system's storage
 * and policies. Validated once per class; merged with the system's options at each start.
 */
import { defaultEventType, msgpackCodec, TypeRegistry, type Codec } from './codec.js'
import {
  DEFAULT_PERSIST_ATTEMPTS,
  DEFAULT_RECOVERY_ATTEMPTS,
  resolvePolicy,
  resolveStorage,
  type PersistPolicy,
  type RecoveryPolicy,
  type ResolvedPersistenceOptions,
  type ResolvedPersistPolicy,
  type ResolvedRecoveryPolicy,
  type StorageConfig,
} from './options.js'
import type { JournalStorage } from './storage.js'

/**
 * Persistence settings of one actor type, declared as a static field:
 *
 * @example
 * class Account extends PersistentActor<Balance, AccountEvent> {
 *   static override persistence: PersistentActorOptions<AccountEvent, Balance> = {
 *     events: ['Deposited', 'Withdrawn'],
 *     snapshot: { type: 'Balance' },
 *     persist: { kind: 'returnError' },
 *   }
 * }
 */
export interface PersistentActorOptions<Event = unknown, State = unknown> {
  /** Overrides the system's storage for this type. */
  storage?: JournalStorage | StorageConfig
  /** Overrides the system's recovery policy for this type. */
  recovery?: RecoveryPolicy
  /** Overrides the system's persist policy for this type. */
  persist?: PersistPolicy
  /**
   * The event types this actor stores: names (default codec) or a map from name to a codec
   * (`true`: default codec). Declared types are a closed set: persisting another type is refused,
   * and recovery meets an unknown type as an error (or skips it, with `skipUnknownTypes`).
   * Undeclared: any type name is accepted with the default codec.
   */
  events?: readonly string[] | { readonly [type: string]: Codec<Event> | true }
  /** The type name an event is stored under. Default: its string `type` field, else its class name. */
  eventType?(event: Event): string
  /** The type name (default `snapshot`) and codec (default msgpackr) of snapshots. */
  snapshot?: { type?: string; codec?: Codec<State> }
  /** Pass over stored entries of unknown types during recovery (logged) instead of failing. Default false. */
  skipUnknownTypes?: boolean
  /** Take a snapshot after every this many events (0: never). Default 0. */
  snapshotEvery?: number
}

/** @internal A class's settings, validated. */
export interface ClassSettings {
  storage: JournalStorage | StorageConfig | undefined
  recovery: ResolvedRecoveryPolicy | undefined
  persist: ResolvedPersistPolicy | undefined
  types: TypeRegistry
  snapshotEvery: number
}

/** @internal What one actor runs with: its class settings over the system's. */
export interface ActorSettings {
  storage: JournalStorage | StorageConfig | null
  recovery: ResolvedRecoveryPolicy
  persist: ResolvedPersistPolicy
  recoveryBatchSize: number
  types: TypeRegistry
  snapshotEvery: number
}

const cache = new WeakMap<object, ClassSettings | TypeError>()

const isCodec = (v: unknown): v is Codec =>
  v !== null && typeof v === 'object' && typeof (v as Codec).encode === 'function' && typeof (v as Codec).decode === 'function'

/** @internal Validates a class's static settings; throws one TypeError naming every bad field. */
export function classSettings(type: { readonly name: string }, declared: PersistentActorOptions | undefined): ClassSettings {
  const cached = cache.get(type)
  if (cached instanceof TypeError) throw cached
  if (cached !== undefined) return cached
  const resolved = resolveClass(type.name, declared ?? {})
  cache.set(type, resolved)
  if (resolved instanceof TypeError) throw resolved
  return resolved
}

function resolveClass(name: string, o: PersistentActorOptions): ClassSettings | TypeError {
  const problems: string[] = []
  if (o === null || typeof o !== 'object') return new TypeError(`invalid persistence settings of ${name}: persistence must be an object`)
  const storage = o.storage === undefined ? undefined : resolveStorage(o.storage, 'persistence.storage', problems)
  const recovery = o.recovery === undefined ? undefined : resolvePolicy(o.recovery, 'persistence.recovery', ['retry', 'stop'], DEFAULT_RECOVERY_ATTEMPTS, problems)
  const persist = o.persist === undefined ? undefined : resolvePolicy(o.persist, 'persistence.persist', ['retry', 'stop', 'returnError'], DEFAULT_PERSIST_ATTEMPTS, problems)
  let events: Map<string, Codec> | null = null
  if (o.events !== undefined) {
    events = new Map()
    if (Array.isArray(o.events)) {
      for (const t of o.events as unknown[]) {
        if (typeof t === 'string' && t.length > 0) events.set(t, msgpackCodec)
        else problems.push(`persistence.events must hold non-empty strings (got ${JSON.stringify(t)})`)
      }
    } else if (o.events !== null && typeof o.events === 'object') {
      for (const [t, c] of Object.entries(o.events)) {
        if (c === true) events.set(t, msgpackCodec)
        else if (isCodec(c)) events.set(t, c)
        else problems.push(`persistence.events.${t} must be a codec ({ encode, decode }) or true`)
      }
    } else {
      problems.push('persistence.events must be an array of type names or an object of codecs')
    }
  }
  if (o.eventType !== undefined && typeof o.eventType !== 'function') problems.push('persistence.eventType must be a function')
  const snap = o.snapshot
  if (snap !== undefined) {
    if (snap === null || typeof snap !== 'object') problems.push('persistence.snapshot must be an object')
    else {
      if (snap.type !== undefined && (typeof snap.type !== 'string' || snap.type.length === 0)) problems.push('persistence.snapshot.type must be a non-empty string')
      if (snap.codec !== undefined && !isCodec(snap.codec)) problems.push('persistence.snapshot.codec must be a codec ({ encode, decode })')
    }
  }
  if (o.skipUnknownTypes !== undefined && typeof o.skipUnknownTypes !== 'boolean') problems.push('persistence.skipUnknownTypes must be a boolean')
  const every = o.snapshotEvery
  if (every !== undefined && !(Number.isInteger(every) && every >= 0)) problems.push(`persistence.snapshotEvery must be an integer >= 0 (got ${String(every)})`)
  if (problems.length > 0) return new TypeError(`invalid persistence settings of ${name}: ${problems.join('; ')}`)
  const eventType = o.eventType
  return {
    storage,
    recovery: recovery as ResolvedRecoveryPolicy | undefined,
    persist,
    snapshotEvery: every ?? 0,
    types: new TypeRegistry({
      events,
      eventType: eventType === undefined ? defaultEventType : (e) => eventType.call(o, e),
      snapshotType: snap?.type ?? 'snapshot',
      snapshotCodec: snap?.codec ?? msgpackCodec,
      skipUnknownTypes: o.skipUnknownTypes ?? false,
    }),
  }
}

/** @internal The class's settings over the system's. */
export function actorSettings(cls: ClassSettings, system: ResolvedPersistenceOptions): ActorSettings {
  return {
    storage: cls.storage ?? system.storage,
    recovery: cls.recovery ?? system.recovery,
    persist: cls.persist ?? system.persist,
    recoveryBatchSize: system.recoveryBatchSize,
    types: cls.types,
    snapshotEvery: cls.snapshotEvery,
  }
}
