/**
 * A netfx `Server.serve` against a `net.createServer`, with the same node:net clients, in the same run.
 *
 *   npm run bench -w @netfx/core                      (every benchmark; or: npm run bench at the root)
 *   npm run bench -w @netfx/core -- --json            (machine-readable)
 *   npm run bench -w @netfx/core -- --quick           (small sizes, for a smoke run; or NETFX_BENCH_QUICK=1)
 *
 * Each server runs alone in a child process: this file, started again with the same runtime flags
 * (tsx's loader, the @netfx/source condition) and `--expose-gc`, in server mode. Its CPU time and
 * memory are then its own, and on two cores the clients do not take the server's. The clients are
 * plain node:net sockets in this process, the same for both servers.
 *
 * - accepts: the server writes a 32-byte reply and ends; 50 clients in flight, each connects, reads
 *   the reply up to the server's FIN, checks it and closes; 5,000 connections a round, timed from the
 *   first connect to the last close. Connections per second, and the server's CPU time (user and
 *   system, until it has closed every socket) per connection. Rounds alternate between the servers,
 *   swapping which goes first, after two warm-up rounds of each; the median of 5 rounds is reported.
 * - idle memory: for each measurement a fresh child runs an echo server. After a warm-up (2,000
 *   connections opened and closed), it collects garbage and reports `process.memoryUsage()`; then
 *   2,000 connections are opened (50 in flight), each echoes one byte (so its handler is known to be
 *   running and waiting for the next read), and the server collects garbage and reports again. The
 *   difference, per connection: lower is better. The heap is the steady figure; RSS counts only the
 *   pages touched anew (V8 reuses the pages it holds), so a small heap growth can show as almost no
 *   RSS. The measurements alternate, 3 of each; the median is reported, and what is left after every
 *   connection has closed is shown as a leak check.
 *
 * The ratio is netfx / node: above 1 netfx accepts faster; for CPU and memory per connection, above
 * 1 netfx costs more. With node:net, the client (one core) is often the limit of connections per
 * second; the server's CPU per connection is the server's own cost either way.
 *
 * netfx runs from its TypeScript sources through tsx, as in the other benchmarks. tsx compiles with
 * esbuild's `keepNames`, which defines `name` on every arrow function as it is created: about 8 KB
 * of heap per idle connection and some CPU that the compiled package (dist) does not pay.
 */
import { NodeTransport, Server } from "@netfx/core"
import { Effect, Exit, Scope, Stream } from "effect"
import { type ChildProcess, fork } from "node:child_process"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import { fileURLToPath } from "node:url"

const QUICK = process.argv.includes("--quick") || process.env.NETFX_BENCH_QUICK === "1"
const HOST = "127.0.0.1"
const REPLY = Buffer.alloc(32, 0x6f)
const IN_FLIGHT = 50
const ACCEPTS = QUICK ? 1_000 : 5_000
const ROUNDS = QUICK ? 3 : 5
/** Effect's runtime takes longer than node:net's few callbacks to be optimised: two rounds of each first. */
const WARM_UP_ROUNDS = QUICK ? 1 : 2
const IDLE = QUICK ? 500 : 2_000
const MEMORY_ROUNDS = QUICK ? 1 : 3
/** How long a server may take to close its sockets once the clients have closed theirs. */
const SETTLE_MILLIS = 10_000

type Impl = "node" | "netfx"
type Kind = "reply" | "echo"

const now = () => performance.now()
const median = (values: Array<number>) => values.slice().sort((a, b) => a - b)[values.length >> 1]!

// The protocol between this process and a server child, over the IPC channel of `fork`.

type Request = { readonly id: number; readonly op: "stats" | "settle" | "memory" | "close" }

interface Stats {
  readonly open: number
  /** Sockets that failed, handlers that failed, connections dropped: all zero in a sound run. */
  readonly errors: number
  /** `process.cpuUsage()`, user and system, in microseconds. */
  readonly cpu: number
}

interface Memory {
  readonly rss: number
  readonly heapUsed: number
  readonly external: number
  readonly gc: boolean
}

type Reply =
  | { readonly op: "ready"; readonly port: number }
  | { readonly id: number; readonly op: "stats"; readonly stats: Stats }
  | { readonly id: number; readonly op: "memory"; readonly memory: Memory }
  | { readonly id: number; readonly op: "closed" }

// Server mode: the child.

interface ServerSide {
  readonly port: number
  readonly open: () => Promise<number>
  readonly errors: () => number
  readonly close: () => Promise<void>
}

const nodeServer = (kind: Kind) =>
  new Promise<ServerSide>((resolve, reject) => {
    let errors = 0
    const server = net.createServer((socket) => {
      socket.on("error", () => errors++)
      if (kind === "reply") socket.end(REPLY)
      else socket.pipe(socket)
    })
    server.once("error", reject)
    server.listen(0, HOST, () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        open: () =>
          new Promise<number>((resolve, reject) =>
            server.getConnections((error, count) => error ? reject(error) : resolve(count))
          ),
        errors: () => errors,
        close: () => new Promise<void>((resolve) => server.close(() => resolve()))
      }))
  })

