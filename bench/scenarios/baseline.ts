/**
 * Raw Node transports with no actor runtime on top, running the same workloads as coerce-ts:
 * the ceilings our figures are measured against (methodology of shared/reference/perf-limits.md).
 */
import { Worker } from 'node:worker_threads'
import type { Scenario } from '../scenario.js'
import { Fixture } from '../lib/fixture.js'
import { measurePipelined, measureSequential, measureTell } from '../lib/workloads.js'

/** A message to the bare mailbox: an increment, or a request for the count with its reply. */
interface RawMessage {
  type: 'inc' | 'get'
  reply: ((count: number) => void) | null
}

/**
 * The least a mailbox can be: an array queue drained in a microtask, one handler, and an ask
 * that is a promise whose resolver travels in the message. What coerce-ts costs above this on
 * the same workload is the runtime's overhead.
 */
class ArrayMailbox {
  private queue: RawMessage[] = []
  private head = 0
  private scheduled = false
  handled = 0

  tell(message: RawMessage): void {
    this.queue.push(message)
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.drain)
    }
  }

  ask(): Promise<number> {
    return new Promise((resolve) => this.tell({ type: 'get', reply: resolve }))
  }

  private readonly drain = (): void => {
    const queue = this.queue
    while (this.head < queue.length) {
      const message = queue[this.head] as RawMessage
      queue[this.head++] = undefined as never
      if (message.type === 'inc') this.handled++
      else message.reply?.(this.handled)
    }
    queue.length = 0
    this.head = 0
    this.scheduled = false
  }
}

/** The worker side: counts `inc`, answers `get` and `ask` with the id it was given. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
let n = 0
parentPort.on('message', (m) => {
  if (m.type === 'inc') n++
  else parentPort.postMessage({ id: m.id, n })
})
`

/** A worker thread reached over its MessagePort, with a minimal promise-based ask on top. */
class PortPeer {
  private readonly worker: Worker
  private readonly pending = new Map<number, (n: number) => void>()
  private nextId = 1
  private sent = 0

  private constructor(worker: Worker) {
    this.worker = worker
    worker.on('message', (m: { id: number; n: number }) => {
      const resolve = this.pending.get(m.id)
      this.pending.delete(m.id)
      resolve?.(m.n)
    })
  }

  static async start(): Promise<PortPeer> {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve)
      worker.once('error', reject)
    })
    return new PortPeer(worker)
  }

  tell(): void {
    this.worker.postMessage({ type: 'inc', n: this.sent++ })
  }

  ask(type: 'get' | 'ask'): Promise<number> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.worker.postMessage({ type, id })
    })
  }

  async stop(): Promise<void> {
    await this.worker.terminate()
  }
}

const mailbox = new ArrayMailbox()
const portFixture = (): Fixture<PortPeer> => new Fixture(() => PortPeer.start(), (peer) => peer.stop())
const tellPort = portFixture()
const askPort = portFixture()

const scenarios: Scenario[] = [
  {
    name: 'baseline.array.tell',
    system: 'node',
    description:
      'The local.tell workload against a bare array queue drained in a queueMicrotask (no actor runtime): the in-thread ceiling for tell.',
    compareTo: 'local.tell',
    run: (ctx) =>
      measureTell(
        { send: () => mailbox.tell({ type: 'inc', reply: null }), count: () => mailbox.ask() },
        ctx.quick ? 10_000_000 : 30_000_000,
        ctx.signal,
      ),
    timeoutMs: 60_000,
  },
  {
    name: 'baseline.array.ask.seq',
    system: 'node',
    description:
      'The local.ask.seq workload against the same bare mailbox: each ask is a promise whose resolver rides in the message. The in-thread ceiling for ask.',
    compareTo: 'local.ask.seq',
    run: (ctx) => measureSequential(() => mailbox.ask(), ctx.quick ? 1_000_000 : 3_000_000, ctx.signal),
    timeoutMs: 60_000,
  },
  {
    name: 'baseline.array.ask.pipelined',
    system: 'node',
    description: 'The local.ask.pipelined workload (1000 in flight) against the same bare mailbox.',
    compareTo: 'local.ask.pipelined',
    run: (ctx) => measurePipelined(() => mailbox.ask(), ctx.quick ? 1_000_000 : 3_000_000, ctx.signal),
    timeoutMs: 60_000,
  },
  {
    name: 'baseline.messageport.tell',
    system: 'node',
    description:
      'One `postMessage({type, n})` per message to a worker thread that counts them (the tell workload, chunks of 1000); the time ends when the worker reports the last one.',
    compareTo: 'worker.tell',
    ...tellPort.hooks(),
    run(ctx) {
      const peer = tellPort.current
      return measureTell({ send: () => peer.tell(), count: () => peer.ask('get') }, ctx.quick ? 300_000 : 1_000_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
  {
    name: 'baseline.messageport.ask.pipelined',
    system: 'node',
    description:
      'Round trips to a worker thread over its MessagePort with 1000 in flight (one postMessage each way per request, a Map of pending promises on the main side).',
    compareTo: 'worker.ask.pipelined',
    ...askPort.hooks(),
    run(ctx) {
      const peer = askPort.current
      return measurePipelined(() => peer.ask('ask'), ctx.quick ? 100_000 : 300_000, ctx.signal)
    },
    timeoutMs: 60_000,
  },
]

export default scenarios
