// The persistence contract, run against every provider: the same function drives the in-memory
// storage, Redis (a real redis-server on a free port), Redis Cluster with hash-tagged keys (a
// real one-node cluster), PostgreSQL and MariaDB (the local servers in a fresh schema/database,
// or throwaway servers). Storage semantics first, then persistent actors on top.
import t from 'tap'
import { Cluster } from 'ioredis'
import {
  ActorSystem,
  createRedisJournalStorage,
  createSqlJournalStorage,
  migrateJournalSchema,
  type SqlStorageConfig,
  isPersistenceError,
  MemoryJournalStorage,
  PersistenceError,
  type JournalStorage,
  type StorageConfig,
} from '../../lib/index.js'
import { startRedis } from '../helpers/redis-server.js'
import { startPostgres } from '../helpers/postgres-server.js'
import { startMariadb } from '../helpers/mariadb-server.js'
import { Account, entry, FaultyStorage, gate, until, type AccountEvent } from './fixtures.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

interface Provider {
  name: string
  /** A fresh storage the test owns (closed by the caller). */
  storage(): Promise<JournalStorage>
  /** What an actor system is configured with: a plain config where the provider has one. */
  systemStorage(): Promise<JournalStorage | StorageConfig>
}

let unique = 0
const pid = (name: string): string => `${name}-${process.pid}-${++unique}`

const bytesOf = (entries: readonly { bytes: Uint8Array }[]): number[][] => entries.map((e) => [...e.bytes])

