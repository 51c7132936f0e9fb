import { assert, describe, it } from "@effect/vitest"
import type { NetError } from "@netfx/core"
import { BlockList, Connection, Resolver, TestTransport, Transport } from "@netfx/core"
import { Cause, Chunk, Effect, Either, Exit, Fiber, Layer, Option, Queue, Schema, Stream, TestClock } from "effect"
import * as Clock from "effect/Clock"
import type { Scope } from "effect/Scope"
import { recordSpans } from "./fixtures.js"

// Every test here runs on the simulated network: latencies are exact, time is TestClock's.
const hosts = { "dual.test": ["::1", "127.0.0.1"], "v4.test": ["127.0.0.1"], "many.test": ["::1", "::2", "10.0.0.1"] }
const network = Layer.merge(TestTransport.layer, Resolver.layerStatic(hosts))

const failure = <E>(exit: Exit.Exit<unknown, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  return Option.getOrThrowWith(Cause.failureOption(exit.cause), () => new Error(Cause.pretty(exit.cause)))
}

/** Connects in a fiber of its own, recording events with the instant they happened. */
const startConnect = (options: Connection.TcpOptions) =>
  Effect.gen(function*() {
    const events: Array<string> = []
    const clock = yield* Effect.clock
    const onEvent = (event: Connection.ConnectEvent) => {
      const at = clock.unsafeCurrentTimeMillis()
      events.push(
        event._tag === "Lookup"
          ? `${at} Lookup ${event.host} ${event.addresses.map((a) => a.address).join(",")}`
          : `${at} ${event._tag} ${event.address}${event._tag === "AttemptTimeout" && event.aborted ? " aborted" : ""}`
      )
    }
    const fiber = yield* Effect.gen(function*() {
      const conn = yield* Connection.connect({ ...options, onEvent })
      return { conn, at: yield* Clock.currentTimeMillis }
    }).pipe(Effect.fork)
    return { events, fiber }
  })

const remote = (conn: Connection.Connection) => String(conn.remoteAddress)

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const scopedNetwork = <A, E>(
  effect: Effect.Effect<
    A,
    E,
    TestTransport.TestNetwork | Scope | Resolver.Resolver | Transport.Transport
  >
) => effect.pipe(Effect.scoped, Effect.provide(network))

