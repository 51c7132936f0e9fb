/**
 * Step 4 of the demo: bulk throughput over loopback, a `node:net` client against a compat socket
 * and a core `Connection`, all through the same `node:net` echo server in this process, so that
 * only the client differs. A taste of `netfx bench`, not a measurement: a few short rounds.
 *
 * @internal
 */
import * as compat from "@netfx/compat"
import type { Resolver, Transport } from "@netfx/core"
import { Connection } from "@netfx/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as net from "node:net"

const HOST = "127.0.0.1"
const WRITE_SIZE = 64 * 1024
const WRITE = Buffer.alloc(WRITE_SIZE, 0x5a)

/** The sizes of the comparison. */
export interface Plan {
  /** Bytes each client sends (and gets back) per round. */
  readonly bytes: number
  /** Measured rounds per client, after one warm-up round each. */
  readonly rounds: number
}

/** MiB/s each way, per client: the median of the rounds. */
export interface Result {
  readonly plan: Plan
  readonly node: number
  readonly compat: number
  readonly core: number
}

/** A node:net echo server on 127.0.0.1 for the life of the scope. */
const echoServer = Effect.acquireRelease(
  Effect.async<net.Server, Error>((resume) => {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("error", () => socket.destroy())
      socket.pipe(socket)
    })
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(0, HOST, () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)

/**
 * A `net` module's client (node:net's or compat's, the same code): `write` with its return value
 * for backpressure, 'data' to count the echo.
 */
const netRound = (module: typeof net, port: number, bytes: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = module.connect({ host: HOST, port })
    socket.on("error", reject)
    socket.on("connect", () => {
      const started = performance.now()
      let sent = 0
      let received = 0
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length
      })
      socket.on("end", () => {
        const millis = performance.now() - started
        socket.destroy()
        if (received !== bytes) reject(new Error(`${received} bytes echoed of ${bytes}`))
        else resolve(millis)
      })
      const pump = () => {
        while (sent < bytes) {
          sent += WRITE_SIZE
          if (!socket.write(WRITE)) return void socket.once("drain", pump)
        }
        socket.end()
      }
      pump()
    })
  })

/** The core: `conn.write` (which waits for drain) beside `conn.stream` to count the echo. */
const coreRound = (port: number, bytes: number) =>
  Effect.gen(function*() {
    const conn = yield* Connection.connect({ host: HOST, port })
    const started = performance.now()
    const send = Effect.gen(function*() {
      for (let sent = 0; sent < bytes; sent += WRITE_SIZE) yield* conn.write(WRITE)
      yield* conn.end
    })
    const receive = Stream.runFold(conn.stream, 0, (received, chunk) => received + chunk.length)
    const [, received] = yield* Effect.all([send, receive], { concurrency: 2 })
    const millis = performance.now() - started
    if (received !== bytes) return yield* Effect.fail(new Error(`@netfx/core: ${received} bytes echoed of ${bytes}`))
    return millis
  }).pipe(Effect.scoped)

const median = (values: ReadonlyArray<number>) => values.slice().sort((a, b) => a - b)[values.length >> 1]!

/**
 * Runs the rounds, alternating the clients (and which goes first) so that neither always runs on
 * a warmer or a colder machine, and gives each client's median rate.
 */
export const run = (
  plan: Plan
): Effect.Effect<Result, unknown, Transport.Transport | Resolver.Resolver> =>
  Effect.gen(function*() {
    const server = yield* echoServer
    const port = (server.address() as net.AddressInfo).port
    const node = Effect.tryPromise({ try: () => netRound(net, port, plan.bytes), catch: (error) => error })
    const viaCompat = Effect.tryPromise({
      try: () => netRound(compat as unknown as typeof net, port, plan.bytes),
      catch: (error) => error
    })
    const core = coreRound(port, plan.bytes)
    const clients = [node, viaCompat, core]
    // Warm-up: the first rounds pay for JIT compilation, more for Effect's runtime than for Node's.
    for (const client of clients) yield* client
    const millis: Array<Array<number>> = [[], [], []]
    for (let round = 0; round < plan.rounds; round++) {
      // Each round starts with another client, so that none always runs on a warmer machine.
      for (let i = 0; i < clients.length; i++) {
        const index = (round + i) % clients.length
        millis[index]!.push(yield* clients[index]!)
      }
    }
    const rate = (client: number) => plan.bytes / 1024 / 1024 / (median(millis[client]!) / 1000)
    return { plan, node: rate(0), compat: rate(1), core: rate(2) }
  }).pipe(Effect.scoped)
