/**
 * `WorkerRuntime`: the runtime inside an actor worker thread. Children it spawns without an
 * explicit placement stay on this thread (named ones reserve their id with the main thread
 * first); every other spawn, lookups and blocking tasks go to the main thread over the control
 * channel. `runWorker` wires a worker from its start-up data; the entry file only calls it.
 */
import type { MessagePort } from 'node:worker_threads'
import type { ActorCell } from '../actor/cell.js'
import { installExtension } from '../actor/extensions.js'
import type { ActorDescription, DescribeOptions } from '../actor/describe.js'
import { ActorRefError } from '../actor/errors.js'
import type { ActorHost } from '../actor/host.js'
import type { MetricsSnapshot } from '../actor/metrics.js'
import { placeRecord } from '../actor/spawn-record.js'
import type { ActorRef } from '../actor/ref.js'
import type { RuntimeStatus, SystemRuntime } from '../actor/runtime-api.js'
import { ActorSystem, type SpawnOptions } from '../actor/system.js'
import type { ActorClass } from '../actor/types.js'
import { locate } from './actor-modules.js'
import { errorToData, type RefAddress } from './transport/codec.js'
import { ControlChannel } from './control.js'
import type { MainToWorker, WorkerInit, WorkerStats, WorkerToMain } from './messages.js'
import { checkPlacement } from './placement.js'
import { encodeForTransfer } from './spawn-transfer.js'
import { systemOptionsForWorker } from './worker-options.js'
import { ThreadSignal } from './transport/signal.js'
import { ThreadNode } from './thread-node.js'
import { spinMicrosFor } from './thread-kind.js'
import { deliverTopic } from './topics.js'
import { poolExtension } from './pool/extension.js'

export class WorkerRuntime implements SystemRuntime {
  constructor(
    private readonly host: ActorHost,
    private readonly node: ThreadNode,
    private readonly control: ControlChannel<WorkerToMain>,
    private readonly workers: number,
  ) {}

  async spawn(type: ActorClass, options: SpawnOptions, parent: ActorCell | null): Promise<ActorRef> {
    const node = options?.node
    if (node !== undefined && (typeof node === 'string' ? node !== this.host.node.id : node?.id !== this.host.node.id || node.incarnation !== this.host.node.incarnation)) {
      throw new ActorRefError('NotSupported', 'spawn on another node is done from the main thread (ask an actor there to do it)', { actorType: type.name })
    }
    const record = this.host.prepareSpawn(type, options, parent)
    const problem = checkPlacement(record.placement, this.workers)
    if (problem !== null) throw new ActorRefError('InvalidArgument', problem, { actorType: record.actorType })
    if (parent !== null && (record.placement === undefined || record.placement === this.host.thread)) {
      const placed = placeRecord(record, () => this.host.anonymousId())
      const { id, tracked } = placed
      if (tracked) {
        await this.control.request({ t: 'reserve', id, actorType: placed.actorType, parent: placed.parent })
      }
      try {
        return await this.host.spawnLocal(placed, { type, args: placed.args as readonly unknown[], parent, parentCell: parent })
      } catch (e) {
        // A failed start unregisters the cell (and so releases the id) itself; a refused one never had a cell.
        if (tracked && this.host.cell(id) === undefined && !(e instanceof ActorRefError && e.code === 'StartFailed')) {
          this.control.post({ t: 'released', id })
        }
        throw e
      }
    }
    const outgoing = encodeForTransfer(record, 'another thread')
    const address = await this.control.request<RefAddress>({ t: 'place', record: { ...outgoing, location: locate(type) } })
    if (address.thread === this.host.thread) {
      const cell = this.host.cell(address.id)
      if (cell !== undefined) return cell.self
    }
    const target = this.node.router.targetFor(address)
    if (parent !== null) {
      parent.children.set(address.id, target)
      this.node.router.trackChildOnOtherThread(parent, target)
    }
    return target.self
  }

  /** A ref for an address, as a ref arriving in a message to this worker would be rebuilt. */
  refFor(address: RefAddress): ActorRef {
    return this.node.router.refFor(address)
  }

  async actorOf(id: string): Promise<ActorRef | undefined> {
    const local = this.host.cell(id)
    if (local !== undefined && local.tracked && local.alive) return local.self
    const address = await this.control.request<RefAddress | null>({ t: 'lookup', id })
    return address === null ? undefined : this.node.router.refFor(address)
  }

  /** The actors rooted on this worker (the main thread's system describes every thread). */
  describeRoots(options: Required<DescribeOptions>): Promise<ActorDescription[]> {
    return this.host.describe(options)
  }

  metrics(): MetricsSnapshot {
    return this.host.metrics.snapshot()
  }

  async collectMetrics(): Promise<MetricsSnapshot> {
    return this.metrics()
  }

