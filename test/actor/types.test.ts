// Compile-time contract of refs: `npm run typecheck` fails if any @ts-expect-error line below
// stops being an error, so wrong handler names and argument types are proven compile errors.
import t from 'tap'
import { Actor, ActorSystem, Timer, type ActorRef } from '../../lib/index.js'

class Typed extends Actor {
  private secret = 1
  inc(by: number): void {
    this.secret += by
  }
  greet(name: string, times?: number): string {
    return name.repeat(times ?? 1)
  }
  async total(): Promise<number> {
    return this.secret
  }
  private hidden(): void {}
}

t.test('typed refs compile only with real handlers and argument types', async (t) => {
  const system = await ActorSystem.start({ logLevel: 'silent' })
  t.teardown(() => system.shutdown())
  const ref: ActorRef<Typed> = await system.spawn(Typed)
  ref.tell('inc', 1)
  const n: number = await ref.ask('total')
  const s: string = await ref.ask('greet', 'ab', 2)
  const s2: string = await ref.ask('greet', 'x', { timeoutMs: 100 })
  t.equal(n, 2)
  t.equal(s, 'abab')
  t.equal(s2, 'x')
  if (Math.random() > 2) {
    // Never run: these lines exist for the type checker.
    // @ts-expect-error unknown handler
    ref.tell('dec', 1)
    // @ts-expect-error wrong argument type
    ref.tell('inc', 'one')
    // @ts-expect-error missing argument
    ref.tell('inc')
    // @ts-expect-error too many arguments
    ref.tell('inc', 1, 2)
    // @ts-expect-error private methods are not handlers
    ref.tell('hidden')
    // @ts-expect-error lifecycle hooks are not handlers
    ref.tell('started')
    // @ts-expect-error the ctx property is not a handler
    ref.tell('ctx')
    // @ts-expect-error result type is string, not number
    const wrong: number = await ref.ask('greet', 'a')
    // @ts-expect-error timer handler must exist
    Timer.start(ref, 10, 'nope')
    // @ts-expect-error timer argument must match
    Timer.start(ref, 10, 'inc', 'x')
    // @ts-expect-error spawn args must match the constructor
    await system.spawn(Typed, { args: [1] })
    void wrong
  }
})
