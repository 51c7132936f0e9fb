/**
 * The TLS machinery on top of a transport's `startTls`, callback-level as the dial is:
 *
 * - `Handshake`: one handshake over a handle, bounded by a timeout on Effect's `Clock`, reported
 *   once; `cancel` closes the socket.
 * - `TlsDial`: a connect with `tls`: the dial (lookup, race, connect timeout), then the handshake on
 *   the winner with what is left of the connect timeout.
 * - `upgrade`: STARTTLS on an open connection; a stand-in handle (`Upgrading`) holds the connection's
 *   writes while the handshake runs and hands them to the secured handle.
 * - `SecureListener`: a server's listener whose connections come out secured; a handshake that fails
 *   is reported, never handed on.
 *
 * Nothing here runs for a connection or server without `tls`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type * as Connection from "../Connection.js"
import { isIP } from "../IP.js"
import type { ConnectError } from "../NetError.js"
import { InvalidArgument, SocketClosed, SocketError, TlsError, tlsReasonOf } from "../NetError.js"
import type * as Server from "../Server.js"
import type { SocketAddress } from "../SocketAddress.js"
import { isSocketAddress } from "../SocketAddress.js"
import type * as Tls from "../Tls.js"
import type {
  Handle,
  HandleEvents,
  Listener,
  ListenerEvents,
  PendingTls,
  TlsCallbacks,
  TlsHandshake
} from "../Transport.js"
import { Transport } from "../Transport.js"
import { ConnectionImpl } from "./connection.js"
import { Dial, type Plan, type Services } from "./dialer.js"
import { checkBoolean, checkDuration, checkFunction, invalid, toMillis } from "./options.js"
import * as timer from "./timer.js"

// Options.

/** Client options, checked, and the handshake timeout in milliseconds. @internal */
export interface CheckedClient {
  /** The options as given: a transport keeps what it makes of them per options object. */
  readonly options: Tls.ClientOptions
  readonly handshakeTimeout: number | undefined
}

/** Server options, checked, and the handshake timeout in milliseconds. @internal */
export interface CheckedServer {
  readonly options: Tls.ServerOptions
  readonly handshakeTimeout: number
}

/** Node's default `handshakeTimeout` of a TLS server. */
const DEFAULT_SERVER_HANDSHAKE_TIMEOUT = 120_000

