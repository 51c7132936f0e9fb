/**
 * How a failed connect reads in Node: the core's failures (`Connection.ConnectFailure`) as the
 * errors lib/net.js would have raised, in one function, beside `systemErrors.ts`.
 */
import type { Connection } from "@netfx/core"
import { isIP } from "../IP.js"
import { ERR_INVALID_IP_ADDRESS, ERR_IP_BLOCKED } from "./errors.js"
import { exceptionWithHostPort, fromConnectError, fromSocketError } from "./systemErrors.js"

/** Where a connect was bound (`localAddress`, `localPort` as given), which Node names in its errors. */
export interface LocalBinding {
  readonly localAddress: string | undefined
  readonly localPort: number | undefined
}

/** An AggregateError of a race's errors, with the first one's code, as lib/net.js builds it. */
export const aggregate = (errors: ReadonlyArray<Error>): AggregateError => {
  const error = new AggregateError(errors, "") as AggregateError & { code?: unknown }
  error.code = (errors[0] as Error & { code?: unknown }).code
  return error
}

/**
 * One failed attempt: `connect ECONNREFUSED 127.0.0.1:PORT`, and, when the socket was bound to
 * both a local address and port, ` - Local (ADDRESS:PORT)` with `localAddress` and `localPort`
 * (lib/net.js `afterConnect`).
 */
export const fromAttemptError = (error: Connection.ConnectFailure & { _tag: "ConnectError" }, local?: LocalBinding) => {
  if (local === undefined || !local.localPort) return fromConnectError(error)
  // Node binds the unspecified address of the attempt's family when only a port is given.
  const localAddress = local.localAddress ?? (isIP(error.address ?? "") === 6 ? "::" : "0.0.0.0")
  const details = `${localAddress}:${local.localPort}`
  const failure = exceptionWithHostPort(error.code, error.errno, error.syscall, error.address, error.port, details) as
    & Error
    & Record<string, unknown>
  failure.localAddress = localAddress
  failure.localPort = local.localPort
  return failure
}

/**
 * The order in which a race tries its addresses (RFC 8305 / lib/net.js: the families interleaved,
 * starting with the first address's). The core will export its own; this is the one call site.
 */
export const raceOrder = (addresses: ReadonlyArray<string>): Array<string> => {
  const candidates = addresses.map((address) => ({ address, family: isIP(address) }))
  const first = candidates[0]?.family
  const same = candidates.filter((c) => c.family === first)
  const other = candidates.filter((c) => c.family !== first)
  const ordered: Array<string> = []
  while (same.length > 0 || other.length > 0) {
    if (same.length > 0) ordered.push(same.shift()!.address)
    if (other.length > 0) ordered.push(other.shift()!.address)
  }
  return ordered
}

/** How a socket's connection failed, as Node reports it (every kind of core failure, one place). */
export const fromConnectFailure = (failure: Connection.ConnectFailure, local?: LocalBinding): Error => {
  switch (failure._tag) {
    case "ConnectError":
      return fromAttemptError(failure, local)
    case "AllAttemptsFailed":
      return aggregate(failure.attempts.map((attempt) => fromAttemptError(attempt.error, local)))
    case "Blocked": {
      const addresses = [...new Set(failure.addresses)]
      if (addresses.length > 1) return aggregate(raceOrder(addresses).map((address) => new ERR_IP_BLOCKED(address)))
      return new ERR_IP_BLOCKED(addresses[0] ?? failure.host)
    }
    case "ResolveError":
      if (failure.cause instanceof Error) return failure.cause
      if (failure.code === "ERR_INVALID_IP_ADDRESS") return new ERR_INVALID_IP_ADDRESS(String(failure.address))
      return exceptionWithHostPort(failure.code, failure.errno, failure.syscall ?? "getaddrinfo", failure.hostname, 0)
    case "SocketError":
      return fromSocketError(failure)
    default:
      return Object.assign(new Error(failure.message), { code: (failure as { code?: unknown }).code })
  }
}
