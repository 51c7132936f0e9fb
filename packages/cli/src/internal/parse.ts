/**
 * Parsing of the values given on the command line, with messages that say what was expected.
 * The CLI reads ports and durations as text and parses them here, so that a bad value gets one
 * clear line (and exit code 1) rather than a page of help.
 *
 * @internal
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type CliError, usage } from "./exitCode.js"

/**
 * A TCP port: a decimal integer from 1 to 65535 (from 0 with `allowZero`, for a server that lets
 * the system choose).
 */
export const port = (
  text: string,
  options: { readonly allowZero?: boolean; readonly name?: string } = {}
): Effect.Effect<number, CliError> => {
  const min = options.allowZero ? 0 : 1
  const name = options.name ?? "port"
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  return Number.isInteger(value) && value >= min && value <= 65535
    ? Effect.succeed(value)
    : Effect.fail(usage(`bad ${name} '${text}': expected an integer from ${min} to 65535`))
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * A duration: a number with a unit (`500ms`, `5s`, `1.5m`, `1h`) or a plain number of seconds
 * (`5`, as `nc -w` reads it). Zero or negative durations are refused: they would mean "never wait".
 */
export const duration = (name: string, text: string): Effect.Effect<Duration.Duration, CliError> => {
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/.exec(text.trim())
  const millis = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2] ?? "s"]!
  return Number.isFinite(millis) && millis > 0
    ? Effect.succeed(Duration.millis(millis))
    : Effect.fail(usage(`bad ${name} '${text}': expected a positive duration such as 500ms, 5s or 2m`))
}

/** An address family for `--family`: 4 or 6. */
export const family = (text: string): Effect.Effect<4 | 6, CliError> =>
  text === "4" || text === "6"
    ? Effect.succeed(text === "4" ? 4 : 6)
    : Effect.fail(usage(`bad --family '${text}': expected 4 or 6`))

/** A count: a decimal integer, 0 or more. */
export const count = (name: string) => (text: string): Effect.Effect<number, CliError> => {
  const value = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  return Number.isSafeInteger(value)
    ? Effect.succeed(value)
    : Effect.fail(usage(`bad ${name} '${text}': expected an integer, 0 or more`))
}

/**
 * A parser as an option's check (`Options.mapEffect`): a bad value is @effect/cli's validation
 * error, which the command line reports as `netfx: <message>` with exit code 1, like its own.
 */
export const checked = <A>(parse: (text: string) => Effect.Effect<A, CliError>) => (text: string) =>
  parse(text).pipe(Effect.mapError((error) => ValidationError.invalidValue(HelpDoc.p(error.message))))
