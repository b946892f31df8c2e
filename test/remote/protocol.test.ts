// The wire protocol on one thread: the committed generated code is what `npm run proto` makes
// of wire.proto; every Frame body survives encode/decode with its fields; garbage and truncated
// frames make the decoder throw, never hang or crash; handshake tokens pass only with the right
// secret, node run and age.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { PROTOCOL_VERSION, wire } from '../../lib/remote/wire.js'
import type { coerce } from '../../lib/remote/protocol/wire.js'
import { checkToken, DEFAULT_TOKEN_TTL_MS, makeToken } from '../../lib/remote/auth.js'
import { bytes, random } from '../helpers/random.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

type FrameProps = coerce.wire.Frame.$Properties
type Body = NonNullable<FrameProps['body']>
const BODIES: readonly Body[] = ['hello', 'welcome', 'heartbeat', 'heartbeatAck', 'gossip', 'batch', 'close', 'leave']

function roundTrip(props: FrameProps): coerce.wire.Frame {
  return wire.Frame.decode(wire.Frame.encode(props).finish())
}


function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array): boolean {
  return a != null && Buffer.compare(a, b) === 0
}

t.test('the committed wire.js and wire.d.ts are what npm run proto generates', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'coerce-proto-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await run(process.execPath, [join(root, 'scripts/gen-proto.mjs'), dir], { cwd: root })
  for (const file of ['wire.js', 'wire.d.ts']) {
    const fresh = readFileSync(join(dir, file), 'utf8')
    const committed = readFileSync(join(root, 'lib/remote/protocol', file), 'utf8')
    const a = committed.split('\n')
    const b = fresh.split('\n')
    let line = 0
    while (line < a.length && a[line] === b[line]) line++
    // t.equal would print two 80 KB strings; the first differing line says enough.
    t.ok(
      fresh === committed,
      fresh === committed
        ? `${file} is current`
        : `lib/remote/protocol/${file} differs from what wire.proto generates at line ${line + 1} ` +
            `(committed: ${JSON.stringify(a[line] ?? '<end>')}, generated: ${JSON.stringify(b[line] ?? '<end>')}): run npm run proto`,
    )
  }
})

