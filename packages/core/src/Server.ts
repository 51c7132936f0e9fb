/**
 * A TCP or IPC server as a scoped resource: `listen` binds and hands out accepted connections as a
 * stream; `serve` runs a handler for each one. Closing the scope shuts the server down: it stops
 * accepting at once, lets open connections finish up to a deadline, then closes what is left.
 *
 * Each connection has a scope of its own: what a `serve` handler acquires (a subscription, a
 * resource with `Effect.acquireRelease`) is released when its connection is done, not when the
 * server stops.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import type * as Queue from "effect/Queue"
import type * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as BlockList from "./BlockList.js"
import type * as Connection from "./Connection.js"
import * as connection from "./internal/connection.js"
import {
  checkDuration,
  optionalBoolean,
  optionalDuration,
  optionalFunction,
  validate,
  validatePath
} from "./internal/options.js"
import type { Settings } from "./internal/server.js"
import { ServerImpl, TypeId as ServerTypeId } from "./internal/server.js"
import * as tlsInternal from "./internal/tls.js"
import { withSpan } from "./internal/tracing.js"
import * as IP from "./IP.js"
import type { ConnectionError, ListenError, SocketError, TlsError } from "./NetError.js"
import { InvalidArgument } from "./NetError.js"
import { isSocketAddress, type SocketAddress } from "./SocketAddress.js"
import type * as Tls from "./Tls.js"
import type { ListenEndpoint, Listener } from "./Transport.js"
import { Transport } from "./Transport.js"

/**
 * The brand of a `Server` (`Symbol.for("@netfx/core/Server")`): `isServer` checks for it.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof ServerTypeId = ServerTypeId

/**
 * The type of `TypeId`.
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Why a server closed a connection as soon as it was accepted: over `maxConnections`, or a peer the
 * `blockList` blocks.
 *
 * @since 0.1.0
 * @category models
 */
export type DropReason = "maxConnections" | "blockList"

/**
 * Where a shutdown is: it `StoppedAccepting` (the listener is closed), it is `Draining` the `open`
 * connections (up to `shutdownTimeout`), its `DeadlineReached` with `open` connections still open
 * (their handlers are interrupted, the connections closed), and it is `Closed`.
 *
 * @since 0.1.0
 * @category models
 */
export type ShutdownStage = "StoppedAccepting" | "Draining" | "DeadlineReached" | "Closed"

/**
 * What a server reports. Nothing is dropped silently:
 *
 * - `Drop`: a connection closed as soon as it was accepted (see `DropReason`).
 * - `AcceptError`: accepting failed (`EMFILE`, ...); the server goes on.
 * - `HandlerFailed`: a `serve` handler failed or died (not interrupted); its connection was reset.
 *   `remote` is always the peer's address.
 * - `ConnectionFailed`: a handler ended because its connection failed under it (the peer reset it,
 *   a write after the peer left, an idle timeout with `failOnIdle`): the peer's doing, not a bug.
 * - `Shutdown`: each stage of a shutdown, with how many connections are open.
 * - `TlsHandshakeFailed`: (a server with `tls`) a client did not complete the TLS handshake: its
 *   certificate was refused, it offered nothing in common, it left, or the handshake timeout
 *   passed. The connection was closed; no handler saw it; the server goes on.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerEvent =
  | {
    readonly _tag: "Drop"
    readonly reason: DropReason
    readonly local: SocketAddress | string | undefined
    readonly remote: SocketAddress | string | undefined
  }
  | { readonly _tag: "AcceptError"; readonly error: SocketError }
  | {
    readonly _tag: "HandlerFailed"
    readonly remote: SocketAddress | string | undefined
    readonly cause: Cause.Cause<unknown>
  }
  | {
    readonly _tag: "ConnectionFailed"
    readonly remote: SocketAddress | string | undefined
    readonly error: ConnectionError
  }
  | { readonly _tag: "Shutdown"; readonly stage: ShutdownStage; readonly open: number }
  | {
    readonly _tag: "TlsHandshakeFailed"
    readonly remote: SocketAddress | string | undefined
    readonly error: TlsError
  }

/**
 * A listening server, whose `address` is a `SocketAddress` for TCP and the socket's path for IPC.
 * Its scope owns it and every connection it accepted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server<Address extends SocketAddress | string = SocketAddress | string> extends Pipeable {
  readonly [TypeId]: TypeId
  /** The bound address: a `SocketAddress` with the port the system chose, or the socket's path. */
  readonly address: Address
  /**
   * The accepted connections (with `listen`; `serve` gives them to its handler instead). Each
   * stays open until it is closed, by its peer or by the consumer, or until the server shuts down;
   * its own `scope` closes with it (see `Connection.fork`). The stream ends when the server stops
   * accepting.
   */
  readonly connections: Stream.Stream<Connection.Connection>
  /** How many accepted connections are open now. */
  readonly connectionCount: Effect.Effect<number>
  /** Subscribes to the server's events for the life of the scope. */
  readonly subscribeEvents: Effect.Effect<Queue.Dequeue<ServerEvent>, never, Scope.Scope>
  /**
   * Shuts down, as closing the scope does: stops accepting, waits for open connections up to the
   * shutdown deadline, then interrupts handlers and closes what is left. Runs once.
   */
  readonly shutdown: Effect.Effect<void>
  /** Completes once the server has shut down, whatever started it (scope, `shutdown`, signal). */
  readonly awaitShutdown: Effect.Effect<void>
  /** Keeps the process alive while the server listens (the default). */
  readonly ref: Effect.Effect<void>
  /** Lets the process exit while the server listens (a command that serves until told otherwise). */
  readonly unref: Effect.Effect<void>
}

