/**
 * The clients and the echo server of each implementation, as a worker runs them. Each is written
 * the way a user of that library would write it:
 *
 * - node:net and @netfx/compat: the same code (`fromNet`), given `node:net` or `@netfx/compat` as
 *   the module: `socket.write` with its return value for backpressure, `'data'` events to read,
 *   `socket.pipe(socket)` to echo.
 * - @netfx/core: `Connection.connect`, `conn.write` (waits for drain), `conn.stream` / `conn.read`;
 *   `Server.serve` with a `conn.read` / `conn.writeAll` loop to echo (`NETFX_CORE_ECHO=stream`: `Stream.run`).
 * - NodeSocket (@effect/platform-node): `NodeSocket.makeNet`, `socket.writer` (each write waits for
 *   its callback), `socket.run(handler)`; `NodeSocketServer.make` with `socket.run(write)` to echo.
 *
 * Every client checks the bytes it gets and fails when one is missing or extra.
 */
import type { Implementation } from "./protocol.js"

/** An echo server in this process. */
export interface EchoServer {
  readonly port: number
  readonly open: () => Promise<number>
  readonly errors: () => number
  readonly close: () => Promise<void>
}

export interface Client {
  /** Writes `bytes` in `writeSize` writes, half-closes, reads the echo to the server's FIN: elapsed ms. */
  readonly bulk: (port: number, bytes: number, writeSize: number) => Promise<number>
  /** `count` round trips of `size` bytes, one at a time: elapsed ms. */
  readonly roundTrips: (port: number, count: number, size: number) => Promise<number>
  /** `count` connections, `inFlight` at once, each exchanging one message of `size` bytes: elapsed ms. */
  readonly connections: (port: number, count: number, inFlight: number, size: number) => Promise<number>
}

export interface Implementations extends Client {
  readonly listen: () => Promise<EchoServer>
}

/** Runs `task` `total` times with at most `inFlight` at once. */
export const pool = async (total: number, inFlight: number, task: () => Promise<void>): Promise<void> => {
  let started = 0
  const worker = async () => {
    while (started < total) {
      started++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker))
}

/** The elapsed-time clock of every round. */
export const now = (): number => performance.now()

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
    case "NodeSocket":
      return (await import("./platformImplementation.js")).platform
  }
}
