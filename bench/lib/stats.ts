/**
 * The arithmetic of the harness: medians, percentiles and ranges over repetitions and latency
 * samples. Pure functions, so the test can pin them down exactly.
 */

/** Median of `values` (mean of the two middle values for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length % 2 === 1) return sorted[mid] as number
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * The `p`-th percentile (0 < p <= 100) of ascending `sorted` values by the nearest-rank method:
 * the smallest value with at least p% of the values at or below it. Null when empty.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100] (got ${p})`)
  const n = sorted.length
  if (n === 0) return null
  const rank = Math.ceil((p / 100) * n)
  return sorted[Math.min(n, Math.max(1, rank)) - 1] as number
}

/** {@link percentileSorted} over unsorted values. */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    p,
  )
}

/** Smallest and largest of `values`; null when empty. */
export function range(values: readonly number[]): { min: number; max: number } | null {
  if (values.length === 0) return null
  let min = Infinity
  let max = -Infinity
  for (const v of values) {
    if (v < min) min = v
    if (v > max) max = v
  }
  return { min, max }
}
