/**
 * `SingletonManager`: one per singleton name on each node's main thread. On every membership
 * change it works out the candidate (holder.ts); on the candidate it starts the instance once
 * the previous holder is confirmed gone (down, removed, or it said it released the instance),
 * elsewhere it stops a local instance and tells the new candidate. It also routes this node's
 * proxy (proxy-target.ts): to the local instance, to a remote one found by asking the
 * candidate's agent, or into the buffer while neither is known.
 */
import { nodeKey, sameNode, type NodeAddress } from '../../actor/address.js'
import { actorTypeName, handlerNamesOf } from '../../actor/actor.js'
import { ActorRef } from '../../actor/ref.js'
import type { ActorSystem } from '../../actor/system.js'
import type { TerminationListener } from '../../actor/target.js'
import type { ActorClass } from '../../actor/types.js'
import type { Logger } from '../../util/logger.js'
import type { MainRuntime } from '../../runtime/main-runtime.js'
import type { ClusterEventName, ClusterView } from '../view.js'
import { agentId, bindSingletonAgent, SingletonAgent } from './agent.js'
import { singletonCandidate, takeoverBlockers } from './holder.js'
import type { ResolvedSingletonOptions } from './options.js'
import { SingletonTarget } from './proxy-target.js'

/** How long one locate ask waits on the candidate for its instance to start. */
const LOCATE_WAIT_MS = 2000
/** Pause before asking again when a locate failed (agent not spawned yet, node unreachable). */
const LOCATE_RETRY_MS = 200
/** Pause before restarting an instance that stopped on its own (a failure, or `ctx.stop`). */
const RESTART_DELAY_MS = 1000

/**
 * Where this node stands with one singleton: `running` (the instance is here), `starting`,
 * `stopping`, `waiting` (this node is the candidate but the previous holder is not confirmed
 * gone), `located` (the instance runs on another node and messages go there), `locating`
 * (messages are buffered while the instance is looked for or started elsewhere), `stopped`
 * (this node left).
 */
export type SingletonState = 'running' | 'starting' | 'stopping' | 'waiting' | 'located' | 'locating' | 'stopped'

/** One singleton as `GET /cluster/singletons` reports it. */
export interface SingletonReport {
  name: string
  actorType: string
  /** Where the instance runs as this node knows it (`id#incarnation`); null while unknown. */
  node: string | null
  state: SingletonState
  /** Messages this node buffers for it. */
  buffered: number
}

const EVENTS: readonly ClusterEventName[] = ['memberJoined', 'memberUp', 'memberUnreachable', 'memberReachable', 'memberDown', 'memberLeft', 'leaderChanged']

