// The discovery contract and the providers without an API server: peer helpers and diffs,
// the pod rules one by one, backoff, the static provider, and the DNS provider against a real
// DNS server on a local UDP port.
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import type { V1Pod } from '@kubernetes/client-node'
import { DnsDiscovery, StaticDiscovery, diffPeers, isDiscoveryError, peerAddress, peerKey, sortPeers, type DiscoveryChange, type Peer } from '../../lib/index.js'
import { peerMap } from '../../lib/cluster/discovery/diff.js'
import { evaluatePod, podOrdinal } from '../../lib/cluster/discovery/k8s/pods.js'
import { parseHostPort } from '../../lib/cluster/discovery/static.js'
import { DEFAULT_RETRY, resolveRetry, retryDelay } from '../../lib/cluster/discovery/watch-loop.js'
import { makePod, waitFor } from '../helpers/fake-k8s.js'

const peer = (podName: string, host = '10.0.0.1', extra: Partial<Peer> = {}): Peer => ({ podName, namespace: 'ns', host, port: 30101, labels: {}, ...extra })

t.test('peer helpers: key, address (IPv6 in brackets), sort, diff', async (t) => {
  t.equal(peerKey(peer('a')), 'ns/a')
  t.equal(peerAddress(peer('a', '10.0.0.1')), '10.0.0.1:30101')
  t.equal(peerAddress(peer('a', 'fd00::1')), '[fd00::1]:30101')
  t.equal(peerAddress(peer('a', 'coerce-0.coerce')), 'coerce-0.coerce:30101')
  t.same(sortPeers([peer('b'), peer('a'), peer('c')]).map((p) => p.podName), ['a', 'b', 'c'])
  const before = peerMap([peer('a'), peer('b', '10.0.0.2'), peer('c', '10.0.0.3', { labels: { x: '1' } }), peer('d', '10.0.0.4', { ordinal: 3 })])
  const after = peerMap([peer('a'), peer('b', '10.0.0.9'), peer('c', '10.0.0.3', { labels: { x: '2' } }), peer('d', '10.0.0.4', { ordinal: 3 }), peer('e')])
  const d = diffPeers(before, after)
  t.same(d?.joined.map((p) => p.podName), ['e'])
  t.same(d?.changed.map((p) => p.podName), ['b', 'c'], 'new host and new label value are changes')
  t.same(d?.left, [])
  t.same(d?.peers.map((p) => p.podName), ['a', 'b', 'c', 'd', 'e'])
  t.same(diffPeers(after, peerMap([peer('a')]))?.left.map((p) => p.podName), ['b', 'c', 'd', 'e'])
  t.equal(diffPeers(after, peerMap(after.values())), null, 'no change, no diff')
  const labelsGrow = diffPeers(peerMap([peer('a', '1', { labels: { x: '1' } })]), peerMap([peer('a', '1', { labels: { x: '1', y: '2' } })]))
  t.same(labelsGrow?.changed.map((p) => p.podName), ['a'], 'an added label is a change')
  const portMoves = diffPeers(peerMap([peer('a')]), peerMap([{ ...peer('a'), port: 1 }]))
  t.same(portMoves?.changed.map((p) => p.port), [1])
})

