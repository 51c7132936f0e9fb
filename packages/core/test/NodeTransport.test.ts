import { assert, describe, it } from "@effect/vitest"
import { BlockList, Connection, NodeTransport, Server, Transport } from "@netfx/core"
import { SocketError } from "@netfx/core/NetError"
import { Chunk, Deferred, Effect, Either, Exit, Fiber, Queue, Stream } from "effect"
import { spawn } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as diagnostics from "node:diagnostics_channel"
import * as net from "node:net"
import { join } from "node:path"
import {
  eventually,
  failure,
  nodeEcho,
  nodeFlood,
  nodeServer,
  settledHandles,
  tempDir,
  text,
  withLive
} from "./fixtures.js"

// Real sockets on this machine only: 127.0.0.1, ::1 and Unix sockets in a temporary directory. The
// peer is a plain node:net server, the reference the core must interoperate with. The tests run on
// the real clock (it.live) because the sockets do; none of them waits for time to pass.
/** A transport's listener on 127.0.0.1, a free port, closed with the test's scope. */
const loopbackListener = (transport: Transport.Transport["Type"]) =>
  Effect.acquireRelease(
    transport.listen({
      _tag: "Tcp",
      host: "127.0.0.1",
      port: 0,
      backlog: 511,
      ipv6Only: false,
      reusePort: false,
      exclusive: false
    }),
    (listener) => Effect.sync(() => listener.close())
  )

/** A node:net client of `to` (a port on 127.0.0.1, or a path) that reports what it read until it closed. */
const readingClient = (to: number | string) => {
  const socket = typeof to === "number" ? net.connect(to, "127.0.0.1") : net.connect(to)
  let data = ""
  socket.on("data", (chunk) => data += chunk)
  socket.on("error", () => {})
  const closed = Effect.async<string>((resume) => {
    socket.on("close", () => resume(Effect.succeed(data)))
  })
  const connected = Effect.async<void>((resume) => {
    if (socket.connecting) socket.once("connect", () => resume(Effect.void))
    else resume(Effect.void)
  })
  return { socket, closed, connected }
}

/** Uses an accepted handle as any other: writes `text`, ends once it is out, and closes it. */
const writeAndClose = (handle: Transport.Handle, text: string) =>
  Effect.gen(function*() {
    handle.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
    handle.write(text)
    yield* Effect.async<void>((resume) => handle.end(() => resume(Effect.void)))
    handle.destroy()
  })

const roundTrip = (options: Connection.ConnectOptions) =>
  Effect.gen(function*() {
    const conn = yield* Connection.connect(options)
    yield* conn.write("hello, ")
    yield* conn.write(new TextEncoder().encode("netfx"))
    yield* conn.end
    return text(yield* Connection.readAll(conn))
  })

