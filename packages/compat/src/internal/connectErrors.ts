/**
 * How a failed connect reads in Node: the core's failures (`Connection.ConnectFailure`) as the
 * errors lib/net.js would have raised, in one function, beside `systemErrors.ts`.
 */
import { Connection, type NetError } from "@netfx/core"
import { isIP } from "../IP.js"
import { ERR_INVALID_IP_ADDRESS, ERR_IP_BLOCKED } from "./errors.js"
import { exceptionWithHostPort, fromSocketError } from "./systemErrors.js"

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

/** One connection attempt and its error, as the core reports it (a `ConnectAttempt`, or an event). */
export interface AttemptFailure {
  readonly address: string
  readonly port?: number | undefined
  readonly error: NetError.SocketError
}

/**
 * One failed attempt: `connect ECONNREFUSED 127.0.0.1:PORT`, and, when the socket was bound to
 * both a local address and port, ` - Local (ADDRESS:PORT)` with `localAddress` and `localPort`
 * (lib/net.js `afterConnect`).
 */
export const fromAttemptError = (attempt: AttemptFailure, local?: LocalBinding) => {
  const { address, error, port } = attempt
  if (local === undefined || !local.localPort) {
    return exceptionWithHostPort(error.code, error.errno, error.syscall, address, port)
  }
  // Node binds the unspecified address of the attempt's family when only a port is given.
  const localAddress = local.localAddress ?? (isIP(address) === 6 ? "::" : "0.0.0.0")
  const details = `${localAddress}:${local.localPort}`
  const failure = exceptionWithHostPort(error.code, error.errno, error.syscall, address, port, details) as
    & Error
    & Record<string, unknown>
  failure.localAddress = localAddress
  failure.localPort = local.localPort
  return failure
}

/** The order in which a race tries its addresses: the core's (RFC 8305 §4, as lib/net.js). */
export const raceOrder = (addresses: ReadonlyArray<string>): Array<string> =>
  Connection.raceOrder(addresses.map((address) => ({ address, family: isIP(address) as 4 | 6 }))).map((a) => a.address)

/** How a socket's connection failed, as Node reports it (every kind of core failure, one place). */
export const fromConnectFailure = (failure: Connection.ConnectFailure, local?: LocalBinding): Error => {
  switch (failure._tag) {
    case "ConnectError":
      switch (failure.reason) {
        case "Attempts":
        case "Timeout": {
          // A lone address's failure as it is; a race's as an AggregateError of each attempt's.
          const errors = failure.attempts.map((attempt) => fromAttemptError(attempt, local))
          if (errors.length === 1) return errors[0]!
          if (errors.length > 1) return aggregate(errors)
          return exceptionWithHostPort("ETIMEDOUT", undefined, "connect", failure.host, failure.port)
        }
        case "Blocked": {
          const addresses = [...new Set(failure.blocked ?? [])]
          if (addresses.length > 1) return aggregate(raceOrder(addresses).map((address) => new ERR_IP_BLOCKED(address)))
          return new ERR_IP_BLOCKED(addresses[0] ?? failure.host)
        }
        case "Lookup": {
          const lookup = failure.cause as NetError.ResolveError
          if (lookup.cause instanceof Error) return lookup.cause
          if (lookup.code === "ERR_INVALID_IP_ADDRESS") return new ERR_INVALID_IP_ADDRESS(String(lookup.address))
          return exceptionWithHostPort(lookup.code, lookup.errno, lookup.syscall ?? "getaddrinfo", lookup.hostname, 0)
        }
      }
      break
    case "SocketError":
      return fromSocketError(failure)
  }
  return Object.assign(new Error(failure.message), { code: (failure as { code?: unknown }).code })
}
