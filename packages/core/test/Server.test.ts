import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { Transport } from "@netfx/core"
import { BlockList, Connection, Resolver, Server, SocketAddress, TestTransport } from "@netfx/core"
import {
  Cause,
  Context,
  Deferred,
  Effect,
  Either,
  Exit,
  Fiber,
  FiberRef,
  HashMap,
  Layer,
  Option,
  Queue,
  Stream,
  TestClock
} from "effect"
import type { Scope } from "effect/Scope"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import * as net from "node:net"
import { join } from "node:path"
import { eventually, failure, settledHandles, tempDir, text, withLive } from "./fixtures.js"

// Real sockets on this machine only (127.0.0.1, ::1, :: bound locally, Unix sockets in a temporary
// directory), on the real clock because the sockets are; no test waits for time to pass, except
// the shutdown deadline, which is the point of its test.
const portOf = (server: Server.Server) => (server.address as SocketAddress.SocketAddress).port

/** Echoes until the peer ends, then ends too. */
const echo = (conn: Connection.Connection) => Stream.run(conn.stream, conn.sink).pipe(Effect.zipRight(conn.end))

/** Sends a message, half-closes, and returns everything the server sent back. */
const exchange = (options: Connection.ConnectOptions, message: string | Uint8Array) =>
  Effect.scoped(Effect.gen(function*() {
    const conn = yield* Connection.connect(options)
    yield* conn.write(message)
    yield* conn.end
    return yield* Connection.readAll(conn)
  }))

