/**
 * Where worker threads start and with which loader flags. Workers inherit the parent's loader
 * flags (tap's TypeScript loader, ts-node's `--loader`, `--import` hooks). tsx is the exception:
 * on Node 20 its `--import` loader registers its hooks on the main thread only (tsx issue #354),
 * so when the parent runs under tsx each worker also gets a preload that calls tsx's own
 * `register()`. The preload is a `data:` URL naming the parent's tsx installation, so nothing
 * needs to ship with the package and the user's tsx version is the one used.
 */
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

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

/** A tsx file the CLI or `--import tsx` put in `execArgv`: `.../node_modules/tsx/dist/<file>`. */
const TSX_FILE = /^(.*[\\/]tsx[\\/]dist)[\\/](?:loader\.mjs|preflight\.cjs|esm[\\/]index\.mjs)$/
/** `--import tsx` or `--import tsx/esm` as bare specifiers. */
const TSX_BARE = /^tsx(?:\/esm)?$/

/**
 * The file URL of tsx's `esm/api` module for the tsx the parent runs under, or undefined when
 * it does not run under tsx.
 */
export function tsxApiUrl(argv: readonly string[], cwd: string = process.cwd()): string | undefined {
  for (const raw of argv) {
    const a = raw.replace(/^--(?:import|require|loader)=/, '')
    const file = TSX_FILE.exec(a.startsWith('file:') ? fileURLToPath(a) : a)
    if (file !== null) return pathToFileURL(`${file[1] as string}/esm/api/index.mjs`).href
    if (TSX_BARE.test(a)) {
      try {
        const cjs = createRequire(pathToFileURL(`${cwd}/`)).resolve('tsx/esm/api')
        return pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

/** `execArgv` for worker threads (actor workers and the blocking-task pool). */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const inherited = workerSafeArgv(argv)
  const api = tsxApiUrl(argv)
  if (api === undefined) return inherited
  return [...inherited, '--import', `data:text/javascript,import{register}from${JSON.stringify(api)};register()`]
}
