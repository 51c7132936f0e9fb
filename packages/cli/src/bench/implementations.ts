/**
 * The clients and the echo server of each implementation, as a worker runs them. Each is written
 * the way a user of that library would write it:
 *
 * - node:net and @netfx/compat: the same code (`fromNet`), given `node:net` or `@netfx/compat` as
 *   the module: `socket.write` with its return value for backpressure, `'data'` events to read,
 *   `socket.pipe(socket)` to echo.
 * - @netfx/core: `Connection.connect`, `conn.write` (waits for drain), `conn.stream` / `conn.read`;
 *   `Server.serve` with a `conn.read` / `conn.writeAll` loop to echo; `@netfx/core Stream.run`, the
 *   same with `Stream.run(conn.stream, conn.sink)`, in the memory scenario.
 * - NodeSocket (@effect/platform-node): `NodeSocket.makeNet`, `socket.writer` (each write waits for
 *   its callback), `socket.run(handler)`; `NodeSocketServer.make` with `socket.run(write)` to echo.
 *
 * Every client checks the bytes it gets and fails when one is missing or extra.
 */
import type { Implementations } from "./client.js"
import type { Implementation } from "./protocol.js"

/** Loads an implementation; each module is imported only by the workers that run it. */
export const load = async (impl: Implementation): Promise<Implementations> => {
  switch (impl) {
    case "node:net":
      return (await import("./netImplementation.js")).fromNet(await import("node:net"), impl)
    case "@netfx/compat": {
      const { fromNet, loadCompat } = await import("./netImplementation.js")
      return fromNet(await loadCompat(), impl)
    }
    case "@netfx/core":
      return (await import("./coreImplementation.js")).core
    case "@netfx/core Stream.run":
      return (await import("./coreImplementation.js")).coreStream
    case "NodeSocket":
      return (await import("./platformImplementation.js")).platform
  }
}
