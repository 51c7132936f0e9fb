/**
 * Graceful shutdown: SIGTERM arrives while a client is in the middle of a slow request. The server
 * stops accepting at once (a new connection is refused) and lets the request in flight finish, up
 * to its `shutdownTimeout`, before it closes. Here the program sends itself the SIGTERM.
 *
 *   npx tsx --conditions=@netfx/source examples/graceful-shutdown.ts
 */
import { Connection, NodeTransport, Resolver, Server, SocketAddress } from "@netfx/core"
import { Console, Deferred, Effect, Fiber, Layer, Stream } from "effect"

const start = Date.now()
const log = (line: string) => Console.log(`+${String(Date.now() - start).padStart(4)} ms  ${line}`)

/** An AbortSignal that SIGTERM aborts, for the life of the scope. */
const onSigterm = Effect.acquireRelease(
  Effect.sync(() => {
    const controller = new AbortController()
    const abort = () => controller.abort()
    process.once("SIGTERM", abort)
    return { signal: controller.signal, abort }
  }),
  ({ abort }) => Effect.sync(() => process.removeListener("SIGTERM", abort))
)

const request = (port: number, line: string) =>
  Effect.gen(function*() {
    const conn = yield* Connection.connect({ host: "127.0.0.1", port })
    yield* conn.write(`${line}\n`)
    return new TextDecoder().decode(yield* Connection.readAll(conn)).trim()
  }).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  const { signal } = yield* onSigterm
  const received = yield* Deferred.make<void>()
  const server = yield* Server.serve(
    { host: "127.0.0.1", port: 0, signal, shutdownTimeout: "5 seconds" },
    (conn) =>
      Effect.gen(function*() {
        const line = yield* conn.stream.pipe(Stream.decodeText(), Stream.splitLines, Stream.runHead)
        yield* log(`server: working on ${JSON.stringify(line._tag === "Some" ? line.value : "")} for 1 s`)
        yield* Deferred.succeed(received, undefined)
        yield* Effect.sleep("1 second") // the slow part of the request
        yield* conn.write("done\n")
      })
  )
  const port = SocketAddress.isSocketAddress(server.address) ? server.address.port : 0
  yield* log(`server: listening on ${server.address}`)

  const slow = yield* Effect.fork(request(port, "slow request"))
  yield* Deferred.await(received)
  yield* log("SIGTERM")
  process.kill(process.pid, "SIGTERM")

  // `connections` ends once the server has stopped accepting: from then on, a connection is refused.
  yield* Stream.runDrain(server.connections)
  yield* log(`server: no longer accepting; ${yield* server.connectionCount} connection still open`)
  yield* request(port, "late request").pipe(
    Effect.flatMap((reply) => log(`late client: got ${JSON.stringify(reply)}?!`)),
    Effect.catchTag("ConnectError", (error) => log(`late client: ${error.message}`))
  )

  yield* log(`slow client: got ${JSON.stringify(yield* Fiber.join(slow))}`)
  yield* server.awaitShutdown
  yield* log("server: shut down")
}).pipe(Effect.scoped, Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)))

Effect.runPromise(program)
