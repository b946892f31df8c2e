// Cluster membership's pure building blocks on one thread: the phi-accrual failure detector,
// the consistent-hash ring (and its murmur3) and the member table.
import t from 'tap'
import { AKKA_DEFAULTS, PhiAccrualFailureDetector } from '../../lib/cluster/failure-detector.js'
import { hash32, HashRing, murmur3 } from '../../lib/util/hash-ring.js'
import { MemberTable, type GossipMember, type Member, type MemberEvent, type MemberStatus } from '../../lib/cluster/member-table.js'
import { nodeKey, type NodeAddress } from '../../lib/actor/address.js'

/** Akka's `phi(timeDiff, mean, stdDeviation)`, written out exactly as Akka has it. */
function akkaPhi(timeDiff: number, mean: number, stdDeviation: number): number {
  const y = (timeDiff - mean) / stdDeviation
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y))
  return timeDiff > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e))
}

/** A detector fed `count` heartbeats `everyMs` apart from t=0; returns it and the last arrival. */
function steady(options: ConstructorParameters<typeof PhiAccrualFailureDetector>[0], everyMs: number, count: number) {
  const d = new PhiAccrualFailureDetector(options)
  let last = 0
  for (let i = 0; i < count; i++) {
    last = i * everyMs
    d.heartbeat(last)
  }
  return { d, last }
}

t.test('failure detector: before the first heartbeat phi is 0 and the peer available', async (t) => {
  const d = new PhiAccrualFailureDetector()
  t.same(d.options, AKKA_DEFAULTS)
  t.equal(d.phi(1e9), 0)
  t.ok(d.isAvailable(1e9))
  t.equal(d.lastHeartbeatMs, null)
  t.equal(d.samples, 0)
  // The bound the seeded history will give: mean 1000 + pause 3000 + y(8) * std 250.
  const bound = d.detectionBoundMs()
  d.heartbeat(500)
  t.equal(d.lastHeartbeatMs, 500)
  t.equal(d.samples, 2, 'Akka seeds two intervals')
  t.equal(d.detectionBoundMs(), bound)
})

t.test('failure detector: phi matches Akka formula, by hand', async (t) => {
  // One heartbeat: seeds 750 and 1250, mean 1000, std 250 (above the 100 floor), pause 3000.
  const d = new PhiAccrualFailureDetector()
  d.heartbeat(0)
  for (const silence of [0, 1000, 3500, 4000, 4250, 4500, 5000, 5500]) {
    t.ok(Math.abs(d.phi(silence) - akkaPhi(silence, 4000, 250)) < 1e-9, `silence ${silence}`)
  }
  // At the mean the logistic is 1/2: phi = -log10(1/2).
  t.ok(Math.abs(d.phi(4000) - Math.log10(2)) < 1e-12)
  // y = 2: e = exp(-2 * (1.5976 + 0.070566 * 4)) = exp(-3.759728); phi = log10(1 + 1/e) = log10(43.94).
  t.ok(Math.abs(d.phi(4500) - Math.log10(1 + Math.exp(3.759728))) < 1e-12)
  t.ok(Math.abs(d.phi(4500) - 1.6428) < 1e-4, String(d.phi(4500)))
  // y = 4: z = 4 * (1.5976 + 0.070566 * 16) = 10.906624; phi ~ z / ln 10 = 4.7367.
  t.ok(Math.abs(d.phi(5000) - 4.7367) < 1e-4, String(d.phi(5000)))
})

t.test('failure detector: phi grows monotonically with silence and stays finite', async (t) => {
  const { d, last } = steady({}, 1000, 20)
  let prev = -1
  const drops: number[] = []
  for (let silence = 0; silence <= 60_000; silence += 50) {
    const phi = d.phi(last + silence)
    if (phi < prev) drops.push(silence)
    prev = phi
  }
  t.same(drops, [], 'phi never falls as the silence grows')
  t.ok(Number.isFinite(d.phi(last + 1e9)), 'a very long silence is a large finite phi, not Infinity')
  t.ok(d.phi(last + 1e9) > 1000)
})

