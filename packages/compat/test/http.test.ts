/**
 * `node:http` on top of the module's sockets: the best proof that a `net` implementation is a drop-in is that
 * Node's own HTTP stack runs on it. Both directions, many requests over keep-alive connections, every body
 * checked; run with node:net (the reference) and with `@netfx/compat`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as http from "node:http"
import type * as nodeNet from "node:net"
import { node, subject, subjectIsNode } from "./scenarios/differential.js"
import type { NetModule } from "./scenarios/harness.js"

const requests = 200

/** A node:http server that answers each request with its method, URL and body reversed. */
const nodeHttpServer = async () => {
  const sockets = new Set<nodeNet.Socket>()
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString().split("").reverse().join("")
      res.setHeader("content-type", "text/plain")
      res.end(`${req.method} ${req.url} ${body}`)
    })
  })
  server.on("connection", (socket: nodeNet.Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as nodeNet.AddressInfo).port
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    })
  return { port, close, connections: () => sockets.size }
}

/** One request through `agent` (or `createConnection`), resolving with status and body. */
const request = (
  options: http.RequestOptions,
  body: string
): Promise<{ readonly status: number | undefined; readonly body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.request({ method: "POST", ...options }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

/** Runs `count` requests, `parallel` at a time, checking every answer. */
const many = async (count: number, parallel: number, send: (i: number) => ReturnType<typeof request>) => {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const answer = await send(i)
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.body, `POST /item/${i} ${`body-${i}`.split("").reverse().join("")}`)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}

const modules: ReadonlyArray<readonly [string, NetModule]> = subjectIsNode
  ? [["node:net", node]]
  : [["node:net", node], ["@netfx/compat", subject]]

describe.each(modules)("http over %s", (_name, net) => {
  it("an http.Agent whose createConnection is the module's: keep-alive requests", async () => {
    const server = await nodeHttpServer()
    let created = 0
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
    const patched = agent as unknown as { createConnection: (...args: Array<unknown>) => nodeNet.Socket }
    patched.createConnection = (...args: Array<unknown>) => {
      created++
      const socket = (net.createConnection as (...args: Array<unknown>) => nodeNet.Socket)(...args)
      assert.instanceOf(socket, net.Socket)
      return socket
    }
    try {
      await many(
        requests,
        8,
        (i) => request({ agent, host: "127.0.0.1", port: server.port, path: `/item/${i}` }, `body-${i}`)
      )
      // Keep-alive: the agent reused its few connections for every request.
      assert.isAtMost(created, 4)
      assert.isAtLeast(created, 1)
    } finally {
      agent.destroy()
      await server.close()
    }
  })

  it("http.request({ createConnection }) with the module's createConnection", async () => {
    const server = await nodeHttpServer()
    try {
      await many(20, 4, (i) =>
        request({
          host: "127.0.0.1",
          port: server.port,
          path: `/item/${i}`,
          createConnection: (options: object) => net.createConnection(options as nodeNet.NetConnectOpts)
        }, `body-${i}`))
    } finally {
      await server.close()
    }
  })

  it("a node:http server fed connections the module's Server accepted", async () => {
    const httpServer = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on(
        "end",
        () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString().split("").reverse().join("")}`)
      )
    })
    const accepted = new Set<nodeNet.Socket>()
    const server = net.createServer((socket) => {
      accepted.add(socket)
      socket.on("close", () => accepted.delete(socket))
      httpServer.emit("connection", socket)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as nodeNet.AddressInfo).port
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
    let connections = 0
    server.on("connection", () => connections++)
    try {
      await many(requests, 8, (i) => request({ agent, host: "127.0.0.1", port, path: `/item/${i}` }, `body-${i}`))
      assert.isAtMost(connections, 4)
      assert.isAtLeast(connections, 1)
    } finally {
      agent.destroy()
      httpServer.closeAllConnections()
      for (const socket of accepted) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
