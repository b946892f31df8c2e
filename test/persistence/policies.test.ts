// Failure policies (recovery retry/stop, persist retry/stop/returnError), unknown-outcome writes,
// hooks, codecs and type declarations, option validation, and what a PersistentActor keeps
// out of its handler set. Failures are injected with a storage wrapper over the memory provider.
import t from 'tap'
import {
  Actor,
  ActorSystem,
  isActorRefError,
  isPersistenceError,
  MemoryJournalStorage,
  msgpackCodec,
  PersistenceError,
  PersistentActor,
  type AttemptFailure,
  type Codec,
  type JournalStorage,
  type PersistenceOptions,
  type PersistentActorOptions,
  type RecoveryInfo,
  type Terminated,
} from '../../lib/index.js'
import { backoffDelay } from '../../lib/persistence/retry.js'
import { persistenceForWorker } from '../../lib/persistence/options.js'
import { Account, entry, FaultyStorage, sleep, until, type AccountEvent, type AccountState } from './fixtures.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

const fast = { delayMs: 1, maxDelayMs: 5 }

async function start(t: Test, persistence: PersistenceOptions): Promise<ActorSystem> {
  const system = await ActorSystem.start({ logLevel: 'silent', persistence })
  t.teardown(() => system.shutdown())
  return system
}

/** Events stored for `id`, as applied amounts. */
async function stored(storage: JournalStorage, id: string): Promise<number> {
  return (await storage.readEvents(id, 1)).length
}

t.test('persist returnError: the ask rejects with StorageFailed, the actor goes on', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'returnError' } })
  const a = await system.spawn(Account, { id: 'rerr' })
  await a.ask('deposit', 10)
  storage.fail('writeEvents', 1, { message: 'disk on fire' })
  const err = await a.ask('deposit', 5).catch((e: unknown) => e)
  t.ok(isPersistenceError(err, 'StorageFailed'))
  t.match((err as Error).message, /^StorageFailed: writing events 2\.\.2 failed: disk on fire \[persistenceId 'rerr'\]$/)
  t.match((err as PersistenceError).cause, { message: 'disk on fire' })
  t.equal(storage.calls['writeEvents'], 2, 'returnError does not retry')
  t.equal(a.isAlive, true)
  t.same(await a.ask('read'), { balance: 10, log: [10], sequence: 1 }, 'the failed event was not applied')
  t.equal(await a.ask('deposit', 1), 11)
  t.equal((await a.ask('read')).sequence, 2, 'the next event takes the free sequence')
})

t.test('a write that failed after all was stored is found and applied before the next one', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'returnError' } })
  const a = await system.spawn(Account, { id: 'ghost' })
  await a.ask('deposit', 10)
  storage.fail('writeEvents', 1, { afterApplying: true, message: 'reply lost' })
  await t.rejects(a.ask('deposit', 5), { code: 'StorageFailed', message: /reply lost/ })
  t.equal(await stored(storage, 'ghost'), 2, 'the storage did keep the event')
  t.equal(await a.ask('deposit', 1), 16, 'the stored event is applied before the new one')
  t.same(await a.ask('read'), { balance: 16, log: [10, 5, 1], sequence: 3 })
  await a.stop()
  const again = await system.spawn(Account, { id: 'ghost' })
  t.same(await again.ask('read'), { balance: 16, log: [10, 5, 1], sequence: 3 }, 'memory and storage agree')
})

t.test('an uncertain write that was not stored is simply written again', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'returnError' } })
  const a = await system.spawn(Account, { id: 'lost' })
  storage.fail('writeEvents', 1)
  await t.rejects(a.ask('deposit', 5), { code: 'StorageFailed' })
  const reads = storage.calls['readHighestSequence'] ?? 0
  t.equal(await a.ask('deposit', 7), 7)
  t.equal(storage.calls['readHighestSequence'], reads + 1, 'one read settled the unknown outcome')
  t.same(await a.ask('read'), { balance: 7, log: [7], sequence: 1 })
})

