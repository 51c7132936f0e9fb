import * as Socket from "@effect/platform/Socket"
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { Transport } from "@netfx/core"
import { Connection, NetError } from "@netfx/core"
import * as PlatformSocket from "@netfx/core/PlatformSocket"
import { Deferred, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { join } from "node:path"
import { failure, live, nodeEcho, nodeFlood, nodeServer, settledHandles, tempDir, withLive } from "./fixtures.js"

// Code written against @effect/platform's Socket, run over netfx on real sockets: 127.0.0.1 and
// Unix sockets in a temporary directory, with a plain node:net server as the peer. Real clock
// (it.live) because the sockets are real; no test waits for time to pass.
const text = (chunks: Iterable<Uint8Array>) => Buffer.concat(Array.from(chunks)).toString("utf8")

const platformSocket = (options: Connection.ConnectOptions) =>
  Effect.flatMap(Connection.connect(options), (conn) => PlatformSocket.fromConnection(conn))

// Only the platform's API below: these are what code written for NodeSocket does.

/** `Socket.toChannel` between an input stream and the bytes that come back, until the peer ends. */
const throughChannel = (socket: Socket.Socket, input: ReadonlyArray<string>) =>
  Stream.fromIterable(input).pipe(
    Stream.pipeThroughChannelOrFail(Socket.toChannel<never>(socket)),
    Stream.runCollect,
    Effect.map(text)
  )

/** `run` + `writer`: writes on open, then a clean `CloseEvent`; collects until the peer ends. */
const runAndWrite = (socket: Socket.Socket, input: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const write = yield* socket.writer
    const received: Array<Uint8Array> = []
    yield* socket.run((bytes) => {
      received.push(bytes)
    }, {
      onOpen: Effect.orDie(Effect.zipRight(Effect.forEach(input, write), write(new Socket.CloseEvent())))
    })
    return text(received)
  }).pipe(Effect.scoped)

