/**
 * Where worker threads start and with which loader flags. From built JavaScript nothing is
 * needed; from TypeScript sources, tap's loader is inherited through `execArgv`, while tsx on
 * Node 20 needs a preload that registers it in each worker.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const fromTs = import.meta.url.endsWith('.ts')

/** The actor worker's entry module. */
export function actorWorkerUrl(): URL {
  return new URL(`../../workers/actor-worker.${fromTs ? 'ts' : 'js'}`, import.meta.url)
}

/** `execArgv` for worker threads (actor workers and the blocking-task pool). */
export function workerExecArgv(): string[] {
  const inherited = process.execArgv
  if (!fromTs) return inherited
  const hasLoader = inherited.some((a) => a.includes('@tapjs/typescript') || a.includes('ts-node'))
  if (hasLoader) return inherited
  const preload = new URL('../../scripts/tsx-worker.mjs', import.meta.url)
  if (!existsSync(fileURLToPath(preload))) return inherited
  return [...inherited, '--import', preload.href]
}