  stats(): WorkerStats {
    const links = this.node.router.peers.allLinks()
    return {
      thread: this.host.thread,
      actors: this.host.actorCount,
      processed: this.host.processedCount(),
      queueDepth: this.host.queueDepth(),
      inFlightAsks: this.node.router.inFlightAsks,
      ringBytesUsed: links.reduce((n, l) => n + l.userRingUsed(), 0),
      ringBytesCapacity: links.reduce((n, l) => n + l.userRingCapacity, 0),
      metrics: this.host.metrics.snapshot(),
    }
  }

  status(): RuntimeStatus {
    const s = this.stats()
    const self = {
      index: s.thread,
      alive: true,
      actors: s.actors,
      queueDepth: s.queueDepth,
      restarts: 0,
      ringBytesUsed: s.ringBytesUsed,
      ringBytesCapacity: s.ringBytesCapacity,
    }
    return { workers: [self], main: { ...self, index: 0, actors: 0, queueDepth: 0 }, inFlightAsks: s.inFlightAsks }
  }

  offload(moduleUrl: string, input: unknown): Promise<unknown> {
    return this.control.request({ t: 'offload', moduleUrl, input })
  }

  /** Asks the main thread to shut the whole system down. */
  async shutdown(): Promise<void> {
    this.control.post({ t: 'shutdownSystem' })
  }
}

/** Starts an actor worker from its start-up data. Called by workers/actor-worker.ts. */
export function runWorker(init: WorkerInit, port: MessagePort): void {
  try {
    startWorker(init, port)
  } catch (e) {
    port.postMessage({ t: 'fatal', error: errorToData(e) } satisfies WorkerToMain)
  }
}

function startWorker(init: WorkerInit, port: MessagePort): void {
  // Pools ride on the runtime: a worker decodes pool refs, applies membership updates and
  // offers ctx.pool whether or not its actor modules imported the package index.
  installExtension(poolExtension)
  const o = init.options
  const options = systemOptionsForWorker(o, init.thread, init.workers)
  let runtime: WorkerRuntime | null = null
  let statsTimer: NodeJS.Timeout | null = null
  const control: ControlChannel<WorkerToMain> = new ControlChannel<WorkerToMain>(port, (raw): unknown => {
    const m = raw as MainToWorker
    const r = runtime as WorkerRuntime
    switch (m.t) {
      case 'spawn':
        return node.spawnFromRecord(m.record)
      case 'peerLost':
        node.router.peerLost(m.thread)
        return undefined
      case 'peerReplaced':
        node.connect(m.thread, m.outbound, m.inbound, m.signal, true)
        return undefined
      case 'peerRestored':
        node.router.peerReplaced(m.thread)
        return undefined
      case 'nodeSlot':
        node.router.peers.setSlot(m.slot, m.node)
        return undefined
      case 'nodeLost':
        node.router.nodeLost(m.slot, m.reason)
        return undefined
      case 'stats':
        return r.stats()
      case 'sync':
        return true
      case 'topic':
        deliverTopic(m.topic, m.data, node.router.resolveRef)
        return undefined
      case 'shutdown':
        if (statsTimer !== null) clearInterval(statsTimer)
        return system.host.shutdown().then(() => {
          node.router.failAll(
            (a, handler) => new ActorRefError('Stopped', 'actor system shut down', { actorId: a.id, actorType: a.actorType, handler }),
          )
          node.stop()
          return true
        })
      default:
        return undefined
    }
  })
  let node!: ThreadNode
  const system: ActorSystem = new ActorSystem(options, init.thread, (host): SystemRuntime => {
    node = new ThreadNode(host, ThreadSignal.attach(init.signals[init.thread] as SharedArrayBuffer), {
      spinMicros: spinMicrosFor(init.kind, o.spinMicros),
      outboxLimit: o.outboxLimit,
    })
    node.router.peers.serviceThread = init.serviceThread
    node.router.peers.maxRemoteFrameBytes = o.maxRemoteFrameBytes ?? Infinity
    runtime = new WorkerRuntime(host, node, control, init.workers)
    // A request, not a post: the stop is acknowledged once the main thread freed the id.
    host.onReleased = (cell) => control.request<void>({ t: 'released', id: cell.id })
    return runtime
  })
  control.beforeSend = node.router.sendBatches
  for (const key of Object.keys(init.outbound)) {
    const peer = Number(key)
    node.connect(peer, init.outbound[peer] as never, init.inbound[peer] as never, init.signals[peer] as SharedArrayBuffer)
  }
  node.start()
  statsTimer = setInterval(() => control.post({ t: 'stats', stats: (runtime as WorkerRuntime).stats() }), o.statsIntervalMs)
  statsTimer.unref()
  port.postMessage({ t: 'ready' } satisfies WorkerToMain)
}