describe("PlatformSocket", () => {
  it.live("Socket.toChannel echoes over TCP and over a Unix socket", () =>
    withLive(Effect.gen(function*() {
      const tcp = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      const overTcp = yield* platformSocket({ host: "127.0.0.1", port: tcp.port })
      assert.strictEqual(yield* throughChannel(overTcp, ["hello, ", "platform"]), "hello, platform")

      const path = join(yield* tempDir, "nodeEcho.sock")
      yield* nodeServer({ path }, nodeEcho)
      const overIpc = yield* platformSocket({ path })
      assert.strictEqual(yield* throughChannel(overIpc, ["over ", "ipc"]), "over ipc")
    })))

  it.live("socket.run and socket.writer nodeEcho, and run ends when the peer ends", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port })
      assert.strictEqual(yield* runAndWrite(socket, ["ping ", "pong"]), "ping pong")
    })))

  it.live("run ends when the peer ends, with what it sent", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.resume()
        socket.end("bye")
      })
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port })
      const received: Array<Uint8Array> = []
      // Nothing is written: only the peer's FIN can end this run.
      yield* socket.run((bytes) => {
        received.push(bytes)
      })
      assert.strictEqual(text(received), "bye")
    })))

  it.live("a peer reset is a platform SocketError whose cause is netfx's ECONNRESET", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.once("data", () => socket.resetAndDestroy())
      })
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port })
      const write = yield* socket.writer
      const error = failure(yield* Effect.exit(socket.run(() => {}, { onOpen: Effect.orDie(write("provoke")) })))
      assert.isTrue(Socket.isSocketError(error))
      assert.strictEqual(error.reason, "Read")
      assert.instanceOf(error, Socket.SocketGenericError)
      const cause = (error as Socket.SocketGenericError).cause
      assert.instanceOf(cause, NetError.SocketError)
      assert.strictEqual((cause as NetError.SocketError).code, "ECONNRESET")
    })))

  it.live("a clean CloseEvent half-closes: the peer sees the end and run reads on until the peer ends", () =>
    withLive(Effect.gen(function*() {
      const peerSawEnd = yield* Deferred.make<string>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        const got: Array<Buffer> = []
        socket.on("data", (chunk: Buffer) => got.push(chunk))
        socket.on("end", () => {
          Deferred.unsafeDone(peerSawEnd, Exit.succeed(Buffer.concat(got).toString()))
          // Sent only after our FIN arrived: it reaches us only if our side still reads.
          socket.end("after your FIN")
        })
      })
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port })
      const write = yield* socket.writer
      yield* write("last words")
      yield* write(new Socket.CloseEvent(1000, "done"))
      assert.strictEqual(yield* Deferred.await(peerSawEnd), "last words")
      const received: Array<Uint8Array> = []
      yield* socket.run((bytes) => {
        received.push(bytes)
      })
      assert.strictEqual(text(received), "after your FIN")
      // The write side is ended: a write after the CloseEvent is a platform "Write" error.
      const afterClose = failure(yield* Effect.exit(write("too late")))
      assert.strictEqual(afterClose.reason, "Write")
    })))

  it.live("an error CloseEvent aborts with an RST and fails run with its code and reason", () =>
    withLive(Effect.gen(function*() {
      const peerError = yield* Deferred.make<string>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.on(
          "error",
          (error: NodeJS.ErrnoException) => Deferred.unsafeDone(peerError, Exit.succeed(error.code ?? ""))
        )
        socket.resume()
      })
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port })
      const write = yield* socket.writer
      const error = failure(
        yield* Effect.exit(socket.run(() => {}, { onOpen: Effect.orDie(write(new Socket.CloseEvent(4000, "bad"))) }))
      )
      assert.isTrue(Socket.SocketCloseError.is(error))
      if (Socket.SocketCloseError.is(error)) {
        assert.strictEqual(error.code, 4000)
        assert.strictEqual(error.closeReason, "bad")
      }
      assert.strictEqual(yield* Deferred.await(peerError), "ECONNRESET")
    })))

  it.live("a slow handler pauses the socket: one chunk at a time, and the peer's writes back up", () =>
    withLive(Effect.gen(function*() {
      const total = 8 * 1024 * 1024
      const peer = nodeFlood(total)
      const srv = yield* nodeServer({ host: "127.0.0.1" }, peer.onConnection)
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port, readHighWaterMark: 64 * 1024 })
      let received = 0
      let running = 0
      let mostAtOnce = 0
      yield* socket.run((bytes) =>
        Effect.gen(function*() {
          running++
          mostAtOnce = Math.max(mostAtOnce, running)
          for (let i = 0; i < 4; i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
          received += bytes.length
          running--
        })
      )
      assert.strictEqual(received, total)
      assert.strictEqual(mostAtOnce, 1)
      assert.isAbove(peer.blocked(), 0)
    })))

  it.live("closing a writer's scope sends FIN without waiting for a peer that stops reading", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => socket.pause())
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: srv.port, closeTimeout: "10 millis" })
      const socket = yield* PlatformSocket.fromConnection(conn)
      yield* Effect.scoped(Effect.gen(function*() {
        const write = yield* socket.writer
        const writing = yield* Effect.fork(write(Buffer.alloc(32 * 1024 * 1024)))
        // Backpressure holds the write: the socket's buffer is full and the peer reads nothing.
        yield* Effect.repeat(conn.bufferSize, { until: (n) => n > 0 })
        yield* Fiber.interrupt(writing)
      }))
      // The release did not wait for the flush, and the write side is ended.
      const afterRelease = failure(yield* Effect.exit(conn.write("x")))
      assert.strictEqual(afterRelease._tag, "SocketClosed")
    })))

  it.live("runs are serialised: an interrupted run leaves the unread bytes to the next", () =>
    withLive(Effect.gen(function*() {
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        socket.write("first")
        socket.once("data", () => socket.end("second"))
      })
      const socket = yield* platformSocket({ host: "127.0.0.1", port: srv.port })
      const gotFirst = yield* Deferred.make<string>()
      const first = yield* Effect.fork(socket.run((bytes) => Deferred.succeed(gotFirst, text([bytes]))))
      assert.strictEqual(yield* Deferred.await(gotFirst), "first")
      // A second run waits for the first: it does not steal its bytes.
      const received: Array<Uint8Array> = []
      const second = yield* Effect.fork(socket.run((bytes) => {
        received.push(bytes)
      }))
      yield* Fiber.interrupt(first)
      const write = yield* socket.writer
      yield* write("next")
      yield* Fiber.join(second)
      assert.strictEqual(text(received), "second")
    })))

  it.live("layer: Socket.makeChannel over PlatformSocket.layer and the node transport", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "nodeEcho.sock")
      const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
      yield* nodeServer({ path }, nodeEcho)
      const program = Stream.make("via ", "the layer").pipe(
        Stream.pipeThroughChannelOrFail(Socket.makeChannel<never>()),
        Stream.runCollect,
        Effect.map(text)
      )
      const overTcp = yield* program.pipe(
        Effect.provide(PlatformSocket.layer({ host: "127.0.0.1", port: srv.port }).pipe(Layer.provide(live)))
      )
      assert.strictEqual(overTcp, "via the layer")
      const overIpc = yield* program.pipe(Effect.provide(PlatformSocket.layer({ path }).pipe(Layer.provide(live))))
      assert.strictEqual(overIpc, "via the layer")
    }).pipe(Effect.scoped))

  it.live("layer: a failure to connect is netfx's typed error", () =>
    Effect.gen(function*() {
      expectTypeOf(PlatformSocket.layer).returns.toEqualTypeOf<
        Layer.Layer<Socket.Socket, Connection.ConnectFailure | NetError.TlsError, Transport.Transport>
      >()
      const port = yield* Effect.scoped(Effect.map(nodeServer({ host: "127.0.0.1" }, nodeEcho), (s) => s.port))
      const exit = yield* Effect.exit(
        Effect.provide(Socket.Socket, PlatformSocket.layer({ host: "127.0.0.1", port }).pipe(Layer.provide(live)))
      )
      const error = failure(exit)
      assert.strictEqual(error._tag, "ConnectError")
      assert.strictEqual(error.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
    }))

  it.live("makeNet connects on each run and closes when the run ends", () =>
    withLive(Effect.gen(function*() {
      let connections = 0
      let closes = 0
      const bothClosed = yield* Deferred.make<void>()
      const srv = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
        connections++
        socket.on("close", () => {
          if (++closes === 2) Deferred.unsafeDone(bothClosed, Exit.void)
        })
        nodeEcho(socket)
      })
      const socket = yield* PlatformSocket.makeNet({ host: "127.0.0.1", port: srv.port })
      assert.strictEqual(connections, 0)
      assert.strictEqual(yield* runAndWrite(socket, ["one"]), "one")
      assert.strictEqual(yield* throughChannel(socket, ["two"]), "two")
      assert.strictEqual(connections, 2)
      // Both connections were closed when their run ended, while the socket's scope is still open.
      yield* Deferred.await(bothClosed)
    })))

  it.live("makeNet: a failure to connect fails run with reason Open (OpenTimeout for a timeout)", () =>
    withLive(Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(nodeServer({ host: "127.0.0.1" }, nodeEcho), (s) => s.port))
      const refused = yield* PlatformSocket.makeNet({ host: "127.0.0.1", port })
      const open = failure(yield* Effect.exit(refused.run(() => {})))
      assert.strictEqual(open.reason, "Open")
      assert.strictEqual(((open as Socket.SocketGenericError).cause as Connection.ConnectFailure)._tag, "ConnectError")

      // A lookup that never answers: only the connect timeout can end the attempt.
      const stuck = yield* PlatformSocket.makeNet({
        host: "stuck.test",
        port: 1,
        timeout: "20 millis",
        lookup: () => {}
      })
      const timedOut = failure(yield* Effect.exit(stuck.run(() => {})))
      assert.strictEqual(timedOut.reason, "OpenTimeout")
      const cause = (timedOut as Socket.SocketGenericError).cause as Connection.ConnectFailure
      assert.strictEqual(cause._tag === "ConnectError" && cause.reason, "Timeout")
    })))

  it.live("leaves no socket open: layer, makeNet, a reset, a refused layer", () =>
    Effect.gen(function*() {
      const before = yield* settledHandles
      yield* withLive(Effect.gen(function*() {
        const srv = yield* nodeServer({ host: "127.0.0.1" }, nodeEcho)
        const program = Stream.make("x").pipe(
          Stream.pipeThroughChannelOrFail(Socket.makeChannel<never>()),
          Stream.runCollect
        )
        yield* program.pipe(Effect.provide(PlatformSocket.layer({ host: "127.0.0.1", port: srv.port })))
        yield* program.pipe(Effect.provide(PlatformSocket.layerNet({ host: "127.0.0.1", port: srv.port })))

        const resetting = yield* nodeServer({ host: "127.0.0.1" }, (socket) => {
          socket.once("data", () => socket.resetAndDestroy())
        })
        yield* Effect.exit(
          program.pipe(Effect.provide(PlatformSocket.layer({ host: "127.0.0.1", port: resetting.port })))
        )

        const port = yield* Effect.scoped(Effect.map(nodeServer({ host: "127.0.0.1" }, nodeEcho), (s) => s.port))
        yield* Effect.exit(program.pipe(Effect.provide(PlatformSocket.layer({ host: "127.0.0.1", port }))))
      }))
      assert.strictEqual(yield* settledHandles, before, JSON.stringify(process.getActiveResourcesInfo()))
    }))
})
