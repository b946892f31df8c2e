// Structured logging: the pino-based default logger, and actorLogger binding actor id, type,
// node id and the running handler to every line while costing nothing below the level.
import t from 'tap'
import { pino } from 'pino'
import { Actor, ActorSystem, actorLogger, consoleLogger, isLogLevel, LOG_LEVELS, type Logger } from '../../lib/index.js'
import { captureStderr } from '../helpers/stderr.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A pino logger writing into an array, as an application would configure one. */
function capturedPino(level: string, base: Record<string, unknown> = {}): { logger: pino.Logger; lines: () => Record<string, unknown>[]; raw: string[] } {
  const raw: string[] = []
  const logger = pino({ level, base, formatters: { level: (label: string) => ({ level: label }) } }, { write: (s: string) => void raw.push(s) })
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) }
}


t.test('consoleLogger writes JSON lines to stderr with level names, base fields and errors', async (t) => {
  const raw = await captureStderr(async () => {
    const log = consoleLogger('info', { system: 's1', nodeId: 'n1' })
    log.info({ a: 1 }, 'first')
    log.debug({}, 'hidden at info')
    log.error({ err: new TypeError('bad thing') }, 'failed')
    t.equal(log.isLevelEnabled?.('debug'), false)
    t.equal(log.isLevelEnabled?.('warn'), true)
    consoleLogger().warn({}, 'default level is warn')
    consoleLogger().info({}, 'not shown at the default level')
    consoleLogger('silent').error({}, 'not shown when silent')
  })
  const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>)
  t.equal(lines.length, 3)
  t.match(lines[0], { level: 'info', system: 's1', nodeId: 'n1', a: 1, msg: 'first' })
  t.type(lines[0]!['time'], 'number')
  t.match(lines[1], { level: 'error', msg: 'failed', err: { type: 'TypeError', message: 'bad thing', stack: /bad thing/ } })
  t.match(lines[2], { level: 'warn', msg: 'default level is warn' })
  t.ok(raw.every((l) => l.endsWith('\n')), 'one line per record')
  t.same(LOG_LEVELS, ['trace', 'debug', 'info', 'warn', 'error', 'silent'])
  t.ok(isLogLevel('debug'))
  t.notOk(isLogLevel('loud'))
})

t.test('the level comes from the option, else COERCE_LOG_LEVEL, else warn', async (t) => {
  const saved = process.env['COERCE_LOG_LEVEL']
  t.teardown(() => {
    if (saved === undefined) delete process.env['COERCE_LOG_LEVEL']
    else process.env['COERCE_LOG_LEVEL'] = saved
  })
  process.env['COERCE_LOG_LEVEL'] = 'debug'
  const fromEnv = await ActorSystem.start()
  t.equal(fromEnv.options.logger.isLevelEnabled?.('debug'), true)
  const fromOption = await ActorSystem.start({ logLevel: 'error' })
  t.equal(fromOption.options.logger.isLevelEnabled?.('warn'), false)
  process.env['COERCE_LOG_LEVEL'] = 'bogus'
  const fallback = await ActorSystem.start()
  t.equal(fallback.options.logger.isLevelEnabled?.('info'), false)
  t.equal(fallback.options.logger.isLevelEnabled?.('warn'), true)
  await Promise.all([fromEnv.shutdown(), fromOption.shutdown(), fallback.shutdown()])
})

