import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { Transport } from "@netfx/core"
import { Connection, NetError, NodeTransport, Resolver, Server, TestTransport } from "@netfx/core"
import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
import {
  Cause,
  Deferred,
  Effect,
  Exit,
  Fiber,
  FiberRef,
  Layer,
  Logger,
  LogLevel,
  Option,
  Scope,
  Stream,
  TestClock
} from "effect"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import * as net from "node:net"
import { join } from "node:path"
import { failure, live, settledHandles, tempDir, text, withLive } from "./fixtures.js"

// Code written against @effect/platform's SocketServer and Socket, served by netfx on real sockets
// (127.0.0.1, ::1, Unix sockets in a temporary directory) with netfx and node:net clients. Real
// clock (it.live) because the sockets are real; no test waits for time to pass, except a shutdown
// deadline where the deadline is the point.
const tcpAddress = (server: SocketServer.SocketServer["Type"]): SocketServer.TcpAddress => {
  assert.strictEqual(server.address._tag, "TcpAddress")
  return server.address as SocketServer.TcpAddress
}

/** Waits, a turn of the event loop at a time (a busy loop would starve the sockets), for the count. */
const awaitConnections = (server: Server.Server, count: number) =>
  Effect.repeat(
    Effect.zipRight(Effect.promise(() => new Promise((resolve) => setImmediate(resolve))), server.connectionCount),
    { until: (n) => n === count }
  )

type Target = { readonly host: string; readonly port: number } | { readonly path: string }

/** Sends a message, half-closes, and returns everything the server sent back (a netfx client). */
const exchange = (target: Target, message: string | Uint8Array) =>
  Effect.scoped(Effect.gen(function*() {
    const conn = yield* Connection.connect(target)
    yield* conn.write(message)
    yield* conn.end
    return yield* Connection.readAll(conn)
  }))

/**
 * A node:net client: sends `message` (and half-closes) when `sendOn` says, collects what the
 * server sends, and reports how the connection ended.
 */
