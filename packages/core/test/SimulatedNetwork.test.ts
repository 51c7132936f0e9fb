import { assert, describe, it } from "@effect/vitest"
import type { NetError } from "@netfx/core"
import { Connection, Server, TestTransport } from "@netfx/core"
import type { Handle } from "@netfx/core/Transport"
import { Effect, Exit, Fiber, Queue, Stream, TestClock } from "effect"
import * as Clock from "effect/Clock"
import { failure } from "./fixtures.js"

// The simulated network after the connect: links with latency, bandwidth, slicing, pauses, faults
// and bounded buffers, every instant exact on TestClock. Nothing here uses real time.

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** Listens on a raw handle, recording each event with the instant it came (the text of small reads). */
const record = (handle: Handle, clock: Clock.Clock, origin = 0) => {
  const log: Array<string> = []
  const chunks: Array<Uint8Array> = []
  const at = () => clock.unsafeCurrentTimeMillis() - origin
  let lastDataAt = -1
  handle.listen({
    onData: (chunk) => {
      chunks.push(chunk)
      lastDataAt = at()
      if (chunk.length <= 200) log.push(`${at()} data ${text(chunk)}`)
    },
    onEnd: () => void log.push(`${at()} end`),
    onError: (error) => void log.push(`${at()} error ${error.code}`),
    onDrain: () => {},
    onClose: () => void log.push(`${at()} close`)
  })
  return { log, chunks, bytes: () => Buffer.concat(chunks), lastDataAt: () => lastDataAt }
}

/**
 * A client connection to 10.0.0.1:80 and the server's handle, connected at once; then the link gets
 * `conditions` (set after the handshake, so that a latency does not hold the connect).
 */
const connected = (options: Partial<Connection.TcpOptions> = {}, conditions?: TestTransport.LinkConditions) =>
  Effect.gen(function*() {
    const network = yield* TestTransport.TestNetwork
    yield* network.set("10.0.0.1:80", TestTransport.accept())
    const conn = yield* Connection.connect({ host: "10.0.0.1", port: 80, ...options })
    const accepted = yield* Queue.take(network.accepted)
    if (conditions !== undefined) yield* Effect.orDie(network.condition("10.0.0.1:80", conditions))
    return { network, conn, server: accepted.handle, link: accepted.link }
  })

const withNetwork = (options: TestTransport.Options = {}) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.scoped, Effect.provide(TestTransport.layerWith(options)))

/** Deterministic bytes: a test can tell any byte lost, repeated or out of order. */
const pattern = (size: number, offset = 0) => {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = ((offset + i) * 2654435761) >>> 24
  return bytes
}

const now = Clock.currentTimeMillis

