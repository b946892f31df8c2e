/**
 * Echo: the smallest coerce-ts program. An actor that answers each message with its text.
 * Run with `npx tsx examples/echo.ts`.
 */
import { pathToFileURL } from 'node:url'
import { Actor, ActorSystem } from '../lib/index.js'

export class EchoActor extends Actor {
  private echoed = 0

  echo(message: string): string {
    this.echoed++
    return message
  }

  count(): number {
    return this.echoed
  }
}

/** Runs the example; returns what it printed. */
export async function runEcho(print: (line: string) => void = console.log): Promise<string[]> {
  const lines: string[] = []
  const out = (line: string): void => {
    lines.push(line)
    print(line)
  }
  const system = await ActorSystem.start()
  try {
    const echo = await system.spawn(EchoActor, { id: 'echo-actor' })
    out(`received: ${await echo.ask('echo', 'hello, world')}`)
    echo.tell('echo', 'fire and forget')
    out(`echoed ${await echo.ask('count')} messages`)
  } finally {
    await system.shutdown()
  }
  return lines
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runEcho()
}
