/**
 * The TLS rows of the suite: @netfx/core's TLS client against `node:tls`'s, in the same run, both
 * against one `node:tls` echo server (TLS 1.3, an ECDSA P-256 certificate) in a worker of its own.
 *
 * - handshakes: connections a round, 20 in flight; each connects, completes the handshake (the
 *   certificate verified against the CA), sends 64 B, reads the echo, ends, and waits for the
 *   server's end. Handshakes (connections) per second, and the client's CPU time per handshake.
 * - bulk: the client writes (a quarter of the plain bulk row's bytes) in 64 KiB writes over TLS,
 *   half-closes, and reads the echo to the server's end. MiB/s each way, and client CPU per GiB.
 *
 * The `node:net` rows of this scenario are `node:tls` (what a Node program without netfx uses); both
 * clients make their secure context once (`secureContext` for node:tls; netfx keeps one per options
 * object), so the rows compare the connection machinery, not the parsing of a CA per connect.
 *
 * Worker side: `handle` runs the requests a worker gets with `op: "tls"`. Suite side: `scenario`
 * builds the rows with the suite's own runner.
 *
 * @since 0.1.0
 */
import type * as Tls from "@netfx/core/Tls"
import type * as net from "node:net"
import * as tls from "node:tls"
import { now, pool } from "./client.js"
import { bulkOver, connectionsOver } from "./coreImplementation.js"
import type { ClientRound, Implementation, Request } from "./protocol.js"
import { HOST, implementations } from "./protocol.js"
import * as certificates from "./tlsCertificates.js"

/**
 * What a worker is asked for the TLS rows.
 *
 * @since 0.1.0
 * @category models
 */
export type TlsRequest =
  | { readonly op: "listen" }
  | { readonly op: "close" }
  | {
    readonly op: "handshakes"
    readonly impl: Implementation
    readonly port: number
    readonly count: number
    readonly inFlight: number
    readonly size: number
  }
  | Extract<Request, { readonly op: "bulk" }>

const SERVERNAME = "localhost"

// The worker's side.

let server: { readonly server: tls.Server; readonly sockets: Set<net.Socket> } | undefined

const listen = async (): Promise<{ readonly port: number }> => {
  if (server !== undefined) throw new Error("this worker already has a TLS server")
  const sockets = new Set<net.Socket>()
  const made = tls.createServer({ key: certificates.key, cert: certificates.cert, allowHalfOpen: true }, (socket) => {
    socket.setNoDelay(true)
    socket.on("error", () => {})
    socket.pipe(socket)
  })
  made.on("connection", (socket: net.Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => made.listen(0, HOST, resolve))
  server = { server: made, sockets }
  return { port: (made.address() as net.AddressInfo).port }
}

const close = async (): Promise<null> => {
  const current = server
  server = undefined
  if (current === undefined) return null
  for (const socket of current.sockets) socket.destroy()
  await new Promise<void>((resolve) => current.server.close(() => resolve()))
  return null
}

const nodeContext = tls.createSecureContext({ ca: certificates.ca })

/** A node:tls client connection, secured, with no-delay. */
const nodeConnect = (port: number) =>
  new Promise<tls.TLSSocket>((resolve, reject) => {
    const socket = tls.connect({ host: HOST, port, servername: SERVERNAME, secureContext: nodeContext }, () => {
      socket.off("error", reject)
      resolve(socket)
    })
    socket.setNoDelay(true)
    socket.once("error", reject)
  })

const nodeHandshakes = (port: number, count: number, inFlight: number, size: number) => {
  const message = Buffer.alloc(size, 0x74)
  const start = now()
  return pool(count, inFlight, async () => {
    const socket = await nodeConnect(port)
    await new Promise<void>((resolve, reject) => {
      let got = 0
      socket.on("data", (chunk: Buffer) => {
        got += chunk.length
        if (got === size) socket.end()
      })
      socket.on("error", reject)
      socket.on("close", () => got === size ? resolve() : reject(new Error(`node:tls: ${got} bytes echoed of ${size}`)))
      socket.write(message)
    })
  }).then(() => now() - start)
}

const nodeBulk = async (port: number, bytes: number, writeSize: number) => {
  const socket = await nodeConnect(port)
  const data = Buffer.alloc(writeSize, 0x5a)
  const start = now()
  return new Promise<number>((resolve, reject) => {
    let received = 0
    let sent = 0
    const pump = () => {
      while (sent < bytes) {
        sent += writeSize
        if (!socket.write(data)) return socket.once("drain", pump)
      }
      socket.end()
    }
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length
    })
    socket.on("error", reject)
    socket.on("end", () => {
      const elapsed = now() - start
      socket.destroy()
      if (received === bytes) resolve(elapsed)
      else reject(new Error(`node:tls: ${received} bytes echoed of ${bytes}`))
    })
    pump()
  })
}