describe("Connection over the runtime's sockets", () => {
  it.live("echoes over IPv4, IPv6 and a Unix socket", () =>
    withLive(Effect.gen(function*() {
      const v4 = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      assert.strictEqual(yield* roundTrip({ host: "127.0.0.1", port: v4.port }), "hello, netfx")
      const v6 = yield* nodeServer({ host: "::1" }, nodeEcho)
      assert.strictEqual(yield* roundTrip({ host: "::1", port: v6.port }), "hello, netfx")
      const dir = yield* tempDir
      const path = join(dir, "echo.sock")
      yield* nodeServer({ path }, nodeEcho)
      assert.strictEqual(yield* roundTrip({ path }), "hello, netfx")
    })))

  it.live("echoes over a Linux abstract socket", () =>
    withLive(Effect.gen(function*() {
      if (process.platform !== "linux") return
      const path = `\0netfx-test-${process.pid}-${randomBytes(4).toString("hex")}`
      yield* nodeServer({ path }, nodeEcho)
      assert.strictEqual(yield* roundTrip({ path }), "hello, netfx")
    })))

  it.live("reports both ends as SocketAddress values, and counts bytes", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port })
      assert.strictEqual(String(conn.remoteAddress), `127.0.0.1:${srv.port}`)
      const local = conn.localAddress
      assert.isTrue(typeof local === "object" && local.address === "127.0.0.1" && local.port > 0)
      yield* conn.write("12345")
      yield* conn.end
      yield* Connection.readAll(conn)
      assert.strictEqual(yield* conn.bytesWritten, 5)
      assert.strictEqual(yield* conn.bytesRead, 5)
    })))

  it.live("binds the local side to localAddress and localPort, and applies noDelay and keepAlive", () =>
    withLive(Effect.gen(function*() {
      const peer = yield* Deferred.make<string>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        Deferred.unsafeDone(peer, Exit.succeed(`${socket.remoteAddress}:${socket.remotePort}`))
        socket.pipe(socket)
      })
      // A port that was just free.
      const localPort = yield* Effect.scoped(Effect.map(nodeServer({ host: "127.0.0.1" }, nodeEcho), (s) => s.port))
      const conn = yield* Connection.connect({
        host: "127.0.0.1",
        port: srv.port,
        localAddress: "127.0.0.1",
        localPort,
        noDelay: true,
        keepAlive: true,
        keepAliveInitialDelay: "1 second"
      })
      assert.strictEqual(yield* Deferred.await(peer), `127.0.0.1:${localPort}`)
      assert.strictEqual(String(conn.localAddress), `127.0.0.1:${localPort}`)
    })))

  it.live("connects to localhost through the runtime's resolver", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      // /etc/hosts answers localhost; ::1 may come first and be refused, then 127.0.0.1 wins.
      assert.strictEqual(yield* roundTrip({ host: "localhost", port: srv.port }), "hello, netfx")
    })))

  it.live("half-closes both ways", () =>
    withLive(Effect.gen(function*() {
      const peerSawEnd = yield* Deferred.make<void>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.on("end", () => {
          Deferred.unsafeDone(peerSawEnd, Exit.void)
          // Our FIN reached the peer, which can still write: the half-open direction.
          socket.end("after your FIN")
        })
        socket.resume()
      })
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port, allowHalfOpen: true })
      yield* conn.end
      yield* Deferred.await(peerSawEnd)
      assert.strictEqual(text(yield* Connection.readAll(conn)), "after your FIN")
    })))

  it.live("ends our side when the peer ends, unless allowHalfOpen", () =>
    withLive(Effect.gen(function*() {
      const peerSawEnd = yield* Deferred.make<void>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.on("end", () => Deferred.unsafeDone(peerSawEnd, Exit.void))
        socket.resume()
        socket.end("bye")
      })
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port })
      assert.strictEqual(text(yield* Connection.readAll(conn)), "bye")
      yield* Deferred.await(peerSawEnd)
      assert.strictEqual(failure(yield* Effect.exit(conn.write("x")))._tag, "SocketError")
    })))

  it.live("the peer's FIN ends our side only once what it sent before is read (an echo answers it all)", () =>
    withLive(Effect.gen(function*() {
      // Less than the read-ahead (64 KiB), so that the FIN arrives while nothing is read.
      const total = 10_000
      // Reads nothing until the client's FIN has arrived, then echoes: as Node does, our side must
      // stay open for the echo of what arrived before the FIN.
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          yield* eventually(conn.state, (state) => state !== "Open")
          assert.strictEqual(yield* conn.state, "ReadClosed")
          yield* Stream.run(conn.stream, conn.sink)
        }))
      const echoed = yield* Effect.async<number>((resume) => {
        let received = 0
        const socket = net.connect(server.address.port, "127.0.0.1", () => socket.end(Buffer.alloc(total, 7)))
        socket.on("data", (chunk) => received += chunk.length)
        socket.on("close", () => resume(Effect.succeed(received)))
      })
      assert.strictEqual(echoed, total)
    })))

  it.live("fails the stream with ECONNRESET when the peer resets", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.once("data", () => socket.resetAndDestroy())
      })
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port })
      yield* conn.write("provoke")
      const error = failure(yield* Effect.exit(Stream.runDrain(conn.stream)))
      assert.strictEqual(error._tag, "SocketError")
      if (error._tag === "SocketError") assert.strictEqual(error.code, "ECONNRESET")
    })))

  it.live("aborts with an RST that the peer sees as ECONNRESET", () =>
    withLive(Effect.gen(function*() {
      const peerError = yield* Deferred.make<string>()
      const connected = yield* Deferred.make<void>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.on("error", (error: NodeJS.ErrnoException) =>
          Deferred.unsafeDone(peerError, Exit.succeed(error.code ?? "")))
        socket.resume()
        Deferred.unsafeDone(connected, Exit.void)
      })
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port })
      yield* Deferred.await(connected)
      yield* conn.abort
      assert.strictEqual(yield* Deferred.await(peerError), "ECONNRESET")
    })))

  it.live("abort while a FIN is being flushed still closes at once, and close after abort does not stall", () =>
    withLive(Effect.gen(function*() {
      // A peer that never reads: the FIN waits behind megabytes of queued bytes.
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => socket.pause())
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port, closeTimeout: "30 seconds" })
      yield* Effect.fork(conn.writeAll(Array.from({ length: 256 }, () => Buffer.alloc(65536))))
      yield* Effect.repeat(conn.bufferSize, { until: (n) => n > 0 })
      yield* Effect.fork(conn.end)
      // The forked end runs first (it sends nothing: its FIN waits behind the queued bytes).
      yield* Effect.yieldNow()
      const started = Date.now()
      // close while the abort is still in progress: it waits for the abort, not for a flush.
      const aborting = yield* Effect.fork(conn.abort)
      yield* Effect.yieldNow()
      yield* conn.close
      yield* Fiber.join(aborting)
      // Far less than closeTimeout: nothing waited for a flush that could not happen.
      assert.isBelow(Date.now() - started, 5_000)
    })))

  it.live("moves 32 MiB each way with every byte verified", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port, noDelay: true })
      const payload = randomBytes(32 * 1024 * 1024)
      const chunks = Array.from({ length: 512 }, (_, i) => payload.subarray(i * 65536, (i + 1) * 65536))
      const writer = yield* conn.writeAll(chunks).pipe(Effect.zipRight(conn.end), Effect.fork)
      const hash = createHash("sha256")
      let length = 0
      yield* Stream.runForEachChunk(conn.stream, (chunk) =>
        Effect.sync(() => {
          for (const c of chunk) {
            hash.update(c)
            length += c.length
          }
        }))
      yield* Fiber.join(writer)
      assert.strictEqual(length, payload.length)
      assert.strictEqual(hash.digest("hex"), createHash("sha256").update(payload).digest("hex"))
    })))

  it.live("a slow consumer pauses the socket: reads stay bounded and the peer's writes back up", () =>
    withLive(Effect.gen(function*() {
      const total = 16 * 1024 * 1024
      const peer = nodeFlood(total)
      const srv = yield* nodeServer({ host: "127.0.0.1" }, peer.onConnection)
      const highWaterMark = 64 * 1024
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port, readHighWaterMark: highWaterMark })
      let largestPull = 0
      let received = 0
      // Slow: each pull yields to the event loop several times before taking more.
      yield* Stream.runForEachChunk(conn.stream, (chunk) =>
        Effect.gen(function*() {
          const bytes = Chunk.reduce(chunk, 0, (n, c) => n + c.length)
          largestPull = Math.max(largestPull, bytes)
          received += bytes
          for (let i = 0; i < 4; i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
        }))
      assert.strictEqual(received, total)
      // The read buffer never held more than the high-water mark plus one read from the kernel.
      assert.isAtMost(largestPull, highWaterMark + 64 * 1024)
      assert.isAbove(peer.blocked(), 0)
    })))

  it.live("connection refused is a ConnectError with Node's message", () =>
    withLive(Effect.gen(function*() {
      // A port that was just free: bound, then closed.
      const port = yield* Effect.scoped(Effect.map(nodeServer({ host: "127.0.0.1" }, nodeEcho), (s) => s.port))
      const error = failure(yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port })))
      assert.strictEqual(error._tag, "ConnectError")
      assert.strictEqual(error.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
    })))

  it.live("the connect timeout fires when the peer never answers the handshake", () =>
    withLive(Effect.gen(function*() {
      // A listener that never accepts, with a backlog of 0: once one connection waits in its queue,
      // the kernel drops further SYNs, so a connection attempt hangs like one to a blackhole — and
      // stays on this machine. Node accepts eagerly, so the listener is a small Python process.
      const port = yield* Effect.acquireRelease(
        Effect.async<{ readonly port: number; readonly kill: () => void }>((resume) => {
          const child = spawn("python3", [
            "-c",
            [
              "import socket, signal",
              "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
              "print(s.getsockname()[1], flush=True)",
              "signal.pause()"
            ].join("\n")
          ], { stdio: ["ignore", "pipe", "inherit"] })
          child.stdout.once("data", (data) =>
            resume(Effect.succeed({ port: Number(String(data).trim()), kill: () => child.kill() })))
        }),
        (listener) =>
          Effect.sync(() => listener.kill())
      ).pipe(Effect.map((listener) => listener.port))
      const first = yield* Effect.acquireRelease(
        Effect.async<net.Socket>((resume) => {
          const socket = net.connect(port, "127.0.0.1", () => resume(Effect.succeed(socket)))
        }),
        (socket) => Effect.sync(() => socket.destroy())
      )
      assert.isFalse(first.destroyed)
      const error = failure(yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port, timeout: "200 millis" })))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag === "ConnectError") assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.message, `connect ETIMEDOUT 127.0.0.1:${port} (no connection after 200 ms)`)
    })))

  it.live("a missing Unix socket is ENOENT, a path too long fails before any system call", () =>
    withLive(Effect.gen(function*() {
      const dir = yield* tempDir
      const missing = failure(yield* Effect.exit(Connection.connect({ path: join(dir, "none.sock") })))
      assert.strictEqual(missing._tag, "ConnectError")
      if (missing._tag === "ConnectError") assert.strictEqual(missing.code, "ENOENT")
      const long = failure(yield* Effect.exit(Connection.connect({ path: join(dir, "x".repeat(120)) })))
      assert.strictEqual(long._tag, "InvalidArgument")
    })))

  it.live("a blocked destination is never dialled", () =>
    withLive(Effect.gen(function*() {
      let connections = 0
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        connections++
        socket.destroy()
      })
      const blockList = Either.getOrThrow(BlockList.addSubnet(BlockList.empty, "127.0.0.0", 8))
      const error = failure(yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port: srv.port, blockList })))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag === "ConnectError") assert.strictEqual(error.reason, "Blocked")
      assert.strictEqual(error.message, "IP(127.0.0.1) is blocked by net.BlockList")
      assert.strictEqual(connections, 0)
    })))

  it.live("type of service: set where the runtime can, a typed error where it cannot", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port })
      const result = yield* Effect.either(conn.setTypeOfService(0x10))
      if (Either.isRight(result)) {
        assert.strictEqual(yield* conn.getTypeOfService, 0x10)
        // What the kernel applied, read back: it keeps a TCP socket's ECN bits for itself.
        yield* conn.setTypeOfService(0x13)
        assert.strictEqual(yield* conn.getTypeOfService, 0x10)
      } else {
        assert.strictEqual(result.left.code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM")
        const read = yield* Effect.either(conn.getTypeOfService)
        assert.isTrue(Either.isLeft(read) && read.left.code === "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM")
      }
      // As an option it is applied once connected; where it cannot be, the connect fails, typed.
      const withOption = yield* Effect.either(
        Connection.connect({ host: "127.0.0.1", port: srv.port, typeOfService: 0x10 })
      )
      assert.strictEqual(Either.isRight(withOption), Either.isRight(result))
      if (Either.isRight(withOption)) assert.strictEqual(yield* withOption.right.getTypeOfService, 0x10)
      else assert.strictEqual((withOption.left as { code?: string }).code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM")
    })))

  // Bun's sockets keep a handle of another kind, which `detach` does not give away.
  it.live.runIf(typeof process.versions.bun !== "string")(
    "a detached handle stays closed while its socket connects the next attempt",
    () =>
      withLive(Effect.gen(function*() {
        const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
        const transport = yield* Transport.Transport
        const start = () =>
          Effect.runPromise(Effect.async<Transport.Handle, unknown>((resume) => {
            const pending = transport.connect({ _tag: "Tcp", address: "127.0.0.1", port: srv.port, family: 4 }, {
              onConnect: (handle) => resume(Effect.succeed(handle)),
              onError: (error) => resume(Effect.fail(error))
            })
            return Effect.sync(() => pending.cancel())
          }))
        // The runtime handle taken over by a socket of its own, as @netfx/compat's socket does.
        const adopt = (handle: Transport.Handle) =>
          new net.Socket({ handle: handle.detach!(), readable: true, writable: true } as net.SocketConstructorOpts)
        const echo = (socket: net.Socket, message: string) =>
          Effect.async<string>((resume) => {
            socket.once("data", (data) => resume(Effect.succeed(data.toString())))
            socket.write(message)
          })
        const first = yield* Effect.promise(start)
        const one = adopt(first)
        yield* Effect.addFinalizer(() => Effect.sync(() => one.destroy()))
        const connecting = start()
        // The first handle is closed since it was detached: closing it again touches no socket,
        // though its runtime socket now connects the second attempt.
        first.destroy()
        ;(first as unknown as { cancel: () => void }).cancel()
        first.reset()
        const second = yield* Effect.promise(() => connecting)
        assert.strictEqual(
          (second as unknown as { socket: unknown }).socket,
          (first as unknown as { socket: unknown }).socket,
          "the second attempt reuses the first one's runtime socket"
        )
        const two = adopt(second)
        yield* Effect.addFinalizer(() => Effect.sync(() => two.destroy()))
        assert.strictEqual(yield* echo(one, "one"), "one")
        assert.strictEqual(yield* echo(two, "two"), "two")
      }))
  )

  it.live("leaves no socket open: after use, after a refused attempt, after an interrupted write", () =>
    Effect.gen(function*() {
      const before = yield* settledHandles
      yield* withLive(Effect.gen(function*() {
        const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
        yield* Effect.scoped(roundTrip({ host: "127.0.0.1", port: srv.port }))
        const closedPort = yield* Effect.scoped(Effect.map(nodeServer({ host: "127.0.0.1" }, nodeEcho), (s) => s.port))
        yield* Effect.exit(Effect.scoped(Connection.connect({ host: "127.0.0.1", port: closedPort })))
        // A peer that never reads: the write blocks on backpressure until interrupted.
        const stuck = yield* nodeServer({ host: "127.0.0.1" }, (socket) => socket.pause())
        const conn = yield* Effect.scoped(Effect.gen(function*() {
          const conn = yield* Connection.connect({ host: "127.0.0.1", port: stuck.port, closeTimeout: "10 millis" })
          const writer = yield* conn.writeAll(Array.from({ length: 1024 }, () => Buffer.alloc(65536))).pipe(Effect.fork)
          // Wait until backpressure holds the writer: the socket's buffer is full.
          yield* Effect.repeat(conn.bufferSize, { until: (n) => n > 0 })
          yield* Fiber.interrupt(writer)
          return conn
        }))
        yield* Effect.exit(conn.write("after close"))
      }))
      assert.strictEqual(yield* settledHandles, before, JSON.stringify(process.getActiveResourcesInfo()))
    }))

  // Node publishes every net.Socket its server makes for a connection on this channel; Bun and
  // Deno keep their own accept paths (the transport asks only Node's server for its handles).
  it.live.runIf(typeof process.versions.bun !== "string" && !("Deno" in globalThis))(
    "a listener told the consumer detaches at accept makes no socket for it, and is a full handle otherwise",
    () =>
      withLive(Effect.gen(function*() {
        const transport = yield* Transport.Transport
        let socketsMade = 0
        const countSocket = () => socketsMade++
        diagnostics.subscribe("net.server.socket", countSocket)
        yield* Effect.addFinalizer(() => Effect.sync(() => diagnostics.unsubscribe("net.server.socket", countSocket)))
        const listener = yield* loopbackListener(transport)
        const accepted = yield* Queue.unbounded<Transport.Handle>()
        listener.listen({
          onConnection: (handle) => Queue.unsafeOffer(accepted, handle),
          onError: () => {},
          peerAtAccept: false,
          detachesAtAccept: true
        })
        const port = (listener.address as { readonly port: number }).port
        const client = () => readingClient(port)

        // Detached at once, as compat does: the runtime handle, no socket made for it.
        const first = client()
        yield* Effect.addFinalizer(() => Effect.sync(() => first.socket.destroy()))
        const handle = yield* Queue.take(accepted)
        assert.strictEqual(String(handle.remoteAddress()), `127.0.0.1:${first.socket.localPort}`)
        assert.strictEqual(String(handle.localAddress()), `127.0.0.1:${port}`)
        const runtime = handle.detach!()
        assert.isDefined(runtime)
        handle.destroy() // the OS socket is the adopter's now: this closes nothing
        const adopted = new net.Socket({ handle: runtime, readable: true, writable: true } as net.SocketConstructorOpts)
        adopted.end("adopted")
        assert.strictEqual(yield* first.closed, "adopted")
        assert.strictEqual(socketsMade, 0)

        // Used as a handle instead: a socket is made for it then, and it serves as any other.
        const second = client()
        yield* Effect.addFinalizer(() => Effect.sync(() => second.socket.destroy()))
        yield* writeAndClose(yield* Queue.take(accepted), "used")
        assert.strictEqual(yield* second.closed, "used")

        // Closed without being detached: the peer sees the connection close.
        const third = client()
        yield* Effect.addFinalizer(() => Effect.sync(() => third.socket.destroy()))
        ;(yield* Queue.take(accepted)).destroy()
        assert.strictEqual(yield* third.closed, "")
      }))
  )

  // Node only: Bun's net.Server keeps no listening handle of libuv's kind, and Deno's gives no
  // accepted handle to whoever takes it over (the next test).
  it.live.runIf(typeof process.versions.bun !== "string" && !("Deno" in globalThis))(
    "unsafeListenOn takes a node:net server's listening handle over, as listen(handle) does",
    () =>
      withLive(Effect.gen(function*() {
        const before = yield* settledHandles
        /** A node:net server listening on `at`, whose handle the test takes. */
        const runtimeServer = (at: { readonly port: number; readonly host: string } | { readonly path: string }) =>
          Effect.acquireRelease(
            Effect.async<net.Server>((resume) => {
              const server = net.createServer()
              server.listen(at, () => resume(Effect.succeed(server)))
            }),
            (server) => Effect.sync(() => server.close())
          )
        const runtimeHandleOf = (server: net.Server) => (server as unknown as { readonly _handle: unknown })._handle

        const tcp = yield* runtimeServer({ port: 0, host: "127.0.0.1" })
        const handle = runtimeHandleOf(tcp)
        assert.isTrue(NodeTransport.isRuntimeListenHandle(handle))
        assert.isFalse(NodeTransport.isRuntimeListenHandle({}))
        assert.isFalse(NodeTransport.isRuntimeListenHandle(null))
        if (!NodeTransport.isRuntimeListenHandle(handle)) return
        const listener = NodeTransport.unsafeListenOn(handle, 511)
        if (listener instanceof Error) return assert.fail(String(listener))
        yield* Effect.addFinalizer(() => Effect.sync(() => listener.close()))
        const port = (tcp.address() as net.AddressInfo).port
        assert.strictEqual(String(listener.address), `127.0.0.1:${port}`)

        // Nobody takes connections yet: what is accepted is closed.
        const early = readingClient(port)
        yield* Effect.addFinalizer(() => Effect.sync(() => early.socket.destroy()))
        assert.strictEqual(yield* early.closed, "")

        const accepted = yield* Queue.unbounded<Transport.Handle>()
        listener.listen({ onConnection: (accepted_) => Queue.unsafeOffer(accepted, accepted_), onError: () => {} })
        // Detached, as compat takes it: the runtime handle, adopted by a socket of the taker's.
        const first = readingClient(port)
        yield* Effect.addFinalizer(() => Effect.sync(() => first.socket.destroy()))
        const detached = yield* Queue.take(accepted)
        assert.strictEqual(String(detached.localAddress()), `127.0.0.1:${port}`)
        yield* first.connected
        assert.strictEqual(String(detached.remoteAddress()), `127.0.0.1:${first.socket.localPort}`)
        const adopted = new net.Socket(
          { handle: detached.detach!(), readable: true, writable: true } as net.SocketConstructorOpts
        )
        detached.destroy() // the adopter's now: this closes nothing
        adopted.end("adopted")
        assert.strictEqual(yield* first.closed, "adopted")
        // Used as a handle: it writes, ends and closes as any other.
        const second = readingClient(port)
        yield* Effect.addFinalizer(() => Effect.sync(() => second.socket.destroy()))
        yield* writeAndClose(yield* Queue.take(accepted), "used")
        assert.strictEqual(yield* second.closed, "used")

        // A Unix socket's handle has no name to read back: the listener and its connections are "".
        const dir = yield* tempDir
        const path = join(dir, "taken.sock")
        const ipcHandle = runtimeHandleOf(yield* runtimeServer({ path }))
        if (!NodeTransport.isRuntimeListenHandle(ipcHandle)) return assert.fail("no listening handle")
        const ipc = NodeTransport.unsafeListenOn(ipcHandle, 511)
        if (ipc instanceof Error) return assert.fail(String(ipc))
        yield* Effect.addFinalizer(() => Effect.sync(() => ipc.close()))
        assert.strictEqual(ipc.address, "")
        const ipcAccepted = yield* Queue.unbounded<Transport.Handle>()
        ipc.listen({ onConnection: (accepted_) => Queue.unsafeOffer(ipcAccepted, accepted_), onError: () => {} })
        const third = readingClient(path)
        yield* Effect.addFinalizer(() => Effect.sync(() => third.socket.destroy()))
        const local = yield* Queue.take(ipcAccepted)
        assert.strictEqual(local.remoteAddress(), "")
        local.destroy()
        assert.strictEqual(yield* third.closed, "")

        // A handle that cannot listen: the runtime's status as a typed failure.
        const refused = NodeTransport.unsafeListenOn({ onconnection: null, listen: () => -22, close: () => {} }, 511)
        assert.instanceOf(refused, SocketError)
        if (!(refused instanceof SocketError)) return
        assert.deepStrictEqual([refused.code, refused.errno, refused.syscall], ["EINVAL", -22, "listen"])
        // Nor does a handle that answers nonsense or throws: typed failures, not exceptions.
        const odd = NodeTransport.unsafeListenOn({ onconnection: null, listen: () => NaN, close: () => {} }, 511)
        assert.strictEqual(odd instanceof SocketError && odd.code, "EINVAL")
        const throwing = NodeTransport.unsafeListenOn({
          onconnection: null,
          listen: () => {
            throw Object.assign(new Error("bad handle"), { code: "EBADF" })
          },
          close: () => {}
        }, 511)
        assert.strictEqual(throwing instanceof SocketError && throwing.code, "EBADF")

        // The listeners close the taken handles: nothing is left open.
        listener.close()
        ipc.close()
        adopted.destroy()
        assert.strictEqual(yield* settledHandles, before, JSON.stringify(process.getActiveResourcesInfo()))
      }))
  )

  it.live.runIf(typeof process.versions.bun === "string" || "Deno" in globalThis)(
    "unsafeListenOn fails with ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where accepted handles cannot be taken",
    () =>
      withLive(Effect.gen(function*() {
        const server = yield* Effect.acquireRelease(
          Effect.async<net.Server>((resume) => {
            const made = net.createServer()
            made.listen(0, "127.0.0.1", () => resume(Effect.succeed(made)))
          }),
          (server) => Effect.sync(() => server.close())
        )
        const handle: unknown = (server as unknown as { readonly _handle: unknown })._handle
        const taken = NodeTransport.unsafeListenOn(
          NodeTransport.isRuntimeListenHandle(handle)
            ? handle
            : { onconnection: null, listen: () => 0, close: () => {} },
          511
        )
        assert.instanceOf(taken, SocketError)
        if (taken instanceof SocketError) assert.strictEqual(taken.code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM")
        // The runtime's own server still serves.
        const client = readingClient((server.address() as net.AddressInfo).port)
        yield* client.connected
        client.socket.destroy()
      }))
  )

  // Node's sockets read their peer with `_getpeername` (one getpeername call, then cached); other
  // runtimes have no such method to count.
  const getpeername = (net.Socket.prototype as unknown as { _getpeername?: () => unknown })._getpeername
  it.live.runIf(typeof getpeername === "function")(
    "a listener reads each peer's address at accept unless told not to (peerAtAccept: false)",
    () =>
      withLive(Effect.gen(function*() {
        const transport = yield* Transport.Transport
        const prototype = net.Socket.prototype as unknown as { _getpeername: () => unknown }
        let reads = 0
        prototype._getpeername = function(this: net.Socket) {
          reads++
          return getpeername!.call(this)
        }
        yield* Effect.addFinalizer(() => Effect.sync(() => prototype._getpeername = getpeername!))
        const acceptOne = (peerAtAccept: boolean | undefined) =>
          Effect.gen(function*() {
            const listener = yield* loopbackListener(transport)
            const accepted = yield* Deferred.make<Transport.Handle>()
            listener.listen({
              onConnection: (handle) => Deferred.unsafeDone(accepted, Exit.succeed(handle)),
              onError: () => {},
              peerAtAccept
            })
            const port = (listener.address as { readonly port: number }).port
            const client = net.connect(port, "127.0.0.1")
            yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
            const before = reads
            const handle = yield* Deferred.await(accepted)
            const atAccept = reads - before
            const address = handle.remoteAddress()
            handle.destroy()
            return { atAccept, address: String(address) }
          })
        const eager = yield* acceptOne(undefined)
        assert.strictEqual(eager.atAccept, 1)
        const lazy = yield* acceptOne(false)
        assert.strictEqual(lazy.atAccept, 0)
        // Asked later, the address is there all the same while the connection is open.
        assert.match(lazy.address, /^127\.0\.0\.1:\d+$/)
      }))
  )
})
