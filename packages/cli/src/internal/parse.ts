/**
 * Parsing of the values given on the command line, with messages that say what was expected.
 * The CLI reads ports and durations as text and parses them here, so that a bad value gets one
 * clear line (and exit code 1) rather than a page of help.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type CliError, usage } from "./exitCode.js"

/**
 * A TCP port: a decimal integer from 1 to 65535 (from 0 with `allowZero`, for a server that lets
 * the system choose).
 */
export const port = (text: string, options: { readonly allowZero?: boolean } = {}): Effect.Effect<number, CliError> => {
  const min = options.allowZero ? 0 : 1
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  return Number.isInteger(value) && value >= min && value <= 65535
    ? Effect.succeed(value)
    : Effect.fail(usage(`bad port '${text}': expected an integer from ${min} to 65535`))
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
