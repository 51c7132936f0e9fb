/**
 * Node's system errors (`ErrnoException`, `ExceptionWithHostPort` of lib/internal/errors.js), built
 * from the core's typed errors: the same message (`connect ECONNREFUSED 127.0.0.1:1`) and the same
 * own properties in the same order (`errno`, `code`, `syscall`, `address`, `port`).
 */
import type { NetError } from "@netfx/core"
import { constants } from "node:os"

const errnoOf = (code: string, errno: number | undefined): number | undefined =>
  errno ?? ((constants.errno as Record<string, number>)[code] === undefined
    ? undefined
    : -(constants.errno as Record<string, number>)[code]!)

/** A system error of an operation on an address: `connect ECONNREFUSED 127.0.0.1:1`. */
export const exceptionWithHostPort = (
  code: string,
  errno: number | undefined,
  syscall: string,
  address: string | undefined,
  port: number | undefined,
  additional?: string
): Error => {
  let details = ""
  if (port !== undefined && port > 0) details = ` ${address}:${port}`
  else if (address) details = ` ${address}`
  if (additional) details += ` - Local (${additional})`
  const error = new Error(`${syscall} ${code}${details}`) as Error & Record<string, unknown>
  error.errno = errnoOf(code, errno)
  error.code = code
  error.syscall = syscall
  error.address = address
  if (port) error.port = port
  return error
}

/** A system error of an operation: `read ECONNRESET`. */
export const errnoException = (code: string, errno: number | undefined, syscall: string): Error => {
  const error = new Error(`${syscall} ${code}`) as Error & Record<string, unknown>
  error.errno = errnoOf(code, errno)
  error.code = code
  error.syscall = syscall
  return error
}

/** The core's error on an open socket as Node reports it (`read ECONNRESET`, `write EPIPE`). */
export const fromSocketError = (error: NetError.SocketError): Error =>
  error.code.startsWith("ERR_") && error.cause instanceof Error
    ? error.cause
    : errnoException(error.code, error.errno, error.syscall)

/** A failed connection attempt as Node reports it: `connect ECONNREFUSED 127.0.0.1:1`. */
export const fromConnectAttempt = (attempt: {
  readonly address: string
  readonly port?: number | undefined
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  readonly error: NetError.SocketError
}): Error =>
  exceptionWithHostPort(
    attempt.error.code,
    attempt.error.errno,
    attempt.error.syscall,
    attempt.address,
    attempt.port,
    attempt.localAddress === undefined
      ? undefined
      : attempt.localPort === undefined
      ? attempt.localAddress
      : `${attempt.localAddress}:${attempt.localPort}`
  )
