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
import type * as Help from "./internal/help.js"
import * as Style from "./internal/style.js"

const quick = Options.boolean("quick")
const json = Options.boolean("json")
const only = Options.text("only").pipe(Options.withPseudoName("scenario"), Options.repeated)

/**
 * What `netfx bench --help` shows.
 *
 * @internal
 */
export const help: Help.Page = {
  name: "bench",
  summary: "the benchmark suite: netfx against node:net on this machine, in the same run.",
  usage: ["[--quick] [--json] [--only <scenario>]..."],
  description: "Progress goes to stderr, the results to stdout: tables that fit 100 columns, or with --json " +
    "the stable schema netfx-bench/1 (see the README). The scenarios: bulk, round-trips, connections, " +
    "memory, blocklist. A full run takes a few minutes.",
  options: [
    ["--quick", "Small sizes and one round: a smoke run of a few seconds, not a measurement."],
    ["--json", "Print the results as JSON (schema netfx-bench/1) on stdout."],
    ["--only <scenario>", "Run only this scenario; repeat for several. Default: every scenario."]
  ]
}

/**
 * What `netfx bench` was asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface BenchArgs {
  /** `--quick`: small sizes and one round. */
  readonly quick: boolean
  /** `--json`: the result in the schema `netfx-bench/1`. */
  readonly json: boolean
  /** `--only`: the scenarios to run; all when empty. */
  readonly only: ReadonlyArray<string>
}

/**
 * Progress on stderr: one line that updates in place on a terminal (`running round 2/5 of bulk ·
 * @netfx/core · 40 s left`), a line per finished round otherwise. The time left is the scenario's:
 * its rounds so far, at their pace, times the rounds to come.
 *
 * @internal
 */
export const progress = (stream: {
  readonly isTTY?: boolean | undefined
  readonly columns?: number | undefined
  readonly write: (text: string) => unknown
}, now: () => number = () => performance.now()) => {
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
  // Where the current scenario side started, how many steps it has, and the sides seen per scenario.
  let started = 0
  let steps = 0
  let label = ""
  const sides = new Map<string, Set<string>>()
  // The round in progress: a Done follows its Start.
  let lastStep = 0
  let lastRounds = 0
  const left = (done: number) => {
    if (done === 0) return "time left: after the first round"
    const seconds = Math.ceil(((now() - started) / done) * (steps - done) / 1000)
    return seconds >= 120 ? `${Math.ceil(seconds / 60)} min left` : `${seconds} s left`
  }
  const onProgress = (event: benchSuite.ProgressEvent) => {
    if (event._tag === "Start") {
      if (event.step === 1) {
        started = now()
        steps = event.steps
        const seen = sides.get(event.scenario) ?? new Set<string>()
        seen.add(event.side)
        sides.set(event.scenario, seen)
        label = seen.size > 1 ? `${event.scenario} (${event.side} side)` : event.scenario
      }
      if (live) {
        show(
          `${style.cyan("running")} round ${event.round}/${event.rounds} of ${style.bold(label)} ${
            style.dim("·")
          } ${event.implementation} ${style.dim("·")} ${style.dim(left(event.step - 1))}`
        )
      }
      lastStep = event.step
      lastRounds = event.rounds
      return
    }
    const value = event.value.toLocaleString("en-US", { maximumFractionDigits: 1 })
    show(
      `${
        live ? style.green("done   ") + " " : ""
      }round ${event.round}/${lastRounds} of ${label} · ${event.implementation}: ` +
        `${value} ${event.unit} ${style.dim(`(${left(lastStep)})`)}`
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
  Command.withDescription(help.summary)
)