t.test('persist retry: transient failures are retried with backoff and stored once', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'retry', maxAttempts: 4, ...fast } })
  const a = await system.spawn(Account, { id: 'retry' })
  storage.fail('writeEvents', 2)
  t.equal(await a.ask('deposit', 3), 3)
  t.equal(storage.calls['writeEvents'], 3)
  storage.fail('writeEvents', 1, { afterApplying: true })
  t.equal(await a.ask('deposit', 4), 7, 'a retry after an unknown outcome finds the write stored')
  t.equal(await stored(storage, 'retry'), 2, 'no duplicate event')
  t.equal(storage.calls['writeEvents'], 4, 'the retry did not write again')
})

t.test('persist retry: spent attempts reject with PersistFailed and supervision decides', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'retry', maxAttempts: 3, ...fast } })
  const a = await system.spawn(Account, { id: 'spent', supervision: { directive: 'resume' } })
  storage.fail('writeEvents', 100)
  const err = await a.ask('deposit', 1).catch((e: unknown) => e)
  t.ok(isPersistenceError(err, 'PersistFailed'))
  t.match((err as Error).message, /persisting 1 event\(s\) gave up after 3 attempt\(s\): writing events 1\.\.1 failed: injected writeEvents failure/)
  t.match((err as PersistenceError).cause, { code: 'StorageFailed' })
  t.equal(storage.calls['writeEvents'], 3)
  storage.heal()
  t.equal(await a.ask('deposit', 2), 2, 'resumed actor works once storage heals')
})

t.test('persist retry never retries a conflict', async (t) => {
  const inner = new MemoryJournalStorage()
  const storage = new FaultyStorage(inner)
  const system = await start(t, { storage, persist: { kind: 'retry', maxAttempts: 5, ...fast } })
  const a = await system.spawn(Account, { id: 'noretry', supervision: { directive: 'resume' } })
  await inner.writeEvents('noretry', 0, [entry(1, 'Deposited', [...msgpackCodec.encode({ type: 'Deposited', amount: 1 })])])
  await t.rejects(a.ask('deposit', 2), { code: 'Conflict' })
  t.equal(storage.calls['writeEvents'], 1)
})

t.test('persist stop: the ask rejects and the actor stops', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'stop' } })
  const watcherDone: Terminated[] = []
  class Watcher extends Actor {
    watchIt(ref: typeof a): void {
      this.ctx.watch(ref)
    }
    override onTerminated(n: Terminated): void {
      watcherDone.push(n)
    }
  }
  const a = await system.spawn(Account, { id: 'stopper' })
  const w = await system.spawn(Watcher)
  await w.ask('watchIt', a)
  await a.ask('deposit', 1)
  storage.fail('writeEvents')
  await t.rejects(a.ask('deposit', 2), { code: 'StorageFailed' })
  await until(() => !a.isAlive, 'the actor to stop')
  await until(() => watcherDone.length === 1, 'the watcher to hear of it')
  t.equal(watcherDone[0]?.id, 'stopper')
  await t.rejects(a.ask('read'), { code: 'Stopped' })
  const again = await system.spawn(Account, { id: 'stopper' })
  t.same(await again.ask('read'), { balance: 1, log: [1], sequence: 1 }, 'a new incarnation recovers what was stored')
  t.equal(await again.ask('withdraw', 1), 0)
  await t.rejects(again.ask('withdraw', 1), { message: 'insufficient funds' }, 'a handler error is not a persistence failure')
  t.equal(again.isAlive, true, 'only persistence failures stop under the stop policy')
})

