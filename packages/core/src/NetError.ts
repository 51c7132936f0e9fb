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

const hostPort = (address: string | undefined, port: number | undefined): string =>
  address === undefined ? "" : port === undefined ? ` ${address}` : ` ${address}:${port}`

/**
 * One connection attempt that did not give the connection: the address tried, why it failed, and
 * when (milliseconds since the connect began, and how long the attempt ran).
 *
 * `error` is the system's (`ECONNREFUSED`, `ENETUNREACH`, `ENOENT` for a missing Unix socket, ...), or
 * `ETIMEDOUT` for an attempt that the sequential race's attempt timeout or the connect timeout cut
 * short. `message` is Node's for the same failure: `connect ECONNREFUSED 127.0.0.1:8080`, with
 * ` - Local (127.0.0.1:5000)` when the attempt was bound to a local address and port.
 *
 * @since 0.1.0
 * @category models
 */
export class ConnectAttempt extends Schema.Class<ConnectAttempt>("@netfx/core/ConnectAttempt")({
  /** The IP address tried, or the path of a Unix socket. */
  address: Schema.String,
  port: Schema.optional(Schema.Number),
  family: Schema.optional(Schema.Literal(4, 6)),
  localAddress: Schema.optional(Schema.String),
  localPort: Schema.optional(Schema.Number),
  error: Schema.suspend((): Schema.Schema<SocketError> => Schema.instanceOf(SocketError)),
  /** When the attempt started, in milliseconds since the connect began. */
  startedAt: Schema.Number,
  /** How long the attempt ran, in milliseconds. */
  duration: Schema.Number
}) {
  /** The system's code of the attempt's failure. */
  get code(): string {
    return this.error.code
  }
  /** Node's message for the failure: `connect ECONNREFUSED 127.0.0.1:8080`. */
  get message(): string {
    const local = this.localAddress === undefined
      ? ""
      : ` - Local (${this.localAddress}${this.localPort === undefined ? "" : `:${this.localPort}`})`
    return `${this.error.syscall} ${this.error.code}${hostPort(this.address, this.port)}${local}`
  }
}

/**
 * Why a connect failed, in `ConnectError.reason`:
 *
 * - `"Lookup"`: the host name could not be resolved (`cause` is the `ResolveError`: `ENOTFOUND`, ...).
 * - `"Blocked"`: every address of the destination is blocked by the outbound `blockList`; nothing
 *   was dialled (`blocked` lists them).
 * - `"Attempts"`: every address was tried and none could be connected (`attempts` lists each).
 * - `"Timeout"`: the connect timeout passed first (`attempts` lists what was tried meanwhile).
 *
 * @since 0.1.0
 * @category models
 */
export const ConnectErrorReason = Schema.Literal("Lookup", "Blocked", "Attempts", "Timeout")

/**
 * @since 0.1.0
 * @category models
 */
export type ConnectErrorReason = typeof ConnectErrorReason.Type

