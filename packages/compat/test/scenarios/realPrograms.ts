/**
 * What real programs and libraries do with sockets that the other scenarios did not cover (issue
 * #14): byte counters across reconnects, `pauseOnConnect` with bytes waiting, connect errors of a
 * socket bound to a local address and port, `AbortSignal` listeners, `onread` buffers, the
 * internals libraries read (`_handle`, `_connecting`, `_connectionKey`, accessors on the
 * prototype), and `listen()` on a `node:net` server or its handle.
 */
import { getEventListeners, once } from "node:events"
import type * as nodeNet from "node:net"
import type { Env, NetModule, Scenario } from "./harness.js"

/** A free local port: bound by the kernel, then released. */
const freePort = async (env: Env): Promise<number> => {
  const server = env.peerNet.createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as nodeNet.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  env.namePort(port, "local")
  return port
}

/** Writes `text` and resolves once the echo of all of it came back. */
const echo = (socket: nodeNet.Socket, text: string) =>
  new Promise<void>((resolve) => {
    let got = ""
    const onData = (chunk: Buffer) => {
      got += chunk.toString()
      if (got.length < text.length) return
      socket.off("data", onData)
      resolve()
    }
    socket.on("data", onData)
    socket.write(text)
  })

/**
 * Resolves once the event loop has polled for I/O after everything sent so far reached the kernel:
 * a round trip through another connection of this process (loopback delivers a write before the
 * sending call returns, and one poll reports every ready socket).
 */
const ioTurn = async (env: Env) => {
  const peer = await env.echoServer()
  const socket = env.peerNet.connect({ port: peer.port, host: "127.0.0.1" })
  await once(socket, "connect")
  await echo(socket, "turn")
  socket.destroy()
}

/** The internals a library may read, as plain data. */
const internals = (socket: nodeNet.Socket) => {
  const s = socket as nodeNet.Socket & { _handle: unknown; _connecting: unknown }
  return { handle: s._handle === null ? null : typeof s._handle, connecting: s._connecting }
}

/** Calls what must never throw on a closed socket, and notes what each gave. */
const closedSocketCalls = (env: Env, socket: nodeNet.Socket) => {
  for (
    const [label, call] of [
      ["setNoDelay", () => socket.setNoDelay(true) === socket],
      ["setKeepAlive", () => socket.setKeepAlive(true, 1000) === socket],
      ["pause", () => socket.pause() === socket],
      ["resume", () => socket.resume() === socket],
      ["address", () => socket.address()],
      ["bufferSize", () => socket.bufferSize],
      ["remoteAddress", () => socket.remoteAddress],
      ["remotePort", () => socket.remotePort]
    ] as const
  ) env.attempt(`closed: ${label}`, call)
}

/** A client with the `onread` option that sends "hello" through an echo and waits for 'close'. */
const onreadClient = async (
  net: NetModule,
  env: Env,
  lane: string,
  buffer: unknown,
  callback: (n: number, buf: Uint8Array) => unknown
) => {
  const peer = await env.echoServer()
  const onread = { buffer, callback: (n: number, buf: Uint8Array) => void callback(n, buf) }
  const socket = env.watch(net.connect({ port: peer.port, host: "127.0.0.1", onread } as never), lane)
  socket.on("error", () => {})
  await env.once(socket, "connect")
  socket.end("hello")
  await env.closed(socket)
}

const accessors = [
  "bytesWritten",
  "bytesRead",
  "bufferSize",
  "pending",
  "readyState",
  "_connecting",
  "remoteAddress",
  "remoteFamily",
  "remotePort",
  "localAddress",
  "localFamily",
  "localPort"
]