t.test('failure detector: steady 100 ms heartbeats with a 300 ms pause allowance', async (t) => {
  const { d, last } = steady({ firstHeartbeatEstimateMs: 100, acceptableHeartbeatPauseMs: 300 }, 100, 50)
  t.equal(d.samples, 51, 'two seeds and 49 intervals')
  t.ok(d.isAvailable(last + 100))
  t.ok(d.isAvailable(last + 350), `phi ${d.phi(last + 350)}`)
  t.ok(d.phi(last + 350) < 1)
  t.notOk(d.isAvailable(last + 1000), `phi ${d.phi(last + 1000)}`)
  t.notOk(d.isAvailable(last + 2000))
  // mean 100 (seeds 75 and 125 barely move it), std at its 100 floor: bound = 400 + 5.226 * 100.
  const bound = d.detectionBoundMs()
  t.ok(bound > 900 && bound < 950, String(bound))
  // With Akka's defaults the seeds and the 3 s pause dominate: phi 8 a little under 4 s of silence.
  const akka = steady({}, 100, 50)
  t.ok(akka.d.isAvailable(akka.last + 3000))
  t.notOk(akka.d.isAvailable(akka.last + 5000))
})

t.test('failure detector: detectionBoundMs agrees with isAvailable', async (t) => {
  const cases: [Partial<typeof AKKA_DEFAULTS>, number, number][] = [
    [{}, 1000, 10],
    [{}, 100, 500],
    [{ threshold: 1 }, 1000, 3],
    [{ threshold: 12, acceptableHeartbeatPauseMs: 0, minStdDeviationMs: 10 }, 200, 30],
    [{ threshold: 0.5, firstHeartbeatEstimateMs: 50, acceptableHeartbeatPauseMs: 0 }, 50, 5],
  ]
  for (const [options, every, count] of cases) {
    const { d, last } = steady(options, every, count)
    const bound = d.detectionBoundMs()
    t.ok(bound > 0)
    t.ok(d.isAvailable(last + bound - 0.001), `${JSON.stringify(options)}: available just before ${bound}`)
    t.notOk(d.isAvailable(last + bound + 0.001), `${JSON.stringify(options)}: unavailable just after ${bound}`)
    t.ok(Math.abs(d.phi(last + bound) - d.options.threshold) < 1e-9)
  }
})

t.test('failure detector: jittery intervals widen the bound; a long pause is not learned', async (t) => {
  const d = new PhiAccrualFailureDetector({ firstHeartbeatEstimateMs: 100, acceptableHeartbeatPauseMs: 0, minStdDeviationMs: 1 })
  let now = 0
  for (let i = 0; i < 200; i++) d.heartbeat((now += 100))
  const tight = d.detectionBoundMs()
  for (let i = 0; i < 200; i++) d.heartbeat((now += i % 2 === 0 ? 50 : 150))
  t.ok(d.detectionBoundMs() > tight, 'std grew')
  const samples = d.samples
  const bound = d.detectionBoundMs()
  d.heartbeat((now += 100_000))
  t.equal(d.samples, samples, 'the interval that ended an unavailable silence is dropped')
  t.equal(d.detectionBoundMs(), bound)
  t.equal(d.lastHeartbeatMs, now)
})

t.test('failure detector: the history is a ring of maxSampleSize', async (t) => {
  const d = new PhiAccrualFailureDetector({ maxSampleSize: 10, firstHeartbeatEstimateMs: 1000, minStdDeviationMs: 0.01, acceptableHeartbeatPauseMs: 0 })
  let now = 0
  d.heartbeat(now)
  for (let i = 0; i < 8; i++) d.heartbeat((now += 1000))
  t.equal(d.samples, 10)
  // Fractional intervals for many wraps: the running sums must still describe the last ten.
  for (let i = 0; i < 10_000; i++) d.heartbeat((now += 20 + (i % 10) * 0.1))
  t.equal(d.samples, 10)
  // Last ten intervals: 20.0 .. 20.9, mean 20.45, std sqrt(0.0825) (above the 0.01 floor).
  const expect = 20.45 + akkaInverse(8) * Math.sqrt(0.0825)
  t.ok(Math.abs(d.detectionBoundMs() - expect) < 1e-6, `${d.detectionBoundMs()} vs ${expect}`)
})

/** The y at which Akka's phi is `threshold`, by bisection on the literal formula. */
function akkaInverse(threshold: number): number {
  let lo = -50
  let hi = 50
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (akkaPhi(mid, 0, 1) < threshold) lo = mid
    else hi = mid
  }
  return lo
}

