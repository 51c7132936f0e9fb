/**
 * Differential testing against the runtime's own `node:net`: the same program runs once with
 * `node:net` and once with `@netfx/compat`, and what the program can observe must be the same.
 *
 * An observation is the returned value, normalised (a SocketAddress becomes its fields, its JSON and
 * its `util.inspect` text; a BlockList its rules and its `util.inspect` text), or the thrown error
 * as a program sees it: its class, `name`, `code`, `message`, `toString()` and the first line of its
 * stack.
 *
 * Never give `node:net` a value that fails one of its native CHECKs: that aborts the whole test
 * process. On Node 20: a numeric-string port, a port or flow label of -0; on Node 20-24: an IPv6 flow
 * label above 1048575; on Node 24: a flow label of 2^31 or more, whatever the family.
 */
import { assert } from "@effect/vitest"
import * as compat from "@netfx/compat"
import * as net from "node:net"
import { inspect } from "node:util"

/** The part of `node:net` both implementations have on Node 20, with `@types/node`'s types. */
export type Net = Pick<typeof net, "BlockList" | "SocketAddress" | "isIP" | "isIPv4" | "isIPv6">

/** Whether this runtime's `blockList.rules` lists every rule, newest first (Node 20). */
export const nodeListsEveryRule = process.versions.node.startsWith("20.")

const ruleLine = /^(Address|Range|Subnet): IPv[46] /

/**
 * On Node 22+ the listing of rules is not compared: those versions group rules by kind and drop one
 * that blocks the same hosts as an earlier one, where Node 20 (and netfx) list every rule, newest
 * first. What the rules block still is compared, by every check. Tests that pin the listing itself
 * compare netfx's result with literal Node 20 output, which holds on every version.
 */
const comparable = (value: unknown): unknown => {
  if (nodeListsEveryRule) return value
  if (typeof value === "string") return value.startsWith("BlockList {") ? "BlockList { (rules) }" : value
  if (Array.isArray(value)) {
    return value.length > 0 && value.every((v) => typeof v === "string" && ruleLine.test(v))
      ? "(rules)"
      : value.map(comparable)
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, comparable(v)]))
  }
  return value
}

/** `node:net` itself. */
export const node: Net = net

/** `@netfx/compat`, typed as `node:net`: this line fails to compile if its types stop matching Node's. */
export const netfx: Net = compat

/** What a program sees of a thrown error. */
export interface ThrownError {
  readonly constructor: string
  readonly name: string
  readonly code: unknown
  readonly message: string
  readonly string: string
  readonly stackHeader: string
}

/** What a program sees of one run: a returned value (normalised) or a thrown error. */
export type Observation =
  | { readonly _tag: "Returned"; readonly value: unknown }
  | { readonly _tag: "Threw"; readonly error: ThrownError }

const isSocketAddress = (value: unknown): value is net.SocketAddress =>
  value instanceof net.SocketAddress || value instanceof compat.SocketAddress

const isBlockList = (value: unknown): value is net.BlockList =>
  value instanceof net.BlockList || value instanceof compat.BlockList

/** Turns a value into plain data that compares equal across the two implementations. */
export const normalise = (value: unknown): unknown => {
  if (isSocketAddress(value)) {
    return {
      SocketAddress: { address: value.address, port: value.port, family: value.family, flowlabel: value.flowlabel },
      json: JSON.stringify(value),
      inspect: inspect(value)
    }
  }
  if (isBlockList(value)) return { BlockList: [...value.rules], inspect: inspect(value) }
  if (Array.isArray(value)) return value.map(normalise)
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, normalise(v)]))
  }
  return value
}

const describeError = (error: unknown): ThrownError => {
  if (!(error instanceof Error)) {
    return { constructor: typeof error, name: "", code: undefined, message: String(error), string: "", stackHeader: "" }
  }
  return {
    constructor: error.constructor.name,
    name: error.name,
    code: (error as { readonly code?: unknown }).code,
    message: error.message,
    string: String(error),
    stackHeader: (error.stack ?? "").split("\n")[0]!
  }
}

/** Runs `f` and records what it returned or threw. */
export const attempt = (f: () => unknown): Observation => {
  try {
    return { _tag: "Returned", value: normalise(f()) }
  } catch (error) {
    return { _tag: "Threw", error: describeError(error) }
  }
}

/** Runs `program` with `api` and records what it returned or threw. */
export const observe = (api: Net, program: (api: Net) => unknown): Observation => attempt(() => program(api))

/**
 * Runs `program` with `node:net` and with `@netfx/compat`, asserts that both observations are equal
 * and returns the observation.
 */
export const assertSameAsNode = (program: (api: Net) => unknown): Observation => {
  const expected = observe(node, program)
  const actual = observe(netfx, program)
  assert.deepStrictEqual(comparable(actual), comparable(expected))
  return actual
}

/**
 * The observation of an error with Node's shape, for expectations written by hand. Errors raised by
 * Node's JavaScript show their code in `toString()`, and in the stack when Node's own
 * `Error.prepareStackTrace` formats it (not under a source-map hook such as the test runner's); the
 * ones raised by its C++ (ERR_INVALID_ADDRESS) show it in neither.
 */
export const nodeError = (
  base: "Error" | "TypeError" | "RangeError",
  code: string,
  message: string
): Observation => {
  const plain = `${base}: ${message}`
  const string = code === "ERR_INVALID_ADDRESS" ? plain : `${base} [${code}]: ${message}`
  const stackHeader = Error.prepareStackTrace?.name === "ErrorPrepareStackTrace" ? string : plain
  return { _tag: "Threw", error: { constructor: base, name: base, code, message, string, stackHeader } }
}

/**
 * Whether libuv, which parses `node:net`'s socket addresses, reads this IPv6 text differently from
 * its meaning. With a zone id, `uv_ip6_addr` drops whatever follows '%' (junk included, where
 * `isIPv6` refuses it), and copies the part before '%' into a 40-byte buffer, so that a longer part
 * is cut to 39 characters: 'ffff:ffff:ffff:ffff:ffff:ffff:1.1.10.100%eth0' becomes
 * ffff:ffff:ffff:ffff:ffff:ffff:101:a0a. netfx refuses the first kind and keeps the second whole.
 */
export const libuvZoneQuirk = (text: string): boolean => {
  const zone = text.indexOf("%")
  return zone !== -1 && (!net.isIPv6(text) || zone > 39)
}

/** The observation of a returned value. */
export const returned = (value: unknown): Observation => ({ _tag: "Returned", value: normalise(value) })

/** A property runs thousands of cases: more than vitest's 5 s default on a slow or busy machine. */
export const propertyTimeout = 60_000