export const realProgramScenarios: ReadonlyArray<Scenario> = [
  {
    name: "byte counters across reconnects: each connection's own, as Node counts them",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket(), "client")
      for (const [round, text] of [[1, "hello"], [2, "a longer message"]] as const) {
        socket.connect(peer.port, "127.0.0.1")
        env.snap(socket, "client", `connect() ${round}`)
        await env.once(socket, "connect")
        await echo(socket, text)
        env.snap(socket, "client", `echoed ${round}`)
        socket.end()
        await once(socket, "close")
        env.snap(socket, "client", `closed ${round}`)
      }
    }
  },
  {
    name: "pauseOnConnect: nothing is read from the kernel until resume()",
    run: async (net, env) => {
      const server = net.createServer({ pauseOnConnect: true })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      env.namePort((server.address() as nodeNet.AddressInfo).port, "server")
      const accepted = once(server, "connection")
      const client = env.peerNet.connect({ port: (server.address() as nodeNet.AddressInfo).port, host: "127.0.0.1" })
      await once(client, "connect")
      await new Promise<void>((resolve) => client.write("abcd", () => resolve()))
      const [socket] = (await accepted) as [nodeNet.Socket]
      env.watch(socket, "conn")
      await ioTurn(env)
      env.note("before resume: bytesRead", socket.bytesRead)
      env.note("before resume: isPaused", socket.isPaused())
      socket.resume()
      await env.once(socket, "data")
      env.note("after resume: bytesRead", socket.bytesRead)
      client.end()
      socket.end()
      await env.closed(socket)
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  },
  {
    name: "connect error of a socket bound to localAddress and localPort: Node's message and fields",
    run: async (net, env) => {
      const refused = await env.refusedPort()
      const localPort = await freePort(env)
      const socket = env.watch(
        net.connect({ port: refused, host: "127.0.0.1", localAddress: "127.0.0.1", localPort }),
        "client"
      )
      const [error] = (await env.once(socket, "error")) as [Error & Record<string, unknown>]
      env.note("error fields", { localAddress: error.localAddress, localPort: error.localPort })
      await env.closed(socket)
    }
  },
  {
    name: "localPort -1: Node binds the port libuv makes of it (65535) and connects",
    run: async (net, env) => {
      const refused = await env.refusedPort()
      env.namePort(65535, "65535")
      const socket = env.watch(net.connect({ port: refused, host: "127.0.0.1", localPort: -1 }), "client")
      await env.closed(socket)
    }
  },
  {
    name: "a Unix socket path longer than the system takes: connect fails as the runtime fails it",
    run: async (net, env) => {
      const socket = env.watch(net.connect(env.tmpPath("c".repeat(120))), "client")
      env.snap(socket, "client", "after connect()")
      await env.closed(socket)
    }
  },
  {
    name: "a Unix socket path longer than the system takes: listen does what the runtime does",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      server.listen(env.tmpPath("l".repeat(120)))
      await Promise.race([once(server, "listening"), once(server, "error").catch(() => undefined)])
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  },
  {
    name: "AbortSignal: one 'abort' listener while connecting or connected, none once closed",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const controller = new AbortController()
      const socket = env.watch(net.connect({ port: peer.port, host: "127.0.0.1", signal: controller.signal }), "client")
      env.note("listeners after connect()", getEventListeners(controller.signal, "abort").length)
      await env.once(socket, "connect")
      env.note("listeners when connected", getEventListeners(controller.signal, "abort").length)
      socket.end()
      await env.closed(socket)
      env.note("listeners after close", getEventListeners(controller.signal, "abort").length)
      const aborted = new AbortController()
      aborted.abort()
      const never = net.connect({ port: peer.port, host: "127.0.0.1", signal: aborted.signal })
      never.on("error", () => {})
      env.note("listeners of an aborted signal", getEventListeners(aborted.signal, "abort").length)
      await once(never, "close")
    }
  },
  {
    name: "AbortSignal: an abort while connected rejects once(socket, 'close') with the AbortError",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const controller = new AbortController()
      const socket = env.watch(net.connect({ port: peer.port, host: "127.0.0.1", signal: controller.signal }), "client")
      await env.once(socket, "connect")
      const closing = once(socket, "close").then(() => "closed", (error: Error) => error)
      controller.abort()
      env.note("once(socket, 'close')", await closing)
      await env.closed(socket)
    }
  },
  {
    name: "onread with a Uint8Array: the callback gets that very buffer",
    run: async (net, env) => {
      const buffer = new Uint8Array(16)
      const seen: Array<unknown> = []
      await onreadClient(net, env, "client", buffer, (n, buf) => {
        seen.push({ n, same: buf === buffer, kind: buf.constructor.name })
      })
      env.note("callbacks", seen)
    }
  },
  {
    name: "onread with a DataView or a factory of one: as Node handles it, no uncaught TypeError",
    run: async (net, env) => {
      for (
        const [label, buffer] of [
          ["a DataView", new DataView(new ArrayBuffer(16))],
          ["a factory of a DataView", () => new DataView(new ArrayBuffer(16))]
        ] as const
      ) {
        const seen: Array<number> = []
        await onreadClient(net, env, label, buffer, (n) => seen.push(n))
        env.note(`${label}: callbacks`, seen)
      }
    }
  },
  {
    name: "_handle and _connecting before connect, connected and after close; a closed socket never throws",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket(), "client")
      env.note("new", internals(socket))
      socket.connect(peer.port, "127.0.0.1")
      env.note("connecting: _connecting", internals(socket).connecting)
      await env.once(socket, "connect")
      env.note("connected", internals(socket))
      socket.end()
      await env.closed(socket)
      env.note("closed", internals(socket))
      closedSocketCalls(env, socket)
    }
  },
  {
    name: "accessors read on Socket.prototype itself give what Node's give, never a TypeError",
    run: async (net, env) => {
      const prototype = net.Socket.prototype as unknown as Record<string, unknown>
      for (const name of accessors) env.attempt(`Socket.prototype.${name}`, () => prototype[name])
    }
  },
  {
    name: "server._connectionKey for the unspecified address, 0.0.0.0, a path",
    run: async (net, env) => {
      for (
        const [label, listen] of [
          ["no host", (server: nodeNet.Server) => server.listen(0)],
          ["0.0.0.0", (server: nodeNet.Server) => server.listen(0, "0.0.0.0")],
          ["127.0.0.1", (server: nodeNet.Server) => server.listen({ port: 0, host: "127.0.0.1" })],
          ["a path", (server: nodeNet.Server) => server.listen(env.tmpPath("key.sock"))]
        ] as const
      ) {
        const server = net.createServer()
        listen(server)
        await once(server, "listening")
        env.note(label, (server as unknown as { _connectionKey: unknown })._connectionKey)
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
    }
  },
  ...(["the server", "its _handle"] as const).map((what): Scenario => ({
    name: `listen() on a node:net server's listening handle, given as ${what}`,
    run: async (net: NetModule, env: Env) => {
      const nodeServer = env.peerNet.createServer(() => env.note("node:net server got a connection", true))
      await new Promise<void>((resolve) => nodeServer.listen(0, "127.0.0.1", resolve))
      const port = (nodeServer.address() as nodeNet.AddressInfo).port
      env.namePort(port, "node")
      const server = env.watchServer(net.createServer((socket) => socket.end("taken over")), "server")
      server.listen(what === "the server" ? nodeServer : (nodeServer as unknown as { _handle: object })._handle)
      await once(server, "listening")
      env.snapServer(server, "server", "listening")
      const client = env.peerNet.connect({ port, host: "127.0.0.1" })
      const [data] = (await once(client, "data")) as [Buffer]
      env.note("client got", data.toString())
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => nodeServer.close(() => resolve()))
    }
  }))
]