t.test('failure detector: bad options are named in one TypeError', async (t) => {
  t.throws(() => new PhiAccrualFailureDetector({ threshold: 0, maxSampleSize: 1.5, minStdDeviationMs: -1 }), {
    name: 'TypeError',
    message: /threshold must be a positive number.*maxSampleSize must be an integer >= 1.*minStdDeviationMs must be a positive number/,
  })
  t.throws(() => new PhiAccrualFailureDetector({ acceptableHeartbeatPauseMs: -1, firstHeartbeatEstimateMs: Number.NaN }), {
    message: /acceptableHeartbeatPauseMs must be a number >= 0.*firstHeartbeatEstimateMs must be a positive number/,
  })
})

t.test('hash32: murmur3 x86_32 reference vectors over UTF-8', async (t) => {
  t.equal(hash32(''), 0)
  t.equal(hash32('hello'), 613153351)
  t.equal(hash32('The quick brown fox jumps over the lazy dog'), 0x2e4ff723)
  t.equal(hash32('abc'), 0xb3dd93fa)
  t.equal(hash32('abcd'), 0x43ed676a)
  // Non-ASCII hashes its UTF-8 bytes (C3 BC), not the UTF-16 code unit or Latin-1 byte.
  t.equal(hash32('ü'), 0x7840e6aa)
  t.equal(hash32('ü'), murmur3(Uint8Array.of(0xc3, 0xbc)))
  t.not(hash32('ü'), murmur3(Uint8Array.of(0xfc)))
  t.equal(hash32('日本語'), 0xa5a47297)
  t.equal(murmur3(new Uint8Array(0), 1), 0x514e28b7, 'seed 1 of the empty input')
  for (const s of ['x', 'node-a#123456', '🙂']) {
    const h = hash32(s)
    t.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, 'unsigned 32-bit')
    t.equal(hash32(s), h, 'deterministic')
  }
})

/** A ring of node keys, as the name directory builds it. */
const nodeRing = (members: string[], virtualNodes?: number): HashRing<string> =>
  new HashRing(members, (m) => m, virtualNodes === undefined ? {} : { virtualNodes })

const keys = Array.from({ length: 10_000 }, (_, i) => `actor/${i}`)
function owners(ring: HashRing<string>): Map<string, string> {
  return new Map(keys.map((k) => [k, ring.owner(k) as string]))
}

t.test('hash ring: empty, single, determinism, order-independence', async (t) => {
  t.equal(nodeRing([]).owner('x'), undefined)
  t.same(nodeRing([]).members, [])
  t.equal(nodeRing(['node-a#1']).owner('x'), 'node-a#1')
  const a = nodeRing(['node-c#3', 'node-a#1', 'node-b#2', 'node-a#1'])
  const b = nodeRing(['node-a#1', 'node-b#2', 'node-c#3'])
  t.same(a.members, ['node-a#1', 'node-b#2', 'node-c#3'], 'deduplicated and sorted')
  t.same(owners(a), owners(b), 'same members, same owners, whatever the order')
  t.throws(() => nodeRing(['a'], 0), TypeError)
  t.throws(() => nodeRing(['a'], 1.5), TypeError)
})

t.test('hash ring: balance over three members', async (t) => {
  const ring = nodeRing(['node-a#123456', 'node-b#234567', 'node-c#345678'])
  const counts = new Map<string, number>()
  for (const o of owners(ring).values()) counts.set(o, (counts.get(o) ?? 0) + 1)
  t.equal(counts.size, 3)
  for (const [m, n] of counts) t.ok(n >= 2000 && n <= 4700, `${m} owns ${n / 100}%`)
})

t.test('hash ring: adding or removing a member moves only its share', async (t) => {
  const three = ['node-a#123456', 'node-b#234567', 'node-c#345678']
  const before = owners(nodeRing(three))
  const after = owners(nodeRing([...three, 'node-d#456789']))
  let moved = 0
  for (const [k, o] of after) {
    if (o !== before.get(k)) {
      moved++
      if (o !== 'node-d#456789') t.fail(`${k} moved from ${before.get(k)} to ${o}`)
    }
  }
  t.ok(moved > 1500 && moved < 3500, `${moved / 100}% moved (about 25% expected)`)
  const two = owners(nodeRing(['node-a#123456', 'node-c#345678']))
  for (const [k, o] of two) {
    const was = before.get(k)
    if (was !== 'node-b#234567' && was !== o) t.fail(`${k} moved from ${was} to ${o}`)
  }
  t.pass('only the removed member’s keys moved')
})

