/**
 * The arguments of `connect()` (and `listen()`) as lib/net.js reads them: `normalizeArgs` for the
 * call forms, then the checks of `lookupAndConnect`, in Node's order, giving what the dial needs.
 */
import { isIP } from "../IP.js"
import * as autoSelect from "./autoSelect.js"
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_INVALID_IP_ADDRESS } from "./errors.js"
import { validateBoolean, validateInt32, validateNumber, validatePort } from "./validators.js"

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event listeners take any arguments, as in Node
export type Listener = (...args: Array<any>) => void

/** `sizeof(sockaddr_un.sun_path)` less its NUL: 107 bytes on Linux, 103 on macOS and the BSDs. */
const MAX_PATH_BYTES = process.platform === "linux" ? 107 : 103

/** Whether `path` is longer than a Unix socket address holds (which the core refuses before any system call). */
export const pathTooLong = (path: unknown): path is string =>
  typeof path === "string" && Buffer.byteLength(path) > MAX_PATH_BYTES

/** Marks an argument list that `normalizeArgs` already normalised (Node's `normalizedArgsSymbol`). */
export const normalizedArgs = Symbol("normalizedArgs")

/** What `connect()` was given, as lib/net.js reads it. */
export interface ConnectOptions {
  readonly [key: string]: unknown
  readonly port?: unknown
  readonly host?: unknown
  readonly path?: unknown
}

export type NormalizedArgs = [ConnectOptions, Listener | null] & { [normalizedArgs]?: true }

/** lib/net.js `toNumber`: a non-negative number, or `false`. */
export const toNumber = (x: unknown): number | false => {
  const n = Number(x)
  return n >= 0 ? n : false
}

/** lib/net.js `isPipeName`: a string that is not a number names a pipe (a Unix socket). */
export const isPipeName = (s: unknown): s is string => typeof s === "string" && toNumber(s) === false

/** lib/net.js `normalizeArgs`: `(options[, cb])`, `(path[, cb])` or `([port][, host][, cb])`. */
export const normalizeArgs = (args: ReadonlyArray<unknown>): NormalizedArgs => {
  let normalized: NormalizedArgs
  if (args.length === 0) {
    normalized = [{}, null]
  } else {
    const arg0 = args[0]
    let options: Record<string, unknown> = {}
    if (typeof arg0 === "object" && arg0 !== null) {
      options = arg0 as Record<string, unknown>
    } else if (isPipeName(arg0)) {
      options.path = arg0
    } else {
      options.port = arg0
      if (args.length > 1 && typeof args[1] === "string") options.host = args[1]
    }
    const cb = args[args.length - 1]
    normalized = [options, typeof cb === "function" ? cb as Listener : null]
  }
  normalized[normalizedArgs] = true
  return normalized
}

/** `connect(...args)`'s arguments, normalised unless `net.connect` already did. */
export const connectArgs = (args: ReadonlyArray<unknown>): NormalizedArgs =>
  Array.isArray(args[0]) && (args[0] as NormalizedArgs)[normalizedArgs]
    ? args[0] as NormalizedArgs
    : normalizeArgs(args)

/** The major version of the running Node (Deno and Bun report the Node version they follow). */
export const nodeMajor = Number(process.versions.node.split(".")[0])

/** A TCP connect, checked: where to, from where, and how to race. */
export interface TcpRequest {
  readonly host: string
  readonly port: number
  readonly localAddress: string | undefined
  readonly localPort: number | undefined
  /** `localPort` as given: Node names it so in a failed connect's error. */
  readonly givenLocalPort: number | undefined
  readonly autoSelectFamily: boolean
  readonly attemptTimeout: number
  readonly policy: autoSelect.AutoSelectFamilyPolicy
}

/**
 * lib/net.js `lookupAndConnect`'s checks, in its order (Node 22+ checks the host first), and the
 * defaults it applies. Throws Node's error for the first bad option.
 */
export const tcpRequest = (options: ConnectOptions): TcpRequest => {
  const host = (options.host as string | undefined) || "localhost"
  // Node 22+ checks the option itself, first; Node 20 leaves it to dns.lookup's own check (see lookup.ts).
  if (nodeMajor >= 22) {
    if (typeof host !== "string") throw new ERR_INVALID_ARG_TYPE("options.host", "string", host)
    if (host.includes("\0")) {
      throw new ERR_INVALID_ARG_VALUE("options.host", host, "must be a string without null bytes")
    }
  }
  const localAddress = options.localAddress as string | undefined
  const localPort = options.localPort as number | undefined
  let port = options.port
  if (localAddress && !isIP(localAddress)) throw new ERR_INVALID_IP_ADDRESS(localAddress)
  if (localPort) validateNumber(localPort, "options.localPort")
  if (port !== undefined) {
    if (typeof port !== "number" && typeof port !== "string") {
      throw new ERR_INVALID_ARG_TYPE("options.port", ["number", "string"], port)
    }
    validatePort(port)
  }
  port = (port as number) | 0
  let autoSelectFamily = options.autoSelectFamily
  if (autoSelectFamily != null) validateBoolean(autoSelectFamily, "options.autoSelectFamily")
  else autoSelectFamily = autoSelect.getFamily()
  let attemptTimeout = options.autoSelectFamilyAttemptTimeout
  if (attemptTimeout != null) {
    validateInt32(attemptTimeout, "options.autoSelectFamilyAttemptTimeout", 1)
    if (attemptTimeout < 10) attemptTimeout = 10
  } else {
    attemptTimeout = autoSelect.getAttemptTimeout()
  }
  const policy = options.autoSelectFamilyPolicy === undefined
    ? autoSelect.getPolicy()
    : autoSelect.validatePolicy(options.autoSelectFamilyPolicy, "options.autoSelectFamilyPolicy")
  return {
    host,
    port: port as number,
    localAddress: localAddress || undefined,
    // Node binds the handle to `localPort` as libuv takes it: a C int made a 16-bit port (-1 binds
    // port 65535, 1.5 port 1); 0 or none lets the system choose.
    localPort: localPort ? (localPort | 0) & 0xffff || undefined : undefined,
    givenLocalPort: localPort || undefined,
    autoSelectFamily: autoSelectFamily as boolean,
    attemptTimeout: attemptTimeout as number,
    policy
  }
}
