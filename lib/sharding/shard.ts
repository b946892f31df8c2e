/**
 * `LocalShard`: one shard hosted by this node's region. It starts an entity on its first
 * message (remembering it first when the type remembers entities), holds messages for an
 * entity while it starts or stops, passivates entities (stop after what is already in their
 * mailboxes, `STOP_WHEN_DONE`) and hands the whole shard off: every entity stopped, its
 * `stopped()` done, remembered-entity writes stored, before the region confirms.
 */
import { STOP_WHEN_DONE } from '../actor/actor.js'
import type { ActorRef } from '../actor/ref.js'
import type { TerminationListener } from '../actor/target.js'
import type { MessageTarget } from '../actor/target.js'
import { MessageBuffer } from '../cluster/message-buffer.js'
import type { RememberedEntities } from './remember.js'
import type { ShardRegion } from './region.js'

/** Why an entity is stopping: passivation (idle, too many, or it stopped itself) or a handoff. */
type StopReason = 'passivate' | 'handoff'

/** One entity of the shard. */
export interface EntityRecord {
  readonly id: string
  readonly shard: LocalShard
  state: 'starting' | 'active' | 'stopping'
  ref: ActorRef | null
  /** Messages held while the entity starts or stops. */
  buffer: MessageBuffer | null
  stopReason: StopReason | null
  /** The region's clock at the last message (passivation). */
  lastUsed: number
}

export class LocalShard {
  readonly entities = new Map<string, EntityRecord>()
  state: 'starting' | 'active' | 'handingOff' = 'starting'
  /** The handoff under way: what its callers wait for, and what settles it. */
  private handoff: { done: Promise<void>; drained: () => void } | null = null

  constructor(
    private readonly region: ShardRegion,
    readonly shard: number,
    private readonly remembered: RememberedEntities | null,
  ) {}

  /** Reads the remembered entities (if any) and starts them. */
  async start(): Promise<void> {
    if (this.remembered !== null) {
      const ids = await this.remembered.load()
      for (const id of ids) if (!this.entities.has(id)) this.startEntity(id)
    }
    if (this.state === 'starting') this.state = 'active'
  }

  /** Where a message for `entityId` goes now: the entity, or its buffer while it starts or stops. */
  targetFor(entityId: string): MessageTarget | MessageBuffer {
    const rec = this.entities.get(entityId) ?? this.startEntity(entityId)
    if (rec.state === 'active') {
      this.region.touch(rec)
      return (rec.ref as ActorRef).target
    }
    return rec.buffer as MessageBuffer
  }

  private startEntity(entityId: string): EntityRecord {
    const rec: EntityRecord = { id: entityId, shard: this, state: 'starting', ref: null, buffer: this.region.entityBuffer(entityId), stopReason: null, lastUsed: this.region.clock }
    this.entities.set(entityId, rec)
    this.region.entityAdded(rec)
    void this.spawn(rec)
    return rec
  }

  private async spawn(rec: EntityRecord): Promise<void> {
    let ref: ActorRef
    try {
      if (this.remembered !== null) await this.remembered.started(rec.id)
      ref = await this.region.spawnEntity(rec.id)
    } catch (e) {
      this.region.log.error({ entityType: this.region.typeName, entityId: rec.id, shard: this.shard, err: e }, 'sharding: entity failed to start')
      this.entities.delete(rec.id)
      this.region.entityRemoved(rec)
      const held = rec.buffer as MessageBuffer
      rec.buffer = null
      held.releaseTo(() => {
        throw e
      })
      this.checkDrained()
      return
    }
    rec.ref = ref
    rec.state = 'active'
    this.region.entityActivated(rec)
    const listener: TerminationListener = { onTargetTerminated: () => this.onEntityStopped(rec) }
    ref.target.addWatcher(listener)
    const held = rec.buffer as MessageBuffer
    rec.buffer = null
    held.releaseTo(() => ref.target)
    // A handoff that began while it started: stop it now, after what was just released to it.
    if (this.state === 'handingOff') this.stopEntity(rec, 'handoff')
  }

  /** Stops `rec` after the messages already sent to it; new ones wait in its buffer. */
  stopEntity(rec: EntityRecord, reason: StopReason): void {
    if (rec.state !== 'active') return
    rec.state = 'stopping'
    rec.stopReason = reason
    rec.buffer = this.region.entityBuffer(rec.id)
    ;(rec.ref as ActorRef).target.send(STOP_WHEN_DONE, [], undefined).catch(() => {
      // Already stopping or gone: its termination notice follows.
    })
  }

  private onEntityStopped(rec: EntityRecord): void {
    if (this.entities.get(rec.id) !== rec) return
    this.entities.delete(rec.id)
    this.region.entityRemoved(rec)
    // A handed-off entity stays remembered (it starts again where the shard goes); any other stop forgets it.
    if (rec.stopReason !== 'handoff' && this.remembered !== null) {
      this.remembered.stopped(rec.id).catch((e: unknown) => this.region.log.error({ entityType: this.region.typeName, entityId: rec.id, err: e }, 'sharding: could not record an entity stop'))
    }
    this.region.stoppedEntity(rec)
    const held = rec.buffer
    rec.buffer = null
    if (held !== null && held.length > 0) {
      // Messages came while it stopped: start it again here, or send them on with the shard.
      if (this.state === 'handingOff') this.region.rerouteHeld(held)
      else held.releaseTo(() => this.targetFor(rec.id))
    }
    this.checkDrained()
  }

  /**
   * Stops every entity and stores pending remembered-entity writes; resolves when all are done,
   * or when the handoff is rolled back ({@link LocalShard.resume}). A second call while one is
   * under way joins it.
   */
  handOff(): Promise<void> {
    if (this.handoff !== null) return this.handoff.done
    this.state = 'handingOff'
    let drained!: () => void
    const done = new Promise<void>((resolve) => (drained = resolve)).then(() => this.remembered?.flush())
    this.handoff = { done, drained }
    for (const rec of this.entities.values()) this.stopEntity(rec, 'handoff')
    this.checkDrained()
    return done
  }

  /** A handoff that was rolled back: the shard stays; stopped entities come back on their next message. */
  resume(): void {
    if (this.state === 'handingOff') this.state = 'active'
    this.endHandoff()
  }

  private checkDrained(): void {
    if (this.entities.size === 0) this.endHandoff()
  }

  /** Settles the handoff under way, if any (drained, or rolled back: its caller reads `state`). */
  private endHandoff(): void {
    const h = this.handoff
    this.handoff = null
    h?.drained()
  }
}