t.test('recovery retry: transient read failures are retried; hooks see every attempt', async (t) => {
  const storage = new FaultyStorage()
  const seen: string[] = []
  class Hooked extends Account {
    static override persistence = { ...Account.persistence, recovery: { kind: 'retry', maxAttempts: 5, ...fast } } as const
    protected override beforeRecovery(): void {
      seen.push('before')
    }
    protected override recoveryFailed(e: PersistenceError, f: AttemptFailure): void {
      seen.push(`failed ${f.attempt} ${f.willRetry} ${e.code}`)
    }
    protected override async recovered(info: RecoveryInfo): Promise<void> {
      seen.push(`recovered ${info.attempts}`)
      super.recovered(info)
      await this.persist({ type: 'Deposited', amount: 1 })
    }
  }
  const system = await start(t, { storage })
  storage.fail('readHighestSequence', 1).fail('readLatestSnapshot', 1)
  const a = await system.spawn(Hooked, { id: 'rec' })
  t.same(seen, ['before', 'failed 1 true StorageFailed', 'failed 2 true StorageFailed', 'recovered 3'])
  t.same(await a.ask('read'), { balance: 1, log: [1], sequence: 1 }, 'recovered() may persist')
})

t.test('recovery retry: spent attempts fail the spawn with StartFailed', async (t) => {
  const storage = new FaultyStorage()
  const failures: AttemptFailure[] = []
  class Doomed extends Account {
    protected override recoveryFailed(_e: PersistenceError, f: AttemptFailure): void {
      failures.push(f)
      throw new Error('a throwing hook changes nothing')
    }
  }
  const system = await start(t, { storage, recovery: { kind: 'retry', maxAttempts: 3, ...fast } })
  storage.fail('readHighestSequence', 10, { message: 'unreachable' })
  const err = await system.spawn(Doomed, { id: 'doomed' }).catch((e: unknown) => e)
  t.ok(isActorRefError(err, 'StartFailed'))
  t.match((err as Error).message, /recovery failed after 3 attempt\(s\): StorageFailed: reading the last sequence failed: unreachable/)
  t.match((err as Error).cause, { code: 'RecoveryFailed', persistenceId: 'doomed', cause: { code: 'StorageFailed' } })
  t.same(failures.map((f) => [f.attempt, f.willRetry]), [[1, true], [2, true], [3, false]])
  t.equal(await system.actorOf('doomed'), undefined)
})

t.test('recovery stop: the first failure fails the spawn', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, recovery: { kind: 'stop' } })
  storage.fail('readEvents', 1)
  await storage.writeEvents('rstop', 0, [entry(1, 'Deposited', [...msgpackCodec.encode({ type: 'Deposited', amount: 1 })])])
  await t.rejects(system.spawn(Account, { id: 'rstop' }), { code: 'StartFailed', message: /after 1 attempt\(s\).*reading events from 1 failed/ })
  t.equal(storage.calls['readEvents'], 1)
  const ok = await system.spawn(Account, { id: 'rstop' })
  t.equal((await ok.ask('read')).balance, 1)
})

t.test('recovery does not retry what retrying cannot fix', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, recovery: { kind: 'retry', maxAttempts: 5, ...fast } })
  await storage.writeEvents('garbled', 0, [entry(1, 'Deposited', [0x92])])
  const err = await system.spawn(Account, { id: 'garbled' }).catch((e: unknown) => e)
  t.match((err as Error).cause, { code: 'RecoveryFailed', cause: { code: 'Codec', sequence: 1, message: /decoding event 'Deposited' at sequence 1 failed/ } })
  t.equal(storage.calls['readHighestSequence'], 1, 'one attempt')

  class Throws extends Account {
    protected override applyEvent(): AccountState {
      throw new Error('bad apply')
    }
  }
  await storage.writeEvents('applies', 0, [entry(1, 'Deposited', [...msgpackCodec.encode({ type: 'Deposited', amount: 1 })])])
  const err2 = await system.spawn(Throws, { id: 'applies' }).catch((e: unknown) => e)
  t.match((err2 as Error).cause, { cause: { code: 'RecoveryFailed', message: /applyEvent\(\) on 'Deposited' threw: bad apply/ } })
})

