/**
 * Remembered entities of one shard: a journal of entity starts and stops in the system's
 * persistence storage (`$sharding:<type>:<shard>`), with a snapshot of the live set every
 * {@link SNAPSHOT_EVERY} events. The node that hosts the shard next reads it and starts them.
 * Writes go one at a time per shard, in order.
 */
import { PersistenceError } from '../persistence/errors.js'
import type { JournalEntry, JournalStorage } from '../persistence/storage.js'

/** Events between snapshots of the live set. */
export const SNAPSHOT_EVERY = 500

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class RememberedEntities {
  private sequence = 0
  private readonly live = new Set<string>()
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly storage: JournalStorage,
    readonly persistenceId: string,
  ) {}

  /** Reads the journal: the entities that were started and not stopped. */
  async load(): Promise<ReadonlySet<string>> {
    this.live.clear()
    const snapshot = await this.storage.readLatestSnapshot(this.persistenceId)
    let from = 1
    if (snapshot !== undefined) {
      for (const id of JSON.parse(decoder.decode(snapshot.bytes)) as string[]) this.live.add(id)
      from = snapshot.sequence + 1
    }
    for (const e of await this.storage.readEvents(this.persistenceId, from)) this.applyEntry(e)
    this.sequence = await this.storage.readHighestSequence(this.persistenceId)
    return this.live
  }

  /** True when `entityId` is remembered as started. */
  has(entityId: string): boolean {
    return this.live.has(entityId)
  }

  /** Records a start; resolves once stored. */
  started(entityId: string): Promise<void> {
    if (this.live.has(entityId)) return this.chain
    this.live.add(entityId)
    return this.append('started', entityId)
  }

  /** Records a stop (passivation, or the entity stopped itself); resolves once stored. */
  stopped(entityId: string): Promise<void> {
    if (!this.live.delete(entityId)) return this.chain
    return this.append('stopped', entityId)
  }

  /** Resolves when every write so far is stored. */
  flush(): Promise<void> {
    return this.chain.catch(() => {})
  }

  private append(type: 'started' | 'stopped', entityId: string): Promise<void> {
    const write = this.chain.catch(() => {}).then(() => this.write(type, entityId))
    this.chain = write
    return write
  }

  private async write(type: 'started' | 'stopped', entityId: string): Promise<void> {
    const entry = (sequence: number): JournalEntry => ({ sequence, type, bytes: encoder.encode(entityId) })
    try {
      await this.storage.writeEvents(this.persistenceId, this.sequence, [entry(this.sequence + 1)])
    } catch (e) {
      // Another writer (this shard's previous host, still finishing) moved the sequence: retry once on top of it.
      if (!(e instanceof PersistenceError) || e.code !== 'Conflict') throw e
      this.sequence = await this.storage.readHighestSequence(this.persistenceId)
      await this.storage.writeEvents(this.persistenceId, this.sequence, [entry(this.sequence + 1)])
    }
    this.sequence++
    if (this.sequence % SNAPSHOT_EVERY === 0) {
      await this.storage.writeSnapshot(this.persistenceId, { sequence: this.sequence, type: 'entities', bytes: encoder.encode(JSON.stringify([...this.live])) })
      await this.storage.deleteEventsTo(this.persistenceId, this.sequence)
    }
  }

  private applyEntry(e: JournalEntry): void {
    const id = decoder.decode(e.bytes)
    if (e.type === 'started') this.live.add(id)
    else if (e.type === 'stopped') this.live.delete(id)
  }
}
