/**
 * What an idle actor holds, per class: a heap snapshot before and after spawning N idle actors
 * on the main thread, self sizes summed per (node type, constructor name), the difference
 * divided by N. Rows under 2 bytes per actor are left out.
 *
 *   node --expose-gc --import tsx bench/heap-breakdown.ts [N=20000]
 *
 * Columns: bytes per actor, objects per actor, heap node type:name. "array:" rows without a
 * name are hash tables and backing stores (of maps, sets, deques).
 */
import { readFileSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { Actor, ActorSystem, type ActorRef } from '../lib/index.js'

class Idle extends Actor {
  ping(): void {}
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
  nodes: number[]
  strings: string[]
}

/** Count and self size per "type:name", from a fresh snapshot (deleted after reading). */
function classes(): Map<string, [number, number]> {
  const file = writeHeapSnapshot(join(tmpdir(), `coerce-heap-${process.pid}-${Date.now()}.heapsnapshot`))
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  unlinkSync(file)
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const width = fields.length
  const ti = fields.indexOf('type')
  const ni = fields.indexOf('name')
  const si = fields.indexOf('self_size')
  const out = new Map<string, [number, number]>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + ti] as number] as string
    let name = snap.strings[snap.nodes[i + ni] as number] as string
    if (type.includes('string')) name = '(string)'
    if (type === 'code') name = '(code)'
    const key = `${type}:${name.slice(0, 60)}`
    const e = out.get(key) ?? [0, 0]
    e[0]++
    e[1] += snap.nodes[i + si] as number
    out.set(key, e)
  }
  return out
}

const gc = globalThis.gc
if (gc === undefined) throw new Error('run with --expose-gc')
const count = Number(process.argv[2] ?? 20_000)
const system = await ActorSystem.start({ logLevel: 'silent', workers: 0 })
await system.spawn(Idle) // the type's caches are not the actors' cost
const refs: (ActorRef<Idle> | null)[] = Array.from({ length: count }, () => null)
gc()
gc()
const before = classes()
gc()
const heapBefore = process.memoryUsage().heapUsed
for (let i = 0; i < count; i += 1000) {
  const spawned = await Promise.all(Array.from({ length: Math.min(1000, count - i) }, () => system.spawn(Idle)))
  spawned.forEach((r, j) => (refs[i + j] = r))
}
gc()
gc()
const heapAfter = process.memoryUsage().heapUsed
const after = classes()
const rows: [string, number, number][] = []
for (const [key, [n, size]] of after) {
  const [n0, size0] = before.get(key) ?? [0, 0]
  const bytes = (size - size0) / count
  if (Math.abs(bytes) >= 2) rows.push([key, (n - n0) / count, bytes])
}
rows.sort((a, b) => b[2] - a[2])
for (const [key, objects, bytes] of rows) console.log(`${bytes.toFixed(1).padStart(8)} ${objects.toFixed(2).padStart(6)}  ${key}`)
console.log(`listed ${rows.reduce((s, r) => s + r[2], 0).toFixed(0)} B per actor; heapUsed grew ${((heapAfter - heapBefore) / count).toFixed(0)} B per actor (${count} idle actors, ${refs.length} held)`)
await system.shutdown()