t.test('recovery retrying until success gives up when the system shuts down', async (t) => {
  const storage = new FaultyStorage()
  const system = await ActorSystem.start({ logLevel: 'silent', persistence: { storage, recovery: { kind: 'retry', maxAttempts: Infinity, delayMs: 50 } } })
  storage.fail('readHighestSequence', Infinity)
  const spawning = system.spawn(Account, { id: 'forever' }).catch((e: unknown) => e)
  await until(() => (storage.calls['readHighestSequence'] ?? 0) >= 3, 'a few attempts')
  await system.shutdown()
  t.match(await spawning, { code: 'StartFailed' })
})

t.test('recovery retrying until success gives up when the actor is stopped', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, recovery: { kind: 'retry', maxAttempts: Infinity, delayMs: 20 } })
  storage.fail('readHighestSequence', Infinity)
  const spawning = system.spawn(Account, { id: 'stop-me' }).catch((e: unknown) => e)
  await until(() => (storage.calls['readHighestSequence'] ?? 0) >= 2, 'a few attempts')
  const ref = await system.actorOf('stop-me')
  t.ok(ref, 'the starting actor is registered')
  const stopped = ref!.stop()
  t.match(await spawning, { code: 'StartFailed' }, 'the spawn fails instead of retrying forever')
  await stopped
  t.equal(system.isShutdown, false)
})

t.test('the journal holds a gap or a bad snapshot type as errors', async (t) => {
  const storage = new MemoryJournalStorage()
  const system = await start(t, { storage })
  const ev = (n: number): number[] => [...msgpackCodec.encode({ type: 'Deposited', amount: n })]
  await storage.writeEvents('snapgap', 0, [1, 2, 3].map((n) => entry(n, 'Deposited', ev(n))))
  await storage.writeSnapshot('snapgap', entry(1, 'AccountState', [...msgpackCodec.encode({ balance: 1, log: [1] })]))
  await storage.deleteEventsTo('snapgap', 2)
  await t.rejects(system.spawn(Account, { id: 'snapgap' }), { code: 'StartFailed', message: /events 2\.\.2 are missing/ })
  await storage.writeEvents('badsnap', 0, [entry(1, 'Deposited', ev(1))])
  await storage.writeSnapshot('badsnap', entry(1, 'OtherState', [...msgpackCodec.encode({})]))
  await t.rejects(system.spawn(Account, { id: 'badsnap' }), { message: /snapshot is stored as type 'OtherState'/ })
  class Lenient extends Account {
    static override persistence = { ...Account.persistence, skipUnknownTypes: true }
  }
  const lenient = await system.spawn(Lenient, { id: 'badsnap' })
  t.match(await lenient.ask('recovery'), { entriesSkipped: 1, eventsReplayed: 1, snapshotSequence: 0 })
  t.equal((await lenient.ask('read')).balance, 1)
})