describe("TestTransport links: latency, bandwidth, slicing", () => {
  it.effect("latency and bandwidth: bytes arrive at exactly serialization + latency, the handshake takes a round trip", () =>
    Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      yield* network.set("10.0.0.1:80", TestTransport.accept("5 millis"))
      const connecting = yield* Effect.fork(
        Effect.zip(Connection.connect({ host: "10.0.0.1", port: 80 }), now)
      )
      yield* TestClock.adjust("44 millis")
      assert.isNull(connecting.unsafePoll())
      yield* TestClock.adjust("1 millis")
      // The endpoint's own 5 ms, then SYN-ACK and ACK: 2 x 20 ms.
      const [conn, connectedAt] = yield* Fiber.join(connecting)
      assert.strictEqual(connectedAt, 45)
      const server = record((yield* Queue.take(network.accepted)).handle, yield* Effect.clock)
      // 100 bytes at 1000 B/s take 100 ms to send, then 20 ms on the wire.
      yield* conn.write("x".repeat(100))
      yield* TestClock.adjust("119 millis")
      assert.deepStrictEqual(server.log, [])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(server.log, [`165 data ${"x".repeat(100)}`])
    }).pipe(withNetwork({ conditions: { latency: "20 millis", bandwidth: 1000 } })))

  it.effect("a slow link trickles in segments of 1460 bytes, each at its instant", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected()
      const clock = yield* Effect.clock
      const arrivals: Array<[number, number]> = []
      server.listen({
        onData: (chunk) => void arrivals.push([clock.unsafeCurrentTimeMillis(), chunk.length]),
        onEnd: () => {},
        onError: () => {},
        onDrain: () => {},
        onClose: () => {}
      })
      yield* conn.write(pattern(3000))
      yield* TestClock.adjust("10 seconds")
      // 1460 bytes at 1000 B/s: 1.46 s each; the last 80 bytes in 80 ms.
      assert.deepStrictEqual(arrivals, [[1460, 1460], [2920, 1460], [3000, 80]])
    }).pipe(withNetwork({ conditions: { bandwidth: 1000 } })))

  it.effect("chunking delivers writes in seeded slices of 1..N bytes; the same seed replays the same reads", () => {
    const run = (seed: number) =>
      Effect.gen(function*() {
        const { conn, server } = yield* connected({}, { chunk: 4, latency: "1 millis" })
        const received = record(server, yield* Effect.clock, yield* now)
        yield* conn.write("the quick brown fox jumps over the lazy dog")
        yield* conn.end
        yield* TestClock.adjust("1 second")
        return { sizes: received.chunks.map((c) => c.length), all: text(received.bytes()), log: received.log }
      }).pipe(withNetwork({ seed }))
    return Effect.gen(function*() {
      const first = yield* run(42)
      assert.strictEqual(first.all, "the quick brown fox jumps over the lazy dog")
      assert.isTrue(first.sizes.every((size) => size >= 1 && size <= 4), String(first.sizes))
      assert.isTrue(first.sizes.some((size) => size < 4), String(first.sizes))
      assert.isAbove(first.sizes.length, 10)
      assert.strictEqual(first.log.at(-1), "1 end")
      // Replays exactly; another seed slices differently.
      assert.deepStrictEqual(yield* run(42), first)
      assert.notDeepEqual((yield* run(43)).sizes, first.sizes)
    })
  })

  it.effect("conditions change at any instant: a latency set mid-connection applies to what is sent next", () =>
    Effect.gen(function*() {
      const { conn, network, server } = yield* connected()
      const received = record(server, yield* Effect.clock)
      yield* conn.write("a")
      yield* TestClock.adjust("10 millis")
      yield* network.condition("10.0.0.1:80", { latency: "50 millis" })
      yield* conn.write("b")
      yield* TestClock.adjust("49 millis")
      yield* network.condition("10.0.0.1:80", { latency: 0 })
      // Sent with no latency, but TCP delivers in order: "c" arrives with "b", never before it.
      yield* conn.write("c")
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(received.log, ["0 data a", "60 data b", "60 data c"])
    }).pipe(withNetwork()))

  it.effect("pause holds everything (connects too); resume delivers it late by the pause", () =>
    Effect.gen(function*() {
      const { conn, link, network, server } = yield* connected({}, { latency: "10 millis" })
      const received = record(server, yield* Effect.clock)
      yield* link.condition({ paused: true })
      yield* conn.write("held")
      yield* TestClock.adjust("300 millis")
      assert.deepStrictEqual(received.log, [])
      yield* link.condition({ paused: false })
      yield* TestClock.adjust("10 millis")
      assert.deepStrictEqual(received.log, ["310 data held"])
      // Pausing the endpoint holds new connects until it resumes.
      yield* network.pause("10.0.0.1:80")
      const second = yield* Effect.fork(Effect.zip(Connection.connect({ host: "10.0.0.1", port: 80 }), now))
      yield* TestClock.adjust("1 second")
      assert.isNull(second.unsafePoll())
      yield* network.resume("10.0.0.1:80")
      // Resumed at 1310: the handshake's round trip, 2 x 10 ms.
      yield* TestClock.adjust("10 millis")
      assert.isNull(second.unsafePoll())
      yield* TestClock.adjust("10 millis")
      assert.strictEqual((yield* Fiber.join(second))[1], 1330)
    }).pipe(withNetwork()))

  it.effect("bad conditions fail with InvalidArgument and change nothing", () =>
    Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const code = (conditions: TestTransport.LinkConditions) =>
        Effect.map(Effect.flip(network.condition("10.0.0.1:80", conditions)), (e: NetError.InvalidArgument) => [
          e.code,
          e.argument
        ])
      assert.deepStrictEqual(yield* code({ latency: -1 }), ["ERR_OUT_OF_RANGE", "latency"])
      assert.deepStrictEqual(yield* code({ latency: "soon" as "1 millis" }), ["ERR_INVALID_ARG_VALUE", "latency"])
      assert.deepStrictEqual(yield* code({ bandwidth: 0 }), ["ERR_OUT_OF_RANGE", "bandwidth"])
      assert.deepStrictEqual(yield* code({ chunk: 1.5 }), ["ERR_OUT_OF_RANGE", "chunk"])
      assert.deepStrictEqual(yield* code({ receiveBuffer: -5 }), ["ERR_OUT_OF_RANGE", "receiveBuffer"])
      assert.deepStrictEqual(yield* code({ resetAfter: { toClient: -1 } }), ["ERR_OUT_OF_RANGE", "resetAfter.toClient"])
      assert.deepStrictEqual(yield* code({ paused: "yes" as unknown as boolean }), ["ERR_INVALID_ARG_TYPE", "paused"])
      const layer = yield* Effect.exit(
        Effect.provide(Effect.void, TestTransport.layerWith({ conditions: { chunk: 0 } }))
      )
      assert.isTrue(Exit.isFailure(layer))
    }).pipe(withNetwork()))
})

