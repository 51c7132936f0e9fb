/**
 * A netfx `Connection` against a `node:net` socket as TCP clients over loopback, in the same process.
 *
 *   npm run bench -w @netfx/core                      (both benchmarks; or: npm run bench at the root)
 *   npm run bench -w @netfx/core -- --json            (machine-readable)
 *   npm run bench -w @netfx/core -- --quick           (small sizes, for a smoke run; or NETFX_BENCH_QUICK=1)
 *
 * Two scenarios, each against a plain `node:net` server in this process (netfx has no `listen` yet),
 * so only the client side differs between the implementations:
 *
 * - bulk: the client writes 256 MiB in 64 KiB writes to an echo server, half-closes, and reads the
 *   echo until the server's FIN; every byte is counted and the total checked. MiB/s each way.
 * - round trips: the client writes 64 bytes and waits for the 64-byte reply, 20,000 times, with
 *   no-delay on both sides. Round trips per second.
 *
 * Each round opens a fresh connection (not timed) and times from the connect to the last byte.
 * Rounds alternate between the implementations, swapping which goes first, after two warm-up
 * rounds of each; the median of the rounds is reported with the ratio netfx / node (above 1: netfx is faster).
 */
import { Connection, NodeTransport, Resolver } from "@netfx/core"
import { Chunk, Effect, Layer, Option, Stream } from "effect"
import * as net from "node:net"

const QUICK = process.argv.includes("--quick") || process.env.NETFX_BENCH_QUICK === "1"
const ROUNDS = 5
/** Effect's runtime takes longer than node:net's few callbacks to be optimised: two rounds of each first. */
const WARM_UP_ROUNDS = 2
const HOST = "127.0.0.1"
const WRITE_SIZE = 64 * 1024
const BULK_BYTES = (QUICK ? 16 : 256) * 1024 * 1024
const MESSAGE_SIZE = 64
const ROUND_TRIPS = QUICK ? 2_000 : 20_000

const WRITE = Buffer.alloc(WRITE_SIZE, 0x5a)
const MESSAGE = Buffer.alloc(MESSAGE_SIZE, 0x71)

const now = () => performance.now()

// The servers: the same for both clients, so their cost is the same on both sides of the ratio.

const listen = (onConnection: (socket: net.Socket) => void) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection)
    server.once("error", reject)
    server.listen(0, HOST, () => resolve(server))
  })

const port = (server: net.Server) => (server.address() as net.AddressInfo).port

/** Echoes every byte; ends its side when the client has ended its side and the echo is flushed. */
const echoServer = () => listen((socket) => socket.pipe(socket))

/** Replies 64 bytes per 64 bytes received, whatever way TCP splits or coalesces the requests. */
const replyServer = () =>
  listen((socket) => {
    let pending = 0
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.length
      const replies = Math.floor(pending / MESSAGE_SIZE)
      pending -= replies * MESSAGE_SIZE
      if (replies === 1) socket.write(MESSAGE)
      else if (replies > 1) socket.write(Buffer.alloc(replies * MESSAGE_SIZE, 0x71))
    })
    socket.on("end", () => socket.end())
  })

// The node:net clients: `socket.write` with its return value for backpressure, 'data' events to read.

const nodeConnect = (serverPort: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: HOST, port: serverPort, noDelay: true }, () => {
      socket.off("error", reject)
      resolve(socket)
    })
    socket.once("error", reject)
  })

const nodeBulk = async (serverPort: number): Promise<number> => {
  const socket = await nodeConnect(serverPort)
  return new Promise<number>((resolve, reject) => {
    const start = now()
    let sent = 0
    let received = 0
    socket.on("error", reject)
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length
    })
    socket.on("end", () => {
      const elapsed = now() - start
      socket.destroy()
      if (received !== BULK_BYTES) reject(new Error(`node:net: ${received} bytes echoed of ${BULK_BYTES}`))
      else resolve(elapsed)
    })
    const pump = () => {
      while (sent < BULK_BYTES) {
        sent += WRITE_SIZE
        if (!socket.write(WRITE)) return void socket.once("drain", pump)
      }
      socket.end()
    }
    pump()
  })
}

const nodeRoundTrips = async (serverPort: number): Promise<number> => {
  const socket = await nodeConnect(serverPort)
  return new Promise<number>((resolve, reject) => {
    const start = now()
    let got = 0
    let done = 0
    socket.on("error", reject)
    socket.on("data", (chunk: Buffer) => {
      got += chunk.length
      if (got < MESSAGE_SIZE) return
      if (got > MESSAGE_SIZE) return reject(new Error(`node:net: ${got} bytes in reply to ${MESSAGE_SIZE}`))
      got = 0
      if (++done < ROUND_TRIPS) return void socket.write(MESSAGE)
      const elapsed = now() - start
      socket.destroy()
      resolve(elapsed)
    })
    socket.write(MESSAGE)
  })
}

// The netfx clients: `conn.write`, which waits for drain; `conn.stream` (bulk) and `conn.read`
// (round trips) to read.

const NetfxLive = Layer.merge(NodeTransport.layer, Resolver.layerNode)

const netfxConnect = (serverPort: number) => Connection.connect({ host: HOST, port: serverPort, noDelay: true })