export class SingletonManager {
  readonly ref: ActorRef
  readonly actorType: string
  private readonly target: SingletonTarget
  private readonly view: ClusterView
  private readonly log: Logger
  private readonly self: NodeAddress
  private readonly instanceId: string
  /** The instance on this node, once started. */
  private local: ActorRef | null = null
  private phase: 'idle' | 'starting' | 'running' | 'stopping' = 'idle'
  /** Start and stop, one after the other. */
  private work: Promise<void> = Promise.resolve()
  private lastCandidate: NodeAddress | null = null
  /** The candidate before this node became it: the one to wait for. */
  private previous: NodeAddress | null = null
  /** Nodes that said they run no instance (by nodeKey). */
  private readonly released = new Set<string>()
  /** Nodes that said they leave: no candidates any more (by nodeKey). */
  private readonly retired = new Set<string>()
  /** Where the proxy routes now (`nodeKey|reachable`), and a counter that ends stale locates. */
  private route = ''
  private routeEpoch = 0
  private remoteNode: NodeAddress | null = null
  private readonly startWaiters = new Set<(ref: ActorRef | null) => void>()
  private readonly offs: (() => void)[] = []
  private restartTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly system: ActorSystem,
    readonly type: ActorClass,
    readonly options: ResolvedSingletonOptions,
  ) {
    this.view = system.cluster
    this.log = system.host.logger
    this.self = system.node
    this.actorType = actorTypeName(type)
    this.instanceId = `$singleton:${options.name}`
    this.target = new SingletonTarget({
      name: options.name,
      actorType: this.actorType,
      node: system.node,
      handlers: handlerNamesOf(type),
      capacity: options.bufferSize,
      askTimeoutMs: system.options.askTimeoutMs,
      onDropped: (handler, error) => this.log.warn({ singleton: options.name, handler, err: error }, 'a buffered tell to a singleton was dropped'),
    })
    this.ref = new ActorRef(this.target)
    // Messages from workers and other nodes to `$singleton-proxy:<name>` come to this proxy.
    system.host.addForwarder(this.target.id, this.ref)
  }

  /** Spawns this node's agent and follows the membership. */
  async start(): Promise<void> {
    bindSingletonAgent(this.system, this.options.name, {
      locate: (waitMs) => this.locate(waitMs),
      released: (from, retiring) => this.onReleased(from, retiring),
    })
    await this.system.spawn(SingletonAgent, { id: agentId(this.options.name), placement: 'main', args: [this.options.name] })
    for (const e of EVENTS) this.offs.push(this.view.on(e, () => this.evaluate()))
    this.evaluate()
  }

  /** What `GET /cluster/singletons` shows for this node. */
  report(): SingletonReport {
    let node: string | null = null
    let state: SingletonState
    if (this.closed) state = 'stopped'
    else if (this.phase === 'running' || this.phase === 'starting' || this.phase === 'stopping') state = this.phase
    else if (this.lastCandidate !== null && sameNode(this.lastCandidate, this.self)) state = 'waiting'
    else state = this.target.attached ? 'located' : 'locating'
    if (this.phase === 'running') node = nodeKey(this.self)
    else if (state === 'located' && this.remoteNode !== null) node = nodeKey(this.remoteNode)
    return { name: this.options.name, actorType: this.actorType, node, state, buffered: this.target.buffered }
  }

  // ------------------------------------------------------------------ membership

  private evaluate(): void {
    if (this.closed) return
    const members = this.view.members()
    const candidate = singletonCandidate(members, this.retired)
    const mine = candidate !== null && sameNode(candidate, this.self)
    if (!sameCandidate(candidate, this.lastCandidate)) {
      if (mine && this.lastCandidate !== null) this.previous = this.lastCandidate
      // A node that becomes the candidate again may start an instance again: its old word no longer holds.
      if (candidate !== null) this.released.delete(nodeKey(candidate))
      this.lastCandidate = candidate
    }
    if (mine) {
      // On the losing side of a partition this node is about to down itself: taking over now
      // would run a second instance beside the majority's.
      if (this.phase === 'idle' && this.restartTimer === null && !this.view.inMinority) {
        const blockers = takeoverBlockers(members, this.self, this.previous, this.released)
        if (blockers.length === 0) this.startInstance()
        else this.log.debug({ singleton: this.options.name, waitingFor: blockers.map(nodeKey) }, 'singleton: waiting for the previous holder')
      }
    } else if (this.phase === 'starting' || this.phase === 'running') {
      this.stopInstance(candidate, false)
    }
    this.routeTo(candidate)
  }

  private onReleased(from: NodeAddress, retiring: boolean): void {
    this.released.add(nodeKey(from))
    if (retiring) this.retired.add(nodeKey(from))
    this.evaluate()
  }

  // ------------------------------------------------------------------ the instance on this node

  private startInstance(): void {
    this.phase = 'starting'
    this.work = this.work.then(async () => {
      if (this.closed || this.phase !== 'starting') return
      try {
        const ref = await this.system.spawn(this.type, { id: this.instanceId, placement: 'main', args: this.options.args as never })
        if (this.phase !== 'starting') {
          // The role moved on while it started: stopInstance is queued behind this and stops it.
          this.local = ref
          return
        }
        this.local = ref
        this.phase = 'running'
        this.watchLocal(ref)
        this.log.info({ singleton: this.options.name }, 'singleton instance started on this node')
        this.routeTo(this.lastCandidate, true)
        for (const w of [...this.startWaiters]) w(ref)
        this.startWaiters.clear()
      } catch (e) {
        this.log.error({ singleton: this.options.name, err: e }, 'singleton instance failed to start; retrying')
        this.phase = 'idle'
        this.scheduleRestart()
      }
    })
  }

  /** Stops the local instance (its `stopped()` awaited), then tells `next` (or every peer when `retiring`). */
  private stopInstance(next: NodeAddress | null, retiring: boolean): Promise<void> {
    this.phase = 'stopping'
    this.target.detach()
    this.work = this.work.then(async () => {
      const ref = this.local
      this.local = null
      if (ref !== null) {
        try {
          await ref.stop()
        } catch (e) {
          this.log.warn({ singleton: this.options.name, err: e }, 'singleton instance failed to stop cleanly')
        }
        this.log.info({ singleton: this.options.name }, 'singleton instance stopped on this node (handover)')
      }
      if (this.phase === 'stopping') this.phase = 'idle'
      this.tellReleased(next, retiring)
      if (!this.closed) this.evaluate()
    })
    return this.work
  }

  /** Tells the new candidate (all members, when leaving) that this node runs no instance now. */
  private tellReleased(next: NodeAddress | null, retiring: boolean): void {
    const to = retiring ? this.view.members().filter((m) => !sameNode(m.node, this.self) && (m.status === 'up' || m.status === 'leaving')).map((m) => m.node) : next === null ? [] : [next]
    for (const node of to) {
      if (sameNode(node, this.self)) continue
      try {
        this.agentOn(node).tell('released', this.self, retiring)
      } catch (e) {
        // Not fatal: the other node also learns from the membership (left or down).
        this.log.debug({ singleton: this.options.name, node: nodeKey(node), err: e }, 'singleton: could not tell a peer about the release')
      }
    }
  }

  /** An instance that stops by itself (not by handover) is started again after a pause. */
  private watchLocal(ref: ActorRef): void {
    const listener: TerminationListener = {
      onTargetTerminated: () => {
        if (this.local !== ref || this.phase !== 'running') return
        this.local = null
        this.phase = 'idle'
        this.target.detach()
        this.route = ''
        this.log.warn({ singleton: this.options.name }, 'singleton instance stopped by itself; starting it again')
        this.scheduleRestart()
      },
    }
    ref.target.addWatcher(listener)
  }

  private scheduleRestart(): void {
    if (this.closed || this.restartTimer !== null) return
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      this.evaluate()
    }, RESTART_DELAY_MS)
  }

  // ------------------------------------------------------------------ routing this node's proxy

  private routeTo(candidate: NodeAddress | null, force = false): void {
    const member = candidate === null ? undefined : this.view.members().find((m) => sameNode(m.node, candidate))
    const reachable = member !== undefined && member.reachable
    const key = candidate === null ? '' : `${nodeKey(candidate)}|${reachable}`
    if (key === this.route && !force) return
    this.route = key
    const epoch = ++this.routeEpoch
    this.remoteNode = null
    if (candidate === null || !reachable) {
      // Nowhere to send to: hold messages rather than lose them at an unreachable holder.
      this.target.detach()
      return
    }
    if (sameNode(candidate, this.self)) {
      if (this.phase === 'running' && this.local !== null) this.target.attach(this.local.target)
      else this.target.detach()
      return
    }
    this.target.detach()
    void this.locateOn(candidate, epoch)
  }

  /** Asks the candidate's agent for its instance until it answers, or the route changes. */
  private async locateOn(node: NodeAddress, epoch: number): Promise<void> {
    const agent = this.agentOn(node)
    while (!this.closed && epoch === this.routeEpoch) {
      try {
        const ref = await agent.askWith({ timeoutMs: LOCATE_WAIT_MS + 3000 }, 'locate', LOCATE_WAIT_MS)
        if (this.closed || epoch !== this.routeEpoch) return
        if (ref !== null) {
          this.remoteNode = node
          this.target.attach(ref.target)
          return
        }
      } catch {
        // Its agent is not there yet, or the node cannot be reached: the membership decides.
        await new Promise((r) => setTimeout(r, LOCATE_RETRY_MS))
      }
    }
  }

  /** Answers a locate: the local instance, once it runs, within `waitMs`. */
  private locate(waitMs: number): Promise<ActorRef | null> {
    if (this.phase === 'running' && this.local !== null) return Promise.resolve(this.local)
    if (this.closed) return Promise.resolve(null)
    return new Promise((resolve) => {
      const done = (ref: ActorRef | null): void => {
        clearTimeout(timer)
        this.startWaiters.delete(done)
        resolve(ref)
      }
      const timer = setTimeout(() => done(null), waitMs)
      this.startWaiters.add(done)
    })
  }

  private agentOn(node: NodeAddress): ActorRef<SingletonAgent> {
    const runtime = this.system.runtime as MainRuntime
    const id = agentId(this.options.name)
    return runtime.refFor({ node, thread: 0, id, actorType: actorTypeName(SingletonAgent), path: id }) as ActorRef<SingletonAgent>
  }

  // ------------------------------------------------------------------ leaving

  /**
   * A graceful leave: this node gives the role up for good, stops its instance (its `stopped()`
   * awaited) and tells every peer, so the next candidate starts without waiting for the leave
   * to be gossiped.
   */
  async handOver(): Promise<void> {
    if (this.closed || this.retired.has(nodeKey(this.self))) return this.work
    this.retired.add(nodeKey(this.self))
    const next = singletonCandidate(this.view.members(), this.retired)
    await this.stopInstance(next, true)
  }

  /** The system shuts down: rejects what is buffered and stops following the membership. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const off of this.offs) off()
    if (this.restartTimer !== null) clearTimeout(this.restartTimer)
    for (const w of [...this.startWaiters]) w(null)
    this.startWaiters.clear()
    // The forwarder stays: messages from workers and peers get `SystemShutdown`, not `NotFound`.
    this.target.close('SystemShutdown', 'the actor system is shut down')
  }
}

function sameCandidate(a: NodeAddress | null, b: NodeAddress | null): boolean {
  return a === null || b === null ? a === b : sameNode(a, b)
}
