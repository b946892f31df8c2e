/**
 * The main thread's side of remoting: starts the network thread in the runtime's mesh, makes
 * it listen, and gives the cluster module typed control of it (dial, gossip, forget, leave,
 * statistics) and its reports.
 */
import type { NodeAddress } from '../actor/address.js'
import { ActorRefError } from '../actor/errors.js'
import type { MainRuntime, NetworkThreadHandle } from '../runtime/main-runtime.js'
import type { MainToNetwork, NetworkConfig, NetworkStats, NetworkToMain, PlainMember } from './messages.js'

const fromTs = import.meta.url.endsWith('.ts')

/** The network thread's entry module. */
export function networkWorkerUrl(): URL {
  return new URL(`../../workers/network-worker.${fromTs ? 'ts' : 'js'}`, import.meta.url)
}

/** What the network thread reports; `peer` is a request, answered with the node's slot (throw to refuse it). */
export interface NetworkReports {
  onReport(m: Exclude<NetworkToMain, { t: 'peer' }>): void
  onPeer(node: NodeAddress, advertise: string, startedAt: number): number
  onLost(error: Error): void
}

export class RemoteNetwork {
  private constructor(
    private readonly handle: NetworkThreadHandle,
    /** The port bound. */
    readonly port: number,
    /** The URL other nodes dial. */
    readonly advertise: string,
  ) {}

  /** Adds the network thread to `runtime`'s mesh and listens; rejects with the listen error. */
  static async start(runtime: MainRuntime, config: NetworkConfig, reports: NetworkReports): Promise<RemoteNetwork> {
    const handle = await runtime.startNetworkThread({
      kind: 'network',
      entry: networkWorkerUrl(),
      data: config,
      maxFrameBytes: config.maxFrameBytes,
      onMessage: (raw) => {
        const m = raw as NetworkToMain
        if (m.t === 'peer') return reports.onPeer(m.node, m.advertise, m.startedAt)
        reports.onReport(m)
        return undefined
      },
      onLost: (e) => reports.onLost(e),
    })
    const { port, advertise } = await handle.request<{ port: number; advertise: string }>({ t: 'listen' } satisfies MainToNetwork)
    return new RemoteNetwork(handle, port, advertise)
  }

  dial(url: string): void {
    this.send({ t: 'dial', url })
  }

  gossip(members: PlainMember[]): void {
    this.send({ t: 'gossip', members })
  }

  forget(node: NodeAddress, reason: string): void {
    this.send({ t: 'forget', node, reason })
  }

  /** Tells every peer this node leaves; resolves once the notices are written (or after 1 s). */
  leave(): Promise<number> {
    return this.handle.request<number>({ t: 'leave' } satisfies MainToNetwork).catch(() => 0)
  }

  stats(): Promise<NetworkStats> {
    return this.handle.request<NetworkStats>({ t: 'peerStats' } satisfies MainToNetwork).catch((e: unknown) => {
      throw e instanceof ActorRefError ? e : new ActorRefError('WorkerLost', `the network thread did not answer: ${(e as Error).message}`)
    })
  }

  private send(m: MainToNetwork): void {
    this.handle.post(m)
  }
}
