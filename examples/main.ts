/**
 * The main example (`npm start`): a node on the embedded defaults running the echo and timer
 * examples.
 */
import { runEcho } from './echo.js'
import { runTimer } from './timer.js'

console.log('coerce-ts: echo example')
await runEcho()
console.log('coerce-ts: timer example')
await runTimer(console.log, 100, 3)