t.test('hash ring: equal points are broken by member string', async (t) => {
  // hash32('n16724#0') === hash32('n100940#0') (found by search): with one point each, both
  // members sit on the same point and every node must give every key to the same one.
  t.equal(hash32('n16724#0'), hash32('n100940#0'))
  for (const members of [['n16724', 'n100940'], ['n100940', 'n16724']]) {
    const ring = nodeRing(members, 1)
    for (const k of keys.slice(0, 50)) t.equal(ring.owner(k), 'n100940', 'the smaller string wins the tie')
  }
})

const at = (id: string, incarnation: number): NodeAddress => ({ id, incarnation })
function gm(id: string, incarnation: number, startedAt: number, status: MemberStatus = 'joining'): GossipMember {
  return { node: at(id, incarnation), advertise: `ws://${id}:7000`, status, startedAt }
}
/** Events as short strings: `memberUp a#1(up)`, `leader b#1`. */
function show(events: MemberEvent[]): string[] {
  return events.map((e) =>
    e.type === 'leaderChanged' ? `leader ${e.leader === null ? 'none' : nodeKey(e.leader)}` : `${e.type} ${nodeKey(e.member.node)}(${e.member.status})`,
  )
}
const keysOf = (ms: { node: NodeAddress }[]): string[] => ms.map((m) => nodeKey(m.node))
/** A table for self a#1 (started at 100) that is up, with b#1 (200) and c#1 (300) up too. */
function threeUp(): MemberTable {
  const table = new MemberTable(gm('a', 1, 100, 'up'))
  table.merge([gm('b', 1, 200, 'up'), gm('c', 1, 300, 'up')])
  return table
}

t.test('member table: self alone, then up', async (t) => {
  const table = new MemberTable(gm('a', 1, 100))
  t.same(table.self, at('a', 1))
  t.same(keysOf(table.members()), ['a#1'])
  t.equal(table.get(at('a', 1))?.status, 'joining')
  t.equal(table.leader(), null, 'a joining node does not lead')
  t.same(table.upMembers(), [])
  t.same(show(table.setStatus(at('a', 1), 'up')), ['memberUp a#1(up)', 'leader a#1'])
  t.same(table.leader(), at('a', 1))
  t.same(show(table.setStatus(at('a', 1), 'up')), [], 'no change, no events')
  t.same(show(table.setStatus(at('a', 1), 'joining')), [], 'no step back')
  t.same(show(table.setStatus(at('z', 1), 'down')), [], 'unknown member: nothing')
  t.same(show(table.setReachable(at('a', 1), false)), [], 'self is always reachable')
  t.equal(table.get(at('a', 1))?.reachable, true)
})

t.test('member table: merge adds members in order, oldest first, with their events', async (t) => {
  const table = new MemberTable(gm('a', 1, 300, 'up'))
  const events = table.merge([gm('c', 1, 200), gm('b', 1, 200, 'up'), gm('b', 2, 50, 'leaving')])
  t.same(show(events), [
    'memberJoined c#1(joining)',
    'memberJoined b#1(joining)',
    'memberUp b#1(up)',
    // b#2 is older than b#1: b#2 is the replaced run, a tombstone at once.
    'memberDown b#2(down)',
    'leader b#1',
  ])
  t.same(keysOf(table.members()), ['b#2', 'b#1', 'c#1', 'a#1'], 'startedAt, then id')
  t.same(keysOf(table.upMembers()), ['b#1', 'a#1'])
  // Equal startedAt: id, then incarnation.
  const ties = new MemberTable(gm('m', 5, 0))
  ties.merge([gm('k', 9, 0), gm('z', 1, 0), gm('k2', 1, 0)])
  t.same(keysOf(ties.members()), ['k#9', 'k2#1', 'm#5', 'z#1'])
  // Two runs of one id started in the same ms: the higher incarnation counts as the newer, on every node.
  t.same(show(ties.merge([gm('z', 0, 0, 'up')])), ['memberDown z#0(down)'])
  t.same(show(ties.merge([gm('k', 10, 0)])), ['memberDown k#9(down)', 'memberJoined k#10(joining)'])
})

