/**
 * Server scenarios: the module under test listens, plain node:net clients connect. Recorded: the server's
 * events in its lane, each accepted socket's events in its own lane, what `listen`/`close` throw or pass to
 * callbacks, `address()` and `listening` at each step.
 */
import { execFileSync } from "node:child_process"
import { closeSync, existsSync, openSync, statSync } from "node:fs"
import type * as nodeNet from "node:net"
import type { Env, Scenario } from "./harness.js"
import { nodeMajor } from "./harness.js"

type ListenOptions = nodeNet.ListenOptions & { readonly reusePort?: boolean }

/** Resolves on the server's 'listening' or 'error' (noted by the watcher), with the port it bound. */
const listening = (env: Env, server: nodeNet.Server) =>
  new Promise<number>((resolve, reject) => {
    const onListening = () => {
      server.off("error", onError)
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      if (port !== 0) env.namePort(port, "server")
      resolve(port)
    }
    const onError = (error: Error) => {
      server.off("listening", onListening)
      reject(error)
    }
    server.once("listening", onListening)
    server.once("error", onError)
  })

/** Closes the server and notes what the callback got, then the state after. */
const closeAndSnap = async (env: Env, server: nodeNet.Server) => {
  const error = await env.closeServer(server)
  env.note("close callback", error ?? "no error")
  env.snapServer(server, "server", "after close")
}

/** Accepted sockets are watched in lanes "conn0", "conn1", ... in order of arrival. */
const watchConnections = (env: Env, server: nodeNet.Server) => {
  let count = 0
  const sockets: Array<nodeNet.Socket> = []
  const arrivals: Array<(socket: nodeNet.Socket) => void> = []
  server.on("connection", (socket: nodeNet.Socket) => {
    const lane = `conn${count++}`
    env.watch(socket, lane)
    env.snap(socket, lane, "on connection")
    sockets.push(socket)
    arrivals.shift()?.(socket)
  })
  return {
    next: () =>
      new Promise<nodeNet.Socket>((resolve) => {
        arrivals.push(resolve)
      })
  }
}

/** A TCP server scenario: listen on 127.0.0.1 port 0 with `listen`, one client round trip, close. */
const echoRoundTrip = async (
  env: Env,
  server: nodeNet.Server,
  listen: (server: nodeNet.Server) => unknown,
  connectTo: (port: number) => nodeNet.NetConnectOpts = (port) => ({ port, host: "127.0.0.1" })
) => {
  env.watchServer(server, "server")
  const connections = watchConnections(env, server)
  env.snapServer(server, "server", "before listen")
  const ready = listening(env, server)
  env.attempt("listen returns this", () => listen(server) === server)
  const port = await ready
  env.snapServer(server, "server", "listening")
  const accepted = connections.next()
  const client = env.client(connectTo(port))
  const socket = await accepted
  socket.pipe(socket)
  const received = env.drain(client)
  client.end("ping")
  env.note("client", await received)
  await env.closed(socket)
  await closeAndSnap(env, server)
}

/** `listen` must throw; the thrown error and the state after are noted. */
const listenThrows = (name: string, listen: (server: nodeNet.Server) => unknown): Scenario => ({
  name,
  run: async (net, env) => {
    const server = env.watchServer(net.createServer(), "server")
    env.attempt("listen", () => listen(server) === server)
    env.snapServer(server, "server", "after")
    if (server.listening) await env.closeServer(server)
  }
})

