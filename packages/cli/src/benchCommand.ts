/**
 * `netfx bench`: runs the benchmark suite (netfx against node:net, same machine, same run), with
 * progress on stderr and the results on stdout as a table or as JSON.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as benchSuite from "./internal/benchSuite.js"
import { CliError, ExitCode, usage } from "./internal/exitCode.js"
import * as Style from "./internal/style.js"

const quick = Options.boolean("quick").pipe(
  Options.withDescription("Small sizes and few rounds: a smoke run of a few seconds, not a measurement.")
)

const json = Options.boolean("json").pipe(Options.withDescription("Print the results as JSON on stdout."))

const only = Options.text("only").pipe(
  Options.withPseudoName("scenario"),
  Options.withDescription("Run only this scenario (repeat for several). Unknown names list the scenarios."),
  Options.repeated
)

/**
 * What `netfx bench` was asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface BenchArgs {
  readonly quick: boolean
  readonly json: boolean
  readonly only: ReadonlyArray<string>
}

/**
 * Progress on stderr: one line that updates in place on a terminal, a line per round otherwise.
 *
 * @internal
 */
export const progress = (stream: {
  readonly isTTY?: boolean | undefined
  readonly columns?: number | undefined
  readonly write: (text: string) => unknown
}) => {
  const style = Style.forStream(stream)
  const live = stream.isTTY === true
  let shown = false
  const show = (line: string) => {
    if (!live) return void stream.write(`${line}\n`)
    // Cut to the terminal's width: a wrapped line could not be redrawn in place.
    const columns = Math.max(20, (stream.columns ?? 80) - 1)
    const fitted = Style.width(line) > columns ? Style.strip(line).slice(0, columns - 1) + "…" : line
    stream.write(`\r\x1b[2K${fitted}`)
    shown = true
  }
  const onProgress = (event: benchSuite.ProgressEvent) => {
    if (event._tag === "Start") {
      if (live) {
        show(
          `${style.cyan("running")} ${style.bold(event.scenario)} ${style.dim("·")} ${event.implementation} ${
            style.dim(`round ${event.round}/${event.rounds}`)
          }`
        )
      }
      return
    }
    const value = event.value.toLocaleString("en-US", { maximumFractionDigits: 1 })
    show(
      `${
        live ? style.green("done   ") + " " : ""
      }${event.scenario} · ${event.implementation} · round ${event.round}: ${value} ${event.unit}`
    )
  }
  const clear = () => {
    if (live && shown) stream.write("\r\x1b[2K")
  }
  return { onProgress, clear }
}

/**
 * Runs the suite and prints its table (or JSON).
 *
 * Fails with a `CliError`: an unknown `--only` scenario (exit code 1), or a suite that is missing
 * or fails (7).
 *
 * @since 0.1.0
 * @category handlers
 */
export const run = (args: BenchArgs): Effect.Effect<void, CliError> =>
  Effect.gen(function*() {
    const suite = yield* benchSuite.load
    const unknown = args.only.filter((name) => !suite.scenarioNames.includes(name))
    if (unknown.length > 0) {
      return yield* usage(
        `unknown scenario ${unknown.map((name) => `'${name}'`).join(", ")}; the scenarios are: ${
          suite.scenarioNames.join(", ")
        }`
      )
    }
    const display = progress(process.stderr)
    const result = yield* Effect.tryPromise({
      try: () =>
        suite.runSuite({
          quick: args.quick,
          only: args.only.length === 0 ? undefined : args.only,
          onProgress: display.onProgress
        }),
      catch: (error) =>
        new CliError({
          message: `the benchmark failed: ${error instanceof Error ? error.message : String(error)}`,
          exitCode: ExitCode.Failed
        })
    }).pipe(Effect.ensuring(Effect.sync(display.clear)))
    yield* Console.log(args.json ? JSON.stringify(suite.toJson(result), null, 2) : suite.formatTable(result))
  })

/**
 * The `bench` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("bench", { quick, json, only }, run).pipe(
  Command.withDescription(
    "Run the benchmark suite: netfx against node:net on this machine, in the same run. " +
      "Progress goes to stderr, the results to stdout."
  )
)
