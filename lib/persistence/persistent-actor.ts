/**
 * `PersistentActor<State, Event>`: an event-sourced actor. Its state is rebuilt before the first
 * message from the latest snapshot and the events after it; handlers change it only through
 * `persist` / `persistAll`, which store events and then apply them.
 */
import { Actor } from '../actor/actor.js'
import { isPersistenceError, PersistenceError, type PersistenceErrorCode } from './errors.js'
import { Journal, type RecoveryInfo } from './journal.js'
import { acquireStorage } from './registry.js'
import type { AttemptFailure } from './retry.js'
import { actorSettings, classSettings, type ActorSettings, type PersistentActorOptions } from './settings.js'

/**
 * Methods of this class and the hooks subclasses implement. They are for the actor itself,
 * never messages: they are taken out of the handler set so no ask or tell can reach them.
 */
const NOT_HANDLERS = [
  'persist',
  'persistAll',
  'snapshot',
  'deleteEventsTo',
  'deleteAll',
  'initialState',
  'applyEvent',
  'beforeRecovery',
  'recovered',
  'recoveryFailed',
] as const

const checkedClasses = new WeakSet<object>()

/**
 * The highest sequence each actor saw stored, kept per actor context: the context outlives the
 * instances a supervised restart replaces, so the restarted incarnation can tell a journal that
 * lost data (`JournalRegressed`) from one that is merely short. Gone with the actor.
 */
const highWater = new WeakMap<object, number>()

/** Failures after which the `stop` persist policy stops the actor (not caller mistakes). */
const STOPPING_CODES: ReadonlySet<PersistenceErrorCode> = new Set(['StorageFailed', 'Conflict', 'PersistFailed'])

/** Failures after which the actor stops whatever its persist policy: going on would hand out used sequences. */
const ALWAYS_STOPPING_CODES: ReadonlySet<PersistenceErrorCode> = new Set(['JournalRegressed'])

/**
 * An event-sourced actor.
 *
 * - Recovery runs in `started()`, before the first message: the latest snapshot, then every
 *   event after it in order, through {@link PersistentActor.applyEvent}. Messages sent meanwhile
 *   wait in the mailbox. A supervised restart recovers again. Put start-up logic in
 *   {@link PersistentActor.recovered}: this class owns `started()`, and a subclass that defines
 *   `started()` fails to spawn.
 * - `persist` / `persistAll` store events (the batch atomically), then apply them to `state`.
 *   Sequence numbers start at 1, never repeat, and survive restarts.
 * - Another incarnation writing to the same persistence id makes writes fail with `Conflict`.
 * - A journal found below a sequence this actor already saw stored (the storage lost data)
 *   fails with `JournalRegressed`: a persist stops the actor, and a restarted incarnation
 *   fails its recovery rather than start over from the shortened journal.
 * - Failures follow the policies of `static persistence` or the system's `persistence` option.
 *
 * @example
 * type Event = { type: 'Deposited'; amount: number }
 * class Account extends PersistentActor<number, Event> {
 *   static override persistence: PersistentActorOptions<Event, number> = { events: ['Deposited'] }
 *   protected override initialState(): number { return 0 }
 *   protected override applyEvent(balance: number, e: Event): number { return balance + e.amount }
 *   async deposit(amount: number): Promise<number> {
 *     await this.persist({ type: 'Deposited', amount })
 *     return this.state
 *   }
 * }
 */
export abstract class PersistentActor<State, Event = unknown> extends Actor {
  /** Per-type settings: declared types, codecs, storage and policy overrides. */
  static persistence?: PersistentActorOptions<unknown, unknown>

  /** The journal methods and recovery hooks are for the actor itself, never messages. */
  static override internalMethods: readonly string[] = NOT_HANDLERS

  /** The current state: rebuilt by recovery, then changed by each persisted event. */
  protected state!: State
  #journal: Journal | null = null
  #settings: ActorSettings | null = null

  constructor() {
    super()
    const type = new.target
    if (!checkedClasses.has(type)) {
      if (type.prototype.started !== PersistentActor.prototype.started) {
        throw new TypeError(`${type.name} defines started(), but a PersistentActor recovers there: put start-up logic in recovered()`)
      }
      checkedClasses.add(type)
    }
  }

  /** The journal's key. Default: the actor id. Override with a getter to choose another. */
  get persistenceId(): string {
    return this.ctx.id
  }

  /** The sequence of the last stored event (0 before the first). */
  get lastSequence(): number {
    return this.#journal?.lastSequence ?? 0
  }

  /** The state before any event. */
  protected abstract initialState(): State

  /**
   * Applies one event to the state and returns the new state (returning the same object after
   * changing it is fine). Runs during recovery and after each persist, so it must not fail for
   * an event that was stored, and must not persist or send.
   */
  protected abstract applyEvent(state: State, event: Event): State

  /** Called before recovery starts. */
  protected beforeRecovery?(): void | Promise<void>

  /** Called once recovery succeeded, before the first message: the place for start-up logic. */
  protected recovered?(info: RecoveryInfo): void | Promise<void>

