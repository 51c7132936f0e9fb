/**
 * What `connect` and `listen` share in validating their options: schema pieces, the mapping of a
 * schema failure to an `InvalidArgument` with Node's code, and the Unix socket path limit.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidArgument } from "../NetError.js"

/** @internal */
export const optionalBoolean = Schema.optional(Schema.Boolean)

/** A `Duration.DurationInput`: a Duration, milliseconds, text such as "5 seconds", or nanoseconds. @internal */
export const optionalDuration = Schema.optional(
  Schema.Union(Schema.DurationFromSelf, Schema.Number, Schema.String, Schema.BigIntFromSelf)
)

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

/** `sizeof(sockaddr_un.sun_path)` less the terminating NUL: 107 bytes on Linux, 103 on macOS. */
const MAX_PATH_BYTES = process.platform === "linux" ? 107 : 103

/** Refuses a Unix socket path too long for the platform, before any system call. @internal */
export const validatePath = (path: string): Effect.Effect<void, InvalidArgument> => {
  const bytes = Buffer.byteLength(path)
  return bytes > MAX_PATH_BYTES
    ? Effect.fail(
      new InvalidArgument({
        code: "ERR_INVALID_ARG_VALUE",
        argument: "path",
        value: path,
        reason: `is ${bytes} bytes long; a Unix socket path holds at most ${MAX_PATH_BYTES}`
      })
    )
    : Effect.void
}