describe("TestTransport links: kernel buffers and backpressure", () => {
  it.effect("a writer that outruns a slow link blocks; buffers stay bounded; every byte arrives in order", () =>
    Effect.gen(function*() {
      const { conn, link, server } = yield* connected()
      const received = record(server, yield* Effect.clock)
      // The reader does not read at first: its receive buffer fills, the window closes.
      server.pause()
      const total = 1024 * 1024
      const chunk = 16 * 1024
      let written = 0
      const writer = yield* Effect.fork(Effect.gen(function*() {
        for (let offset = 0; offset < total; offset += chunk) {
          yield* conn.write(pattern(chunk, offset))
          written += chunk
        }
      }))
      const bounded = Effect.gen(function*() {
        const { toServer } = yield* link.stats
        // Node's socket buffer (16 KiB high-water mark, plus the write that crossed it), the kernel's
        // send buffer (16 KiB), and the window: the receive buffer (128 KiB) less what is in flight.
        assert.isAtMost(toServer.queued, 32 * 1024)
        assert.isAtMost(toServer.sendBuffer, 16 * 1024)
        assert.isAtMost(toServer.inFlight + toServer.receiveBuffer, 128 * 1024)
        return toServer
      })
      for (let step = 0; step < 50; step++) {
        yield* TestClock.adjust("100 millis")
        yield* bounded
      }
      // Five seconds without a read: the writer is blocked, with 128 KiB + 16 KiB + 16 KiB taken.
      assert.isNull(writer.unsafePoll())
      const stalled = yield* bounded
      assert.deepStrictEqual(stalled, {
        queued: 16 * 1024,
        sendBuffer: 16 * 1024,
        inFlight: 0,
        receiveBuffer: 128 * 1024,
        delivered: 0
      })
      assert.strictEqual(written, 128 * 1024 + 16 * 1024)
      assert.strictEqual(yield* conn.bufferSize, 16 * 1024)
      // Reading again: the link (64 KiB/s) is the pace; the rest takes exactly 14 s more.
      server.resume()
      const resumedAt = yield* now
      for (let step = 0; step < 150 && (yield* bounded).delivered < total; step++) {
        yield* TestClock.adjust("100 millis")
      }
      yield* Fiber.join(writer)
      assert.strictEqual(received.lastDataAt() - resumedAt, 14_000)
      assert.deepStrictEqual(received.bytes(), Buffer.from(pattern(total)))
    }).pipe(withNetwork({ conditions: { bandwidth: 64 * 1024 } })))

  it.effect("end to end over Connections: a slow handler paces a fast writer, memory stays bounded, every byte arrives", () =>
    Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const total = 4 * 1024 * 1024
      const chunk = 64 * 1024
      let received = 0
      let corrupt = 0
      // The server checks every byte and takes 10 ms over each read.
      yield* Server.serve({ host: "10.0.0.1", port: 80 }, (conn) =>
        Stream.runForEach(conn.stream, (bytes) => {
          const expected = pattern(bytes.length, received)
          if (!Buffer.from(bytes).equals(Buffer.from(expected))) corrupt++
          received += bytes.length
          return Effect.sleep("10 millis")
        }))
      const conn = yield* Connection.connect({ host: "10.0.0.1", port: 80 })
      const [link] = yield* network.links("10.0.0.1:80")
      let written = 0
      const writer = yield* Effect.fork(Effect.gen(function*() {
        for (let offset = 0; offset < total; offset += chunk) {
          yield* conn.write(pattern(chunk, offset))
          written += chunk
        }
        yield* conn.end
      }))
      let mostAhead = 0
      for (let step = 0; step < 2000 && received < total; step++) {
        yield* TestClock.adjust("10 millis")
        const { toServer } = yield* link!.stats
        assert.isAtMost(toServer.sendBuffer, 16 * 1024)
        assert.isAtMost(toServer.inFlight + toServer.receiveBuffer, 128 * 1024)
        mostAhead = Math.max(mostAhead, written - received)
      }
      yield* Fiber.join(writer)
      assert.strictEqual(received, total)
      assert.strictEqual(corrupt, 0)
      // The handler's last read, and the FINs, finish before the server's scope closes.
      yield* TestClock.adjust("1 second")
      // What the writer ever had ahead of the reader: the kernel buffers and the connection's read
      // buffer (64 KiB), whatever the size of the transfer.
      assert.isAtMost(mostAhead, 16 * 1024 + 128 * 1024 + 2 * 64 * 1024)
      assert.isAbove(mostAhead, 128 * 1024)
    }).pipe(withNetwork()))

  it.effect("a partition in the middle of a transfer: it stalls, and after the heal every byte arrives in order", () =>
    Effect.gen(function*() {
      const { conn, link, network, server } = yield* connected({}, { latency: "10 millis", bandwidth: 100_000 })
      const received = record(server, yield* Effect.clock)
      const total = 200_000
      const writer = yield* Effect.fork(Effect.zipRight(conn.write(pattern(total)), conn.end))
      yield* TestClock.adjust("500 millis")
      yield* network.partition("10.0.0.1:80")
      const before = (yield* link.stats).toServer.delivered
      assert.isAbove(before, 0)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* link.stats).toServer.delivered, before)
      yield* network.heal("10.0.0.1:80")
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(writer)
      assert.deepStrictEqual(received.bytes(), Buffer.from(pattern(total)))
      assert.strictEqual(received.log.at(-1)?.endsWith("end"), true)
      // 2 s of sending at 100 kB/s, 10 s stalled, 10 ms of latency: the FIN arrives at 12.01 s.
      assert.strictEqual(received.log.at(-1), "12010 end")
    }).pipe(withNetwork()))

  it.effect("a write of 64 KiB answers false at once and drains once the kernel took it, as Node's socket does", () =>
    Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      yield* network.set("10.0.0.1:80", TestTransport.accept())
      const drained: Array<number> = []
      const clock = yield* Effect.clock
      const handle = yield* Connection.dial({ host: "10.0.0.1", port: 80 })
      handle.listen({
        onData: () => {},
        onEnd: () => {},
        onError: () => {},
        onDrain: () => void drained.push(clock.unsafeCurrentTimeMillis()),
        onClose: () => {}
      })
      let taken = false
      assert.isFalse(handle.write(pattern(64 * 1024), () => {
        taken = true
      }))
      // 16 KiB went to the kernel at once; the rest waits for acknowledgements.
      assert.isFalse(taken)
      assert.strictEqual(handle.bufferSize(), 48 * 1024)
      yield* TestClock.adjust("1 millis")
      assert.isTrue(taken)
      assert.deepStrictEqual(drained, [0])
      assert.strictEqual(handle.bufferSize(), 0)
      // The server has not read: everything waits in its receive buffer.
      const [link] = yield* network.links("10.0.0.1:80")
      assert.strictEqual((yield* link!.stats).toServer.receiveBuffer, 64 * 1024)
    }).pipe(withNetwork()))
})

