/**
 * Socket scenarios about connecting: the signatures of `connect`, `createConnection` and `Socket#connect`,
 * lookup and address-family autoselection, refused and unreachable peers, options and their validation.
 */
import type * as nodeNet from "node:net"
import type { Env, NetModule, Scenario } from "./harness.js"
import { nodeMajor } from "./harness.js"

type LookupAddress = { readonly address: string; readonly family: number }
type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | ReadonlyArray<LookupAddress>,
  family?: number
) => void

/**
 * A lookup function that answers from a fixed table (never DNS) and notes each call's host and options in
 * the lane, so the calls a socket makes are compared too.
 */
export const fixedLookup = (env: Env, lane: string, addresses: ReadonlyArray<LookupAddress>) =>
(
  hostname: string,
  lookupOptions: object,
  callback: LookupCallback
) => {
  const options = lookupOptions as { readonly all?: boolean }
  env.rec.note(lane, "lookup called", { hostname, options })
  if (options.all === true) process.nextTick(() => callback(null, addresses))
  else process.nextTick(() => callback(null, addresses[0]!.address, addresses[0]!.family))
}

/**
 * Connect options, including some @types/node 20 does not know (`blockList`, `typeOfService`, compat's
 * `autoSelectFamilyPolicy`) and deliberately wrong ones.
 */
const opts = (options: object) => options as nodeNet.NetConnectOpts

/** Connects, snapshots at 'connect', writes `text`, ends, and waits for 'close'. */
export const roundTrip = async (env: Env, socket: nodeNet.Socket, lane: string, text = "hello") => {
  env.watch(socket, lane)
  env.snap(socket, lane, "after connect()")
  await env.once(socket, "connect")
  env.snap(socket, lane, "on connect")
  socket.end(text)
  await env.closed(socket)
  env.snap(socket, lane, "after close")
}

/** Waits for 'close' of a socket expected to fail, with a snapshot after. */
const failed = async (env: Env, socket: nodeNet.Socket, lane: string) => {
  env.watch(socket, lane)
  env.snap(socket, lane, "after connect()")
  await env.closed(socket)
  env.snap(socket, lane, "after close")
}

/** `f` throws synchronously; the error is noted. */
const throws = (name: string, f: (net: NetModule, env: Env) => unknown): Scenario => ({
  name,
  run: async (net, env) => {
    const peer = await env.echoServer()
    env.namePort(peer.port, "echo")
    const result = env.attempt("call", () => f(net, env), (value) => typeof value === "string" ? value : typeof value)
    // Anything that did not throw is a socket: let it finish.
    if (result instanceof Object && "destroy" in result) {
      const socket = result as nodeNet.Socket
      socket.on("error", () => {})
      socket.destroy()
      await env.closed(socket)
    }
  }
})

