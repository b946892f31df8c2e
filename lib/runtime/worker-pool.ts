/**
 * `WorkerPool`: the actor worker threads of a system and the shared memory between them. It
 * creates the ring mesh (a system and a user ring for every ordered thread pair) and one
 * doorbell per thread, starts workers and waits for them to be ready, notices when one dies
 * (uncaught error, `process.exit`, `terminate()`), replaces it on fresh rings, and ends them all
 * at shutdown.
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from '../util/logger.js'
import { ActorRefError } from '../actor/errors.js'
import { dataToError } from './transport/codec.js'
import { ControlChannel } from './control.js'
import type { MainToWorker, RingPair, WorkerInit, WorkerOptions, WorkerStats, WorkerToMain } from './messages.js'
import { RING_CONTROL_BYTES } from './transport/ring.js'
import { ThreadSignal } from './transport/signal.js'
import { actorWorkerUrl, workerExecArgv } from './worker-entry.js'
import type { ThreadKind } from './thread-kind.js'

/** A thread of the mesh that hosts no actors (remoting's network thread): its entry module and start-up data. */
export interface ServiceThreadSpec {
  kind: Exclude<ThreadKind, 'actor'>
  entry: URL
  data: unknown
}

/** One worker as the pool tracks it. */
export interface WorkerSlot {
  thread: number
  kind: ThreadKind
  worker: Worker
  control: ControlChannel<MainToWorker>
  alive: boolean
  restarts: number
  stats: WorkerStats | null
  /** Messages handled per second over the last stats interval. */
  rate: number
}

export interface PoolEvents {
  /** A control message from a worker (requests are answered by the returned value). */
  onMessage(thread: number, message: WorkerToMain): unknown
  /** A worker died unexpectedly. */
  onLost(thread: number, error: Error): void
}

const STARTUP_TIMEOUT_MS = 60_000

export class WorkerPool {
  /** Actor workers by thread number (1..size). */
  readonly slots: (WorkerSlot | undefined)[] = []
  /** The service thread (thread size + 1), when the pool has one. */
  service: WorkerSlot | null = null
  readonly signals: ThreadSignal[] = []
  /** rings[from][to] */
  private readonly rings: RingPair[][] = []
  private closing = false

  constructor(
    readonly size: number,
    private readonly ringBytes: number,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
    private readonly events: PoolEvents,
    private readonly serviceSpec: ServiceThreadSpec | null = null,
  ) {
    for (let t = 0; t <= this.last; t++) {
      this.signals[t] = ThreadSignal.create()
      this.rings[t] = []
    }
    for (let from = 0; from <= this.last; from++) {
      for (let to = 0; to <= this.last; to++) if (from !== to) this.setPair(from, to)
    }
  }

  /** The service thread's number, or null. */
  get serviceThread(): number | null {
    return this.serviceSpec === null ? null : this.size + 1
  }

  /** The highest thread number of the mesh. */
  private get last(): number {
    return this.serviceSpec === null ? this.size : this.size + 1
  }

  private newPair(): RingPair {
    return {
      sys: new SharedArrayBuffer(RING_CONTROL_BYTES + this.ringBytes),
      user: new SharedArrayBuffer(RING_CONTROL_BYTES + this.ringBytes),
    }
  }

  private setPair(from: number, to: number): void {
    ;(this.rings[from] as RingPair[])[to] = this.newPair()
  }

  /** The rings from `from` to `to`. */
  pair(from: number, to: number): RingPair {
    return (this.rings[from] as RingPair[])[to] as RingPair
  }

