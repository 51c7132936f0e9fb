/**
 * A TCP or IPC server as a scoped resource: `listen` binds and hands out accepted connections as a
 * stream; `serve` runs a handler for each one. Closing the scope shuts the server down: it stops
 * accepting at once, lets open connections finish up to a deadline, then closes what is left.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BlockList from "./BlockList.js"
import type * as Connection from "./Connection.js"
import * as connection from "./internal/connection.js"
import { optionalBoolean, optionalDuration, optionalFunction, validate, validatePath } from "./internal/options.js"
import * as internalServer from "./internal/server.js"
import * as IP from "./IP.js"
import type { ListenError, SocketError } from "./NetError.js"
import { InvalidArgument } from "./NetError.js"
import { isSocketAddress, type SocketAddress } from "./SocketAddress.js"
import type { Handle, ListenEndpoint, Listener } from "./Transport.js"
import { Transport } from "./Transport.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@netfx/core/Server")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * What a server reports: connections it dropped (over `maxConnections`, or a peer the `blockList`
 * blocks), accept errors, and handlers that failed. Nothing is dropped silently.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerEvent =
  | {
    readonly _tag: "Drop"
    readonly reason: "maxConnections" | "blockList"
    readonly local: SocketAddress | string | undefined
    readonly remote: SocketAddress | string | undefined
  }
  | { readonly _tag: "AcceptError"; readonly error: SocketError }
  | {
    readonly _tag: "HandlerFailed"
    readonly remote: SocketAddress | string | undefined
    readonly cause: Cause.Cause<unknown>
  }

/**
 * A listening server. Its scope owns it and every connection it accepted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server extends Pipeable {
  readonly [TypeId]: TypeId
  /** The bound address: a `SocketAddress` with the port the system chose, or the socket's path. */
  readonly address: SocketAddress | string
  /**
   * The accepted connections (with `listen`; `serve` gives them to its handler instead). Each
   * stays open until it is closed, by its peer or by the consumer, or until the server shuts down.
   * The stream ends when the server stops accepting.
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
}

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
  readonly allowHalfOpen?: boolean | undefined
  readonly noDelay?: boolean | undefined
  readonly keepAlive?: boolean | undefined
  readonly keepAliveInitialDelay?: Duration.DurationInput | undefined
  /** Bytes read ahead of a connection's consumer before its socket is paused (default 64 KiB). */
  readonly highWaterMark?: number | undefined
  /**
   * Accepted for Node's sake: a netfx connection reads nothing until its consumer reads, so every
   * connection is, in Node's terms, paused on connect.
   */
  readonly pauseOnConnect?: boolean | undefined
  readonly idleTimeout?: Duration.DurationInput | undefined
  readonly failOnIdle?: boolean | undefined
  /** How long closing a connection waits for its queued bytes to be flushed (default 2 s). */
  readonly closeTimeout?: Duration.DurationInput | undefined
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
  readonly path: string
  /** Make the socket readable by every user (chmod), as Node's `readableAll`. */
  readonly readableAll?: boolean | undefined
  /** Make the socket writable by every user (chmod), as Node's `writableAll`. */
  readonly writableAll?: boolean | undefined
}

