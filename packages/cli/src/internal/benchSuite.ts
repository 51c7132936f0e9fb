/**
 * The benchmark suite as `netfx bench` sees it: a loader that imports `src/bench/index.ts` when the
 * command runs, so that the rest of the CLI neither waits for nor pays for it. The import is a
 * typed `import()`: the compiler checks what the command uses of the suite.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as BenchSuite from "../bench/index.js"
import { CliError, ExitCode } from "./exitCode.js"

export type { BenchOptions, ProgressEvent } from "../bench/index.js"

/** The exports of `src/bench/index.ts`. */
export type Suite = typeof BenchSuite

/** Imports the suite; fails (exit code 7) when it cannot be loaded. */
export const load: Effect.Effect<Suite, CliError> = Effect.tryPromise({
  try: () => import("../bench/index.js"),
  catch: (error) =>
    new CliError({
      message: `the benchmark suite could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      exitCode: ExitCode.Failed
    })
})
