/**
 * Request/response over a MessagePort-like endpoint (a Worker on the main side, parentPort in
 * a worker). Requests carry a monotonic `req`; the reply settles the caller's promise. Handler
 * errors travel back as ErrorData and reject the caller with the rebuilt error.
 */
import { dataToError, errorToData } from './transport/codec.js'
import type { ControlReply } from './messages.js'

interface Endpoint {
  postMessage(message: unknown): void
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

type Handler = (message: { t: string; req?: number }) => unknown

export class ControlChannel<Out extends { t: string } = { t: string }> {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  private next = 1
  private closed: unknown = null
  /**
   * Runs before each message leaves: a worker sends the ask replies it batched first, so a
   * control message (a shutdown confirmation) never overtakes them.
   */
  beforeSend: (() => void) | null = null

  constructor(
    private readonly endpoint: Endpoint,
    private readonly handler: Handler,
  ) {
    endpoint.on('message', this.onMessage)
  }

  /** Sends a request and resolves with the reply. */
  request<T>(message: Out): Promise<T> {
    if (this.closed !== null) return Promise.reject(this.closed)
    const req = this.next++
    this.beforeSend?.()
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req, { resolve: resolve as (v: unknown) => void, reject })
      this.endpoint.postMessage({ ...message, req })
    })
  }

  /** Sends a one-way message. */
  post(message: Out): void {
    if (this.closed !== null) return
    this.beforeSend?.()
    this.endpoint.postMessage(message)
  }

  /** Rejects every open request with `error` and refuses new ones. */
  close(error: unknown): void {
    this.closed = error
    this.endpoint.off('message', this.onMessage)
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }

  private readonly onMessage = (raw: unknown): void => {
    const message = raw as { t: string; req?: number }
    if (message.t === 'reply') {
      const r = message as ControlReply
      const p = this.pending.get(r.req)
      if (p === undefined) return
      this.pending.delete(r.req)
      if (r.error !== undefined) p.reject(dataToError(r.error))
      else p.resolve(r.ok)
      return
    }
    const req = message.req
    let result: unknown
    try {
      result = this.handler(message)
    } catch (e) {
      if (req !== undefined) this.reply(req, undefined, e)
      return
    }
    if (req === undefined) return
    Promise.resolve(result).then(
      (ok) => this.reply(req, ok, undefined),
      (e: unknown) => this.reply(req, undefined, e),
    )
  }

  private reply(req: number, ok: unknown, error: unknown): void {
    if (this.closed !== null) return
    this.beforeSend?.()
    const r: ControlReply = error === undefined ? { t: 'reply', req, ok } : { t: 'reply', req, error: errorToData(error) }
    this.endpoint.postMessage(r)
  }
}
