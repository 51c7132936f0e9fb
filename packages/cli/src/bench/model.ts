/**
 * The suite's data: what a run is asked (`BenchOptions`), what it reports while it runs
 * (`ProgressEvent`) and what it gives back (`SuiteResult`, a `Row` per measured quantity).
 */
import * as Schema from "effect/Schema"
import type { Mode } from "./children.js"
import { type Implementation, tableOrder } from "./protocol.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface BenchOptions {
  /** Small sizes and one round, for a smoke test of a few seconds. */
  readonly quick: boolean
  /** The scenarios to run (names of `scenarioNames`); all when undefined. */
  readonly only: ReadonlyArray<string> | undefined
  readonly onProgress: (event: ProgressEvent) => void
  /** Sources through tsx or the built packages; default `NETFX_BENCH_MODE`, else `source` from source. */
  readonly mode?: Mode | undefined
}

/**
 * Reported before and after each measured round (warm-up rounds are not reported). A round that
 * fails has a `Start` and no `Done`.
 *
 * @since 0.1.0
 * @category models
 */
export type ProgressEvent =
  | {
    readonly _tag: "Start"
    readonly scenario: string
    /** The side the rows of this round are about (a scenario can have both, as connections has). */
    readonly side: Row["side"]
    readonly implementation: string
    readonly round: number
    readonly rounds: number
    /** This measurement's place among the scenario side's measured rounds of every implementation (1-based). */
    readonly step: number
    /** How many measured rounds the scenario side has in all (rounds × implementations). */
    readonly steps: number
  }
  | {
    readonly _tag: "Done"
    readonly scenario: string
    readonly implementation: string
    readonly round: number
    readonly value: number
    readonly unit: string
  }

/**
 * What a row must reach, for netfx's implementations: a ratio against node:net, and better than
 * NodeSocket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly ratio: number
  readonly aheadOfNodeSocket: boolean
}

/**
 * One measured quantity of one implementation in one scenario.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  /** One of `scenarioNames`. */
  readonly scenario: string
  /** What was run, with its sizes. */
  readonly title: string
  /** Which side is the implementation: the client, the server, or neither (blocklist). */
  readonly side: "client" | "server" | "in process"
  readonly implementation: Implementation
  readonly unit: string
  readonly better: "higher" | "lower"
  /** The measured rounds. */
  readonly values: ReadonlyArray<number>
  /** The median of `values`; undefined when the implementation failed. */
  readonly median: number | undefined
  /** Why the implementation has no result. */
  readonly error: string | undefined
  /** median / node:net's median in the same rows. */
  readonly ratio: number | undefined
  /** netfx's rows that have a target. */
  readonly target: Target | undefined
  /** Whether the target is met; undefined without a target or without both medians. */
  readonly met: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SuiteResult {
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly mode: Mode
  readonly quick: boolean
  readonly startedAt: string
  readonly seconds: number
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
}

/**
 * The identifier of the JSON schema below. It changes only when a field changes meaning or goes
 * away; new fields may be added within one version.
 *
 * @since 0.1.0
 */
export const jsonSchemaVersion = "netfx-bench/1"

/**
 * One row of `netfx bench --json`: what `Row` holds, with `null` for what is missing.
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonRow = Schema.Struct({
  /** One of the scenario names: `bulk`, `round-trips`, `connections`, `memory`, `blocklist`. */
  scenario: Schema.String,
  /** What was run, with its sizes, as the table's heading shows it. */
  title: Schema.String,
  /** Which side is the implementation: `client`, `server`, or `in process` (blocklist). */
  side: Schema.Literal("client", "server", "in process"),
  implementation: Schema.Literal(...tableOrder),
  /** The quantity, with its unit: `MiB/s each way`, `client CPU µs/conn`, `heap B/conn`, ... */
  unit: Schema.String,
  better: Schema.Literal("higher", "lower"),
  /** Every measured round, in the order they ran. */
  values: Schema.Array(Schema.Number),
  /** The median of `values`; `null` when the implementation has no result (see `error`). */
  median: Schema.NullOr(Schema.Number),
  /** Why there is no result: a failure, or a scenario the implementation cannot run. */
  error: Schema.NullOr(Schema.String),
  /** `median` / node:net's median for the same scenario, side and unit; `null` without both. */
  ratio: Schema.NullOr(Schema.Number),
  /** netfx's target for the row (`@netfx/compat` and `@netfx/core` only). */
  target: Schema.NullOr(Schema.Struct({ ratio: Schema.Number, aheadOfNodeSocket: Schema.Boolean })),
  /** Whether the target is met; `null` without a target or without both medians. */
  met: Schema.NullOr(Schema.Boolean)
})

/**
 * The output of `netfx bench --json`, a stable schema (`schema: "netfx-bench/1"`): the run, then a
 * row per measured quantity of each implementation in each scenario and side.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BenchJson = Schema.Struct({
  schema: Schema.Literal(jsonSchemaVersion),
  /** `process.version` of the suite. */
  node: Schema.String,
  /** `process.platform` and `process.arch`: `linux x64`. */
  platform: Schema.String,
  /** `os.availableParallelism()`. */
  cpus: Schema.Number,
  /** `source` (TypeScript through tsx) or `dist` (the built packages). */
  mode: Schema.Literal("source", "dist"),
  /** A smoke run (small sizes, one round): not numbers to compare. */
  quick: Schema.Boolean,
  /** ISO 8601. */
  startedAt: Schema.String,
  /** How long the run took. */
  seconds: Schema.Number,
  rows: Schema.Array(JsonRow),
  /** How the numbers were made, in sentences. */
  notes: Schema.Array(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type BenchJson = typeof BenchJson.Type