t.test('types: declared sets are closed; codecs per type; snapshot codecs; custom type names', async (t) => {
  class Deposited {
    constructor(readonly amount: number) {}
  }
  const depositedCodec: Codec<Deposited> = {
    encode: (d) => msgpackCodec.encode(d.amount),
    decode: (b) => new Deposited(msgpackCodec.decode(b) as number),
  }
  const mapCodec: Codec<Map<string, number>> = {
    encode: (m) => msgpackCodec.encode([...m]),
    decode: (b) => new Map(msgpackCodec.decode(b) as [string, number][]),
  }
  class Ledger extends PersistentActor<Map<string, number>, Deposited | { kind: 'note' }> {
    static override persistence: PersistentActorOptions<Deposited | { kind: 'note' }, Map<string, number>> = {
      events: { Deposited: depositedCodec, Note: true },
      eventType: (e) => (e instanceof Deposited ? 'Deposited' : 'Note'),
      snapshot: { type: 'Ledger', codec: mapCodec },
    }
    protected override initialState(): Map<string, number> {
      return new Map()
    }
    protected override applyEvent(m: Map<string, number>, e: Deposited | { kind: 'note' }): Map<string, number> {
      if (!(e instanceof Deposited)) return m
      m.set(`d${m.size}`, e.amount)
      return m
    }
    async add(n: number): Promise<void> {
      await this.persist(new Deposited(n))
    }
    async note(): Promise<void> {
      await this.persist({ kind: 'note' })
    }
    async snap(): Promise<number> {
      return this.snapshot()
    }
    entries(): [string, number][] {
      return [...this.state]
    }
  }
  const storage = new MemoryJournalStorage()
  const system = await start(t, { storage })
  const l = await system.spawn(Ledger, { id: 'ledger' })
  await l.ask('add', 5)
  await l.ask('snap')
  await l.ask('add', 6)
  await l.ask('note')
  t.same((await storage.readEvents('ledger', 1)).map((e) => e.type), ['Deposited', 'Deposited', 'Note'])
  t.same(msgpackCodec.decode((await storage.readEvents('ledger', 1))[0]?.bytes as Uint8Array), 5, 'the per-type codec wrote the bytes')
  await l.stop()
  const again = await system.spawn(Ledger, { id: 'ledger' })
  t.same(await again.ask('entries'), [['d0', 5], ['d1', 6]], 'a Map state round-trips through its snapshot codec')

  // Default type names: a `type` field, else the class name; neither is a clear refusal.
  class Free extends PersistentActor<string[], unknown> {
    protected override initialState(): string[] {
      return []
    }
    protected override applyEvent(s: string[], e: unknown): string[] {
      return [...s, JSON.stringify(e)]
    }
    async put(e: unknown): Promise<number> {
      return this.persist(e)
    }
  }
  const f = await system.spawn(Free, { id: 'free' })
  await f.ask('put', { type: 'Typed', x: 1 })
  await f.ask('put', new Deposited(3))
  await t.rejects(f.ask('put', { x: 1 }), { code: 'InvalidArgument', message: /cannot tell the type/ })
  await t.rejects(f.ask('put', 42), { code: 'InvalidArgument' })
  t.same((await storage.readEvents('free', 1)).map((e) => e.type), ['Typed', 'Deposited'], 'undeclared sets accept any type name')

  // A declared set refuses other types before anything is written.
  class Sneaky extends Account {
    async sneak(): Promise<void> {
      await this.persist({ type: 'Stolen', amount: 1 } as unknown as AccountEvent)
    }
  }
  const sneaky = await system.spawn(Sneaky, { id: 'sneaky' })
  await t.rejects(sneaky.ask('sneak'), { code: 'InvalidArgument', message: /event type 'Stolen' is not declared/ })
  t.equal(await storage.readHighestSequence('sneaky'), 0)

  const failing: Codec<AccountEvent> = {
    encode: () => {
      throw new Error('cannot encode')
    },
    decode: () => ({ type: "Deposited", amount: 0 }),
  }
  class BadCodec extends Account {
    static override persistence = { events: { Deposited: failing } }
  }
  const b = await system.spawn(BadCodec, { id: 'badcodec' })
  await t.rejects(b.ask('deposit', 1), { code: 'Codec', message: /encoding event 'Deposited' failed: cannot encode/ })
})

t.test('snapshotEvery takes snapshots on its own; a failing one does not fail the persist', async (t) => {
  const storage = new FaultyStorage()
  class Auto extends Account {
    static override persistence = { ...Account.persistence, snapshotEvery: 3 }
  }
  const system = await start(t, { storage, persist: { kind: 'returnError' } })
  const a = await system.spawn(Auto, { id: 'auto' })
  await a.ask('depositAll', [1, 2])
  t.equal(await storage.readLatestSnapshot('auto'), undefined)
  await a.ask('deposit', 3)
  t.equal((await storage.readLatestSnapshot('auto'))?.sequence, 3)
  storage.fail('writeSnapshot')
  await a.ask('depositAll', [4, 5, 6])
  t.equal((await storage.readLatestSnapshot('auto'))?.sequence, 3, 'the failed snapshot is skipped')
  await a.ask('deposit', 7)
  t.equal((await storage.readLatestSnapshot('auto'))?.sequence, 7, 'and taken at the next chance')
  await a.stop()
  const again = await system.spawn(Auto, { id: 'auto' })
  t.match(await again.ask('recovery'), { snapshotSequence: 7, eventsReplayed: 0 })
  t.equal((await again.ask('read')).balance, 28)
})

