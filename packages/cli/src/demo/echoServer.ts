/**
 * Step 1 of the demo: an echo server on the core's `Server.serve`, on 127.0.0.1 and a port the
 * system chooses, for the life of the scope.
 *
 * @internal
 */
import type { Transport } from "@netfx/core"
import { Server } from "@netfx/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { echo } from "../internal/echo.js"

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
