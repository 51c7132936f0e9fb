/**
 * The benchmark suite as `netfx bench` sees it: the exports of `src/bench/index.ts`, and a loader
 * that imports it when the command runs, so that the rest of the CLI neither waits for nor pays
 * for it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
// The suite's own types: a type-only import, which loads nothing at run time.
import type { BenchOptions } from "../bench/index.js"
import { CliError, ExitCode } from "./exitCode.js"

export type { BenchOptions, ProgressEvent } from "../bench/index.js"

/**
 * The exports of `src/bench/index.ts`. The results are opaque here (`Result`): the command only
 * gives what `runSuite` returned back to `formatTable` or `toJson`.
 */
export interface Suite<Result> {
  readonly runSuite: (options: BenchOptions) => Promise<Result>
  readonly formatTable: (result: Result) => string
  readonly toJson: (result: Result) => unknown
  readonly scenarioNames: ReadonlyArray<string>
}

/** A suite whose results are of a type this module does not know. */
export type AnySuite = Suite<unknown>

// Resolved from this file at run time (src/internal -> src/bench, or dist/internal -> dist/bench).
const SUITE = new URL("../bench/index.js", import.meta.url).href

const isSuite = (u: unknown): u is AnySuite =>
  typeof u === "object" && u !== null &&
  typeof (u as AnySuite).runSuite === "function" &&
  typeof (u as AnySuite).formatTable === "function" &&
  typeof (u as AnySuite).toJson === "function" &&
  Array.isArray((u as AnySuite).scenarioNames)

/** Imports the suite; fails (exit code 7) when it is missing or does not have the expected exports. */
export const load: Effect.Effect<AnySuite, CliError> = Effect.tryPromise({
  try: () => import(SUITE) as Promise<unknown>,
  catch: (error) =>
    new CliError({
      message: `the benchmark suite could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      exitCode: ExitCode.Failed
    })
}).pipe(
  Effect.filterOrFail(isSuite, () =>
    new CliError({
      message: "the benchmark suite does not export runSuite, formatTable, toJson and scenarioNames",
      exitCode: ExitCode.Failed
    }))
)
