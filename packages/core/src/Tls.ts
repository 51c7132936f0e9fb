/**
 * TLS for netfx connections and servers: the options of a TLS client and server, what a handshake
 * negotiated (as data), the session cache of a client, and STARTTLS (`upgradeClient`,
 * `upgradeServer`) for protocols that begin in plaintext.
 *
 * A connect with `tls` races the addresses as any connect does, then runs the handshake on the
 * winner, within the connect `timeout`; a server with `tls` runs the handshake before a connection
 * reaches `serve`'s handler or `listen`'s stream, and reports a failed one as a server event. Every
 * TLS failure is one `TlsError`, with Node's code. The `Transport` runs the handshakes
 * (`NodeTransport`: the runtime's `node:tls`; `TestTransport`: a simulated peer on `TestClock`).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Connection from "./Connection.js"
import * as tls from "./internal/tls.js"
import type { InvalidArgument, SocketClosed } from "./NetError.js"
import { TlsError } from "./NetError.js"
import type { Transport } from "./Transport.js"

export {
  /**
   * A TLS handshake failed (see `NetError.TlsError`).
   *
   * @since 0.1.0
   * @category errors
   */
  TlsError
}

/**
 * Key material in PEM form: text, or its bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Pem = string | Uint8Array

/**
 * A TLS protocol version, with Node's names.
 *
 * @since 0.1.0
 * @category models
 */
export type Version = "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"

/**
 * A certificate, as data: who it names, who issued it, when it is valid, and its DER bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Certificate {
  /** The subject's fields (`CN`, `O`, ...); a field given twice has its values in an array. */
  readonly subject: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The issuer's fields, as `subject`'s: who signed it (its own subject for a self-signed one). */
  readonly issuer: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The subject alternative names, as Node writes them: `DNS:localhost, IP Address:127.0.0.1`. */
  readonly subjectAltName: string | undefined
  /** The start of its validity (`notBefore`). */
  readonly validFrom: Date
  /** The end of its validity (`notAfter`). */
  readonly validTo: Date
  /** Hexadecimal, upper case. */
  readonly serialNumber: string
  /** SHA-256 of the DER bytes, as `AB:CD:...`. */
  readonly fingerprint256: string
  /** The certificate in DER form. */
  readonly raw: Uint8Array
}

/**
 * The cipher suite a handshake chose.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cipher {
  /** OpenSSL's name (`TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`). */
  readonly name: string
  /** The IETF name. */
  readonly standardName: string
  /** The lowest protocol version that has this suite. */
  readonly version: string
}

/**
 * What a TLS handshake negotiated, seen from this side: `conn.tls` of a secure connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /** `TLSv1.3`, `TLSv1.2`, ... */
  readonly protocol: string
  /** The cipher suite chosen. */
  readonly cipher: Cipher
  /** The ALPN protocol both sides chose, if they offered any in common. */
  readonly alpnProtocol: string | undefined
  /** The server name (SNI) the client asked for, if it sent one. */
  readonly servername: string | undefined
  /** The peer's certificate, if it showed one (a client shows one when asked and able). */
  readonly peerCertificate: Certificate | undefined
  /**
   * Whether the peer's certificate was verified against the trusted CAs (and, by a client, the
   * host name). False where `rejectUnauthorized: false` let an unverified peer through.
   */
  readonly authorized: boolean
  /** Why the peer's certificate was not verified (Node's code), when it was not. */
  readonly authorizationError: string | undefined
  /** Whether the handshake resumed an earlier session (a client that gave one). */
  readonly resumed: boolean
}

/**
 * Where a TLS client keeps the session tickets servers give it, to resume a session on the next
 * connection to the same server (a shorter handshake). `connect` reads and fills it when its `tls`
 * options have one; a ticket is kept per host, port, server name and ALPN protocols. Use one cache
 * per set of TLS options. A TLS 1.3 server sends its tickets after the handshake: on Bun (BoringSSL),
 * a connection that ends its side before it has read anything from the server keeps none.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionCache {
  /** The ticket kept for a key, if any: asked before a handshake that has no `session` of its own. */
  readonly get: (key: string) => Uint8Array | undefined
  /** Keeps a ticket for a key, replacing the one before: called for each ticket a server sends. */
  readonly set: (key: string, ticket: Uint8Array) => void
}