/** A raw node:net client that reports how the server treated it. */
const rawClient = (port: number, host = "127.0.0.1") =>
  Effect.async<string>((resume) => {
    const socket = net.connect(port, host)
    let data = ""
    socket.on("data", (chunk) => data += chunk)
    socket.on("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(`error ${error.code}`)))
    socket.on("close", () => resume(Effect.succeed(`closed ${data}`)))
  })

describe("Server over the runtime's sockets", () => {
  it.live("serves an echo over IPv4, IPv6 and a Unix socket", () =>
    withLive(Effect.gen(function*() {
      const v4 = yield* Server.serve({ host: "127.0.0.1" }, echo)
      assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port: portOf(v4) }, "over IPv4")), "over IPv4")
      const v6 = yield* Server.serve({ host: "::1" }, echo)
      assert.strictEqual(text(yield* exchange({ host: "::1", port: portOf(v6) }, "over IPv6")), "over IPv6")
      const dir = yield* tempDir
      const path = join(dir, "server.sock")
      const ipc = yield* Server.serve({ path }, echo)
      assert.strictEqual(ipc.address, path)
      assert.strictEqual(text(yield* exchange({ path }, "over a Unix socket")), "over a Unix socket")
    })))

  it.live("port 0 gets a free port, and the address says which", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.listen({ host: "127.0.0.1", port: 0 })
      assert.isTrue(SocketAddress.isSocketAddress(server.address))
      assert.isAbove(portOf(server), 0)
      assert.strictEqual((server.address as SocketAddress.SocketAddress).address, "127.0.0.1")
    })))

  it.live("without a host it listens dual-stack: reachable from 127.0.0.1 and ::1", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.serve({}, echo)
      assert.strictEqual((server.address as SocketAddress.SocketAddress).address, "::")
      assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port: portOf(server) }, "v4")), "v4")
      assert.strictEqual(text(yield* exchange({ host: "::1", port: portOf(server) }, "v6")), "v6")
    })))

  it.live("ipv6Only refuses IPv4 clients", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.serve({ host: "::", ipv6Only: true }, echo)
      assert.strictEqual(text(yield* exchange({ host: "::1", port: portOf(server) }, "v6")), "v6")
      const error = failure(yield* Effect.exit(exchange({ host: "127.0.0.1", port: portOf(server) }, "v4")))
      assert.strictEqual(error._tag, "ConnectError")
    })))

  it.live("serves 500 clients at once, each getting its own bytes back", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.serve({ host: "127.0.0.1", backlog: 1024 }, echo)
      const port = portOf(server)
      const payloads = Array.from({ length: 500 }, () => randomBytes(4096))
      const results = yield* Effect.forEach(
        payloads,
        (payload) => exchange({ host: "127.0.0.1", port }, payload),
        { concurrency: "unbounded" }
      )
      results.forEach((echoed, i) => assert.isTrue(Buffer.from(echoed).equals(payloads[i]!), `client ${i}`))
    })), 60_000)

  it.live("drops connections over maxConnections, reporting both addresses", () =>
    withLive(Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const server = yield* Server.serve(
        { host: "127.0.0.1", maxConnections: 1 },
        (conn) => Deferred.await(release).pipe(Effect.zipRight(conn.write("served")))
      )
      const events = yield* server.subscribeEvents
      const port = portOf(server)
      const first = yield* Effect.fork(rawClient(port))
      yield* eventually(server.connectionCount, (n) => n === 1)
      const dropped = yield* rawClient(port)
      assert.match(dropped, /^(closed |error ECONNRESET)/)
      const event = yield* Queue.take(events)
      assert.strictEqual(event._tag, "Drop")
      if (event._tag === "Drop") {
        assert.strictEqual(event.reason, "maxConnections")
        assert.strictEqual(String(event.local), `127.0.0.1:${port}`)
        const remote = event.remote as SocketAddress.SocketAddress
        assert.strictEqual(remote.address, "127.0.0.1")
        assert.strictEqual(remote.family, "ipv4")
        assert.isAbove(remote.port, 0)
      }
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(yield* Fiber.join(first), "closed served")
    })))

  it.live("maxConnections 0 drops every connection", () =>
    withLive(Effect.gen(function*() {
      const dropped: Array<string> = []
      const server = yield* Server.serve(
        { host: "127.0.0.1", maxConnections: 0, onEvent: (event) => dropped.push(event._tag) },
        echo
      )
      assert.match(yield* rawClient(portOf(server)), /^(closed $|error ECONNRESET)/)
      assert.deepStrictEqual(dropped, ["Drop"])
    })))

  it.live("drops peers the blockList blocks", () =>
    withLive(Effect.gen(function*() {
      const blockList = Either.getOrThrow(BlockList.addAddress(BlockList.empty, "127.0.0.1"))
      let served = 0
      const server = yield* Server.serve({ host: "::", blockList }, (conn) => {
        served++
        return echo(conn)
      })
      const events = yield* server.subscribeEvents
      assert.match(yield* rawClient(portOf(server)), /^(closed $|error ECONNRESET)/)
      const event = yield* Queue.take(events)
      assert.strictEqual(event._tag === "Drop" && event.reason, "blockList")
      // The same host as IPv4-mapped IPv6 on a dual-stack socket: blocked all the same.
      assert.strictEqual(
        event._tag === "Drop" && (event.remote as SocketAddress.SocketAddress).address,
        "::ffff:127.0.0.1"
      )
      // ::1 is not blocked.
      assert.strictEqual(text(yield* exchange({ host: "::1", port: portOf(server) }, "ok")), "ok")
      assert.strictEqual(served, 1)
    })))

  it.live("EADDRINUSE is a typed ListenError with Node's code, address, port and message", () =>
    withLive(Effect.gen(function*() {
      const first = yield* Server.listen({ host: "127.0.0.1" })
      const port = portOf(first)
      const error = failure(yield* Effect.exit(Server.listen({ host: "127.0.0.1", port })))
      assert.strictEqual(error._tag, "ListenError")
      if (error._tag !== "ListenError") return
      assert.strictEqual(error.code, "EADDRINUSE")
      assert.strictEqual(error.address, "127.0.0.1")
      assert.strictEqual(error.port, port)
      assert.strictEqual(error.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
    })))

  it.live("bad options fail with Node's codes before binding", () =>
    withLive(Effect.gen(function*() {
      const code = (options: Server.ListenOptions) =>
        Effect.map(Effect.exit(Server.listen(options)), (exit) => (failure(exit) as { code: string }).code)
      assert.strictEqual(yield* code({ port: 65536 }), "ERR_SOCKET_BAD_PORT")
      assert.strictEqual(yield* code({ port: -1 }), "ERR_SOCKET_BAD_PORT")
      assert.strictEqual(yield* code({ port: 0, backlog: -1 }), "ERR_OUT_OF_RANGE")
      assert.strictEqual(yield* code({ path: "" }), "ERR_INVALID_ARG_TYPE")
      assert.strictEqual(yield* code({ path: "/tmp/" + "x".repeat(200) }), "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(yield* code({ path: "\0abstract", readableAll: true }), "ERR_INVALID_ARG_VALUE")
    })))

  it.live("reusePort: shared where the runtime can, a typed error where it cannot", () =>
    withLive(Effect.gen(function*() {
      const first = yield* Effect.either(Server.listen({ host: "127.0.0.1", reusePort: true }))
      if (Either.isLeft(first)) {
        assert.strictEqual(first.left.code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM")
        return
      }
      const second = yield* Server.listen({ host: "127.0.0.1", port: portOf(first.right), reusePort: true })
      assert.strictEqual(portOf(second), portOf(first.right))
    })))

  it.live("a handler runs with the program's services, FiberRefs and log annotations, and changes none", () =>
    withLive(Effect.gen(function*() {
      class Greeting extends Context.Tag("Greeting")<Greeting, string>() {}
      const label = yield* FiberRef.make("default")
      // A FiberRef with a fork of its own: every new fiber gets fork(value), a handler's too.
      const generation = yield* FiberRef.make(0, { fork: (n) => n + 1 })
      const programScope = yield* Effect.scope
      let count = 0
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          const n = ++count
          const greeting = yield* Greeting
          const seen = `${yield* FiberRef.get(label)}${yield* FiberRef.get(generation)}`
          const annotations = yield* Effect.logAnnotations
          // Set here, it stays here: the next handler still sees the program's value. Set by a
          // child the handler joins, it comes back to the handler, as joining does.
          const child = yield* Effect.fork(FiberRef.set(label, `handler ${n}`))
          yield* Fiber.join(child)
          const scope = yield* Effect.scope
          yield* conn.write(
            `${greeting} ${seen} ${HashMap.get(annotations, "server").pipe(Option.getOrElse(() => "none"))} ${
              scope === programScope ? "program's scope" : "own scope"
            } ${yield* FiberRef.get(label)}`
          )
          yield* conn.end
        })).pipe(
          Effect.provideService(Greeting, "hello"),
          Effect.locally(label, "program"),
          Effect.locally(generation, 1),
          Effect.annotateLogs("server", "annotated")
        )
      const port = portOf(server)
      assert.strictEqual(
        text(yield* exchange({ host: "127.0.0.1", port }, "hi")),
        "hello program2 annotated own scope handler 1"
      )
      assert.strictEqual(
        text(yield* exchange({ host: "127.0.0.1", port }, "hi")),
        "hello program2 annotated own scope handler 2"
      )
      assert.strictEqual(yield* FiberRef.get(label), "default")
    })))

  it.live("what a handler writes at once reaches a peer that half-closed without sending anything", () =>
    withLive(Effect.gen(function*() {
      // A banner server: the peer's FIN may be there before the handler has run.
      const server = yield* Server.serve(
        { host: "127.0.0.1" },
        (conn) => conn.write("banner").pipe(Effect.zipRight(conn.end))
      )
      const port = portOf(server)
      for (let i = 0; i < 5; i++) assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port }, "")), "banner")
    })))

  it.live("a failing handler resets its connection, is reported, and the server goes on", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          const first = yield* conn.read
          if (Option.isSome(first) && text(first.value.pipe((c) => Buffer.concat([...c]))) === "fail") {
            return yield* Effect.fail("handler failed")
          }
          yield* conn.write("fine")
        }))
      const events = yield* server.subscribeEvents
      const port = portOf(server)
      const failed = yield* Effect.exit(exchange({ host: "127.0.0.1", port }, "fail"))
      assert.isTrue(Exit.isFailure(failed) || text(Exit.isSuccess(failed) ? failed.value : new Uint8Array()) === "")
      const event = yield* Queue.take(events)
      assert.strictEqual(event._tag, "HandlerFailed")
      if (event._tag === "HandlerFailed") {
        assert.deepStrictEqual(Cause.failures(event.cause).pipe((c) => [...c]), ["handler failed"])
      }
      assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port }, "hello")), "fine")
    })))

  it.live("a peer that resets is not a handler failure; a handler failure always names the peer", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          // Reads until the peer goes: a reset fails the read with ECONNRESET.
          yield* Stream.runDrain(conn.stream)
          // A bug that shows only once the socket is gone.
          return yield* Effect.fail("after the peer left")
        }))
      const events = yield* server.subscribeEvents
      const port = portOf(server)
      yield* Effect.async<void>((resume) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.resetAndDestroy())
        socket.on("close", () => resume(Effect.void))
      })
      const reset = yield* Queue.take(events)
      assert.strictEqual(reset._tag, "ConnectionFailed")
      if (reset._tag === "ConnectionFailed") {
        assert.strictEqual(reset.error.code, "ECONNRESET")
        assert.strictEqual((reset.remote as SocketAddress.SocketAddress).address, "127.0.0.1")
      }
      yield* Effect.async<void>((resume) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.end())
        socket.on("close", () => resume(Effect.void))
      })
      const bug = yield* Queue.take(events)
      assert.strictEqual(bug._tag, "HandlerFailed")
      // The socket had closed before the handler failed: the address was kept from the accept.
      if (bug._tag === "HandlerFailed") {
        assert.strictEqual((bug.remote as SocketAddress.SocketAddress).address, "127.0.0.1")
      }
    })))

  it.live("a shutdown reports each stage: stopped accepting, draining with N open, deadline, closed", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const stages: Array<string> = []
      const server = yield* Server.serve({
        host: "127.0.0.1",
        shutdownTimeout: "20 millis",
        onEvent: (event) => {
          if (event._tag === "Shutdown") stages.push(`${event.stage} ${event.open}`)
        }
      }, () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never))
      const client = yield* Effect.fork(rawClient(portOf(server)))
      yield* Deferred.await(started)
      yield* server.shutdown
      assert.deepStrictEqual(stages, ["StoppedAccepting 1", "Draining 1", "DeadlineReached 1", "Closed 0"])
      // The handler cut short by the deadline: its connection was reset.
      assert.strictEqual(yield* Fiber.join(client), "error ECONNRESET")
    })))

  it.live("the address is typed by the options: a SocketAddress for TCP, the path for IPC", () =>
    withLive(Effect.gen(function*() {
      const tcp = yield* Server.listen({ host: "127.0.0.1" })
      expectTypeOf(tcp.address).toEqualTypeOf<SocketAddress.SocketAddress>()
      assert.isAbove(tcp.address.port, 0)
      const path = join(yield* tempDir, "typed.sock")
      const ipc = yield* Server.serve({ path }, (conn) => conn.end)
      expectTypeOf(ipc.address).toEqualTypeOf<string>()
      assert.strictEqual(ipc.address, path)
    })))

  it.live(
    "unref lets a process exit with a server and a connection open; ref keeps it alive",
    () =>
      withLive(Effect.gen(function*() {
        // The peer the child connects to lives here, so that the child's only handles are its own
        // listening server and its client connection.
        const peer = yield* Server.serve({ host: "127.0.0.1" }, () => Effect.never)
        const program = (unref: boolean) => `
        import { Connection, NodeTransport, Server } from "@netfx/core"
        import { Effect } from "effect"
        Effect.gen(function*() {
          const server = yield* Server.serve({ host: "127.0.0.1" }, () => Effect.void)
          const conn = yield* Connection.connect({ host: "127.0.0.1", port: ${peer.address.port} })
          ${unref ? "yield* server.unref; yield* conn.unref" : ""}
          console.log("ready")
          // Waits for ever without a timer of its own (Effect.never holds the process open).
          return yield* Effect.async<never>(() => {})
        }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer), Effect.runFork)
      `
        // The exit says whether the child exited on its own (0) or had to be stopped (SIGKILL, which no
        // loader or runtime can catch and turn into an exit of its own).
        const run = (unref: boolean) =>
          Effect.async<string>((resume) => {
            const child = spawn(
              process.execPath,
              ["--import", "tsx", "--conditions=@netfx/source", "--input-type=module", "-e", program(unref)],
              { stdio: ["ignore", "pipe", "inherit"] }
            )
            let out = ""
            child.stdout.on("data", (d) => {
              out += d
              // With its handles ref'd it never exits: once it is ready, it is stopped.
              if (!unref && out.includes("ready")) child.kill("SIGKILL")
            })
            child.on("exit", (code, signal) => resume(Effect.succeed(`${out.trim()} ${signal ?? code}`)))
          })
        assert.strictEqual(yield* run(true), "ready 0")
        assert.strictEqual(yield* run(false), "ready SIGKILL")
      })),
    60_000
  )

  it.live("shutdown stops accepting at once and lets a slow handler finish", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const server = yield* Server.serve({ host: "127.0.0.1", shutdownTimeout: "30 seconds" }, (conn) =>
        Effect.gen(function*() {
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          yield* conn.write("finished")
        }))
      const port = portOf(server)
      const client = yield* Effect.fork(rawClient(port))
      yield* Deferred.await(started)
      const shutdown = yield* Effect.fork(server.shutdown)
      // The listener closed at once: a new client is refused while the handler still runs.
      yield* Effect.repeat(rawClient(port), {
        until: (result) =>
          result === "error ECONNREFUSED"
      })
      assert.isNull(shutdown.unsafePoll())
      assert.strictEqual(yield* server.connectionCount, 1)
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(yield* Fiber.join(client), "closed finished")
      yield* Fiber.join(shutdown)
      yield* server.awaitShutdown
      assert.strictEqual(yield* server.connectionCount, 0)
    })))

  it.live("closing the server's scope drains too: a handler still running finishes its reply", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const serverClosed = yield* Deferred.make<void>()
      const port = yield* Deferred.make<number>()
      // The server lives in a scope of its own, closed while its handler still works.
      yield* Effect.fork(
        Effect.scoped(Effect.gen(function*() {
          const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
            Effect.gen(function*() {
              yield* Deferred.succeed(started, undefined)
              yield* Deferred.await(release)
              yield* conn.write("finished after the scope closed")
            }))
          yield* Deferred.succeed(port, portOf(server))
          yield* Deferred.await(started)
        })).pipe(Effect.zipRight(Deferred.succeed(serverClosed, undefined)))
      )
      const client = yield* Effect.fork(rawClient(yield* Deferred.await(port)))
      yield* Deferred.await(started)
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual(yield* Fiber.join(client), "closed finished after the scope closed")
      yield* Deferred.await(serverClosed)
    })))

  it.live("the shutdown deadline interrupts a stuck handler and closes its connection", () =>
    withLive(Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const server = yield* Server.serve(
        { host: "127.0.0.1", shutdownTimeout: "100 millis" },
        () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
          )
      )
      const client = yield* Effect.fork(rawClient(portOf(server)))
      yield* Deferred.await(started)
      const before = Date.now()
      yield* server.shutdown
      assert.isAtLeast(Date.now() - before, 90)
      yield* Deferred.await(interrupted)
      assert.match(yield* Fiber.join(client), /^(closed $|error ECONNRESET)/)
    })))

  it.live("an abort signal shuts the server down, and the Unix socket file is removed", () =>
    withLive(Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "signal.sock")
      const controller = new AbortController()
      const server = yield* Server.serve({ path, signal: controller.signal }, echo)
      assert.isTrue(existsSync(path))
      controller.abort()
      yield* server.awaitShutdown
      assert.isFalse(existsSync(path))
      assert.strictEqual(failure(yield* Effect.exit(exchange({ path }, "x")))._tag, "ConnectError")
    })))

  it.live("listen hands out connections as a stream", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.listen({ host: "127.0.0.1" })
      yield* server.connections.pipe(
        Stream.runForEach((conn) => Effect.fork(echo(conn))),
        Effect.fork
      )
      assert.strictEqual(text(yield* exchange({ host: "127.0.0.1", port: portOf(server) }, "streamed")), "streamed")
    })))

  it.live("leaves no socket open after serving, dropping and shutting down", () =>
    Effect.gen(function*() {
      const before = yield* settledHandles
      yield* withLive(Effect.gen(function*() {
        const server = yield* Server.serve({ host: "127.0.0.1", maxConnections: 2 }, echo)
        const port = portOf(server)
        yield* Effect.forEach([1, 2, 3, 4], () => Effect.exit(exchange({ host: "127.0.0.1", port }, "x")), {
          concurrency: "unbounded"
        })
        const stuck = yield* Server.serve({ host: "127.0.0.1", shutdownTimeout: "10 millis" }, () => Effect.never)
        yield* Effect.fork(rawClient(portOf(stuck)))
        yield* eventually(stuck.connectionCount, (n) => n === 1)
      }))
      assert.strictEqual(yield* settledHandles, before, JSON.stringify(process.getActiveResourcesInfo()))
    }))
})

