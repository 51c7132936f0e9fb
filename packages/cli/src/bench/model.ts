/**
 * The suite's data: what a run is asked (`BenchOptions`), what it reports while it runs
 * (`ProgressEvent`) and what it gives back (`SuiteResult`, a `Row` per measured quantity).
 */
import type { Mode } from "./children.js"
import type { Implementation } from "./protocol.js"

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
    readonly implementation: string
    readonly round: number
    readonly rounds: number
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