/**
 * Could not connect: the one error for every way a connect can fail to reach its peer, whatever DNS
 * answered (one address or several), so that one `Effect.catchTag("ConnectError", ...)` handles them
 * all. `reason` says which way (see `ConnectErrorReason`); `attempts` lists every address tried, in
 * the order the attempts started, with its error and timing.
 *
 * `code` is Node's code for the same failure: the first attempt's (`ECONNREFUSED`, as Node's
 * `AggregateError` has it), `ETIMEDOUT` for the connect timeout, `ERR_IP_BLOCKED`, or the lookup's
 * (`ENOTFOUND`). The message of a single attempt is Node's: `connect ECONNREFUSED 127.0.0.1:8080`.
 *
 * @example
 * import { Connection, NodeTransport } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Connection.connect({ host: "127.0.0.1", port: 1, timeout: "2 seconds" }).pipe(
 *   Effect.as("connected"),
 *   Effect.catchTag("ConnectError", (error) =>
 *     Effect.succeed(`${error.reason}: ${error.message} (${error.attempts.length} attempt(s))`)),
 *   Effect.scoped,
 *   Effect.provide(NodeTransport.layer)
 * )
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectError extends Schema.TaggedError<ConnectError>("@netfx/core/ConnectError")("ConnectError", {
  reason: ConnectErrorReason,
  /** The host asked for (a name or an IP address), or the path of a Unix socket. */
  host: Schema.String,
  port: Schema.optional(Schema.Number),
  /** Every attempt made, in the order they started (none when nothing was dialled). */
  attempts: Schema.Array(ConnectAttempt),
  /** `"Blocked"`: the addresses the block list refused. */
  blocked: Schema.optional(Schema.Array(Schema.String)),
  /** `"Timeout"`: the connect timeout, in milliseconds. */
  timeout: Schema.optional(Schema.Number),
  /** `"Lookup"`: the resolver's `ResolveError`. */
  cause: Schema.optional(Schema.Defect)
}) {
  /** Node's code for the failure. */
  get code(): string {
    switch (this.reason) {
      case "Lookup":
        return (this.cause as { readonly code?: string } | undefined)?.code ?? "ENOTFOUND"
      case "Blocked":
        return "ERR_IP_BLOCKED"
      case "Timeout":
        return "ETIMEDOUT"
      case "Attempts":
        return this.attempts[0]?.code ?? "ECONNREFUSED"
    }
  }
  override get message(): string {
    switch (this.reason) {
      case "Lookup":
        // One line, as Node says it, also when both families failed (their errors are the cause's).
        return this.cause instanceof Error && !(this.cause instanceof AggregateError)
          ? this.cause.message
          : `getaddrinfo ${this.code} ${this.host}`
      case "Blocked":
        return `IP(${(this.blocked ?? []).join(", ")}) is blocked by net.BlockList`
      case "Timeout":
        return `connect ETIMEDOUT${hostPort(this.host, this.port)} (no connection after ${this.timeout} ms)`
      case "Attempts": {
        if (this.attempts.length === 1) return this.attempts[0]!.message
        const list = this.attempts.map((a) => a.message).join(", ")
        const where = this.port === undefined ? this.host : `${this.host}:${this.port}`
        return `connect to ${where} failed after ${this.attempts.length} attempts: ${list}`
      }
    }
  }
}

/**
 * An open connection failed: reset by the peer (`ECONNRESET`), written after the peer closed
 * (`EPIPE`), or another system error on `read` or `write`. The message is Node's: `read ECONNRESET`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SocketError extends Schema.TaggedError<SocketError>("@netfx/core/SocketError")("SocketError", {
  code: Schema.String,
  errno: Schema.optional(Schema.Number),
  syscall: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return `${this.syscall} ${this.code}`
  }
}

/**
 * Nothing was read or written for the connection's idle timeout, and the connection was asked to
 * fail on that (`idleTimeout` with `failOnIdle`).
 *
 * @since 0.1.0
 * @category errors
 */
export class IdleTimeout extends Schema.TaggedError<IdleTimeout>("@netfx/core/IdleTimeout")("IdleTimeout", {
  /** The idle timeout that passed, in milliseconds. */
  timeout: Schema.Number
}) {
  /** Always `ETIMEDOUT`. */
  get code(): "ETIMEDOUT" {
    return "ETIMEDOUT"
  }
  override get message(): string {
    return `the connection was idle for ${this.timeout} ms`
  }
}

/**
 * The connection is closed: it was ended, closed or aborted on this side before the operation.
 * `code` is Node's `ERR_SOCKET_CLOSED`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SocketClosed extends Schema.TaggedError<SocketClosed>("@netfx/core/SocketClosed")("SocketClosed", {
  operation: Schema.String
}) {
  /** Always `ERR_SOCKET_CLOSED`. */
  get code(): "ERR_SOCKET_CLOSED" {
    return "ERR_SOCKET_CLOSED"
  }
  override get message(): string {
    return `Socket is closed (${this.operation})`
  }
}