t.test('member table: status only moves forward; transitions and their events', async (t) => {
  const table = new MemberTable(gm('a', 1, 100, 'up'))
  table.merge([gm('b', 1, 200), gm('c', 1, 300, 'up'), gm('d', 1, 400), gm('e', 1, 500, 'up')])
  t.same(show(table.merge([gm('b', 1, 200, 'removed')])), ['memberLeft b#1(removed)'], 'joining -> removed: memberLeft only')
  t.same(show(table.merge([gm('c', 1, 300, 'down')])), ['memberDown c#1(down)'])
  t.same(show(table.merge([gm('c', 1, 300, 'up')])), [], 'a stale up does not undo down')
  t.same(show(table.merge([gm('c', 1, 300, 'removed')])), ['memberLeft c#1(removed)'], 'down -> removed')
  t.same(show(table.merge([gm('d', 1, 400, 'leaving')])), ['memberUp d#1(leaving)'], 'joining -> leaving: it serves now')
  t.same(show(table.merge([gm('e', 1, 500, 'leaving')])), [], 'up -> leaving: no event of its own')
  t.same(show(table.merge([gm('e', 1, 500, 'removed')])), ['memberLeft e#1(removed)'], 'leaving -> removed')
  t.same(keysOf(table.members()), ['a#1', 'd#1'], 'removed members are not listed')
  t.same(
    table.gossip().map((g) => `${nodeKey(g.node)}:${g.status}`),
    ['a#1:up', 'b#1:removed', 'c#1:removed', 'd#1:leaving', 'e#1:removed'],
    'but are gossiped',
  )
  t.same(show(table.setStatus(at('d', 1), 'joining')), [])
  t.same(show(table.merge([gm('d', 1, 400, 'bogus' as MemberStatus), gm('q', 1, 1, 'bogus' as MemberStatus)])), [], 'unknown statuses off the wire are ignored')
  t.equal(table.get(at('q', 1)), undefined)
})

t.test('member table: merge is idempotent and its final state order-independent', async (t) => {
  // A small deterministic PRNG so failures reproduce.
  let seed = 42
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const statuses: MemberStatus[] = ['joining', 'up', 'leaving', 'down', 'removed']
  const bad: string[] = []
  for (let round = 0; round < 200; round++) {
    const views: GossipMember[][] = Array.from({ length: 4 }, () =>
      Array.from({ length: 1 + rand(6) }, () => {
        const id = 'bcd'[rand(3)] as string
        const incarnation = 1 + rand(2)
        // A run's startedAt is its own: later incarnations of an id started later.
        return gm(id, incarnation, incarnation * 1000 + id.charCodeAt(0), statuses[rand(5)])
      }),
    )
    const selfStatus = statuses[rand(3)] as MemberStatus
    const orders = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
    ]
    const finals = orders.map((order) => {
      const table = new MemberTable(gm('a', 1, 500, selfStatus))
      for (const i of order) table.merge(views[i] as GossipMember[])
      return { gossip: table.gossip(), leader: table.leader(), table }
    })
    const first = finals[0] as (typeof finals)[number]
    for (const f of finals.slice(1)) {
      if (JSON.stringify(f.gossip) !== JSON.stringify(first.gossip) || JSON.stringify(f.leader) !== JSON.stringify(first.leader)) {
        bad.push(`round ${round}: the order changed the outcome`)
      }
    }
    for (const view of views) {
      const again = first.table.merge(view)
      if (again.length > 0) bad.push(`round ${round}: merging a view again gave ${show(again).join(', ')}`)
    }
    // At most one live run per id.
    for (const id of 'bcd') {
      const live = first.gossip.filter((g) => g.node.id === id && g.status !== 'down' && g.status !== 'removed')
      if (live.length > 1) bad.push(`round ${round}: ${live.length} live runs of ${id}`)
    }
  }
  t.same(bad, [], '200 rounds of four random views in three orders')
})

