/**
 * A netfx `Connection` presented as `@effect/platform`'s `Socket.Socket`, so that code written
 * against the platform (`Socket.toChannel`, `Socket.makeChannel`, `socket.run`, `socket.writer`)
 * runs over netfx: Happy Eyeballs, the `Resolver`, the `BlockList`, and any `Transport`.
 *
 * Import it as `@netfx/core/PlatformSocket`: it needs `@effect/platform` (an optional peer
 * dependency), so the `@netfx/core` barrel does not load it.
 *
 * The semantics follow `@effect/platform-node`'s `NodeSocket`, with these differences:
 *
 * - `run` calls its handler one chunk at a time and waits for the effect the handler returns before
 *   it reads on: a slow handler pauses the socket (NodeSocket forks each effect and keeps reading).
 * - `run` ends when the peer ends its side, and fails with `SocketGenericError` `"Read"` whose
 *   `cause` is the netfx error (`SocketError` `ECONNRESET`, ...).
 * - A `CloseEvent` whose code is clean (1000 or 1006, as `Socket.defaultCloseCodeIsError` has it)
 *   half-closes: queued bytes are flushed, FIN is sent, and `run` goes on reading until the peer
 *   ends. Any other code aborts the connection with an RST and fails the current `run` with
 *   `SocketCloseError` carrying the code and reason (NodeSocket destroys the socket in both cases).
 * - Runs are serialised: a second `run` waits for the first to end.
 * - Over an open connection (`fromConnection`, `layer`), writes do not wait for a `run`: the
 *   connection is already open, and what the peer answers stays buffered until a `run` reads it.
 *
 * Backpressure reaches the socket only through `run` with an effectful handler: `Socket.toChannel`
 * hands each chunk to an unbounded `Mailbox`, by the platform's design.
 *
 * Importing this module needs `@effect/platform`, an optional peer dependency of `@netfx/core`.
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Connection from "./Connection.js"
import type { ConnectionError, TlsError } from "./NetError.js"
import type { Transport } from "./Transport.js"

/**
 * How the platform `Socket` treats the code of a `CloseEvent` written to it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Whether a close code means an error. A `CloseEvent` with such a code aborts the connection (TCP
   * RST) and fails the current `run` with `SocketCloseError`; any other code half-closes. Default
   * `Socket.defaultCloseCodeIsError`: every code but 1000 and 1006, as the platform's WebSocket has it.
   */
  readonly closeCodeIsError?: ((code: number) => boolean) | undefined
}

/** One open connection and how it was closed from here, if it was closed with an error code. */
interface Session {
  readonly connection: Connection.Connection
  closedWith: Socket.SocketCloseError | undefined
}

type Handler<_, E, R> = (data: Uint8Array) => Effect.Effect<_, E, R> | void

interface RunOptions {
  readonly onOpen?: Effect.Effect<void> | undefined
}

const readError = (cause: ConnectionError): Socket.SocketError =>
  new Socket.SocketGenericError({ reason: "Read", cause })

const writeError = (cause: ConnectionError): Socket.SocketError =>
  new Socket.SocketGenericError({ reason: "Write", cause })

const openError = (cause: Connection.ConnectFailure | TlsError): Socket.SocketError =>
  new Socket.SocketGenericError({
    reason: (cause._tag === "ConnectError" || cause._tag === "TlsError") && cause.reason === "Timeout"
      ? "OpenTimeout"
      : "Open",
    cause
  })

/**
 * Reads the session until the peer ends, one chunk at a time: the next read waits for the
 * handler's effect, so a slow handler pauses the socket. `onOpen` runs beside the reads, as the
 * platform runs it once the handler is attached.
 */