t.test('every Frame body round-trips; the oneof is exposed as `body`, the camelCase field name', async (t) => {
  const token = Uint8Array.from({ length: 32 }, (_, i) => i * 7)
  const hello = roundTrip({
    hello: {
      protocolVersion: PROTOCOL_VERSION,
      node: { id: 'node-a', incarnation: 0xffffffff },
      advertise: 'wss://10.0.0.1:30101',
      startedAt: 1764400000123.25,
      lane: wire.Lane.USER,
      timestamp: 1764400012345.5,
      token,
    },
  })
  t.equal(hello.body, 'hello')
  t.equal(hello.hello?.protocolVersion, PROTOCOL_VERSION)
  t.equal(hello.hello?.node?.id, 'node-a')
  t.equal(hello.hello?.node?.incarnation, 0xffffffff, 'uint32 keeps its full unsigned range')
  t.equal(hello.hello?.advertise, 'wss://10.0.0.1:30101')
  t.equal(hello.hello?.startedAt, 1764400000123.25, 'double keeps fractions of a millisecond')
  t.equal(hello.hello?.lane, wire.Lane.USER)
  t.equal(hello.hello?.timestamp, 1764400012345.5)
  t.ok(sameBytes(hello.hello?.token, token), 'token bytes')

  // proto3 leaves zero values off the wire; decoded, they read as the defaults.
  const welcome = roundTrip({ welcome: { protocolVersion: PROTOCOL_VERSION, node: { id: 'node-b', incarnation: 0 }, lane: wire.Lane.SYSTEM } })
  t.equal(welcome.body, 'welcome')
  t.equal(welcome.welcome?.node?.incarnation, 0)
  t.equal(welcome.welcome?.lane, wire.Lane.SYSTEM)
  t.equal(welcome.welcome?.advertise, '')
  t.equal(welcome.welcome?.timestamp, 0)
  t.equal(welcome.welcome?.token?.length, 0)
  t.equal(welcome.hello, null, 'the other bodies read null')

  const heartbeat = roundTrip({ heartbeat: { seq: 0xffffffff, sentAt: 1764400012345.125 } })
  t.equal(heartbeat.body, 'heartbeat')
  t.same([heartbeat.heartbeat?.seq, heartbeat.heartbeat?.sentAt], [0xffffffff, 1764400012345.125])

  const ack = roundTrip({ heartbeatAck: { seq: 1, sentAt: 0.5 } })
  t.equal(ack.body, 'heartbeatAck', 'heartbeat_ack is heartbeatAck in body and as the field')
  t.same([ack.heartbeatAck?.seq, ack.heartbeatAck?.sentAt], [1, 0.5])

  const members = [
    { node: { id: 'a', incarnation: 1 }, advertise: 'ws://a:1', status: wire.MemberStatus.UP, startedAt: 10 },
    { node: { id: 'b', incarnation: 2 }, advertise: 'ws://b:2', status: wire.MemberStatus.LEAVING, startedAt: 20.5 },
    { node: { id: 'c', incarnation: 3 }, advertise: 'ws://c:3', status: wire.MemberStatus.REMOVED, startedAt: 30 },
  ]
  const gossip = roundTrip({ gossip: { members } })
  t.equal(gossip.body, 'gossip')
  t.same(
    gossip.gossip?.members?.map((m) => ({ node: { id: m.node?.id, incarnation: m.node?.incarnation }, advertise: m.advertise, status: m.status, startedAt: m.startedAt })),
    members,
  )

  const big = Uint8Array.from({ length: 100 * 1024 }, (_, i) => (i * 31) & 0xff)
  const envelopes = [
    { kind: 0, originThread: 0, targetThread: 0, requestId: 0, payload: new Uint8Array(0) },
    { kind: 3, originThread: 1, targetThread: 4, requestId: 0xffffffff, payload: big },
    { kind: 7, originThread: 2, targetThread: 0, requestId: 42, payload: Uint8Array.of(0x92, 0x01, 0xc0) },
  ]
  const batch = roundTrip({ batch: { envelopes } })
  t.equal(batch.body, 'batch')
  const got = batch.batch?.envelopes ?? []
  t.equal(got.length, 3)
  envelopes.forEach((e, i) => {
    const g = got[i]
    t.same([g?.kind, g?.originThread, g?.targetThread, g?.requestId], [e.kind, e.originThread, e.targetThread, e.requestId], `envelope ${i} header`)
    t.ok(sameBytes(g?.payload, e.payload), `envelope ${i} payload (${e.payload.length} bytes)`)
  })

  const close = roundTrip({ close: { code: wire.CloseCode.TOO_LARGE, reason: 'frame of 2 MB > limit 1 MB' } })
  t.equal(close.body, 'close')
  t.same([close.close?.code, close.close?.reason], [wire.CloseCode.TOO_LARGE, 'frame of 2 MB > limit 1 MB'])
  // A Close with the zero code is an empty message but still a `close` body.
  const normal = roundTrip({ close: { code: wire.CloseCode.NORMAL } })
  t.same([normal.body, normal.close?.code, normal.close?.reason], ['close', wire.CloseCode.NORMAL, ''])

  const leave = roundTrip({ leave: { node: { id: 'node-c', incarnation: 99 } } })
  t.equal(leave.body, 'leave')
  t.same([leave.leave?.node?.id, leave.leave?.node?.incarnation], ['node-c', 99])

  const seen = [hello, welcome, heartbeat, ack, gossip, batch, close, leave].map((f) => f.body)
  t.same(seen, BODIES, 'all eight bodies covered')
  for (const f of [hello, heartbeat, batch, leave]) {
    t.equal(BODIES.filter((b) => f[b] != null).length, 1, `${f.body}: exactly one body field is set`)
  }
})

