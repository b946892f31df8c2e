/**
 * Query-string parameters: their declared shape (also used for the OpenAPI document) and the
 * one place they are parsed and validated. A bad value fails the request with a 400 naming
 * every bad parameter.
 */
import { ApiError } from './errors.js'

/** A query parameter a route accepts. */
export interface QueryParam {
  name: string
  description: string
  type: 'integer' | 'string' | 'boolean'
  /** Inclusive bounds of an integer. */
  minimum?: number
  maximum?: number
  /** The allowed values of a string. */
  enum?: readonly string[]
  /** Used when the parameter is absent. */
  default?: number | string | boolean
}

/** Parsed query values by parameter name; absent parameters without a default are undefined. */
export type QueryValues = Readonly<Record<string, number | string | boolean | undefined>>

const INTEGER = /^-?\d{1,15}$/

/**
 * Parses the declared parameters out of `search`. Undeclared parameters are ignored (cache
 * busters, probes' extras). Throws `ApiError` `BadRequest` naming every bad parameter.
 */
export function parseQuery(search: URLSearchParams, params: readonly QueryParam[]): QueryValues {
  const out: Record<string, number | string | boolean | undefined> = {}
  const problems: string[] = []
  for (const p of params) {
    const all = search.getAll(p.name)
    if (all.length > 1) {
      problems.push(`${p.name} is given ${all.length} times`)
      continue
    }
    const raw = all[0]
    if (raw === undefined) {
      out[p.name] = p.default
      continue
    }
    const problem = checkValue(p, raw)
    if (typeof problem === 'string') problems.push(problem)
    else out[p.name] = problem.value
  }
  if (problems.length > 0) throw new ApiError('BadRequest', `invalid query: ${problems.join('; ')}`)
  return out
}

function checkValue(p: QueryParam, raw: string): string | { value: number | string | boolean } {
  switch (p.type) {
    case 'integer': {
      const n = INTEGER.test(raw) ? Number(raw) : NaN
      const min = p.minimum ?? Number.MIN_SAFE_INTEGER
      const max = p.maximum ?? Number.MAX_SAFE_INTEGER
      if (Number.isNaN(n) || n < min || n > max) {
        return `${p.name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`
      }
      return { value: n }
    }
    case 'boolean':
      if (raw === 'true' || raw === '1' || raw === '') return { value: true }
      if (raw === 'false' || raw === '0') return { value: false }
      return `${p.name} must be true or false (got ${JSON.stringify(raw)})`
    case 'string':
      if (p.enum !== undefined && !p.enum.includes(raw)) {
        return `${p.name} must be one of ${p.enum.join(', ')} (got ${JSON.stringify(raw)})`
      }
      return { value: raw }
  }
}