export const serverScenarios: ReadonlyArray<Scenario> = [
  {
    name: "listen(0, '127.0.0.1', callback): events, address, a connection, close",
    run: async (net, env) => {
      const server = net.createServer()
      await echoRoundTrip(env, server, (s) => s.listen(0, "127.0.0.1", () => env.note("listen callback", "called")))
    }
  },
  {
    name: "listen(port, host, backlog, callback)",
    run: async (net, env) => {
      await echoRoundTrip(env, net.createServer(), (s) => s.listen(0, "127.0.0.1", 5, () => {}))
    }
  },
  {
    name: "listen(0) without a host: '::' dual stack, reachable on 127.0.0.1",
    run: async (net, env) => {
      await echoRoundTrip(env, net.createServer(), (s) => s.listen(0))
    }
  },
  {
    name: "listen() without arguments",
    run: async (net, env) => {
      await echoRoundTrip(env, net.createServer(), (s) => s.listen())
    }
  },
  {
    name: "listen(callback) only",
    run: async (net, env) => {
      await echoRoundTrip(env, net.createServer(), (s) => s.listen(() => env.note("callback", "called")))
    }
  },
  {
    name: "listen({ port: 0, host: '127.0.0.1', backlog, exclusive }, callback)",
    run: async (net, env) => {
      await echoRoundTrip(
        env,
        net.createServer(),
        (s) => s.listen({ port: 0, host: "127.0.0.1", backlog: 10, exclusive: true }, () => env.note("cb", "called"))
      )
    }
  },
  {
    name: "listen({ host: 'localhost', port: 0 }) resolves the host",
    run: async (net, env) => {
      await echoRoundTrip(env, net.createServer(), (s) => s.listen({ host: "localhost", port: 0 }))
    }
  },
  {
    name: "listen({ host: '::1', port: 0, ipv6Only: true })",
    run: async (net, env) => {
      await echoRoundTrip(
        env,
        net.createServer(),
        (s) => s.listen({ host: "::1", port: 0, ipv6Only: true }),
        (port) => ({ port, host: "::1" })
      )
    }
  },
  {
    name: "listen({ host: '::', ipv6Only: true }) does not take IPv4",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const ready = listening(env, server)
      server.listen({ host: "::", port: 0, ipv6Only: true })
      const port = await ready
      env.snapServer(server, "server", "listening")
      const client = env.client({ port, host: "127.0.0.1" })
      env.note("IPv4 client", await env.drain(client))
      await closeAndSnap(env, server)
    }
  },
  {
    name: "listen(path, callback) on a Unix socket; close removes the file",
    run: async (net, env) => {
      const path = env.tmpPath("server.sock")
      await echoRoundTrip(env, net.createServer(), (s) => s.listen(path, () => {}), () => ({ path }))
      env.note("file after close", existsSync(path))
    }
  },
  {
    name: "listen(path, backlog) and listen({ path })",
    run: async (net, env) => {
      const first = env.tmpPath("a.sock")
      await echoRoundTrip(env, net.createServer(), (s) => s.listen(first, 5), () => ({ path: first }))
      const second = env.tmpPath("b.sock")
      await echoRoundTrip(env, net.createServer(), (s) => s.listen({ path: second }), () => ({ path: second }))
    }
  },
  {
    name: "listen({ path, readableAll, writableAll }) sets the file's mode",
    run: async (net, env) => {
      const modes: Array<string> = []
      for (
        const [name, options] of [["plain.sock", {}], ["all.sock", { readableAll: true, writableAll: true }], [
          "read.sock",
          { readableAll: true }
        ]] as const
      ) {
        const server = net.createServer()
        const path = env.tmpPath(name)
        const ready = listening(env, server)
        server.listen({ path, ...options })
        await ready
        modes.push(`${name} ${(statSync(path).mode & 0o777).toString(8)}`)
        await env.closeServer(server)
      }
      env.note("modes", modes)
    }
  },
  {
    name: "listen on a path that is in use: EADDRINUSE",
    run: async (net, env) => {
      const peer = await env.unixEchoServer("busy.sock")
      const server = env.watchServer(net.createServer(), "server")
      server.listen(peer.path)
      await env.once(server, "error")
      env.snapServer(server, "server", "after error")
    }
  },
  {
    name: "listen on a path in a missing directory: error event",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      server.listen(env.tmpPath("missing/dir.sock"))
      await env.once(server, "error")
      env.snapServer(server, "server", "after error")
    }
  },
  {
    name: "listen on a port in use: EADDRINUSE with Node's message, then listen again elsewhere",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const server = env.watchServer(net.createServer(), "server")
      server.listen(peer.port, "127.0.0.1")
      await env.once(server, "error")
      env.snapServer(server, "server", "after error")
      const ready = listening(env, server)
      env.attempt("listen again", () => server.listen(0, "127.0.0.1") === server)
      await ready
      env.snapServer(server, "server", "listening")
      await closeAndSnap(env, server)
    }
  },
  {
    name: "listen twice: ERR_SERVER_ALREADY_LISTEN",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      env.attempt("listen while binding", () => server.listen(0, "127.0.0.1"))
      await ready
      env.attempt("listen while listening", () => server.listen(0, "127.0.0.1"))
      await closeAndSnap(env, server)
    }
  },
  {
    name: "close() of a server never listening: ERR_SERVER_NOT_RUNNING to the callback",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const error = await new Promise<Error | undefined>((resolve) => {
        env.note("close returns this", server.close((error) => resolve(error)) === server)
      })
      env.note("callback", error)
      env.note("close without callback", server.close() === server)
      await new Promise((resolve) => setImmediate(resolve))
    }
  },
  {
    name: "close() twice: the second callback gets ERR_SERVER_NOT_RUNNING",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      await ready
      const first = env.closeServer(server)
      const second = env.closeServer(server)
      env.note("first", (await first) ?? "no error")
      env.note("second", (await second) ?? "no error")
    }
  },
  {
    name: "close() waits for open connections; 'close' after the last one ends",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const accepted = connections.next()
      const client = env.client({ port, host: "127.0.0.1" })
      const socket = await accepted
      let closed = false
      const closing = env.closeServer(server).then((error) => {
        closed = true
        return error
      })
      env.snapServer(server, "server", "closing")
      // A new client is refused now.
      env.note("late client", await env.drain(env.client({ port, host: "127.0.0.1" })))
      env.note("closed while a connection is open", closed)
      socket.end("bye")
      env.note("client", await env.drain(client))
      env.note("close callback", (await closing) ?? "no error")
      // The server's 'close' may come before the socket's own 'close' (its handle closes later).
      await env.closed(socket)
    }
  },
  {
    name: "getConnections(callback) counts open connections",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const count = () =>
        new Promise<unknown>((resolve) => {
          const returned = server.getConnections((error, n) => resolve({ error, n }))
          env.note("returns this", returned === server)
        })
      env.note("none", await count())
      const first = connections.next()
      env.client({ port, host: "127.0.0.1" })
      const a = await first
      const second = connections.next()
      env.client({ port, host: "127.0.0.1" })
      const b = await second
      env.note("two", await count())
      a.destroy()
      await env.closed(a)
      env.note("one", await count())
      b.destroy()
      await env.closed(b)
      await closeAndSnap(env, server)
    }
  },
  {
    name: "ref() and unref() return this",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      env.note("unref before listen", server.unref() === server)
      env.note("ref before listen", server.ref() === server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      await ready
      env.note("unref", server.unref() === server)
      env.note("ref", server.ref() === server)
      await closeAndSnap(env, server)
      env.note("unref after close", server.unref() === server)
    }
  },
  {
    name: "Symbol.asyncDispose closes the server",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      await ready
      const dispose = (server as unknown as { [Symbol.asyncDispose]: () => Promise<unknown> })[Symbol.asyncDispose]
      env.note("has asyncDispose", typeof dispose)
      env.note("resolves with", await dispose.call(server))
      env.snapServer(server, "server", "after dispose")
      env.note("again", await dispose.call(server).then((v) => ({ resolved: v }), (e) => ({ rejected: e })))
    }
  },
  {
    name: "listen({ signal }): abort closes the server",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const controller = new AbortController()
      const ready = listening(env, server)
      server.listen({ port: 0, host: "127.0.0.1", signal: controller.signal })
      await ready
      const closed = env.once(server, "close")
      controller.abort()
      await closed
      env.snapServer(server, "server", "after abort")
    }
  },
  {
    name: "listen({ signal }) with an aborted signal",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const controller = new AbortController()
      controller.abort()
      env.attempt("listen", () => server.listen({ port: 0, host: "127.0.0.1", signal: controller.signal }) === server)
      env.snapServer(server, "server", "after listen")
      await new Promise((resolve) => setImmediate(resolve))
      env.snapServer(server, "server", "a turn later")
      if (server.listening) await env.closeServer(server)
    }
  },
  listenThrows("listen({}): ERR_INVALID_ARG_VALUE", (s) => s.listen({})),
  listenThrows("listen({ port: -1 }): ERR_SOCKET_BAD_PORT", (s) => s.listen({ port: -1 })),
  listenThrows("listen(65536): ERR_SOCKET_BAD_PORT", (s) => s.listen(65536)),
  listenThrows("listen({ port: true }): ERR_INVALID_ARG_VALUE", (s) => s.listen({ port: true as never })),
  listenThrows("listen({ port: 0, host: 5 })", (s) => s.listen({ port: 0, host: 5 as never })),
  listenThrows("listen({ path: 5 })", (s) => s.listen({ path: 5 as never })),
  listenThrows("listen({ signal: {} }): ERR_INVALID_ARG_TYPE", (s) => s.listen({ port: 0, signal: {} as never })),
  listenThrows("listen({ handle: {} }) (bad handle)", (s) => s.listen({ handle: {} } as never)),
  listenThrows("listen({ fd: -1 })", (s) => s.listen({ fd: -1 } as never)),
  listenThrows(
    "listen(a server that is not listening) as a handle",
    (s) => s.listen(new (s.constructor as typeof nodeNet.Server)())
  ),
  {
    name: "listen({ fd }) with a regular file: error",
    run: async (net, env) => {
      const path = env.tmpPath("file")
      execFileSync("touch", [path])
      const fd = openSync(path, "r")
      const server = env.watchServer(net.createServer(), "server")
      try {
        env.attempt("listen", () => server.listen({ fd }) === server)
        await env.once(server, "error")
        env.snapServer(server, "server", "after error")
      } finally {
        closeSync(fd)
      }
    }
  },
  {
    name: "listen(handle) with another listening server",
    run: async (net, env) => {
      const first = env.watchServer(net.createServer(), "first")
      const ready = listening(env, first)
      first.listen(0, "127.0.0.1")
      await ready
      const second = env.watchServer(net.createServer(), "second")
      const connections = watchConnections(env, second)
      const secondReady = listening(env, second)
      env.attempt("listen(first)", () => second.listen(first) === second)
      const port = await secondReady
      env.snapServer(second, "second", "listening")
      env.snapServer(first, "first", "first")
      if (port !== 0) {
        const accepted = Promise.race([connections.next(), env.once(first, "connection").then(([s]) => s)])
        env.client({ port, host: "127.0.0.1" })
        const socket = (await accepted) as nodeNet.Socket
        socket.destroy()
        await env.closed(socket)
      }
      env.note("second close", (await env.closeServer(second)) ?? "no error")
      env.note("first close", (await env.closeServer(first)) ?? "no error")
    }
  },
  {
    name: "maxConnections 1: the second connection is dropped with 'drop'",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      server.maxConnections = 1
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      env.snapServer(server, "server", "listening")
      const accepted = connections.next()
      const first = env.client({ port, host: "127.0.0.1" })
      const socket = await accepted
      const dropped = env.once(server, "drop")
      const second = env.client({ port, host: "127.0.0.1" })
      await dropped
      const secondEnd = await env.drain(second)
      env.note("second client", {
        received: secondEnd.received,
        ended: secondEnd.how === "end" || secondEnd.how === "error ECONNRESET"
      })
      socket.end()
      await env.drain(first)
      await env.closed(socket)
      await closeAndSnap(env, server)
    }
  },
  {
    name: "maxConnections 0 drops every connection (Node >= 21)",
    nodeHas: () => nodeMajor >= 21,
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      server.maxConnections = 0
      watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const dropped = env.once(server, "drop")
      const client = env.client({ port, host: "127.0.0.1" })
      await dropped
      await env.drain(client)
      await closeAndSnap(env, server)
    },
    expected: {
      server: [
        "listening",
        {
          drop: {
            data: {
              localAddress: "127.0.0.1",
              localPort: "<port:server>",
              localFamily: "IPv4",
              remoteAddress: "127.0.0.1",
              remotePort: "<ephemeral:1>",
              remoteFamily: "IPv4"
            }
          }
        },
        "close",
        { "after close": { listening: false, address: null, maxConnections: 0 } }
      ],
      main: [{ "close callback": "no error" }]
    }
  },
  {
    name: "dropMaxConnection: a boolean property, false by default (Node >= 22.12)",
    nodeHas: (net) => "dropMaxConnection" in new net.Server(),
    run: async (net, env) => {
      const server = net.createServer() as nodeNet.Server & { dropMaxConnection: boolean }
      env.note("default", server.dropMaxConnection)
      server.dropMaxConnection = true
      env.note("set", server.dropMaxConnection)
      server.close(() => {})
    },
    expected: { main: [{ default: false }, { set: true }] }
  },
  {
    // Where the runtime cannot set SO_REUSEPORT (Node < 22.12), DESIGN.md asks for a clear, typed error
    // rather than a silent bind without it: 'error' with ERR_FEATURE_UNAVAILABLE_ON_PLATFORM from listen.
    name: "listen({ reusePort: true }) twice on one port (Node >= 22.12)",
    nodeHas: () => nodeMajor >= 23 || (nodeMajor === 22 && Number(process.versions.node.split(".")[1]) >= 12),
    expectedOnlyWhereNodeLacks: true,
    run: async (net, env) => {
      const first = net.createServer()
      const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        first.once("listening", () => resolve(undefined))
        first.once("error", (error) => resolve(error))
        first.listen({ port: 0, host: "127.0.0.1", reusePort: true } as ListenOptions)
      })
      if (failed !== undefined) {
        env.note("first", { error: { code: failed.code, syscall: failed.syscall }, listening: first.listening })
        return
      }
      const address = first.address() as nodeNet.AddressInfo
      env.namePort(address.port, "server")
      env.note("first", { listening: first.listening, address })
      const second = env.watchServer(net.createServer(), "second")
      const secondReady = listening(env, second)
      second.listen({ port: address.port, host: "127.0.0.1", reusePort: true } as ListenOptions)
      await secondReady
      env.snapServer(second, "second", "listening")
      await env.closeServer(second)
      await env.closeServer(first)
    },
    expected: {
      main: [{ first: { error: { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", syscall: "listen" }, listening: false } }]
    }
  },
  {
    name: "createServer(listener) and createServer(options, listener) add a 'connection' listener",
    run: async (net, env) => {
      for (
        const [lane, server] of [
          ["plain", net.createServer((socket) => socket.end("from listener"))],
          ["with options", net.createServer({ allowHalfOpen: false }, (socket) => socket.end("from listener"))],
          ["new Server", new net.Server((socket) => socket.end("from listener"))]
        ] as const
      ) {
        env.note(`${lane} listeners`, server.listenerCount("connection"))
        const ready = listening(env, server)
        server.listen(0, "127.0.0.1")
        const port = await ready
        env.note(lane, await env.drain(env.client({ port, host: "127.0.0.1" })))
        await env.closeServer(server)
      }
    }
  },
  {
    name: "new Server with bad options: ERR_INVALID_ARG_TYPE",
    run: async (net, env) => {
      env.attempt("new Server(5)", () => new net.Server(5 as never), () => "server")
      env.attempt("createServer('x')", () => net.createServer("x" as never), () => "server")
      env.attempt("highWaterMark 'x'", () => net.createServer({ highWaterMark: "x" } as never), () => "server")
    }
  },
  {
    name: "accepted sockets: properties, and the server's maxConnections default",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      env.snapServer(server, "server", "new")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const accepted = connections.next()
      const client = env.client({ port, host: "127.0.0.1" })
      const socket = await accepted
      env.note("server socket", {
        allowHalfOpen: socket.allowHalfOpen,
        server: (socket as unknown as { server: unknown }).server === server,
        isPaused: socket.isPaused()
      })
      client.end("from client")
      await env.once(socket, "end")
      env.snap(socket, "conn0", "on end")
      await env.closed(socket)
      env.snap(socket, "conn0", "after close")
      await closeAndSnap(env, server)
    }
  },
  {
    name: "allowHalfOpen server: the accepted socket stays writable after the client's end",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer({ allowHalfOpen: true }), "server")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const accepted = connections.next()
      const client = env.client({ port, host: "127.0.0.1", allowHalfOpen: true })
      const socket = await accepted
      const received = env.drain(client)
      client.end("half")
      await env.once(socket, "end")
      env.snap(socket, "conn0", "on end")
      socket.end("late reply")
      env.note("client", await received)
      await env.closed(socket)
      client.destroy()
      await closeAndSnap(env, server)
    }
  },
  {
    name: "highWaterMark option sets both marks of accepted sockets",
    run: async (net, env) => {
      const server = net.createServer({ highWaterMark: 1024 })
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const accepted = env.once(server, "connection")
      env.client({ port, host: "127.0.0.1" })
      const [socket] = (await accepted) as [nodeNet.Socket]
      env.note("marks", { readable: socket.readableHighWaterMark, writable: socket.writableHighWaterMark })
      socket.destroy()
      await env.closeServer(server)
    }
  },
  {
    name: "keepAlive, keepAliveInitialDelay and noDelay server options",
    run: async (net, env) => {
      const server = net.createServer({ keepAlive: true, keepAliveInitialDelay: 1000, noDelay: true })
      await echoRoundTrip(env, server, (s) => s.listen(0, "127.0.0.1"))
    }
  },
  {
    name: "pauseOnConnect: no data until resume()",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer({ pauseOnConnect: true }), "server")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const accepted = connections.next()
      const client = env.client({ port, host: "127.0.0.1" })
      const socket = await accepted
      env.note("paused", { isPaused: socket.isPaused(), readableFlowing: socket.readableFlowing })
      const received = env.drain(client)
      client.end("wait for me")
      socket.pipe(socket)
      env.note("after pipe", { isPaused: socket.isPaused(), readableFlowing: socket.readableFlowing })
      socket.resume()
      env.note("client", await received)
      await env.closed(socket)
      await closeAndSnap(env, server)
    }
  },
  {
    name: "server blockList: a blocked client is closed at once (Node >= 22.13)",
    nodeHas: (net) => {
      const server = new net.Server({ blockList: new net.BlockList() } as nodeNet.ServerOpts)
      return "blockList" in server
    },
    run: async (net, env) => {
      const blockList = new net.BlockList()
      blockList.addAddress("127.0.0.1")
      const server = env.watchServer(net.createServer({ blockList } as nodeNet.ServerOpts), "server")
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const client = env.client({ port, host: "127.0.0.1" })
      const ended = await env.drain(client)
      env.note("client", { received: ended.received, closed: ended.how !== "" })
      // An allowed client still gets in.
      const v6 = new net.Server({ blockList } as nodeNet.ServerOpts)
      const v6ready = listening(env, v6)
      v6.listen(0, "::1")
      const v6port = await v6ready
      const accepted = env.once(v6, "connection")
      env.client({ port: v6port, host: "::1" })
      const [socket] = (await accepted) as [nodeNet.Socket]
      env.note("::1 accepted", socket.remoteAddress)
      socket.destroy()
      await env.closeServer(v6)
      await closeAndSnap(env, server)
    },
    expected: {
      server: ["listening", "close", { "after close": { listening: false, address: null, maxConnections: undefined } }],
      main: [
        { client: { received: "", closed: true } },
        { "::1 accepted": "::1" },
        { "close callback": "no error" }
      ]
    }
  },
  {
    name: "server 'error' has no effect on accepted connections; address() after close is null",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      env.note("address before listen", server.address())
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      await ready
      env.note("address", server.address())
      await env.closeServer(server)
      env.note("address after close", server.address())
    }
  },
  {
    name: "listen('0') takes a numeric string as a port",
    run: async (_net, env) => {
      await echoRoundTrip(env, _net.createServer(), (s) => s.listen("0" as never, "127.0.0.1" as never))
    }
  },
  {
    name: "accepted Unix socket: properties; getConnections on a Unix server",
    run: async (net, env) => {
      const path = env.tmpPath("props.sock")
      const server = env.watchServer(net.createServer(), "server")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(path)
      await ready
      const accepted = connections.next()
      const client = env.client({ path })
      const socket = await accepted
      env.note("count", await new Promise((resolve) => server.getConnections((error, n) => resolve({ error, n }))))
      socket.end("bye")
      env.note("client", await env.drain(client))
      await env.closed(socket)
      await closeAndSnap(env, server)
    }
  },
  {
    name: "server-side backpressure: write returns false, 'drain' once the client reads",
    run: async (net, env) => {
      const server = env.watchServer(net.createServer(), "server")
      const connections = watchConnections(env, server)
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const accepted = connections.next()
      const client = env.client({ port, host: "127.0.0.1" })
      // The client reads nothing until the server's write has backed up: 32 MiB is more than any kernel
      // buffers between two loopback sockets, so the write cannot complete at once.
      client.pause()
      const socket = await accepted
      const received = env.drain(client)
      env.note("write returns", socket.write(Buffer.alloc(32 * 1024 * 1024, 120)))
      client.resume()
      await env.once(socket, "drain")
      socket.end()
      const ended = await received
      env.note("client", { bytes: ended.received.length, how: ended.how })
      await env.closed(socket)
      await closeAndSnap(env, server)
    }
  },
  {
    name: "a proxy: module server piping to a module client, to a node:net echo",
    run: async (net, env) => {
      const echo = await env.echoServer()
      const { createHash, randomBytes } = await import("node:crypto")
      const server = env.watchServer(
        net.createServer({ allowHalfOpen: true }, (inbound) => {
          const outbound = net.connect(echo.port, "127.0.0.1")
          outbound.on("error", () => inbound.destroy())
          inbound.on("error", () => outbound.destroy())
          inbound.pipe(outbound).pipe(inbound)
        }),
        "server"
      )
      const ready = listening(env, server)
      server.listen(0, "127.0.0.1")
      const port = await ready
      const payload = randomBytes(2 * 1024 * 1024)
      const client = env.client({ port, host: "127.0.0.1" })
      const chunks: Array<Buffer> = []
      client.on("data", (chunk: Buffer) => chunks.push(chunk))
      const ended = new Promise((resolve) => client.once("end", resolve))
      client.end(payload)
      await ended
      const back = Buffer.concat(chunks)
      env.note("round trip", {
        bytes: back.length,
        intact: createHash("sha256").update(back).digest("hex") === createHash("sha256").update(payload).digest("hex")
      })
      await closeAndSnap(env, server)
    }
  }
]
