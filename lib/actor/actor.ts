/**
 * The `Actor` base class. Subclasses declare message handlers as methods; the runtime calls
 * them one message at a time. Lifecycle and supervision hooks are optional methods here, so
 * they are never mistaken for handlers.
 */
import type { ActorContext } from './context.js'
import type { SupervisionStrategy } from './supervision.js'
import type { Terminated } from './terminated.js'
import type { ActorClass } from './types.js'

let constructing: ActorContext | null = null

/** @internal Runs `build` with `ctx` visible to the {@link Actor} constructor. */
export function constructWithContext<A extends Actor>(ctx: ActorContext, build: () => A): A {
  const previous = constructing
  constructing = ctx
  try {
    return build()
  } finally {
    constructing = previous
  }
}

/**
 * Base class of every actor. Public methods of a subclass are its message handlers: they may
 * be sync or async, and they run one at a time per actor, in arrival order per sender.
 *
 * @example
 * class Counter extends Actor {
 *   private n = 0
 *   inc(by: number): void { this.n += by }
 *   get(): number { return this.n }
 * }
 * const ref = await system.spawn(Counter, { id: 'counter' })
 * ref.tell('inc', 2)
 * console.log(await ref.ask('get')) // 2
 */
export abstract class Actor {
  /**
   * The actor's context: its own ref, children, watch, parent and system. Available from the
   * constructor on when the runtime constructs the actor.
   */
  readonly ctx: ActorContext<this>

  constructor() {
    if (constructing === null) {
      throw new TypeError(
        `${new.target.name} must be created by an actor system (system.spawn or ctx.spawn), not with 'new'`,
      )
    }
    this.ctx = constructing as ActorContext<this>
  }

  /** Called once before the first message. Throwing (or stopping) fails the spawn with `StartFailed`. */
  started?(): void | Promise<void>

  /** Called once after the actor stopped handling messages and its children stopped. */
  stopped?(): void | Promise<void>

  /** Called when an actor this one watches stops. */
  onTerminated?(notice: Terminated): void | Promise<void>

  /** Called when one of this actor's children stops. */
  onChildTerminated?(notice: Terminated): void | Promise<void>

  /** How this actor's children are supervised unless their spawn options say otherwise. */
  childSupervision?: SupervisionStrategy

  /**
   * Methods of this class that are not message handlers (helpers for subclasses). Listed names
   * cannot be reached by tell or ask. Names starting with `_` are never handlers either.
   */
  static internalMethods?: readonly string[]
}

/**
 * @internal A handler every actor has and no ref type shows: it stops the actor after the
 * messages queued before it (`ctx.stop()` from within a turn). Sharding passivates and hands
 * entities off with it, so nothing already in their mailboxes is lost.
 */
export const STOP_WHEN_DONE = '$stopWhenDone'
Object.defineProperty(Actor.prototype, STOP_WHEN_DONE, {
  value(this: Actor): void {
    this.ctx.stop()
  },
  enumerable: false,
})

/** Names on the Actor base that are never handlers. */
const RESERVED = new Set(['constructor', 'started', 'stopped', 'onTerminated', 'onChildTerminated', 'ctx'])

const handlerCache = new WeakMap<ActorClass, ReadonlySet<string>>()

/**
 * @internal The handler names of an actor class: the methods its prototype chain defines below
 * `Actor.prototype`, minus lifecycle hooks, names starting with `_`, and the names any class in
 * the chain lists in its own static `internalMethods` (framework base classes use it for the
 * methods they give their subclasses).
 */
export function handlerNamesOf(type: ActorClass): ReadonlySet<string> {
  let names = handlerCache.get(type)
  if (names !== undefined) return names
  const found = new Set<string>()
  const internal = new Set<string>()
  for (let proto: object | null = type.prototype; proto !== null && proto !== Actor.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: unknown }).constructor
    if (typeof ctor === 'function' && Object.prototype.hasOwnProperty.call(ctor, 'internalMethods')) {
      for (const n of (ctor as { internalMethods?: readonly string[] }).internalMethods ?? []) internal.add(n)
    }
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (RESERVED.has(key) || key.startsWith('_')) continue
      const desc = Object.getOwnPropertyDescriptor(proto, key)
      if (desc !== undefined && typeof desc.value === 'function') found.add(key)
    }
  }
  for (const n of internal) found.delete(n)
  names = found
  handlerCache.set(type, names)
  const actorType = actorTypeName(type)
  const other = handlersByType.get(actorType)
  // Two classes under one type name: this thread cannot tell which one a ref means.
  handlersByType.set(actorType, other === undefined ? names : other === names ? names : AMBIGUOUS)
  return names
}

const handlersByType = new Map<string, ReadonlySet<string>>()
const AMBIGUOUS: ReadonlySet<string> = new Set()

/**
 * @internal The handler names of the actor type called `actorType`, when this thread has seen
 * its class (spawned it, hosts it, or imported its module to host another actor). Undefined
 * when it has not, or when two classes share the name.
 */
export function handlersOfType(actorType: string): ReadonlySet<string> | undefined {
  const names = handlersByType.get(actorType)
  return names === AMBIGUOUS ? undefined : names
}

/** @internal The wire name of an actor class: its static `actorType`, else its class name. */
export function actorTypeName(type: ActorClass): string {
  const declared = (type as unknown as { actorType?: unknown }).actorType
  return typeof declared === 'string' && declared.length > 0 ? declared : type.name
}