const coreTls: Tls.ClientOptions = { ca: certificates.ca, servername: SERVERNAME }

const coreHandshakes = (port: number, count: number, inFlight: number, size: number) =>
  connectionsOver({ host: HOST, port, noDelay: true, tls: coreTls }, count, inFlight, size)

const coreBulk = (port: number, bytes: number, writeSize: number) =>
  bulkOver({ host: HOST, port, noDelay: true, allowHalfOpen: true, tls: coreTls }, bytes, writeSize)

const isCore = (impl: Implementation) => {
  if (impl === "@netfx/core") return true
  if (impl === "node:net") return false
  throw new Error(`${impl} has no TLS row`)
}

/**
 * Runs one TLS request in a worker; `clientRound` is the worker's timing of a client round.
 *
 * @since 0.1.0
 */
export const handle = (
  request: TlsRequest,
  clientRound: (run: () => Promise<number>) => Promise<ClientRound>
): Promise<unknown> => {
  switch (request.op) {
    case "listen":
      return listen()
    case "close":
      return close()
    case "handshakes": {
      const { count, inFlight, port, size } = request
      return clientRound(() =>
        isCore(request.impl)
          ? coreHandshakes(port, count, inFlight, size)
          : nodeHandshakes(port, count, inFlight, size)
      )
    }
    case "bulk": {
      const { bytes, port, writeSize } = request
      return clientRound(() =>
        isCore(request.impl) ? coreBulk(port, bytes, writeSize) : nodeBulk(port, bytes, writeSize)
      )
    }
  }
}

// The suite's side.

/** What the rows need of the suite's workers. */
interface Workers {
  readonly get: (
    key: string,
    start?: (worker: Worker) => Promise<void>
  ) => Promise<Worker>
  readonly kill: (key: string) => void
  readonly close: (key: string) => Promise<void>
}

interface Worker {
  readonly request: <A>(request: { readonly op: "tls"; readonly request: TlsRequest }) => Promise<A>
}

interface Metric<M> {
  readonly value: (measurement: M) => number
  readonly unit: string
  readonly better: "higher" | "lower"
  readonly target?: number | undefined
}

/**
 * The suite's plan of a scenario, as far as these rows use it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan<M> {
  readonly scenario: string
  readonly title: string
  readonly side: "client" | "server" | "in process"
  readonly implementations: ReadonlyArray<Implementation>
  readonly rounds: number
  readonly warmUps: number
  readonly setup?: ((impl: Implementation) => Promise<void>) | undefined
  readonly round: (impl: Implementation) => Promise<M>
  readonly onFailure?: ((impl: Implementation) => void) | undefined
  readonly metrics: ReadonlyArray<Metric<M>>
  readonly unsupported?: Partial<Record<Implementation, string>> | undefined
}

/**
 * What `scenario` needs of the suite: its sizes, its workers, its progress callback.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context {
  readonly sizes: {
    readonly rounds: number
    readonly warmUps: number
    readonly connectionWarmUps: number
    readonly bulkBytes: number
    readonly writeSize: number
    readonly connections: number
    readonly messageSize: number
  }
  readonly workers: Workers
}

const SERVER = "node:tls echo server"
const clientKey = (impl: Implementation) => `${impl} TLS client`
const MiB = 1024 * 1024

/** Implementations without TLS: their rows say so. */
const unsupported: Partial<Record<Implementation, string>> = {
  "@netfx/compat": "@netfx/compat has no node:tls",
  NodeSocket: "@effect/platform-node's NodeSocket has no TLS"
}