/** The storage contract every provider keeps. */
async function storageContract(t: Test, provider: Provider): Promise<void> {
  const s = await provider.storage()
  t.teardown(() => s.close())

  t.test('an unknown id is empty', async (t) => {
    const id = pid('empty')
    t.equal(await s.readHighestSequence(id), 0)
    t.same(await s.readEvents(id, 1), [])
    t.equal(await s.readLatestSnapshot(id), undefined)
    await s.deleteEventsTo(id, 10)
    await s.deleteAll(id)
    t.equal(await s.readHighestSequence(id), 0, 'deletes on an empty journal are no-ops')
  })

  t.test('writes and reads: ranges are inclusive, limits take the lowest, bytes round-trip', async (t) => {
    const id = pid('rw')
    await s.writeEvents(id, 0, [entry(1, 'A', [0, 255, 0]), entry(2, 'B'), entry(3, 'C')])
    t.equal(await s.readHighestSequence(id), 3)
    const all = await s.readEvents(id, 1)
    t.same(all.map((e) => [e.sequence, e.type]), [[1, 'A'], [2, 'B'], [3, 'C']])
    t.same([...(all[0] as { bytes: Uint8Array }).bytes], [0, 255, 0], 'binary bytes with 0x00 and 0xff survive')
    t.ok(all[0]?.bytes instanceof Uint8Array)
    t.same((await s.readEvents(id, 2, 3)).map((e) => e.sequence), [2, 3])
    t.same((await s.readEvents(id, 2, 2)).map((e) => e.sequence), [2])
    t.same((await s.readEvents(id, 1, Infinity, 2)).map((e) => e.sequence), [1, 2])
    t.same((await s.readEvents(id, 2, 3, 1)).map((e) => e.sequence), [2])
    t.same(await s.readEvents(id, 3, 2), [], 'to below from')
    t.same(await s.readEvents(id, 4), [], 'beyond the end')
    t.same(await s.readEvents(id, 0), all, 'from 0 reads everything')
  })

  t.test('a batch is atomic and must be contiguous after the expected sequence', async (t) => {
    const id = pid('batch')
    await s.writeEvents(id, 0, [entry(1)])
    await t.rejects(s.writeEvents(id, 1, [entry(2), entry(4)]), { code: 'InvalidArgument', message: /contiguous/ })
    await t.rejects(s.writeEvents(id, 1, [entry(3)]), { code: 'InvalidArgument' }, 'a gap after expected')
    await t.rejects(s.writeEvents(id, 1, []), { code: 'InvalidArgument', message: /at least one/ })
    await t.rejects(s.writeEvents(id, -1, [entry(0)]), { code: 'InvalidArgument', message: /expectedSequence/ })
    await t.rejects(s.writeEvents(id, 1, [{ sequence: 2, type: '', bytes: new Uint8Array() }]), { code: 'InvalidArgument', message: /type/ })
    await t.rejects(s.writeEvents(id, 1, [{ sequence: 2, type: 'x', bytes: 'no' as unknown as Uint8Array }]), { code: 'InvalidArgument', message: /bytes/ })
    t.equal(await s.readHighestSequence(id), 1, 'refused batches wrote nothing')
    await s.writeEvents(id, 1, [entry(2), entry(3), entry(4)])
    t.same((await s.readEvents(id, 1)).map((e) => e.sequence), [1, 2, 3, 4])
  })

  t.test('large batches are written whole and read back in pages', async (t) => {
    const id = pid('large')
    const n = 60_000
    await s.writeEvents(id, 0, Array.from({ length: n }, (_, i) => entry(i + 1, 'Big', [i & 0xff, (i >> 8) & 0xff])))
    t.equal(await s.readHighestSequence(id), n)
    const seen: number[] = []
    let pages = 0
    for (let from = 1; from <= n; pages++) {
      const page = await s.readEvents(id, from, n, 1_000)
      if (page.length === 0) break
      for (const e of page) seen.push(e.sequence)
      from = (page[page.length - 1] as { sequence: number }).sequence + 1
    }
    t.equal(pages, 60)
    t.ok(seen.length === n && seen.every((q, i) => q === i + 1), 'every sequence once, in order')
  })

  t.test('the optimistic check refuses a stale or early writer and writes nothing', async (t) => {
    const id = pid('conflict')
    await s.writeEvents(id, 0, [entry(1), entry(2)])
    const stale = await s.writeEvents(id, 1, [entry(2)]).catch((e: unknown) => e)
    t.ok(isPersistenceError(stale, 'Conflict'), 'stale writer')
    t.equal((stale as PersistenceError).persistenceId, id)
    t.match((stale as PersistenceError).message, /expected the last sequence to be 1, found 2/)
    await t.rejects(s.writeEvents(id, 5, [entry(6)]), { code: 'Conflict', message: /found 2/ }, 'a writer ahead of the journal')
    t.equal(await s.readHighestSequence(id), 2)
    t.same(bytesOf(await s.readEvents(id, 1)), bytesOf([entry(1), entry(2)]), 'stored events unchanged')
  })

  t.test('concurrent writers with the same expectation: exactly one wins', async (t) => {
    const id = pid('race')
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.writeEvents(id, 0, [entry(1, `W${i}`)])))
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    t.equal(won.length, 1)
    t.ok(lost.every((r) => isPersistenceError(r.reason, 'Conflict')))
    t.equal((await s.readEvents(id, 1)).length, 1, 'sequence 1 was stored once')
  })

  t.test('deleteEventsTo is inclusive and never lowers the highest sequence', async (t) => {
    const id = pid('delete')
    await s.writeEvents(id, 0, [1, 2, 3, 4, 5, 6].map((n) => entry(n)))
    await s.deleteEventsTo(id, 0)
    t.equal((await s.readEvents(id, 1)).length, 6, 'to 0 deletes nothing')
    await s.deleteEventsTo(id, 2)
    t.same((await s.readEvents(id, 1)).map((e) => e.sequence), [3, 4, 5, 6], 'sequence 2 itself is gone')
    await s.deleteEventsTo(id, 2)
    t.same((await s.readEvents(id, 1)).map((e) => e.sequence), [3, 4, 5, 6], 'idempotent')
    await s.deleteEventsTo(id, 100)
    t.same(await s.readEvents(id, 1), [])
    t.equal(await s.readHighestSequence(id), 6, 'numbers are not reused after deletion')
    await t.rejects(s.writeEvents(id, 0, [entry(1)]), { code: 'Conflict' })
    await s.writeEvents(id, 6, [entry(7)])
    t.same((await s.readEvents(id, 1)).map((e) => e.sequence), [7])
  })

  t.test('snapshots: the latest is kept, older ones are refused, none beyond the journal', async (t) => {
    const id = pid('snap')
    await s.writeEvents(id, 0, [1, 2, 3, 4, 5, 6].map((n) => entry(n)))
    await s.writeSnapshot(id, entry(4, 'S', [4]))
    t.same(await s.readLatestSnapshot(id), entry(4, 'S', [4]))
    await s.writeSnapshot(id, entry(6, 'S', [6]))
    t.same(await s.readLatestSnapshot(id), entry(6, 'S', [6]))
    await s.writeSnapshot(id, entry(6, 'S', [66]))
    t.same([...((await s.readLatestSnapshot(id))?.bytes ?? [])], [66], 'same sequence replaces')
    await t.rejects(s.writeSnapshot(id, entry(5, 'S')), { code: 'Conflict', message: /newer snapshot/ })
    await t.rejects(s.writeSnapshot(id, entry(7, 'S')), { code: 'InvalidArgument', message: /beyond/ })
    await s.deleteEventsTo(id, 6)
    t.same([...((await s.readLatestSnapshot(id))?.bytes ?? [])], [66], 'deleting events keeps the snapshot')
    const other = pid('snap0')
    await s.writeSnapshot(other, entry(0, 'S', [0]))
    t.equal((await s.readLatestSnapshot(other))?.sequence, 0, 'a snapshot before any event')
  })

  t.test('deleteAll removes events and snapshots but keeps the sequence', async (t) => {
    const id = pid('wipe')
    await s.writeEvents(id, 0, [entry(1), entry(2), entry(3)])
    await s.writeSnapshot(id, entry(2, 'S'))
    await s.deleteAll(id)
    t.same(await s.readEvents(id, 1), [])
    t.equal(await s.readLatestSnapshot(id), undefined)
    t.equal(await s.readHighestSequence(id), 3)
    await s.writeEvents(id, 3, [entry(4)])
    t.same((await s.readEvents(id, 1)).map((e) => e.sequence), [4])
  })

  t.test('persistence ids are independent', async (t) => {
    const a = pid('iso-a')
    const b = pid('iso-b')
    await s.writeEvents(a, 0, [entry(1, 'A'), entry(2, 'A')])
    await s.writeEvents(b, 0, [entry(1, 'B')])
    await s.deleteAll(a)
    t.same((await s.readEvents(b, 1)).map((e) => e.type), ['B'])
    t.equal(await s.readHighestSequence(b), 1)
  })

  t.test('bad arguments are InvalidArgument', async (t) => {
    await t.rejects(s.readHighestSequence(''), { code: 'InvalidArgument', message: /persistenceId/ })
    await t.rejects(s.readEvents('x', -1), { code: 'InvalidArgument', message: /fromSequence/ })
    await t.rejects(s.readEvents('x', 1, 1.5), { code: 'InvalidArgument', message: /toSequence/ })
    await t.rejects(s.readEvents('x', 1, 2, 0), { code: 'InvalidArgument', message: /limit/ })
    await t.rejects(s.deleteEventsTo('x', -2), { code: 'InvalidArgument' })
    await t.rejects(s.writeSnapshot('x', { sequence: -1, type: 'S', bytes: new Uint8Array() }), { code: 'InvalidArgument' })
  })

  t.test('a closed storage refuses every call', async (t) => {
    const own = await provider.storage()
    await own.close()
    await own.close()
    await t.rejects(own.readHighestSequence('x'), { code: 'Closed' })
    await t.rejects(own.writeEvents('x', 0, [entry(1)]), { code: 'Closed' })
  })
}