t.test('pod rules: each reason to skip, in order, and what a peer carries', async (t) => {
  const rules = { portName: 'coerce', addressMode: 'podIp' as const }
  const verdict = (p: object, r: { portName: string; addressMode: 'podIp' | 'hostname' } = rules) => evaluatePod(p as V1Pod, r)
  t.same(verdict({}), { skip: 'pod has no metadata.name' })
  t.same(verdict({ metadata: { name: 'x' } }), { skip: 'phase is unknown, not Running' })
  t.same(verdict(makePod({ name: 'x', phase: 'Failed', deleting: true })), { skip: 'terminating (deletionTimestamp is set)' }, 'terminating wins')
  const notReady = makePod({ name: 'x' })
  notReady.status.conditions = [{ type: 'Ready', status: 'Unknown' }]
  t.same(verdict(notReady), { skip: 'not ready (Ready=Unknown)' })
  const noContainers = makePod({ name: 'x' }) as unknown as { spec: Record<string, unknown> }
  noContainers.spec = {}
  t.same(verdict(noContainers), { skip: "no container port named 'coerce' (named ports: none)" })
  const multi = makePod({ name: 'x', ip: '10.9.9.9' })
  multi.spec.containers.push({ name: 'sidecar', image: 'envoy', ports: [{ name: 'admin', containerPort: 9901 }] })
  t.same(verdict(multi, { portName: 'admin', addressMode: 'podIp' }), { peer: { podName: 'x', namespace: 'default', host: '10.9.9.9', port: 9901, labels: { app: 'coerce' } } }, 'the port may be on any container')
  const zeroPort = makePod({ name: 'x', ports: [{ name: 'coerce', containerPort: 0 }] })
  t.match(verdict(zeroPort), { skip: /no container port named 'coerce'/ })
  const noNs = makePod({ name: 'x' }) as unknown as { metadata: Record<string, unknown> }
  delete noNs.metadata['namespace']
  delete noNs.metadata['labels']
  t.match(verdict(noNs), { peer: { namespace: '', labels: {} } })
  t.match(verdict(makePod({ name: 'x', hostname: 'h' }), { portName: 'coerce', addressMode: 'hostname' }), { error: /has no spec\.subdomain,/ })
  t.match(verdict(makePod({ name: 'x' }), { portName: 'coerce', addressMode: 'hostname' }), { error: /has no spec\.hostname and spec\.subdomain/ })

  const sts = makePod({ name: 'web-12', statefulSet: 'web' }) as unknown as V1Pod
  t.equal(podOrdinal(sts, 'web-12'), 12)
  t.equal(podOrdinal(makePod({ name: 'web-12', statefulSet: 'other' }) as unknown as V1Pod, 'web-12'), undefined, 'name must be <owner>-<n>')
  t.equal(podOrdinal(makePod({ name: 'web-x', statefulSet: 'web' }) as unknown as V1Pod, 'web-x'), undefined)
  t.equal(podOrdinal(makePod({ name: 'rs-abc12' }) as unknown as V1Pod, 'rs-abc12'), undefined, 'no StatefulSet owner')
  t.equal(podOrdinal(makePod({ name: 'a', labels: { 'apps.kubernetes.io/pod-index': '7' } }) as unknown as V1Pod, 'a'), 7, 'pod-index label')
  t.equal(podOrdinal(makePod({ name: 'web-1', statefulSet: 'web', labels: { 'apps.kubernetes.io/pod-index': 'x' } }) as unknown as V1Pod, 'web-1'), 1, 'bad label falls back to the name')
})

t.test('retry backoff: exponential, capped, jittered; options validated', async (t) => {
  const r = { minMs: 100, maxMs: 1000, factor: 2 }
  const samples = Array.from({ length: 200 }, () => [retryDelay(r, 1), retryDelay(r, 3), retryDelay(r, 9)] as const)
  t.ok(samples.every(([d1, d3, d9]) => d1 >= 50 && d1 <= 100 && d3 >= 200 && d3 <= 400 && d9 >= 500 && d9 <= 1000), 'delay in [d/2, d], d = min * factor^(n-1) capped at max')
  t.ok(new Set(samples.map((s) => s[0])).size > 1, 'jittered')
  const problems: string[] = []
  t.same(resolveRetry(undefined, 'retry', problems), DEFAULT_RETRY)
  resolveRetry({ minMs: -1, maxMs: Infinity, factor: 0.5 }, 'retry', problems)
  resolveRetry({ minMs: 10, maxMs: 5 }, 'r2', problems)
  t.same(problems, [
    'retry.minMs must be a positive number of ms (got -1)',
    'retry.maxMs must be a positive number of ms (got Infinity)',
    'retry.factor must be >= 1 (got 0.5)',
    'r2.maxMs must be >= r2.minMs',
  ])
})

