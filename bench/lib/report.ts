/**
 * Turns scenario results into what people and tools read: the console table, the same table as
 * Markdown, the JSON document (`--json`) and an SVG bar chart written next to it.
 */
import { cpus, loadavg } from 'node:os'
import type { ScenarioResult } from './result.js'

/** A result with its comparison against coerce-ts filled in. */
export interface ReportedResult extends ScenarioResult {
  /** This scenario's ops/s divided by its `compareTo` scenario's (0.25: a quarter of ours). */
  relative: number | null
}

/** The machine and run a report describes. */
export interface RunInfo {
  node: string
  cpus: number
  cpuModel: string
  platform: string
  quick: boolean
  date: string
  /** 1-minute load average when the run ended: other work on the box skews the figures. */
  loadAverage: number
  /** 1-minute load average when the run started. */
  loadAverageStart: number
}

/** The `--json` document. Results keep their extra figures as top-level fields. */
export interface JsonReport extends Omit<RunInfo, 'cpus' | 'node'> {
  node: string
  cpus: number
  results: Array<Record<string, string | number | boolean | null>>
}

/** The 1-minute load average now, to two decimals. */
export function loadAverageNow(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100
}

/** Describes this process's machine and run; `loadAverageStart` from {@link loadAverageNow}. */
export function runInfo(quick: boolean, loadAverageStart: number = loadAverageNow()): RunInfo {
  const list = cpus()
  return {
    node: process.version,
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    quick,
    date: new Date().toISOString(),
    loadAverage: loadAverageNow(),
    loadAverageStart,
  }
}

/** Fills in `relative` for every result whose `compareTo` scenario succeeded with a rate. */
export function withRelatives(results: readonly ScenarioResult[]): ReportedResult[] {
  const byName = new Map(results.map((r) => [r.name, r]))
  return results.map((r) => {
    const ours = r.compareTo === undefined ? undefined : byName.get(r.compareTo)
    const relative =
      ours?.ok === true && ours.opsPerSec !== null && ours.opsPerSec > 0 && r.ok && r.opsPerSec !== null
        ? Math.round((r.opsPerSec / ours.opsPerSec) * 1000) / 1000
        : null
    return { ...r, relative }
  })
}

/** The `--json` document for these results. */
export function jsonReport(results: readonly ReportedResult[], info: RunInfo): JsonReport {
  return {
    ...info,
    results: results.map((r) => {
      const row: Record<string, string | number | boolean | null> = {
        name: r.name,
        system: r.system,
        opsPerSec: r.opsPerSec === null ? null : Math.round(r.opsPerSec),
        p50us: r.p50us,
        p99us: r.p99us,
      }
      for (const [k, v] of Object.entries(r.extra)) row[k] = round(v, 3)
      // The range is of ops/s (whole numbers) or, for memory scenarios, of the first extra figure.
      const digits = r.opsPerSec === null ? 2 : 0
      row['min'] = r.min === null ? null : round(r.min, digits)
      row['max'] = r.max === null ? null : round(r.max, digits)
      row['ok'] = r.ok
      if (r.error !== undefined) row['error'] = r.error
      row['repetitions'] = r.repetitions
      row['durationMs'] = r.durationMs
      if (r.compareTo !== undefined) {
        row['compareTo'] = r.compareTo
        row['relative'] = r.relative
      }
      return row
    }),
  }
}

/** Column titles of the table. */
const HEADERS = ['scenario', 'system', 'ops/s', 'p50 us', 'p99 us', 'x coerce-ts', 'range (min-max)', 'notes']

/** One table row of plain strings. */
export function tableRow(r: ReportedResult): string[] {
  const notes = r.ok
    ? Object.entries(r.extra)
        .map(([k, v]) => `${k}=${formatNumber(v)}`)
        .join(' ')
    : `FAILED: ${r.error ?? 'unknown error'}`
  const unit = r.opsPerSec === null ? ` ${Object.keys(r.extra)[0] ?? ''}`.trimEnd() : ''
  return [
    r.name,
    r.system,
    r.opsPerSec === null ? '-' : formatRate(r.opsPerSec),
    formatLatency(r.p50us),
    formatLatency(r.p99us),
    r.compareTo === undefined ? '' : `${r.relative === null ? '-' : formatRelative(r.relative)} (${r.compareTo})`,
    r.min === null || r.max === null ? '-' : `${(r.opsPerSec === null ? formatNumber : formatRate)(r.min)}-${(r.opsPerSec === null ? formatNumber : formatRate)(r.max)}${unit}`,
    notes,
  ]
}

