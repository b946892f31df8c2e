/**
 * `coerce-ts discover`: lists (or follows) the peers the Kubernetes provider sees, with the pods
 * it skipped and why, so an operator can check labels, ports and RBAC from a laptop or a pod.
 */
import { consoleLogger } from '../util/logger.js'
import { diffPeers, peerMap } from '../cluster/discovery/diff.js'
import { isDiscoveryError } from '../cluster/discovery/errors.js'
import { KubernetesDiscovery, type DiscoveryReport } from '../cluster/discovery/k8s/provider.js'
import type { KubernetesDiscoveryOptions } from '../cluster/discovery/k8s/options.js'
import { peerAddress, type DiscoveryChange, type Peer } from '../cluster/discovery/types.js'
import { ExitCode, parseFlags, type CliIo } from './io.js'
import { formatTable } from './table.js'

export const DISCOVER_USAGE = `Usage: coerce-ts discover [options]

Lists the cluster peers found through the Kubernetes API: the pods that match the selector,
are Running and Ready, are not terminating, and expose the named container port.

Options:
  -l, --selector <sel>     pod label selector (default COERCE_K8S_POD_SELECTOR, else app=coerce)
  -p, --port-name <name>   container port name (default COERCE_K8S_PORT_NAME, else coerce)
  -n, --namespace <ns>     namespace (default POD_NAMESPACE, service account, kubeconfig context)
      --addr-mode <mode>   podIp or hostname (default COERCE_K8S_ADDR_MODE, else podIp)
      --kubeconfig <file>  kubeconfig file (default: in-cluster, else KUBECONFIG, else ~/.kube/config)
      --context <name>     kubeconfig context
      --timeout <ms>       limit of one API request (default 10000)
  -w, --watch              keep running and print joins, leaves and changes (Ctrl-C ends)
      --json               JSON output (one object; with --watch, one line per change)
  -v, --verbose            debug logs on stderr (every skipped pod, every re-list)
  -h, --help               this text

Exit status: 0 on success (also with no peers), 1 when discovery fails, 2 on a usage error.
`

/** Parsed `discover` arguments. */
export interface DiscoverArgs {
  options: KubernetesDiscoveryOptions
  watch: boolean
  json: boolean
  verbose: boolean
}

/** Parses `argv` (after the command name): the arguments, `'help'`, or an error message. */
export function parseDiscoverArgs(argv: string[]): DiscoverArgs | 'help' | { error: string } {
  const parsed = parseFlags(argv, {
    selector: { type: 'string', short: 'l' },
    'port-name': { type: 'string', short: 'p' },
    namespace: { type: 'string', short: 'n' },
    'addr-mode': { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    timeout: { type: 'string' },
    watch: { type: 'boolean', short: 'w' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  })
  if ('error' in parsed) return parsed
  const { values } = parsed
  if (values.help) return 'help'
  const options: KubernetesDiscoveryOptions = {}
  if (values.selector !== undefined) options.selector = values.selector
  if (values['port-name'] !== undefined) options.portName = values['port-name']
  if (values.namespace !== undefined) options.namespace = values.namespace
  if (values['addr-mode'] !== undefined) options.addressMode = values['addr-mode'] as KubernetesDiscoveryOptions['addressMode']
  if (values.kubeconfig !== undefined) options.kubeConfig = values.kubeconfig
  if (values.context !== undefined) options.context = values.context
  if (values.timeout !== undefined) {
    const ms = Number(values.timeout)
    if (!(Number.isFinite(ms) && ms > 0)) return { error: `--timeout must be a positive number of ms (got '${values.timeout}')` }
    options.requestTimeoutMs = ms
  }
  return { options, watch: values.watch === true, json: values.json === true, verbose: values.verbose === true }
}

/** Formats a report as the header line, the peer table and the skipped pods. */
export function formatReport(r: DiscoveryReport): string {
  let out = `namespace ${r.namespace}, selector ${r.selector}, port ${r.portName}, address mode ${r.addressMode} (${r.server})\n`
  if (r.peers.length > 0) {
    out += formatTable(
      ['POD', 'ADDRESS', 'ORDINAL'],
      r.peers.map((p) => [p.podName, peerAddress(p), p.ordinal === undefined ? '-' : String(p.ordinal)]),
    )
  }
  out += `${r.peers.length} peer${r.peers.length === 1 ? '' : 's'}`
  if (r.skipped.length === 0) return out + (r.peers.length === 0 ? ': no pod matches the selector\n' : '\n')
  out += `; ${r.skipped.length} matching pod${r.skipped.length === 1 ? '' : 's'} skipped:\n`
  const width = Math.max(...r.skipped.map((s) => s.podName.length))
  return out + r.skipped.map((s) => `  ${s.podName.padEnd(width)}  ${s.reason}\n`).join('')
}

/** One line per joined, left and changed peer: `+ name address`, `- ...`, `~ ...`. */
export function formatChange(c: DiscoveryChange): string {
  const line = (mark: string, p: Peer, what: string): string => `${mark} ${p.podName} ${peerAddress(p)} ${what}\n`
  return [...c.joined.map((p) => line('+', p, 'joined')), ...c.left.map((p) => line('-', p, 'left')), ...c.changed.map((p) => line('~', p, 'changed'))].join('')
}

/** Runs `discover`; resolves to the exit code. With `--watch`, runs until `io.signal` aborts. */
export async function runDiscover(argv: string[], io: CliIo): Promise<number> {
  const args = parseDiscoverArgs(argv)
  if (args === 'help') {
    io.stdout(DISCOVER_USAGE)
    return ExitCode.Ok
  }
  if ('error' in args) {
    io.stderr(`coerce-ts discover: ${args.error}\n\n${DISCOVER_USAGE}`)
    return ExitCode.Usage
  }
  let discovery: KubernetesDiscovery
  try {
    discovery = new KubernetesDiscovery({ ...args.options, env: io.env, logger: consoleLogger(args.verbose ? 'debug' : 'error', { component: 'discovery' }) })
  } catch (e) {
    io.stderr(`coerce-ts discover: ${(e as Error).message}\n`)
    return ExitCode.Usage
  }
  let report: DiscoveryReport
  try {
    report = await discovery.inspect(io.signal)
  } catch (e) {
    if (io.signal?.aborted) return ExitCode.Interrupted
    io.stderr(`coerce-ts discover: ${isDiscoveryError(e) ? e.message : String(e)}\n`)
    return ExitCode.Failed
  }
  io.stdout(args.json ? JSON.stringify(args.watch ? { type: 'snapshot', ...report } : report, null, args.watch ? undefined : 2) + '\n' : formatReport(report))
  if (!args.watch) return ExitCode.Ok
  return follow(discovery, report.peers, args.json, io)
}

async function follow(discovery: KubernetesDiscovery, initial: Peer[], json: boolean, io: CliIo): Promise<number> {
  let shown = peerMap(initial)
  const stop = discovery.watch({
    onChange: (c) => {
      // Diff against what was printed, not against the watcher's first view.
      const next = peerMap(c.peers)
      const d = diffPeers(shown, next)
      shown = next
      if (d !== null) io.stdout(json ? JSON.stringify({ type: 'change', ...d }) + '\n' : formatChange(d))
    },
    onError: (e) => io.stderr(`coerce-ts discover: ${e.message} (retrying)\n`),
  })
  await new Promise<void>((resolve) => {
    if (io.signal === undefined || io.signal.aborted) return resolve()
    io.signal.addEventListener('abort', () => resolve(), { once: true })
  })
  await stop()
  return ExitCode.Ok
}