describe("TestTransport links: faults", () => {
  it.effect("a reset mid-stream: the reader gets exactly N bytes then ECONNRESET, the writer a latency later", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected({}, { latency: "5 millis", resetAfter: { toClient: 4000 } })
      const clock = yield* Effect.clock
      const serverSide = record(server, clock)
      const reading = yield* Effect.fork(
        Stream.runFold(conn.stream, 0, (n, chunk) => n + chunk.length).pipe(Effect.either)
      )
      server.write(pattern(10_000))
      yield* TestClock.adjust("5 millis")
      const read = yield* Fiber.join(reading)
      // The reader had what came before the cut, then the reset.
      assert.isTrue(read._tag === "Left")
      if (read._tag === "Left") {
        assert.strictEqual(read.left._tag, "SocketError")
        assert.strictEqual((read.left as NetError.SocketError).code, "ECONNRESET")
      }
      assert.strictEqual(yield* conn.bytesRead, 4000)
      assert.deepStrictEqual(serverSide.log, ["5 error ECONNRESET", "5 close"])
    }).pipe(withNetwork()))

  it.effect("a reset after N bytes toward the server: the server reads N bytes then ECONNRESET, so does the writer", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected({}, { latency: "5 millis", resetAfter: { toServer: 3 } })
      const serverSide = record(server, yield* Effect.clock)
      yield* conn.write("abcdef")
      const reading = yield* Effect.fork(Effect.exit(Stream.runDrain(conn.stream)))
      yield* TestClock.adjust("5 millis")
      assert.deepStrictEqual(serverSide.log, ["5 data abc", "5 error ECONNRESET", "5 close"])
      const error = failure(yield* Fiber.join(reading))
      assert.strictEqual(error._tag === "SocketError" && error.code, "ECONNRESET")
    }).pipe(withNetwork()))

  it.effect("endAfter toward the server: it reads N bytes then its end, and can still answer", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected({ allowHalfOpen: true }, { endAfter: { toServer: 4 } })
      const serverSide = record(server, yield* Effect.clock)
      yield* conn.write("PING and more")
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(serverSide.log, ["0 data PING", "0 end"])
      server.write("PONG")
      server.end(() => {})
      assert.strictEqual(text(yield* Connection.readAll(conn)), "PONG")
    }).pipe(withNetwork()))

  it.effect("endAfter: the reader sees N bytes then its end; the writer's later bytes are accepted and lost", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected({ allowHalfOpen: true })
      server.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
      server.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
      server.write(" of the body")
      yield* TestClock.adjust("1 millis")
      const body = text(yield* Connection.readAll(conn))
      assert.strictEqual(body, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly")
      assert.strictEqual(yield* conn.state, "ReadClosed")
      assert.isTrue(server.write("more"))
    }).pipe(withNetwork({ conditions: { endAfter: { toClient: 44 } } })))

  it.effect("a half-open peer: writes are accepted until the buffers fill, then block; the idle timeout ends it", () =>
    Effect.gen(function*() {
      const { conn, link, network } = yield* connected({ idleTimeout: "30 seconds", failOnIdle: true })
      yield* TestClock.adjust("1 second")
      yield* link.vanish("server")
      let accepted = 0
      const writer = yield* Effect.fork(Effect.forever(Effect.tap(conn.write(pattern(1024)), () => {
        accepted += 1024
      })))
      const reader = yield* Effect.fork(Stream.runDrain(conn.stream))
      yield* TestClock.adjust("1 second")
      // No FIN, no RST, no acknowledgement: 16 KiB in the kernel, 15 KiB more in Node's buffer, and
      // the write that reached the high-water mark waits for a drain that never comes.
      assert.strictEqual(accepted, 31 * 1024)
      assert.strictEqual(yield* conn.bufferSize, 16 * 1024)
      const { toServer } = yield* link.stats
      assert.strictEqual(toServer.sendBuffer, 16 * 1024)
      assert.strictEqual(toServer.delivered, 0)
      assert.isNull(reader.unsafePoll())
      // The last activity was the last accepted write, at 1 s: the idle timeout fails it at 31 s.
      yield* TestClock.adjust("28999 millis")
      assert.isNull(reader.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = failure(yield* Fiber.await(reader))
      assert.strictEqual(error._tag, "IdleTimeout")
      assert.strictEqual(failure(yield* Fiber.await(writer))._tag, "IdleTimeout")
      yield* conn.awaitClose
      assert.strictEqual(yield* network.openSockets, 0)
    }).pipe(withNetwork()))

  it.effect("a partition stalls open links and black-holes new connects; the heal delivers what waited", () =>
    Effect.gen(function*() {
      const { conn, network, server } = yield* connected({}, { latency: "10 millis" })
      const received = record(server, yield* Effect.clock)
      yield* TestClock.adjust("100 millis")
      yield* network.partition("10.0.0.1:80")
      yield* conn.write("ping")
      // A new connect gets no answer: its timeout is what ends it.
      const timedOut = yield* Effect.exit(
        Effect.scoped(Connection.connect({ host: "10.0.0.1", port: 80, timeout: "1 second" }))
      ).pipe(Effect.fork)
      // And one without a timeout waits for the heal.
      const patient = yield* Effect.fork(Effect.zip(Connection.connect({ host: "10.0.0.1", port: 80 }), now))
      yield* TestClock.adjust("1 second")
      const error = failure(yield* Fiber.join(timedOut))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag === "ConnectError") assert.strictEqual(error.reason, "Timeout")
      yield* TestClock.adjust("900 millis")
      assert.deepStrictEqual(received.log, [])
      assert.isNull(patient.unsafePoll())
      yield* network.heal("10.0.0.1:80")
      yield* TestClock.adjust("10 millis")
      // Sent at 100 ms with 10 ms to go; frozen from 100 to 2000: arrives at 2010.
      assert.deepStrictEqual(received.log, ["2010 data ping"])
      yield* TestClock.adjust("10 millis")
      assert.strictEqual((yield* Fiber.join(patient))[1], 2020)
    }).pipe(withNetwork()))

  it.effect("data sent to a socket that closed is answered with an RST", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected({ allowHalfOpen: true }, { latency: "5 millis" })
      server.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
      // The server closes cleanly (FIN); the client, half-open, keeps writing.
      server.destroy()
      const reading = yield* Effect.fork(Stream.runDrain(conn.stream))
      yield* TestClock.adjust("5 millis")
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(reading)))
      yield* conn.write("are you there?")
      // The data reaches the closed socket at 10 ms, its RST comes back at 15 ms.
      yield* TestClock.adjust("9 millis")
      assert.strictEqual(yield* conn.state, "ReadClosed")
      yield* TestClock.adjust("1 millis")
      const error = failure(yield* Effect.exit(conn.write("hello?")))
      assert.strictEqual(error._tag, "SocketError")
      if (error._tag === "SocketError") assert.strictEqual(error.code, "ECONNRESET")
    }).pipe(withNetwork()))

  it.effect("destroying with unread data sends RST: the peer's reader fails with ECONNRESET", () =>
    Effect.gen(function*() {
      const { conn, server } = yield* connected()
      server.listen({ onData: () => {}, onEnd: () => {}, onError: () => {}, onDrain: () => {}, onClose: () => {} })
      server.pause()
      yield* conn.write("request the server never reads")
      yield* TestClock.adjust("1 millis")
      server.destroy()
      const error = failure(yield* Effect.exit(Stream.runDrain(conn.stream)))
      assert.strictEqual(error._tag, "SocketError")
      if (error._tag === "SocketError") assert.strictEqual(error.message, "read ECONNRESET")
    }).pipe(withNetwork()))

  it.effect("closing the scope closes both sides and leaves no socket and no event", () =>
    Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      yield* Effect.scoped(Effect.gen(function*() {
        const { conn, server } = yield* connected({}, { latency: "20 millis" })
        const received = record(server, yield* Effect.clock)
        yield* conn.write("bye")
        yield* TestClock.adjust("1 second")
        assert.strictEqual(text(received.bytes()), "bye")
        // The server closes when it sees our FIN (the scope's graceful close).
        server.end(() => server.destroy())
      }))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* network.openSockets, 0)
      assert.deepStrictEqual(yield* network.links("10.0.0.1:80"), [])
    }).pipe(withNetwork()))
})