t.test('decoder edge cases the network thread must handle itself', async (t) => {
  // An empty message is a valid, empty Frame: no body.
  t.equal(wire.Frame.decode(new Uint8Array(0)).body, undefined, 'an empty frame has no body (treat as malformed)')
  // Encoding does not range-check (generated with --no-verify): uint32 fields wrap modulo 2^32.
  t.equal(roundTrip({ heartbeat: { seq: 2 ** 32 + 5 } }).heartbeat?.seq, 5)
  t.equal(roundTrip({ heartbeat: { seq: -1 } }).heartbeat?.seq, 0xffffffff)
  // Encoding a plain object with two bodies writes both; decoding keeps the last one on the wire.
  const two = roundTrip({ hello: { advertise: 'x' }, leave: { node: { id: 'y' } } })
  t.same([two.body, two.hello, two.leave?.node?.id], ['leave', null, 'y'])
  // An unknown field (a newer peer's body) decodes to a frame without a body, not an error.
  t.equal(wire.Frame.decode(Uint8Array.of(0x4a, 0x00)).body, undefined, 'unknown field 9 is skipped')
})

t.test('garbage never crashes or hangs the decoder; truncated frames throw', async (t) => {
  const next = random(0xc0ffee)
  let threw = 0
  let decoded = 0
  for (let i = 0; i < 5_000; i++) {
    const input = bytes(Math.floor(next() * 300), next)
    try {
      const f = wire.Frame.decode(input)
      if (!(f instanceof wire.Frame)) t.fail(`input ${i} decoded to something not a Frame`)
      decoded++
    } catch (e) {
      if (!(e instanceof Error)) t.fail(`input ${i} threw a non-Error: ${String(e)}`)
      threw++
    }
  }
  t.equal(threw + decoded, 5_000, `5000 random inputs: ${threw} threw an Error, ${decoded} decoded to a Frame`)

  // Pathological inputs: deep group nesting, an over-long varint, a length past the end.
  t.throws(() => wire.Frame.decode(new Uint8Array(100_000).fill(0x0b)), /max depth/, '100 000 nested groups hit the depth limit, not the stack')
  t.throws(() => wire.Frame.decode(new Uint8Array(16).fill(0xff)), Error, 'an eleven-byte varint')
  t.throws(() => wire.Frame.decode(Uint8Array.of(0x32, 0xff, 0xff, 0xff, 0xff, 0x07)), RangeError, 'a 2 GB length in 6 bytes')

  const frames: FrameProps[] = [
    { hello: { protocolVersion: 1, node: { id: 'n', incarnation: 7 }, advertise: 'ws://n:1', startedAt: 1.5, lane: wire.Lane.USER, timestamp: 2.5, token: new Uint8Array(32).fill(1) } },
    { heartbeat: { seq: 3, sentAt: 4.5 } },
    { gossip: { members: [{ node: { id: 'a', incarnation: 1 }, status: wire.MemberStatus.UP }] } },
    { batch: { envelopes: [{ kind: 1, payload: new Uint8Array(0) }, { kind: 2, requestId: 9, payload: new Uint8Array(100 * 1024).fill(5) }] } },
    { close: { code: wire.CloseCode.MALFORMED, reason: 'x' } },
    { leave: { node: { id: 'n', incarnation: 7 } } },
  ]
  for (const props of frames) {
    const full = wire.Frame.encode(props).finish()
    const body = wire.Frame.decode(full).body
    let passed = 0
    // Every proper non-empty prefix: the outer length runs past the end, so decode throws at once.
    for (let n = 1; n < full.length; n++) {
      try {
        wire.Frame.decode(full.subarray(0, n))
        t.fail(`${body} cut to ${n} of ${full.length} bytes decoded`)
        break
      } catch (e) {
        if (e instanceof Error) passed++
      }
    }
    t.equal(passed, full.length - 1, `${body}: all ${full.length - 1} truncations throw`)
  }
})