const runSession = <_, E, R>(
  session: Session,
  handler: Handler<_, E, R>,
  options: RunOptions | undefined
): Effect.Effect<void, Socket.SocketError | E, R> => {
  const connection = session.connection
  // Hands the chunks from `index` on to the handler, waiting for each effect it returns.
  const feed = (chunks: ReadonlyArray<Uint8Array>, index: number): Effect.Effect<void, E, R> => {
    for (let i = index; i < chunks.length; i++) {
      const result = handler(chunks[i]!)
      if (Effect.isEffect(result)) return Effect.zipRight(result, Effect.suspend(() => feed(chunks, i + 1)))
    }
    return Effect.void
  }
  // A `conn.read` loop rather than `conn.stream` into a sink: the same bytes and backpressure,
  // without the fiber, scopes and channel executors that each run of a stream costs.
  const read: Effect.Effect<void, Socket.SocketError | E, R> = Effect.flatMap(
    Effect.mapError(connection.read, readError),
    (chunks) =>
      Option.isNone(chunks) ? Effect.void : Effect.zipRight(feed(Chunk.toReadonlyArray(chunks.value), 0), read)
  )
  const onOpen = options?.onOpen
  const reading = onOpen === undefined ? read : Effect.all([read, onOpen], { concurrency: 2, discard: true })
  // An error close code written here ends the read side with the close, not with a clean end.
  return Effect.zipRight(
    reading,
    Effect.suspend(() => session.closedWith === undefined ? Effect.void : Effect.fail(session.closedWith))
  )
}

const writeSession = (
  session: Session,
  chunk: Uint8Array | string | Socket.CloseEvent,
  closeCodeIsError: (code: number) => boolean
): Effect.Effect<void, Socket.SocketError> => {
  if (!Socket.isCloseEvent(chunk)) return Effect.mapError(session.connection.write(chunk), writeError)
  if (closeCodeIsError(chunk.code)) {
    // TCP has no close code: an error close is an abort (RST), which the peer sees as ECONNRESET.
    return Effect.suspend(() => {
      session.closedWith ??= new Socket.SocketCloseError({
        reason: "Close",
        code: chunk.code,
        closeReason: chunk.reason
      })
      return session.connection.abort
    })
  }
  // Closing what is already closed is not an error, as with a WebSocket's `close()`.
  return session.connection.end.pipe(
    Effect.catchTag("SocketClosed", () => Effect.void),
    Effect.mapError(writeError)
  )
}

/**
 * NodeSocket's writer release: the write side ends (FIN after what is queued) when the writer's
 * scope closes. Like Node's `socket.end()`, the release starts the end at once (later writes fail)
 * and does not wait for the flush, so a peer that stops reading cannot hold a finalizer: the fiber
 * left behind finishes when the FIN is sent or the socket closes.
 */
const endQuietly = (session: Session): Effect.Effect<void> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) =>
    Effect.sync(() => {
      Runtime.runFork(runtime, Effect.ignore(session.connection.end), { immediate: true })
    }))

