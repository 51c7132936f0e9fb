import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { SocketAddress, Transport } from "@netfx/core"
import { Connection, NodeTransport, Server } from "@netfx/core"
import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
import { Deferred, Effect, Exit, Fiber, PubSub, Queue, Stream } from "effect"
import type { Scope } from "effect/Scope"
import * as net from "node:net"
import { eventually, text, withLive } from "./fixtures.js"

// Real sockets on 127.0.0.1. Each connection of a server has a scope of its own: what its code
// acquires is released when the connection is done, while the server still runs.

/** A resource of a handler: `acquired` and `released` count, `releasedWith` keeps each exit. */
const resourceCounter = () => {
  const state = { acquired: 0, released: 0, exits: [] as Array<Exit.Exit<unknown, unknown>> }
  const acquire = Effect.acquireRelease(
    Effect.sync(() => ++state.acquired),
    (_, exit) =>
      Effect.sync(() => {
        state.released++
        state.exits.push(exit)
      })
  )
  return { state, acquire }
}

/** A raw node:net client: connects, runs `act`, and resolves once the socket has closed. */
const rawClient = (port: number, act: (socket: net.Socket) => void) =>
  Effect.async<void>((resume) => {
    const socket = net.connect(port, "127.0.0.1", () => act(socket))
    socket.on("data", () => {})
    socket.on("error", () => {})
    socket.on("close", () => resume(Effect.void))
  })

