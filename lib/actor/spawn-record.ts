/**
 * `SpawnRecord`: one spawn request from `system.spawn` / `ctx.spawn` to the thread that builds
 * the actor (what Akka calls Props). It is built and validated once (`buildSpawnRecord`, called
 * by `ActorHost.prepareSpawn`), placed once (the runtime fills in the final id), sent to another
 * thread as is (plain, structured-clone-able data once its arguments are encoded) and consumed
 * by `ActorHost.spawnLocal`. What cannot cross a thread (the class object, decoded arguments,
 * the parent's cell) travels beside it, never inside it.
 */
import type { ActorAddress } from './address.js'
import { Actor, actorTypeName, handlerNamesOf } from './actor.js'
import { ActorRefError } from './errors.js'
import { resolveStrategy, type ResolvedStrategy, type SupervisionStrategy } from './supervision.js'
import type { SpawnOptions } from './system.js'
import type { ActorClass } from './types.js'

/** How a thread that lacks a class finds it: its module and its export name. */
export interface ClassLocation {
  actorType: string
  moduleUrl: string
  exportName: string
}

/** The address of the spawning actor, as every thread sees it (a `RefAddress`). */
export interface SpawnParent extends ActorAddress {
  readonly actorType: string
  readonly path: string
}

/** Per-actor mailbox settings. */
export interface MailboxSettings {
  /** User-lane capacity in messages (`Infinity` allowed). */
  capacity: number
}

/** Where a spawn asks to run: the main thread, any worker, or worker number n (1-based). */
export type SpawnPlacement = 'main' | 'worker' | number

/** One validated spawn request. Plain data except `args` before they are encoded. */
export interface SpawnRecord {
  /** The class's wire name (`ActorType` in message type names). */
  actorType: string
  /** Where another thread imports the class from; null while only the spawning thread needs it. */
  location: ClassLocation | null
  /** Constructor arguments: as given on the spawning thread, msgpack-encoded once they cross one. */
  args: readonly unknown[] | Uint8Array
  /** The id under the parent: the requested one, or the anonymous one given at placement. */
  localId: string | undefined
  /** The full id (`parent/localId`); set at placement. */
  id: string | undefined
  /** True for a named actor (an id was given): found by `actorOf`, unique system-wide. */
  tracked: boolean
  /** The requested placement; undefined lets the runtime choose. */
  placement: SpawnPlacement | undefined
  supervision: ResolvedStrategy
  mailbox: MailboxSettings
  /** The spawning actor; null for a top-level actor. */
  parent: SpawnParent | null
}

/** A record after placement: its ids are final. */
export type PlacedSpawnRecord = SpawnRecord & { localId: string; id: string }

/** What a thread's defaults contribute to a record. */
export interface SpawnDefaults {
  mailboxCapacity: number
  supervision: ResolvedStrategy
  /** The settings of a mailbox of `mailboxCapacity`, shared by every record that takes the default. */
  mailbox?: MailboxSettings
}

/** The spawning actor as `buildSpawnRecord` sees it. */
export interface SpawningParent {
  readonly alive: boolean
  readonly id: string
  readonly actorType: string
  readonly childSupervision: SupervisionStrategy | undefined
  readonly address: SpawnParent
}

/** The fields of {@link SpawnOptions}; anything else is a typo. */
export const SPAWN_OPTION_KEYS: ReadonlySet<string> = new Set(['id', 'args', 'supervision', 'mailboxCapacity', 'placement', 'node'])

/**
 * Validates a spawn request and builds its record. Throws `ActorRefError` (`InvalidArgument`
 * naming the field, `Stopped` for a stopped parent).
 */
