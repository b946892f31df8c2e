/**
 * The contract between the benchmark harness (`bench/run.ts`) and the scenario files in
 * `bench/scenarios/`. A scenario file default-exports an array of `Scenario`s; the harness finds
 * every such file on its own, so adding a file adds its scenarios to `npm run bench`.
 *
 * Every field added after the first version is optional, so older scenario files keep working.
 */

/** What one timed repetition measured. */
export interface Measurement {
  /** Operations per second; null where the scenario measures something else (memory). */
  opsPerSec: number | null
  /** Median latency of one operation in microseconds, where the scenario measures latency. */
  p50us?: number | null
  /** 99th percentile latency in microseconds. */
  p99us?: number | null
  /**
   * Scenario-specific figures, e.g. `bytesPerActor` or `ratio`. They appear as top-level fields
   * of the scenario's JSON result (medians over the repetitions), so they must not reuse a field
   * name the harness writes (see `RESERVED_RESULT_FIELDS` in `bench/lib/result.ts`).
   */
  extra?: Record<string, number>
}

/** Passed to every call of a scenario. */
export interface ScenarioContext {
  /** True under `--quick`: use smaller operation counts. */
  quick: boolean
  /** Aborted when the scenario exceeds its time bound; long loops should check it. */
  signal: AbortSignal
  /**
   * Which call this is: `-1` for warm-up repetitions and for `setup`/`teardown`, then 0, 1, ...
   * for the timed repetitions. Optional for compatibility with harnesses that predate it.
   */
  repetition?: number
}

/** One benchmark scenario. Names are stable identifiers that other tools read. */
export interface Scenario {
  /** e.g. `local.tell`, `peer.comedy.tell`, `persist.redis`. */
  name: string
  /** Which system is measured: `coerce-ts`, `comedy`, `nact`, `node` (raw transports), ... */
  system: string
  /** Free-text description for bench/README.md. */
  description: string
  /**
   * The coerce-ts scenario that runs the same workload, e.g. `local.tell` for
   * `peer.comedy.tell`. The table then shows this scenario's ops/s as a multiple of that one's.
   */
  compareTo?: string
  /** Prepares state shared by the repetitions (start systems, spawn actors). */
  setup?(ctx: ScenarioContext): Promise<void>
  /** One timed repetition. */
  run(ctx: ScenarioContext): Promise<Measurement>
  /** Releases everything setup created (threads, servers, connections). Always called. */
  teardown?(): Promise<void>
  /** Upper bound for setup + all repetitions + teardown, ms. Default 60 000. */
  timeoutMs?: number
  /** Untimed repetitions before the timed ones. Default 1. */
  warmups?: number
  /** Timed repetitions; the median is reported. Default 5, and at most 3 under `--quick`. */
  repetitions?: number
  /**
   * V8 old-space limit of the scenario's child process, MiB (`--max-old-space-size`), for
   * scenarios that hold more than Node's default heap (a million actors). Default: Node's own.
   * Under `--inline` the harness process's heap is used as it is.
   */
  maxOldSpaceMb?: number
}
