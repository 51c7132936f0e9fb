/**
 * Testing a protocol's client against a bad network, deterministically: a small line protocol
 * (`GET key` → `VALUE ...`) whose client retries once when its connection breaks, run against a
 * server on the simulated network (`TestTransport`) that is slow (25 ms each way, 2 KB/s, and it
 * thinks for 100 ms), delivers the reply 1 to 3 bytes at a time, and resets the first connection
 * in the middle of its reply. Time is `TestClock`'s, so every instant below is exact and the same on
 * every run (the slices come from the network's seed): this is how a test asserts them.
 *
 * Two clients meet the same network. The first reads its reply with `Stream.splitLines` and takes
 * the first line; on a perfect network it works. Here the reset cuts the reply after "VALUE AL",
 * and the splitter hands back what it holds when its input fails: the client takes a cut line for a
 * whole one. The second requires the newline, so the reset fails its request, and it retries.
 *
 *   npx tsx --conditions=@netfx/source examples/simulated-network.ts
 */
import { Connection, Server, TestTransport } from "@netfx/core"
import { Clock, Console, Effect, Fiber, Option, Stream, TestClock, TestContext } from "effect"

const endpoint = "10.0.0.1:7000"

/** When the current scenario started, on the simulated clock. */
let origin = 0

/** `+<ms>`: the simulated time since the scenario started. */
const at = Effect.map(Clock.currentTimeMillis, (ms) => `+${String(ms - origin).padStart(4)} ms`)
const log = (line: string) => Effect.flatMap(at, (time) => Console.log(`${time}  ${line}`))

// The server: one reply line per request line, after 100 ms of thought.
const server = Server.serve({ host: "10.0.0.1", port: 7000 }, (conn) =>
  conn.stream.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.mapEffect((line) => Effect.as(Effect.sleep("100 millis"), `VALUE ${line.slice(4).toUpperCase()}\n`)),
    Stream.run(conn.sink)
  ))

type Reader = (conn: Connection.Connection, reads: Array<number>) => Effect.Effect<string, unknown>

// A first client: Effect's line splitter, first line. It looks right, and passes on a perfect network.
const naive: Reader = (conn, reads) =>
  conn.stream.pipe(
    Stream.tap((chunk) => Effect.sync(() => reads.push(chunk.length))),
    Stream.decodeText(),
    Stream.splitLines,
    Stream.runHead,
    Effect.flatMap(Option.match({ onNone: () => Effect.fail("no reply"), onSome: Effect.succeed }))
  )

// The fixed client: a reply is a line only with its newline; a connection that ends or breaks before
// it fails the request.
const careful: Reader = (conn, reads) =>
  conn.stream.pipe(
    Stream.tap((chunk) => Effect.sync(() => reads.push(chunk.length))),
    Stream.decodeText(),
    Stream.runFoldWhile("", (text) => !text.includes("\n"), (text, chunk) => text + chunk),
    Effect.flatMap((text) =>
      text.includes("\n") ? Effect.succeed(text.slice(0, text.indexOf("\n"))) : Effect.fail("no whole reply")
    )
  )

// One request per connection; when it fails, say so and try once more.
const get = (name: string, read: Reader, key: string) =>
  Effect.gen(function*() {
    const conn = yield* Connection.connect({ host: "10.0.0.1", port: 7000, timeout: "2 seconds" })
    yield* log(`${name}: connected from ${conn.localAddress}`)
    yield* conn.write(`GET ${key}\n`)
    const reads: Array<number> = []
    const reply = yield* read(conn, reads)
    yield* log(`${name}: got "${reply}" in ${reads.length} reads (${reads.join("+")} bytes)`)
    return reply
  }).pipe(
    Effect.scoped,
    Effect.tapError((error) =>
      log(`${name}: ${typeof error === "string" ? error : (error as Error).message}; retrying`)
    ),
    Effect.retry({ times: 1 })
  )

/** The same network, the same faults, the same seed: only the client differs. */
const scenario = (name: string, read: Reader) =>
  Effect.gen(function*() {
    origin = yield* Clock.currentTimeMillis
    const network = yield* TestTransport.TestNetwork
    yield* network.condition(endpoint, { latency: "25 millis", bandwidth: 2000, chunk: 3 })
    yield* server
    const client = yield* Effect.fork(get(name, read, "alpha"))
    // The handshake takes a round trip; then the first connection is told to break after 8 bytes
    // of its reply, both ways, as a middlebox resetting it would.
    yield* TestClock.adjust("50 millis")
    const [first] = yield* network.links(endpoint)
    yield* first!.condition({ resetAfter: { toClient: 8 } })
    // Time moves only when the program says; every timer due meanwhile runs at its exact instant.
    yield* TestClock.adjust("1 second")
    const reply = yield* Fiber.join(client)
    // Let the last FIN cross the link before the server shuts down.
    yield* TestClock.adjust("1 second")
    const attempts = (yield* network.attempts).length
    yield* Console.log(`${name}: answer "${reply}" after ${attempts} connection(s)\n`)
  }).pipe(Effect.scoped, Effect.provide(TestTransport.layerWith({ seed: 7 })))

const main = Effect.gen(function*() {
  yield* Console.log(`Simulated ${endpoint}: 25 ms each way, 2 KB/s, slices of 1..3 bytes, seed 7;`)
  yield* Console.log("the first connection is reset after 8 bytes of its reply\n")
  yield* scenario("naive client", naive)
  yield* scenario("careful client", careful)
})

Effect.runPromise(main.pipe(Effect.provide(TestContext.TestContext))).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
