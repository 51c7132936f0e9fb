/**
 * Node's argument errors, as `lib/internal/errors.js` of Node 20 builds them: the same class
 * (`TypeError`, `RangeError`, `Error`), the same `code` own property, the same `name`, `toString()`
 * and stack header (`TypeError [ERR_INVALID_ARG_TYPE]: ...`), and the same message, down to the way
 * a received value is printed.
 *
 * One class per code, named after it, like Node's `codes.ERR_INVALID_ARG_TYPE`.
 */
import { format, inspect } from "node:util"

// lib/internal/errors.js: the names that read as `of type x` rather than `an instance of X`.
const kTypes: ReadonlyArray<string> = [
  "string",
  "function",
  "number",
  "object",
  "Function",
  "Object",
  "boolean",
  "bigint",
  "symbol"
]

const classRegExp = /^[A-Z][a-zA-Z0-9]*$/

/** lib/internal/errors.js `formatList`: `a`, `a or b`, `a, b, or c`. */
const formatList = (array: ReadonlyArray<string>, type = "and"): string => {
  switch (array.length) {
    case 0:
      return ""
    case 1:
      return `${array[0]}`
    case 2:
      return `${array[0]} ${type} ${array[1]}`
    case 3:
      return `${array[0]}, ${array[1]}, ${type} ${array[2]}`
    default:
      return `${array.slice(0, -1).join(", ")}, ${type} ${array[array.length - 1]}`
  }
}

/** lib/internal/errors.js `addNumericalSeparator`: `1099511627776` -> `1_099_511_627_776`. */
const addNumericalSeparator = (val: string): string => {
  let res = ""
  let i = val.length
  const start = val[0] === "-" ? 1 : 0
  for (; i >= start + 4; i -= 3) {
    res = `_${val.slice(i - 3, i)}${res}`
  }
  return `${val.slice(0, i)}${res}`
}

/**
 * How Node 20 names a received value after "Received": `null`, `undefined`, `type number (5)`,
 * `type string ('x')` (cut at 25 characters beyond 28), `an instance of Array`, `function f`.
 */
export const determineSpecificType = (value: unknown): string => {
  if (value === null) return "null"
  if (value === undefined) return "undefined"
  switch (typeof value) {
    case "bigint":
      return `type bigint (${value}n)`
    case "number":
      if (value === 0) return 1 / value === -Infinity ? "type number (-0)" : "type number (0)"
      if (value !== value) return "type number (NaN)"
      if (value === Infinity) return "type number (Infinity)"
      if (value === -Infinity) return "type number (-Infinity)"
      return `type number (${value})`
    case "boolean":
      return value ? "type boolean (true)" : "type boolean (false)"
    case "symbol":
      return `type symbol (${String(value)})`
    case "function":
      return `function ${value.name}`
    case "object": {
      const constructor: unknown = (value as { readonly constructor?: unknown }).constructor
      if (constructor && "name" in (constructor as object)) {
        return `an instance of ${(constructor as { readonly name: unknown }).name}`
      }
      return inspect(value, { depth: -1 })
    }
    case "string": {
      const shown = value.length > 28 ? `${value.slice(0, 25)}...` : value
      return shown.indexOf("'") === -1 ? `type string ('${shown}')` : `type string (${JSON.stringify(shown)})`
    }
    default: {
      const shown = inspect(value, { colors: false })
      return `type ${typeof value} (${shown.length > 28 ? `${shown.slice(0, 25)}...` : shown})`
    }
  }
}

type ErrorBase = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor

/**
 * Gives a class Node's error surface: `error.constructor` is the base class (Node's "workaround for
 * wpt tests") and `toString()` is `TypeError [CODE]: message`.
 */
const likeNodeError = (Class: { readonly prototype: Error & { readonly code: string } }, Base: ErrorBase): void => {
  Object.defineProperty(Class.prototype, "constructor", { get: () => Base, configurable: true })
  Object.defineProperty(Class.prototype, "toString", {
    value(this: Error & { readonly code: string }) {
      return `${this.name} [${this.code}]: ${this.message}`
    },
    writable: true,
    configurable: true
  })
}

/**
 * Node prints its own errors as `TypeError [CODE]: message` at the top of the stack when its default
 * `Error.prepareStackTrace` (`ErrorPrepareStackTrace` in Node 20-24) formats it; under a hook
 * installed by a tool (source maps, test runners) they read `TypeError: message`, like any error.
 * V8 formats the stack the first time it is read, so reading it once while `name` carries the code
 * gives the default header; this is what Node itself did up to v15.
 */
