/**
 * Node's argument validators (`lib/internal/validators.js` of Node 20): the same checks, in the same
 * order, throwing the same errors.
 */
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE, ERR_SOCKET_BAD_PORT } from "./errors.js"

/**
 * Throws `ERR_INVALID_ARG_TYPE` unless `value` is a string.
 */
export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string") throw new ERR_INVALID_ARG_TYPE(name, "string", value)
}

/**
 * Throws `ERR_INVALID_ARG_TYPE` unless `value` is an object that is neither `null` nor an array
 * (Node's `validateObject` with no flags: functions are refused too).
 */
export function validateObject(value: unknown, name: string): asserts value is object {
  if (value === null || Array.isArray(value) || typeof value !== "object") {
    throw new ERR_INVALID_ARG_TYPE(name, "Object", value)
  }
}

/**
 * Throws `ERR_INVALID_ARG_TYPE` for a non-number, `ERR_OUT_OF_RANGE` for a non-integer or an integer
 * outside `[min, max]` (a signed 32-bit integer by default).
 */
export function validateInt32(
  value: unknown,
  name: string,
  min = -2147483648,
  max = 2147483647
): asserts value is number {
  if (typeof value !== "number") throw new ERR_INVALID_ARG_TYPE(name, "number", value)
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, "an integer", value)
  if (value < min || value > max) throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value)
}

/**
 * Throws `ERR_INVALID_ARG_TYPE` for a non-number, `ERR_OUT_OF_RANGE` for a non-integer or an integer
 * outside 0 (1 when `positive`) to 4294967295.
 */
export function validateUint32(value: unknown, name: string, positive = false): asserts value is number {
  if (typeof value !== "number") throw new ERR_INVALID_ARG_TYPE(name, "number", value)
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, "an integer", value)
  const min = positive ? 1 : 0
  const max = 4_294_967_295
  if (value < min || value > max) throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value)
}

/**
 * Checks a port and returns it as a number (`port | 0`). Numbers and numeric strings (`"80"`,
 * `" 80 "`, `"0x50"`) from 0 to 65535 pass; anything else, a blank string included, throws
 * `ERR_SOCKET_BAD_PORT`.
 */
export const validatePort = (port: unknown, name = "Port", allowZero = true): number => {
  if (
    (typeof port !== "number" && typeof port !== "string") ||
    (typeof port === "string" && port.trim().length === 0) ||
    +port !== (+port >>> 0) ||
    // A string compares with a number as a number: `"65536" > 0xFFFF`.
    (port as number) > 0xFFFF ||
    (port === 0 && !allowZero)
  ) {
    throw new ERR_SOCKET_BAD_PORT(name, port, allowZero)
  }
  return (port as number) | 0
}

/** Throws `ERR_INVALID_ARG_TYPE` unless `value` is a number (any number: NaN and infinities too). */
export const validateNumber = (value: unknown, name: string): number => {
  if (typeof value !== "number") throw new ERR_INVALID_ARG_TYPE(name, "number", value)
  return value
}

/** Throws `ERR_INVALID_ARG_TYPE` unless `value` is a function. */
export const validateFunction = (value: unknown, name: string): (...args: ReadonlyArray<never>) => unknown => {
  if (typeof value !== "function") throw new ERR_INVALID_ARG_TYPE(name, "Function", value)
  return value as (...args: ReadonlyArray<never>) => unknown
}

/** Throws `ERR_INVALID_ARG_TYPE` unless `value` is a boolean. */
export const validateBoolean = (value: unknown, name: string): boolean => {
  if (typeof value !== "boolean") throw new ERR_INVALID_ARG_TYPE(name, "boolean", value)
  return value
}

/** Throws `ERR_INVALID_ARG_TYPE` unless `value` is undefined or an `AbortSignal` (an object with `aborted`). */
export const validateAbortSignal = (value: unknown, name: string): AbortSignal | undefined => {
  if (value === undefined || (value !== null && typeof value === "object" && "aborted" in value)) {
    return value as AbortSignal | undefined
  }
  throw new ERR_INVALID_ARG_TYPE(name, "AbortSignal", value)
}

/**
 * The first checks of `new net.Socket(options)` (lib/net.js), before the stream's own: the object
 * modes, which a socket does not support, and `keepAliveInitialDelay`, which must be a number.
 */
export const validateSocketOptions = (options: unknown): void => {
  if (typeof options !== "object" || options === null) return
  const opts = options as Record<string, unknown>
  for (const name of ["objectMode", "readableObjectMode", "writableObjectMode"]) {
    if (opts[name]) throw new ERR_INVALID_ARG_VALUE(`options.${name}`, opts[name], "is not supported")
  }
  if (opts.keepAliveInitialDelay !== undefined) {
    validateNumber(opts.keepAliveInitialDelay, "options.keepAliveInitialDelay")
  }
}