const netfxBulk = (serverPort: number): Promise<number> =>
  Effect.gen(function*() {
    const conn = yield* netfxConnect(serverPort)
    const start = now()
    const send = Effect.gen(function*() {
      for (let sent = 0; sent < BULK_BYTES; sent += WRITE_SIZE) yield* conn.write(WRITE)
      yield* conn.end
    })
    const receive = Stream.runFold(conn.stream, 0, (received, chunk) => received + chunk.length)
    const [, received] = yield* Effect.all([send, receive], { concurrency: 2 })
    const elapsed = now() - start
    if (received !== BULK_BYTES) return yield* Effect.dieMessage(`netfx: ${received} bytes echoed of ${BULK_BYTES}`)
    return elapsed
  }).pipe(Effect.scoped, Effect.provide(NetfxLive), Effect.runPromise)

const netfxRoundTrips = (serverPort: number): Promise<number> =>
  Effect.gen(function*() {
    const conn = yield* netfxConnect(serverPort)
    // `conn.read` takes what has arrived without a stream per message, as node's 'data' does.
    const pull = conn.read.pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.dieMessage("netfx: the server ended the connection"),
        onSome: Effect.succeed
      }))
    )
    const start = now()
    for (let done = 0; done < ROUND_TRIPS; done++) {
      yield* conn.write(MESSAGE)
      let got = 0
      while (got < MESSAGE_SIZE) {
        // The stream's chunks are backed by arrays: this reads them without a copy, as node's 'data' does.
        const chunks = Chunk.toReadonlyArray(yield* pull)
        for (let i = 0; i < chunks.length; i++) got += chunks[i]!.length
      }
      if (got > MESSAGE_SIZE) return yield* Effect.dieMessage(`netfx: ${got} bytes in reply to ${MESSAGE_SIZE}`)
    }
    return now() - start
  }).pipe(Effect.scoped, Effect.provide(NetfxLive), Effect.runPromise)

// The rounds.

const median = (values: Array<number>) => values.slice().sort((a, b) => a - b)[values.length >> 1]!

interface Scenario {
  readonly name: string
  readonly unit: string
  readonly server: () => Promise<net.Server>
  /** The rate of one round from its elapsed milliseconds. */
  readonly rate: (millis: number) => number
  readonly node: (port: number) => Promise<number>
  readonly netfx: (port: number) => Promise<number>
}

const scenarios: Array<Scenario> = [
  {
    name: `bulk echo, ${BULK_BYTES / 1024 / 1024} MiB in ${WRITE_SIZE / 1024} KiB writes`,
    unit: "MiB/s each way",
    server: echoServer,
    rate: (millis) => BULK_BYTES / 1024 / 1024 / (millis / 1000),
    node: nodeBulk,
    netfx: netfxBulk
  },
  {
    name: `${ROUND_TRIPS.toLocaleString("en-US")} round trips of ${MESSAGE_SIZE} B`,
    unit: "round trips/s",
    server: replyServer,
    rate: (millis) => ROUND_TRIPS / (millis / 1000),
    node: nodeRoundTrips,
    netfx: netfxRoundTrips
  }
]

const rows: Array<{ scenario: string; unit: string; node: number; netfx: number; ratio: number }> = []
for (const scenario of scenarios) {
  const server = await scenario.server()
  const serverPort = port(server)
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    await scenario.node(serverPort)
    await scenario.netfx(serverPort)
  }
  const nodeRounds: Array<number> = []
  const netfxRounds: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    // Swap which goes first, so that neither always runs on the heap the other left behind.
    if (round % 2 === 0) {
      nodeRounds.push(scenario.rate(await scenario.node(serverPort)))
      netfxRounds.push(scenario.rate(await scenario.netfx(serverPort)))
    } else {
      netfxRounds.push(scenario.rate(await scenario.netfx(serverPort)))
      nodeRounds.push(scenario.rate(await scenario.node(serverPort)))
    }
  }
  await new Promise((resolve) => server.close(resolve))
  const row = { scenario: scenario.name, unit: scenario.unit, node: median(nodeRounds), netfx: median(netfxRounds) }
  rows.push({ ...row, ratio: row.netfx / row.node })
}

const SERVER_NOTE = "the server is a node:net server in the same process for both (netfx cannot listen yet)"
if (process.argv.includes("--json")) {
  console.log(
    JSON.stringify(
      { benchmark: "Connection", node: process.version, rounds: ROUNDS, quick: QUICK, server: SERVER_NOTE, rows },
      null,
      2
    )
  )
} else {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(10)
  const width = Math.max(...rows.map((row) => row.scenario.length))
  console.log(
    `Connection over ${HOST}, a node:net client against netfx (median of ${ROUNDS} rounds, ${process.version});`
  )
  console.log(SERVER_NOTE)
  console.log(
    `${"scenario".padEnd(width)} ${"unit".padEnd(14)} ${"node:net".padStart(10)} ${"netfx".padStart(10)}  netfx/node`
  )
  for (const row of rows) {
    console.log(
      `${row.scenario.padEnd(width)} ${row.unit.padEnd(14)} ${fmt(row.node)} ${fmt(row.netfx)}  ${
        row.ratio.toFixed(2)
      }x`
    )
  }
}