/** Persistent actors on top of the provider. */
async function actorContract(t: Test, provider: Provider): Promise<void> {
  const start = async (t: Test, storage?: JournalStorage | StorageConfig): Promise<ActorSystem> => {
    const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: storage ?? (await provider.systemStorage()) } })
    t.teardown(() => system.shutdown())
    return system
  }

  t.test('events persist, recovery after a stop rebuilds the state, sequences never repeat', async (t) => {
    const system = await start(t)
    const id = pid('acc')
    const a = await system.spawn(Account, { id })
    t.equal(await a.ask('deposit', 100), 100)
    t.equal(await a.ask('withdraw', 30), 70)
    t.equal(await a.ask('depositAll', [1, 2, 3]), 5, 'a batch resolves with its last sequence')
    const before = await a.ask('read')
    t.same(before, { balance: 76, log: [100, -30, 1, 2, 3], sequence: 5 })
    await a.stop()
    const again = await system.spawn(Account, { id })
    t.same(await again.ask('read'), before, 'state after respawn equals state before')
    t.match(await again.ask('recovery'), { persistenceId: id, sequence: 5, snapshotSequence: 0, eventsReplayed: 5, entriesSkipped: 0, attempts: 1 })
    await again.ask('deposit', 4)
    t.equal((await again.ask('read')).sequence, 6, 'the first event after recovery gets last + 1')
  })

  t.test('a failing handler restarts the actor and recovery restores the state', async (t) => {
    const system = await start(t)
    const a = await system.spawn(Account, { id: pid('restart') })
    await a.ask('deposit', 10)
    await a.ask('depositAll', [5, 5])
    const before = await a.ask('read')
    await t.rejects(a.ask('fail', 'boom'), { message: 'boom' })
    t.same(await a.ask('read'), before, 'state after the supervised restart equals state before the failure')
    t.equal((await a.ask('recovery'))?.eventsReplayed, 3, 'the new instance recovered from storage')
    t.equal(await a.ask('deposit', 1), 21)
  })

  t.test('snapshots: recovery starts from the latest and replays the events after it', async (t) => {
    const system = await start(t)
    const id = pid('snapacc')
    const a = await system.spawn(Account, { id })
    await a.ask('depositAll', [1, 2, 3])
    t.equal(await a.ask('takeSnapshot'), 3)
    await a.ask('deposit', 10)
    await a.ask('deposit', 20)
    const before = await a.ask('read')
    await a.stop()
    const again = await system.spawn(Account, { id })
    t.same(await again.ask('read'), before)
    t.match(await again.ask('recovery'), { snapshotSequence: 3, eventsReplayed: 2, sequence: 5 })
  })

  t.test('deleteEventsTo: inclusive, only what a snapshot covers, recovery unchanged', async (t) => {
    const system = await start(t)
    const id = pid('trim')
    const a = await system.spawn(Account, { id })
    await a.ask('depositAll', [1, 2, 3, 4, 5])
    await t.rejects(a.ask('trim', 2), { code: 'InvalidArgument', message: /no snapshot covers/ })
    await a.ask('takeSnapshot')
    await a.ask('deposit', 6)
    await a.ask('trim', 5)
    await t.rejects(a.ask('trim', 6), { code: 'InvalidArgument', message: /latest snapshot: 5/ })
    const before = await a.ask('read')
    await a.stop()
    const again = await system.spawn(Account, { id })
    t.same(await again.ask('read'), before)
    t.match(await again.ask('recovery'), { snapshotSequence: 5, eventsReplayed: 1 })
  })

  t.test('deleteAll resets the state; sequences go on', async (t) => {
    const system = await start(t)
    const id = pid('wipeacc')
    const a = await system.spawn(Account, { id })
    await a.ask('depositAll', [1, 2, 3])
    await a.ask('takeSnapshot')
    await a.ask('wipe')
    t.same(await a.ask('read'), { balance: 0, log: [], sequence: 3 })
    await a.ask('deposit', 7)
    t.equal((await a.ask('read')).sequence, 4)
    await a.stop()
    const again = await system.spawn(Account, { id })
    t.same(await again.ask('read'), { balance: 7, log: [7], sequence: 4 })
  })

  t.test('messages sent during recovery wait, in order, and see the recovered state', async (t) => {
    const faulty = new FaultyStorage(await provider.storage())
    t.teardown(() => faulty.close())
    const system = await start(t, faulty)
    const id = pid('queued')
    const first = await system.spawn(Account, { id })
    await first.ask('depositAll', [50, 50])
    await first.stop()

    const held = gate()
    faulty.gate = held.promise
    const spawning = system.spawn(Account, { id })
    const ref = await until(() => system.actorOf(id, Account), 'the starting actor to be registered')
    const replies: Promise<number>[] = []
    for (let i = 1; i <= 20; i++) replies.push(ref.ask('deposit', i))
    ref.tell('deposit', 1000)
    const read = ref.ask('read')
    t.equal(faulty.calls['writeEvents'], 1, 'nothing was written while recovery was held')
    faulty.gate = null
    held.open()
    await spawning
    const balances = await Promise.all(replies)
    t.same(balances, Array.from({ length: 20 }, (_, i) => 100 + ((i + 1) * (i + 2)) / 2), 'each deposit saw all earlier ones, in order')
    const state = await read
    t.equal(state.balance, 100 + 210 + 1000)
    t.same(state.log, [50, 50, ...Array.from({ length: 20 }, (_, i) => i + 1), 1000])
    t.equal(state.sequence, 23)
  })

  t.test('messages sent while a restart recovers wait too', async (t) => {
    const faulty = new FaultyStorage(await provider.storage())
    t.teardown(() => faulty.close())
    const system = await start(t, faulty)
    const a = await system.spawn(Account, { id: pid('restartq') })
    await a.ask('deposit', 5)
    const held = gate()
    faulty.gate = held.promise
    a.tell('fail', 'crash')
    const after = [a.ask('deposit', 1), a.ask('deposit', 2), a.ask('read')] as const
    const reads = faulty.calls['readHighestSequence'] ?? 0
    await until(() => (faulty.calls['readHighestSequence'] ?? 0) > reads, 'the restart to begin recovering')
    faulty.gate = null
    held.open()
    t.equal(await after[0], 6)
    t.equal(await after[1], 8)
    t.same(await after[2], { balance: 8, log: [5, 1, 2], sequence: 3 })
  })

  t.test('a second incarnation of the same id gets Conflict instead of interleaving', async (t) => {
    const shared = await provider.systemStorage()
    const nodeA = await start(t, shared)
    const nodeB = await start(t, shared)
    const id = pid('twin')
    const a = await nodeA.spawn(Account, { id })
    const b = await nodeB.spawn(Account, { id, supervision: { directive: 'resume' } })
    await a.ask('deposit', 10)
    const err = await b.ask('deposit', 99).catch((e: unknown) => e)
    t.ok(isPersistenceError(err, 'Conflict'), 'the stale writer is refused')
    t.equal((err as PersistenceError).persistenceId, id)
    t.match((err as PersistenceError).message, /another writer/)
    t.same(await b.ask('read'), { balance: 0, log: [], sequence: 0 }, 'the refused event was not applied')
    await a.ask('deposit', 1)
    await a.stop()
    await b.stop()
    const reader = await nodeA.spawn(Account, { id })
    t.same(await reader.ask('read'), { balance: 11, log: [10, 1], sequence: 2 }, 'only the first writer’s events are stored')
  })

  t.test('unknown stored types fail recovery clearly, or are skipped by option', async (t) => {
    const storage = await provider.storage()
    t.teardown(() => storage.close())
    const system = await start(t, storage)
    const id = pid('unknown')
    await storage.writeEvents(id, 0, [entry(1, 'Bogus')])
    const err = await system.spawn(Account, { id }).catch((e: unknown) => e)
    t.match(err, { code: 'StartFailed', actorId: id })
    const cause = (err as Error).cause as PersistenceError
    t.match(cause, { code: 'RecoveryFailed', persistenceId: id })
    t.match(cause.cause, { code: 'UnknownType', sequence: 1, message: /'Bogus' is not declared/ })

    class Lenient extends Account {
      static override persistence = { ...Account.persistence, skipUnknownTypes: true }
    }
    const lenient = await system.spawn(Lenient, { id })
    t.match(await lenient.ask('recovery'), { entriesSkipped: 1, eventsReplayed: 0, sequence: 1 })
    t.equal(await lenient.ask('deposit', 3), 3)
    t.equal((await lenient.ask('read')).sequence, 2)
  })
}

