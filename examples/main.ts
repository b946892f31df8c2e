/**
 * The main example (`npm start`): runs the echo, timer and bank-account (event-sourced,
 * in-memory journal) examples, then keeps a node running with actors on worker threads and its
 * HTTP diagnostics API until SIGINT or SIGTERM, and shuts down cleanly.
 * Listens on COERCE_HTTP_HOST:COERCE_HTTP_PORT (default 127.0.0.1:30103).
 */
import { once } from 'node:events'
import { ActorSystem, healthChecks, Timer } from '../lib/index.js'
import { runBankAccount } from './bank-account.js'
import { Cruncher } from './cpu-actors.js'
import { EchoActor, runEcho } from './echo.js'
import { runTimer } from './timer.js'

console.log('coerce-ts: echo example')
await runEcho()
console.log('coerce-ts: timer example')
await runTimer(console.log, 100, 3)
console.log('coerce-ts: bank-account example (persistent actor, in-memory journal)')
await runBankAccount()

const system = await ActorSystem.start({ name: 'coerce-example', http: {} })
const echo = await system.spawn(EchoActor, { id: 'echo-actor' })
healthChecks(system).register(echo, { handler: 'count', slowMs: 250 })
// Some steady traffic, so /metrics and /system/stats have something to show: one actor on the
// main thread, and a CPU-bound actor on each worker thread.
Timer.start(echo, 100, 'echo', 'tick')
for (let i = 0; i < system.options.workers; i++) {
  const cruncher = await system.spawn(Cruncher, { id: `cruncher-${i + 1}`, placement: i + 1 })
  Timer.start(cruncher, 50, 'crunch', 200)
}
console.log(`coerce-ts: ${system.options.workers} worker thread(s) running`)

const url = system.httpApis[0]?.url ?? ''
console.log(`coerce-ts: HTTP API on ${url}`)
console.log(`  curl ${url}/health`)
console.log(`  curl ${url}/system/stats`)
console.log(`  curl '${url}/actors?maxDepth=2'`)
console.log(`  curl ${url}/metrics`)
console.log(`  curl ${url}/openapi.json`)
console.log('coerce-ts: press Ctrl+C to stop')

const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')])
console.log(`coerce-ts: ${String(signal[0] ?? 'signal')} received, shutting down`)
await system.shutdown()
console.log('coerce-ts: stopped')