/**
 * An in-memory `SessionCache` that keeps the latest `max` tickets (default 100), the least
 * recently used dropped first.
 *
 * @example
 * import { Connection, Tls } from "@netfx/core"
 *
 * const sessions = Tls.makeSessionCache()
 * // Every connect with these options resumes the last session with that server, when it can.
 * const options = { host: "localhost", port: 8443, tls: { sessionCache: sessions } }
 * const connect = Connection.connect(options)
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSessionCache = (options?: { readonly max?: number | undefined }): SessionCache => {
  const max = Math.max(1, options?.max ?? 100)
  const tickets = new Map<string, Uint8Array>()
  return {
    get: (key) => {
      const ticket = tickets.get(key)
      if (ticket !== undefined) {
        tickets.delete(key)
        tickets.set(key, ticket)
      }
      return ticket
    },
    set: (key, ticket) => {
      tickets.delete(key)
      tickets.set(key, ticket)
      if (tickets.size > max) tickets.delete(tickets.keys().next().value!)
    }
  }
}

/**
 * Options of a TLS client: `connect`'s `tls`, and `upgradeClient`'s. Node's names where Node has
 * them (`alpnProtocols` is Node's `ALPNProtocols`); by default the server's certificate must be
 * signed by a CA the runtime trusts and name the host.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientOptions {
  /**
   * The server name sent with SNI, and checked against the certificate. Default: the host
   * connected to, unless it is an IP address (SNI carries names only; an IP address is then
   * checked against the certificate's IP addresses). `false` sends none.
   */
  readonly servername?: string | false | undefined
  /** The CAs to trust instead of the runtime's (Mozilla's) list. */
  readonly ca?: Pem | ReadonlyArray<Pem> | undefined
  /** A client certificate (chain), for a server that asks for one. */
  readonly cert?: Pem | ReadonlyArray<Pem> | undefined
  /** The private key of `cert`. */
  readonly key?: Pem | ReadonlyArray<Pem> | undefined
  /** The passphrase of an encrypted `key`. */
  readonly passphrase?: string | undefined
  /** Refuse a server whose certificate does not verify (default true). */
  readonly rejectUnauthorized?: boolean | undefined
  /**
   * Checks that the certificate is the host's, instead of the runtime's check (which compares the
   * host with the certificate's names). Return an `Error` to refuse it (a `TlsError` with reason
   * `"Certificate"` and the error's `code`, or `ERR_TLS_CERT_ALTNAME_INVALID`).
   */
  readonly checkServerIdentity?: ((host: string, certificate: Certificate) => Error | undefined) | undefined
  /** The ALPN protocols to offer, by preference (`["h2", "http/1.1"]`). */
  readonly alpnProtocols?: ReadonlyArray<string> | undefined
  /** The lowest protocol version to accept (the runtime's default: `TLSv1.2`). */
  readonly minVersion?: Version | undefined
  /** The highest protocol version to offer (the runtime's default: `TLSv1.3`). */
  readonly maxVersion?: Version | undefined
  /** OpenSSL's cipher list, to replace the runtime's default. */
  readonly ciphers?: string | undefined
  /** A session to resume: a ticket a `SessionCache` kept. */
  readonly session?: Uint8Array | undefined
  /** Keeps the tickets servers give and resumes with them (see `SessionCache`). */
  readonly sessionCache?: SessionCache | undefined
  /**
   * How long the handshake may take. A connect's `timeout` counts the handshake too: the
   * handshake gets what is left of it, or this, whichever is shorter. None by default.
   */
  readonly handshakeTimeout?: Duration.DurationInput | undefined
}

/**
 * A certificate and its key, for one server name (`ServerOptions.sni`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Identity {
  /** The certificate (chain) shown to a client that asks for this name. */
  readonly cert: Pem | ReadonlyArray<Pem>
  /** The private key of `cert`. */
  readonly key: Pem | ReadonlyArray<Pem>
  /** The passphrase of an encrypted `key`. */
  readonly passphrase?: string | undefined
}

/**
 * Options of a TLS server: `Server.listen`'s and `Server.serve`'s `tls`, and `upgradeServer`'s.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions {
  /** The certificate (chain) shown to clients that ask for no name `sni` knows. */
  readonly cert?: Pem | ReadonlyArray<Pem> | undefined
  /** The private key of `cert`. */
  readonly key?: Pem | ReadonlyArray<Pem> | undefined
  /** The passphrase of an encrypted `key`. */
  readonly passphrase?: string | undefined
  /**
   * A certificate per server name, chosen by the name the client asks for with SNI: exact names,
   * or wildcards (`*.example.com`). Others get `cert`.
   */
  readonly sni?: Readonly<Record<string, Identity>> | undefined
  /** The CAs that client certificates must be signed by (with `requestCert`). */
  readonly ca?: Pem | ReadonlyArray<Pem> | undefined
  /** Ask each client for a certificate (default false). */
  readonly requestCert?: boolean | undefined
  /**
   * With `requestCert`: refuse a client with no certificate or one that does not verify (default
   * true). False lets it in; `conn.tls.authorized` says whether it verified.
   */
  readonly rejectUnauthorized?: boolean | undefined
  /** The ALPN protocols the server speaks, by preference; a client offering none of them is refused. */
  readonly alpnProtocols?: ReadonlyArray<string> | undefined
  /** The lowest protocol version to accept (the runtime's default: `TLSv1.2`). */
  readonly minVersion?: Version | undefined
  /** The highest protocol version to accept (the runtime's default: `TLSv1.3`). */
  readonly maxVersion?: Version | undefined
  /** OpenSSL's cipher list, to replace the runtime's default. */
  readonly ciphers?: string | undefined
  /**
   * How long a client may take to finish the handshake before the server drops it and reports a
   * `TlsHandshakeFailed` event with `ERR_TLS_HANDSHAKE_TIMEOUT` (default 120 s, as Node).
   */
  readonly handshakeTimeout?: Duration.DurationInput | undefined
}