const rawClient = (target: Target, message?: string, sendOn: "connect" | "end" = "connect") =>
  Effect.async<string>((resume) => {
    const socket = "path" in target
      ? net.connect({ path: target.path, allowHalfOpen: true })
      : net.connect({ host: target.host, port: target.port, allowHalfOpen: true })
    let data = ""
    const send = () => {
      if (message !== undefined) socket.end(message)
    }
    if (sendOn === "connect") socket.on("connect", send)
    socket.on("data", (chunk) => data += chunk)
    socket.on("end", () => sendOn === "end" ? send() : socket.end())
    socket.on("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(`error ${error.code}`)))
    socket.on("close", () => resume(Effect.succeed(`closed ${data}`)))
    return Effect.sync(() => socket.destroy())
  })

// Handlers written against the platform's Socket only, as code written for NodeSocketServer is.

/** Echoes until the peer ends: `socket.run` feeding `socket.writer`. */
const echo = (socket: Socket.Socket) => Effect.scoped(Effect.flatMap(socket.writer, (write) => socket.run(write)))

/** `Socket.toChannel`: sends a greeting and half-closes, then returns what the peer sends until it ends. */
const greet = (socket: Socket.Socket) =>
  Stream.make("hello ", "from the platform").pipe(
    Stream.pipeThroughChannelOrFail(Socket.toChannel<never>(socket)),
    Stream.decodeText(),
    Stream.mkString
  )

/** A program that knows only the platform's `SocketServer`: runs the handler in the background. */
const runInBackground = <E, R>(handler: (socket: Socket.Socket) => Effect.Effect<unknown, E, R>) =>
  Effect.flatMap(
    SocketServer.SocketServer,
    (server) => Effect.as(Effect.forkScoped(server.run(handler)), server.address)
  )

/** `make`, then `run` in a fiber of the scope. */
const serve = <E, R>(
  options: PlatformSocketServer.Options,
  handler: (socket: Socket.Socket) => Effect.Effect<unknown, E, R>
) =>
  Effect.flatMap(
    PlatformSocketServer.make(options),
    (server) => Effect.provideService(runInBackground(handler), SocketServer.SocketServer, server)
  )

/** A handler that signals `started`, waits for `release`, then writes "finished". */
const heldUntil = (started: Deferred.Deferred<void>, release: Deferred.Deferred<void>) => (socket: Socket.Socket) =>
  Effect.gen(function*() {
    const write = yield* socket.writer
    yield* Deferred.succeed(started, undefined)
    yield* Deferred.await(release)
    yield* write("finished")
  }).pipe(Effect.scoped)

describe("PlatformSocketServer", () => {
  it.live("serves an echo written against the platform over IPv4, IPv6 and a Unix socket", () =>
    withLive(Effect.gen(function*() {
      const v4 = yield* serve({ host: "127.0.0.1" }, echo)
      assert.strictEqual(v4._tag, "TcpAddress")
      if (v4._tag !== "TcpAddress") return
      assert.strictEqual(v4.hostname, "127.0.0.1")
      assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port: v4.port }, "over IPv4")), "over IPv4")

      const v6 = yield* serve({ host: "::1" }, echo)
      assert.strictEqual(v6._tag === "TcpAddress" && v6.hostname, "::1")
      if (v6._tag !== "TcpAddress") return
      assert.strictEqual(text(yield* exchange({ host: "::1", port: v6.port }, "over IPv6")), "over IPv6")

      const path = join(yield* tempDir, "echo.sock")
      const ipc = yield* serve({ path }, echo)
      assert.deepStrictEqual(ipc, { _tag: "UnixAddress", path })
      assert.strictEqual(text(yield* exchange({ path }, "over a Unix socket")), "over a Unix socket")
      // And to a node:net client.
      assert.strictEqual(yield* rawClient({ path }, "from node"), "closed from node")
    })))

  it.live("address: port 0 is resolved to the bound port; without a host it is ::", () =>
    withLive(Effect.gen(function*() {
      const server = yield* PlatformSocketServer.make({ host: "127.0.0.1", port: 0 })
      const address = tcpAddress(server)
      assert.isAbove(address.port, 0)
      // The port really is the one bound: a node:net client reaches it.
      yield* Effect.provideService(runInBackground(echo), SocketServer.SocketServer, server)
      assert.strictEqual(yield* rawClient({ host: "127.0.0.1", port: address.port }, "port"), "closed port")

      const any = yield* PlatformSocketServer.make({})
      assert.strictEqual(tcpAddress(any).hostname, "::")
      assert.isAbove(tcpAddress(any).port, 0)
    })))

  it.live("Socket.toChannel serves a node:net client, reading on after its own FIN", () =>
    withLive(Effect.gen(function*() {
      const received = yield* Deferred.make<string>()
      const address = yield* serve(
        { host: "127.0.0.1" },
        (socket) => Effect.flatMap(greet(socket), (answer) => Deferred.succeed(received, answer))
      )
      if (address._tag !== "TcpAddress") return assert.fail("expected a TCP address")
      // The client answers only once the server has ended its side.
      const client = yield* rawClient({ host: "127.0.0.1", port: address.port }, "hello back", "end")
      assert.strictEqual(client, "closed hello from the platform")
      assert.strictEqual(yield* Deferred.await(received), "hello back")
    })))

  it.live("a handler's end closes its connection, flushed; an error CloseEvent resets it", () =>
    withLive(Effect.gen(function*() {
      // The handler never runs the socket: NodeSocketServer would leave this connection open.
      const bye = yield* serve(
        { host: "127.0.0.1" },
        (socket) => Effect.scoped(Effect.flatMap(socket.writer, (write) => write("bye")))
      )
      if (bye._tag !== "TcpAddress") return assert.fail("expected a TCP address")
      assert.strictEqual(yield* rawClient({ host: "127.0.0.1", port: bye.port }), "closed bye")

      const reset = yield* serve(
        { host: "127.0.0.1" },
        (socket) =>
          Effect.scoped(Effect.flatMap(socket.writer, (write) => write(new Socket.CloseEvent(4000, "go away"))))
      )
      if (reset._tag !== "TcpAddress") return assert.fail("expected a TCP address")
      assert.strictEqual(yield* rawClient({ host: "127.0.0.1", port: reset.port }), "error ECONNRESET")
    })))

  it.live("EADDRINUSE is a SocketServerError \"Open\" whose cause is netfx's ListenError", () =>
    withLive(Effect.gen(function*() {
      const first = yield* PlatformSocketServer.make({ host: "127.0.0.1" })
      const port = tcpAddress(first).port
      const error = failure(yield* Effect.exit(PlatformSocketServer.make({ host: "127.0.0.1", port })))
      assert.instanceOf(error, SocketServer.SocketServerError)
      assert.strictEqual(error.reason, "Open")
      assert.instanceOf(error.cause, NetError.ListenError)
      const cause = error.cause as NetError.ListenError
      assert.strictEqual(cause.code, "EADDRINUSE")
      assert.strictEqual(cause.port, port)
      assert.strictEqual(cause.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`)

      // A Unix socket path in use, and options Node would throw on: "Open" all the same.
      const path = join(yield* tempDir, "taken.sock")
      yield* PlatformSocketServer.make({ path })
      const taken = failure(yield* Effect.exit(PlatformSocketServer.make({ path })))
      assert.strictEqual(taken.reason, "Open")
      assert.strictEqual((taken.cause as NetError.ListenError).code, "EADDRINUSE")
      const invalid = failure(yield* Effect.exit(PlatformSocketServer.make({ port: 65536 })))
      assert.strictEqual(invalid.reason, "Open")
      assert.instanceOf(invalid.cause, NetError.InvalidArgument)
      assert.strictEqual((invalid.cause as NetError.InvalidArgument).code, "ERR_SOCKET_BAD_PORT")
    })))

  it.live("layer: the platform's SocketServer over NodeTransport.layer", () =>
    Effect.gen(function*() {
      expectTypeOf(PlatformSocketServer.layer).returns.toEqualTypeOf<
        Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, Transport.Transport>
      >()
      const path = join(yield* tempDir, "layer.sock")
      const served = yield* Effect.gen(function*() {
        yield* runInBackground(echo)
        return yield* exchange({ path }, "via the layer").pipe(Effect.provide(live))
      }).pipe(
        Effect.scoped,
        Effect.provide(PlatformSocketServer.layer({ path }).pipe(Layer.provide(NodeTransport.layer)))
      )
      assert.strictEqual(text(served), "via the layer")
      // The layer's scope closed: the server is gone, and its socket file with it.
      assert.isFalse(existsSync(path))

      // A failure to listen fails the layer, with the platform's error.
      yield* PlatformSocketServer.make({ path }).pipe(Effect.provide(NodeTransport.layer))
      const error = failure(
        yield* Effect.exit(
          Effect.provide(SocketServer.SocketServer, PlatformSocketServer.layer({ path })).pipe(
            Effect.provide(NodeTransport.layer)
          )
        )
      )
      assert.strictEqual(error.reason, "Open")
      assert.strictEqual((error.cause as NetError.ListenError).code, "EADDRINUSE")
    }).pipe(Effect.scoped))

  it.live("serves 200 clients at once, each getting its own bytes back", () =>
    withLive(Effect.gen(function*() {
      const address = yield* serve({ host: "127.0.0.1", backlog: 1024 }, echo)
      if (address._tag !== "TcpAddress") return assert.fail("expected a TCP address")
      const payloads = Array.from({ length: 200 }, () => randomBytes(16 * 1024))
      const results = yield* Effect.forEach(
        payloads,
        (payload) => exchange({ host: "127.0.0.1", port: address.port }, payload),
        { concurrency: "unbounded" }
      )
      results.forEach((echoed, i) => assert.isTrue(Buffer.from(echoed).equals(payloads[i]!), `client ${i}`))
    })), 60_000)

  it.live("a failing handler's connection is closed, the failure logged as NodeSocketServer logs it, the server goes on", () =>
    withLive(Effect.gen(function*() {
      const logged = yield* Deferred.make<{ readonly message: unknown; readonly cause: Cause.Cause<unknown> }>()
      // Effect logs the failed stream inside the handler too ("Fiber terminated with an unhandled error").
      const logger = Logger.make(({ cause, message }) => {
        if (Array.isArray(message) && message[0] === "Unhandled error in SocketServer") {
          Deferred.unsafeDone(logged, Exit.succeed({ message, cause }))
        }
      })
      const server = yield* PlatformSocketServer.make({ host: "127.0.0.1" })
      const port = tcpAddress(server).port
      yield* server.run((socket) =>
        Effect.gen(function*() {
          const write = yield* socket.writer
          yield* socket.run((bytes): Effect.Effect<void, Socket.SocketError | string> =>
            text(bytes).startsWith("fail") ? Effect.fail("handler failed") : write(bytes)
          )
        }).pipe(Effect.scoped)
      ).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Effect.locally(FiberRef.unhandledErrorLogLevel, Option.some(LogLevel.Error)),
        Effect.forkScoped
      )
      const failed = yield* rawClient({ host: "127.0.0.1", port }, "fail")
      assert.match(failed, /^(closed $|error ECONNRESET)/)
      const log = yield* Deferred.await(logged)
      assert.deepStrictEqual(log.message, ["Unhandled error in SocketServer"])
      assert.deepStrictEqual([...Cause.failures(log.cause)], ["handler failed"])
      assert.strictEqual(yield* rawClient({ host: "127.0.0.1", port }, "fine"), "closed fine")
    })))

  it.live("connections accepted before run wait, open, for it", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.listen({ host: "127.0.0.1" })
      const platform = PlatformSocketServer.fromServer(server)
      const client = yield* Effect.fork(exchange({ host: "127.0.0.1", port: tcpAddress(platform).port }, "early"))
      yield* awaitConnections(server, 1)
      yield* Effect.forkScoped(platform.run(echo))
      assert.strictEqual(text(yield* Fiber.join(client)), "early")
    })))

  it.live("interrupting run stops accepting at once, lets a running handler finish, and ends the server", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const server = yield* Server.listen({ host: "127.0.0.1", shutdownTimeout: "30 seconds" })
      const platform = PlatformSocketServer.fromServer(server)
      const port = tcpAddress(platform).port
      const running = yield* Effect.fork(platform.run(heldUntil(started, release)))
      const client = yield* Effect.fork(rawClient({ host: "127.0.0.1", port }))
      yield* Deferred.await(started)
      const interrupting = yield* Effect.fork(Fiber.interrupt(running))
      // The listener closed at once: a new client is refused while the handler still runs.
      yield* Effect.repeat(rawClient({ host: "127.0.0.1", port }), {
        until: (result) => result === "error ECONNREFUSED"
      })
      assert.isNull(interrupting.unsafePoll())
      assert.strictEqual(yield* server.connectionCount, 1)
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(yield* Fiber.join(client), "closed finished")
      assert.isTrue(Exit.isInterrupted(yield* Fiber.join(interrupting)))
      assert.strictEqual(yield* server.connectionCount, 0)

      // The server is over: a later run fails once, with the platform's error.
      const again = failure(yield* Effect.exit(platform.run(echo)))
      assert.strictEqual(again.reason, "Unknown")
      assert.instanceOf(again.cause, NetError.ServerClosed)
    })))

  it.live("closing make's scope drains as well: the running handler finishes, then run fails (ServerClosed)", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const scope = yield* Scope.make()
      const server = yield* PlatformSocketServer.make({ host: "127.0.0.1", shutdownTimeout: "30 seconds" }).pipe(
        Scope.extend(scope)
      )
      const port = tcpAddress(server).port
      // run is not in the scope: only the scope's own finalizer can shut the server down.
      const running = yield* Effect.fork(server.run(heldUntil(started, release)))
      const client = yield* Effect.fork(rawClient({ host: "127.0.0.1", port }))
      yield* Deferred.await(started)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Effect.repeat(rawClient({ host: "127.0.0.1", port }), {
        until: (result) => result === "error ECONNREFUSED"
      })
      assert.isNull(closing.unsafePoll())
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(yield* Fiber.join(client), "closed finished")
      yield* Fiber.join(closing)
      const error = failure(yield* Fiber.await(running))
      assert.strictEqual(error.reason, "Unknown")
      assert.instanceOf(error.cause, NetError.ServerClosed)
    })))

  it.live("with shutdownTimeout 0, interrupting run interrupts handlers at once, as NodeSocketServer does", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const server = yield* PlatformSocketServer.make({ host: "127.0.0.1", shutdownTimeout: 0 })
      const running = yield* Effect.fork(server.run((socket) =>
        Deferred.succeed(started, undefined).pipe(
          // Reads until the peer ends, which this one never does.
          Effect.zipRight(socket.run(() => {})),
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
        )
      ))
      const client = yield* Effect.fork(rawClient({ host: "127.0.0.1", port: tcpAddress(server).port }))
      yield* Deferred.await(started)
      yield* Fiber.interrupt(running)
      yield* Deferred.await(interrupted)
      assert.match(yield* Fiber.join(client), /^(closed $|error ECONNRESET)/)
    })))

  it.live("an aborted signal ends run with SocketServerError \"Unknown\" (ServerClosed), after the handlers", () =>
    withLive(Effect.gen(function*() {
      const path = join(yield* tempDir, "signal.sock")
      const controller = new AbortController()
      const server = yield* PlatformSocketServer.make({ path, signal: controller.signal })
      const running = yield* Effect.fork(server.run(echo))
      assert.strictEqual(text(yield* exchange({ path }, "before the abort")), "before the abort")
      controller.abort()
      const error = failure(yield* Fiber.await(running))
      assert.strictEqual(error.reason, "Unknown")
      assert.instanceOf(error.cause, NetError.ServerClosed)
      assert.isFalse(existsSync(path))
    })))

  it.live("leaves no socket open: run interrupted, scope closed, a failed handler, a reset, a refused listen", () =>
    Effect.gen(function*() {
      const before = yield* settledHandles
      yield* withLive(Effect.gen(function*() {
        // run interrupted while a client is connected and idle: the deadline closes it.
        const tcp = yield* PlatformSocketServer.make({ host: "127.0.0.1", shutdownTimeout: "10 millis" })
        const port = tcpAddress(tcp).port
        const running = yield* Effect.fork(tcp.run(echo))
        assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port }, "x")), "x")
        const idle = yield* Effect.fork(rawClient({ host: "127.0.0.1", port }))
        assert.strictEqual(yield* rawClient({ host: "127.0.0.1", port }, "y"), "closed y")
        yield* Fiber.interrupt(running)
        assert.match(yield* Fiber.join(idle), /^(closed $|error ECONNRESET)/)

        // The scope closes with run still running in it, and a client connected to a Unix socket.
        const path = join(yield* tempDir, "leak.sock")
        const idleOverIpc = yield* Effect.scoped(Effect.gen(function*() {
          const server = yield* Server.listen({ path, shutdownTimeout: "10 millis" })
          yield* Effect.forkScoped(
            PlatformSocketServer.fromServer(server).run((socket) => socket.run(() => Effect.fail("reset me")))
          )
          assert.match(yield* rawClient({ path }, "z"), /^(closed $|error ECONNRESET)/)
          const idle = yield* Effect.fork(rawClient({ path }))
          yield* awaitConnections(server, 1)
          return idle
        }))
        assert.match(yield* Fiber.join(idleOverIpc), /^(closed $|error ECONNRESET)/)

        // A handler that resets its connection with an error CloseEvent.
        const resetting = yield* serve(
          { host: "127.0.0.1" },
          (socket) => Effect.scoped(Effect.flatMap(socket.writer, (write) => write(new Socket.CloseEvent(4000))))
        )
        if (resetting._tag !== "TcpAddress") return assert.fail("expected a TCP address")
        assert.strictEqual(yield* rawClient({ host: "127.0.0.1", port: resetting.port }), "error ECONNRESET")

        // A listen refused: nothing is left behind.
        const holder = yield* PlatformSocketServer.make({ host: "127.0.0.1" })
        const refused = yield* Effect.exit(
          PlatformSocketServer.make({ host: "127.0.0.1", port: tcpAddress(holder).port })
        )
        assert.strictEqual(failure(refused).reason, "Open")
      }))
      assert.strictEqual(yield* settledHandles, before, JSON.stringify(process.getActiveResourcesInfo()))
    }))
})

describe("PlatformSocketServer on a simulated network (exact instants)", () => {
  const simulated = Layer.merge(TestTransport.layer, Resolver.layerStatic({}))

  it.effect("interrupting run waits for a stuck handler exactly shutdownTimeout, then interrupts it", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const server = yield* PlatformSocketServer.make({ host: "127.0.0.1", port: 80, shutdownTimeout: "10 seconds" })
      const running = yield* Effect.fork(server.run(() =>
        Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Effect.never),
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
        )
      ))
      yield* Effect.fork(
        Effect.scoped(Connection.connect({ host: "127.0.0.1", port: 80 })).pipe(Effect.zipRight(Effect.never))
      )
      yield* Deferred.await(started)
      const interrupting = yield* Effect.fork(Fiber.interrupt(running))
      yield* TestClock.adjust("9999 millis")
      assert.isNull(interrupting.unsafePoll())
      assert.isFalse(yield* Deferred.isDone(interrupted))
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(interrupting)
      assert.isTrue(yield* Deferred.isDone(interrupted))
    }).pipe(Effect.scoped, Effect.provide(simulated)))
})
