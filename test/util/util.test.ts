// Data structures under the runtime: the ring deque, the mailbox ring and the timeout wheel.
import t from 'tap'
import { Deque } from '../../lib/util/deque.js'
import { TimeoutWheel, WheelEntry } from '../../lib/util/timeout-wheel.js'
import { UserMailbox } from '../../lib/actor/mailbox.js'
import { Envelope } from '../../lib/actor/envelope.js'
import { ActorMetrics } from '../../lib/actor/metrics.js'

t.test('Deque is FIFO across growth and wrap-around', async (t) => {
  const d = new Deque<number>(2)
  const out: number[] = []
  let next = 0
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round; i++) d.push(next++)
    for (let i = 0; i < round / 2; i++) out.push(d.shift() as number)
  }
  t.equal(d.peek(), out.length)
  out.push(...d.drain())
  t.same(out, Array.from({ length: next }, (_, i) => i))
  t.equal(d.length, 0)
  t.equal(d.shift(), undefined)
  t.equal(d.peek(), undefined)
})

class Probe extends WheelEntry {
  expiredAt = 0
  constructor(readonly name: string, private readonly log: string[]) {
    super()
  }
  expire(): void {
    this.expiredAt = performance.now()
    this.log.push(this.name)
  }
}

t.test('TimeoutWheel expires in deadline order, cancels, and rearms', async (t) => {
  const wheel = new TimeoutWheel(5)
  const log: string[] = []
  const start = performance.now()
  const late = new Probe('late', log)
  const early = new Probe('early', log)
  const cancelled = new Probe('cancelled', log)
  wheel.add(late, 80)
  wheel.add(cancelled, 20)
  wheel.add(early, 20)
  t.equal(wheel.size, 3)
  wheel.cancel(cancelled)
  wheel.cancel(cancelled)
  t.equal(wheel.size, 2)
  await new Promise((r) => setTimeout(r, 150))
  t.same(log, ['early', 'late'])
  t.ok(early.expiredAt - start >= 19, 'not before its deadline')
  t.ok(late.expiredAt - start >= 79)
  t.equal(wheel.size, 0)
  const chained: string[] = []
  class Rearm extends WheelEntry {
    expire(): void {
      chained.push('first')
      wheel.add(new Probe('second', chained), 10)
    }
  }
  wheel.add(new Rearm(), 10)
  await new Promise((r) => setTimeout(r, 80))
  t.same(chained, ['first', 'second'], 'entries added from expire() are honoured')
  const never = new Probe('never', log)
  wheel.add(never, 10)
  wheel.clear()
  await new Promise((r) => setTimeout(r, 40))
  t.notOk(log.includes('never'))
})

t.test('TimeoutWheel: add counts from the end of the event-loop turn that added it, addAt from the time given', async (t) => {
  const wheel = new TimeoutWheel(5)
  const log: string[] = []
  const lazy = new Probe('lazy', log)
  const exact = new Probe('exact', log)
  const start = performance.now()
  wheel.add(lazy, 20)
  wheel.addAt(exact, start, 20)
  t.equal(wheel.size, 2)
  while (performance.now() - start < 40); // this turn runs past both timeouts
  const turnEnd = performance.now()
  await new Promise((r) => setTimeout(r, 150))
  t.same(log, ['exact', 'lazy'])
  t.ok(exact.expiredAt - start >= 19, `addAt: not before the time given + timeout (${(exact.expiredAt - start).toFixed(1)} ms)`)
  t.ok(lazy.expiredAt - turnEnd >= 19, `add: never early, counted from the stamp after the turn (${(lazy.expiredAt - turnEnd).toFixed(1)} ms)`)
  const cancelled = new Probe('cancelled-unstamped', log)
  wheel.add(cancelled, 5)
  wheel.cancel(cancelled) // before its stamp
  t.equal(wheel.size, 0)
  await new Promise((r) => setTimeout(r, 40))
  t.notOk(log.includes('cancelled-unstamped'))
})

t.test('UserMailbox keeps plain tells (handler, args pairs) and envelopes in one FIFO across growth and wrap-around', async (t) => {
  const typeStats = new ActorMetrics(64).forType('T')
  const mailbox = new UserMailbox(1000, new TimeoutWheel(), typeStats)
  const sent: string[] = []
  const taken: string[] = []
  const take = (): void => {
    const m = mailbox.take()
    if (m === undefined) throw new Error('empty')
    taken.push(Array.isArray(m) ? `tell ${mailbox.takenHandler} ${String(m[0])}` : `env ${m.handler} ${String(m.args[0])}`)
  }
  let n = 0
  for (let round = 0; round < 12; round++) {
    for (let i = 0; i < round; i++, n++) {
      if (n % 3 === 0) {
        mailbox.push(new Envelope('get', [n], null, typeStats.handler('get')))
        sent.push(`env get ${n}`)
      } else {
        mailbox.pushTell('inc', [n], typeStats.handler('inc'))
        sent.push(`tell inc ${n}`)
      }
    }
    for (let i = 0; i < round / 2; i++) take()
  }
  t.equal(mailbox.length, sent.length - taken.length)
  const left = mailbox.clear(() => new Error('stopped'))
  t.ok(left.every((e) => e instanceof Envelope), 'clear hands every message back as an envelope (tells rebuilt for dead letters)')
  for (const e of left) taken.push(`${e.reply === null && e.handler === 'inc' ? 'tell' : 'env'} ${e.handler} ${String(e.args[0])}`)
  t.same(taken, sent, 'order kept, handler and arguments intact')
  t.equal(left.find((e) => e.handler === 'inc')?.stats, typeStats.handler('inc'), 'a rebuilt tell counts on its handler')
  t.equal(typeStats.handler('inc').sent + typeStats.handler('get').sent, n, 'every push counted as sent')
  t.equal(mailbox.take(), undefined)
})
