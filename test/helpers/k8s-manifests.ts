// Rendering and validating the kustomize base in deploy/k8s. Rendering uses the real
// `kubectl kustomize` when kubectl is on PATH (it is on this project's machines), else a small
// renderer of exactly the kustomization features the base uses, which refuses any other field.
// Validation is two checks generated from the Kubernetes OpenAPI schema: kubernetes-models'
// validate() (types, formats, required fields) and a strict walk over @kubernetes/client-node's
// model attribute maps (unknown fields, which the schema itself allows and the API server's
// strict field validation rejects).
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { parseAllDocuments } from 'yaml'

/** A rendered Kubernetes object (plain JSON). */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; namespace?: string } } & Record<string, unknown>

/** True when `kubectl` runs here. */
export function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0
}

/** Parses a multi-document YAML string; a syntax error throws. */
export function parseYamlDocs(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`YAML: ${d.errors.map((e) => e.message).join('; ')}`)
    const v = d.toJS() as K8sObject | null
    return v === null ? [] : [v]
  })
}

/** `kubectl kustomize dir`, parsed. */
export function renderWithKubectl(dir: string): K8sObject[] {
  return parseYamlDocs(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'labels', 'images'])

/**
 * Renders the kustomization in `dir` with the features the base uses: `resources` (local
 * files), `labels` (pairs added to metadata.labels; includeSelectors/includeTemplates false)
 * and `images` (newName/newTag/digest on matching container images). Throws on anything else.
 */
export function renderFallback(dir: string): K8sObject[] {
  const [k] = parseYamlDocs(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as unknown as Array<Record<string, unknown>>
  if (k === undefined) throw new Error('empty kustomization.yaml')
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`kustomization field '${key}' is not supported by the fallback renderer; install kubectl`)
  const objects = ((k['resources'] as string[] | undefined) ?? []).flatMap((f) => parseYamlDocs(readFileSync(join(dir, f), 'utf8')))
  for (const l of (k['labels'] as Array<Record<string, unknown>> | undefined) ?? []) {
    if (l['includeSelectors'] === true || l['includeTemplates'] === true) throw new Error('labels.includeSelectors/includeTemplates are not supported by the fallback renderer')
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...(l['pairs'] as Record<string, string>) }
  }
  for (const img of (k['images'] as Array<Record<string, string>> | undefined) ?? []) {
    for (const o of objects) {
      const pod = (o['spec'] as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec
      for (const c of [...((pod?.['containers'] as Array<{ image?: string }>) ?? []), ...((pod?.['initContainers'] as Array<{ image?: string }>) ?? [])]) {
        if (c.image === undefined) continue
        const ref = splitImage(c.image)
        if (ref.name !== img['name']) continue
        const name = img['newName'] ?? ref.name
        const tag = img['newTag'] ?? ref.tag
        const digest = img['digest'] ?? ref.digest
        c.image = digest !== undefined ? `${name}@${digest}` : tag !== undefined ? `${name}:${tag}` : name
      }
    }
  }
  return objects
}

/** `registry:5000/a/b:tag@sha256:..` -> name, tag, digest (a colon before the last '/' is a registry port). */
function splitImage(image: string): { name: string; tag: string | undefined; digest: string | undefined } {
  const at = image.indexOf('@')
  const digest = at >= 0 ? image.slice(at + 1) : undefined
  const rest = at >= 0 ? image.slice(0, at) : image
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest }
  return { name: rest, tag: undefined, digest }
}

/** Renders with kubectl when present, else with {@link renderFallback}. */
export function renderKustomize(dir: string): { objects: K8sObject[]; renderer: 'kubectl' | 'fallback' } {
  return hasKubectl() ? { objects: renderWithKubectl(dir), renderer: 'kubectl' } : { objects: renderFallback(dir), renderer: 'fallback' }
}

type ModelClass = { new (data: unknown): { validate(): void } }

/** Every schema problem of `o` (empty when valid): kubernetes-models validation plus unknown fields. */
export async function validateObject(o: K8sObject): Promise<string[]> {
  const where = `${o.kind}/${o.metadata?.name}`
  const group = o.apiVersion === 'v1' ? 'v1' : o.apiVersion
  let mod: Record<string, unknown>
  try {
    mod = (await import(`kubernetes-models/${group}`)) as Record<string, unknown>
  } catch {
    return [`${where}: unknown apiVersion ${o.apiVersion}`]
  }
  const Model = mod[o.kind] as ModelClass | undefined
  if (Model === undefined) return [`${where}: unknown kind ${o.kind} in ${o.apiVersion}`]
  const problems: string[] = []
  try {
    new Model(o).validate()
  } catch (e) {
    problems.push(`${where}: ${(e as Error).message}`)
  }
  const version = o.apiVersion.split('/').pop() ?? ''
  const typeName = `${version.charAt(0).toUpperCase()}${version.slice(1)}${o.kind}`
  for (const p of unknownFields(o, typeName, '')) problems.push(`${where}: unknown field ${p}`)
  return problems
}

type AttributeMap = Array<{ name: string; baseName: string; type: string }>

/** Paths of fields in `value` that the client's OpenAPI model `typeName` does not define. */
export function unknownFields(value: unknown, typeName: string, path: string): string[] {
  const m = /^Array<(.+)>$/.exec(typeName)
  if (m !== null) {
    if (!Array.isArray(value)) return []
    return value.flatMap((v, i) => unknownFields(v, m[1] as string, `${path}[${i}]`))
  }
  const cls = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap } | undefined>)[typeName]
  if (cls?.getAttributeTypeMap === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return []
  const attrs = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]))
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => {
    const t = attrs.get(key)
    const here = path === '' ? key : `${path}.${key}`
    return t === undefined ? [here] : unknownFields(v, t, here)
  })
}
