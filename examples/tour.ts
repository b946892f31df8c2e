/**
 * The README's API tour as a program: typed refs, tell/send/ask, lookups, children with
 * supervision and watch, timers. Run with `npx tsx examples/tour.ts`.
 */
import { pathToFileURL } from 'node:url'
import { Actor, ActorSystem, Supervision, Timer, type ActorRef, type Terminated } from '../lib/index.js'

export class Counter extends Actor {
  static actorModule = import.meta.url // lets worker threads load the class
  private n = 0
  inc(by: number): void {
    this.n += by
  }
  get(): number {
    return this.n
  }
  async slowDouble(): Promise<number> {
    await new Promise((r) => setTimeout(r, 10))
    return this.n * 2
  }
  fail(): void {
    throw new Error('counter broke')
  }
}

export class Parent extends Actor {
  static actorModule = import.meta.url
  override childSupervision = Supervision.restart({ maxRestarts: 5, withinMs: 10_000, backoff: { minMs: 50 } })
  readonly gone: string[] = []
  async addWorker(id: string): Promise<ActorRef<Counter>> {
    const child = await this.ctx.spawn(Counter, { id }) // id 'parent/<id>', same thread as the parent
    this.ctx.watch(child)
    return child
  }
  override onTerminated(t: Terminated): void {
    this.gone.push(`${t.id}:${t.reason}`)
  }
  terminated(): string[] {
    return this.gone
  }
}

/** Runs the tour; returns what it observed. */
export async function runTour(workers = 2): Promise<Record<string, unknown>> {
  const system = await ActorSystem.start({ workers, logLevel: 'error' })
  try {
    const counter = await system.spawn(Counter, { id: 'counter-1' })
    counter.tell('inc', 5)
    await counter.send('inc', 1)
    const n: number = await counter.ask('get')
    const doubled = await counter.ask('slowDouble', { timeoutMs: 1000 })
    const again = await system.actorOf('counter-1', Counter)
    const parent = await system.spawn(Parent, { id: 'parent' })
    const child = await parent.ask('addWorker', 'w1')
    await child.ask('inc', 3)
    await child.ask('fail').catch(() => undefined) // restarted by the parent's childSupervision
    const afterRestart = await child.ask('get')
    let ticks = 0
    const ticker = await system.spawn(Counter, { placement: 'main' })
    const timer = Timer.start(ticker, 10, 'inc', 1)
    while ((ticks = await ticker.ask('get')) < 3) await new Promise((r) => setTimeout(r, 10))
    timer.stop()
    await child.stop()
    while ((await parent.ask('terminated')).length === 0) await new Promise((r) => setTimeout(r, 10))
    return {
      n,
      doubled,
      sameRef: again?.id === counter.id,
      counterThread: counter.target.thread,
      childId: child.id,
      afterRestart,
      ticks,
      terminated: await parent.ask('terminated'),
    }
  } finally {
    await system.shutdown()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runTour())
}