const netfxServer = async (kind: Kind): Promise<ServerSide> => {
  let errors = 0
  const scope = Effect.runSync(Scope.make())
  const server = await Server.serve(
    { host: HOST, port: 0, onEvent: () => errors++ },
    (conn) => kind === "reply" ? Effect.zipRight(conn.write(REPLY), conn.end) : Stream.run(conn.stream, conn.sink)
  ).pipe(Effect.provide(NodeTransport.layer), Scope.extend(scope), Effect.runPromise)
  if (typeof server.address === "string") throw new Error("a TCP server has an address and a port")
  return {
    port: server.address.port,
    open: () => Effect.runPromise(server.connectionCount),
    errors: () => errors,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const collectGarbage = async () => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return false
  // Several passes, with turns of the event loop between, so that what one frees the next collects.
  for (let pass = 0; pass < 4; pass++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}

const serverMode = async (impl: Impl, kind: Kind) => {
  const side = impl === "node" ? await nodeServer(kind) : await netfxServer(kind)
  const send = (reply: Reply) => process.send!(reply)
  const stats = async (): Promise<Stats> => {
    const cpu = process.cpuUsage()
    return { open: await side.open(), errors: side.errors(), cpu: cpu.user + cpu.system }
  }
  let closing = false
  const close = async () => {
    if (closing) return
    closing = true
    await side.close()
  }
  // The parent went away: nothing is left to serve.
  process.on("disconnect", () => void close())
  process.on("message", async (request: Request) => {
    switch (request.op) {
      case "stats":
        return send({ id: request.id, op: "stats", stats: await stats() })
      case "settle": {
        // Waits (bounded) until the server has closed every socket the clients closed.
        const deadline = now() + SETTLE_MILLIS
        while ((await side.open()) > 0 && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
        return send({ id: request.id, op: "stats", stats: await stats() })
      }
      case "memory": {
        const gc = await collectGarbage()
        const { external, heapUsed, rss } = process.memoryUsage()
        return send({ id: request.id, op: "memory", memory: { rss, heapUsed, external, gc } })
      }
      case "close":
        await close()
        send({ id: request.id, op: "closed" })
        // Exits once nothing is left open; the parent fails the run if that takes too long.
        return process.disconnect()
    }
  })
  send({ op: "ready", port: side.port })
}

// Client mode: this process.

interface Child {
  readonly impl: Impl
  readonly port: number
  readonly stats: (op: "stats" | "settle") => Promise<Stats>
  readonly memory: () => Promise<Memory>
  /** Closes the server and waits for its process to exit, which it does only with nothing left open. */
  readonly close: () => Promise<void>
}

const children = new Set<ChildProcess>()

const spawnServer = (impl: Impl, kind: Kind) =>
  new Promise<Child>((resolve, reject) => {
    // The same runtime flags as this process (tsx's loader, the @netfx/source condition), and gc.
    const child = fork(fileURLToPath(import.meta.url), ["--server-child", impl, kind], {
      execArgv: [...process.execArgv, "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    children.add(child)
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    let nextId = 0
    const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>()
    void exited.then((code) => {
      children.delete(child)
      for (const waiting of pending.values()) waiting.reject(new Error(`the ${impl} server exited with ${code}`))
      pending.clear()
    })
    const request = (op: Request["op"]) =>
      new Promise<Reply>((resolve, reject) => {
        if (!child.connected) return reject(new Error(`the ${impl} server has exited`))
        const id = nextId++
        pending.set(id, { resolve, reject })
        child.send({ id, op } satisfies Request)
      })
    child.on("message", (reply: Reply) => {
      if (reply.op === "ready") {
        return resolve({
          impl,
          port: reply.port,
          stats: async (op) => {
            const reply = await request(op)
            if (reply.op !== "stats") throw new Error(`unexpected reply ${reply.op}`)
            return reply.stats
          },
          memory: async () => {
            const reply = await request("memory")
            if (reply.op !== "memory") throw new Error(`unexpected reply ${reply.op}`)
            return reply.memory
          },
          close: async () => {
            if (child.connected) await request("close")
            const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5_000).unref())
            if ((await Promise.race([exited, timeout])) === "timeout") {
              child.kill()
              throw new Error(`the ${impl} server did not exit after closing: something was left open`)
            }
          }
        })
      }
      const waiting = pending.get(reply.id)
      pending.delete(reply.id)
      waiting?.resolve(reply)
    })
    child.once("error", reject)
    void exited.then((code) => reject(new Error(`the ${impl} server exited with ${code} before it listened`)))
  })

/** Runs `task` `total` times with at most `inFlight` at once. */
const pool = async (total: number, inFlight: number, task: () => Promise<void>) => {
  let started = 0
  const worker = async () => {
    while (started < total) {
      started++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker))
}

/** Connects, reads the reply up to the server's FIN, checks it and closes; resolves once closed. */
const fetchReply = (port: number) =>
  new Promise<void>((resolve, reject) => {
    let received = 0
    const socket = net.connect({ host: HOST, port })
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length
    })
    socket.on("end", () => {
      if (received !== REPLY.length) reject(new Error(`${received} bytes in the reply, not ${REPLY.length}`))
      socket.destroy()
    })
    socket.on("error", reject)
    socket.on("close", () => resolve())
  })

/** Connects and echoes one byte; resolves with the socket, open and idle. */
const openIdle = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: HOST, port }, () => socket.write("x"))
    socket.once("data", () => {
      socket.off("error", reject)
      socket.on("error", () => {})
      resolve(socket)
    })
    socket.once("error", reject)
  })

