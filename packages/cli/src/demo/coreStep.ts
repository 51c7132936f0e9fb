/**
 * Step 2a of the demo: a message through the echo server with the core's `Connection.connect`.
 *
 * @internal
 */
import type { NetError, Resolver, Transport } from "@netfx/core"
import { Connection } from "@netfx/core"
import * as Effect from "effect/Effect"

/** What came back, and how long the round took, connect included. */
export interface EchoResult {
  readonly reply: string
  readonly millis: number
  /** What the client saw, in order: events, or steps of the effect. */
  readonly steps: ReadonlyArray<string>
}

/** Connects to 127.0.0.1:`port`, writes the message, half-closes, and reads the echo to the end. */
export const run = (
  port: number,
  message: string
): Effect.Effect<
  EchoResult,
  Connection.ConnectFailure | NetError.ConnectionError,
  Transport.Transport | Resolver.Resolver
> =>
  Effect.gen(function*() {
    const started = performance.now()
    const steps: Array<string> = []
    const conn = yield* Connection.connect({ host: "127.0.0.1", port })
    steps.push("connect")
    yield* conn.write(message)
    yield* conn.end
    steps.push("write", "end")
    const reply = new TextDecoder().decode(yield* Connection.readAll(conn))
    steps.push("readAll")
    return { reply, millis: performance.now() - started, steps }
  }).pipe(Effect.scoped)