t.test('member table: reachability events, and the leader moves to the next oldest', async (t) => {
  const table = threeUp()
  t.same(table.leader(), at('a', 1))
  const c = table.get(at('c', 1)) as Member
  t.equal(c.reachable, true)
  t.same(show(table.setReachable(at('c', 1), false)), ['memberUnreachable c#1(up)'])
  t.same(show(table.setReachable(at('c', 1), false)), [], 'no change, no event')
  t.same(keysOf(table.upMembers()), ['a#1', 'b#1'])
  t.same(keysOf(table.members()), ['a#1', 'b#1', 'c#1'], 'unreachable members are still members')
  t.same(show(table.setReachable(at('c', 1), true)), ['memberReachable c#1(up)'])

  // Leader unreachable: b leads; reachable again: a leads again.
  const view = new MemberTable(gm('b', 1, 200, 'up'))
  view.merge([gm('a', 1, 100, 'up'), gm('c', 1, 300, 'up')])
  t.same(view.leader(), at('a', 1))
  t.same(show(view.setReachable(at('a', 1), false)), ['memberUnreachable a#1(up)', 'leader b#1'])
  t.same(show(view.setReachable(at('a', 1), true)), ['memberReachable a#1(up)', 'leader a#1'])
  // Leader down: b leads, for good.
  t.same(show(view.merge([gm('a', 1, 100, 'down')])), ['memberDown a#1(down)', 'leader b#1'])
  t.same(show(view.setReachable(at('a', 1), false)), [], 'a down member’s reachability raises nothing')
  t.same(show(view.setReachable(at('a', 1), true)), [])
  t.same(view.leader(), at('b', 1))
  // A leaving leader passes the role on; the leaver still serves.
  t.same(show(view.setStatus(at('b', 1), 'leaving')), ['leader c#1'])
  t.same(keysOf(view.upMembers()), ['b#1', 'c#1'])
  t.same(show(view.setReachable(at('c', 1), false)), ['memberUnreachable c#1(up)', 'leader none'])
  t.equal(view.leader(), null)
  // Joining members get reachability events too, but never lead.
  t.same(show(view.merge([gm('d', 1, 50)])), ['memberJoined d#1(joining)'])
  t.same(show(view.setReachable(at('d', 1), false)), ['memberUnreachable d#1(joining)'])
  t.same(show(view.setReachable(at('z', 1), false)), [], 'unknown member: nothing')
})

t.test('member table: a restarted node replaces its previous run', async (t) => {
  const table = threeUp()
  // b restarted: new incarnation, later start. The old run goes down first, then the new joins.
  t.same(show(table.merge([gm('b', 7, 900, 'up')])), ['memberDown b#1(down)', 'memberJoined b#7(joining)', 'memberUp b#7(up)'])
  t.same(keysOf(table.upMembers()), ['a#1', 'c#1', 'b#7'])
  t.same(show(table.merge([gm('b', 1, 200, 'up')])), [], 'a stale view of the old run changes nothing')
  // Seen directly before any gossip: same outcome.
  const direct = threeUp()
  t.same(show(direct.saw(gm('b', 7, 900))), ['memberDown b#1(down)', 'memberJoined b#7(joining)'])
  // A node that only knows the new run and then hears of the old one: a tombstone, not a replacement.
  const fresh = new MemberTable(gm('a', 1, 100, 'up'))
  fresh.merge([gm('b', 7, 900, 'up')])
  t.same(show(fresh.merge([gm('b', 1, 200, 'up')])), ['memberDown b#1(down)'])
  t.equal(fresh.get(at('b', 7))?.status, 'up', 'the newer run stays')
  t.same(
    fresh.gossip().map((g) => `${nodeKey(g.node)}:${g.status}`),
    ['a#1:up', 'b#1:down', 'b#7:up'],
  )
  // The leader restarting hands leadership to the next oldest: its new run is the youngest.
  const view = new MemberTable(gm('b', 1, 200, 'up'))
  view.merge([gm('a', 1, 100, 'up')])
  t.same(show(view.merge([gm('a', 2, 1000, 'up')])), ['memberDown a#1(down)', 'memberJoined a#2(joining)', 'memberUp a#2(up)', 'leader b#1'])
})

