/**
 * The echo handler of `netfx serve --echo` and of the demo's server: a read loop (cheaper than a
 * stream per connection) that sends back every chunk as it arrives, then ends its side once the
 * client has ended its own.
 *
 * @internal
 */
import type { Connection } from "@netfx/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

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