/**
 * What can go wrong on an open connection.
 *
 * @since 0.1.0
 * @category errors
 */
export type ConnectionError = SocketError | IdleTimeout | SocketClosed

/**
 * A host name could not be resolved to an address.
 *
 * `code` is Node's: `ENOTFOUND` (no such name, or no address of the family asked for), `EAI_AGAIN`
 * (the name servers did not answer in time), another getaddrinfo code, or, when a lookup function
 * answered something that is not an address, `ERR_INVALID_IP_ADDRESS` or `ERR_INVALID_ADDRESS_FAMILY`
 * (with the offending `address` and `family` as text). `syscall` is `getaddrinfo` and `errno` the
 * system's number for the system's errors; `cause` is the original error. The message is Node's:
 * `getaddrinfo ENOTFOUND nosuch.invalid`, `Invalid IP address: nonsense`, `Invalid address family: 5
 * example.com` (Node adds `:port` there, which a resolver does not know).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Resolver.node.lookup("nosuch.invalid").pipe(
 *   Effect.catchTag("ResolveError", (error) => Effect.succeed(error.code)) // "ENOTFOUND"
 * )
 *
 * @since 0.1.0
 * @category errors
 */
export class ResolveError extends Schema.TaggedError<ResolveError>("@netfx/core/ResolveError")("ResolveError", {
  code: Schema.String,
  errno: Schema.optional(Schema.Number),
  syscall: Schema.optional(Schema.String),
  hostname: Schema.String,
  /** For `ERR_INVALID_IP_ADDRESS` and `ERR_INVALID_ADDRESS_FAMILY`: the address the lookup gave. */
  address: Schema.optional(Schema.String),
  /** For `ERR_INVALID_ADDRESS_FAMILY`: the family the lookup gave, as text. */
  family: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    if (this.code === "ERR_INVALID_IP_ADDRESS" && this.address !== undefined) {
      return `Invalid IP address: ${this.address}`
    }
    if (this.code === "ERR_INVALID_ADDRESS_FAMILY" && this.family !== undefined) {
      return `Invalid address family: ${this.family} ${this.hostname}`
    }
    if (this.syscall !== undefined) return `${this.syscall} ${this.code} ${this.hostname}`
    const reason = this.cause instanceof Error && this.cause.message !== "" ? `: ${this.cause.message}` : ""
    return `lookup ${this.code} ${this.hostname}${reason}`
  }
}

/**
 * Binding or listening failed: the address is in use (`EADDRINUSE`), not allowed (`EACCES`), not
 * on this machine (`EADDRNOTAVAIL`), or the runtime lacks a feature the options ask for
 * (`ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`, for `reusePort` before Node 22.12). The message is Node's:
 * `listen EADDRINUSE: address already in use 127.0.0.1:8080`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ListenError extends Schema.TaggedError<ListenError>("@netfx/core/ListenError")("ListenError", {
  code: Schema.String,
  errno: Schema.optional(Schema.Number),
  syscall: Schema.String,
  description: Schema.optional(Schema.String),
  address: Schema.optional(Schema.String),
  port: Schema.optional(Schema.Number),
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    const description = this.description === undefined ? "" : `: ${this.description}`
    return `${this.syscall} ${this.code}${description}${hostPort(this.address, this.port)}`
  }
}

/**
 * The server is closed: it no longer accepts connections.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerClosed extends Schema.TaggedError<ServerClosed>("@netfx/core/ServerClosed")("ServerClosed", {}) {
  /** Always `ERR_SERVER_NOT_RUNNING`, Node's code for an operation on a server that is not listening. */
  get code(): "ERR_SERVER_NOT_RUNNING" {
    return "ERR_SERVER_NOT_RUNNING"
  }
  override get message(): string {
    return "Server is not running."
  }
}