t.test('snapshot and delete failures reject under returnError and retry under retry', async (t) => {
  const storage = new FaultyStorage()
  const system = await start(t, { storage, persist: { kind: 'retry', maxAttempts: 2, ...fast } })
  const a = await system.spawn(Account, { id: 'snapfail', supervision: { directive: 'resume' } })
  await a.ask('deposit', 1)
  storage.fail('writeSnapshot', 1)
  t.equal(await a.ask('takeSnapshot'), 1, 'retried')
  storage.fail('deleteEventsTo', 2)
  await t.rejects(a.ask('trim', 1), { code: 'PersistFailed', message: /deleting events to 1 gave up after 2 attempt/ })
  storage.fail('deleteAll', 2)
  await t.rejects(a.ask('wipe'), { code: 'PersistFailed' })
  t.equal((await a.ask('read')).balance, 1, 'a failed deleteAll leaves the state')
  t.equal(a.isAlive, true)
})

t.test('persists from one handler without awaiting are stored and applied in call order', async (t) => {
  class Burst extends Account {
    async burst(n: number): Promise<number[]> {
      const all: Promise<number>[] = []
      for (let i = 1; i <= n; i++) all.push(this.persist({ type: 'Deposited', amount: i }))
      return Promise.all(all)
    }
  }
  const system = await start(t, {})
  const b = await system.spawn(Burst, { id: 'burst' })
  t.same(await b.ask('burst', 5), [1, 2, 3, 4, 5])
  t.same((await b.ask('read')).log, [1, 2, 3, 4, 5])
})

t.test('the persistence API and hooks are not message handlers', async (t) => {
  const system = await start(t, {})
  const a = (await system.spawn(Account, { id: 'guarded' })) as unknown as { ask(h: string, ...a: unknown[]): Promise<unknown> }
  for (const name of ['persist', 'persistAll', 'snapshot', 'deleteEventsTo', 'deleteAll', 'applyEvent', 'initialState', 'recovered']) {
    await t.rejects(a.ask(name, { type: 'Deposited', amount: 1 }), { code: 'NotSupported' }, name)
  }
  t.equal(await a.ask('deposit', 2), 2, 'real handlers still work')
})

t.test('start-up guards: started() is reserved, persistenceId can be chosen, persist waits for recovery', async (t) => {
  const system = await start(t, {})
  class Overrides extends Account {
    override async started(): Promise<void> {}
  }
  await t.rejects(system.spawn(Overrides), { code: 'StartFailed', message: /Overrides defines started\(\).*recovered\(\)/ })

  class Empty extends Account {
    override get persistenceId(): string {
      return ''
    }
  }
  await t.rejects(system.spawn(Empty), { code: 'StartFailed', message: /persistenceId of Empty must be a non-empty string/ })

  class Eager extends Account {
    protected override async beforeRecovery(): Promise<void> {
      await this.persist({ type: 'Deposited', amount: 1 })
    }
  }
  await t.rejects(system.spawn(Eager), { message: /persist\(\) called before recovery completed/ })

  const shared = new MemoryJournalStorage()
  class OwnStorage extends Account {
    static override persistence = { ...Account.persistence, storage: shared }
  }
  const o = await system.spawn(OwnStorage, { id: 'own' })
  await o.ask('deposit', 9)
  t.equal(await shared.readHighestSequence('own'), 1, 'a per-type storage overrides the system one')
})