t.test('member table: gossip about self', async (t) => {
  const table = threeUp()
  t.same(show(table.merge([gm('a', 1, 100, 'joining'), gm('a', 1, 100, 'leaving')])), [], 'others cannot move self (but to down)')
  t.equal(table.get(at('a', 1))?.status, 'up')
  t.same(show(table.merge([gm('a', 1, 100, 'down')])), ['memberDown a#1(down)', 'leader b#1'], 'the cluster downed this run: the runtime must leave')
  t.same(show(table.merge([gm('a', 1, 100, 'removed')])), ['memberLeft a#1(removed)'])
  t.same(show(table.setStatus(at('a', 1), 'up')), [], 'and it cannot come back')

  const removed = threeUp()
  t.same(show(removed.merge([gm('a', 1, 100, 'removed')])), ['memberLeft a#1(removed)', 'leader b#1'], 'up -> removed: memberLeft only')

  // A newer run of this node's id exists: this run is the stale one.
  const stale = threeUp()
  t.same(show(stale.merge([gm('a', 2, 5000, 'joining')])), ['memberDown a#1(down)', 'memberJoined a#2(joining)', 'leader b#1'])
  // This node restarted: its previous run, still listed by others, goes down here (and the news spreads).
  const restarted = new MemberTable(gm('a', 2, 5000))
  t.same(show(restarted.merge([gm('a', 1, 100, 'up'), gm('b', 1, 200, 'up')])), [
    'memberDown a#1(down)',
    'memberJoined b#1(joining)',
    'memberUp b#1(up)',
    'leader b#1',
  ])
  t.equal(restarted.get(at('a', 2))?.status, 'joining')
  t.same(
    restarted.gossip().map((g) => `${nodeKey(g.node)}:${g.status}`),
    ['a#1:down', 'b#1:up', 'a#2:joining'],
  )
})

t.test('member table: saw adds as joining and takes the advertised URL', async (t) => {
  const table = new MemberTable(gm('a', 1, 100, 'up'))
  t.same(show(table.saw(gm('b', 1, 200))), ['memberJoined b#1(joining)'])
  t.same(show(table.saw(gm('b', 1, 200))), [])
  t.same(show(table.saw({ ...gm('b', 1, 200), advertise: 'ws://10.0.0.2:7000' })), [])
  t.equal(table.get(at('b', 1))?.advertise, 'ws://10.0.0.2:7000')
  t.same(show(table.merge([{ ...gm('b', 1, 200), advertise: 'ws://elsewhere' }])), [])
  t.equal(table.get(at('b', 1))?.advertise, 'ws://10.0.0.2:7000', 'gossip does not rewrite what the node said itself')
  t.same(show(table.saw(gm('b', 1, 200, 'up'))), ['memberUp b#1(up)'])
  t.same(show(table.saw(gm('a', 1, 100, 'leaving'))), [], 'self via saw: ignored like gossip')
  // Snapshots are copies.
  const b = table.get(at('b', 1)) as Member
  b.status = 'removed'
  b.reachable = false
  t.equal(table.get(at('b', 1))?.status, 'up')
  t.equal(table.get(at('b', 1))?.reachable, true)
})

t.test('member table: prune drops down and removed members after their time to live', async (t) => {
  const table = threeUp()
  table.merge([gm('d', 1, 400, 'up'), gm('e', 1, 500)])
  table.setStatus(at('b', 1), 'down', 1000)
  table.merge([gm('c', 1, 300, 'removed')], 2000)
  table.prune(2000, 1000)
  t.same(keysOf(table.gossip()), ['a#1', 'b#1', 'c#1', 'd#1', 'e#1'], 'b is exactly 1000 ms old: kept')
  table.setStatus(at('d', 1), 'down') // no time given: the next prune stamps it
  table.prune(2001, 1000)
  t.same(keysOf(table.gossip()), ['a#1', 'c#1', 'd#1', 'e#1'])
  table.prune(3001, 1000)
  t.same(keysOf(table.gossip()), ['a#1', 'd#1', 'e#1'])
  table.prune(3002, 1000)
  t.same(keysOf(table.gossip()), ['a#1', 'e#1'], 'd: 1000 ms after the prune that first saw it down')
  // Entering removed restarts the clock: the removal must be gossiped for a while too.
  table.setStatus(at('e', 1), 'down', 4000)
  table.setStatus(at('e', 1), 'removed', 4900)
  table.prune(5500, 1000)
  t.same(keysOf(table.gossip()), ['a#1', 'e#1'])
  // Self is never dropped.
  table.merge([gm('a', 1, 100, 'down')], 6000)
  table.prune(1e9, 0)
  t.same(keysOf(table.gossip()), ['a#1'])
  // A dropped run listed again by a stale view comes back as new, unless a newer run of its id is known.
  const t2 = threeUp()
  t2.merge([gm('b', 2, 900, 'up')], 0)
  t2.prune(10_000, 1000)
  t.equal(t2.get(at('b', 1)), undefined)
  t.same(show(t2.merge([gm('b', 1, 200, 'up')], 10_000)), ['memberDown b#1(down)'])
  t.equal(t2.get(at('b', 2))?.status, 'up')
})

