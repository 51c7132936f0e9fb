/**
 * The `netfx` command tree, and `main`: runs it on the command line's arguments and turns every
 * outcome into an exit code, with one line on stderr for a failure.
 *
 * @since 0.1.0
 */
import type * as CliApp from "@effect/cli/CliApp"
import * as Command from "@effect/cli/Command"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import * as benchCommand from "./benchCommand.js"
import * as connect from "./connect.js"
import * as demo from "./demo.js"
import * as console from "./internal/console.js"
import { ExitCode } from "./internal/exitCode.js"
import * as Help from "./internal/help.js"
import * as serve from "./serve.js"

/**
 * The version of @netfx/cli (from its package.json).
 *
 * @since 0.1.0
 */
export const version: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version

/** The Console a command's handler prints with (while @effect/cli's own errors get `netfx: `). */
class CommandConsole extends Context.Tag("@netfx/cli/CommandConsole")<CommandConsole, Console.Console>() {}

const withCommandConsole = <Name extends string, R, E, A>(self: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(
    self,
    (handler) => Effect.flatMap(CommandConsole, (console) => Effect.withConsole(handler, console))
  )

/**
 * The `netfx` command and its subcommands: `demo`, `connect`, `serve`, `bench`.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("netfx").pipe(
  Command.withDescription(
    "Typed, resource-safe TCP and IPC networking on Effect: a demo, a client, servers, benchmarks."
  ),
  Command.withSubcommands([
    withCommandConsole(demo.command),
    withCommandConsole(connect.command),
    withCommandConsole(serve.command),
    withCommandConsole(benchCommand.command)
  ])
)

/**
 * The help pages of the commands, in the order `netfx --help` lists them.
 *
 * @internal
 */
export const helpPages: ReadonlyArray<Help.Page> = [demo.help, connect.help, serve.help, benchCommand.help]

/**
 * Runs the command tree on arguments in `process.argv` form (the runtime and the script first).
 * Fails with the command's `CliError` or with @effect/cli's `ValidationError` (already printed).
 *
 * @since 0.1.0
 * @category execution
 */
export const run = Command.run(command, {
  name: "netfx",
  version,
  summary: Span.text("TCP and IPC networking on Effect")
})

/**
 * Runs `netfx` on arguments in `process.argv` form and gives the exit code. A failure is printed
 * as one line on stderr, `netfx: <what went wrong>` (usage errors also show what was expected);
 * an unexpected failure is `netfx: internal error: ...` with code 70, its trace only with
 * `NETFX_DEBUG=1`. Interruption (Ctrl-C) is left to the caller.
 *
 * @since 0.1.0
 * @category execution
 */
export const main = (argv: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment> => {
  // `netfx` alone, and `--help` or `-h` anywhere, show our help pages rather than @effect/cli's.
  const help = Help.requested(argv.slice(2), helpPages, version)
  if (help !== undefined) return Console.log(help).pipe(Effect.as(ExitCode.Ok as number), console.withPlainWhereNeeded)
  const missing = Help.missingValue(argv.slice(2), helpPages)
  if (missing !== undefined) return Console.error(`netfx: ${missing}`).pipe(Effect.as(ExitCode.Usage as number))
  const program = Effect.consoleWith((current) =>
    run(argv).pipe(Effect.withConsole(console.prefixed(current)), Effect.provideService(CommandConsole, current))
  )
  return program.pipe(
    Effect.as(ExitCode.Ok as number),
    Effect.catchAll((error) => {
      if (ValidationError.isValidationError(error)) {
        // @effect/cli has printed what was wrong, with the usage.
        return Effect.succeed(ExitCode.Usage)
      }
      return Console.error(`netfx: ${error.message}`).pipe(Effect.as(error.exitCode))
    }),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.gen(function*() {
        const error = Cause.squash(cause)
        yield* Console.error(`netfx: internal error: ${error instanceof Error ? error.message : String(error)}`)
        if (process.env.NETFX_DEBUG) yield* Console.error(Cause.pretty(cause))
        return ExitCode.Internal
      })
    ),
    console.withPlainWhereNeeded
  )
}
