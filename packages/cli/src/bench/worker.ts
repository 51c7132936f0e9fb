/**
 * A bench worker: a child process that the suite forks and drives over IPC (see `protocol.ts`).
 * A worker holds at most one echo server and runs client rounds, so that each measured side has a
 * process (a heap, an event loop, a CPU time) of its own.
 */
import * as net from "node:net"
import { type EchoServer, type Implementations, pool } from "./client.js"
import { load } from "./implementations.js"
import type { ClientRound, Envelope, Implementation, Memory, Reply, Request, Stats } from "./protocol.js"
import { HOST } from "./protocol.js"

/** How long `settle` waits for the server to close the connections the clients closed. */
const SETTLE_MILLIS = 10_000

const loaded = new Map<Implementation, Promise<Implementations>>()
const implementation = (impl: Implementation) => {
  let found = loaded.get(impl)
  if (found === undefined) {
    found = load(impl)
    loaded.set(impl, found)
  }
  return found
}

let server: EchoServer | undefined
const idle: Array<net.Socket> = []
/** What closes the idle connections each `openIdleWith` opened. */
const closeIdleWith: Array<() => Promise<void>> = []

const cpuNow = () => {
  const { system, user } = process.cpuUsage()
  return user + system
}

const clientRound = async (run: () => Promise<number>): Promise<ClientRound> => {
  const cpu = cpuNow()
  const millis = await run()
  return { millis, cpu: cpuNow() - cpu }
}

const stats = async (): Promise<Stats> => {
  if (server === undefined) throw new Error("no server in this worker")
  return { open: await server.open(), errors: server.errors(), cpu: cpuNow() }
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

const closeIdle = () =>
  Promise.all(
    idle.splice(0).map((socket) =>
      new Promise<void>((resolve) => {
        if (socket.closed) return resolve()
        socket.once("close", () => resolve())
        socket.destroy()
      })
    )
  )

const handle = async (request: Request): Promise<unknown> => {
  switch (request.op) {
    case "listen": {
      if (server !== undefined) throw new Error("this worker already has a server")
      server = await (await implementation(request.impl)).listen(request.host)
      return { port: server.port }
    }
    case "stats":
      return stats()
    case "settle": {
      const deadline = performance.now() + SETTLE_MILLIS
      while ((await server?.open() ?? 0) > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return stats()
    }
    case "memory": {
      const gc = await collectGarbage()
      const { external, heapUsed, rss } = process.memoryUsage()
      return { rss, heapUsed, external, gc } satisfies Memory
    }
    case "close": {
      await closeIdle()
      await Promise.all(closeIdleWith.splice(0).map((close) => close()))
      await server?.close()
      server = undefined
      return null
    }
    case "bulk": {
      const impl = await implementation(request.impl)
      return clientRound(() => impl.bulk(request.port, request.bytes, request.writeSize))
    }
    case "roundTrips": {
      const impl = await implementation(request.impl)
      return clientRound(() => impl.roundTrips(request.port, request.count, request.size))
    }
    case "connections": {
      const impl = await implementation(request.impl)
      return clientRound(() =>
        impl.connections(request.port, request.count, request.inFlight, request.size, { dual: request.dual })
      )
    }
    case "openIdle":
      await pool(request.count, request.inFlight, async () => void idle.push(await openIdle(request.port)))
      return idle.length
    case "closeIdle":
      await closeIdle()
      return null
    case "openIdleWith": {
      const impl = await implementation(request.impl)
      closeIdleWith.push(await impl.idle(request.port, request.count, request.inFlight))
      return request.count
    }
    case "closeIdleWith":
      await Promise.all(closeIdleWith.splice(0).map((close) => close()))
      return null
    case "blockList":
      return (await import("./blockList.js")).measure(request.impl, request.rules, request.millis)
    case "tls":
      return (await import("./tls.js")).handle(request.request, clientRound)
  }
}

const send = (reply: Reply) => {
  if (process.connected) process.send!(reply)
}

process.on("message", (request: Envelope) => {
  handle(request).then(
    (result) => {
      send({ id: request.id, ok: true, result })
      // After `close`, the worker exits on its own once nothing is left open: the suite waits for
      // that exit, so a server that leaves a handle open is caught.
      if (request.op === "close") process.disconnect()
    },
    (error: unknown) =>
      send({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) })
  )
})

// The suite went away (or closed us): nothing is left to serve; exit even if something is open.
process.on("disconnect", () => {
  setTimeout(() => process.exit(0), 5_000).unref()
})

send({ op: "ready" })