const closeAll = (sockets: Array<net.Socket>) =>
  Promise.all(sockets.map((socket) =>
    new Promise<void>((resolve) => {
      if (socket.closed) return resolve()
      socket.once("close", () => resolve())
      socket.destroy()
    })
  ))

interface AcceptRound {
  readonly rate: number
  readonly cpuPerConnection: number
}

const acceptRound = async (child: Child): Promise<AcceptRound> => {
  const before = await child.stats("stats")
  const start = now()
  await pool(ACCEPTS, IN_FLIGHT, () => fetchReply(child.port))
  const elapsed = now() - start
  const after = await child.stats("settle")
  if (after.open !== 0) throw new Error(`the ${child.impl} server still has ${after.open} connections open`)
  if (after.errors !== before.errors) throw new Error(`the ${child.impl} server reported errors`)
  return { rate: ACCEPTS / (elapsed / 1000), cpuPerConnection: (after.cpu - before.cpu) / ACCEPTS }
}

interface MemoryRound {
  readonly rss: number
  readonly heapUsed: number
  readonly external: number
  /** Heap left, per connection, once every connection has closed: near zero without a leak. */
  readonly heapLeft: number
  readonly gc: boolean
}

const memoryRound = async (impl: Impl): Promise<MemoryRound> => {
  const child = await spawnServer(impl, "echo")
  const sockets: Array<net.Socket> = []
  try {
    // A warm-up of as many connections, opened and closed: what the first ones leave for good (code
    // compiled and optimised, tables grown) would otherwise count per connection (~700 B with netfx).
    await pool(IDLE, IN_FLIGHT, async () => void sockets.push(await openIdle(child.port)))
    await closeAll(sockets.splice(0))
    await child.stats("settle")
    const before = await child.memory()
    await pool(IDLE, IN_FLIGHT, async () => void sockets.push(await openIdle(child.port)))
    const { errors, open } = await child.stats("stats")
    if (open !== IDLE) throw new Error(`the ${impl} server has ${open} connections open, not ${IDLE}`)
    const during = await child.memory()
    await closeAll(sockets.splice(0))
    const settled = await child.stats("settle")
    if (settled.open !== 0) throw new Error(`the ${impl} server still has ${settled.open} connections open`)
    if (errors !== 0) throw new Error(`the ${impl} server reported errors`)
    const after = await child.memory()
    return {
      rss: (during.rss - before.rss) / IDLE,
      heapUsed: (during.heapUsed - before.heapUsed) / IDLE,
      external: (during.external - before.external) / IDLE,
      heapLeft: (after.heapUsed - before.heapUsed) / IDLE,
      gc: during.gc
    }
  } finally {
    await closeAll(sockets)
    await child.close()
  }
}

/** Fails early, with what to do, when this process or a child could not hold its sockets. */
const checkDescriptors = () => {
  let limits: string
  try {
    limits = readFileSync("/proc/self/limits", "utf8")
  } catch {
    return // Not Linux: the first connection over the limit fails with EMFILE instead.
  }
  const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Infinity)
  const needed = IDLE + IN_FLIGHT + 64
  if (soft < needed) {
    throw new Error(`${IDLE} idle connections need ${needed} file descriptors, and the limit is ${soft}: ulimit -n`)
  }
}

interface Row {
  readonly scenario: string
  readonly unit: string
  readonly better: "higher" | "lower"
  readonly node: number
  readonly netfx: number
  readonly ratio: number
}

const row = (scenario: string, unit: string, better: Row["better"], node: number, netfx: number): Row => ({
  scenario,
  unit,
  better,
  node,
  netfx,
  ratio: netfx / node
})