t.test('actorLogger: lines carry actor id, type, node id and the running handler', async (t) => {
  const { logger, lines, raw } = capturedPino('info', { nodeId: 'n1' })
  const system = await ActorSystem.start({ logger, nodeId: 'n1' })
  t.teardown(() => system.shutdown())
  class Worker extends Actor {
    log!: Logger
    override started(): void {
      this.log = actorLogger(logger, { actorId: this.ctx.id, actorType: this.ctx.actorType, nodeId: 'n1' }, this.ctx.cell)
      this.log.info({}, 'starting')
    }
    work(n: number): void {
      this.log.info({ n }, 'sync line')
      this.log.debug({ n }, 'below the level')
    }
    async later(): Promise<void> {
      await sleep(5)
      this.log.warn({}, 'after an await')
    }
    logLater(): void {
      setTimeout(() => this.log.error({}, 'from a timer'), 1)
    }
  }
  const w = await system.spawn(Worker, { id: 'w1' })
  await w.ask('work', 7)
  await Promise.all([w.ask('later'), w.ask('work', 8)])
  await w.ask('logLater')
  await sleep(30)
  const got = lines()
  t.same(
    got.map((l) => [l['msg'], l['handler']]),
    [
      ['starting', undefined],
      ['sync line', 'work'],
      ['after an await', 'later'],
      ['sync line', 'work'],
      ['from a timer', undefined],
    ],
    'the handler is the one running when the line is logged, across awaits',
  )
  t.match(got[1], { level: 'info', actorId: 'w1', actorType: 'Worker', nodeId: 'n1', handler: 'work', n: 7 })
  t.ok(
    raw.every((l) => l.split('"nodeId"').length === 2),
    'a field the base logger already binds is not written twice',
  )
  logger.level = 'debug'
  await w.ask('work', 9)
  t.ok(
    lines().some((l) => l['msg'] === 'below the level' && l['handler'] === 'work'),
    'a level raised at run time takes effect',
  )
})

t.test('actorLogger: nothing is built or read for lines below the level', async (t) => {
  let reads = 0
  let calls = 0
  const source = {
    get currentHandler(): string {
      reads++
      return 'h'
    },
  }
  const count = (): void => void calls++
  const base: Logger = {
    trace: count,
    debug: count,
    info: count,
    warn: count,
    error: count,
    isLevelEnabled: (level) => level === 'error',
    child: () => base,
  }
  const log = actorLogger(base, { actorId: 'a' }, source)
  for (let i = 0; i < 1000; i++) {
    log.trace({}, 'x')
    log.debug({}, 'x')
    log.info({}, 'x')
    log.warn({}, 'x')
  }
  t.equal(reads, 0, 'the handler is never read')
  t.equal(calls, 0, 'the base logger is never called')
  log.error({}, 'shown')
  t.equal(reads, 1)
  t.equal(calls, 1)
  t.equal(log.isLevelEnabled?.('warn'), false)
  t.equal(log.isLevelEnabled?.('error'), true)
})

t.test('actorLogger works with a plain logger (no child, no level query)', async (t) => {
  const seen: [string, Record<string, unknown>, string][] = []
  const at = (level: string) => (fields: object, msg: string) => void seen.push([level, fields as Record<string, unknown>, msg])
  const base: Logger = { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  let handler: string | undefined = 'tick'
  const log = actorLogger(base, { actorId: 'a1', actorType: 'T', nodeId: 'n' }, {
    get currentHandler() {
      return handler
    },
  })
  log.trace({ x: 1 }, 'one')
  handler = undefined
  log.debug({ y: 2 }, 'two')
  log.info({}, 'three')
  log.warn({}, 'four')
  log.error({ actorId: 'override' }, 'five')
  t.same(seen[0], ['trace', { actorId: 'a1', actorType: 'T', nodeId: 'n', handler: 'tick', x: 1 }, 'one'])
  t.same(seen[1], ['debug', { actorId: 'a1', actorType: 'T', nodeId: 'n', y: 2 }, 'two'])
  t.same(
    seen.map((s) => s[0]),
    ['trace', 'debug', 'info', 'warn', 'error'],
  )
  t.equal(seen[4]![1]['actorId'], 'override', "a line's own fields win")
  t.same(log.bindings?.(), { actorId: 'a1', actorType: 'T', nodeId: 'n' })
  t.equal(log.isLevelEnabled?.('trace'), true, 'without a level query every level is on')
})

t.test(
  'ctx.log lines inside a handler carry the handler',
  async (t) => {
    const { logger, lines } = capturedPino('info')
    const system = await ActorSystem.start({ logger, nodeId: 'n2' })
    class Talker extends Actor {
      say(): void {
        this.ctx.log.info({}, 'hello')
      }
    }
    const a = await system.spawn(Talker, { id: 'talker' })
    await a.ask('say')
    await system.shutdown()
    t.match(lines()[0], { actorId: 'talker', actorType: 'Talker', nodeId: 'n2', handler: 'say', msg: 'hello' })
  },
)
