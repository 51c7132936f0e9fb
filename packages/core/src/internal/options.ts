/**
 * What `connect`, `listen` and a connection's setters share in checking what users give them: direct
 * checks of the common shapes (a connect is too hot a path for a schema decode), each failing with
 * an `InvalidArgument` that carries Node's code; the schema pieces of the exported option schemas,
 * for users who decode options from configuration; and the Unix socket path limit.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidArgument } from "../NetError.js"

/** An `InvalidArgument`, built without re-validating its own fields. @internal */
export const invalid = (
  code: InvalidArgument["code"],
  argument: string,
  value: unknown,
  reason: string
): InvalidArgument => new InvalidArgument({ code, argument, value, reason }, true)

const HUMAN_DURATION = /^-?\d+(?:\.\d+)?\s+(?:nanos?|micros?|millis?|seconds?|minutes?|hours?|days?|weeks?)$/

/**
 * A `Duration.DurationInput` checked strictly: a `Duration`; a number of milliseconds (finite and not
 * negative, or `Infinity` for "never"); a bigint of nanoseconds; `[seconds, nanos]`; or text such as
 * `"5 seconds"`. Effect's own `Duration.decode` takes a negative number as zero and throws on text
 * it cannot read: here both are bad input. Gives the duration, or `undefined` when it is bad.
 * @internal
 */
export const parseDuration = (value: unknown): Duration.Duration | undefined => {
  if (Duration.isDuration(value)) return value
  if (typeof value === "number") return value >= 0 ? Duration.millis(value) : undefined
  if (typeof value === "bigint") return value >= 0n ? Duration.nanos(value) : undefined
  if (typeof value === "string") {
    if (!HUMAN_DURATION.test(value) || value.startsWith("-")) return undefined
    return Option.getOrUndefined(Duration.decodeUnknown(value))
  }
  if (Array.isArray(value)) {
    const [seconds, nanos] = value as Array<unknown>
    if (value.length !== 2 || typeof seconds !== "number" || typeof nanos !== "number") return undefined
    if (!(seconds >= 0) || !(nanos >= 0) || !Number.isFinite(seconds) || !Number.isFinite(nanos)) return undefined
    return Option.getOrUndefined(Duration.decodeUnknown(value))
  }
  return undefined
}

const durationReason = "must be a Duration, a non-negative number of milliseconds, or text such as \"5 seconds\""

/** Checks a duration option: the duration, `undefined` when absent, or the error. @internal */
export const checkDuration = (
  value: unknown,
  argument: string
): Duration.Duration | undefined | InvalidArgument => {
  if (value === undefined) return undefined
  const duration = parseDuration(value)
  if (duration !== undefined) return duration
  const negative = (typeof value === "number" && value < 0) || (typeof value === "bigint" && value < 0n) ||
    (typeof value === "string" && HUMAN_DURATION.test(value) && value.startsWith("-"))
  if (negative) return invalid("ERR_OUT_OF_RANGE", argument, value, `must not be negative (${durationReason})`)
  const known = typeof value === "number" || typeof value === "string" || typeof value === "bigint" ||
    Array.isArray(value)
  return invalid(known ? "ERR_INVALID_ARG_VALUE" : "ERR_INVALID_ARG_TYPE", argument, value, durationReason)
}

/** A duration from an already checked input, in milliseconds. @internal */
export const toMillis = (duration: Duration.Duration): number => Duration.toMillis(duration)

/** `undefined`, or the error when `value` is given and is not a boolean. @internal */
export const checkBoolean = (value: unknown, argument: string): InvalidArgument | undefined =>
  value === undefined || typeof value === "boolean"
    ? undefined
    : invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be of type boolean")

/** `undefined`, or the error when `value` is given and is not a function. @internal */
export const checkFunction = (value: unknown, argument: string): InvalidArgument | undefined =>
  value === undefined || typeof value === "function"
    ? undefined
    : invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be of type function")