/** The results as an aligned plain-text table. */
export function textTable(results: readonly ReportedResult[]): string {
  const rows = [HEADERS, ...results.map(tableRow)]
  const widths = HEADERS.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)))
  const numeric = new Set([2, 3, 4])
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(rows[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

/** The results as a Markdown table (for bench/README.md and docs/benchmarks.md). */
export function markdownTable(results: readonly ReportedResult[]): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|')
  const align = HEADERS.map((_, c) => (c >= 2 && c <= 4 ? '---:' : '---'))
  return [HEADERS, align, ...results.map(tableRow)].map((row) => `| ${row.map(escape).join(' | ')} |`).join('\n')
}

/** A line describing the machine and run, printed under the tables. */
export function describeRun(info: RunInfo): string {
  return `Node ${info.node}, ${info.cpus} x ${info.cpuModel} (${info.platform}), load average ${info.loadAverageStart} at the start and ${info.loadAverage} at the end, ${info.quick ? '--quick' : 'full'} run, ${info.date}`
}

const PALETTE: Record<string, string> = { 'coerce-ts': '#2b6cb0', node: '#718096', comedy: '#dd6b20', nact: '#38a169' }

/**
 * A horizontal bar chart of ops/s on a log scale, one bar per scenario with a rate, coloured by
 * system. Plain SVG with no scripts or external references.
 */
export function svgChart(results: readonly ReportedResult[], info: RunInfo): string {
  const rows = results.filter((r) => r.ok && r.opsPerSec !== null && r.opsPerSec > 0)
  const rowH = 22
  const left = 260
  const barMax = 520
  const top = 40
  const height = top + rows.length * rowH + 30
  const width = left + barMax + 110
  const maxLog = Math.log10(Math.max(10, ...rows.map((r) => r.opsPerSec as number)))
  const minLog = Math.min(3, Math.floor(Math.log10(Math.min(...rows.map((r) => r.opsPerSec as number), 1000))))
  const scale = (v: number): number => Math.max(2, ((Math.log10(v) - minLog) / (maxLog - minLog || 1)) * barMax)
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const bars = rows.map((r, i) => {
    const y = top + i * rowH
    const w = scale(r.opsPerSec as number)
    const colour = PALETTE[r.system] ?? '#805ad5'
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.name)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${colour}"><title>${esc(`${r.name} (${r.system}): ${formatRate(r.opsPerSec as number)} ops/s`)}</title></rect>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${formatRate(r.opsPerSec as number)}</text>`,
    ].join('')
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">ops/s (log scale): ${esc(describeRun(info))}</text>`,
    ...bars,
    `<text x="10" y="${height - 10}" fill="#555">${Object.entries(PALETTE)
      .map(([system, colour]) => `<tspan fill="${colour}">■</tspan> ${system}`)
      .join('   ')}</text>`,
    `</svg>`,
    '',
  ].join('\n')
}

/** 12.3M, 456k, 789: three significant figures. */
export function formatRate(v: number): string {
  const r = Number(v.toPrecision(3)) // first, so 999 950 becomes 1.00M rather than 1000k
  if (r >= 1e6) return `${trim(r / 1e6)}M`
  if (r >= 1e3) return `${trim(r / 1e3)}k`
  return String(r)
}

function formatLatency(v: number | null): string {
  if (v === null) return '-'
  return v >= 100 ? String(Math.round(v)) : v.toFixed(v >= 10 ? 1 : 2)
}

function formatRelative(v: number): string {
  return `${v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)}x`
}

function formatNumber(v: number): string {
  return Number.isInteger(v) || Math.abs(v) >= 100 ? String(Math.round(v)) : String(round(v, 2))
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
}

function round(v: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(v * f) / f
}
