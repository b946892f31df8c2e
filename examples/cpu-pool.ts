/**
 * A CPU-bound hashing service as an actor pool: one `PoolRef` in front of N `Hasher` actors
 * spread over the worker threads. Prints requests served per second with a pool of 1 instance
 * and with a pool of one instance per core. Run with
 * `npx tsx examples/cpu-pool.ts [messages] [micros]`.
 */
import { hash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { Actor, ActorSystem, type RoutingStrategy } from '../lib/index.js'

/** Hashes its input over and over for about `micros` of CPU, and counts the requests it served. */
export class Hasher extends Actor {
  static actorModule = import.meta.url
  private served = 0

  digest(input: string, micros: number): string {
    const until = performance.now() + micros / 1000
    let h = input
    do h = hash('sha256', h)
    while (performance.now() < until)
    this.served++
    return h
  }

  count(): number {
    return this.served
  }
}

export interface PoolRun {
  instances: number
  routing: RoutingStrategy
  messages: number
  seconds: number
  messagesPerSecond: number
  /** One request answered through the pool (ask), to show the reply path. */
  sample: string
}

/**
 * Sends `messages` digest requests through a pool of `instances` hashers and measures how many
 * are served per second. The load is sent as tells (with `send`, which waits for room, every
 * 256) so the sending thread stays nearly idle and the figure is the members' CPU; completion
 * is one scatter-gather of every member's count.
 */
export async function runCpuPool(instances: number, messages: number, micros = 50, routing: RoutingStrategy = 'round-robin'): Promise<PoolRun> {
  const workers = Math.max(1, Math.min(instances, availableParallelism()))
  const system = await ActorSystem.start({ workers, logLevel: 'warn' })
  try {
    const hashers = await system.pool(Hasher, { size: instances, routing })
    const sample = await hashers.ask('digest', 'hello', 1)
    const served = async (): Promise<number> => {
      const counts = await hashers.scatterGather({ within: 120_000, mode: 'all' }, 'count')
      if (counts.replies.length !== hashers.size) throw new Error(`only ${counts.replies.length} of ${hashers.size} hashers answered`)
      return counts.replies.reduce((n, r) => n + r.value, 0)
    }
    const before = await served() // also warms every member up
    const started = performance.now()
    for (let i = 0; i < messages; i++) {
      if (i % 256 === 255) await hashers.send('digest', `request-${i}`, micros)
      else hashers.tell('digest', `request-${i}`, micros)
    }
    const done = (await served()) - before
    const seconds = (performance.now() - started) / 1000
    return { instances: hashers.size, routing, messages: done, seconds, messagesPerSecond: done / seconds, sample }
  } finally {
    await system.shutdown()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const messages = Number(process.argv[2] ?? 40_000)
  const micros = Number(process.argv[3] ?? 50)
  const cores = availableParallelism()
  const one = await runCpuPool(1, messages, micros)
  const pool = await runCpuPool(cores, messages, micros)
  console.log(`digest of 'hello': ${one.sample.slice(0, 16)}...`)
  console.log(`pool of 1 hasher:  ${one.messagesPerSecond.toFixed(0)} hashes/s`)
  console.log(`pool of ${pool.instances} hashers: ${pool.messagesPerSecond.toFixed(0)} hashes/s (${(pool.messagesPerSecond / one.messagesPerSecond).toFixed(2)}x)`)
}