describe("Connection.connect on a simulated network", () => {
  it.effect("IPv6 blackholed, IPv4 up: connected over IPv4 at exactly 250 ms", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.blackhole)
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const { events, fiber } = yield* startConnect({ host: "dual.test", port: 80 })
      yield* TestClock.adjust("250 millis")
      const { at, conn } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 250)
      assert.strictEqual(remote(conn), "127.0.0.1:80")
      assert.deepStrictEqual(events, [
        "0 Lookup dual.test ::1,127.0.0.1",
        "0 Attempt ::1",
        "250 AttemptTimeout ::1",
        "250 Attempt 127.0.0.1",
        "250 Connected 127.0.0.1",
        // The blackholed attempt lost the race: it is told apart from a failure.
        "250 AttemptCancelled ::1"
      ])
      // The blackholed attempt was abandoned: only the winner and its server side are open.
      assert.strictEqual(yield* net.openSockets, 2)
    })))

  it.effect("IPv6 slow but alive (400 ms) beats a slower IPv4 (600 ms): earlier attempts keep running", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.accept("400 millis"))
      yield* net.set("127.0.0.1:80", TestTransport.accept("350 millis"))
      const { fiber } = yield* startConnect({ host: "dual.test", port: 80 })
      yield* TestClock.adjust("400 millis")
      const { at, conn } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 400)
      assert.strictEqual(remote(conn), "[::1]:80")
      assert.strictEqual(yield* net.openSockets, 2)
    })))

  it.effect("the sequential policy reproduces Node: the slow IPv6 attempt is aborted at 250 ms", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.accept("400 millis"))
      yield* net.set("127.0.0.1:80", TestTransport.accept("600 millis"))
      const { events, fiber } = yield* startConnect({
        host: "dual.test",
        port: 80,
        autoSelectFamilyPolicy: "sequential"
      })
      yield* TestClock.adjust("850 millis")
      const { at, conn } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 850)
      assert.strictEqual(remote(conn), "127.0.0.1:80")
      assert.deepStrictEqual(events.slice(1), [
        "0 Attempt ::1",
        "250 AttemptTimeout ::1 aborted",
        "250 Attempt 127.0.0.1",
        "850 Connected 127.0.0.1"
      ])
    })))

  it.effect("all refused: one error lists every attempt, with the first attempt's code", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.refuse("5 millis"))
      yield* net.set("[::2]:80", TestTransport.refuse("5 millis"))
      yield* net.set("10.0.0.1:80", TestTransport.refuse("5 millis"))
      const { events, fiber } = yield* startConnect({ host: "many.test", port: 80 })
      yield* TestClock.adjust("1 second")
      const error = failure(yield* Fiber.await(fiber))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag !== "ConnectError") return
      assert.strictEqual(error.reason, "Attempts")
      assert.strictEqual(error.code, "ECONNREFUSED")
      // Interleaved: ::1, then IPv4, then ::2; each failure started the next attempt at once; each
      // attempt keeps when it started and how long it ran.
      assert.deepStrictEqual(
        error.attempts.map((a) => [a.address, a.family, a.error.code, a.startedAt, a.duration]),
        [
          ["::1", 6, "ECONNREFUSED", 0, 5],
          ["10.0.0.1", 4, "ECONNREFUSED", 5, 5],
          ["::2", 6, "ECONNREFUSED", 10, 5]
        ]
      )
      assert.deepStrictEqual(events.filter((e) => e.includes("Attempt ")), [
        "0 Attempt ::1",
        "5 Attempt 10.0.0.1",
        "10 Attempt ::2"
      ])
      assert.strictEqual(yield* net.openSockets, 0)
    })))

  it.effect("traces the connect, the lookup and every attempt in spans", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.refuse())
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const { exit, spans } = yield* recordSpans(Connection.connect({ host: "dual.test", port: 80 }))
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(spans.map((s) => s.name), [
        "netfx.connect",
        "netfx.lookup",
        "netfx.connect.attempt",
        "netfx.connect.attempt"
      ])
      assert.deepStrictEqual(spans.slice(2).map((s) => s.attributes.get("net.peer.address")), ["::1", "127.0.0.1"])
    })))

  it.effect("a single address is dialled once and fails with that attempt's ConnectError", () =>
    scopedNetwork(Effect.gen(function*() {
      const error = failure(yield* Effect.exit(Connection.connect({ host: "v4.test", port: 81 })))
      assert.strictEqual(error._tag, "ConnectError")
      assert.strictEqual(error.message, "connect ECONNREFUSED 127.0.0.1:81")
    })))

  it.effect("interrupting mid-race closes every attempt", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.accept("10 seconds"))
      yield* net.set("[::2]:80", TestTransport.blackhole)
      yield* net.set("10.0.0.1:80", TestTransport.accept("10 seconds"))
      const { fiber } = yield* startConnect({ host: "many.test", port: 80 })
      yield* TestClock.adjust("600 millis")
      assert.deepStrictEqual(yield* net.attempts, ["[::1]:80", "10.0.0.1:80", "[::2]:80"])
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("20 seconds")
      assert.strictEqual(yield* net.openSockets, 0)
    })))

  it.effect("interrupting during the lookup leaves nothing behind, and nothing is dialled", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      let lookups = 0
      // A lookup that never answers.
      const lookup: Resolver.NodeLookupFunction = () => {
        lookups++
      }
      const fiber = yield* Effect.fork(Connection.connect({ host: "slow.test", port: 80, lookup }))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(lookups, 1)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* net.attempts, [])
      assert.strictEqual(yield* net.openSockets, 0)
    })))

  it.effect("the connect timeout fails with a ConnectError at exactly its instant", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.blackhole)
      yield* net.set("127.0.0.1:80", TestTransport.blackhole)
      const { fiber } = yield* startConnect({ host: "dual.test", port: 80, timeout: "1 second" })
      yield* TestClock.adjust("999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = failure(yield* Fiber.await(fiber))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag !== "ConnectError") return
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.code, "ETIMEDOUT")
      assert.strictEqual(error.timeout, 1000)
      // Both attempts were still running: each is listed as timed out, from when it started.
      assert.deepStrictEqual(error.attempts.map((a) => [a.address, a.code, a.startedAt, a.duration]), [
        ["::1", "ETIMEDOUT", 0, 1000],
        ["127.0.0.1", "ETIMEDOUT", 250, 750]
      ])
      assert.strictEqual(yield* net.openSockets, 0)
    })))

  it.effect("addresses the blockList rejects are never dialled", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const blockList = Either.getOrThrow(BlockList.addAddress(BlockList.empty, "::1"))
      const conn = yield* Connection.connect({ host: "dual.test", port: 80, blockList })
      assert.strictEqual(remote(conn), "127.0.0.1:80")
      assert.deepStrictEqual(yield* net.attempts, ["127.0.0.1:80"])
    })))

  it.effect("a destination blocked entirely fails with a ConnectError, and nothing is dialled", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      const blockList = Either.getOrThrow(BlockList.addSubnet(BlockList.empty, "::", 0))
      // IPv4 addresses are IPv6 too (::ffff:0:0/96): ::/0 blocks every host.
      const error = failure(yield* Effect.exit(Connection.connect({ host: "dual.test", port: 80, blockList })))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag !== "ConnectError") return
      assert.strictEqual(error.reason, "Blocked")
      assert.strictEqual(error.code, "ERR_IP_BLOCKED")
      assert.deepStrictEqual(error.blocked, ["::1", "127.0.0.1"])
      assert.deepStrictEqual(yield* net.attempts, [])
    })))

  it.effect("family, localAddress or autoSelectFamily: false dial the first address only", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.refuse())
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const error = failure(
        yield* Effect.exit(Connection.connect({ host: "dual.test", port: 80, autoSelectFamily: false }))
      )
      assert.strictEqual(error._tag, "ConnectError")
      const conn = yield* Connection.connect({ host: "dual.test", port: 80, family: 4 })
      assert.strictEqual(remote(conn), "127.0.0.1:80")
    })))

  it.effect("bad options fail with Node's codes before anything is dialled", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      const code = (options: Connection.ConnectOptions) =>
        Effect.exit(Connection.connect(options)).pipe(
          Effect.map((exit) => (failure(exit) as NetError.InvalidArgument).code)
        )
      assert.strictEqual(yield* code({ port: 65536 }), "ERR_SOCKET_BAD_PORT")
      assert.strictEqual(yield* code({ port: -1 }), "ERR_SOCKET_BAD_PORT")
      assert.strictEqual(yield* code({ port: 80, localPort: 1.5 }), "ERR_SOCKET_BAD_PORT")
      assert.strictEqual(yield* code({ port: 80, localAddress: "localhost" }), "ERR_INVALID_IP_ADDRESS")
      assert.strictEqual(yield* code({ port: 80, family: 5 as 4 }), "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(yield* code({ port: 80, typeOfService: 256 }), "ERR_OUT_OF_RANGE")
      assert.strictEqual(yield* code({ path: "/tmp/" + "x".repeat(200) }), "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(yield* code({ path: "" }), "ERR_INVALID_ARG_TYPE")
      assert.strictEqual(yield* code({ port: 80, noDelay: "yes" as unknown as boolean }), "ERR_INVALID_ARG_TYPE")
      assert.strictEqual(yield* code({ port: "80" as unknown as number }), "ERR_SOCKET_BAD_PORT")
      assert.deepStrictEqual(yield* net.attempts, [])
      // The same schemas decode options from configuration.
      const decode = Schema.decodeUnknownEither(Connection.TcpOptionsSchema)
      assert.isTrue(Either.isRight(decode({ host: "db.internal", port: 5432, timeout: "5 seconds", noDelay: true })))
      assert.isTrue(Either.isLeft(decode({ host: "db.internal", port: 70000 })))
    })))
})