  /** Called after each failed recovery attempt; `attempt.willRetry` says whether another follows. */
  protected recoveryFailed?(error: PersistenceError, attempt: AttemptFailure): void | Promise<void>

  /** @internal Recovery. Not to be overridden: use `beforeRecovery` and `recovered`. */
  override async started(): Promise<void> {
    const type = this.constructor as typeof PersistentActor
    const settings = actorSettings(classSettings(type, type.persistence), this.ctx.system.options.persistence)
    const persistenceId = this.persistenceId
    if (typeof persistenceId !== 'string' || persistenceId.length === 0) {
      throw new PersistenceError('InvalidArgument', `persistenceId of ${type.name} must be a non-empty string (got ${JSON.stringify(persistenceId)})`)
    }
    const lease = await acquireStorage(this.ctx.system, settings.storage, this.ctx.system.options.logger)
    const journal = new Journal({
      persistenceId,
      storage: lease.storage,
      types: settings.types,
      recovery: settings.recovery,
      persist: settings.persist,
      recoveryBatchSize: settings.recoveryBatchSize,
      logger: this.ctx.log,
      seen: highWater.get(this.ctx) ?? 0,
      aborted: () => this.ctx.system.isShutdown || this.ctx.stopRequested,
      apply: (events) => {
        for (const e of events) this.state = this.applyEvent(this.state, e as Event)
      },
    })
    // Bound to the actor's life: released on stop, on restart and when the start fails.
    this.ctx.own({
      stop: () => {
        highWater.set(this.ctx, Math.max(highWater.get(this.ctx) ?? 0, journal.lastSequence))
        journal.close()
        lease.release()
      },
    })
    await this.beforeRecovery?.()
    const { state, info } = await journal.recover<State>(
      { initial: () => this.initialState(), apply: (s, e) => this.applyEvent(s, e as Event) },
      (error, attempt) => this.recoveryFailed?.(error, attempt),
    )
    this.state = state
    this.#journal = journal
    this.#settings = settings
    await this.recovered?.(info)
  }

  /**
   * Stores `event` after the last sequence, then applies it to `state`. Resolves with its
   * sequence number. Rejects with a {@link PersistenceError}: `Conflict` (another writer),
   * `StorageFailed` (policies `stop`, `returnError`), `PersistFailed` (retries spent),
   * `InvalidArgument` (undeclared type), `Codec`. Under the `stop` policy a storage failure or
   * conflict also stops the actor after the current message.
   */
  protected persist(event: Event): Promise<number> {
    return this.persistAll([event])
  }

  /** Stores `events` atomically (all or none), then applies them in order. Resolves with the last sequence. */
  protected async persistAll(events: readonly Event[]): Promise<number> {
    const journal = this.#require('persist')
    const settings = this.#settings as ActorSettings
    if (events.length === 0) return journal.lastSequence
    let sequence: number
    try {
      sequence = await journal.write(events)
    } catch (e) {
      if (isPersistenceError(e) && ALWAYS_STOPPING_CODES.has(e.code)) {
        this.ctx.log.error({ persistenceId: journal.persistenceId, err: e }, 'the journal lost data; stopping the actor')
        this.ctx.stop(e)
      } else if (settings.persist.kind === 'stop' && isPersistenceError(e) && STOPPING_CODES.has(e.code)) {
        this.ctx.log.warn({ persistenceId: journal.persistenceId, err: e }, 'persist failed; stopping the actor (persist policy stop)')
        this.ctx.stop(e)
      }
      throw e
    }
    const every = settings.snapshotEvery
    if (every > 0 && journal.lastSequence - journal.snapshotSequence >= every) {
      try {
        await journal.snapshot(this.state)
      } catch (e) {
        // The events are stored; a missing snapshot only makes the next recovery longer.
        this.ctx.log.warn({ persistenceId: journal.persistenceId, err: e }, 'automatic snapshot failed')
      }
    }
    return sequence
  }

  /**
   * Stores `state` (default: the current state) as the snapshot at the last sequence; recovery
   * then starts from it. Resolves with that sequence. Retried like persists, never stops the actor.
   */
  protected async snapshot(state: State = this.state): Promise<number> {
    return this.#require('snapshot').snapshot(state)
  }

  /**
   * Deletes stored events up to `sequence`, inclusive. Only events a snapshot covers can be
   * deleted (`InvalidArgument` otherwise), so recovery still rebuilds the same state.
   */
  protected async deleteEventsTo(sequence: number): Promise<void> {
    return this.#require('deleteEventsTo').deleteEventsTo(sequence)
  }

  /**
   * Deletes every stored event and snapshot and resets `state` to `initialState()`. Sequence
   * numbers go on from the last one; a later recovery starts from the events after this call.
   */
  protected async deleteAll(): Promise<void> {
    await this.#require('deleteAll').deleteAll()
    this.state = this.initialState()
  }

  #require(what: string): Journal {
    const journal = this.#journal
    if (journal === null) {
      throw new PersistenceError('InvalidArgument', `${what}() called before recovery completed`, { persistenceId: this.persistenceId })
    }
    return journal
  }
}