/**
 * The address type of a server listening with options `O`: the path for IPC, else a `SocketAddress`.
 *
 * @since 0.1.0
 * @category models
 */
export type AddressOf<O> = O extends { readonly path: string } ? string : SocketAddress

/**
 * Tells whether a value is a `Server`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isServer = (u: unknown): u is Server => Predicate.hasProperty(u, TypeId)

/**
 * Options of both kinds of server, with Node's names.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonOptions {
  /** Pending connections the system queues (default 511, as Node). */
  readonly backlog?: number | undefined
  /** Over this many open connections, a new one is closed at once and a `Drop` reported. */
  readonly maxConnections?: number | undefined
  /** Peers this blocks are closed at once and a `Drop` reported. */
  readonly blockList?: BlockList.BlockList | undefined
  /** How long shutting down waits for open connections before closing them (default 10 s). */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /** Aborting it shuts the server down. */
  readonly signal?: AbortSignal | undefined
  /** Called with each event. Must not throw. */
  readonly onEvent?: ((event: ServerEvent) => void) | undefined
  /** When false (the default, as in Node), a peer's FIN ends the connection's side too. */
  readonly allowHalfOpen?: boolean | undefined
  /** Disable Nagle's algorithm on each accepted connection. Default false. */
  readonly noDelay?: boolean | undefined
  /** Turn TCP keep-alive probes on for each accepted connection. Default false. */
  readonly keepAlive?: boolean | undefined
  /**
   * With `keepAlive`: how long a connection is idle before the first probe, in whole seconds (Node
   * rounds down). Absent or under a second: the system's default.
   */
  readonly keepAliveInitialDelay?: Duration.DurationInput | undefined
  /** Bytes read ahead of a connection's consumer before its socket is paused (default 64 KiB). */
  readonly highWaterMark?: number | undefined
  /**
   * Accepted for Node's sake: a netfx connection reads nothing until its consumer reads, so every
   * connection is, in Node's terms, paused on connect.
   */
  readonly pauseOnConnect?: boolean | undefined
  /** Each connection's idle timeout: report (`subscribeIdle`) each period this long without reads or writes. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** With `idleTimeout`: fail the connection with `IdleTimeout` and close it instead. */
  readonly failOnIdle?: boolean | undefined
  /** How long closing a connection waits for its queued bytes to be flushed (default 2 s). */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /**
   * Serve TLS: each connection is secured (the handshake within `tls.handshakeTimeout`) before it
   * reaches the handler or `connections`; one that fails is a `TlsHandshakeFailed` event. The
   * handshake's outcome is `conn.tls`. See `Tls.ServerOptions`.
   */
  readonly tls?: Tls.ServerOptions | undefined
}

