/**
 * A netfx `Server` presented as `@effect/platform`'s `SocketServer.SocketServer`, so that code written
 * against the platform (`SocketServer.run`, and the protocols built on it) serves over netfx: its
 * options (`maxConnections`, `blockList`, `signal`, idle timeouts), its graceful shutdown, and any
 * `Transport`.
 *
 * Import it as `@netfx/core/PlatformSocketServer`: it needs `@effect/platform` (an optional peer
 * dependency), so the `@netfx/core` barrel does not load it.
 *
 * `run` hands each accepted connection to its handler as a platform `Socket`
 * (`PlatformSocket.fromConnection`, whose semantics are described there), in a fiber of its own.
 * The semantics follow `@effect/platform-node`'s `NodeSocketServer`, with these differences:
 *
 * - A connection is closed when its handler ends, however it ends: gracefully, as NodeSocketServer's
 *   `destroySoon` (queued bytes flushed up to `closeTimeout`, FIN, then the socket is released).
 *   NodeSocketServer does that when the socket's own `run` ends, and never closes a socket whose
 *   handler did not run it. Unlike `Server.serve`, a failed handler does not reset its connection;
 *   a handler that wants an RST writes a `CloseEvent` with an error code.
 * - A handler's failure is logged as NodeSocketServer logs it ("Unhandled error in SocketServer", at
 *   the level of `FiberRef.unhandledErrorLogLevel`, Debug by default) and the server goes on; an
 *   interruption is not logged. It is not a `HandlerFailed` server event: only `Server.serve` reports
 *   those.
 * - `run` owns the server. When it is interrupted the server shuts down as closing its scope would:
 *   it stops accepting at once, lets running handlers finish up to `shutdownTimeout` (10 s by
 *   default), then interrupts them and closes their connections, and only then does the
 *   interruption complete. NodeSocketServer interrupts its handlers at once and goes on listening
 *   for a later `run`; `shutdownTimeout: 0` gives the former.
 * - A `run` over a server that shut down (an earlier `run` was interrupted, the `signal` aborted,
 *   the scope closed, `Server.shutdown`) fails, once the shutdown is over, with `SocketServerError`
 *   `"Unknown"` whose `cause` is `ServerClosed`. NodeSocketServer's `run` would wait forever.
 * - An accept error (`EMFILE`, ...) does not fail `run`: it goes to `onEvent` as an `AcceptError`
 *   and the server keeps accepting, where NodeSocketServer fails `run` with `"Unknown"`.
 * - A failure to listen is `SocketServerError` `"Open"` whose `cause` is netfx's typed error:
 *   `ListenError` (`EADDRINUSE`, ...) or `InvalidArgument` for options Node would throw on.
 * - The handler's context has no `NodeSocket.NetSocket`.
 *
 * As in NodeSocketServer, connections accepted before `run` starts wait, open, for it. Unlike it, a
 * handler that needs a `Scope` gets its connection's own (closed when the handler ends), not `run`'s
 * caller's: what a handler acquires is released with its connection. (The platform's `run` type
 * still asks the caller for a `Scope`; none of the handlers' resources go there.) Several `run`s at once share the connections, each
 * going to one of them (NodeSocketServer gives new ones to the latest `run`).
 *
 * Node's default `allowHalfOpen: false` applies: the peer's FIN ends this side as soon as it arrives,
 * so an answer to a peer that half-closes, written after its FIN arrived, fails with EPIPE. A server
 * for such peers listens with `allowHalfOpen: true`.
 *
 * Importing this module needs `@effect/platform`, an optional peer dependency of `@netfx/core`.
 *
 * @since 0.1.0
 */

import type * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as FiberRef from "effect/FiberRef"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Connection from "./Connection.js"
import type { ConnectionImpl } from "./internal/connection.js"
import { isServerImpl } from "./internal/server.js"
import { ServerClosed } from "./NetError.js"
import * as PlatformSocket from "./PlatformSocket.js"
import * as Server from "./Server.js"
import type { SocketAddress } from "./SocketAddress.js"
import type { Transport } from "./Transport.js"