const clientMode = async () => {
  checkDescriptors()
  const rows: Array<Row> = []

  // Accepts: both servers up at once, one idle while the other is measured.
  const servers = { node: await spawnServer("node", "reply"), netfx: await spawnServer("netfx", "reply") }
  const accepts: Record<Impl, Array<AcceptRound>> = { node: [], netfx: [] }
  try {
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      await acceptRound(servers.node)
      await acceptRound(servers.netfx)
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Swap which goes first, so that neither always runs on the machine state the other left behind.
      const order: Array<Impl> = round % 2 === 0 ? ["node", "netfx"] : ["netfx", "node"]
      for (const impl of order) accepts[impl].push(await acceptRound(servers[impl]))
    }
  } finally {
    await Promise.allSettled([servers.node.close(), servers.netfx.close()])
  }
  const acceptName = `accept, ${REPLY.length} B reply, ${ACCEPTS.toLocaleString("en-US")} conns`
  const medianOf = <A>(rounds: Array<A>, f: (a: A) => number) => median(rounds.map(f))
  rows.push(row(
    acceptName,
    "connections/s",
    "higher",
    medianOf(accepts.node, (r) => r.rate),
    medianOf(accepts.netfx, (r) => r.rate)
  ))
  rows.push(row(
    acceptName,
    "server CPU µs/conn",
    "lower",
    medianOf(accepts.node, (r) => r.cpuPerConnection),
    medianOf(accepts.netfx, (r) => r.cpuPerConnection)
  ))

  // Idle memory: one server at a time, each in a fresh process.
  const memory: Record<Impl, Array<MemoryRound>> = { node: [], netfx: [] }
  for (let round = 0; round < MEMORY_ROUNDS; round++) {
    const order: Array<Impl> = round % 2 === 0 ? ["node", "netfx"] : ["netfx", "node"]
    for (const impl of order) memory[impl].push(await memoryRound(impl))
  }
  const memoryName = `idle echo conns, ${IDLE.toLocaleString("en-US")} open`
  for (
    const [unit, f] of [
      ["RSS B/conn", (r: MemoryRound) => r.rss],
      ["heap B/conn", (r: MemoryRound) => r.heapUsed]
    ] as const
  ) {
    rows.push(row(memoryName, unit, "lower", medianOf(memory.node, f), medianOf(memory.netfx, f)))
  }
  // Not a ratio: both are near zero without a leak, and a ratio of two near-zero numbers means nothing.
  const leftAfterClose = {
    node: medianOf(memory.node, (r) => r.heapLeft),
    netfx: medianOf(memory.netfx, (r) => r.heapLeft)
  }
  const gc = memory.node.every((r) => r.gc) && memory.netfx.every((r) => r.gc)

  const notes = [
    "each server alone in a child process, the same node:net clients in this one",
    `${IN_FLIGHT} connections in flight`,
    ...(gc ? [] : ["no --expose-gc in the server processes: memory is measured without collecting garbage"])
  ]
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(
      {
        benchmark: "Server",
        node: process.version,
        cpus: os.availableParallelism(),
        rounds: ROUNDS,
        memoryRounds: MEMORY_ROUNDS,
        quick: QUICK,
        notes,
        rows,
        heapLeftAfterClose: leftAfterClose,
        raw: { accepts, memory }
      },
      null,
      2
    ))
    return
  }
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(10)
  const width = Math.max(...rows.map((row) => row.scenario.length))
  console.log(
    `Server over ${HOST}, node:net clients against a node:net server and a netfx Server.serve (median of ${ROUNDS} ` +
      `rounds for accepts, ${MEMORY_ROUNDS} for memory; ${process.version}, ${os.availableParallelism()} CPUs);`
  )
  console.log(`${notes.join("; ")}`)
  console.log(
    `${"scenario".padEnd(width)} ${"unit".padEnd(18)} ${"node:net".padStart(10)} ${"netfx".padStart(10)}  netfx/node`
  )
  for (const row of rows) {
    console.log(
      `${row.scenario.padEnd(width)} ${row.unit.padEnd(18)} ${fmt(row.node)} ${fmt(row.netfx)}  ${
        (Number.isFinite(row.ratio) && row.node > 0 ? `${row.ratio.toFixed(2)}x` : "n/a").padStart(6)
      }  (${row.better} is better)`
    )
  }
  console.log(
    `heap left per connection once all ${IDLE.toLocaleString("en-US")} have closed (a leak check, near zero): ` +
      `node:net ${Math.round(leftAfterClose.node)} B, netfx ${Math.round(leftAfterClose.netfx)} B`
  )
}

const serverArg = process.argv.indexOf("--server-child")
if (serverArg >= 0) {
  await serverMode(process.argv[serverArg + 1] as Impl, process.argv[serverArg + 2] as Kind)
} else {
  try {
    await clientMode()
  } finally {
    // Whatever failed, no server process outlives the run.
    for (const child of children) child.kill()
  }
}
