// Cluster membership's pure building blocks on one thread: the phi-accrual failure detector,
// the consistent-hash ring (and its murmur3) and the member table.
import t from 'tap'
import { AKKA_DEFAULTS, PhiAccrualFailureDetector } from '../../lib/cluster/failure-detector.js'
import { hash32, HashRing, murmur3 } from '../../lib/cluster/hash-ring.js'

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

const keys = Array.from({ length: 10_000 }, (_, i) => `actor/${i}`)
function owners(ring: HashRing): Map<string, string> {
  return new Map(keys.map((k) => [k, ring.owner(k) as string]))
}

t.test('hash ring: empty, single, determinism, order-independence', async (t) => {
  t.equal(new HashRing([]).owner('x'), undefined)
  t.same(new HashRing([]).members, [])
  t.equal(new HashRing(['node-a#1']).owner('x'), 'node-a#1')
  const a = new HashRing(['node-c#3', 'node-a#1', 'node-b#2', 'node-a#1'])
  const b = new HashRing(['node-a#1', 'node-b#2', 'node-c#3'])
  t.same(a.members, ['node-a#1', 'node-b#2', 'node-c#3'], 'deduplicated and sorted')
  t.same(owners(a), owners(b), 'same members, same owners, whatever the order')
  t.throws(() => new HashRing(['a'], 0), TypeError)
  t.throws(() => new HashRing(['a'], 1.5), TypeError)
})

t.test('hash ring: balance over three members', async (t) => {
  const ring = new HashRing(['node-a#123456', 'node-b#234567', 'node-c#345678'])
  const counts = new Map<string, number>()
  for (const o of owners(ring).values()) counts.set(o, (counts.get(o) ?? 0) + 1)
  t.equal(counts.size, 3)
  for (const [m, n] of counts) t.ok(n >= 2000 && n <= 4700, `${m} owns ${n / 100}%`)
})

t.test('hash ring: adding or removing a member moves only its share', async (t) => {
  const three = ['node-a#123456', 'node-b#234567', 'node-c#345678']
  const before = owners(new HashRing(three))
  const after = owners(new HashRing([...three, 'node-d#456789']))
  let moved = 0
  for (const [k, o] of after) {
    if (o !== before.get(k)) {
      moved++
      if (o !== 'node-d#456789') t.fail(`${k} moved from ${before.get(k)} to ${o}`)
    }
  }
  t.ok(moved > 1500 && moved < 3500, `${moved / 100}% moved (about 25% expected)`)
  const two = owners(new HashRing(['node-a#123456', 'node-c#345678']))
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
    const ring = new HashRing(members, 1)
    for (const k of keys.slice(0, 50)) t.equal(ring.owner(k), 'n100940', 'the smaller string wins the tie')
  }
})
