/**
 * Plain-text tables for the command line: left-aligned columns, two spaces apart.
 */

/** Formats `rows` under `headers`; every line ends with a newline, no trailing spaces. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd() + '\n'
  return line(headers) + rows.map(line).join('')
}
