/**
 * CPU-bound actors spread over worker threads: each message costs ~50 us of computation.
 * Prints messages per second with one worker and with one worker per core, so the multi-core
 * speed-up is visible. Run with `npx tsx examples/cpu-actors.ts [messages]`.
 */
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { Actor, ActorSystem, type ActorRef } from '../lib/index.js'

/** Burns about `micros` of CPU per message and counts what it handled. */
export class Cruncher extends Actor {
  static actorModule = import.meta.url
  private handled = 0
  private checksum = 0

  crunch(micros: number): void {
    const until = performance.now() + micros / 1000
    let x = this.checksum
    while (performance.now() < until) x = (x * 1_103_515_245 + 12_345) % 2_147_483_648
    this.checksum = x
    this.handled++
  }

  count(): number {
    return this.handled
  }
}

export interface CpuRun {
  workers: number
  actors: number
  messages: number
  seconds: number
  messagesPerSecond: number
}

/** Sends `messages` crunch messages round-robin to 2 actors per worker and waits for all. */
export async function runCpuActors(workers: number, messages: number, micros = 50): Promise<CpuRun> {
  const system = await ActorSystem.start({ workers, logLevel: 'warn' })
  try {
    const actors: ActorRef<Cruncher>[] = []
    for (let i = 0; i < workers * 2; i++) actors.push(await system.spawn(Cruncher, { placement: 'worker' }))
    for (const a of actors) await a.ask('count') // warm: every worker up and every actor started
    const started = performance.now()
    for (let i = 0; i < messages; i++) {
      const a = actors[i % actors.length] as ActorRef<Cruncher>
      if (i % 256 === 255) await a.send('crunch', micros)
      else a.tell('crunch', micros)
    }
    let done = 0
    for (const a of actors) done += await a.ask('count', { timeoutMs: 120_000 })
    const seconds = (performance.now() - started) / 1000
    return { workers, actors: actors.length, messages: done, seconds, messagesPerSecond: done / seconds }
  } finally {
    await system.shutdown()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const messages = Number(process.argv[2] ?? 40_000)
  const cores = availableParallelism()
  const one = await runCpuActors(1, messages)
  const all = await runCpuActors(cores, messages)
  console.log(`1 worker:  ${one.messagesPerSecond.toFixed(0)} msg/s`)
  console.log(`${cores} workers: ${all.messagesPerSecond.toFixed(0)} msg/s (${(all.messagesPerSecond / one.messagesPerSecond).toFixed(2)}x)`)
}