describe("a scope per connection", () => {
  it("serve's handler gets a Scope of its own: Scope is not among what the caller provides", () => {
    const server = Server.serve({ port: 0 }, (conn) =>
      Effect.gen(function*() {
        yield* Effect.acquireRelease(Effect.void, () => Effect.void)
        yield* conn.end
      }))
    expectTypeOf(server).toEqualTypeOf<
      Effect.Effect<
        Server.Server<SocketAddress.SocketAddress>,
        Server.ListenFailure,
        Scope | Transport.Transport
      >
    >()
  })

  it.live("released when the handler ends, not at shutdown", () =>
    withLive(Effect.gen(function*() {
      const { acquire, state } = resourceCounter()
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          yield* acquire
          yield* conn.write("hi")
        }))
      yield* rawClient(server.address.port, () => {})
      yield* eventually(Effect.sync(() => state.released), (n) => n === 1)
      assert.strictEqual(state.acquired, 1)
      assert.isTrue(Exit.isSuccess(state.exits[0]!))
      // The server still runs: the release did not wait for it.
      assert.isNull((yield* Effect.fork(server.awaitShutdown)).unsafePoll())
    })))

  it.live("released when the handler fails, with the failure", () =>
    withLive(Effect.gen(function*() {
      const { acquire, state } = resourceCounter()
      const server = yield* Server.serve({ host: "127.0.0.1" }, () =>
        Effect.gen(function*() {
          yield* acquire
          return yield* Effect.fail("broken")
        }))
      yield* rawClient(server.address.port, () => {})
      yield* eventually(Effect.sync(() => state.released), (n) => n === 1)
      assert.isTrue(Exit.isFailure(state.exits[0]!))
    })))

  it.live("released when the peer leaves: its FIN ends the handler's read, its reset fails it", () =>
    withLive(Effect.gen(function*() {
      const { acquire, state } = resourceCounter()
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          yield* acquire
          yield* Stream.runDrain(conn.stream)
        }))
      yield* rawClient(server.address.port, (socket) => socket.end())
      yield* eventually(Effect.sync(() => state.released), (n) => n === 1)
      yield* rawClient(server.address.port, (socket) => socket.resetAndDestroy())
      yield* eventually(Effect.sync(() => state.released), (n) => n === 2)
      assert.deepStrictEqual(state.exits.map(Exit.isSuccess), [true, false])
      assert.strictEqual(state.acquired, 2)
    })))

  it.live("released when the handler is interrupted at the shutdown deadline", () =>
    withLive(Effect.gen(function*() {
      const { acquire, state } = resourceCounter()
      const started = yield* Deferred.make<void>()
      const server = yield* Server.serve({ host: "127.0.0.1", shutdownTimeout: "10 millis" }, () =>
        Effect.gen(function*() {
          yield* acquire
          yield* Deferred.succeed(started, undefined)
          return yield* Effect.never
        }))
      const client = yield* Effect.fork(rawClient(server.address.port, () => {}))
      yield* Deferred.await(started)
      assert.strictEqual(state.released, 0)
      yield* server.shutdown
      assert.strictEqual(state.released, 1)
      assert.isTrue(Exit.isInterrupted(state.exits[0]!))
      yield* Fiber.join(client)
    })))

  it.live("a handler that never used its scope pays nothing for it, and its connection still closes", () =>
    withLive(Effect.gen(function*() {
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) => conn.write("done"))
      let received = ""
      yield* rawClient(server.address.port, (socket) => socket.on("data", (d) => received += d))
      assert.strictEqual(received, "done")
      assert.strictEqual(yield* server.connectionCount, 0)
    })))

  it.live("a chat server: three clients join and leave, every line is delivered, nothing blocks", () =>
    withLive(Effect.gen(function*() {
      // A small PubSub: a subscription that outlived its client would fill it and block publishers.
      const lines = yield* PubSub.bounded<string>(4)
      const subscribers = { now: 0 }
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) =>
        Effect.gen(function*() {
          const inbox = yield* Effect.acquireRelease(
            Effect.tap(PubSub.subscribe(lines), () => Effect.sync(() => subscribers.now++)),
            () => Effect.sync(() => subscribers.now--)
          )
          yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(inbox), conn.write)))
          yield* conn.stream.pipe(
            Stream.decodeText(),
            Stream.splitLines,
            Stream.runForEach((line) => PubSub.publish(lines, `${line}\n`))
          )
        }))
      const port = server.address.port

      /**
       * A client: joins, waits until `present` members are subscribed, says its lines, waits until
       * `expect` lines arrived, then leaves.
       */
      const member = (name: string, says: ReadonlyArray<string>, expect: number, present = 1) =>
        Effect.scoped(Effect.gen(function*() {
          const conn = yield* Connection.connect({ host: "127.0.0.1", port })
          const received: Array<string> = []
          const reading = yield* conn.stream.pipe(
            Stream.decodeText(),
            Stream.splitLines,
            Stream.take(expect),
            Stream.runForEach((line) => Effect.sync(() => received.push(line))),
            Effect.fork
          )
          yield* eventually(Effect.sync(() => subscribers.now), (n) => n >= present)
          for (const line of says) yield* conn.write(`${name}: ${line}\n`)
          yield* Fiber.join(reading)
          return received
        }))

      // Each joins alone, says more lines than the PubSub holds, hears itself, and leaves: with a
      // subscription left behind by an earlier client, the fifth line would block forever.
      for (const name of ["ann", "bob", "cy"]) {
        const says = ["one", "two", "three", "four", "five", "six"]
        const received = yield* member(name, says, says.length)
        assert.deepStrictEqual(received, says.map((line) => `${name}: ${line}`))
        yield* eventually(Effect.sync(() => subscribers.now), (n) => n === 0)
      }
      // Then all three at once: each hears every line of the others and its own.
      const together = yield* Effect.all(
        [member("ann", ["hello"], 3, 3), member("bob", ["hi"], 3, 3), member("cy", ["hey"], 3, 3)],
        { concurrency: "unbounded" }
      ).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "the chat blocked" }))
      for (const received of together) assert.sameMembers(received, ["ann: hello", "bob: hi", "cy: hey"])
      yield* eventually(Effect.sync(() => subscribers.now), (n) => n === 0)
    })))

  it.live("listen: Connection.fork runs code in the connection's scope, released when its socket closes", () =>
    withLive(Effect.gen(function*() {
      const { acquire, state } = resourceCounter()
      const server = yield* Server.listen({ host: "127.0.0.1" })
      yield* server.connections.pipe(
        Stream.runForEach((conn) =>
          Connection.fork(
            conn,
            Effect.gen(function*() {
              yield* acquire
              yield* Stream.runDrain(conn.stream)
              yield* conn.close
            })
          )
        ),
        Effect.forkScoped
      )
      yield* rawClient(server.address.port, (socket) => socket.end())
      yield* eventually(Effect.sync(() => state.released), (n) => n === 1)
      assert.strictEqual(state.acquired, 1)
    })))

  it.live("PlatformSocketServer: each handler gets its connection's scope, released when it ends", () =>
    withLive(Effect.gen(function*() {
      const { acquire, state } = resourceCounter()
      const platform = yield* PlatformSocketServer.make({ host: "127.0.0.1", port: 0 })
      yield* Effect.forkScoped(platform.run((socket) =>
        Effect.gen(function*() {
          yield* acquire
          const write = yield* socket.writer
          yield* write("bye")
        })
      ))
      const port = platform.address._tag === "TcpAddress" ? platform.address.port : 0
      yield* rawClient(port, () => {})
      yield* rawClient(port, () => {})
      yield* eventually(Effect.sync(() => state.released), (n) => n === 2)
      assert.strictEqual(state.acquired, 2)
    })))

  it.live("NodeTransport.layer is all a program provides: names use the runtime's resolver", () =>
    Effect.gen(function*() {
      const server = yield* Server.serve({ host: "127.0.0.1" }, (conn) => conn.write("pong"))
      const viaName = yield* Effect.scoped(Effect.flatMap(
        Connection.connect({ host: "localhost", port: server.address.port, family: 4 }),
        Connection.readAll
      ))
      assert.strictEqual(text(viaName), "pong")
    }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer)))
})
