/**
 * The typed errors of netfx. Each keeps the `code` Node.js uses for the same failure, so an Effect
 * caller can `Effect.catchTag` on the class and a `node:net` caller sees the code it knows.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The Node.js codes an `InvalidArgument` can carry, as `lib/internal/errors.js` names them.
 *
 * @since 0.1.0
 * @category models
 */
export const InvalidArgumentCode = Schema.Literal(
  "ERR_INVALID_ADDRESS",
  "ERR_INVALID_ARG_TYPE",
  "ERR_INVALID_ARG_VALUE",
  "ERR_INVALID_IP_ADDRESS",
  "ERR_OUT_OF_RANGE",
  "ERR_SOCKET_BAD_PORT"
)

/**
 * @since 0.1.0
 * @category models
 */
export type InvalidArgumentCode = typeof InvalidArgumentCode.Type

const show = (value: unknown): string => {
  if (typeof value === "string") return `'${value}'`
  if (typeof value === "bigint") return `${value}n`
  if (value === null || typeof value !== "object") return String(value)
  try {
    return JSON.stringify(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/**
 * A value given to netfx was rejected before anything was done with it: a malformed address, a
 * port out of range, a subnet prefix too long for its family, a range whose start is after its end.
 *
 * `argument` names the offending argument or property, `value` is what was received and `reason`
 * says what is wrong, in the words Node.js uses.
 *
 * @example
 * import { BlockList } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = BlockList.addAddress(BlockList.empty, "10.0.0.256").pipe(
 *   Effect.catchTag("InvalidArgument", (error) => Effect.succeed(error.code))
 * )
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgument extends Schema.TaggedError<InvalidArgument>("@netfx/core/InvalidArgument")(
  "InvalidArgument",
  {
    code: InvalidArgumentCode,
    argument: Schema.String,
    value: Schema.Unknown,
    reason: Schema.String
  }
) {
  override get message(): string {
    return `The argument '${this.argument}' ${this.reason}. Received ${show(this.value)}`
  }
}
