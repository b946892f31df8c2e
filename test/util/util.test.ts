// Data structures under the runtime: the ring deque and the timeout wheel.
import t from 'tap'
import { Deque } from '../../lib/util/deque.js'
import { TimeoutWheel, WheelEntry } from '../../lib/util/timeout-wheel.js'

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
