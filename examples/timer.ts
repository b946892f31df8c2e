/**
 * Timer: an actor that receives a message every interval, started and stopped with `Timer`.
 * Run with `npx tsx examples/timer.ts`.
 */
import { pathToFileURL } from 'node:url'
import { Actor, ActorSystem, Timer } from '../lib/index.js'

export class PrintActor extends Actor {
  readonly printed: string[] = []

  constructor(private readonly print: (line: string) => void) {
    super()
  }

  printTick(text: string): void {
    const line = `${text} #${this.printed.length + 1}`
    this.printed.push(line)
    this.print(line)
  }

  lines(): string[] {
    return this.printed
  }
}

/** Ticks `ticks` times every `intervalMs`, then stops the timer; returns the printed lines. */
export async function runTimer(
  print: (line: string) => void = console.log,
  intervalMs = 100,
  ticks = 5,
): Promise<string[]> {
  const system = await ActorSystem.start()
  try {
    const printer = await system.spawn(PrintActor, { id: 'printer', args: [print] })
    const timer = Timer.start(printer, intervalMs, 'printTick', 'tick')
    while ((await printer.ask('lines')).length < ticks) await new Promise((r) => setTimeout(r, intervalMs / 2))
    timer.stop()
    return await printer.ask('lines')
  } finally {
    await system.shutdown()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runTimer()
}