t.test('named persistence ids key the journal', async (t) => {
  const storage = new MemoryJournalStorage()
  const system = await start(t, { storage })
  class Named extends Account {
    override get persistenceId(): string {
      return `account:${this.ctx.id}`
    }
  }
  const n = await system.spawn(Named, { id: 'n1' })
  await n.ask('deposit', 4)
  t.equal(await storage.readHighestSequence('account:n1'), 1)
  t.equal(await storage.readHighestSequence('n1'), 0)
})

t.test('the in-memory default keeps journals across stops within a system', async (t) => {
  const system = await start(t, {})
  const a = await system.spawn(Account, { id: 'mem' })
  await a.ask('deposit', 3)
  await a.stop()
  await sleep(5)
  const again = await system.spawn(Account, { id: 'mem' })
  t.equal((await again.ask('read')).balance, 3)
  const other = await start(t, {})
  const fresh = await other.spawn(Account, { id: 'mem' })
  t.equal((await fresh.ask('read')).balance, 0, 'each system has its own in-memory storage')
})

t.test('options are validated once, naming every bad field', async (t) => {
  const bad = (persistence: unknown): Promise<unknown> =>
    ActorSystem.start({ logLevel: 'silent', persistence: persistence as PersistenceOptions }).then(
      () => t.fail('accepted'),
      (e: unknown) => e,
    )
  const e1 = (await bad({
    storage: { kind: 'redis', url: 'http://x', commandTimeoutMs: -1, reconnect: { maxAttempts: 1.5, maxDelayMs: -1 }, hashTags: true, keyPrefix: '{p' },
    recovery: { kind: 'returnError' },
    persist: { kind: 'retry', maxAttempts: 0, delayMs: -1, factor: 0.5 },
    recoveryBatchSize: 0,
  })) as TypeError
  t.type(e1, TypeError)
  for (const field of [
    'persistence.storage.url',
    'persistence.storage.commandTimeoutMs',
    'persistence.storage.reconnect.maxAttempts',
    'persistence.storage.reconnect.maxDelayMs',
    'persistence.storage.keyPrefix',
    'persistence.recovery.kind',
    'persistence.persist.maxAttempts',
    'persistence.persist.delayMs',
    'persistence.persist.factor',
    'persistence.recoveryBatchSize',
  ]) {
    t.match(e1.message, field, field)
  }
  t.match(await bad({ storage: { kind: 'sqlite' } }), { message: /persistence.storage.kind must be 'memory', 'redis', 'postgres' or 'mysql'/ })
  t.match(await bad({ storage: { kind: 'redis' } }), { message: /persistence.storage.url is required/ })
  t.match(await bad({ storage: 5 }), { message: /persistence.storage must be a JournalStorage/ })
  t.match(await bad({ persist: 'retry' }), { message: /persistence.persist must be an object/ })
  t.match(await bad({ persist: { kind: 'retry', delayMs: 10, maxDelayMs: 5 } }), { message: /maxDelayMs must be >= delayMs/ })
  t.match(await bad(7), { message: /persistence must be an object/ })

  const ok = await ActorSystem.start({
    logLevel: 'silent',
    persistence: { persist: { kind: 'retry', maxAttempts: Infinity, delayMs: 5000 }, recovery: { kind: 'stop' }, recoveryBatchSize: 10 },
  })
  t.match(ok.options.persistence, {
    storage: { kind: 'memory' },
    recovery: { kind: 'stop' },
    persist: { kind: 'retry', maxAttempts: Infinity, delayMs: 5000, maxDelayMs: 5000, factor: 2 },
    recoveryBatchSize: 10,
  })
  await ok.shutdown()
  const defaults = await ActorSystem.start({ logLevel: 'silent' })
  t.match(defaults.options.persistence, {
    storage: { kind: 'memory' },
    recovery: { kind: 'retry', maxAttempts: 5, delayMs: 100, maxDelayMs: 2000, factor: 2 },
    persist: { kind: 'retry', maxAttempts: 3 },
    recoveryBatchSize: 1000,
  })
  await defaults.shutdown()

  const system = await start(t, {})
  class BadStatic extends Account {
    static override persistence = {
      events: [''],
      snapshot: { type: '', codec: {} as Codec },
      skipUnknownTypes: 'yes',
      snapshotEvery: -1,
      eventType: 3,
      persist: { kind: 'explode' },
    } as unknown as PersistentActorOptions<AccountEvent, AccountState>
  }
  const err = await system.spawn(BadStatic).catch((e: unknown) => e)
  t.ok(isActorRefError(err, 'StartFailed'))
  for (const field of ['persistence.events', 'persistence.snapshot.type', 'persistence.snapshot.codec', 'persistence.skipUnknownTypes', 'persistence.snapshotEvery', 'persistence.eventType', 'persistence.persist.kind']) {
    t.match((err as Error).message, field, field)
  }
  await t.rejects(system.spawn(BadStatic), { message: /invalid persistence settings of BadStatic/ }, 'the verdict is cached per class')
  class BadEvents extends Account {
    static override persistence = { events: { Deposited: 5 } } as unknown as PersistentActorOptions<AccountEvent, AccountState>
  }
  await t.rejects(system.spawn(BadEvents), { message: /persistence.events.Deposited must be a codec/ })
  class WorseEvents extends Account {
    static override persistence = { events: 'Deposited', snapshot: 1 } as unknown as PersistentActorOptions<AccountEvent, AccountState>
  }
  await t.rejects(system.spawn(WorseEvents), { message: /persistence.events must be an array.*persistence.snapshot must be an object/ })
})

