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

/** Flags worth passing on to worker threads; takes a value when followed by one. */
const PASSED_ON = /^(--import|--require|-r|--loader|--experimental-loader|--conditions|-C|--enable-source-maps|--experimental-[a-z-]+|--no-warnings|--no-deprecation|--stack-trace-limit)(=|$)/
const TAKES_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C'])

/**
 * The parent's `execArgv` without what worker threads refuse (V8 and process-wide flags such as
 * `--expose-gc` or `--max-old-space-size` fail `new Worker` with ERR_WORKER_INVALID_EXEC_ARGV).
 */
export function workerSafeArgv(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (!PASSED_ON.test(a)) continue
    out.push(a)
    if (TAKES_VALUE.has(a) && i + 1 < argv.length) out.push(argv[++i] as string)
  }
  return out
}

/** `execArgv` for worker threads (actor workers and the blocking-task pool). */
export function workerExecArgv(): string[] {
  const inherited = workerSafeArgv(process.execArgv)
  if (!fromTs) return inherited
  const hasLoader = inherited.some((a) => a.includes('@tapjs/typescript') || a.includes('ts-node'))
  if (hasLoader) return inherited
  const preload = new URL('../../scripts/tsx-worker.mjs', import.meta.url)
  if (!existsSync(fileURLToPath(preload))) return inherited
  return [...inherited, '--import', preload.href]
}
