/**
 * An echo server and its client, the Effect way: `Server.serve` runs a handler for each connection,
 * `Connection.connect` opens the client, and both are scoped resources that close when the program
 * ends. A refused connection is a typed `ConnectError`, handled with `catchTag`.
 *
 *   npx tsx --conditions=@netfx/source examples/echo.ts
 */
import { Connection, NodeTransport, Resolver, Server, SocketAddress } from "@netfx/core"
import { Console, Effect, Layer, Stream } from "effect"

// Each connection's bytes go straight back to it; when the client ends its side, so do we.
const echoServer = Server.serve(
  { host: "127.0.0.1", port: 0, maxConnections: 100 },
  (conn) => Stream.run(conn.stream, conn.sink).pipe(Effect.zipRight(conn.end))
)

/** The port of a TCP server (a Unix socket server's address is its path). */
const portOf = (server: Server.Server) => SocketAddress.isSocketAddress(server.address) ? server.address.port : 0

const client = (port: number, message: string) =>
  Effect.gen(function*() {
    const conn = yield* Connection.connect({ host: "127.0.0.1", port, timeout: "5 seconds" })
    yield* Console.log(`client: connected ${conn.localAddress} -> ${conn.remoteAddress}`)
    yield* conn.writeAll([message.slice(0, 6), message.slice(6)])
    yield* conn.end // half-close: the server sees the end of our bytes, we go on reading
    const reply = new TextDecoder().decode(yield* Connection.readAll(conn))
    yield* Console.log(`client: sent ${JSON.stringify(message)}, got back ${JSON.stringify(reply)}`)
  }).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  const server = yield* echoServer
  yield* Console.log(`server: listening on ${server.address}`)
  yield* client(portOf(server), "hello, netfx")
  yield* client(portOf(server), "and once more")

  // A port that was just closed: nothing listens there, so the connection is refused.
  const closedPort = yield* Server.listen({ host: "127.0.0.1", port: 0 }).pipe(Effect.map(portOf), Effect.scoped)
  yield* client(closedPort, "anyone there?").pipe(
    Effect.catchTag("ConnectError", (error) => Console.log(`client: ${error.message} (code ${error.code})`))
  )
}).pipe(
  Effect.scoped, // closes the server: it stops accepting and its connections are closed
  Effect.zipRight(Console.log("server: closed")),
  Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode))
)

Effect.runPromise(program)