export function buildSpawnRecord(
  type: ActorClass,
  options: SpawnOptions,
  defaults: SpawnDefaults,
  parent: SpawningParent | null,
): SpawnRecord {
  if (typeof type !== 'function' || !(type.prototype instanceof Actor)) {
    throw new ActorRefError('InvalidArgument', `spawn needs a class extending Actor (got ${classNameOf(type)})`)
  }
  if (parent !== null && !parent.alive) {
    throw new ActorRefError('Stopped', 'cannot spawn a child of a stopped actor', { actorId: parent.id, actorType: parent.actorType })
  }
  const actorType = actorTypeName(type)
  // Known here from now on: tells from this thread to actors of this type on other threads
  // are checked against its handlers.
  handlerNamesOf(type)
  if (options === null || typeof options !== 'object') throw invalidSpawn(actorType, `spawn options must be an object (got ${String(options)})`)
  for (const key in options) {
    if (!SPAWN_OPTION_KEYS.has(key) && Object.prototype.hasOwnProperty.call(options, key)) throw invalidSpawn(actorType, `unknown spawn option '${key}' (known: ${[...SPAWN_OPTION_KEYS].join(', ')})`)
  }
  if (options.args !== undefined && !Array.isArray(options.args)) {
    throw invalidSpawn(actorType, `args must be an array of constructor arguments (got ${typeof options.args})`)
  }
  if ('supervision' in options && (options.supervision === null || typeof options.supervision !== 'object')) {
    throw invalidSpawn(actorType, `supervision must be a strategy object such as { directive: 'restart' } (got ${String(options.supervision)})`)
  }
  const given = options.id
  if (given !== undefined && (typeof given !== 'string' || given.length === 0 || given.includes('/'))) {
    throw invalidSpawn(actorType, `actor id must be a non-empty string without '/' (got ${JSON.stringify(given)})`)
  }
  const capacity = options.mailboxCapacity ?? defaults.mailboxCapacity
  if (!(typeof capacity === 'number' && Number.isSafeInteger(capacity) && capacity > 0)) {
    throw invalidSpawn(actorType, `mailboxCapacity must be a positive integer (got ${String(capacity)})`)
  }
  const placement = options.placement
  if (!(placement === undefined || placement === 'main' || placement === 'worker' || (typeof placement === 'number' && Number.isInteger(placement) && placement >= 1))) {
    throw invalidSpawn(actorType, `placement must be 'main', 'worker' or a worker number (got ${JSON.stringify(placement)})`)
  }
  let supervision = defaults.supervision
  const declared = options.supervision ?? parent?.childSupervision
  if (declared !== undefined) {
    try {
      supervision = resolveStrategy(declared)
    } catch (e) {
      throw invalidSpawn(actorType, (e as Error).message)
    }
  }
  return {
    actorType,
    location: null,
    args: options.args ?? NO_ARGS,
    localId: given,
    id: undefined,
    tracked: given !== undefined,
    placement,
    supervision,
    mailbox: capacity === defaults.mailboxCapacity && defaults.mailbox !== undefined ? defaults.mailbox : { capacity },
    parent: parent?.address ?? null,
  }
}

/** The record with its final ids (`anonymousId` names an actor spawned without one). */
export function placeRecord(record: SpawnRecord, anonymousId: () => string): PlacedSpawnRecord {
  const localId = record.localId ?? anonymousId()
  return { ...record, localId, id: record.parent === null ? localId : `${record.parent.id}/${localId}` }
}

/** The actor's path (`parent path/localId`). */
export function pathOf(record: PlacedSpawnRecord): string {
  return record.parent === null ? record.localId : `${record.parent.path}/${record.localId}`
}

/** True when the main thread's id directory records the actor (named, or top-level). */
export function inDirectory(record: SpawnRecord): boolean {
  return record.tracked || record.parent === null
}

/**
 * True when the directory records the actor once it is placed on `thread`: as
 * {@link inDirectory}, except an anonymous top-level actor on the main thread. No lookup finds
 * one, its id is unique by construction, and no worker loss needs to respawn it, so an entry
 * would only cost memory (about 200 bytes per idle actor) and time per spawn.
 */
export function recordedOn(record: SpawnRecord, thread: number): boolean {
  return record.tracked || (record.parent === null && thread !== 0)
}

/** The constructor arguments of a spawn without `args`: one shared empty list. */
const NO_ARGS: readonly unknown[] = Object.freeze([])

/**
 * Fails with `NotSupported` when the record cannot leave its thread: a supervision decider is
 * a function, and functions do not cross threads.
 */
export function checkTransferable(record: SpawnRecord, what: string): void {
  if (typeof record.supervision.directive === 'function') {
    throw new ActorRefError('NotSupported', `a supervision decider function cannot be sent to ${what}`, {
      ...(record.id !== undefined ? { actorId: record.id } : {}),
      actorType: record.actorType,
    })
  }
}

function classNameOf(type: unknown): string {
  return typeof type === 'function' && type.name ? type.name : String(type)
}

/**
 * A refused spawn option. A plain function, not a closure in `buildSpawnRecord`: the closure
 * alone made every spawn + stop about 0.3 us slower (measured).
 */
function invalidSpawn(actorType: string, message: string): ActorRefError {
  return new ActorRefError('InvalidArgument', message, { actorType })
}