/**
 * Presents an open connection as a platform `Socket`.
 *
 * The connection stays open for the life of its own scope; `run` reads it until the peer ends and
 * can be called again (runs are serialised, each taking the bytes the previous one left unread).
 * Writes go to the connection whether or not a `run` is active, and wait while its write buffer is
 * full. Closing the scope of a `writer` half-closes the connection, as NodeSocket's does, which is
 * how `Socket.toChannel` sends FIN when its input ends. `runRaw` is `run`: TCP has no text frames.
 *
 * @example
 * import * as Socket from "@effect/platform/Socket"
 * import { Connection, Server } from "@netfx/core"
 * import * as PlatformSocket from "@netfx/core/PlatformSocket"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const echo = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => Stream.run(conn.stream, conn.sink))
 *   const conn = yield* Connection.connect({ host: "127.0.0.1", port: echo.address.port })
 *   const socket = yield* PlatformSocket.fromConnection(conn)
 *   return yield* Stream.make("ping").pipe(
 *     Stream.pipeThroughChannelOrFail(Socket.toChannel<never>(socket)),
 *     Stream.decodeText(),
 *     Stream.take(1),
 *     Stream.mkString
 *   ) // "ping"
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConnection = (
  connection: Connection.Connection,
  options?: Options
): Effect.Effect<Socket.Socket> =>
  Effect.map(Effect.makeSemaphore(1), (runs) => {
    const closeCodeIsError = options?.closeCodeIsError ?? Socket.defaultCloseCodeIsError
    const session: Session = { connection, closedWith: undefined }
    const run = <_, E = never, R = never>(handler: Handler<_, E, R>, runOptions?: RunOptions) =>
      runs.withPermits(1)(runSession(session, handler, runOptions))
    const write = (chunk: Uint8Array | string | Socket.CloseEvent) => writeSession(session, chunk, closeCodeIsError)
    return Socket.Socket.of({
      [Socket.TypeId]: Socket.TypeId,
      run,
      runRaw: run,
      writer: Effect.acquireRelease(Effect.succeed(write), () => endQuietly(session))
    })
  })

/**
 * Connects with `Connection.connect` when the layer is built and provides the connection as a
 * platform `Socket` until the layer's scope closes.
 *
 * A failure to connect is netfx's own typed error (`ConnectError`, `AllAttemptsFailed`,
 * `ConnectTimeout`, ...), in the layer's error channel. For a socket that connects on each `run`,
 * as `NodeSocket.layerNet` does, see `layerNet`.
 *
 * @example
 * import * as Socket from "@effect/platform/Socket"
 * import { NodeTransport, Server } from "@netfx/core"
 * import * as PlatformSocket from "@netfx/core/PlatformSocket"
 * import { Effect, Layer, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const echo = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => Stream.run(conn.stream, conn.sink))
 *   return yield* Stream.make("ping").pipe(
 *     Stream.pipeThroughChannelOrFail(Socket.makeChannel<never>()),
 *     Stream.decodeText(),
 *     Stream.take(1),
 *     Stream.mkString,
 *     Effect.provide(
 *       PlatformSocket.layer({ host: "127.0.0.1", port: echo.address.port }).pipe(Layer.provide(NodeTransport.layer))
 *     )
 *   ) // "ping"
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Connection.ConnectOptions & Options
): Layer.Layer<Socket.Socket, Connection.ConnectFailure | TlsError, Transport> =>
  Layer.scoped(
    Socket.Socket,
    Effect.flatMap(Connection.connect(options), (connection) => fromConnection(connection, options))
  )

/**
 * A platform `Socket` that connects on each `run`, as `NodeSocket.makeNet` does: the connection is
 * opened when `run` starts and closed (flushed, FIN) when it ends.
 *
 * Writes wait until a `run` has connected and go to its connection. A failure to connect fails
 * `run` with `SocketGenericError` `"Open"` (`"OpenTimeout"` for `ConnectTimeout`) whose `cause` is
 * netfx's typed error. Unlike NodeSocket, runs are serialised, so there is one connection at a time.
 *
 * @example
 * import * as Socket from "@effect/platform/Socket"
 * import { NodeTransport, Server } from "@netfx/core"
 * import * as PlatformSocket from "@netfx/core/PlatformSocket"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const echo = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => Stream.run(conn.stream, conn.sink))
 *   const socket = yield* PlatformSocket.makeNet({ host: "127.0.0.1", port: echo.address.port, timeout: "5 seconds" })
 *   const write = yield* socket.writer
 *   // A clean CloseEvent half-closes: the echo comes back, then the server ends and the run ends.
 *   yield* socket.run((bytes) => Effect.log(new TextDecoder().decode(bytes)), {
 *     onOpen: Effect.orDie(Effect.zipRight(write("ping"), write(new Socket.CloseEvent())))
 *   })
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNet = (
  options: Connection.ConnectOptions & Options
): Effect.Effect<Socket.Socket, never, Transport> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<Transport>()
    const runs = yield* Effect.makeSemaphore(1)
    const connected = yield* Effect.makeLatch(false)
    const closeCodeIsError = options.closeCodeIsError ?? Socket.defaultCloseCodeIsError
    let current: Session | undefined

    const open = Effect.mapError(Effect.provide(Connection.connect(options), context), openError)

    const run = <_, E = never, R = never>(handler: Handler<_, E, R>, runOptions?: RunOptions) =>
      runs.withPermits(1)(Effect.scoped(Effect.gen(function*() {
        const connection = yield* open
        const session: Session = { connection, closedWith: undefined }
        current = session
        yield* connected.open
        // Added after the connection, so it runs before the connection closes: no write goes to a
        // connection that is closing.
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            connected.unsafeClose()
            current = undefined
          })
        )
        return yield* runSession(session, handler, runOptions)
      })))

    const write = (chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> =>
      connected.whenOpen(Effect.suspend(() =>
        // The run may have ended between the latch opening and this fiber resuming: wait for the next.
        current === undefined ? write(chunk) : writeSession(current, chunk, closeCodeIsError)
      ))

    return Socket.Socket.of({
      [Socket.TypeId]: Socket.TypeId,
      run,
      runRaw: run,
      writer: Effect.acquireRelease(
        Effect.succeed(write),
        () => Effect.suspend(() => current === undefined ? Effect.void : endQuietly(current))
      )
    })
  })

/**
 * `makeNet` as a layer, as `NodeSocket.layerNet`: nothing connects until a `run`.
 *
 * @example
 * import * as Socket from "@effect/platform/Socket"
 * import { NodeTransport, Server } from "@netfx/core"
 * import * as PlatformSocket from "@netfx/core/PlatformSocket"
 * import { Effect, Layer, Stream } from "effect"
 * import { mkdtempSync } from "node:fs"
 * import { tmpdir } from "node:os"
 * import { join } from "node:path"
 *
 * const path = join(mkdtempSync(join(tmpdir(), "netfx-")), "echo.sock")
 * const SocketLive = PlatformSocket.layerNet({ path }).pipe(Layer.provide(NodeTransport.layer))
 * const program = Effect.gen(function*() {
 *   yield* Server.serve({ path }, (conn) => Stream.run(conn.stream, conn.sink))
 *   return yield* Stream.make("ping").pipe(
 *     Stream.pipeThroughChannelOrFail(Socket.makeChannel<never>()),
 *     Stream.take(1),
 *     Stream.runCollect,
 *     Effect.provide(SocketLive)
 *   )
 * })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNet = (
  options: Connection.ConnectOptions & Options
): Layer.Layer<Socket.Socket, never, Transport> => Layer.effect(Socket.Socket, makeNet(options))

/**
 * `makeNet` as a channel, as `NodeSocket.makeNetChannel`: each time the channel runs it connects,
 * writes its input, emits what the peer sends, and closes when the peer ends.
 *
 * @example
 * import { NodeTransport, Server } from "@netfx/core"
 * import * as PlatformSocket from "@netfx/core/PlatformSocket"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const echo = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => Stream.run(conn.stream, conn.sink))
 *   return yield* Stream.make("ping").pipe(
 *     Stream.pipeThroughChannelOrFail(PlatformSocket.makeNetChannel({ host: "127.0.0.1", port: echo.address.port })),
 *     Stream.take(1),
 *     Stream.runCollect
 *   )
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNetChannel = <IE = never>(
  options: Connection.ConnectOptions & Options
): Channel.Channel<
  Chunk.Chunk<Uint8Array>,
  Chunk.Chunk<Uint8Array | string | Socket.CloseEvent>,
  Socket.SocketError | IE,
  IE,
  void,
  unknown,
  Transport
> => Channel.unwrap(Effect.map(makeNet(options), Socket.toChannelWith<IE>()))
