/**
 * Step 1 of the demo: an echo server on the core's `Server.serve`, on 127.0.0.1 and a port the
 * system chooses, for the life of the scope.
 *
 * @internal
 */
import type { Connection, Transport } from "@netfx/core"
import { Server } from "@netfx/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"

/** Sends back every chunk as it arrives, then ends its side when the client has ended its own. */
export const echo = (conn: Connection.Connection): Effect.Effect<void, unknown> =>
  Effect.gen(function*() {
    while (true) {
      const chunks = yield* conn.read
      if (Option.isNone(chunks)) break
      yield* conn.writeAll(Chunk.toReadonlyArray(chunks.value))
    }
    yield* conn.end
  })

/** The running server, and how many connections it has accepted so far. */
export interface EchoServer {
  readonly server: Server.Server
  readonly accepted: () => number
}

/** Starts the echo server on 127.0.0.1, port 0. */
export const start: Effect.Effect<EchoServer, Server.ListenFailure, Scope.Scope | Transport.Transport> = Effect
  .gen(function*() {
    let accepted = 0
    const server = yield* Server.serve(
      { host: "127.0.0.1", port: 0, shutdownTimeout: "1 second" },
      (conn) =>
        Effect.suspend(() => {
          accepted++
          return echo(conn)
        })
    )
    return { server, accepted: () => accepted }
  })
