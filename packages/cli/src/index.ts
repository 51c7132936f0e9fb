/**
 * `@netfx/cli`: the `netfx` command, for embedding and testing. The executable is `bin.ts`.
 *
 * @since 0.1.0
 */

/**
 * The command tree, `run` (the tree on argv) and `main` (argv to an exit code).
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.js"

/**
 * `netfx connect`: a netcat-like client.
 *
 * @since 0.1.0
 */
export * as Connect from "./connect.js"

/**
 * `netfx serve`: echo, discard and chargen servers.
 *
 * @since 0.1.0
 */
export * as Serve from "./serve.js"

/**
 * `netfx demo`: a tour of netfx in about ten seconds, on loopback.
 *
 * @since 0.1.0
 */
export * as Demo from "./demo.js"

/**
 * `netfx bench`: the benchmark suite.
 *
 * @since 0.1.0
 */
export * as Bench from "./benchCommand.js"

/**
 * The exit codes of `netfx` and the error that carries one.
 *
 * @since 0.1.0
 */
export { CliError, ExitCode, exitCodeTable } from "./internal/exitCode.js"

/**
 * The schema of `netfx bench --json` (`netfx-bench/1`), to decode its output with `effect/Schema`.
 *
 * @since 0.1.0
 */
export { BenchJson } from "./bench/model.js"
