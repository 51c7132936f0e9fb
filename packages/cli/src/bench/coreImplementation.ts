/**
 * @netfx/core: `Connection.connect`, `conn.write` (waits for drain), `conn.stream` / `conn.read`;
 * `Server.serve` with a `conn.read` / `conn.writeAll` loop to echo.
 *
 * The echo handler is the loop rather than `Stream.run(conn.stream, conn.sink)`: the same bytes and
 * backpressure, without Effect's stream machinery, which costs each connection a fiber, two scopes
 * and five channel executors of its own (~20 KB and ~300 µs of CPU per connection here, more than
 * all of netfx's own work). `coreStream` is the same server with the `Stream.run` echo: the memory
 * scenario measures both.
 */
import * as Connection from "@netfx/core/Connection"
import type { ConnectionError } from "@netfx/core/NetError"
import * as NodeTransport from "@netfx/core/NodeTransport"
import * as Server from "@netfx/core/Server"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Client, EchoServer, Implementations } from "./client.js"
import { DUAL_HOST, dualLookup, now } from "./client.js"
import { HOST } from "./protocol.js"

const CoreLive = NodeTransport.layer

/**
 * One round of bulk echo over a core connection made with `options`: writes `bytes` in `writeSize`
 * writes, half-closes and reads the echo to its end; the milliseconds from connected to the end.
 * The TLS rows run it with `tls` in the options.
 */
export const bulkOver = (options: Connection.TcpOptions, bytes: number, writeSize: number): Promise<number> =>
  Effect.gen(function*() {
    const data = Buffer.alloc(writeSize, 0x5a)
    const conn = yield* Connection.connect(options)
    const start = now()
    const send = Effect.gen(function*() {
      for (let sent = 0; sent < bytes; sent += writeSize) yield* conn.write(data)
      yield* conn.end
    })
    const receive = Stream.runFold(conn.stream, 0, (received, chunk) => received + chunk.length)
    const [, received] = yield* Effect.all([send, receive], { concurrency: 2 })
    const elapsed = now() - start
    if (received !== bytes) return yield* Effect.dieMessage(`@netfx/core: ${received} bytes echoed of ${bytes}`)
    return elapsed
  }).pipe(Effect.scoped, Effect.provide(CoreLive), Effect.runPromise)

/**
 * `count` connections made with `options`, `inFlight` at a time: each sends `size` bytes, reads the
 * echo, ends, and reads to the server's FIN (the scope then closes the socket); the milliseconds of
 * them all. The TLS rows run it with `tls` in the options.
 */
export const connectionsOver = (
  options: Connection.TcpOptions,
  count: number,
  inFlight: number,
  size: number
): Promise<number> => {
  const message = Buffer.alloc(size, 0x63)
  const exchange = Effect.gen(function*() {
    const conn = yield* Connection.connect(options)
    yield* conn.write(message)
    let got = 0
    while (got < size) {
      const chunks = yield* conn.read
      if (Option.isNone(chunks)) break
      for (const chunk of Chunk.toReadonlyArray(chunks.value)) got += chunk.length
    }
    yield* conn.end
    while (Option.isSome(yield* conn.read)) got = Infinity
    if (got !== size) return yield* Effect.dieMessage(`@netfx/core: ${got} bytes echoed of ${size}`)
  }).pipe(Effect.scoped)
  return Effect.gen(function*() {
    const start = now()
    yield* Effect.forEach(Array.from({ length: count }), () => exchange, { concurrency: inFlight, discard: true })
    return now() - start
  }).pipe(Effect.provide(CoreLive), Effect.runPromise)
}

const coreClient: Client = {
  bulk: (port, bytes, writeSize) => bulkOver({ host: HOST, port, noDelay: true }, bytes, writeSize),

  roundTrips: (port, count, size) =>
    Effect.gen(function*() {
      const message = Buffer.alloc(size, 0x71)
      const conn = yield* Connection.connect({ host: HOST, port, noDelay: true })
      const start = now()
      for (let done = 0; done < count; done++) {
        yield* conn.write(message)
        let got = 0
        while (got < size) {
          // `conn.read` takes what has arrived without a stream per message, as node's 'data' does.
          const chunks = yield* conn.read
          if (Option.isNone(chunks)) return yield* Effect.dieMessage("@netfx/core: the server ended the connection")
          for (const chunk of Chunk.toReadonlyArray(chunks.value)) got += chunk.length
        }
        if (got > size) return yield* Effect.dieMessage(`@netfx/core: ${got} bytes in reply to ${size}`)
      }
      return now() - start
    }).pipe(Effect.scoped, Effect.provide(CoreLive), Effect.runPromise),

  connections: (port, count, inFlight, size, target) =>
    connectionsOver(
      target?.dual
        ? { host: DUAL_HOST, port, noDelay: true, lookup: dualLookup }
        : { host: HOST, port, noDelay: true },
      count,
      inFlight,
      size
    ),

  idle: async (port, count, inFlight) => {
    // Each connection echoes one byte, then is held open by a scope of its own until closed.
    const scopes: Array<Scope.CloseableScope> = []
    const open = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const conn = yield* Connection.connect({ host: HOST, port }).pipe(Scope.extend(scope))
      yield* conn.write("x")
      yield* conn.read
      scopes.push(scope)
    })
    await Effect.forEach(Array.from({ length: count }), () => open, { concurrency: inFlight, discard: true }).pipe(
      Effect.provide(CoreLive),
      Effect.runPromise
    )
    return () => Effect.runPromise(Effect.forEach(scopes, (scope) => Scope.close(scope, Exit.void), { discard: true }))
  }
}

/** Reads what has arrived and writes it back, until the peer ends. */
const echoLoop = (conn: Connection.Connection): Effect.Effect<void, ConnectionError> => {
  const loop: Effect.Effect<void, ConnectionError> = Effect.flatMap(
    conn.read,
    (chunks) => Option.isNone(chunks) ? Effect.void : Effect.zipRight(conn.writeAll(chunks.value), loop)
  )
  return loop
}

const echoStream = (conn: Connection.Connection) => Stream.run(conn.stream, conn.sink)

const coreListen = async (
  host = HOST,
  echo: (conn: Connection.Connection) => Effect.Effect<void, ConnectionError> = echoLoop
): Promise<EchoServer> => {
  let errors = 0
  const scope = Effect.runSync(Scope.make())
  const server = await Server.serve(
    {
      host,
      port: 0,
      noDelay: true,
      allowHalfOpen: true,
      onEvent: (event) => {
        if (event._tag !== "Drop" && event._tag !== "Shutdown") errors++
      }
    },
    echo
  ).pipe(Effect.provide(NodeTransport.layer), Scope.extend(scope), Effect.runPromise)
  if (typeof server.address === "string") throw new Error("@netfx/core: a TCP server has a port")
  return {
    port: server.address.port,
    open: () => Effect.runPromise(server.connectionCount),
    errors: () => errors,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

export const core: Implementations = { ...coreClient, listen: (host) => coreListen(host) }

/** The core with the echo its docs show first, `Stream.run(conn.stream, conn.sink)`. */
export const coreStream: Implementations = { ...coreClient, listen: (host) => coreListen(host, echoStream) }