describe("Connection on a simulated network", () => {
  const open = Effect.gen(function*() {
    const net = yield* TestTransport.TestNetwork
    yield* net.set("127.0.0.1:80", TestTransport.accept())
    const conn = yield* Connection.connect({ host: "127.0.0.1", port: 80 })
    const server = (yield* Queue.take(net.accepted)).handle
    const received: Array<string> = []
    let serverSawEnd = false
    server.listen({
      onData: (chunk) => void received.push(new TextDecoder().decode(chunk)),
      onEnd: () => {
        serverSawEnd = true
      },
      onError: () => {},
      onDrain: () => {},
      onClose: () => {}
    })
    return { net, conn, server, received, serverSawEnd: () => serverSawEnd }
  })

  it.effect("carries bytes both ways, and the peer's FIN ends the stream", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, received, server } = yield* open
      yield* conn.write("hello ")
      yield* conn.writeAll(["wor", new TextEncoder().encode("ld")])
      server.write("pong")
      server.end(() => {})
      const bytes = yield* Connection.readAll(conn)
      assert.strictEqual(new TextDecoder().decode(bytes), "pong")
      yield* Effect.yieldNow()
      assert.strictEqual(received.join(""), "hello world")
      assert.strictEqual(yield* conn.bytesWritten, 11)
      assert.strictEqual(yield* conn.bytesRead, 4)
    })))

  it.effect("read takes what has arrived, chunk by chunk, and none once the peer has ended", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, server } = yield* open
      const reader = yield* Effect.fork(conn.read)
      server.write("first")
      const first = yield* Fiber.join(reader)
      assert.deepStrictEqual(Option.map(first, (chunks) => Chunk.toArray(chunks).map(text)), Option.some(["first"]))
      server.write("second")
      server.write("third")
      server.end(() => {})
      const rest: Array<string> = []
      while (true) {
        const next = yield* conn.read
        if (Option.isNone(next)) break
        rest.push(...Chunk.toArray(next.value).map(text))
      }
      assert.strictEqual(rest.join(""), "secondthird")
      assert.isTrue(Option.isNone(yield* conn.read))
    })))

  it.effect("the sink writes a stream's chunks, and leaves the connection open", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, received } = yield* open
      yield* Stream.run(Stream.make("a", new TextEncoder().encode("b"), "c"), conn.sink)
      yield* conn.write("d")
      yield* Effect.yieldNow()
      assert.strictEqual(received.join(""), "abcd")
    })))

  it.effect("allowHalfOpen false (the default): the peer's FIN ends our side too", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, server, serverSawEnd } = yield* open
      server.end(() => {})
      yield* Stream.runDrain(conn.stream)
      yield* Effect.yieldNow()
      assert.isTrue(serverSawEnd())
      const error = failure(yield* Effect.exit(conn.write("late")))
      assert.strictEqual(error._tag, "SocketError")
      if (error._tag === "SocketError") assert.strictEqual(error.code, "EPIPE")
    })))

  it.effect("end half-closes: the peer sees FIN and we keep reading", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, server, serverSawEnd } = yield* open
      yield* conn.end
      yield* Effect.yieldNow()
      assert.isTrue(serverSawEnd())
      server.write("still here")
      server.end(() => {})
      const chunks = yield* Stream.runCollect(conn.stream)
      assert.strictEqual(Chunk.join(Chunk.map(chunks, (c) => new TextDecoder().decode(c)), ""), "still here")
    })))

  it.effect("a reset fails the stream with ECONNRESET", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, net } = yield* open
      yield* net.reset("127.0.0.1:80")
      const error = failure(yield* Effect.exit(Stream.runDrain(conn.stream)))
      assert.strictEqual(error._tag, "SocketError")
      if (error._tag === "SocketError") assert.strictEqual(error.message, "read ECONNRESET")
    })))

  it.effect("the stream has one reader: a second concurrent reader dies with a clear message", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, server } = yield* open
      const first = yield* Effect.fork(Stream.runDrain(conn.stream))
      const second = yield* Effect.fork(Stream.runDrain(conn.stream))
      // One of them finds the other waiting and dies at once; the other reads on until the end.
      yield* Effect.raceFirst(Fiber.await(first), Fiber.await(second))
      server.end(() => {})
      const exits = [yield* Fiber.await(first), yield* Fiber.await(second)]
      const died = exits.filter((exit) => Exit.isFailure(exit) && Cause.isDie(exit.cause))
      assert.strictEqual(died.length, 1)
      assert.include(Cause.pretty((died[0] as Exit.Failure<unknown, unknown>).cause), "one reader")
      assert.strictEqual(exits.filter(Exit.isSuccess).length, 1)
    })))

  it.effect("closing the scope closes both sides: no socket is left", () =>
    Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* Effect.scoped(Effect.gen(function*() {
        const { conn } = yield* open
        yield* conn.write("bye")
        assert.strictEqual(yield* net.openSockets, 2)
      }))
      assert.strictEqual(yield* net.openSockets, 1) // the server side, which the test never closed
      const accepted = yield* Queue.takeAll(net.accepted)
      assert.strictEqual(Chunk.size(accepted), 0)
    }).pipe(Effect.provide(network)))
})