/**
 * A TCP server. Without `host` it listens on every interface, `::` (dual-stack) where the system
 * has IPv6, else `0.0.0.0`, as Node does.
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpOptions extends CommonOptions {
  /** 0 (the default) lets the system choose a free port. */
  readonly port?: number | undefined
  /** The address to listen on: an IP address, or a name the runtime looks up (Node binds its first address). */
  readonly host?: string | undefined
  /** Listen on IPv6 only (no IPv4-mapped connections on `::`). */
  readonly ipv6Only?: boolean | undefined
  /** SO_REUSEPORT: several servers share the port (Node 22.12+; a `ListenError` elsewhere). */
  readonly reusePort?: boolean | undefined
  /** Accepted, as in Node; it only matters to Node's cluster module, which netfx does not use. */
  readonly exclusive?: boolean | undefined
}

/**
 * A Unix domain socket server (or a Linux abstract socket, a path starting with `\0`). The socket
 * file is removed when the server closes.
 *
 * @since 0.1.0
 * @category models
 */
export interface IpcOptions extends CommonOptions {
  /** The socket's path; one too long for the platform (over 107 bytes on Linux) fails with `InvalidArgument`. */
  readonly path: string
  /** Make the socket readable by every user (chmod), as Node's `readableAll`. */
  readonly readableAll?: boolean | undefined
  /** Make the socket writable by every user (chmod), as Node's `writableAll`. */
  readonly writableAll?: boolean | undefined
}

/**
 * What `listen` takes: a TCP port and host, or a Unix socket with `path`.
 *
 * @since 0.1.0
 * @category models
 */
export type ListenOptions = TcpOptions | IpcOptions

/**
 * Options of `serve`: those of `listen`, and how many handlers run at once.
 *
 * @since 0.1.0
 * @category models
 */
export type ServeOptions = ListenOptions & {
  /** Handlers running at once (default: unbounded). Connections beyond wait, open, for a turn. */
  readonly concurrency?: number | undefined
}

/**
 * Why `listen` or `serve` failed.
 *
 * @since 0.1.0
 * @category errors
 */
export type ListenFailure = ListenError | InvalidArgument

const optionalCount = Schema.optional(Schema.Int.pipe(Schema.nonNegative()))

const commonFields = {
  backlog: optionalCount,
  maxConnections: optionalCount,
  blockList: Schema.optional(BlockList.BlockListFromSelf),
  shutdownTimeout: optionalDuration,
  signal: Schema.optional(Schema.instanceOf(AbortSignal)),
  onEvent: optionalFunction,
  allowHalfOpen: optionalBoolean,
  noDelay: optionalBoolean,
  keepAlive: optionalBoolean,
  keepAliveInitialDelay: optionalDuration,
  highWaterMark: Schema.optional(Schema.Int.pipe(Schema.positive())),
  pauseOnConnect: optionalBoolean,
  idleTimeout: optionalDuration,
  failOnIdle: optionalBoolean,
  closeTimeout: optionalDuration,
  concurrency: Schema.optional(Schema.Int.pipe(Schema.positive()))
}

/**
 * The schema `listen` validates TCP options with.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TcpOptionsSchema = Schema.Struct({
  ...commonFields,
  port: Schema.optional(IP.Port),
  host: Schema.optional(Schema.NonEmptyString),
  ipv6Only: optionalBoolean,
  reusePort: optionalBoolean,
  exclusive: optionalBoolean
})

/**
 * The schema `listen` validates IPC options with.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IpcOptionsSchema = Schema.Struct({
  ...commonFields,
  path: Schema.NonEmptyString,
  readableAll: optionalBoolean,
  writableAll: optionalBoolean
})

const fieldCodes: Record<string, InvalidArgument["code"]> = {
  port: "ERR_SOCKET_BAD_PORT",
  backlog: "ERR_OUT_OF_RANGE",
  maxConnections: "ERR_OUT_OF_RANGE",
  highWaterMark: "ERR_OUT_OF_RANGE",
  concurrency: "ERR_OUT_OF_RANGE"
}

const isIpc = (options: ListenOptions): options is IpcOptions => "path" in options && options.path !== undefined

const endpointOf = (options: ListenOptions): Effect.Effect<ListenEndpoint, InvalidArgument> =>
  Effect.gen(function*() {
    const backlog = options.backlog ?? 511
    if (isIpc(options)) {
      yield* validate(IpcOptionsSchema, options, fieldCodes)
      yield* validatePath(options.path)
      // lib/net.js: an abstract socket has no file to chmod.
      if (options.path.startsWith("\0") && (options.readableAll || options.writableAll)) {
        return yield* new InvalidArgument({
          code: "ERR_INVALID_ARG_VALUE",
          argument: "readableAll",
          value: true,
          reason: "is not supported for an abstract Unix socket"
        })
      }
      return {
        _tag: "Ipc",
        path: options.path,
        backlog,
        readableAll: options.readableAll ?? false,
        writableAll: options.writableAll ?? false
      }
    }
    yield* validate(TcpOptionsSchema, options, fieldCodes)
    return {
      _tag: "Tcp",
      host: options.host,
      port: options.port ?? 0,
      backlog,
      ipv6Only: options.ipv6Only ?? false,
      reusePort: options.reusePort ?? false,
      exclusive: options.exclusive ?? false
    }
  })

/**
 * Whether a server keeps a connection it has just accepted: `undefined` to keep it, or why it
 * drops it. Node's rule (lib/net.js `onconnection`): over `maxConnections` (open connections, this
 * one not counted, `>= maxConnections`) first, then a peer the `blockList` blocks. One pure rule for
 * `Server` and `@netfx/compat`'s `net.Server`.
 *
 * @example
 * import { Server, SocketAddress } from "@netfx/core"
 *
 * const peer = SocketAddress.unsafeMake({ address: "10.0.0.7", port: 40000 })
 * Server.dropReason({ maxConnections: 100 }, 100, peer) // "maxConnections"
 *
 * @since 0.1.0
 * @category combinators
 */