t.test('static provider: host:port seeds from options or COERCE_SEED_PEERS', async (t) => {
  t.same(parseHostPort('10.0.0.1:30101'), { host: '10.0.0.1', port: 30101 })
  t.same(parseHostPort('[fd00::1]:1'), { host: 'fd00::1', port: 1 })
  t.same(parseHostPort('node-a.local:80'), { host: 'node-a.local', port: 80 })
  t.equal(parseHostPort('nohost'), "'nohost' is not host:port")
  t.equal(parseHostPort('[zz]:1'), "'[zz]:1': 'zz' is not an IPv6 address")
  t.equal(parseHostPort('a:70000'), "'a:70000': port must be 1-65535")
  const s = new StaticDiscovery({ peers: ['b:2', 'a:1', peer('c')] })
  t.same((await s.discover()).map(peerAddress), ['a:1', 'b:2', '10.0.0.1:30101'], 'sorted by namespace/name')
  t.same((await s.discover()).map((p) => p.podName), ['a:1', 'b:2', 'c'])
  const fromEnv = new StaticDiscovery()
  t.same(await fromEnv.discover(), [], 'no env, no peers')
  process.env['COERCE_SEED_PEERS'] = ' 10.1.1.1:30101 , [fd00::2]:30101,'
  t.teardown(() => delete process.env['COERCE_SEED_PEERS'])
  t.same((await new StaticDiscovery().discover()).map(peerAddress), ['10.1.1.1:30101', '[fd00::2]:30101'])
  t.throws(() => new StaticDiscovery({ peers: ['ok:1', 'bad', 'x:0'] }), { name: 'TypeError', message: /'bad' is not host:port; 'x:0': port must be 1-65535/ })
  const changes: DiscoveryChange[] = []
  const stop = s.watch((c) => changes.push(c))
  await waitFor(() => changes.length === 1, 'static join')
  t.same(changes[0]?.joined.length, 3)
  await stop()
})

// A real DNS server (dns2) on a free UDP port; its answers are edited by the test.
const dns2 = createRequire(import.meta.url)('dns2') as {
  createServer(o: { udp: boolean; handle: (req: DnsPacket, send: (res: DnsPacket) => void) => void }): {
    listen(o: { udp: { port: number; address: string } }): Promise<void>
    addresses(): { udp?: AddressInfo }
    close(): Promise<void>
  }
  Packet: { TYPE: Record<string, number>; CLASS: Record<string, number>; createResponseFromRequest(r: DnsPacket): DnsPacket }
}
type DnsPacket = { questions: Array<{ name: string; type: number }>; answers: unknown[]; header: { rcode: number } }

async function startDns(t: Test, zone: Map<string, Array<{ type: 'SRV' | 'A' | 'AAAA'; target?: string; port?: number; address?: string }>>): Promise<{ server: string; queries: string[] }> {
  const { Packet } = dns2
  const queries: string[] = []
  const server = dns2.createServer({
    udp: true,
    handle: (req, send) => {
      const res = Packet.createResponseFromRequest(req)
      const q = req.questions[0]
      if (q === undefined) return send(res)
      queries.push(q.name)
      const records = zone.get(q.name.toLowerCase())
      if (records === undefined) res.header.rcode = 3 // NXDOMAIN
      for (const r of records ?? []) {
        if (Packet.TYPE[r.type] !== q.type) continue
        const base = { name: q.name, type: Packet.TYPE[r.type], class: Packet.CLASS['IN'], ttl: 5 }
        res.answers.push(r.type === 'SRV' ? { ...base, priority: 0, weight: 50, port: r.port, target: r.target } : { ...base, address: r.address })
      }
      send(res)
    },
  })
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } })
  t.teardown(() => server.close())
  return { server: `127.0.0.1:${server.addresses().udp?.port}`, queries }
}