/**
 * Options of `make` and `layer`: those of `Server.listen`, and how each connection's platform
 * `Socket` treats a `CloseEvent` (see `PlatformSocket.Options`).
 *
 * @since 0.1.0
 * @category models
 */
export type Options = Server.ListenOptions & PlatformSocket.Options

/** NodeSocketServer's report of a handler's failure: logged at `unhandledErrorLogLevel`, if any. */
const reportUnhandled = <E>(cause: Cause.Cause<E>): Effect.Effect<void> =>
  Cause.isInterruptedOnly(cause) ? Effect.void : Effect.flatMap(
    FiberRef.get(FiberRef.unhandledErrorLogLevel),
    Option.match({
      onNone: () => Effect.void,
      onSome: (level) => Effect.logWithLevel(level, cause, "Unhandled error in SocketServer")
    })
  )

const serveConnection = <R, E, _>(
  connection: Connection.Connection,
  handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>,
  options: PlatformSocket.Options | undefined
): Effect.Effect<void, never, R> =>
  PlatformSocket.fromConnection(connection, options).pipe(
    Effect.flatMap(handler),
    // NodeSocketServer's `destroySoon`: flush, FIN, close, however the handler ended.
    Effect.ensuring(connection.close),
    Effect.catchAllCause(reportUnhandled)
  )

const runServer = <R, E, _>(
  server: Server.Server,
  handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>,
  options: PlatformSocket.Options | undefined
): Effect.Effect<never, SocketServer.SocketServerError, R> =>
  Effect.acquireUseRelease(
    Scope.make(),
    (scope) =>
      Effect.gen(function*() {
        // The handlers run as the server's own, which its shutdown interrupts once the deadline has
        // passed and before it closes the connections still open, as it does `Server.serve`'s: a
        // handler cut short sees its interruption, not the end of its connection. Each handler gets
        // its connection's own scope as its `Scope`. A server that is not netfx's own gets a set
        // here, added before the shutdown finalizer so that it runs after it.
        const runtime = yield* Effect.runtime<R>()
        const fork = isServerImpl(server)
          ? (connection: Connection.Connection, effect: Effect.Effect<void, never, R>) =>
            void server.fork(connection as ConnectionImpl, effect, runtime, false)
          : yield* Effect.map(
            Scope.extend(FiberSet.make<void, never>(), scope),
            (handlers) => {
              const run = Runtime.runFork(runtime)
              return (connection: Connection.Connection, effect: Effect.Effect<void, never, R>) => {
                const fiber = run(Scope.extend(effect, connection.scope))
                Effect.runSync(FiberSet.add(handlers, fiber))
              }
            }
          )
        yield* Scope.addFinalizer(scope, server.shutdown)
        yield* Stream.runForEach(
          server.connections,
          (connection) => Effect.sync(() => fork(connection, serveConnection(connection, handler, options)))
        )
        // The stream ends when the server stops accepting: let its shutdown drain the handlers.
        yield* server.awaitShutdown
        return yield* new SocketServer.SocketServerError({ reason: "Unknown", cause: new ServerClosed() })
      }),
    (scope, exit) => Scope.close(scope, exit)
  )

const addressOf = (address: SocketAddress | string): SocketServer.Address =>
  typeof address === "string"
    ? { _tag: "UnixAddress", path: address }
    : { _tag: "TcpAddress", hostname: address.address, port: address.port }