/** `undefined`, or the error when `value` is given and is not a port number (0-65535). @internal */
export const checkPort = (value: unknown, argument: string): InvalidArgument | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 65535
    ? undefined
    : invalid("ERR_SOCKET_BAD_PORT", argument, value, "must be a port, an integer from 0 to 65535")

/**
 * `undefined`, or the error when `value` is given and is not an integer in `[min, max]`
 * (`ERR_OUT_OF_RANGE` for a number outside, `ERR_INVALID_ARG_TYPE` for anything else).
 * @internal
 */
export const checkInt = (
  value: unknown,
  argument: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER
): InvalidArgument | undefined => {
  if (value === undefined) return undefined
  if (typeof value !== "number") return invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be of type number")
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : invalid(
      "ERR_OUT_OF_RANGE",
      argument,
      value,
      `must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ""}`
    )
}

/** `undefined`, or the error when `value` is not a non-empty string. @internal */
export const checkNonEmptyString = (value: unknown, argument: string): InvalidArgument | undefined =>
  typeof value === "string" && value.length > 0
    ? undefined
    : invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be a non-empty string")

/** `sizeof(sockaddr_un.sun_path)` less the terminating NUL: 107 bytes on Linux, 103 on macOS. */
const MAX_PATH_BYTES = process.platform === "linux" ? 107 : 103

/** The error for a Unix socket path too long for the platform, before any system call. @internal */
export const checkPath = (path: string): InvalidArgument | undefined => {
  const bytes = Buffer.byteLength(path)
  return bytes > MAX_PATH_BYTES
    ? invalid(
      "ERR_INVALID_ARG_VALUE",
      "path",
      path,
      `is ${bytes} bytes long; a Unix socket path holds at most ${MAX_PATH_BYTES}`
    )
    : undefined
}

/** `checkPath` as an effect. @internal */
export const validatePath = (path: string): Effect.Effect<void, InvalidArgument> => {
  const error = checkPath(path)
  return error === undefined ? Effect.void : Effect.fail(error)
}

// Schema pieces of the exported option schemas.

/** @internal */
export const optionalBoolean = Schema.optional(Schema.Boolean)

/**
 * A duration option as the schemas take it: what `parseDuration` accepts (a negative or unreadable
 * one is rejected, never read as zero).
 * @internal
 */
export const DurationInput: Schema.Schema<Duration.DurationInput> = Schema.declare(
  (u): u is Duration.DurationInput => parseDuration(u) !== undefined,
  {
    identifier: "DurationInput",
    description: "a Duration, a non-negative number of milliseconds, a bigint of nanoseconds, " +
      "[seconds, nanos], or text such as \"5 seconds\""
  }
)

/** @internal */
export const optionalDuration = Schema.optional(DurationInput)

/** @internal */
export const optionalFunction = Schema.optional(
  Schema.declare((u): u is (...args: Array<never>) => unknown => typeof u === "function")
)

/**
 * Decodes options with their schema; the first bad field becomes an `InvalidArgument` with the
 * code `codes` gives that field, or else Node's `ERR_INVALID_ARG_TYPE` (a value of the wrong type)
 * or `ERR_INVALID_ARG_VALUE` (an object that is not the expected one).
 * @internal
 */
export const validate = <A, I>(
  schema: Schema.Schema<A, I>,
  options: unknown,
  codes: Readonly<Record<string, InvalidArgument["code"]>>
): Effect.Effect<A, InvalidArgument> =>
  Effect.mapError(
    Schema.decodeUnknown(schema, { errors: "first", onExcessProperty: "ignore" })(options),
    (error) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      const argument = String(issue?.path[0] ?? "options")
      const value = typeof options === "object" && options !== null
        ? (options as Record<string, unknown>)[argument]
        : options
      return new InvalidArgument({
        code: codes[argument] ??
          (value === undefined || typeof value !== "object" ? "ERR_INVALID_ARG_TYPE" : "ERR_INVALID_ARG_VALUE"),
        argument,
        value,
        reason: `is invalid: ${issue?.message ?? "unexpected value"}`
      })
    }
  )