/**
 * The TLS rows, run with the suite's runner (`run`: its `runPlan`).
 *
 * @since 0.1.0
 */
export const scenario = async <Rows>(
  context: Context,
  run: <M>(plan: Plan<M>) => Promise<ReadonlyArray<Rows>>
): Promise<Array<Rows>> => {
  const { bulkBytes, connections, messageSize, writeSize } = context.sizes
  const workers = context.workers
  const port = async () => {
    let port = 0
    await workers.get(SERVER, async (worker) => {
      port = (await worker.request<{ port: number }>({ op: "tls", request: { op: "listen" } })).port
    })
    return port
  }
  // One server for both clients, started once (the setups run at the same time).
  let serverPort: Promise<number> | undefined
  const serverPortOnce = () => serverPort ??= port()
  const client = async (impl: Implementation) => workers.get(clientKey(impl))
  const count = Math.max(100, Math.round(connections / 3))
  const inFlight = 20
  const bytes = Math.max(2 * MiB, bulkBytes / 4)
  const common = {
    scenario: "tls",
    side: "client" as const,
    implementations,
    unsupported,
    rounds: context.sizes.rounds,
    setup: async (impl: Implementation) => {
      await serverPortOnce()
      await client(impl)
    },
    onFailure: (impl: Implementation) => workers.kill(clientKey(impl))
  }
  try {
    const handshakes = await run<ClientRound>({
      ...common,
      title: `TLS 1.3 handshakes (node:net row: node:tls): connect, verify, ${messageSize} B echoed, close; ${
        count.toLocaleString("en-US")
      } a round, ${inFlight} in flight`,
      warmUps: context.sizes.connectionWarmUps,
      round: async (impl) =>
        (await client(impl)).request<ClientRound>({
          op: "tls",
          request: { op: "handshakes", impl, port: await serverPortOnce(), count, inFlight, size: messageSize }
        }),
      metrics: [
        { value: (r) => count / (r.millis / 1000), unit: "handshakes/s", better: "higher" },
        { value: (r) => r.cpu / count, unit: "client CPU µs/handshake", better: "lower" }
      ]
    })
    const bulk = await run<ClientRound>({
      ...common,
      title: `TLS 1.3 bulk echo (node:net row: node:tls), ${bytes / MiB} MiB each way in ${
        writeSize / 1024
      } KiB writes`,
      warmUps: context.sizes.warmUps,
      round: async (impl) =>
        (await client(impl)).request<ClientRound>({
          op: "tls",
          request: { op: "bulk", impl, port: await serverPortOnce(), bytes, writeSize }
        }),
      metrics: [
        { value: (r) => bytes / MiB / (r.millis / 1000), unit: "MiB/s each way", better: "higher" },
        { value: (r) => r.cpu / 1000 / (bytes / (1024 * MiB)), unit: "client CPU ms/GiB", better: "lower" }
      ]
    })
    return [...handshakes, ...bulk]
  } finally {
    await Promise.all(implementations.map((impl) => workers.close(clientKey(impl))))
    if (serverPort !== undefined) {
      await workers.get(SERVER).then((worker) => worker.request({ op: "tls", request: { op: "close" } })).catch(
        () => {}
      )
    }
    await workers.close(SERVER)
  }
}
