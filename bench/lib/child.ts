/**
 * Entry point of the child process that runs one isolated scenario: it receives the scenario's
 * file and name over IPC, runs it with the in-process runner, sends the result back and exits,
 * whatever handles the scenario's libraries left open.
 */
import { BenchError, describeError } from './errors.js'
import { loadScenarioFile } from './discover.js'
import type { ChildRequest, ChildResponse } from './isolate.js'
import { failedResult, type ScenarioResult } from './result.js'
import { runScenario } from './runner.js'

async function handle(request: ChildRequest): Promise<ScenarioResult> {
  const started = performance.now()
  try {
    const scenario = (await loadScenarioFile(request.file)).find((s) => s.name === request.name)
    if (scenario === undefined) throw new BenchError('InvalidScenario', `${request.file} no longer defines ${request.name}`)
    return await runScenario(scenario, request.options)
  } catch (e) {
    const identity = { name: request.name, system: 'unknown', description: '' }
    return failedResult(identity, describeError(e), Math.round(performance.now() - started))
  }
}

// An orphan (the harness died) must not run on: the IPC channel closing means nobody listens.
process.once('disconnect', () => process.exit(1))

process.once('message', (request: ChildRequest) => {
  void handle(request).then((result) => {
    const response: ChildResponse = { type: 'result', result }
    process.send?.(response, () => process.exit(0))
  })
})