/** Event queries (`system.persistence.events`) on top of the provider. */
async function queryContract(t: Test, provider: Provider): Promise<void> {
  const start = async (t: Test): Promise<ActorSystem> => {
    const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage: await provider.systemStorage() } })
    t.teardown(() => system.shutdown())
    return system
  }
  const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = []
    for await (const x of it) out.push(x)
    return out
  }

  t.test('bounded queries: ranges, decoded events, write times, deleted events left out', async (t) => {
    const system = await start(t)
    const id = pid('q')
    const a = await system.spawn(Account, { id })
    const before = Date.now() - 1_000
    await a.ask('depositAll', [1, 2, 3, 4, 5])
    const all = await collect(system.persistence.events<AccountEvent>(id, { actor: Account }))
    t.same(all.map((e) => [e.sequence, e.event]), [1, 2, 3, 4, 5].map((n) => [n, { type: 'Deposited', amount: n }]))
    t.ok(all.every((e) => e.persistenceId === id && e.type === 'Deposited' && e.writtenAt instanceof Date && e.writtenAt.getTime() >= before), 'write times are recorded')
    t.same((await collect(system.persistence.events(id, { from: 2, to: 4 }))).map((e) => e.sequence), [2, 3, 4], 'default codec, inclusive range')
    t.same((await collect(system.persistence.events(id, { from: 4, batchSize: 1 }))).map((e) => e.sequence), [4, 5], 'paged')
    t.same(await collect(system.persistence.events(id, { from: 6 })), [], 'beyond the end')
    t.same(await collect(system.persistence.events(pid('none'))), [], 'an unknown id')
    await a.ask('takeSnapshot')
    await a.ask('trim', 2)
    t.same((await collect(system.persistence.events(id))).map((e) => e.sequence), [3, 4, 5], 'deleted events are gone')
    await t.rejects(collect(system.persistence.events(id, { from: -1 })), { code: 'InvalidArgument', message: /from must be/ })
    await t.rejects(collect(system.persistence.events('', {})), { code: 'InvalidArgument' })
    await t.rejects(collect(system.persistence.events(id, { live: true, pollIntervalMs: 0 })), { code: 'InvalidArgument', message: /pollIntervalMs/ })
  })

  t.test('live queries: resume from a sequence, follow concurrent writers in order without gaps or duplicates', async (t) => {
    const system = await start(t)
    const other = await start(t)
    const id = pid('live')
    const a = await system.spawn(Account, { id })
    await a.ask('depositAll', [1, 2, 3])
    const total = 3 + 40 * 5
    const options = { from: 2, to: total, live: true, pollIntervalMs: 20, actor: Account } as const
    // Two readers follow while the writer appends batches; a second incarnation on another
    // system keeps trying to write the same id and is refused (its events never show up).
    const readers = [collect(system.persistence.events<AccountEvent>(id, options)), collect(other.persistence.events<AccountEvent>(id, { ...options, batchSize: 7 }))]
    const intruder = await other.spawn(Account, { id, supervision: { directive: 'resume' } })
    let refused = 0
    for (let i = 0; i < 40; i++) {
      await a.ask('depositAll', [10, 10, 10, 10, 10])
      if (i % 10 === 0) refused += await intruder.ask('deposit', 999).then(() => 0, () => 1)
    }
    t.ok(refused >= 1, 'the second writer was refused')
    for (const events of await Promise.all(readers)) {
      t.same(events.map((e) => e.sequence), Array.from({ length: total - 1 }, (_, i) => i + 2), 'every sequence once, in order')
      t.ok(events.every((e) => e.event.amount !== 999), 'nothing of the refused writer')
    }
  })

  t.test('a live query waits for the next event, and ends on abort', async (t) => {
    const system = await start(t)
    const id = pid('wait')
    const a = await system.spawn(Account, { id })
    await a.ask('deposit', 1)
    const stop = new AbortController()
    const seen: number[] = []
    const following = (async () => {
      for await (const e of system.persistence.events(id, { live: true, pollIntervalMs: 20, signal: stop.signal })) {
        seen.push(e.sequence)
        if (e.sequence === 3) stop.abort()
      }
    })()
    await until(() => seen.length === 1, 'the stored event')
    await a.ask('deposit', 2)
    await until(() => seen.length === 2, 'the new event')
    await a.ask('deposit', 3)
    await following
    t.same(seen, [1, 2, 3])
    // break out of for-await ends it too (and releases the storage).
    for await (const e of system.persistence.events(id, { live: true, from: 2 })) {
      t.equal(e.sequence, 2)
      break
    }
  })
}