  /** Starts every worker; resolves when all are ready. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.last }, (_, i) => this.startWorker(i + 1)))
  }

  private initFor(thread: number): WorkerInit {
    const outbound: Record<number, RingPair> = {}
    const inbound: Record<number, RingPair> = {}
    for (let peer = 0; peer <= this.last; peer++) {
      if (peer === thread) continue
      outbound[peer] = this.pair(thread, peer)
      inbound[peer] = this.pair(peer, thread)
    }
    const service = thread === this.serviceThread ? this.serviceSpec : null
    return {
      thread,
      kind: service?.kind ?? 'actor',
      workers: this.size,
      serviceThread: this.serviceThread,
      ...(service !== null ? { data: service.data } : {}),
      signals: this.signals.map((s) => s.sab),
      outbound,
      inbound,
      options: this.options,
    }
  }

  private startWorker(thread: number): Promise<void> {
    const service = thread === this.serviceThread ? this.serviceSpec : null
    const worker = new Worker(service?.entry ?? actorWorkerUrl(), { workerData: this.initFor(thread), execArgv: workerExecArgv() })
    const previous = this.slot(thread)
    const slot: WorkerSlot = {
      thread,
      kind: service?.kind ?? 'actor',
      worker,
      alive: false,
      restarts: previous === undefined ? 0 : previous.restarts + 1,
      stats: null,
      rate: 0,
      control: new ControlChannel<MainToWorker>(worker, (m) => this.events.onMessage(thread, m as WorkerToMain)),
    }
    if (service !== null) this.service = slot
    else this.slots[thread] = slot
    return new Promise<void>((resolve, reject) => {
      let ready = false
      const timer = setTimeout(() => fail(new Error(`worker ${thread} did not start within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS)
      const fail = (e: Error): void => {
        if (ready) return
        clearTimeout(timer)
        ready = true
        void worker.terminate()
        reject(new ActorRefError('WorkerLost', `worker ${thread} failed to start: ${e.message}`, { cause: e }))
      }
      const onReady = (m: unknown): void => {
        const msg = m as WorkerToMain
        if (msg.t === 'fatal') {
          fail(dataToError(msg.error))
          return
        }
        if (msg.t !== 'ready' || ready) return
        ready = true
        clearTimeout(timer)
        slot.alive = true
        worker.off('message', onReady)
        resolve()
      }
      worker.on('message', onReady)
      let lastError: Error | null = null
      worker.on('error', (e) => {
        lastError = e
        if (!ready) fail(e)
      })
      worker.on('exit', (code) => {
        if (!ready) {
          fail(lastError ?? new Error(`exited with code ${code}`))
          return
        }
        const wasAlive = slot.alive
        slot.alive = false
        slot.control.close(new ActorRefError('WorkerLost', `worker ${thread} exited`))
        if (this.closing || !wasAlive || this.slot(thread) !== slot) return
        const error = lastError ?? new Error(`worker ${thread} exited with code ${code}`)
        this.logger.error({ thread, kind: slot.kind, code, err: error }, `${slot.kind} thread died`)
        this.events.onLost(thread, error)
      })
    })
  }

  /**
   * Replaces a dead worker: fresh rings for every pair it is part of (its old rings may hold
   * half-written frames) and a fresh doorbell. Returns the new rings so the other threads can
   * reconnect.
   */
  async replace(thread: number): Promise<void> {
    this.signals[thread] = ThreadSignal.create()
    for (let peer = 0; peer <= this.last; peer++) {
      if (peer === thread) continue
      this.setPair(thread, peer)
      this.setPair(peer, thread)
    }
    await this.startWorker(thread)
  }

  /** Live actor workers. */
  alive(): WorkerSlot[] {
    return this.slots.filter((s): s is WorkerSlot => s !== undefined && s.alive)
  }

  /** Every live thread besides the main one: the actor workers and the service thread. */
  threads(): WorkerSlot[] {
    const all = this.alive()
    if (this.service?.alive === true) all.push(this.service)
    return all
  }

  slot(thread: number): WorkerSlot | undefined {
    return thread === this.serviceThread ? (this.service ?? undefined) : this.slots[thread]
  }

  /** Ends every worker (after the runtime stopped their actors). */
  async terminate(): Promise<void> {
    this.closing = true
    await Promise.all(
      [...this.slots, this.service ?? undefined].map(async (s) => {
        if (s === undefined) return
        s.alive = false
        s.control.close(new ActorRefError('SystemShutdown', 'the actor system is shut down'))
        await s.worker.terminate()
      }),
    )
  }
}