/**
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

const start = <E, R>(
  options: ServeOptions,
  handler: ((connection: Connection.Connection) => Effect.Effect<void, E, R>) | undefined
): Effect.Effect<Server, ListenFailure, Scope.Scope | Transport | R> =>
  Effect.gen(function*() {
    const endpoint = yield* endpointOf(options)
    const transport = yield* Transport
    const listener: Listener = yield* transport.listen(endpoint)
    // What a connection makes on first use and keeps for its life (its idle timer) lives in a scope
    // of its own, forked from this one; the connection closes it when its socket closes. Made before
    // the shutdown finalizer is added, so that closing the caller's scope runs the shutdown (and its
    // drain) first.
    const connectionsScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const runFork = yield* FiberSet.makeRuntime<R>()
    const handlers = yield* FiberSet.make<void, never>()
    // One fiber per connection, the handler's, started by the accept callback itself.
    const runHandler = yield* FiberSet.runtime(handlers)<R>()
    const clock = yield* Effect.clock
    const accepted = yield* Queue.unbounded<Connection.Connection>()
    const events = yield* PubSub.unbounded<ServerEvent>()
    // The connections whose socket is open. A connection is no scope's: the server closes it when
    // its handler ends or when the server shuts down, and it leaves this set when its socket closes,
    // whoever closed it. No scope, finalizer or fiber per connection beyond the handler's own.
    const open = new Set<Connection.Connection>()
    const semaphore = options.concurrency === undefined ? undefined : yield* Effect.makeSemaphore(options.concurrency)
    let accepting = true
    let drainedWaker: (() => void) | undefined
    const connectionOptions: connection.Options = {
      ...connection.resolveOptions({ ...options, readHighWaterMark: options.highWaterMark }),
      onClose: (conn) => {
        open.delete(conn)
        if (open.size === 0) drainedWaker?.()
      }
    }
    const keepAliveMillis = Duration.toMillis(Duration.decode(options.keepAliveInitialDelay ?? 0))

    const report = (event: ServerEvent) => {
      options.onEvent?.(event)
      events.unsafeOffer(event)
    }

    // A finished handler's connection is closed gracefully; a failed one's is reset, and reported
    // with the peer's address (read now if the handler did not read it: undefined once the socket
    // has closed, as in Node). The fiber ends without waiting for the socket to close: `open` keeps
    // the connection until it has, and the shutdown waits for that.
    const finish = (conn: connection.ConnectionImpl, exit: Exit.Exit<void, E>): Effect.Effect<void> => {
      if (Exit.isSuccess(exit)) return conn.release
      if (!Cause.isInterruptedOnly(exit.cause)) {
        report({ _tag: "HandlerFailed", remote: conn.remoteAddress, cause: exit.cause })
      }
      return conn.reset
    }
    const serveConnection = (conn: connection.ConnectionImpl, run: Effect.Effect<void, E, R>) =>
      Effect.uninterruptibleMask((restore) => Effect.flatMap(Effect.exit(restore(run)), (exit) => finish(conn, exit)))

    const onConnection = (handle: Handle) => {
      // The peer's address only when it is needed: it costs a getpeername and a parse.
      const drop = (reason: "maxConnections" | "blockList", remote = handle.remoteAddress()) => {
        const local = handle.localAddress()
        handle.destroy()
        report({ _tag: "Drop", reason, local, remote })
      }
      if (!accepting) return handle.destroy()
      // Node's rule (lib/net.js onconnection): drop when open connections >= maxConnections.
      if (options.maxConnections !== undefined && open.size >= options.maxConnections) return drop("maxConnections")
      if (options.blockList !== undefined) {
        const remote = handle.remoteAddress()
        if (isSocketAddress(remote) && BlockList.check(options.blockList, remote)) return drop("blockList", remote)
      }
      const conn = connection.unsafeMake(handle, connectionOptions, clock, connectionsScope)
      open.add(conn)
      if (options.noDelay) handle.setNoDelay(true)
      if (options.keepAlive) handle.setKeepAlive(true, keepAliveMillis)
      const idle = connectionOptions.idleTimeout === undefined
        ? undefined
        : conn.setIdleTimeout(connectionOptions.idleTimeout, connectionOptions.failOnIdle)
      if (handler === undefined) {
        if (idle !== undefined) runFork(idle)
        accepted.unsafeOffer(conn)
        return
      }
      const run = semaphore === undefined ? handler(conn) : semaphore.withPermits(1)(handler(conn))
      runHandler(serveConnection(conn, idle === undefined ? run : Effect.zipRight(idle, run)))
    }

    listener.listen({
      onConnection,
      onError: (error) => report({ _tag: "AcceptError", error })
    })

    const awaitDrained = Effect.async<void>((resume) => {
      if (open.size === 0) return resume(Effect.void)
      drainedWaker = () => resume(Effect.void)
      return Effect.sync(() => {
        drainedWaker = undefined
      })
    })

    const shutdownTimeout = Duration.decode(options.shutdownTimeout ?? Duration.seconds(10))
    const done = yield* Deferred.make<void>()
    const shutdown = yield* Effect.cached(
      Effect.gen(function*() {
        accepting = false
        listener.close()
        // Connections accepted but never taken from `connections` have no one to finish them.
        const untaken = yield* Queue.takeAll(accepted)
        yield* Queue.shutdown(accepted)
        yield* Effect.forEach(untaken, (conn) => conn.close, { discard: true })
        // Open connections finish on their own up to the deadline; then handlers are interrupted
        // (which resets their connections) and whatever is still open is closed.
        yield* awaitDrained.pipe(Effect.interruptible, Effect.timeout(shutdownTimeout), Effect.ignore)
        yield* FiberSet.clear(handlers)
        yield* Effect.forEach([...open], (conn) => conn.close, { discard: true })
        yield* Deferred.succeed(done, undefined)
      }).pipe(Effect.uninterruptible)
    )
    yield* Effect.addFinalizer(() => shutdown)

    if (options.signal !== undefined) {
      const signal = options.signal
      const onAbort = () => runFork(shutdown)
      if (signal.aborted) yield* shutdown
      else {
        signal.addEventListener("abort", onAbort, { once: true })
        yield* Effect.addFinalizer(() => Effect.sync(() => signal.removeEventListener("abort", onAbort)))
      }
    }

    const server: Server = {
      [TypeId]: TypeId,
      address: listener.address,
      connections: Stream.fromQueue(accepted),
      connectionCount: Effect.sync(() => open.size),
      subscribeEvents: PubSub.subscribe(events),
      shutdown,
      awaitShutdown: Deferred.await(done),
      pipe() {
        return pipeArguments(this, arguments)
      }
    }
    internalServer.handlers.set(server, handlers)
    return server
  })

/**
 * Binds and listens, for the life of the enclosing scope. Accepted connections arrive on
 * `server.connections`.
 *
 * Fails with `ListenError` (Node's code, address and port: `EADDRINUSE`, `EACCES`,
 * `EADDRNOTAVAIL`) or `InvalidArgument`. Closing the scope shuts the server down (see `Server`).
 *
 * @example
 * import { NodeTransport, Server } from "@netfx/core"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.listen({ host: "127.0.0.1", port: 0 })
 *   yield* server.connections.pipe(
 *     Stream.runForEach((conn) => Effect.fork(Stream.run(conn.stream, conn.sink)))
 *   )
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = (options: ListenOptions = {}): Effect.Effect<Server, ListenFailure, Scope.Scope | Transport> =>
  start<never, never>(options, undefined).pipe(Effect.withSpan("netfx.listen"))

/**
 * Listens and runs `handler` for each accepted connection, in a fiber of its own, with at most
 * `concurrency` at once. A connection is closed when its handler ends; a handler that fails or
 * dies resets its connection and is reported (`HandlerFailed`), and the server goes on.
 *
 * For many short connections, a `conn.read` / `conn.writeAll` loop costs each connection far less
 * than `Stream.run(conn.stream, conn.sink)`: each run of a stream has a fiber, two scopes and
 * channel executors of its own, more CPU and memory than the rest of the connection.
 *
 * @example
 * import { NodeTransport, Server } from "@netfx/core"
 * import { Effect, Stream } from "effect"
 *
 * // An echo server for the life of the scope.
 * const echo = Server.serve({ host: "127.0.0.1", port: 7000, maxConnections: 1000 }, (conn) =>
 *   Stream.run(conn.stream, conn.sink)
 * ).pipe(Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve = <E, R>(
  options: ServeOptions,
  handler: (connection: Connection.Connection) => Effect.Effect<void, E, R>
): Effect.Effect<Server, ListenFailure, Scope.Scope | Transport | R> =>
  start(options, handler).pipe(Effect.withSpan("netfx.serve"))
