/**
 * The contract between the benchmark harness (`bench/run.ts`) and the scenario files in
 * `bench/scenarios/`. A scenario file default-exports an array of `Scenario`s.
 */

/** What one timed repetition measured. */
export interface Measurement {
  /** Operations per second; null where the scenario measures something else (memory). */
  opsPerSec: number | null
  /** Median latency of one operation in microseconds, where the scenario measures latency. */
  p50us?: number | null
  /** 99th percentile latency in microseconds. */
  p99us?: number | null
  /** Scenario-specific figures, e.g. `bytesPerActor` or `ratio`. */
  extra?: Record<string, number>
}

/** Passed to every call of a scenario. */
export interface ScenarioContext {
  /** True under `--quick`: use smaller operation counts. */
  quick: boolean
  /** Aborted when the scenario exceeds its time bound; long loops should check it. */
  signal: AbortSignal
}

/** One benchmark scenario. Names are stable identifiers that other tools read. */
export interface Scenario {
  /** e.g. `local.tell`, `peer.comedy.tell`, `persist.redis`. */
  name: string
  /** Which system is measured: `coerce-ts`, `comedy`, `nact`, `node` (raw transports), ... */
  system: string
  /** Free-text description for bench/README.md. */
  description: string
  /** Prepares state shared by the repetitions (start systems, spawn actors). */
  setup?(ctx: ScenarioContext): Promise<void>
  /** One timed repetition. */
  run(ctx: ScenarioContext): Promise<Measurement>
  /** Releases everything setup created (threads, servers, connections). Always called. */
  teardown?(): Promise<void>
  /** Upper bound for setup + all repetitions + teardown, ms. Default 60 000. */
  timeoutMs?: number
}