export const connectScenarios: ReadonlyArray<Scenario> = [
  {
    name: "net.connect(options, listener) to 127.0.0.1: events, properties, round trip",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = net.connect({ port: peer.port, host: "127.0.0.1" }, () => env.note("listener", "called"))
      await roundTrip(env, socket, "client")
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "net.connect(port, host, listener)",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = net.connect(peer.port, "127.0.0.1", () => env.note("listener", "called"))
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "net.connect(port) goes to localhost through a lookup",
    run: async (net, env) => {
      const peer = await env.echoServer()
      await roundTrip(env, net.connect(peer.port), "client")
    }
  },
  {
    name: "net.connect(port, listener) without a host",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const connect = net.connect as unknown as (port: number, listener: () => void) => nodeNet.Socket
      const socket = connect(peer.port, () => env.note("listener", "called"))
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "net.createConnection(options, listener)",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = net.createConnection({ port: peer.port, host: "127.0.0.1" }, () => env.note("listener", "called"))
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "net.createConnection(port, host)",
    run: async (net, env) => {
      const peer = await env.echoServer()
      await roundTrip(env, net.createConnection(peer.port, "127.0.0.1"), "client")
    }
  },
  {
    name: "net.createConnection(path, listener) to a Unix socket",
    run: async (net, env) => {
      const peer = await env.unixEchoServer()
      const socket = net.createConnection(peer.path, () => env.note("listener", "called"))
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "net.connect(path) and net.connect({ path }) to a Unix socket",
    run: async (net, env) => {
      const peer = await env.unixEchoServer()
      await roundTrip(env, net.connect(peer.path), "by path")
      await roundTrip(env, net.connect({ path: peer.path }), "by options")
    }
  },
  {
    name: "new Socket().connect(options, listener) returns the socket",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = new net.Socket()
      env.snap(socket, "client", "new")
      const returned = socket.connect({ port: peer.port, host: "127.0.0.1" }, () => env.note("listener", "called"))
      env.note("returns this", returned === socket)
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "new Socket().connect(port, host, listener)",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = new net.Socket()
      env.note("returns this", socket.connect(peer.port, "127.0.0.1", () => env.note("listener", "called")) === socket)
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "new Socket().connect(path, listener)",
    run: async (net, env) => {
      const peer = await env.unixEchoServer()
      const socket = new net.Socket()
      env.note("returns this", socket.connect(peer.path, () => env.note("listener", "called")) === socket)
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "Stream is Socket; Socket and Server are callable without new",
    run: async (net, env) => {
      const Stream = (net as unknown as { readonly Stream: typeof nodeNet.Socket }).Stream
      env.note("Stream === Socket", Stream === net.Socket)
      const stream = new Stream()
      env.note("new Stream() instanceof Socket", stream instanceof net.Socket)
      env.snap(stream, "stream", "new")
      stream.destroy()
      const called = env.attempt(
        "Socket() without new",
        () => (net.Socket as unknown as () => nodeNet.Socket)(),
        (s) => s instanceof net.Socket
      )
      called?.destroy()
      const server = env.attempt(
        "Server() without new",
        () => (net.Server as unknown as () => nodeNet.Server)(),
        (s) => s instanceof net.Server
      )
      env.note("server listening", server?.listening)
    }
  },
  {
    name: "an IPv6 connection to ::1",
    run: async (net, env) => {
      const peer = await env.echoServer("::1")
      await roundTrip(env, net.connect({ port: peer.port, host: "::1" }), "client")
    }
  },
  {
    name: "host localhost with family 4: lookup event, then connect",
    run: async (net, env) => {
      const peer = await env.echoServer()
      await roundTrip(env, net.connect({ port: peer.port, host: "localhost", family: 4 }), "client")
    }
  },
  {
    name: "localAddress and localPort options bind the local end",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const localPort = await env.refusedPort()
      env.namePort(localPort, "local")
      const socket = net.connect({ port: peer.port, host: "127.0.0.1", localAddress: "127.0.0.1", localPort })
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "a port given as a numeric string",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = net.connect({ port: String(peer.port) as unknown as number, host: "127.0.0.1" })
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "ECONNREFUSED on 127.0.0.1: Node's message, events and properties",
    run: async (net, env) => {
      const port = await env.refusedPort()
      await failed(env, net.connect(port, "127.0.0.1"), "client")
    }
  },
  {
    name: "ECONNREFUSED on localhost (one address after lookup)",
    run: async (net, env) => {
      const port = await env.refusedPort()
      await failed(env, net.connect(port, "localhost"), "client")
    }
  },
  {
    name: "ECONNREFUSED on ::1",
    run: async (net, env) => {
      const port = await env.refusedPort()
      await failed(env, net.connect(port, "::1"), "client")
    }
  },
  {
    name: "a missing Unix socket is ENOENT",
    run: async (net, env) => {
      await failed(env, net.connect(env.tmpPath("missing.sock")), "client")
    }
  },
  {
    name: "a write before a refused connect: its callback gets the error",
    run: async (net, env) => {
      const port = await env.refusedPort()
      const socket = net.connect(port, "127.0.0.1")
      env.watch(socket, "client")
      env.note("write returns", socket.write("early", (error) => env.rec.note("client", "write callback", error)))
      env.snap(socket, "client", "after write")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "custom lookup [::1 refused, 127.0.0.1 listening]: attempt events then connect",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const lookup = fixedLookup(env, "client", [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }])
      const socket = net.connect(
        opts({ port: peer.port, host: "example.test", lookup, autoSelectFamilyPolicy: "sequential" })
      )
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "custom lookup, every address refused: AggregateError with the first code",
    run: async (net, env) => {
      const port = await env.refusedPort()
      const lookup = fixedLookup(env, "client", [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }])
      const socket = net.connect(opts({ port, host: "example.test", lookup, autoSelectFamilyPolicy: "sequential" }))
      await failed(env, socket, "client")
    }
  },
  {
    name: "custom lookup with duplicates and two per family: interleaved, deduplicated",
    run: async (net, env) => {
      const port = await env.refusedPort()
      const lookup = fixedLookup(env, "client", [
        { address: "127.0.0.1", family: 4 },
        { address: "127.0.0.1", family: 4 },
        { address: "::1", family: 6 },
        { address: "::ffff:127.0.0.1", family: 6 }
      ])
      const socket = net.connect(opts({ port, host: "example.test", lookup, autoSelectFamilyPolicy: "sequential" }))
      await failed(env, socket, "client")
    }
  },
  {
    name: "custom lookup returning a single address: no autoselection",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const lookup = fixedLookup(env, "client", [{ address: "127.0.0.1", family: 4 }])
      await roundTrip(env, net.connect(opts({ port: peer.port, host: "example.test", lookup })), "client")
    }
  },
  {
    name: "custom lookup with autoSelectFamily false: one address, asked without all",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const lookup = fixedLookup(env, "client", [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }])
      const socket = net.connect(opts({ port: peer.port, host: "example.test", lookup, autoSelectFamily: false }))
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "custom lookup with family 6 (no autoselection)",
    run: async (net, env) => {
      const peer = await env.echoServer("::1")
      const lookup = fixedLookup(env, "client", [{ address: "::1", family: 6 }])
      await roundTrip(env, net.connect(opts({ port: peer.port, host: "example.test", lookup, family: 6 })), "client")
    }
  },
  {
    name: "custom lookup that fails: lookup event with the error, then error",
    run: async (net, env) => {
      const lookup = (hostname: string, options: unknown, callback: LookupCallback) => {
        env.rec.note("client", "lookup called", { hostname, options })
        const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: "ENOTFOUND",
          errno: -3008,
          syscall: "getaddrinfo",
          hostname
        })
        process.nextTick(() => callback(error, ""))
      }
      await failed(env, net.connect(opts({ port: 80, host: "nowhere.test", lookup })), "client")
    }
  },
  {
    name: "custom lookup that answers a non-IP: ERR_INVALID_IP_ADDRESS",
    run: async (net, env) => {
      const lookup = (_hostname: string, _options: unknown, callback: LookupCallback) =>
        process.nextTick(() => callback(null, "not-an-ip", 4))
      const socket = net.connect(opts({ port: 80, host: "bad.test", lookup, autoSelectFamily: false }))
      await failed(env, socket, "client")
    }
  },
  {
    name: "custom lookup that answers family 5: ERR_INVALID_ADDRESS_FAMILY",
    run: async (net, env) => {
      const lookup = (_hostname: string, _options: unknown, callback: LookupCallback) =>
        process.nextTick(() => callback(null, "127.0.0.1", 5))
      const socket = net.connect(opts({ port: 80, host: "bad.test", lookup, autoSelectFamily: false }))
      await failed(env, socket, "client")
    }
  },
  {
    name: "autoselection: ::1 blackholed, 127.0.0.1 answers -> connectionAttemptTimeout, then connect",
    run: async (net, env) => {
      const port = await env.blackholeV6EchoV4()
      env.namePort(port, "dual")
      const lookup = fixedLookup(env, "client", [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }])
      const socket = net.connect(opts({
        port,
        host: "dual.test",
        lookup,
        autoSelectFamilyAttemptTimeout: 10,
        autoSelectFamilyPolicy: "sequential"
      }))
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "autoSelectFamilyAttemptTimeout below 10 is raised to 10, 0 and strings are refused",
    run: async (net, env) => {
      const port = await env.refusedPort()
      for (const value of [0, -1, "20", 2 ** 31, 1.5]) {
        env.attempt(`autoSelectFamilyAttemptTimeout ${String(value)}`, () => {
          const socket = net.connect(opts({
            port,
            host: "127.0.0.1",
            autoSelectFamilyAttemptTimeout: value as number
          }))
          socket.on("error", () => {})
          socket.destroy()
          return socket
        }, () => "socket")
      }
      env.attempt("autoSelectFamily 'yes'", () => net.connect(opts({ port, autoSelectFamily: "yes" as never })))
    }
  },
  {
    name: "the default autoSelectFamily getters and setters, with validation",
    run: async (net, env) => {
      const family = net.getDefaultAutoSelectFamily()
      const timeout = net.getDefaultAutoSelectFamilyAttemptTimeout()
      try {
        env.note("defaults", { family, timeout })
        env.attempt("setDefaultAutoSelectFamily(false)", () => net.setDefaultAutoSelectFamily(false))
        env.note("after false", net.getDefaultAutoSelectFamily())
        env.attempt("setDefaultAutoSelectFamily('no')", () => net.setDefaultAutoSelectFamily("no" as never))
        env.attempt("setDefaultAutoSelectFamily()", () => (net.setDefaultAutoSelectFamily as () => void)())
        env.note("after bad", net.getDefaultAutoSelectFamily())
        for (const value of [5, 10, 300, 0, -5, 1.5, "100", 2 ** 31]) {
          env.attempt(
            `setDefaultAutoSelectFamilyAttemptTimeout(${JSON.stringify(value)})`,
            () => net.setDefaultAutoSelectFamilyAttemptTimeout(value as number)
          )
          env.note("now", net.getDefaultAutoSelectFamilyAttemptTimeout())
        }
      } finally {
        net.setDefaultAutoSelectFamily(family)
        net.setDefaultAutoSelectFamilyAttemptTimeout(timeout)
      }
    }
  },
  {
    name: "setDefaultAutoSelectFamily(false) applies to later connects",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const family = net.getDefaultAutoSelectFamily()
      net.setDefaultAutoSelectFamily(false)
      try {
        const lookup = fixedLookup(env, "client", [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }])
        await roundTrip(env, net.connect(opts({ port: peer.port, host: "example.test", lookup })), "client")
      } finally {
        net.setDefaultAutoSelectFamily(family)
      }
    }
  },
  {
    name: "the connect timeout option: 'timeout' while the handshake hangs",
    run: async (net, env) => {
      const port = await env.blackholeServer()
      const socket = net.createConnection({ port, host: "127.0.0.1", timeout: 50 })
      env.watch(socket, "client")
      env.snap(socket, "client", "after createConnection()")
      await env.once(socket, "timeout")
      env.snap(socket, "client", "on timeout")
      socket.destroy()
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    // Node itself misbehaves here (20 and 24): after 'error' and 'close' it connects anyway, emits
    // 'connectionAttempt' and 'connect' on the destroyed socket, or throws from internalConnect on a null
    // handle (an uncaught TypeError). The record is the documented part: AbortError, then 'close' with no
    // argument, as Node emits it, and nothing after.
    name: "signal aborted before connect",
    nodeHas: () => false,
    expected: {
      client: [
        {
          // Node 20-24 revive the socket here and connect it anyway after its AbortError and 'close'
          // (or crash on its missing handle); compat keeps the aborted socket destroyed.
          "after connect()": {
            readyState: "closed",
            pending: true,
            connecting: false,
            destroyed: true,
            readable: false,
            writable: false,
            bytesRead: 0,
            bytesWritten: 0,
            address: {}
          }
        },
        {
          error: {
            error: {
              kind: "Error",
              name: "AbortError",
              message: "The operation was aborted",
              keys: ["code", "name"],
              code: "ABORT_ERR",
              cause: {
                kind: "Error",
                name: "AbortError",
                message: "This operation was aborted",
                keys: [],
                code: 20
              }
            }
          }
        },
        "close",
        {
          "after close": {
            readyState: "closed",
            pending: true,
            connecting: false,
            destroyed: true,
            readable: false,
            writable: false,
            bytesRead: 0,
            bytesWritten: 0,
            address: {}
          }
        }
      ]
    },
    run: async (net, env) => {
      const peer = await env.echoServer()
      const controller = new AbortController()
      controller.abort()
      const socket = net.connect({ port: peer.port, host: "127.0.0.1", signal: controller.signal })
      await failed(env, socket, "client")
    }
  },
  {
    name: "signal aborted while connecting",
    run: async (net, env) => {
      const port = await env.blackholeServer()
      const controller = new AbortController()
      const socket = net.connect({ port, host: "127.0.0.1", signal: controller.signal })
      env.watch(socket, "client")
      // Not from a 'connectionAttempt' listener: Node emits it just before `_handle.connect()`, and a destroy
      // there makes Node throw on the null handle. The handshake to a blackhole is in flight on the next turn.
      await env.once(socket, "connectionAttempt")
      await new Promise((resolve) => setImmediate(resolve))
      controller.abort()
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "signal aborted after connect destroys with AbortError",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const controller = new AbortController()
      const socket = net.connect({ port: peer.port, host: "127.0.0.1", signal: controller.signal })
      env.watch(socket, "client")
      await env.once(socket, "connect")
      controller.abort(new Error("enough"))
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "keepAlive, keepAliveInitialDelay and noDelay options",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = net.connect({
        port: peer.port,
        host: "127.0.0.1",
        keepAlive: true,
        keepAliveInitialDelay: 1500,
        noDelay: true
      })
      await roundTrip(env, socket, "client")
    }
  },
  {
    name: "allowHalfOpen: writes after the peer's end still arrive",
    run: async (net, env) => {
      const peer = await env.closingServer("bye")
      const socket = net.connect({ port: peer.port, host: "127.0.0.1", allowHalfOpen: true })
      env.watch(socket, "client")
      await env.once(socket, "end")
      env.snap(socket, "client", "on end")
      socket.end("late")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "without allowHalfOpen the socket ends itself after the peer's end",
    run: async (net, env) => {
      const peer = await env.closingServer("bye")
      const socket = net.connect({ port: peer.port, host: "127.0.0.1" })
      env.watch(socket, "client")
      await env.once(socket, "end")
      env.snap(socket, "client", "on end")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "blockList option: a blocked address is never dialled",
    nodeHas: () => nodeMajor >= 22,
    run: async (net, env) => {
      const peer = await env.echoServer()
      const blockList = new net.BlockList()
      blockList.addAddress("127.0.0.1")
      const socket = net.connect(opts({ port: peer.port, host: "127.0.0.1", blockList }))
      await failed(env, socket, "client")
    },
    expected: {
      client: [
        {
          "after connect()": {
            readyState: "opening",
            pending: true,
            connecting: true,
            destroyed: false,
            readable: true,
            writable: true,
            bytesRead: 0,
            bytesWritten: 0,
            bufferSize: 0,
            address: {}
          }
        },
        { connectionAttempt: { ip: "127.0.0.1", port: "<port:echo>", family: 4 } },
        {
          error: {
            error: {
              kind: "Error",
              name: "Error",
              message: "IP(127.0.0.1) is blocked by net.BlockList",
              keys: ["code"],
              code: "ERR_IP_BLOCKED"
            }
          }
        },
        { close: { hadError: true } },
        {
          "after close": {
            readyState: "closed",
            pending: true,
            connecting: false,
            destroyed: true,
            readable: false,
            writable: false,
            bytesRead: 0,
            bytesWritten: 0,
            address: {}
          }
        }
      ]
    }
  },
  {
    name: "reconnecting a socket after 'close'",
    run: async (net, env) => {
      const refused = await env.refusedPort()
      const peer = await env.echoServer()
      const socket = new net.Socket()
      env.watch(socket, "client")
      socket.connect(refused, "127.0.0.1")
      await env.closed(socket)
      env.snap(socket, "client", "after first close")
      env.attempt("connect again", () => socket.connect(peer.port, "127.0.0.1") === socket)
      await env.once(socket, "connect")
      env.snap(socket, "client", "on second connect")
      socket.end("again")
      await env.once(socket, "close")
      env.snap(socket, "client", "after second close")
    }
  },
  throws("connect() without arguments: ERR_MISSING_ARGS", (net) => (net.connect as () => nodeNet.Socket)()),
  throws("connect({}): ERR_MISSING_ARGS", (net) => net.connect({} as nodeNet.NetConnectOpts)),
  throws("new Socket().connect() with no arguments", (net) => (new net.Socket().connect as () => unknown)()),
  throws("port -1: ERR_SOCKET_BAD_PORT", (net) => net.connect({ port: -1, host: "127.0.0.1" })),
  throws("port 65536: ERR_SOCKET_BAD_PORT", (net) => net.connect(65536, "127.0.0.1")),
  throws("port 'abc': ERR_SOCKET_BAD_PORT", (net) => net.connect({ port: "abc" as never, host: "127.0.0.1" })),
  throws("port NaN and 1.5", (net) => {
    const errors = []
    for (const port of [NaN, 1.5, "", " "]) {
      try {
        net.connect({ port: port as number, host: "127.0.0.1" }).destroy()
        errors.push("no error")
      } catch (error) {
        errors.push(`${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}`)
      }
    }
    return errors.join(" | ")
  }),
  throws("port true and {}: ERR_INVALID_ARG_TYPE", (net) => {
    const errors = []
    for (const port of [true, {}, null]) {
      try {
        net.connect({ port: port as never, host: "127.0.0.1" }).destroy()
        errors.push("no error")
      } catch (error) {
        errors.push(`${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}`)
      }
    }
    return errors.join(" | ")
  }),
  throws("host not a string: ERR_INVALID_ARG_TYPE", (net) => net.connect({ port: 80, host: 5 as never })),
  throws(
    "localAddress not an IP: ERR_INVALID_IP_ADDRESS",
    (net) => net.connect({ port: 80, host: "127.0.0.1", localAddress: "nope" })
  ),
  throws(
    "localPort not a number: ERR_INVALID_ARG_TYPE",
    (net) => net.connect({ port: 80, host: "127.0.0.1", localPort: "1" as never })
  ),
  throws(
    "lookup not a function: ERR_INVALID_ARG_TYPE",
    (net) => net.connect(opts({ port: 80, host: "example.test", lookup: "dns" }))
  ),
  throws("family 5: ERR_INVALID_ARG_VALUE", (net) => net.connect({ port: 80, host: "localhost", family: 5 })),
  throws("hints not a number", (net) => net.connect({ port: 80, host: "localhost", hints: "x" as never })),
  throws("path not a string: ERR_INVALID_ARG_TYPE", (net) => net.connect({ path: 5 as never })),
  throws(
    "signal not an AbortSignal: ERR_INVALID_ARG_TYPE",
    (net) => net.connect({ port: 80, host: "127.0.0.1", signal: {} as never })
  ),
  throws(
    "objectMode is not supported: ERR_INVALID_ARG_VALUE",
    (net) => new net.Socket({ objectMode: true } as nodeNet.SocketConstructorOpts)
  ),
  throws(
    "readableObjectMode is not supported",
    (net) => new net.Socket({ readableObjectMode: true } as nodeNet.SocketConstructorOpts)
  ),
  throws(
    "keepAliveInitialDelay not a number",
    (net) => new net.Socket({ keepAliveInitialDelay: "1" } as unknown as nodeNet.SocketConstructorOpts)
  ),
  throws("fd -1: ERR_OUT_OF_RANGE", (net) => new net.Socket({ fd: -1 })),
  throws("fd 'x': ERR_INVALID_ARG_TYPE", (net) => new net.Socket({ fd: "x" as never })),
  throws("timeout option -1", (net) => net.createConnection({ port: 80, host: "127.0.0.1", timeout: -1 })),
  throws("onread not an object, buffer not a buffer", (net) => {
    const errors = []
    for (const onread of [5, { buffer: 5, callback: () => {} }, { buffer: Buffer.alloc(4) }]) {
      try {
        const socket = net.connect({ port: 80, host: "127.0.0.1", onread: onread as never })
        socket.on("error", () => {})
        socket.destroy()
        errors.push("no error")
      } catch (error) {
        errors.push(`${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}`)
      }
    }
    return errors.join(" | ")
  }),
  {
    name: "destroy() while the lookup is pending: no lookup event, no connect",
    run: async (net, env) => {
      const peer = await env.echoServer()
      let answer: (() => void) | undefined
      const lookup = (_hostname: string, _options: unknown, callback: LookupCallback) => {
        answer = () => callback(null, [{ address: "127.0.0.1", family: 4 }])
      }
      const socket = env.watch(net.connect(opts({ port: peer.port, host: "later.test", lookup })), "client")
      await new Promise<void>((resolve) => {
        const check = () => answer !== undefined ? resolve() : setImmediate(check)
        check()
      })
      socket.destroy()
      answer?.()
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "family 6 with an IPv4 literal host: the literal wins",
    run: async (net, env) => {
      const peer = await env.echoServer()
      await roundTrip(env, net.connect({ port: peer.port, host: "127.0.0.1", family: 6 }), "client")
    }
  }
]