const stampStack = (error: Error, code: string): void => {
  if (Error.prepareStackTrace?.name !== "ErrorPrepareStackTrace") return
  Object.defineProperty(error, "name", { value: `${error.name} [${code}]`, configurable: true, writable: true })
  void error.stack
  delete (error as { name?: string }).name
}

const invalidArgTypeMessage = (name: string, expected: string | ReadonlyArray<string>, actual: unknown): string => {
  const expectedList = typeof expected === "string" ? [expected] : expected
  let msg = "The "
  if (name.endsWith(" argument")) {
    // For cases like 'first argument'
    msg += `${name} `
  } else {
    msg += `"${name}" ${name.includes(".") ? "property" : "argument"} `
  }
  msg += "must be "
  const types: Array<string> = []
  const instances: Array<string> = []
  const other: Array<string> = []
  for (const value of expectedList) {
    if (kTypes.includes(value)) types.push(value.toLowerCase())
    else if (classRegExp.test(value)) instances.push(value)
    else other.push(value)
  }
  // `object` is spelled out as `Object` among the instances, to tell them apart.
  if (instances.length > 0) {
    const pos = types.indexOf("object")
    if (pos !== -1) {
      types.splice(pos, 1)
      instances.push("Object")
    }
  }
  if (types.length > 0) {
    msg += `${types.length > 1 ? "one of type" : "of type"} ${formatList(types, "or")}`
    if (instances.length > 0 || other.length > 0) msg += " or "
  }
  if (instances.length > 0) {
    msg += `an instance of ${formatList(instances, "or")}`
    if (other.length > 0) msg += " or "
  }
  if (other.length > 0) {
    if (other.length > 1) {
      msg += `one of ${formatList(other, "or")}`
    } else {
      if (other[0]!.toLowerCase() !== other[0]) msg += "an "
      msg += `${other[0]}`
    }
  }
  return `${msg}. Received ${determineSpecificType(actual)}`
}

/**
 * An argument or property of the wrong type: `The "options.address" property must be of type
 * string. Received type number (5)`.
 */
export class ERR_INVALID_ARG_TYPE extends TypeError {
  readonly code = "ERR_INVALID_ARG_TYPE"
  constructor(name: string, expected: string | ReadonlyArray<string>, actual: unknown) {
    super(invalidArgTypeMessage(name, expected, actual))
    stampStack(this, this.code)
  }
}
likeNodeError(ERR_INVALID_ARG_TYPE, TypeError)

/**
 * An argument or property of the right type but a value Node refuses: `The property
 * 'options.family' is invalid. Received 'ipv5'`. The value is shown with `util.inspect`, cut at 128
 * characters.
 */