/**
 * Why a TLS handshake failed, in `TlsError.reason`:
 *
 * - `"Certificate"`: the peer's certificate was refused: not trusted (`DEPTH_ZERO_SELF_SIGNED_CERT`,
 *   `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `SELF_SIGNED_CERT_IN_CHAIN`), out of its validity
 *   (`CERT_HAS_EXPIRED`, `CERT_NOT_YET_VALID`), or not for this host (`ERR_TLS_CERT_ALTNAME_INVALID`,
 *   or the error of your own `checkServerIdentity`).
 * - `"Handshake"`: the handshake itself failed: an alert from the peer
 *   (`ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION`, `ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE`,
 *   `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`, ...), no common protocol, or the peer closed the
 *   connection before it was secure (`ECONNRESET`).
 * - `"Timeout"`: the handshake did not finish in time (`ERR_TLS_HANDSHAKE_TIMEOUT`): the connect
 *   timeout, which counts the handshake, or the handshake timeout.
 *
 * @since 0.1.0
 * @category models
 */
export const TlsErrorReason = Schema.Literal("Certificate", "Handshake", "Timeout")

/**
 * @since 0.1.0
 * @category models
 */
export type TlsErrorReason = typeof TlsErrorReason.Type

/**
 * The certificate verification codes of OpenSSL, as Node.js reports them in `error.code`.
 *
 * @since 0.1.0
 * @category models
 */
export const certificateCodes: ReadonlySet<string> = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/**
 * A TLS handshake failed: the one error to catch for "TLS failed", on a connect with `tls`, a
 * STARTTLS upgrade, or (as a server event) a TLS server's handshake with a client. `reason` says
 * how (see `TlsErrorReason`); `code` is Node's (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`,
 * `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`, `ERR_TLS_HANDSHAKE_TIMEOUT`, ...), and `message` Node's message
 * for it (`certificate has expired`), with the peer's address.
 *
 * @example
 * import { Connection, NodeTransport } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Connection.connect({ host: "localhost", port: 8443, tls: {} }).pipe(
 *   Effect.as("secure"),
 *   Effect.catchTag("TlsError", (error) => Effect.succeed(`${error.reason}: ${error.code}`)),
 *   Effect.catchTag("ConnectError", (error) => Effect.succeed(`not connected: ${error.code}`)),
 *   Effect.scoped,
 *   Effect.provide(NodeTransport.layer)
 * )
 *
 * @since 0.1.0
 * @category errors
 */
export class TlsError extends Schema.TaggedError<TlsError>("@netfx/core/TlsError")("TlsError", {
  reason: TlsErrorReason,
  /** Node's code for the failure. */
  code: Schema.String,
  /** What Node says about it (`certificate has expired`), without the address. */
  description: Schema.String,
  /** The host name the certificate was checked against (the server name), if any. */
  host: Schema.optional(Schema.String),
  /** The peer's address (or the path of a Unix socket). */
  address: Schema.optional(Schema.String),
  port: Schema.optional(Schema.Number),
  /** `"Timeout"`: the time the handshake had, in milliseconds. */
  timeout: Schema.optional(Schema.Number),
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    const where = this.address === undefined
      ? ""
      : ` (${this.host !== undefined && this.host !== this.address ? `${this.host} at ` : ""}${
        hostPort(this.address, this.port).trim()
      })`
    return `${this.description}${where}`
  }
}

/**
 * The reason of a TLS failure with Node's `code`: a certificate verification code is
 * `"Certificate"`, `ERR_TLS_HANDSHAKE_TIMEOUT` is `"Timeout"`, anything else `"Handshake"`.
 *
 * @since 0.1.0
 * @category errors
 */
export const tlsReasonOf = (code: string): TlsErrorReason =>
  certificateCodes.has(code) ? "Certificate" : code === "ERR_TLS_HANDSHAKE_TIMEOUT" ? "Timeout" : "Handshake"
