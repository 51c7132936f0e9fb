/**
 * `@effect/platform` interop: a server and a client written against the platform's `SocketServer`
 * and `Socket` only, running over netfx (`@netfx/core/PlatformSocketServer` and
 * `@netfx/core/PlatformSocket`) on a Unix socket in a temporary directory. A failure to connect
 * is the platform's `SocketError`, with netfx's typed error as its cause.
 *
 *   npx tsx --conditions=@netfx/source examples/platform-interop.ts
 */
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import { NodeTransport, Resolver } from "@netfx/core"
import * as PlatformSocket from "@netfx/core/PlatformSocket"
import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
import { Console, Effect, Layer, Stream } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

// Platform code: it knows nothing of netfx. Each connection gets back what it sends, in upper case.
const upperCaseServer = Effect.gen(function*() {
  const server = yield* SocketServer.SocketServer
  return yield* server.run((socket) =>
    Effect.gen(function*() {
      const write = yield* socket.writer
      yield* socket.run((bytes) => write(new TextDecoder().decode(bytes).toUpperCase()))
    }).pipe(Effect.scoped)
  )
})

// Platform code too: the channel writes its input, sends FIN when the input ends, and emits the reply.
const ask = (...parts: Array<string>) =>
  Stream.make(...parts).pipe(
    Stream.pipeThroughChannelOrFail(Socket.makeChannel()),
    Stream.decodeText(),
    Stream.mkString
  )

/** A temporary directory for the life of the scope. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "netfx-example-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const program = Effect.gen(function*() {
  const path = join(yield* tempDir, "upper.sock")
  // The server listens now; `run` (in its own fiber) serves until the scope closes, then drains.
  // allowHalfOpen: the client's FIN must not end our side before the answer is written.
  const server = yield* PlatformSocketServer.make({ path, allowHalfOpen: true, shutdownTimeout: "2 seconds" })
  yield* Console.log(`server: listening on ${server.address._tag} ${path}`)
  yield* Effect.forkScoped(Effect.provideService(upperCaseServer, SocketServer.SocketServer, server))

  const reply = yield* ask("hello ", "from ", "@effect/platform").pipe(
    Effect.provide(PlatformSocket.layerNet({ path }))
  )
  yield* Console.log(`client: got ${JSON.stringify(reply)}`)

  // Nothing listens on this path: the platform's SocketError, caused by netfx's ConnectError.
  yield* ask("anyone?").pipe(
    Effect.provide(PlatformSocket.layerNet({ path: join(path, "..", "missing.sock") })),
    Effect.catchTag("SocketError", (error) => Console.log(`client: ${error.reason} failed: ${String(error.cause)}`))
  )
}).pipe(
  Effect.scoped,
  Effect.zipRight(Console.log("server: shut down")),
  Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode))
)

Effect.runPromise(program)