t.test('a storage instance stays on its thread: worker options carry null and actors there fail clearly', async (t) => {
  const storage = new MemoryJournalStorage()
  const system = await start(t, { storage })
  const forWorker = persistenceForWorker(system.options.persistence)
  t.equal(forWorker.storage, null)
  t.same(structuredClone(forWorker), forWorker, 'plain data, fit for postMessage')
  const config = { ...system.options.persistence, storage: { kind: 'redis', url: 'redis://h:1' } as const }
  t.equal(persistenceForWorker(config), config, 'a config crosses unchanged')
  // What a worker of this system sees:
  ;(system.options.persistence as { storage: unknown }).storage = forWorker.storage
  const err = await system.spawn(Account, { id: 'on-worker' }).catch((e: unknown) => e)
  t.match(err, { code: 'StartFailed', message: /no journal storage on this thread.*kind: 'redis'/ })
  ;(system.options.persistence as { storage: unknown }).storage = structuredClone({ ...storage })
  await t.rejects(system.spawn(Account, { id: 'on-worker' }), { message: /no journal storage on this thread/ }, 'a clone that lost its methods is refused too')
})

t.test('backoff grows by the factor up to the cap', async (t) => {
  const p = { kind: 'retry', maxAttempts: 10, delayMs: 100, maxDelayMs: 1000, factor: 3 } as const
  t.same([1, 2, 3, 4].map((n) => backoffDelay(p, n)), [100, 300, 900, 1000])
})

t.test('errors carry code, id and sequence; isPersistenceError checks codes', async (t) => {
  const e = new PersistenceError('Conflict', 'boom', { persistenceId: 'p', sequence: 3 })
  t.equal(e.message, "Conflict: boom [persistenceId 'p', sequence 3]")
  t.equal(e.name, 'PersistenceError')
  t.equal(e.detail, 'boom')
  t.ok(isPersistenceError(e))
  t.ok(isPersistenceError(e, 'Conflict'))
  t.notOk(isPersistenceError(e, 'Codec'))
  t.notOk(isPersistenceError(new Error('x')))
  t.equal(new PersistenceError('Closed', 'closed').message, 'Closed: closed')
})