/**
 * Presents a server from `Server.listen` as a platform `SocketServer`: `run` takes the connections
 * from `server.connections` and shuts the server down when it is interrupted.
 *
 * For a server whose `address`, `connectionCount` or events the caller also wants; `make` is
 * `Server.listen` and this. A server from `Server.serve` hands its connections to its own handler,
 * so a `run` over it would serve none.
 *
 * @example
 * import type * as SocketServer from "@effect/platform/SocketServer"
 * import { Connection, NodeTransport, Server } from "@netfx/core"
 * import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.listen({ host: "127.0.0.1", port: 0, maxConnections: 100 })
 *   const platform: SocketServer.SocketServer["Type"] = PlatformSocketServer.fromServer(server)
 *   // An echo written against the platform, served until the scope closes.
 *   yield* Effect.forkScoped(platform.run((socket) => Effect.flatMap(socket.writer, (write) => socket.run(write))))
 *   const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port })
 *   yield* conn.write("ping")
 *   yield* Effect.log(`${yield* server.connectionCount} open`) // "1 open"
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromServer = (
  server: Server.Server,
  options?: PlatformSocket.Options
): SocketServer.SocketServer["Type"] =>
  SocketServer.SocketServer.of({
    address: addressOf(server.address),
    run: <R, E, _>(handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>) => runServer(server, handler, options)
  })

/**
 * Listens with `Server.listen`, for the life of the enclosing scope, and presents the server as a
 * platform `SocketServer`.
 *
 * `address` is a `TcpAddress` with the port the system chose (for `port: 0`) or a `UnixAddress`.
 * A failure to listen is `SocketServerError` `"Open"` whose `cause` is the netfx error
 * (`ListenError` with Node's code, address and port, or `InvalidArgument`). Interrupting `run`, or
 * closing the scope, shuts the server down gracefully, up to `shutdownTimeout` (see the module).
 *
 * @example
 * import * as SocketServer from "@effect/platform/SocketServer"
 * import { Connection, NodeTransport } from "@netfx/core"
 * import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
 * import { Effect } from "effect"
 *
 * // An echo server, written against the platform only.
 * const echo = Effect.gen(function*() {
 *   const server = yield* SocketServer.SocketServer
 *   return yield* server.run((socket) => Effect.flatMap(socket.writer, (write) => socket.run(write)))
 * })
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* PlatformSocketServer.make({ host: "127.0.0.1", port: 0 })
 *   yield* Effect.forkScoped(Effect.provideService(echo, SocketServer.SocketServer, server))
 *   const port = server.address._tag === "TcpAddress" ? server.address.port : 0
 *   const conn = yield* Connection.connect({ host: "127.0.0.1", port })
 *   yield* conn.write("ping")
 *   yield* conn.end
 *   return new TextDecoder().decode(yield* Connection.readAll(conn)) // "ping"
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<SocketServer.SocketServer["Type"], SocketServer.SocketServerError, Scope.Scope | Transport> =>
  Effect.gen(function*() {
    // The server gets a scope of its own, closed after the shutdown below. Server.listen forks each
    // connection's scope from the scope it runs in, so in the caller's scope those would close
    // (latest first) before the server's own shutdown finalizer: every connection closed at once,
    // with no drain.
    const listenScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const server = yield* Server.listen(options).pipe(
      Scope.extend(listenScope),
      Effect.mapError((cause) => new SocketServer.SocketServerError({ reason: "Open", cause }))
    )
    yield* Effect.addFinalizer(() => server.shutdown)
    return fromServer(server, options)
  })

/**
 * `make` as a layer, as `NodeSocketServer.layer`: the server listens while the layer is built and
 * shuts down when its scope closes.
 *
 * @example
 * import * as SocketServer from "@effect/platform/SocketServer"
 * import { Connection, NodeTransport } from "@netfx/core"
 * import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
 * import { Effect, Layer } from "effect"
 * import { mkdtempSync } from "node:fs"
 * import { tmpdir } from "node:os"
 * import { join } from "node:path"
 *
 * const path = join(mkdtempSync(join(tmpdir(), "netfx-")), "echo.sock")
 * const SocketServerLive = PlatformSocketServer.layer({ path }).pipe(Layer.provide(NodeTransport.layer))
 * const program = Effect.gen(function*() {
 *   const server = yield* SocketServer.SocketServer
 *   yield* Effect.forkScoped(server.run((socket) => Effect.flatMap(socket.writer, (write) => socket.run(write))))
 *   const conn = yield* Connection.connect({ path })
 *   yield* conn.write("ping")
 *   yield* conn.end
 *   return new TextDecoder().decode(yield* Connection.readAll(conn)) // "ping"
 * }).pipe(Effect.provide(SocketServerLive))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, Transport> =>
  Layer.scoped(SocketServer.SocketServer, make(options))
