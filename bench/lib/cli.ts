/**
 * The `npm run bench` command: parses the flags, discovers and filters scenarios, runs each one
 * (in its own child process unless `--inline`), prints the table and writes the files asked for.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { BenchError, describeError } from './errors.js'
import { defaultScenarioDir, discover, matchesOnly, type DiscoveredScenario } from './discover.js'
import { runIsolated } from './isolate.js'
import { describeRun, jsonReport, loadAverageNow, markdownTable, runInfo, svgChart, textTable, withRelatives, type ReportedResult } from './report.js'
import type { ScenarioResult } from './result.js'
import { effectiveTimeoutMs, runScenario, type RunOptions } from './runner.js'

/** Parsed command-line options. */
export interface CliOptions {
  quick: boolean
  only: string[]
  json: string | undefined
  /** SVG chart path; defaults to the JSON path with `.svg`, `false` with `--no-svg`. */
  svg: string | false | undefined
  markdown: string | undefined
  inline: boolean
  list: boolean
  strict: boolean
  help: boolean
  timeoutCapMs: number | undefined
  dir: string
}

/** Where the command writes its output. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
}

export const USAGE = `usage: npm run bench -- [options]
  --quick            smaller operation counts, at most 3 timed repetitions (about 1-2 minutes)
  --only <pattern>   run matching scenarios only; repeatable; comma-separated alternatives;
                     'tell' matches names containing it, 'peer.*.tell' is a glob
  --json <file>      write the results as JSON (and an SVG chart next to it)
  --svg <file>       write the SVG chart here instead; --no-svg writes none
  --markdown <file>  write the table as Markdown
  --timeout <ms>     cap every scenario's time bound
  --inline           run scenarios in this process instead of one child process each
  --strict           exit with status 1 when a scenario failed
  --list             list the scenarios and exit
  --dir <folder>     scenario folder (default bench/scenarios)`

/** Parses `argv` (without node and script); throws one `BadArguments` naming every problem. */
export function parseCli(argv: readonly string[]): CliOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true, default: [] },
        json: { type: 'string' },
        svg: { type: 'string' },
        'no-svg': { type: 'boolean', default: false },
        markdown: { type: 'string' },
        timeout: { type: 'string' },
        inline: { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        dir: { type: 'string' },
      },
    })
  } catch (e) {
    throw new BenchError('BadArguments', describeError(e), { cause: e })
  }
  const v = parsed.values
  const problems: string[] = []
  let timeoutCapMs: number | undefined
  if (v.timeout !== undefined) {
    timeoutCapMs = Number(v.timeout)
    if (!(Number.isFinite(timeoutCapMs) && timeoutCapMs > 0)) problems.push(`--timeout must be a positive number of ms (got ${v.timeout})`)
  }
  if (v['no-svg'] && v.svg !== undefined) problems.push('--svg and --no-svg exclude each other')
  for (const [flag, value] of [['--json', v.json], ['--svg', v.svg], ['--markdown', v.markdown], ['--dir', v.dir]] as const) {
    if (value !== undefined && value.trim().length === 0) problems.push(`${flag} needs a path`)
  }
  if (problems.length > 0) throw new BenchError('BadArguments', problems.join('; '))
  return {
    quick: v.quick,
    only: v.only,
    json: v.json,
    svg: v['no-svg'] ? false : v.svg,
    markdown: v.markdown,
    inline: v.inline,
    list: v.list,
    strict: v.strict,
    help: v.help,
    timeoutCapMs,
    dir: v.dir ?? defaultScenarioDir(),
  }
}

/** Runs the selected scenarios one after another; `onResult` sees each as it completes. */
export async function runAll(
  selected: readonly DiscoveredScenario[],
  o: Pick<CliOptions, 'quick' | 'inline' | 'timeoutCapMs'>,
  onResult: (r: ScenarioResult) => void = () => {},
): Promise<ScenarioResult[]> {
  const runOptions: RunOptions = { quick: o.quick }
  if (o.timeoutCapMs !== undefined) runOptions.timeoutCapMs = o.timeoutCapMs
  const results: ScenarioResult[] = []
  for (const entry of selected) {
    const r = o.inline ? await runScenario(entry.scenario, runOptions) : await runIsolated(entry, runOptions)
    results.push(r)
    onResult(r)
  }
  return results
}

/** The whole command. Resolves with the exit status; never rejects. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let o: CliOptions
  try {
    o = parseCli(argv)
  } catch (e) {
    io.err(describeError(e))
    io.err(USAGE)
    return 2
  }
  if (o.help) {
    io.out(USAGE)
    return 0
  }
  let selected: DiscoveredScenario[]
  try {
    selected = (await discover(o.dir)).filter((d) => matchesOnly(d.scenario.name, o.only))
  } catch (e) {
    io.err(describeError(e))
    return 2
  }
  if (o.list) {
    for (const { scenario: s } of selected) io.out(`${s.name.padEnd(36)} ${s.system.padEnd(10)} ${s.description}`)
    return 0
  }
  if (selected.length === 0) {
    io.err(`no scenario matches ${o.only.join(', ')}`)
    return 2
  }

  const loadAtStart = loadAverageNow()
  let index = 0
  const results = await runAll(selected, o, (r) => {
    index++
    const entry = selected[index - 1]
    const bound = entry === undefined ? '' : ` (bound ${effectiveTimeoutMs(entry.scenario, o)} ms)`
    const status = r.ok ? 'ok' : `FAILED: ${r.error ?? ''}`
    io.err(`[${index}/${selected.length}] ${r.name}: ${status} in ${(r.durationMs / 1000).toFixed(1)} s${r.ok ? '' : bound}`)
  })
  const reported = withRelatives(results)
  const info = runInfo(o.quick, loadAtStart)
  io.out('')
  io.out(textTable(reported))
  io.out('')
  io.out(describeRun(info))
  const failed = reported.filter((r) => !r.ok)
  if (failed.length > 0) io.out(`${failed.length} of ${reported.length} scenarios failed: ${failed.map((r) => r.name).join(', ')}`)

  try {
    await writeOutputs(o, reported, info, io)
  } catch (e) {
    io.err(`could not write the results: ${describeError(e)}`)
    return 1
  }
  return o.strict && failed.length > 0 ? 1 : 0
}

async function writeOutputs(o: CliOptions, reported: readonly ReportedResult[], info: ReturnType<typeof runInfo>, io: CliIo): Promise<void> {
  const write = async (file: string, text: string): Promise<void> => {
    const path = resolve(file)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, text)
    io.err(`wrote ${path}`)
  }
  if (o.json !== undefined) await write(o.json, `${JSON.stringify(jsonReport(reported, info), null, 2)}\n`)
  const svg = o.svg === false ? undefined : (o.svg ?? (o.json === undefined ? undefined : o.json.replace(/(\.json)?$/i, '.svg')))
  if (svg !== undefined) await write(svg, svgChart(reported, info))
  if (o.markdown !== undefined) await write(o.markdown, `${markdownTable(reported)}\n\n${describeRun(info)}\n`)
}
