/**
 * Finds scenario files (every `*.ts` / `*.js` / `*.mjs` in a folder, default `bench/scenarios/`),
 * imports them, checks their default export against the `Scenario` contract, orders them and
 * applies `--only` filters.
 */
import { readdir } from 'node:fs/promises'
import { basename, extname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Scenario } from '../scenario.js'
import { BenchError } from './errors.js'

/** A scenario and the file it came from (a child process re-imports the file to run it). */
export interface DiscoveredScenario {
  file: string
  scenario: Scenario
}

/** Files sort by this order of base names (coerce-ts first, then what it is compared with). */
const FILE_ORDER = ['local', 'worker', 'remote', 'sharded', 'persist', 'baseline', 'peer']

const SCENARIO_FILE = /\.(ts|js|mjs)$/
const NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*$/i

/** Orders scenario file paths: known groups first in {@link FILE_ORDER}, then by name. */
export function orderFiles(files: readonly string[]): string[] {
  const rank = (f: string): number => {
    const i = FILE_ORDER.indexOf(basename(f, extname(f)))
    return i === -1 ? FILE_ORDER.length : i
  }
  return [...files].sort((a, b) => rank(a) - rank(b) || basename(a).localeCompare(basename(b)))
}

/** Lists the scenario files in `dir` (declaration files and `_`-prefixed helpers excluded). */
export async function scenarioFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const files = entries
    .filter((e) => e.isFile() && SCENARIO_FILE.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.startsWith('_'))
    .map((e) => resolve(dir, e.name))
  return orderFiles(files)
}

/** Imports one scenario file and returns its validated scenarios. */
export async function loadScenarioFile(file: string): Promise<Scenario[]> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  return validateScenarios(file, mod.default)
}

/** Checks a scenario file's default export; throws one `InvalidScenario` naming every problem. */
export function validateScenarios(file: string, exported: unknown): Scenario[] {
  if (!Array.isArray(exported)) {
    throw new BenchError('InvalidScenario', `${file}: the default export must be an array of scenarios`)
  }
  const problems: string[] = []
  exported.forEach((s: unknown, i) => {
    const at = `[${i}]`
    if (s === null || typeof s !== 'object') {
      problems.push(`${at} is not an object`)
      return
    }
    const r = s as Record<string, unknown>
    const name = r['name']
    const label = typeof name === 'string' ? `${at} ${name}` : at
    if (typeof name !== 'string' || !NAME.test(name)) problems.push(`${label}: name must be a dotted identifier`)
    for (const k of ['system', 'description'] as const) {
      if (typeof r[k] !== 'string' || (r[k] as string).length === 0) problems.push(`${label}: ${k} must be a non-empty string`)
    }
    if (typeof r['run'] !== 'function') problems.push(`${label}: run must be a function`)
    for (const k of ['setup', 'teardown'] as const) {
      if (r[k] !== undefined && typeof r[k] !== 'function') problems.push(`${label}: ${k} must be a function`)
    }
    if (r['compareTo'] !== undefined && typeof r['compareTo'] !== 'string') problems.push(`${label}: compareTo must be a string`)
    const timeout = r['timeoutMs']
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
      problems.push(`${label}: timeoutMs must be a positive number`)
    }
    const heap = r['maxOldSpaceMb']
    if (heap !== undefined && !(Number.isInteger(heap) && (heap as number) >= 16)) problems.push(`${label}: maxOldSpaceMb must be an integer >= 16`)
    for (const k of ['warmups', 'repetitions'] as const) {
      const v = r[k]
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= (k === 'warmups' ? 0 : 1))) {
        problems.push(`${label}: ${k} must be an integer >= ${k === 'warmups' ? 0 : 1}`)
      }
    }
  })
  if (problems.length > 0) throw new BenchError('InvalidScenario', `${file}: ${problems.join('; ')}`)
  return exported as Scenario[]
}

/** Imports every scenario file in `dir`; throws `InvalidScenario` on a duplicate name. */
export async function discover(dir: string): Promise<DiscoveredScenario[]> {
  const found: DiscoveredScenario[] = []
  const seen = new Map<string, string>()
  for (const file of await scenarioFiles(dir)) {
    for (const scenario of await loadScenarioFile(file)) {
      const other = seen.get(scenario.name)
      if (other !== undefined) {
        throw new BenchError('InvalidScenario', `scenario ${scenario.name} is defined in both ${other} and ${file}`)
      }
      seen.set(scenario.name, file)
      found.push({ file, scenario })
    }
  }
  return found
}

/**
 * True when `name` matches one of the `--only` patterns. A pattern is comma-separated
 * alternatives; one with `*` is a glob over the whole name (`peer.*.tell`), where `*` matches
 * any run of characters; one without `*` matches names containing it (`tell`, `local.ask`).
 */
export function matchesOnly(name: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true
  return patterns
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .some((p) => globToRegExp(p.includes('*') ? p : `*${p}*`).test(name))
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`)
}

/** The default scenario folder: `bench/scenarios/` next to this file's parent. */
export function defaultScenarioDir(): string {
  return join(fileURLToPath(new URL('..', import.meta.url)), 'scenarios')
}