describe("Server on a simulated network (exact instants)", () => {
  const simulated = Layer.merge(TestTransport.layer, Resolver.layerStatic({}))
  const withSimulated = <A, E>(
    effect: Effect.Effect<A, E, Scope | Transport.Transport | Resolver.Resolver | TestTransport.TestNetwork>
  ) => effect.pipe(Effect.scoped, Effect.provide(simulated))

  it.effect("runs at most `concurrency` handlers; the other connections wait, open, for a turn", () =>
    withSimulated(Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      let running = 0
      let most = 0
      const server = yield* Server.serve(
        { host: "127.0.0.1", port: 80, concurrency: 2 },
        (conn) =>
          Effect.gen(function*() {
            running++
            most = Math.max(most, running)
            yield* Deferred.await(release)
            yield* conn.write("done")
            running--
          })
      )
      const clients = yield* Effect.forEach(
        [1, 2, 3, 4],
        () =>
          Effect.fork(
            Effect.scoped(Effect.flatMap(Connection.connect({ host: "127.0.0.1", port: 80 }), Connection.readAll))
          ),
        { concurrency: "unbounded" }
      )
      // Every connection accepted, and the first two handlers running (the others wait for a turn).
      yield* Effect.repeat(
        Effect.zipRight(Effect.yieldNow(), Effect.map(server.connectionCount, (n) => n === 4 && running === 2)),
        { until: (ready) => ready }
      )
      assert.strictEqual(running, 2)
      yield* Deferred.succeed(release, undefined)
      for (const client of clients) assert.strictEqual(text(yield* Fiber.join(client)), "done")
      assert.strictEqual(most, 2)
    })))

  it.effect("an accept error is reported, and the server goes on accepting", () =>
    withSimulated(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      const reported: Array<string> = []
      const server = yield* Server.serve({
        host: "127.0.0.1",
        port: 80,
        onEvent: (event) =>
          reported.push(event._tag === "AcceptError" ? `${event._tag} ${event.error.message}` : event._tag)
      }, (conn) => conn.write("still serving"))
      const events = yield* server.subscribeEvents
      yield* net.failAccept("127.0.0.1:80", "EMFILE")
      const event = yield* Queue.take(events)
      assert.strictEqual(event._tag === "AcceptError" && event.error.code, "EMFILE")
      assert.deepStrictEqual(reported, ["AcceptError accept EMFILE"])
      const reply = yield* Effect.scoped(
        Effect.flatMap(Connection.connect({ host: "127.0.0.1", port: 80 }), Connection.readAll)
      )
      assert.strictEqual(text(reply), "still serving")
    })))

  it.effect("the shutdown deadline passes at exactly shutdownTimeout", () =>
    withSimulated(Effect.gen(function*() {
      const server = yield* Server.serve({ host: "127.0.0.1", port: 80, shutdownTimeout: "10 seconds" }, () =>
        Effect.never)
      yield* Effect.fork(
        Effect.scoped(Connection.connect({ host: "127.0.0.1", port: 80 })).pipe(Effect.zipRight(Effect.never))
      )
      yield* Effect.repeat(server.connectionCount, {
        until: (n) =>
          n === 1
      })
      const shutdown = yield* Effect.fork(server.shutdown)
      yield* TestClock.adjust("9999 millis")
      assert.isNull(shutdown.unsafePoll())
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(shutdown)
      assert.strictEqual(yield* server.connectionCount, 0)
    })))
})
