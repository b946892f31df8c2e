/**
 * The blocking-task pool: CPU-bound stateless functions offloaded by actors run on piscina
 * threads, so the actor threads keep handling messages. A task is a module whose default
 * export takes the input and returns (or resolves to) the output.
 */
import { Piscina } from 'piscina'
import { pathToFileURL } from 'node:url'
import { isAbsolute } from 'node:path'
import { workerExecArgv } from './worker-entry.js'

export class BlockingPool {
  private readonly pool: Piscina

  constructor(threads: number) {
    this.pool = new Piscina({ minThreads: 0, maxThreads: threads, idleTimeout: 5_000, execArgv: workerExecArgv() })
  }

  /** Runs the default export of `moduleUrl` (a file URL or absolute path) on `input`. */
  run(moduleUrl: string, input: unknown): Promise<unknown> {
    const filename = moduleUrl.startsWith('file:') ? moduleUrl : isAbsolute(moduleUrl) ? pathToFileURL(moduleUrl).href : moduleUrl
    return this.pool.run(input, { filename })
  }

  destroy(): Promise<void> {
    return this.pool.destroy()
  }
}
