/**
 * What went wrong, as a one-line message and an exit code. Every failure of a command becomes a
 * `CliError` before it reaches the top: the top prints `netfx: <message>` on stderr and exits with
 * the code, never a stack trace.
 *
 * @internal
 */
import type { Connection, NetError, Server } from "@netfx/core"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Data from "effect/Data"

/** The exit codes of `netfx`, documented in `--help` and the README. */
export const ExitCode = {
  /** Success; also `serve` stopped by Ctrl-C or SIGTERM after its graceful shutdown. */
  Ok: 0,
  /** Usage: a bad or missing argument, an unknown option. */
  Usage: 1,
  /** The host name could not be resolved. */
  Resolve: 2,
  /** The connection was refused, every address failed, or every address was blocked. */
  Refused: 3,
  /** No connection within `--timeout`, or the connection idle for `--idle-timeout`. */
  Timeout: 4,
  /** The connection failed after it was made (reset by the peer, broken pipe). */
  Connection: 5,
  /** The server could not listen (address in use, permission denied). */
  Listen: 6,
  /** The demo or the benchmark suite failed. */
  Failed: 7,
  /** The TLS handshake failed: the certificate was refused, or nothing in common with the peer. */
  Tls: 8,
  /** A bug: an unexpected failure (please report it). */
  Internal: 70,
  /** Interrupted by Ctrl-C or SIGTERM (except `serve`, which shuts down and exits 0). */
  Interrupted: 130
} as const

/** One exit code and what it means, in the order the help lists them. */
export const exitCodeTable: NonEmptyReadonlyArray<readonly [code: number, meaning: string]> = [
  [ExitCode.Ok, "success (serve: stopped by Ctrl-C or SIGTERM after draining its connections)"],
  [ExitCode.Usage, "usage: bad or missing argument, unknown option"],
  [ExitCode.Resolve, "the host name could not be resolved"],
  [ExitCode.Refused, "connection refused, every address failed, or every address blocked"],
  [ExitCode.Timeout, "timed out: no connection within --timeout, or idle for --idle-timeout"],
  [ExitCode.Connection, "the connection failed after it was made (reset, broken pipe)"],
  [ExitCode.Listen, "the server could not listen (address in use, permission denied)"],
  [ExitCode.Failed, "the demo or the benchmark suite failed"],
  [ExitCode.Tls, "the TLS handshake failed (certificate refused, no protocol in common)"],
  [ExitCode.Internal, "internal error (a bug; please report it)"],
  [ExitCode.Interrupted, "interrupted by Ctrl-C or SIGTERM"]
]

/** A failure of a command: what to print (without the `netfx: ` prefix) and the exit code. */
export class CliError extends Data.TaggedError("CliError")<{
  readonly message: string
  readonly exitCode: number
}> {}

/** A usage error: a bad or missing argument. */
export const usage = (message: string): CliError => new CliError({ message, exitCode: ExitCode.Usage })

/** What can fail while connecting, or on an open connection. */
export type ConnectionFailure = Connection.ConnectFailure | NetError.ConnectionError | NetError.TlsError

/** Maps what `Connection.connect` and an open connection fail with to a message and an exit code. */
export const fromConnectionFailure = (error: ConnectionFailure): CliError => {
  switch (error._tag) {
    case "InvalidArgument":
      return new CliError({ message: error.message, exitCode: ExitCode.Usage })
    case "ConnectError":
      switch (error.reason) {
        case "Lookup":
          return new CliError({ message: error.message, exitCode: ExitCode.Resolve })
        case "Timeout":
          return new CliError({ message: error.message, exitCode: ExitCode.Timeout })
        case "Blocked":
          return new CliError({ message: error.message, exitCode: ExitCode.Refused })
        case "Attempts":
          // Attempts the system timed out, every one of them, are a timeout.
          return new CliError({
            message: error.message,
            exitCode: error.attempts.every((a) => a.code === "ETIMEDOUT") ? ExitCode.Timeout : ExitCode.Refused
          })
      }
      break
    case "IdleTimeout":
      return new CliError({ message: error.message, exitCode: ExitCode.Timeout })
    case "TlsError":
      return new CliError({
        message: `TLS: ${error.message} [${error.code}]`,
        exitCode: error.reason === "Timeout" ? ExitCode.Timeout : ExitCode.Tls
      })
    case "SocketError":
    case "SocketClosed":
      return new CliError({ message: error.message, exitCode: ExitCode.Connection })
  }
  return new CliError({ message: (error as { readonly message: string }).message, exitCode: ExitCode.Internal })
}

/** Maps what `Server.listen` and `Server.serve` fail with to a message and an exit code. */
export const fromListenFailure = (error: Server.ListenFailure): CliError => {
  // A host name that does not resolve is the same failure as `connect`'s, with its code (2) and
  // its message: `getaddrinfo ENOTFOUND <host>`.
  if (error._tag === "ListenError" && error.syscall === "getaddrinfo") {
    return new CliError({
      message: `getaddrinfo ${error.code} ${error.address ?? ""}`.trim(),
      exitCode: ExitCode.Resolve
    })
  }
  return new CliError({
    message: error.message,
    exitCode: error._tag === "InvalidArgument" ? ExitCode.Usage : ExitCode.Listen
  })
}
