/**
 * The coerce-ts version, read once from the package's own package.json (found by walking up
 * from this file, so it works from the sources and from dist/).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | null = null

/** The version in coerce-ts's package.json, or `unknown` when it cannot be found. */
export function runtimeVersion(): string {
  if (cached !== null) return cached
  cached = 'unknown'
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'coerce-ts' && typeof pkg.version === 'string') {
        cached = pkg.version
        break
      }
    } catch {
      // no package.json at this level: keep walking up
    }
    dir = dirname(dir)
  }
  return cached
}