export const dropReason = (
  options: { readonly maxConnections?: number | undefined; readonly blockList?: BlockList.BlockList | undefined },
  open: number,
  remote: SocketAddress | string | undefined
): DropReason | undefined => {
  if (options.maxConnections !== undefined && open >= options.maxConnections) return "maxConnections"
  if (options.blockList !== undefined && isSocketAddress(remote) && BlockList.check(options.blockList, remote)) {
    return "blockList"
  }
  return undefined
}

const durationFields = ["shutdownTimeout", "keepAliveInitialDelay", "idleTimeout", "closeTimeout"] as const

/** Checks the options and gives what the server runs with. */
const settingsOf = (
  options: ServeOptions
): Effect.Effect<{ endpoint: ListenEndpoint; settings: Settings }, InvalidArgument> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* new InvalidArgument({
        code: "ERR_INVALID_ARG_TYPE",
        argument: "options",
        value: options,
        reason: "must be of type object"
      })
    }
    const durations: Partial<Record<(typeof durationFields)[number], Duration.Duration>> = {}
    for (const field of durationFields) {
      const checked = checkDuration(options[field], field)
      if (checked instanceof InvalidArgument) return yield* checked
      if (checked !== undefined) durations[field] = checked
    }
    const endpoint = yield* endpointOf(options)
    const settings: Settings = {
      maxConnections: options.maxConnections,
      blockList: options.blockList,
      shutdownTimeout: durations.shutdownTimeout ?? Duration.seconds(10),
      onEvent: options.onEvent,
      noDelay: options.noDelay === true,
      keepAlive: options.keepAlive === true
        ? Duration.toMillis(durations.keepAliveInitialDelay ?? Duration.zero)
        : undefined,
      connection: {
        allowHalfOpen: options.allowHalfOpen ?? false,
        readHighWaterMark: options.highWaterMark ?? connection.defaultOptions.readHighWaterMark,
        closeTimeout: durations.closeTimeout ?? connection.defaultOptions.closeTimeout,
        idleTimeout: durations.idleTimeout === undefined ? 0 : Duration.toMillis(durations.idleTimeout),
        failOnIdle: options.failOnIdle ?? false
      }
    }
    return { endpoint, settings }
  })