t.test('handshake tokens', async (t) => {
  const secret = 'cluster secret'
  const node = { id: 'node-a', incarnation: 123456789 }
  const now = 1_764_400_000_000
  const ttl = DEFAULT_TOKEN_TTL_MS
  t.equal(ttl, 30_000)
  const token = makeToken(secret, node, now)
  t.equal(token.length, 32, 'HMAC-SHA256 is 32 bytes')
  t.same(makeToken(secret, node, now), token, 'deterministic')

  t.equal(checkToken(secret, { node, timestamp: now, token }, now, ttl), null, 'valid')
  t.equal(checkToken(secret, { node, timestamp: now, token }, now + ttl, ttl), null, 'valid at exactly the ttl')
  t.equal(checkToken(secret, { node, timestamp: now, token }, now - ttl, ttl), null, 'valid at exactly the ttl ahead')

  t.equal(checkToken('other secret', { node, timestamp: now, token }, now, ttl), 'bad token (wrong secret?)')
  t.equal(checkToken(secret, { node: { ...node, incarnation: node.incarnation + 1 }, timestamp: now, token }, now, ttl), 'bad token (wrong secret?)', 'tampered incarnation')
  t.equal(checkToken(secret, { node: { ...node, id: 'node-b' }, timestamp: now, token }, now, ttl), 'bad token (wrong secret?)', 'tampered id')
  t.equal(checkToken(secret, { node, timestamp: now + 1, token }, now, ttl), 'bad token (wrong secret?)', 'tampered timestamp')
  const flipped = Uint8Array.from(token)
  flipped[31] = (flipped[31] as number) ^ 1
  t.equal(checkToken(secret, { node, timestamp: now, token: flipped }, now, ttl), 'bad token (wrong secret?)', 'one bit flipped')

  t.equal(checkToken(secret, { node, timestamp: now, token }, now + ttl + 1, ttl), 'token expired (age 30001 ms > ttl 30000 ms)')
  const old = now - 3_600_000
  t.equal(
    checkToken(secret, { node, timestamp: old, token: makeToken(secret, node, old) }, now, ttl),
    'token expired (age 3600000 ms > ttl 30000 ms)',
  )
  t.match(checkToken(secret, { node, timestamp: now, token }, now - ttl - 5, ttl), /^token from the future \(30005 ms ahead > ttl 30000 ms/)
  t.equal(checkToken('other secret', { node, timestamp: old, token: makeToken(secret, node, old) }, now, ttl), 'bad token (wrong secret?)', 'a forged token is bad whatever its age')

  for (const missing of [undefined, null, new Uint8Array(0)]) {
    t.equal(checkToken(secret, { node, timestamp: now, token: missing }, now, ttl), 'missing token', `token ${String(missing)}`)
  }
  // timingSafeEqual throws on a length mismatch: the length is checked first.
  const long = Buffer.concat([token, token])
  for (const n of [1, 31, 33, 64]) {
    t.doesNotThrow(() => t.equal(checkToken(secret, { node, timestamp: now, token: long.subarray(0, n) }, now, ttl), `bad token (${n} bytes, expected 32)`), `${n} bytes`)
  }
  t.equal(checkToken(secret, { node, timestamp: Number.NaN, token }, now, ttl), 'bad token timestamp', 'NaN would pass both age checks')

  // Through the wire: proto3 drops zero values and the decoded defaults check the same.
  for (const incarnation of [0, 1, 0xffffffff]) {
    const run = { id: 'node-z', incarnation }
    const hs = roundTrip({ hello: { node: run, timestamp: now, token: makeToken(secret, run, now) } }).hello
    t.equal(checkToken(secret, hs ?? {}, now + 10, ttl), null, `incarnation ${incarnation} after encode/decode`)
  }
  t.equal(checkToken(secret, {}, now, ttl), 'missing token', 'an empty handshake')
  t.equal(checkToken(secret, { token: makeToken(secret, { id: '', incarnation: 0 }, 0) }, 0, ttl), null, 'absent fields check as their defaults')
})