const versions = new Set(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"])

const isPem = (u: unknown): boolean => typeof u === "string" || u instanceof Uint8Array

const checkPem = (value: unknown, argument: string): InvalidArgument | undefined =>
  value === undefined || isPem(value) || (Array.isArray(value) && value.every(isPem))
    ? undefined
    : invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be a string, a Uint8Array, or an array of them")

const checkString = (value: unknown, argument: string): InvalidArgument | undefined =>
  value === undefined || typeof value === "string"
    ? undefined
    : invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be of type string")

const checkVersion = (value: unknown, argument: string): InvalidArgument | undefined =>
  value === undefined || (typeof value === "string" && versions.has(value))
    ? undefined
    : invalid("ERR_INVALID_ARG_VALUE", argument, value, "must be 'TLSv1', 'TLSv1.1', 'TLSv1.2' or 'TLSv1.3'")

// RFC 7301 §3.1: each protocol name is 1 to 255 bytes.
const checkAlpn = (value: unknown, argument: string): InvalidArgument | undefined =>
  value === undefined ||
    (Array.isArray(value) &&
      value.every((p) => typeof p === "string" && p.length > 0 && Buffer.byteLength(p) <= 255))
    ? undefined
    : invalid("ERR_INVALID_ARG_VALUE", argument, value, "must be an array of protocol names of 1 to 255 bytes")

/** A cert and its key come together. */
const checkPair = (options: { readonly cert?: unknown; readonly key?: unknown }, argument: string) =>
  (options.cert === undefined) === (options.key === undefined)
    ? undefined
    : invalid(
      "ERR_INVALID_ARG_VALUE",
      `${argument}.${options.cert === undefined ? "cert" : "key"}`,
      undefined,
      "must be given with the other: a certificate needs its key"
    )

const checkTimeout = (value: unknown, argument: string): number | undefined | InvalidArgument => {
  const duration = checkDuration(value, argument)
  return duration === undefined || duration instanceof InvalidArgument ? duration : toMillis(duration)
}

const notObject = (value: unknown, argument: string) =>
  invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be of type object")

/** Checks a client's TLS options, with Node's codes. @internal */
export const checkClientOptions = (options: unknown, argument: string): CheckedClient | InvalidArgument => {
  if (typeof options !== "object" || options === null) return notObject(options, argument)
  const o = options as Tls.ClientOptions
  const servername = o.servername
  const bad = (servername === undefined || servername === false ||
      (typeof servername === "string" && servername.length > 0)
    ? undefined
    : invalid("ERR_INVALID_ARG_VALUE", `${argument}.servername`, servername, "must be a non-empty string or false")) ??
    checkPem(o.ca, `${argument}.ca`) ??
    checkPem(o.cert, `${argument}.cert`) ??
    checkPem(o.key, `${argument}.key`) ??
    checkPair(o, argument) ??
    checkString(o.passphrase, `${argument}.passphrase`) ??
    checkBoolean(o.rejectUnauthorized, `${argument}.rejectUnauthorized`) ??
    checkFunction(o.checkServerIdentity, `${argument}.checkServerIdentity`) ??
    checkAlpn(o.alpnProtocols, `${argument}.alpnProtocols`) ??
    checkVersion(o.minVersion, `${argument}.minVersion`) ??
    checkVersion(o.maxVersion, `${argument}.maxVersion`) ??
    checkString(o.ciphers, `${argument}.ciphers`) ??
    (o.session === undefined || o.session instanceof Uint8Array
      ? undefined
      : invalid("ERR_INVALID_ARG_TYPE", `${argument}.session`, o.session, "must be a Uint8Array")) ??
    (o.sessionCache === undefined ||
        (typeof o.sessionCache === "object" && o.sessionCache !== null && typeof o.sessionCache.get === "function" &&
          typeof o.sessionCache.set === "function")
      ? undefined
      : invalid("ERR_INVALID_ARG_TYPE", `${argument}.sessionCache`, o.sessionCache, "must be a SessionCache"))
  if (bad !== undefined) return bad
  const handshakeTimeout = checkTimeout(o.handshakeTimeout, `${argument}.handshakeTimeout`)
  if (handshakeTimeout instanceof InvalidArgument) return handshakeTimeout
  return { options: o, handshakeTimeout }
}

/** Checks a server's TLS options, with Node's codes. @internal */
export const checkServerOptions = (options: unknown, argument: string): CheckedServer | InvalidArgument => {
  if (typeof options !== "object" || options === null) return notObject(options, argument)
  const o = options as Tls.ServerOptions
  let bad = checkPem(o.cert, `${argument}.cert`) ??
    checkPem(o.key, `${argument}.key`) ??
    checkPair(o, argument) ??
    checkString(o.passphrase, `${argument}.passphrase`) ??
    checkPem(o.ca, `${argument}.ca`) ??
    checkBoolean(o.requestCert, `${argument}.requestCert`) ??
    checkBoolean(o.rejectUnauthorized, `${argument}.rejectUnauthorized`) ??
    checkAlpn(o.alpnProtocols, `${argument}.alpnProtocols`) ??
    checkVersion(o.minVersion, `${argument}.minVersion`) ??
    checkVersion(o.maxVersion, `${argument}.maxVersion`) ??
    checkString(o.ciphers, `${argument}.ciphers`)
  if (bad !== undefined) return bad
  if (o.sni !== undefined) {
    if (typeof o.sni !== "object" || o.sni === null) return notObject(o.sni, `${argument}.sni`)
    for (const [name, identity] of Object.entries(o.sni)) {
      const where = `${argument}.sni[${JSON.stringify(name)}]`
      if (typeof identity !== "object" || identity === null) return notObject(identity, where)
      bad = (identity.cert === undefined || identity.key === undefined
        ? invalid("ERR_INVALID_ARG_VALUE", where, identity, "must have a cert and its key")
        : undefined) ??
        checkPem(identity.cert, `${where}.cert`) ??
        checkPem(identity.key, `${where}.key`) ??
        checkString(identity.passphrase, `${where}.passphrase`)
      if (bad !== undefined) return bad
    }
  }
  if (o.cert === undefined && (o.sni === undefined || Object.keys(o.sni).length === 0)) {
    return invalid("ERR_INVALID_ARG_VALUE", `${argument}.cert`, undefined, "must be given (or certificates in sni)")
  }
  const handshakeTimeout = checkTimeout(o.handshakeTimeout, `${argument}.handshakeTimeout`)
  if (handshakeTimeout instanceof InvalidArgument) return handshakeTimeout
  return { options: o, handshakeTimeout: handshakeTimeout ?? DEFAULT_SERVER_HANDSHAKE_TIMEOUT }
}

const effectOf = <A>(checked: A | InvalidArgument): Effect.Effect<A, InvalidArgument> =>
  checked instanceof InvalidArgument ? Effect.fail(checked) : Effect.succeed(checked)

/** `checkClientOptions` as an effect. @internal */
export const checkClient = (options: unknown, argument: string) => effectOf(checkClientOptions(options, argument))

/** `checkServerOptions` as an effect. @internal */
export const checkServer = (options: unknown, argument: string) => effectOf(checkServerOptions(options, argument))

/**
 * The server name SNI sends: the one given, none when turned off, else the host unless it is an IP
 * address (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted").
 * @internal
 */
export const servername = (options: Tls.ClientOptions, host: string | undefined): string | undefined =>
  options.servername === false
    ? undefined
    : options.servername ?? (host !== undefined && isIP(host) === 0 ? host : undefined)

/** The host part of a peer's address, to check a certificate against. @internal */
export const hostOf = (address: SocketAddress | string | undefined): string =>
  isSocketAddress(address) ? address.address : "localhost"

/** @internal */
export const portOf = (address: SocketAddress | string | undefined): number | undefined =>
  isSocketAddress(address) ? address.port : undefined

/** The key of a session ticket in a `SessionCache`. @internal */
export const sessionKey = (handshake: Extract<TlsHandshake, { _tag: "Client" }>): string =>
  `${handshake.host}:${handshake.port ?? ""}:${handshake.servername ?? ""}:${
    handshake.options.alpnProtocols?.join(",") ?? ""
  }`

/** Checks with the transport that the options' key material is usable; `undefined` when it is. */
const prepare = (
  transport: Transport["Type"],
  options: { readonly _tag: "Client"; readonly options: Tls.ClientOptions } | {
    readonly _tag: "Server"
    readonly options: Tls.ServerOptions
  },
  argument: string
): InvalidArgument | undefined => {
  const message = transport.prepareTls?.(options)
  return message === undefined
    ? undefined
    : invalid("ERR_INVALID_ARG_VALUE", argument, "[key material]", `is not usable: ${message}`)
}

/**
 * A handle's listener that also counts the bytes it is given: a secured handle counts application
 * bytes itself (a TLS socket's own `bytesRead` does not count them all). @internal
 */
export const counting = (events: HandleEvents, count: (bytes: number) => void): HandleEvents => ({
  onData: (chunk) => {
    count(chunk.length)
    events.onData(chunk)
  },
  onEnd: () => events.onEnd(),
  onError: (error) => events.onError(error),
  onDrain: () => events.onDrain(),
  onClose: () => events.onClose()
})

// Handshakes.

const where = (address: SocketAddress | string | undefined) =>
  isSocketAddress(address)
    ? { address: address.address, port: address.port }
    : typeof address === "string" && address !== ""
    ? { address }
    : {}

/** A `TlsError` for a handshake with the peer at `address`. @internal */
export const tlsError = (
  code: string,
  description: string,
  handshake: TlsHandshake,
  address: SocketAddress | string | undefined,
  extra?: { readonly timeout?: number; readonly cause?: unknown; readonly reason?: TlsError["reason"] }
): TlsError =>
  new TlsError({
    reason: extra?.reason ?? tlsReasonOf(code),
    code,
    description,
    ...(handshake._tag === "Client" ? { host: handshake.servername ?? handshake.host } : {}),
    ...where(address),
    ...(extra?.timeout === undefined ? {} : { timeout: extra.timeout }),
    ...(extra?.cause === undefined ? {} : { cause: extra.cause })
  }, true)

/** One handshake over a handle, bounded by `timeout` (ms), reported once to `done`. @internal */
export class Handshake implements TlsCallbacks {
  private pending: PendingTls | undefined = undefined
  private timer: timer.Timer | undefined = undefined
  private settled = false
  /** The peer's address, read before the transport takes the handle over (for errors and events). */
  readonly remote: SocketAddress | string | undefined

  constructor(
    private readonly transport: Transport["Type"],
    private readonly clock: Clock.Clock,
    private readonly handle: Handle,
    private readonly unread: ReadonlyArray<Uint8Array>,
    private readonly handshake: TlsHandshake,
    private readonly timeout: number | undefined,
    private readonly done: (result: Handle | TlsError) => void
  ) {
    this.remote = handle.remoteAddress()
  }

  start(): void {
    const startTls = this.transport.startTls
    if (startTls === undefined) {
      this.settled = true
      this.handle.destroy()
      const error = tlsError("ERR_TLS_UNAVAILABLE", "this transport has no TLS", this.handshake, this.remote)
      // As a transport reports: never before `start` returns.
      queueMicrotask(() => this.done(error))
      return
    }
    if (this.timeout !== undefined && Number.isFinite(this.timeout)) {
      this.timer = timer.schedule(this.clock, this.timeout, () => this.onTimeout())
    }
    this.pending = startTls(this.handle, this.unread, this.handshake, this)
  }

  onSecure(handle: Handle): void {
    if (this.settled) return handle.destroy()
    this.settled = true
    this.timer?.cancel()
    this.done(handle)
  }

  onError(error: TlsError): void {
    if (this.settled) return
    this.settled = true
    this.timer?.cancel()
    // The transport says what failed; where (the host and the peer) is said here.
    this.done(
      error.address === undefined
        ? tlsError(error.code, error.description, this.handshake, this.remote, {
          reason: error.reason,
          ...(error.cause === undefined ? {} : { cause: error.cause })
        })
        : error
    )
  }

  private onTimeout(): void {
    if (this.settled) return
    this.settled = true
    this.pending?.cancel()
    this.done(
      tlsError("ERR_TLS_HANDSHAKE_TIMEOUT", "TLS handshake timeout", this.handshake, this.remote, {
        timeout: this.timeout!
      })
    )
  }

  /** Abandons the handshake: its socket is closed, nothing is reported. */
  cancel(): void {
    if (this.settled) return
    this.settled = true
    this.timer?.cancel()
    this.pending?.cancel()
  }
}

/**
 * A connect with `tls`: the dial, then the handshake on the connected handle, within what is left
 * of the connect timeout (and the handshake timeout). Reports once, as a `Dial` does.
 * @internal
 */
export class TlsDial {
  private dial: Dial | undefined = undefined
  private handshake: Handshake | undefined = undefined
  private span: Tracer.Span | undefined = undefined
  private startedAt = 0

  constructor(
    private readonly plan: Plan,
    private readonly tls: CheckedClient,
    private readonly services: Services,
    private readonly done: (exit: Exit.Exit<Handle, ConnectError | TlsError | InvalidArgument>) => void
  ) {}

  start(): void {
    const bad = prepare(this.services.transport, { _tag: "Client", options: this.tls.options }, "tls")
    if (bad !== undefined) return this.done(Exit.fail(bad))
    this.startedAt = this.services.clock.unsafeCurrentTimeMillis()
    this.dial = new Dial(this.plan, this.services, (exit) => {
      if (Exit.isFailure(exit)) return this.done(exit)
      this.secure(exit.value)
    })
    this.dial.start()
  }

  private secure(handle: Handle): void {
    const plan = this.plan
    const options = this.tls.options
    const left = plan.timeout === undefined || !Number.isFinite(plan.timeout)
      ? undefined
      : Math.max(0, plan.timeout - (this.services.clock.unsafeCurrentTimeMillis() - this.startedAt))
    const limit = this.tls.handshakeTimeout
    const timeout = left === undefined ? limit : limit === undefined ? left : Math.min(left, limit)
    const host = plan._tag === "Tcp" ? plan.host : undefined
    const name = servername(options, host)
    const handshake: TlsHandshake = {
      _tag: "Client",
      options,
      // Node checks a certificate against `host`, 'localhost' when there is none (a Unix socket).
      host: host ?? name ?? "localhost",
      port: plan._tag === "Tcp" ? plan.port : undefined,
      servername: name
    }
    // With a tracer installed, the handshake is a span of its own beside the connect's.
    const tracer = this.services.tracer
    const clock = this.services.clock
    const span = tracer?.span(
      "netfx.tls.handshake",
      Option.fromNullable(this.services.parentSpan),
      Context.empty(),
      [],
      clock.unsafeCurrentTimeNanos(),
      "client",
      { captureStackTrace: false }
    )
    if (span !== undefined) {
      span.attribute("tls.server_name", name ?? "")
      span.attribute("net.peer.name", handshake.host)
    }
    this.handshake = new Handshake(
      this.services.transport,
      clock,
      handle,
      [],
      handshake,
      timeout,
      (result) => {
        const exit = result instanceof TlsError ? Exit.fail(result) : Exit.succeed(result)
        if (span !== undefined) {
          if (Exit.isSuccess(exit)) span.attribute("tls.protocol", exit.value.tls?.protocol ?? "")
          span.end(clock.unsafeCurrentTimeNanos(), exit)
          this.span = undefined
        }
        this.done(exit)
      }
    )
    this.span = span
    this.handshake.start()
  }

  /** Interruption: stops the dial or the handshake, whichever runs; nothing is reported. */
  cancel(): void {
    this.dial?.cancel()
    this.handshake?.cancel()
    this.span?.end(this.services.clock.unsafeCurrentTimeNanos(), Exit.interrupt(FiberId.none))
    this.span = undefined
  }
}

// STARTTLS.

/**
 * The connection's handle while it upgrades: writes (and an end) wait here for the secured handle;
 * socket options still reach the socket; closing the connection abandons the handshake.
 */
class Upgrading implements Handle {
  private events: HandleEvents | undefined = undefined
  private queued: Array<{ chunk: Uint8Array | string; callback: ((error?: SocketError) => void) | undefined }> = []
  private queuedBytes = 0
  private ending: Array<(error?: SocketError) => void> = []
  handshake: Handshake | undefined = undefined
  private over = false
  /** The plain handle, which the transport takes over. */
  old!: Handle

  listen(events: HandleEvents): void {
    this.events = events
  }
  pause(): void {}
  resume(): void {}
  write(chunk: Uint8Array | string, callback?: (error?: SocketError) => void): boolean {
    if (this.over) {
      if (callback !== undefined) {
        queueMicrotask(() => callback(new SocketError({ code: "ERR_SOCKET_CLOSED", syscall: "write" })))
      }
      return false
    }
    this.queued.push({ chunk, callback })
    this.queuedBytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length
    return false
  }
  end(callback: (error?: SocketError) => void): void {
    this.ending.push(callback)
  }
  destroy(): void {
    this.handshake?.cancel()
    this.closed(undefined)
  }
  reset(): void {
    this.destroy()
  }
  setNoDelay(noDelay: boolean): void {
    this.old.setNoDelay(noDelay)
  }
  ref(): void {
    this.old.ref()
  }
  unref(): void {
    this.old.unref()
  }
  setKeepAlive(enable: boolean, initialDelay: number): void {
    this.old.setKeepAlive(enable, initialDelay)
  }
  setTypeOfService(tos: number) {
    return this.old.setTypeOfService(tos)
  }
  getTypeOfService() {
    return this.old.getTypeOfService()
  }
  bytesRead(): number {
    return this.old.bytesRead()
  }
  bytesWritten(): number {
    return this.old.bytesWritten()
  }
  bufferSize(): number {
    return this.queuedBytes
  }
  localAddress() {
    return this.old.localAddress()
  }
  remoteAddress() {
    return this.old.remoteAddress()
  }

  /** The handshake succeeded: the secured handle takes over, with what waited here. */
  secured(connection: ConnectionImpl, handle: Handle): void {
    this.over = true
    connection.swapHandle(handle)
    for (const { callback, chunk } of this.queued) handle.write(chunk, callback)
    this.queued = []
    this.queuedBytes = 0
    for (const callback of this.ending) handle.end(callback)
    this.ending = []
    // Writers waiting on this stand-in go on; a full buffer on the secured handle holds them again.
    this.events?.onDrain()
  }

  /** The socket is gone (the handshake failed or was abandoned): the connection closes. */
  closed(error: TlsError | undefined): void {
    if (this.over) return
    this.over = true
    const events = this.events
    const failure = error === undefined
      ? new SocketError({ code: "ERR_SOCKET_CLOSED", syscall: "write" }, true)
      : new SocketError({ code: error.code, syscall: "tls", cause: error }, true)
    for (const { callback } of this.queued) callback?.(failure)
    for (const callback of this.ending) callback(failure)
    this.queued = []
    this.ending = []
    if (events === undefined) return
    if (error !== undefined) events.onError(failure)
    events.onClose()
  }
}

/** STARTTLS on an open connection, either side (see `Tls.upgradeClient`). @internal */
export const upgrade = (
  connection: Connection.Connection,
  handshake: TlsHandshake,
  timeout: number | undefined
): Effect.Effect<Tls.Session, TlsError | InvalidArgument | SocketClosed, Transport> =>
  Effect.withFiberRuntime((fiber) => {
    if (!(connection instanceof ConnectionImpl)) {
      return Effect.fail(invalid("ERR_INVALID_ARG_TYPE", "connection", connection, "must be a netfx Connection"))
    }
    const transport = Context.unsafeGet(fiber.currentContext as Context.Context<Transport>, Transport)
    const bad = prepare(transport, handshake, "options")
    if (bad !== undefined) return Effect.fail(bad)
    if (connection.tls !== undefined) {
      return Effect.fail(invalid("ERR_INVALID_ARG_VALUE", "connection", "[Connection]", "is already secured by TLS"))
    }
    if (!connection.upgradable) return Effect.fail(new SocketClosed({ operation: "upgrade" }, true))
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    return Effect.async<Tls.Session, TlsError>((resume) => {
      const unread = connection.takeUnread()
      const standIn = new Upgrading()
      const old = connection.swapHandle(standIn)
      standIn.old = old
      const running = new Handshake(transport, clock, old, unread, handshake, timeout, (result) => {
        if (result instanceof TlsError) {
          standIn.closed(result)
          return resume(Effect.fail(result))
        }
        standIn.secured(connection, result)
        resume(Effect.succeed(result.tls!))
      })
      standIn.handshake = running
      running.start()
      return Effect.sync(() => standIn.destroy())
    })
  })

// Servers.

/**
 * A listener whose connections are secured before they are handed on. A connection the server's
 * accept rule will drop (`passThrough`) is handed on as it is, to be dropped without a handshake.
 * @internal
 */
export class SecureListener implements Listener {
  readonly address: SocketAddress | string
  private events: ListenerEvents | undefined = undefined
  private readonly pending = new Set<Handshake>()
  private closed = false
  /** Where failed handshakes are reported; set once the server exists. */
  report: ((event: Server.ServerEvent) => void) | undefined = undefined
  /** Whether the server will drop this connection anyway. */
  passThrough: ((handle: Handle) => boolean) | undefined = undefined

  constructor(
    private readonly inner: Listener,
    private readonly transport: Transport["Type"],
    private readonly clock: Clock.Clock,
    private readonly tls: CheckedServer
  ) {
    this.address = inner.address
  }

  listen(events: ListenerEvents): void {
    const first = this.events === undefined
    this.events = events
    if (!first) return
    this.inner.listen({
      onConnection: (handle) => this.onConnection(handle),
      onError: (error) => this.events!.onError(error)
    })
  }

  private onConnection(handle: Handle): void {
    if (this.closed) return handle.destroy()
    if (this.passThrough?.(handle) === true) return this.events!.onConnection(handle)
    const handshake: Handshake = new Handshake(
      this.transport,
      this.clock,
      handle,
      [],
      { _tag: "Server", options: this.tls.options },
      this.tls.handshakeTimeout,
      (result) => {
        this.pending.delete(handshake)
        if (result instanceof TlsError) {
          this.report?.({ _tag: "TlsHandshakeFailed", remote: handshake.remote, error: result })
        } else {
          this.events!.onConnection(result)
        }
      }
    )
    this.pending.add(handshake)
    handshake.start()
  }

  /** Stops accepting, and abandons the handshakes in progress. */
  close(): void {
    this.closed = true
    this.inner.close()
    for (const handshake of this.pending) handshake.cancel()
    this.pending.clear()
  }

  ref(): void {
    this.inner.ref()
  }

  unref(): void {
    this.inner.unref()
  }
}

/** Makes a server's secure listener, after checking with the transport that its key material is usable. @internal */
export const secureListener = (
  inner: Listener,
  transport: Transport["Type"],
  clock: Clock.Clock,
  tls: CheckedServer
): SecureListener | InvalidArgument =>
  prepare(transport, { _tag: "Server", options: tls.options }, "tls") ??
    new SecureListener(inner, transport, clock, tls)
