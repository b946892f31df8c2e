/**
 * Test helper: Prometheus expositions: promtool's parser and linter (Debian package
 * `prometheus`), and the sample lines read back for assertions on values.
 */
import { spawnSync } from 'node:child_process'

export interface PromRun {
  rc: number
  output: string
}

/** Runs promtool's exposition parser and linter (Debian package `prometheus`). */
export function promtool(text: string): PromRun {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (r.error !== undefined) {
    throw new Error(`promtool is needed to validate /metrics (apt-get install prometheus): ${r.error.message}`)
  }
  return { rc: r.status ?? -1, output: `${r.stdout}${r.stderr}` }
}

export interface Series {
  name: string
  labels: Record<string, string>
  value: number
}

/** Reads the sample lines back (for assertions on values; promtool judges validity). */
export function readSeries(text: string): Series[] {
  const out: Series[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`unreadable sample line: ${line}`)
    const labels: Record<string, string> = {}
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g
    for (const l of (m[2] ?? '').matchAll(re)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c))
    }
    const raw = m[3] as string
    const special: Record<string, number> = { '+Inf': Infinity, '-Inf': -Infinity }
    out.push({ name: m[1] as string, labels, value: special[raw] ?? Number(raw) })
  }
  return out
}
