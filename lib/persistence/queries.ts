/**
 * Event queries for read models and projections: `system.persistence.events(id, options)` reads
 * one journal in sequence order as an async iterator, bounded or live. Live queries follow new
 * events as they are written: woken by the storage where it can tell (in-memory, PostgreSQL
 * LISTEN/NOTIFY), by polling at a bounded interval everywhere (the safety net for lost wakes).
 * Installed onto `ActorSystem` through the system-extension point, so lib/actor imports nothing
 * from here.
 */
import type { ActorSystem } from '../actor/system.js'
import { msgpackCodec, type TypeRegistry } from './codec.js'
import { errorText, isPersistenceError, PersistenceError } from './errors.js'
import { acquireStorage } from './registry.js'
import { actorSettings, classSettings, type PersistentActorOptions } from './settings.js'
import { checkPersistenceId, type JournalEntry } from './storage.js'

/** One stored event, as an event query yields it. */
export interface StoredEvent<Event = unknown> {
  readonly persistenceId: string
  readonly sequence: number
  /** The type name it was stored under. */
  readonly type: string
  /** The decoded event. */
  readonly event: Event
  /** When the storage stored it; undefined for entries older than the provider's timestamps. */
  readonly writtenAt: Date | undefined
}

/** Options of {@link PersistenceQueries.events}. */
export interface EventQueryOptions {
  /** First sequence to yield. Default 1 (from the first event still stored). */
  from?: number
  /** Last sequence to yield, inclusive. Default: no end. */
  to?: number
  /**
   * Keep following: after the stored events, wait for new ones and yield them as they are
   * written, in order, without gaps or duplicates, until `to`, `signal`, `return()` (a `break`
   * out of `for await`) or the system's shutdown. Default false: end after the stored events.
   */
  live?: boolean
  /**
   * The persistent actor class that writes this journal: its declared event codecs decode the
   * events and its storage override is read. Default: the system's storage, the default codec.
   */
  actor?: { readonly name: string; readonly persistence?: PersistentActorOptions }
  /** Live queries look for new events at least this often, ms. Default 250; at most 60 000. */
  pollIntervalMs?: number
  /** Events read per storage call. Default: the system's `recoveryBatchSize` (1000). */
  batchSize?: number
  /** Ends the query (the iterator finishes, it does not throw). */
  signal?: AbortSignal
}

export const DEFAULT_QUERY_POLL_INTERVAL_MS = 250
export const MAX_QUERY_POLL_INTERVAL_MS = 60_000

/** Queries over the journals of one actor system: `system.persistence`. */
export interface PersistenceQueries {
  /**
   * The events of `persistenceId` in sequence order, decoded. Storage failures reject the
   * iterator's `next()` with a {@link PersistenceError} (`StorageFailed`); a live query instead
   * logs them and tries again at its poll interval. Bad options reject with `InvalidArgument`.
   *
   * @example
   * for await (const { sequence, event } of system.persistence.events('alice', { from: 1, live: true, signal })) {
   *   await projectBalance(sequence, event)
   * }
   */
  events<Event = unknown>(persistenceId: string, options?: EventQueryOptions): AsyncIterableIterator<StoredEvent<Event>>
}

declare module '../actor/system.js' {
  interface ActorSystem {
    /** Event queries over this system's journals (read models, projections). */
    readonly persistence: PersistenceQueries
  }
}

/** `system.persistence` (installed with the persistence extension). */
export function persistenceQueries(system: ActorSystem): PersistenceQueries {
  return { events: <Event>(persistenceId: string, options: EventQueryOptions = {}) => query<Event>(system, persistenceId, options) }
}

function invalid(persistenceId: string, message: string): PersistenceError {
  return new PersistenceError('InvalidArgument', message, { persistenceId })
}