t.test('cluster options: every bad field named at start, defaults filled, addresses normalised', async (t) => {
  const { ActorSystem } = await import('../../lib/index.js')
  const { resolveClusterOptions, toWsUrl } = await import('../../lib/cluster/options.js')
  const err = await ActorSystem.start({
    workers: 0,
    logLevel: 'silent',
    cluster: {
      listen: 'nowhere',
      secret: 'short',
      seeds: [''],
      downAfterMs: -1,
      tls: { cert: 1 } as never,
      discovery: {} as never,
      failureDetector: { threshold: 0 },
      bogus: true,
    } as never,
  }).catch((e: unknown) => e)
  t.type(err, TypeError)
  for (const field of ["cluster.listen must be 'host:port'", 'cluster.secret', 'cluster.seeds', 'cluster.downAfterMs', 'cluster.tls', 'cluster.discovery', 'cluster.failureDetector.threshold', 'cluster.bogus is not a cluster option']) {
    t.match((err as Error).message, field, `names ${field}`)
  }
  const problems: string[] = []
  t.equal(resolveClusterOptions(undefined, problems), null, 'no cluster option: a lone node')
  t.equal(resolveClusterOptions(7, problems), null)
  t.match(problems, [/cluster must be an object/])
  const o = resolveClusterOptions({ secret: 'long-enough-secret', listen: { port: 0 }, seeds: ['10.0.0.1:30101', 'wss://b:1/'] }, [])
  t.match(o, { listenHost: '0.0.0.0', listenPort: 0, advertise: null, seeds: ['ws://10.0.0.1:30101', 'wss://b:1'], heartbeatIntervalMs: 1000, downAfterMs: 10_000 })
  t.match(o?.failureDetector, { threshold: 8, acceptableHeartbeatPauseMs: 3000 }, "Akka's defaults")
  const ipv6 = resolveClusterOptions({ secret: 'long-enough-secret', listen: '[::1]:4000' }, [])
  t.match(ipv6, { listenHost: '::1', listenPort: 4000 })
  const all = resolveClusterOptions({ secret: 'long-enough-secret', listen: '0.0.0.0:4001', tls: { cert: 'c', key: 'k' } }, [])
  t.match(all?.advertise, /^wss:\/\/.+:4001$/, 'listening on every interface: advertise the pod IP or host name, wss with TLS')
  t.equal(toWsUrl('h:1', false), 'ws://h:1')
})

t.test('split brain, keep-majority: majority keeps, minority downs itself, a tie keeps the oldest', async (t) => {
  const { keepMajority, oldestOf } = await import('../../lib/cluster/split-brain.js')
  const m = (id: string, startedAt: number) => ({ key: `${id}#1`, id, startedAt })
  const five = [m('a', 1), m('b', 2), m('c', 3), m('d', 4), m('e', 5)]
  const sees = (...ids: string[]) => (key: string) => ids.some((id) => key === `${id}#1`)
  t.equal(keepMajority(five, sees('a', 'b', 'c', 'd', 'e')), 'stable')
  t.equal(keepMajority(five, sees('c', 'd', 'e')), 'keep', '3 of 5')
  t.equal(keepMajority(five, sees('a', 'b')), 'downSelf', '2 of 5, even with the oldest')
  const four = five.slice(0, 4)
  t.equal(keepMajority(four, sees('a', 'c')), 'keep', '2 of 4 with the oldest')
  t.equal(keepMajority(four, sees('b', 'd')), 'downSelf', '2 of 4 without it')
  t.equal(keepMajority([m('a', 1), m('b', 2)], sees('a')), 'keep', 'two nodes: the oldest survives the other')
  t.equal(keepMajority([m('a', 1), m('b', 2)], sees('b')), 'downSelf', 'and the younger alone downs itself')
  t.equal(oldestOf([m('x', 5), m('b', 3), m('a', 3)])?.id, 'a', 'ties by start time go to the smaller id')
  t.equal(oldestOf([]), undefined)
})