t.test('DNS provider: SRV records of a headless Service, A/AAAA records, polling watch, errors', async (t) => {
  const svc = 'coerce.team.svc.cluster.local'
  const zone = new Map([
    [
      `_coerce._tcp.${svc}`,
      [
        { type: 'SRV' as const, target: `coerce-1.${svc}`, port: 30101 },
        { type: 'SRV' as const, target: `coerce-0.${svc}`, port: 30101 },
      ],
    ],
    [svc, [{ type: 'A' as const, address: '10.4.0.1' }, { type: 'A' as const, address: '10.4.0.2' }, { type: 'AAAA' as const, address: 'fd00::4' }]],
  ])
  const dns = await startDns(t, zone)
  const srv = new DnsDiscovery({ service: svc, servers: [dns.server] })
  t.same(
    (await srv.discover()).map((p) => [p.podName, p.namespace, peerAddress(p)]),
    [
      ['coerce-0', 'team', `coerce-0.${svc}:30101`],
      ['coerce-1', 'team', `coerce-1.${svc}:30101`],
    ],
  )
  t.ok(dns.queries.includes(`_coerce._tcp.${svc}`), 'asked for _coerce._tcp.<service>')

  const a = new DnsDiscovery({ service: svc, mode: 'a', port: 4000, servers: [dns.server], namespace: 'custom' })
  t.same((await a.discover()).map((p) => [p.namespace, peerAddress(p)]), [
    ['custom', '10.4.0.1:4000'],
    ['custom', '10.4.0.2:4000'],
    ['custom', '[fd00::4]:4000'],
  ])

  const missing = new DnsDiscovery({ service: 'nothing.here', servers: [dns.server], env: { COERCE_K8S_PORT_NAME: 'remote' } })
  t.same(await missing.discover(), [], 'NXDOMAIN is zero peers (a headless Service without ready pods)')
  t.ok(dns.queries.includes('_remote._tcp.nothing.here'), 'port name from COERCE_K8S_PORT_NAME')

  const changes: DiscoveryChange[] = []
  const errors: Error[] = []
  const stop = srv.watch({ onChange: (c) => changes.push(c), onError: (e) => errors.push(e) })
  t.teardown(stop)
  const watcher = new DnsDiscovery({ service: svc, servers: [dns.server], intervalMs: 30 })
  const stopW = watcher.watch({ onChange: (c) => changes.push(c), onError: (e) => errors.push(e) })
  await waitFor(() => changes.length === 2, 'initial joins')
  zone.set(`_coerce._tcp.${svc}`, [{ type: 'SRV', target: `coerce-0.${svc}`, port: 30101 }, { type: 'SRV', target: `coerce-2.${svc}`, port: 30101 }])
  await waitFor(() => changes.length === 3, 'poll sees the change')
  t.same(changes[2]?.joined.map((p) => p.podName), ['coerce-2'])
  t.same(changes[2]?.left.map((p) => p.podName), ['coerce-1'])
  await stopW()
  await stop()
  t.same(errors, [])

  const dead = new DnsDiscovery({ service: svc, servers: ['127.0.0.1:9'], timeoutMs: 200 })
  const err = await dead.discover().catch((e: unknown) => e)
  t.ok(isDiscoveryError(err, 'Unreachable') || isDiscoveryError(err, 'DnsError'), `a dead DNS server is a typed error (${(err as Error).message})`)
  t.match((err as Error).message, /DNS query for _coerce\._tcp\.coerce\.team\.svc\.cluster\.local failed/)

  t.throws(() => new DnsDiscovery({ env: {} }), /service must be a DNS name/)
  t.throws(() => new DnsDiscovery({ service: svc, mode: 'a' }), /port is required in mode 'a'/)
  t.throws(() => new DnsDiscovery({ service: svc, mode: 'x' as 'a', port: 0, intervalMs: -1, timeoutMs: 0, servers: ['not an ip'] }), {
    name: 'TypeError',
    message: /mode must be 'srv' or 'a'.*port must be 1-65535.*timeoutMs.*intervalMs.*servers:/,
  })
  t.equal(new DnsDiscovery({ env: { COERCE_DNS_SERVICE: 'x.y' } }) instanceof DnsDiscovery, true, 'service from COERCE_DNS_SERVICE')
})