async function* query<Event>(system: ActorSystem, persistenceId: string, o: EventQueryOptions): AsyncGenerator<StoredEvent<Event>> {
  checkPersistenceId(persistenceId)
  const from = o.from ?? 1
  const to = o.to ?? Infinity
  const poll = o.pollIntervalMs ?? DEFAULT_QUERY_POLL_INTERVAL_MS
  const systemOptions = system.options.persistence
  const batch = o.batchSize ?? systemOptions.recoveryBatchSize
  if (!(Number.isSafeInteger(from) && from >= 0)) throw invalid(persistenceId, `from must be an integer >= 0 (got ${String(from)})`)
  if (!((Number.isSafeInteger(to) && to >= 0) || to === Infinity)) throw invalid(persistenceId, `to must be an integer >= 0 (got ${String(to)})`)
  if (!(typeof poll === 'number' && poll > 0 && poll <= MAX_QUERY_POLL_INTERVAL_MS)) {
    throw invalid(persistenceId, `pollIntervalMs must be a number in (0, ${MAX_QUERY_POLL_INTERVAL_MS}] (got ${String(poll)})`)
  }
  if (!(Number.isSafeInteger(batch) && batch > 0)) throw invalid(persistenceId, `batchSize must be a positive integer (got ${String(batch)})`)
  let types: TypeRegistry | null = null
  let spec = systemOptions.storage
  if (o.actor !== undefined) {
    const settings = actorSettings(classSettings(o.actor, o.actor.persistence), systemOptions)
    types = settings.types
    spec = settings.storage
  }
  const logger = system.options.logger
  const lease = await acquireStorage(system, spec, logger)
  const storage = lease.storage
  const live = o.live === true
  const signal = o.signal
  // Wakes from the storage; `woken` keeps one that came while we were reading.
  let woken = false
  let wake: (() => void) | null = null
  const onWake = (): void => {
    woken = true
    wake?.()
  }
  const unwatch = live && storage.watch !== undefined ? storage.watch(persistenceId, onWake) : null
  signal?.addEventListener('abort', onWake)
  const ended = (): boolean => signal?.aborted === true || system.isShutdown
  let failing = false
  try {
    let next = from
    while (next <= to && !ended()) {
      woken = false
      let page: JournalEntry[]
      try {
        page = await storage.readEvents(persistenceId, next, to, batch)
        if (failing) logger.info({ persistenceId }, 'event query reads again')
        failing = false
      } catch (e) {
        const err = isPersistenceError(e) ? e : new PersistenceError('StorageFailed', `reading events from ${next} failed: ${errorText(e)}`, { persistenceId, cause: e })
        if (!live || err.code !== 'StorageFailed') throw err
        if (!failing) logger.warn({ persistenceId, err }, 'event query failed to read; trying again')
        failing = true
        page = []
      }
      for (const entry of page) {
        // Pages are in order from `next`; a page never goes back, so nothing is yielded twice.
        if (entry.sequence < next) continue
        next = entry.sequence + 1
        const event = decode(persistenceId, entry, types)
        if (event === SKIP) continue
        yield { persistenceId, sequence: entry.sequence, type: entry.type, event: event as Event, writtenAt: entry.writtenAt === undefined ? undefined : new Date(entry.writtenAt) }
        if (ended()) return
      }
      if (page.length === batch) continue
      if (!live) return
      if (!woken && !ended()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, poll)
          function done(): void {
            clearTimeout(timer)
            wake = null
            resolve()
          }
          wake = done
        })
      }
    }
  } finally {
    signal?.removeEventListener('abort', onWake)
    unwatch?.()
    lease.release()
  }
}

const SKIP = Symbol('skip')

function decode(persistenceId: string, e: JournalEntry, types: TypeRegistry | null): unknown {
  if (types === null) {
    try {
      return msgpackCodec.decode(e.bytes)
    } catch (err) {
      throw new PersistenceError('Codec', `decoding event '${e.type}' failed: ${errorText(err)}`, { persistenceId, sequence: e.sequence, cause: err })
    }
  }
  const codec = types.codecFor(e.type)
  if (codec === undefined) {
    if (types.settings.skipUnknownTypes) return SKIP
    throw new PersistenceError('UnknownType', `event type '${e.type}' is not declared in persistence.events of the query's actor`, { persistenceId, sequence: e.sequence })
  }
  return types.decodeEvent(persistenceId, e.sequence, e.type, e.bytes, codec)
}