describe("Connection idle timeout (simulated, exact instants)", () => {
  const connected = (options: Partial<Connection.TcpOptions> = {}) =>
    Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: 80, ...options })
      const server = (yield* Queue.take(net.accepted)).handle
      server.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
      return { net, conn, server }
    })

  it.effect("reports each idle period once, without closing, and activity starts a new one", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, server } = yield* connected({ idleTimeout: "1 second" })
      const idle = yield* conn.subscribeIdle
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* Queue.size(idle), 0)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Queue.size(idle), 1)
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(yield* Queue.size(idle), 1)
      // Activity at 6 s: the next report comes at exactly 7 s.
      server.write("wake up")
      yield* Effect.yieldNow()
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* Queue.size(idle), 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Queue.size(idle), 2)
      // Still open: reading and writing work.
      yield* conn.write("still open")
    })))

  it.effect("writes count as activity, and clearing the timeout stops the reports", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn } = yield* connected()
      const idle = yield* conn.subscribeIdle
      yield* conn.setIdleTimeout("100 millis")
      yield* TestClock.adjust("60 millis")
      yield* conn.write("x")
      yield* TestClock.adjust("60 millis")
      assert.strictEqual(yield* Queue.size(idle), 0)
      yield* TestClock.adjust("40 millis")
      assert.strictEqual(yield* Queue.size(idle), 1)
      yield* conn.write("y")
      yield* conn.setIdleTimeout(undefined)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Queue.size(idle), 1)
    })))

  it.effect("with failOnIdle the stream fails with IdleTimeout at the instant, and the socket closes", () =>
    scopedNetwork(Effect.gen(function*() {
      const { conn, net } = yield* connected({ idleTimeout: "250 millis", failOnIdle: true })
      const reader = yield* Effect.fork(Stream.runDrain(conn.stream))
      yield* TestClock.adjust("249 millis")
      assert.isNull(reader.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = failure(yield* Fiber.await(reader))
      assert.strictEqual(error._tag, "IdleTimeout")
      assert.strictEqual(error.code, "ETIMEDOUT")
      yield* conn.awaitClose
      assert.strictEqual(failure(yield* Effect.exit(conn.write("late")))._tag, "IdleTimeout")
      assert.strictEqual(yield* net.openSockets, 1) // the server side, which the test never closed
    })))
})

