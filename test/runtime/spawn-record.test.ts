// The spawn record (lib/actor/spawn-record.ts): validated once, placed once, sent to another
// thread as plain data and read back there; and the worker options derived from one field list.
import t from 'tap'
import { Actor } from '../../lib/index.js'
import type { SpawnOptions } from '../../lib/actor/system.js'
import { resolveSystemOptions } from '../../lib/actor/options.js'
import { buildSpawnRecord, inDirectory, pathOf, placeRecord, type SpawnParent } from '../../lib/actor/spawn-record.js'
import { argsOf, encodeForTransfer } from '../../lib/runtime/spawn-transfer.js'
import { systemOptionsForWorker, WORKER_OPTION_FIELDS, workerOptionsOf } from '../../lib/runtime/worker-options.js'

class Box extends Actor {
  constructor(readonly v: unknown) {
    super()
  }
  get(): unknown {
    return this.v
  }
}

const defaults = { mailboxCapacity: 100, supervision: resolveSystemOptions({ workers: 0 }).supervision }
const parentAddress: SpawnParent = { node: { id: 'n', incarnation: 7 }, thread: 2, id: 'top', actorType: 'P', path: 'top' }
const parent = { alive: true, id: 'top', actorType: 'P', childSupervision: { directive: 'stop' as const }, address: parentAddress }

t.test('a record holds the validated request with defaults filled in', async (t) => {
  const r = buildSpawnRecord(Box, { id: 'b', args: [1], placement: 2 } as SpawnOptions<typeof Box>, defaults, parent)
  t.match(r, { actorType: 'Box', location: null, args: [1], localId: 'b', id: undefined, tracked: true, placement: 2, mailbox: { capacity: 100 } })
  t.equal(r.supervision.directive, 'stop', "the parent's child supervision applies")
  t.equal(r.parent, parentAddress)
  const anon = buildSpawnRecord(Box, {}, defaults, null)
  t.match(anon, { localId: undefined, tracked: false, args: [], parent: null, supervision: { directive: 'restart' } })
  t.equal(inDirectory(anon), true, 'top-level actors are recorded')
  t.equal(inDirectory(buildSpawnRecord(Box, {}, defaults, parent)), false, 'anonymous children are not')
})

t.test('bad requests fail with InvalidArgument naming the field, a stopped parent with Stopped', async (t) => {
  const bad: [unknown, RegExp][] = [
    [{ idd: 'x' }, /unknown spawn option 'idd'/],
    [{ args: 'x' }, /args must be an array/],
    [{ id: 'a/b' }, /actor id/],
    [{ mailboxCapacity: 0 }, /mailboxCapacity/],
    [{ placement: 0 }, /placement/],
    [{ supervision: null }, /supervision/],
    [null, /spawn options must be an object/],
  ]
  for (const [options, message] of bad) {
    t.throws(() => buildSpawnRecord(Box, options as never, defaults, null), { name: 'ActorRefError', code: 'InvalidArgument', message })
  }
  t.throws(() => buildSpawnRecord(class {} as never, {}, defaults, null), { code: 'InvalidArgument', message: /class extending Actor/ })
  t.throws(() => buildSpawnRecord(Box, {}, defaults, { ...parent, alive: false }), { code: 'Stopped', actorId: 'top' })
})

t.test('placing gives the final ids; the encoded record survives structured clone and decodes', async (t) => {
  const placed = placeRecord(buildSpawnRecord(Box, { id: 'b', args: [{ n: 1n }, new Date(5)] } as unknown as SpawnOptions, defaults, parent), () => 'unused')
  t.equal(placed.id, 'top/b')
  t.equal(pathOf(placed), 'top/b')
  t.equal(placeRecord(buildSpawnRecord(Box, {}, defaults, null), () => '$9').id, '$9', 'anonymous ids come from the placing thread')
  const wire = encodeForTransfer({ ...placed, location: { actorType: 'Box', moduleUrl: import.meta.url, exportName: 'Box' } }, 'a worker thread')
  t.ok(wire.args instanceof Uint8Array)
  const received = structuredClone(wire)
  t.same({ ...received, args: null }, { ...wire, args: null }, 'every field arrives as sent')
  t.same(argsOf(received, null), [{ n: 1n }, new Date(5)])
  t.equal(encodeForTransfer(wire, 'x'), wire, 'encoding twice is a no-op')
})

t.test('what cannot cross a thread fails before it is sent', async (t) => {
  const decider = buildSpawnRecord(Box, { supervision: { directive: () => 'stop' } }, defaults, null)
  t.throws(() => encodeForTransfer(decider, 'another thread'), { code: 'NotSupported', message: /decider function cannot be sent to another thread/ })
  const fn = buildSpawnRecord(Box, { args: [() => 1] } as unknown as SpawnOptions, defaults, null)
  t.throws(() => encodeForTransfer(fn, 'another thread'), { name: 'ActorRefError', code: 'Serialization', message: /constructor arguments cannot be sent to another thread/ })
})

t.test('worker options: one field list, packed and unpacked', async (t) => {
  const main = resolveSystemOptions({ workers: 2, name: 'w', mailboxCapacity: 9, supervision: { directive: () => 'resume' } })
  const packed = structuredClone(workerOptionsOf(main))
  t.same(Object.keys(packed).sort(), [...WORKER_OPTION_FIELDS, 'extensions'].sort())
  t.equal(packed.supervision.directive, 'restart', 'a decider is replaced by restart for workers')
  const o = systemOptionsForWorker(packed, 1, 2)
  for (const f of WORKER_OPTION_FIELDS) if (f !== 'supervision') t.same(o[f], main[f], f)
  t.match(o, { workers: 2, placementPolicy: 'actor-count', ringBytes: 0, blockingThreads: 1, http: null })
  t.type(o.logger.info, 'function')
})