const start = <Address extends SocketAddress | string, E, R>(
  options: ServeOptions,
  handler: ((connection: Connection.Connection) => Effect.Effect<void, E, R>) | undefined
): Effect.Effect<Server<Address>, ListenFailure, Scope.Scope | Transport | Exclude<R, Scope.Scope>> =>
  Effect.gen(function*() {
    const { endpoint, settings } = yield* settingsOf(options)
    const tls = options.tls === undefined ? undefined : yield* tlsInternal.checkServer(options.tls, "tls")
    const transport = yield* Transport
    const bound: Listener = yield* transport.listen(endpoint)
    const clock = yield* Effect.clock
    // TLS hook: connections come out of a secure listener once their handshake is done.
    const secure = tls === undefined ? undefined : tlsInternal.secureListener(bound, transport, clock, tls)
    if (secure instanceof InvalidArgument) return yield* secure
    const listener = secure ?? bound
    const serving = handler === undefined ? undefined : {
      handler: handler as (conn: Connection.Connection) => Effect.Effect<void, unknown, unknown>,
      runtime: (yield* Effect.runtime<never>()) as Runtime.Runtime<unknown>,
      semaphore: options.concurrency === undefined ? undefined : yield* Effect.makeSemaphore(options.concurrency)
    }
    const server = new ServerImpl<Address>(
      listener.address as Address,
      listener,
      settings,
      clock,
      dropReason,
      serving
    )
    if (secure !== undefined) {
      secure.report = (event) => server.report(event)
      // What the server drops at once is dropped before any handshake.
      secure.passThrough = (handle) =>
        settings.maxConnections === undefined && settings.blockList === undefined
          ? false
          : dropReason(
            settings,
            server.open.size,
            settings.blockList === undefined ? undefined : handle.remoteAddress()
          ) !== undefined
    }
    yield* Effect.addFinalizer(() => server.shutdown)

    if (options.signal !== undefined) {
      const signal = options.signal
      if (signal.aborted) yield* server.shutdown
      else {
        const onAbort = () => Effect.runFork(server.shutdown)
        signal.addEventListener("abort", onAbort, { once: true })
        yield* Effect.addFinalizer(() => Effect.sync(() => signal.removeEventListener("abort", onAbort)))
      }
    }
    return server
  })

/**
 * Binds and listens, for the life of the enclosing scope. Accepted connections arrive on
 * `server.connections`; each has its own `scope`, closed when its socket closes (run per-connection
 * code in it with `Connection.fork`).
 *
 * Fails with `ListenError` (Node's code, address and port: `EADDRINUSE`, `EACCES`,
 * `EADDRNOTAVAIL`) or `InvalidArgument`. Closing the scope shuts the server down (see `Server`).
 *
 * @example
 * import { Connection, NodeTransport, Server } from "@netfx/core"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.listen({ host: "127.0.0.1", port: 0 })
 *   yield* server.connections.pipe(
 *     Stream.runForEach((conn) => Connection.fork(conn, Stream.run(conn.stream, conn.sink))),
 *     Effect.forkScoped
 *   )
 *   return server.address.port
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = <const O extends ListenOptions = TcpOptions>(
  options: O = {} as O
): Effect.Effect<Server<AddressOf<O>>, ListenFailure, Scope.Scope | Transport> =>
  start<AddressOf<O>, never, never>(options, undefined).pipe(withSpan("netfx.listen"))

/**
 * Listens and runs `handler` for each accepted connection, in a fiber of its own, with at most
 * `concurrency` at once. A connection is closed when its handler ends; a handler that fails or
 * dies resets its connection and is reported (`HandlerFailed`, or `ConnectionFailed` when the
 * connection broke under it), and the server goes on.
 *
 * The handler gets a `Scope` of its own: what it acquires (`Effect.acquireRelease`,
 * `PubSub.subscribe`, `Effect.forkScoped`) is released when its connection is done, however it
 * ends, and that scope costs nothing until the handler uses it. So `Scope` is not among what the
 * server's caller must provide for the handler.
 *
 * For many short connections, a `conn.read` / `conn.writeAll` loop costs each connection less than
 * `Stream.run(conn.stream, conn.sink)`, whose stream machinery (a fiber, scopes and channel
 * executors of its own) runs per connection; both are correct.
 *
 * @example
 * import { Connection, NodeTransport, Server } from "@netfx/core"
 * import { Effect, Stream } from "effect"
 *
 * // An echo server for the life of the scope, and one exchange with it.
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.serve({ host: "127.0.0.1", port: 0, maxConnections: 1000 }, (conn) =>
 *     Stream.run(conn.stream, conn.sink))
 *   const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port })
 *   yield* conn.write("ping")
 *   yield* conn.end
 *   return new TextDecoder().decode(yield* Connection.readAll(conn)) // "ping"
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = <E, R, const O extends ServeOptions = TcpOptions>(
  options: O,
  handler: (connection: Connection.Connection) => Effect.Effect<void, E, R>
): Effect.Effect<Server<AddressOf<O>>, ListenFailure, Scope.Scope | Transport | Exclude<R, Scope.Scope>> =>
  start<AddressOf<O>, E, R>(options, handler).pipe(withSpan("netfx.serve"))