describe("Connection: what programs asked for (simulated, exact instants)", () => {
  const fiberRefEntries = Effect.withFiberRuntime((fiber) => {
    let entries = 0
    const refs = fiber.getFiberRefs() as unknown as { readonly locals: Map<unknown, ReadonlyArray<unknown>> }
    for (const stack of refs.locals.values()) entries += stack.length
    return Effect.succeed(entries)
  })

  it.effect("a long-lived fiber that connects 5,000 times with a timeout keeps its FiberRefs flat", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const once = Effect.scoped(Connection.connect({ host: "127.0.0.1", port: 80, timeout: "5 seconds" }))
      yield* once
      const before = yield* fiberRefEntries
      for (let i = 0; i < 5000; i++) yield* once
      // Effect 3.22's Effect.scoped(Effect.timeout(Effect.acquireRelease(...))) left two entries per
      // call in the calling fiber; the connect avoids that shape.
      assert.strictEqual(yield* fiberRefEntries, before)
    })))

  it.effect("bad durations are InvalidArgument, never 0, never thrown, never a defect", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const result = (options: Partial<Connection.TcpOptions>) =>
        Effect.map(
          Effect.exit(Effect.suspend(() => Connection.connect({ host: "127.0.0.1", port: 80, ...options }))),
          (exit) => Exit.isSuccess(exit) ? "connected" : (failure(exit) as NetError.InvalidArgument).code
        )
      assert.strictEqual(yield* result({ timeout: -1 }), "ERR_OUT_OF_RANGE")
      assert.strictEqual(yield* result({ timeout: "soon" as never }), "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(yield* result({ timeout: "-5 seconds" }), "ERR_OUT_OF_RANGE")
      assert.strictEqual(yield* result({ timeout: Number.NaN }), "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(yield* result({ idleTimeout: "soon" as never }), "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(yield* result({ closeTimeout: -1 }), "ERR_OUT_OF_RANGE")
      assert.strictEqual(yield* result({ keepAliveInitialDelay: {} as never }), "ERR_INVALID_ARG_TYPE")
      assert.strictEqual(yield* result({ autoSelectFamilyAttemptDelay: -250 }), "ERR_OUT_OF_RANGE")
      assert.strictEqual(yield* result({ timeout: "5 seconds", idleTimeout: 0 }), "connected")
      assert.strictEqual(yield* result({ timeout: Infinity }), "connected")
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: 80 })
      const set = yield* Effect.exit(conn.setIdleTimeout("soon" as never))
      assert.strictEqual((failure(set) as NetError.InvalidArgument).code, "ERR_INVALID_ARG_VALUE")
      assert.strictEqual(
        (failure(yield* Effect.exit(conn.setKeepAlive(true, -1))) as NetError.InvalidArgument).code,
        "ERR_OUT_OF_RANGE"
      )
      // The schema a user decodes configuration with says the same.
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Connection.TcpOptionsSchema)({ port: 80, timeout: -1 })))
      assert.isTrue(
        Either.isRight(Schema.decodeUnknownEither(Connection.TcpOptionsSchema)({ port: 80, timeout: "5 seconds" }))
      )
    })))

  it.effect("one catchTag catches every 'could not connect', whatever DNS answered", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:81", TestTransport.refuse())
      const caught = (options: Connection.TcpOptions) =>
        Connection.connect(options).pipe(
          Effect.as("connected"),
          Effect.catchTag("ConnectError", (error) =>
            Effect.succeed(`${error.reason} ${error.code} ${error.attempts.length}`)),
          Effect.scoped
        )
      assert.strictEqual(yield* caught({ host: "v4.test", port: 81 }), "Attempts ECONNREFUSED 1")
      assert.strictEqual(yield* caught({ host: "dual.test", port: 81 }), "Attempts ECONNREFUSED 2")
      assert.strictEqual(yield* caught({ host: "nosuch.test", port: 81 }), "Lookup ENOTFOUND 0")
      const all = Either.getOrThrow(BlockList.addSubnet(BlockList.empty, "::", 0))
      assert.strictEqual(yield* caught({ host: "dual.test", port: 81, blockList: all }), "Blocked ERR_IP_BLOCKED 0")
    })))

  it.effect("the attempt delay is the transport's default unless set, and a delay above 2 s is honoured", () =>
    Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[::1]:80", TestTransport.blackhole)
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const transport = yield* Transport.Transport
      // A runtime whose default is 500 ms (Node 25+): the race waits that long for IPv6.
      const slower = Transport.Transport.of({ ...transport, defaultAttemptDelay: () => 500 })
      const { events, fiber } = yield* startConnect({ host: "dual.test", port: 80 }).pipe(
        Effect.provideService(Transport.Transport, slower)
      )
      yield* TestClock.adjust("500 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).at, 500)
      assert.include(events, "500 Attempt 127.0.0.1")
      const long = yield* startConnect({ host: "dual.test", port: 80, autoSelectFamilyAttemptDelay: "3 seconds" })
      yield* TestClock.adjust("2999 millis")
      assert.isNull(long.fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(long.fiber)).at, 3500)
    }).pipe(Effect.scoped, Effect.provide(network)))

  it.effect("a connection tells its state: open, half-closed either way, closed", () =>
    scopedNetwork(Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("127.0.0.1:80", TestTransport.accept())
      const a = yield* Connection.connect({ host: "127.0.0.1", port: 80, allowHalfOpen: true })
      const serverA = (yield* Queue.take(net.accepted)).handle
      serverA.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
      assert.strictEqual(yield* a.state, "Open")
      yield* a.end
      assert.strictEqual(yield* a.state, "WriteClosed")
      yield* Effect.async<void>((resume) => serverA.end(() => resume(Effect.void)))
      assert.isTrue(Option.isNone(yield* a.read))
      assert.strictEqual(yield* a.state, "Closed")

      const b = yield* Connection.connect({ host: "127.0.0.1", port: 80, allowHalfOpen: true })
      const serverB = (yield* Queue.take(net.accepted)).handle
      serverB.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
      yield* Effect.async<void>((resume) => serverB.end(() => resume(Effect.void)))
      assert.isTrue(Option.isNone(yield* b.read))
      assert.strictEqual(yield* b.state, "ReadClosed")
      yield* b.close
      assert.strictEqual(yield* b.state, "Closed")
    })))
})
