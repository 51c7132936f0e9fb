/**
 * Consoles for the CLI. One drops colour where it is not wanted: @effect/cli styles its help and its errors
 * whatever the output is, and a pipe, a file or `NO_COLOR` should get plain text.
 *
 * @internal
 */
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Style from "./style.js"

const plainArgs = (args: ReadonlyArray<unknown>) => args.map((arg) => typeof arg === "string" ? Style.strip(arg) : arg)

/** Runs the effect with a Console whose `log` and `error` strip colour when their stream has it off. */
export const withPlainWhereNeeded = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.consoleWith((current) => {
    const stdoutColor = Style.colorEnabled(process.stdout)
    const stderrColor = Style.colorEnabled(process.stderr)
    if (stdoutColor && stderrColor) return effect
    const console: Console.Console = {
      ...current,
      log: (...args) => current.log(...(stdoutColor ? args : plainArgs(args))),
      info: (...args) => current.info(...(stdoutColor ? args : plainArgs(args))),
      error: (...args) => current.error(...(stderrColor ? args : plainArgs(args))),
      warn: (...args) => current.warn(...(stderrColor ? args : plainArgs(args))),
      unsafe: {
        ...current.unsafe,
        log: (...args) => current.unsafe.log(...(stdoutColor ? args : plainArgs(args))),
        info: (...args) => current.unsafe.info(...(stdoutColor ? args : plainArgs(args))),
        error: (...args) => current.unsafe.error(...(stderrColor ? args : plainArgs(args))),
        warn: (...args) => current.unsafe.warn(...(stderrColor ? args : plainArgs(args)))
      }
    }
    return Effect.withConsole(effect, console)
  })

/**
 * A Console whose `error` prints `netfx: <message>` on one line: @effect/cli reports a bad command
 * line (unknown option, bad choice) as a help paragraph, which should read like every other error.
 */
export const prefixed = (current: Console.Console): Console.Console => {
  const line = (
    args: ReadonlyArray<unknown>
  ) => [`netfx: ${args.map(String).join(" ").trim().replace(/\s*\n\s*/g, " ")}`]
  return {
    ...current,
    error: (...args) => current.error(...line(args)),
    unsafe: { ...current.unsafe, error: (...args) => current.unsafe.error(...line(args)) }
  }
}