export class ERR_INVALID_ARG_VALUE extends TypeError {
  readonly code = "ERR_INVALID_ARG_VALUE"
  constructor(name: string, value: unknown, reason = "is invalid") {
    let inspected = inspect(value)
    if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`
    super(`The ${name.includes(".") ? "property" : "argument"} '${name}' ${reason}. Received ${inspected}`)
    stampStack(this, this.code)
  }
}
likeNodeError(ERR_INVALID_ARG_VALUE, TypeError)

/**
 * A number outside its range: `The value of "prefix" is out of range. It must be >= 0 && <= 32.
 * Received 33`. Integers beyond 2^32 are printed with numeric separators (`1_099_511_627_776`).
 */
export class ERR_OUT_OF_RANGE extends RangeError {
  readonly code = "ERR_OUT_OF_RANGE"
  constructor(name: string, range: string, input: unknown, replaceDefaultBoolean = false) {
    let received: string
    if (Number.isInteger(input) && Math.abs(input as number) > 2 ** 32) {
      received = addNumericalSeparator(String(input))
    } else if (typeof input === "bigint") {
      received = String(input)
      if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received)
      received += "n"
    } else {
      received = inspect(input)
    }
    super(
      `${
        replaceDefaultBoolean ? name : `The value of "${name}" is out of range.`
      } It must be ${range}. Received ${received}`
    )
    stampStack(this, this.code)
  }
}
likeNodeError(ERR_OUT_OF_RANGE, RangeError)

/** A port that is not an integer from 0 to 65535: `options.port should be >= 0 and < 65536. Received type number (-1).` */
export class ERR_SOCKET_BAD_PORT extends RangeError {
  readonly code = "ERR_SOCKET_BAD_PORT"
  constructor(name: string, port: unknown, allowZero = true) {
    super(`${name} should be ${allowZero ? ">=" : ">"} 0 and < 65536. Received ${determineSpecificType(port)}.`)
    stampStack(this, this.code)
  }
}
likeNodeError(ERR_SOCKET_BAD_PORT, RangeError)

/**
 * An address the runtime cannot parse: `Invalid socket address`. Node 20 raises it from C++
 * (`THROW_ERR_INVALID_ADDRESS`), so it is a plain `Error` with a `code` and, unlike the errors above,
 * no code in its `toString()` or stack header.
 */
export class ERR_INVALID_ADDRESS extends Error {
  readonly code = "ERR_INVALID_ADDRESS"
  constructor() {
    super("Invalid socket address")
  }
}
Object.defineProperty(ERR_INVALID_ADDRESS.prototype, "constructor", { get: () => Error, configurable: true })

/** An error with a fixed message and Node's `code`, on the given base class. */
const simple = <B extends ErrorBase>(code: string, Base: B, message: (...args: ReadonlyArray<string>) => string) => {
  class NodeError extends (Base as ErrorConstructor) {
    readonly code = code
    constructor(...args: ReadonlyArray<string>) {
      super(message(...args))
      stampStack(this, code)
    }
  }
  Object.defineProperty(NodeError, "name", { value: code })
  likeNodeError(NodeError, Base)
  return NodeError as unknown as new(...args: ReadonlyArray<string>) => InstanceType<B> & { readonly code: string }
}

/** `The "options" or "port" or "path" argument must be specified`. */
export const ERR_MISSING_ARGS = simple(
  "ERR_MISSING_ARGS",
  TypeError,
  (...names) => `The ${names.map((name) => `"${name}"`).join(" or ")} argument must be specified`
)
/** `Invalid IP address: x`. */
// Node formats the value with `%s` (an object prints as `{}`, not `[object Object]`).
export const ERR_INVALID_IP_ADDRESS = simple(
  "ERR_INVALID_IP_ADDRESS",
  TypeError,
  (ip) => format("Invalid IP address: %s", ip)
)
/** `This handle type cannot be sent` (the text comes from child_process). */
export const ERR_INVALID_HANDLE_TYPE = simple(
  "ERR_INVALID_HANDLE_TYPE",
  TypeError,
  () => "This handle type cannot be sent"
)
/** `Unsupported fd type: X`. */
export const ERR_INVALID_FD_TYPE = simple("ERR_INVALID_FD_TYPE", TypeError, (type) => `Unsupported fd type: ${type}`)
/** `Listen method has been called more than once without closing.` */
export const ERR_SERVER_ALREADY_LISTEN = simple(
  "ERR_SERVER_ALREADY_LISTEN",
  Error,
  () => "Listen method has been called more than once without closing."
)
/** `Server is not running.` */
export const ERR_SERVER_NOT_RUNNING = simple("ERR_SERVER_NOT_RUNNING", Error, () => "Server is not running.")
/** `Socket is closed` */
export const ERR_SOCKET_CLOSED = simple("ERR_SOCKET_CLOSED", Error, () => "Socket is closed")
/** `Socket closed before the connection was established` */
export const ERR_SOCKET_CLOSED_BEFORE_CONNECTION = simple(
  "ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
  Error,
  () => "Socket closed before the connection was established"
)
/** `Socket connection timeout` */
export const ERR_SOCKET_CONNECTION_TIMEOUT = simple(
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  Error,
  () => "Socket connection timeout"
)
/** `IP(x) is blocked by net.BlockList` */
export const ERR_IP_BLOCKED = simple("ERR_IP_BLOCKED", Error, (ip) => `IP(${ip}) is blocked by net.BlockList`)

/** `Invalid address family: 5 example.com:80`, with `host` and `port` properties. */
export class ERR_INVALID_ADDRESS_FAMILY extends RangeError {
  readonly code = "ERR_INVALID_ADDRESS_FAMILY"
  readonly host: unknown
  readonly port: unknown
  constructor(addressType: unknown, host: unknown, port: unknown) {
    super(`Invalid address family: ${addressType} ${host}:${port}`)
    this.host = host
    this.port = port
    stampStack(this, this.code)
  }
}
likeNodeError(ERR_INVALID_ADDRESS_FAMILY, RangeError)

/** Node's `AbortError`: `The operation was aborted`, code `ABORT_ERR`, the signal's reason as `cause`. */
export class AbortError extends Error {
  readonly code = "ABORT_ERR"
  override readonly name = "AbortError"
  constructor(message = "The operation was aborted", options?: { readonly cause?: unknown }) {
    super(message, options)
  }
}