async function runContract(t: Test, provider: Provider): Promise<void> {
  t.test('storage contract', (t) => storageContract(t, provider))
  t.test('persistent actor contract', (t) => actorContract(t, provider))
  t.test('event queries', (t) => queryContract(t, provider))
}

t.test('in-memory provider', (t) =>
  runContract(t, {
    name: 'memory',
    storage: async () => new MemoryJournalStorage(),
    // One shared instance, so two systems in a test see the same journals (like two nodes).
    systemStorage: (() => {
      const shared = new MemoryJournalStorage()
      return async () => shared
    })(),
  }),
)

t.test('redis provider', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const prefix = `contract-${process.pid}:`
  await runContract(t, {
    name: 'redis',
    storage: () => createRedisJournalStorage({ url: server.url, keyPrefix: prefix }),
    systemStorage: async () => ({ kind: 'redis', url: server.url, keyPrefix: prefix }),
  })
})

t.test('redis cluster provider with hash-tagged keys', async (t) => {
  const server = await startRedis({ cluster: true })
  t.teardown(() => server.stop())
  const clients: Cluster[] = []
  t.teardown(() => clients.forEach((c) => c.disconnect()))
  const cluster = (): Cluster => {
    const c = new Cluster([{ host: '127.0.0.1', port: server.port }], { lazyConnect: true })
    clients.push(c)
    return c
  }
  const options = { keyPrefix: 'cl:', hashTags: true } as const
  await t.rejects(createRedisJournalStorage({ client: cluster() }), { name: 'TypeError', message: /hashTags: true/ })
  await runContract(t, {
    name: 'redis-cluster',
    storage: () => createRedisJournalStorage({ client: cluster(), ...options }),
    systemStorage: () => createRedisJournalStorage({ client: cluster(), ...options }),
  })
})


/** A SQL provider: tables migrated once, every storage on the same schema. */
async function sqlProvider(t: Test, config: SqlStorageConfig): Promise<void> {
  t.match(await migrateJournalSchema(config), { from: 0, to: 2 })
  await runContract(t, {
    name: config.kind,
    storage: () => createSqlJournalStorage(config),
    systemStorage: async () => config,
  })
}

t.test('postgres provider', async (t) => {
  const server = await startPostgres()
  t.teardown(() => server.stop())
  await sqlProvider(t, { kind: 'postgres', url: server.url, schema: server.schema })
})

t.test('mariadb provider', async (t) => {
  const server = await startMariadb()
  t.teardown(() => server.stop())
  await sqlProvider(t, { kind: 'mysql', url: server.url, tablePrefix: 'coerce_' })
})
