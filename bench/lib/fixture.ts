/**
 * `Fixture`: something a scenario starts in `setup` and releases in `teardown` (an actor system
 * with its counter, a worker thread), with the not-started case turned into a clear error.
 */
import type { Scenario, ScenarioContext } from '../scenario.js'

/** A resource started by a scenario's setup and stopped by its teardown. */
export class Fixture<T> {
  private value: T | null = null
  private readonly start: (ctx: ScenarioContext) => Promise<T>
  private readonly stop: (value: T) => Promise<void> | void

  /** `start` gets setup's context: its signal aborts when the scenario overruns during setup. */
  constructor(start: (ctx: ScenarioContext) => Promise<T>, stop: (value: T) => Promise<void> | void) {
    this.start = start
    this.stop = stop
  }

  /** The started resource; throws when setup has not run (or teardown already did). */
  get current(): T {
    if (this.value === null) throw new Error('the scenario fixture is not started: setup did not run')
    return this.value
  }

  /** `setup` and `teardown` for a scenario, to spread into it. */
  hooks(): Required<Pick<Scenario, 'setup' | 'teardown'>> {
    return {
      setup: async (ctx) => {
        this.value = await this.start(ctx)
      },
      teardown: async () => {
        const value = this.value
        this.value = null
        if (value !== null) await this.stop(value)
      },
    }
  }
}