/**
 * STARTTLS, the client side: secures an open connection after a plaintext exchange (SMTP's
 * `STARTTLS`, PostgreSQL's `SSLRequest`), and gives the negotiated session.
 *
 * The connection stays the same value, with its scope, idle timeout and byte counts (which count
 * on); from then on its bytes are TLS-protected. Writes made while the handshake runs wait for it;
 * bytes that arrived and were not read go to the handshake (a peer may not speak in plaintext after
 * asking for TLS). `host` is the name to check the server's certificate against (and to send with
 * SNI); without it, the peer's address. A failure fails with `TlsError` and closes the connection,
 * as does an interruption: a connection half way through a handshake is of no use.
 *
 * @example
 * import { Connection, NodeTransport, Server, Tls } from "@netfx/core"
 * import { Effect } from "effect"
 * import { readFileSync } from "node:fs"
 *
 * const certs = "packages/core/test/fixtures/tls" // a test CA, and a certificate for localhost
 * // A server that answers STARTTLS, then speaks TLS on the same connection.
 * const starttls = Server.serve({ host: "127.0.0.1", port: 0 }, (conn) =>
 *   Effect.gen(function*() {
 *     yield* conn.read // "STARTTLS"
 *     yield* conn.write("220 ready to start TLS\r\n")
 *     yield* Tls.upgradeServer(conn, { cert: readFileSync(`${certs}/server.crt`), key: readFileSync(`${certs}/server.key`) })
 *     yield* conn.write("secure now\r\n")
 *   }))
 *
 * // SMTP's STARTTLS, in short: plaintext first, then the same connection secured.
 * const program = Effect.gen(function*() {
 *   const server = yield* starttls
 *   const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port })
 *   yield* conn.write("STARTTLS\r\n")
 *   yield* conn.read // "220 ready to start TLS"
 *   const session = yield* Tls.upgradeClient(conn, { host: "localhost", ca: readFileSync(`${certs}/ca.crt`) })
 *   yield* conn.read // "secure now", decrypted
 *   return session.protocol // "TLSv1.3"
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category combinators
 */
export const upgradeClient = (
  connection: Connection.Connection,
  options: ClientOptions & { readonly host?: string | undefined }
): Effect.Effect<Session, TlsError | InvalidArgument | SocketClosed, Transport> =>
  Effect.flatMap(tls.checkClient(options, "options"), (checked) =>
    tls.upgrade(connection, {
      _tag: "Client",
      options: checked.options,
      host: options.host ?? tls.hostOf(connection.remoteAddress),
      port: tls.portOf(connection.remoteAddress),
      servername: tls.servername(checked.options, options.host)
    }, checked.handshakeTimeout))

/**
 * STARTTLS, the server side: secures an open connection whose client asked for TLS, as
 * `upgradeClient` does for the client (the same guarantees), with a server's options. Fails with
 * `TlsError` if the client does not complete the handshake (within `handshakeTimeout`, default 120 s).
 *
 * @example
 * import { Connection, NodeTransport, Server, Tls } from "@netfx/core"
 * import { Effect } from "effect"
 * import { readFileSync } from "node:fs"
 *
 * const certs = "packages/core/test/fixtures/tls" // a test CA, and a certificate for localhost
 * const tlsOptions = { key: readFileSync(`${certs}/server.key`), cert: readFileSync(`${certs}/server.crt`) }
 *
 * const program = Effect.gen(function*() {
 *   // The server side of STARTTLS: plaintext until the client asks, then TLS.
 *   const server = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) =>
 *     Effect.gen(function*() {
 *       yield* conn.read // "STARTTLS"
 *       yield* conn.write("220 ready to start TLS\r\n")
 *       const session = yield* Tls.upgradeServer(conn, tlsOptions)
 *       yield* conn.write(`secure now (${session.protocol})\r\n`)
 *     }))
 *   const client = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port })
 *   yield* client.write("STARTTLS\r\n")
 *   yield* client.read
 *   yield* Tls.upgradeClient(client, { host: "localhost", ca: readFileSync(`${certs}/ca.crt`) })
 *   return yield* client.read // "secure now (TLSv1.3)"
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category combinators
 */
export const upgradeServer = (
  connection: Connection.Connection,
  options: ServerOptions
): Effect.Effect<Session, TlsError | InvalidArgument | SocketClosed, Transport> =>
  Effect.flatMap(
    tls.checkServer(options, "options"),
    (checked) => tls.upgrade(connection, { _tag: "Server", options: checked.options }, checked.handshakeTimeout)
  )
