/**
 * Compile-time typing of actor messages. A handler is any public method an actor class adds
 * to {@link Actor}; its parameters are the message arguments and its (awaited) return value is
 * the reply. These types make `ref.tell('inc', 5)` a compile error when `inc` does not exist or
 * does not take a number.
 */
import type { Actor } from './actor.js'

type AnyHandler = (...args: never[]) => unknown

/** The handler names of actor `A`: public methods not inherited from {@link Actor}. */
export type HandlerName<A> = Exclude<
  { [K in keyof A]: A[K] extends AnyHandler ? K : never }[keyof A],
  keyof Actor | symbol | number
>

/** The argument tuple of handler `K` on actor `A`. */
export type HandlerArgs<A, K extends keyof A> = A[K] extends (...args: infer P) => unknown ? P : never

/** The awaited result type of handler `K` on actor `A`. */
export type HandlerResult<A, K extends keyof A> = A[K] extends (...args: never[]) => infer R ? Awaited<R> : never

/** Per-call options of an ask. */
export interface AskOptions {
  /** Milliseconds before the ask rejects with a `Timeout` error. Defaults to the system's `askTimeoutMs`. */
  timeoutMs?: number
  /** Aborting rejects the ask at once with the signal's reason. The message may still be handled. */
  signal?: AbortSignal
}

/**
 * `P` followed by {@link AskOptions}, where the options may follow any prefix that covers the
 * required parameters (so handlers with optional parameters can still take options).
 */
export type WithAskOptions<P extends unknown[]> = number extends P['length']
  ? [...P, AskOptions]
  : P extends []
  ? [AskOptions]
  : P extends [infer H, ...infer R]
    ? [H, ...WithAskOptions<R>]
    : P extends [(infer H)?, ...infer R]
      ? [AskOptions] | [H, ...WithAskOptions<R>]
      : [...P, AskOptions]

/** The arguments of an ask: the handler's arguments, optionally followed by {@link AskOptions}. */
export type AskArgs<A, K extends keyof A> = HandlerArgs<A, K> | WithAskOptions<HandlerArgs<A, K>>

/** A constructor of actors of type `A`. */
export type ActorClass<A extends Actor = Actor> = new (...args: never[]) => A

/** Constructor arguments of an actor class. */
export type ActorArgs<C extends ActorClass> = C extends new (...args: infer P) => Actor ? P : never
