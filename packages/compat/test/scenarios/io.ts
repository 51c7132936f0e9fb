/**
 * Socket scenarios about a connection's life: writing and ending with encodings and callbacks, buffering
 * before connect, backpressure, destroying and resetting, reading modes, timeouts, socket options, and the
 * methods that return `this`.
 */
import { execFileSync } from "node:child_process"
import { openSync } from "node:fs"
import type * as nodeNet from "node:net"
import type { Env, NetModule, Scenario } from "./harness.js"

/** A connected socket to a fresh echo peer, watched in the lane "client". */
const connected = async (net: NetModule, env: Env, options: nodeNet.SocketConstructorOpts = {}) => {
  const peer = await env.echoServer()
  const socket = env.watch(net.connect({ ...options, port: peer.port, host: "127.0.0.1" }), "client")
  await env.once(socket, "connect")
  return { peer, socket }
}

/** A connected socket to a peer that reads and never writes. */
const toSilent = async (net: NetModule, env: Env, options: nodeNet.SocketConstructorOpts = {}) => {
  const peer = await env.silentServer()
  const socket = env.watch(net.connect({ ...options, port: peer.port, host: "127.0.0.1" }), "client")
  await env.once(socket, "connect")
  return { peer, socket }
}

/** Ends the socket and waits for 'close', with a snapshot after. */
const finish = async (env: Env, socket: nodeNet.Socket) => {
  if (!socket.destroyed) socket.end()
  await env.closed(socket)
  env.snap(socket, "client", "after close")
}

/** A callback that notes its arguments in the client lane. */
const callback = (env: Env, label: string) => (...args: Array<unknown>) =>
  env.rec.note("client", label, args.length === 0 ? "called" : args)

/** A FIFO opened read-write: a file descriptor that is a pipe and loops back what is written to it. */
const loopbackFd = (env: Env) => {
  const path = env.tmpPath("fifo")
  execFileSync("mkfifo", [path])
  return openSync(path, "r+")
}

export const ioScenarios: ReadonlyArray<Scenario> = [
  {
    name: "write and end with callbacks: order of callbacks and events",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      env.note("write returns", socket.write("one", callback(env, "write one")))
      env.note("write returns", socket.write(Buffer.from("two"), callback(env, "write two")))
      env.note("end returns this", socket.end("three", callback(env, "end")) === socket)
      env.snap(socket, "client", "after end()")
      await finish(env, socket)
    }
  },
  {
    name: "write with encodings utf8, hex, base64, latin1, and end(data, encoding)",
    run: async (net, env) => {
      const { socket, peer } = await connected(net, env)
      socket.write("héllo ", "utf8")
      socket.write("cafe", "hex")
      socket.write("aGk=", "base64")
      socket.write("ÿ", "latin1")
      socket.write("\u00e9", "binary")
      socket.end("2e", "hex")
      env.snap(socket, "client", "after writes")
      await finish(env, socket)
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "write of a Uint8Array, an empty string and an empty buffer",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.write(new Uint8Array([104, 105]), callback(env, "uint8array"))
      socket.write("", callback(env, "empty string"))
      socket.write(Buffer.alloc(0), callback(env, "empty buffer"))
      await finish(env, socket)
    }
  },
  {
    name: "write with a bad chunk or encoding throws",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      env.attempt("write(5)", () => socket.write(5 as never))
      env.attempt("write({})", () => socket.write({} as never))
      env.attempt("write(null)", () => socket.write(null as never))
      env.attempt("write('x', 'bogus')", () => socket.write("x", "bogus" as never))
      env.attempt("end(5)", () => socket.end(5 as never), () => "socket")
      await finish(env, socket)
    }
  },
  {
    name: "writes before connect are buffered and sent on connect",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      env.note("write returns", socket.write("early ", callback(env, "early write")))
      socket.write(Buffer.from("bytes "))
      socket.end("then end", callback(env, "end"))
      env.snap(socket, "client", "before connect")
      await env.once(socket, "connect")
      env.snap(socket, "client", "on connect")
      await finish(env, socket)
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "end() before connect: connect, then finish",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      socket.end()
      env.snap(socket, "client", "after end()")
      await finish(env, socket)
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "a large write returns false, then 'drain'",
    run: async (net, env) => {
      const { socket, peer } = await toSilent(net, env)
      const big = Buffer.alloc(4 * 1024 * 1024, 97)
      env.note("write returns", socket.write(big, callback(env, "big write")))
      env.snap(socket, "client", "after big write")
      await env.once(socket, "drain")
      env.snap(socket, "client", "on drain")
      await finish(env, socket)
      const ended = await (await peer.connection(0)).ended
      env.note("peer", { bytes: ended.received.length, how: ended.how })
    }
  },
  {
    name: "writableHighWaterMark and readableHighWaterMark of a socket",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      env.note("hwm", {
        writable: socket.writableHighWaterMark,
        readable: socket.readableHighWaterMark,
        writableObjectMode: socket.writableObjectMode
      })
      await finish(env, socket)
    }
  },
  {
    name: "write after end: ERR_STREAM_WRITE_AFTER_END",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.end()
      env.note("write returns", socket.write("late", callback(env, "late write")))
      await env.closed(socket)
    }
  },
  {
    name: "write after destroy: the callback gets the error",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.destroy()
      env.note("write returns", socket.write("late", callback(env, "late write")))
      await env.closed(socket)
      env.note("write after close returns", socket.write("later", callback(env, "later write")))
      await new Promise((resolve) => setImmediate(resolve))
    }
  },
  {
    name: "write after the peer's end without allowHalfOpen: EPIPE",
    run: async (net, env) => {
      const peer = await env.closingServer("bye")
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      await env.once(socket, "end")
      env.note("write returns", socket.write("late", callback(env, "late write")))
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "destroy() of a connected socket",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      env.note("destroy returns this", socket.destroy() === socket)
      env.snap(socket, "client", "after destroy()")
      env.note("destroy again returns this", socket.destroy() === socket)
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "destroy(error): 'error' then close(true)",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.destroy(Object.assign(new Error("mine"), { code: "EMINE" }))
      env.snap(socket, "client", "after destroy(error)")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "destroy() while connecting: no connect",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      socket.write("never", callback(env, "write"))
      socket.destroy()
      env.snap(socket, "client", "after destroy()")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "destroy() of a socket never connected",
    run: async (net, env) => {
      const socket = env.watch(new net.Socket(), "client")
      socket.destroy()
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "destroySoon() after writes: everything arrives, then close",
    run: async (net, env) => {
      const { socket, peer } = await toSilent(net, env)
      socket.write("a".repeat(100_000))
      socket.destroySoon()
      env.snap(socket, "client", "after destroySoon()")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
      const ended = await (await peer.connection(0)).ended
      env.note("peer", { bytes: ended.received.length, how: ended.how })
    }
  },
  {
    name: "resetAndDestroy(): the peer sees ECONNRESET",
    run: async (net, env) => {
      const { socket, peer } = await toSilent(net, env)
      env.note("returns this", socket.resetAndDestroy() === socket)
      env.snap(socket, "client", "after resetAndDestroy()")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "resetAndDestroy() while connecting: connects, then resets",
    run: async (net, env) => {
      const peer = await env.silentServer()
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      socket.resetAndDestroy()
      env.snap(socket, "client", "after resetAndDestroy()")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
      env.note("peer", await (await peer.connection(0)).ended)
    }
  },
  {
    name: "resetAndDestroy() of a socket never connected: ERR_SOCKET_CLOSED",
    run: async (net, env) => {
      const socket = env.watch(new net.Socket(), "client")
      env.attempt("resetAndDestroy()", () => socket.resetAndDestroy() === socket)
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "resetAndDestroy() on a Unix socket throws ERR_INVALID_HANDLE_TYPE",
    run: async (net, env) => {
      const peer = await env.unixEchoServer()
      const socket = env.watch(net.connect(peer.path), "client")
      await env.once(socket, "connect")
      env.attempt("resetAndDestroy()", () => socket.resetAndDestroy() === socket)
      env.snap(socket, "client", "after the throw")
      await finish(env, socket)
    }
  },
  {
    name: "a peer that resets: ECONNRESET",
    run: async (net, env) => {
      const peer = await env.resetServer()
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "a peer that writes and ends: data, end, finish, close",
    run: async (net, env) => {
      const peer = await env.closingServer("greetings")
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "pause() and resume(): isPaused, readableFlowing, data held back",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      const state = () => ({ isPaused: socket.isPaused(), readableFlowing: socket.readableFlowing })
      env.note("before", state())
      env.note("pause returns this", socket.pause() === socket)
      env.note("paused", state())
      socket.write("held")
      // The echo comes back while paused: it waits in the readable buffer until resume().
      socket.end()
      await new Promise<void>((resolve) => {
        const check = () => socket.readableLength >= 4 ? resolve() : setImmediate(check)
        check()
      })
      env.note("buffered while paused", socket.readableLength)
      env.note("resume returns this", socket.resume() === socket)
      env.note("resumed", state())
      await env.closed(socket)
    }
  },
  {
    name: "pause() before connect: no data until resume()",
    run: async (net, env) => {
      const peer = await env.closingServer("early bytes")
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client")
      socket.pause()
      await env.once(socket, "connect")
      env.note("isPaused on connect", socket.isPaused())
      socket.resume()
      await env.closed(socket)
    }
  },
  {
    name: "setEncoding('utf8') gives strings, split multi-byte characters joined",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      env.note("setEncoding returns this", socket.setEncoding("utf8") === socket)
      const chunks: Array<string> = []
      socket.on("data", (chunk: unknown) => chunks.push(typeof chunk))
      socket.write(Buffer.from("€uro").subarray(0, 2))
      socket.end(Buffer.from("€uro").subarray(2))
      await env.closed(socket)
      env.note("chunk types", [...new Set(chunks)])
    }
  },
  {
    name: "setEncoding('hex') and setEncoding('base64')",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.setEncoding("hex")
      socket.end("hex me")
      await env.closed(socket)
      const second = await connected(net, env)
      second.socket.setEncoding("base64")
      second.socket.end("base64 me")
      await env.closed(second.socket)
    }
  },
  {
    name: "setKeepAlive before and after connect returns this",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket(), "client")
      env.note("before connect", socket.setKeepAlive(true, 1000) === socket)
      socket.connect(peer.port, "127.0.0.1")
      env.note("while connecting", socket.setKeepAlive(true) === socket)
      await env.once(socket, "connect")
      env.note("connected, no arguments", socket.setKeepAlive() === socket)
      env.note("connected, false", socket.setKeepAlive(false, 0) === socket)
      env.note("connected, odd delay", socket.setKeepAlive(true, 1500.7) === socket)
      await finish(env, socket)
      env.note("after close", socket.setKeepAlive(true) === socket)
    }
  },
  {
    name: "setNoDelay before and after connect returns this",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket(), "client")
      env.note("before connect", socket.setNoDelay() === socket)
      socket.connect(peer.port, "127.0.0.1")
      env.note("while connecting", socket.setNoDelay(false) === socket)
      await env.once(socket, "connect")
      env.note("connected", socket.setNoDelay(true) === socket)
      await finish(env, socket)
      env.note("after close", socket.setNoDelay(true) === socket)
    }
  },
  {
    name: "ref() and unref() return this, before and after connect",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket(), "client")
      env.note("unref before connect", socket.unref() === socket)
      env.note("ref before connect", socket.ref() === socket)
      socket.connect(peer.port, "127.0.0.1")
      await env.once(socket, "connect")
      env.note("unref", socket.unref() === socket)
      env.note("unref twice", socket.unref() === socket)
      env.note("ref", socket.ref() === socket)
      await finish(env, socket)
      env.note("ref after close", socket.ref() === socket)
    }
  },
  {
    name: "setTimeout on an idle socket: 'timeout', the socket stays open",
    run: async (net, env) => {
      const { socket } = await toSilent(net, env)
      env.note("returns this", socket.setTimeout(50) === socket)
      env.snap(socket, "client", "after setTimeout(50)")
      await env.once(socket, "timeout")
      env.snap(socket, "client", "on timeout")
      socket.setTimeout(0)
      env.snap(socket, "client", "after setTimeout(0)")
      await finish(env, socket)
    }
  },
  {
    name: "setTimeout with a callback: a once listener",
    run: async (net, env) => {
      const { socket } = await toSilent(net, env)
      await new Promise<void>((resolve) =>
        socket.setTimeout(30, (...args: Array<unknown>) => {
          env.rec.note("client", "callback", { args: args.length, this: socket.listenerCount("timeout") })
          resolve()
        })
      )
      env.note("listeners after", socket.listenerCount("timeout"))
      socket.setTimeout(0)
      await finish(env, socket)
    }
  },
  {
    name: "setTimeout(0, callback) clears the timer and removes the callback",
    run: async (net, env) => {
      const { socket } = await toSilent(net, env)
      const cb = () => env.rec.note("client", "never", true)
      socket.setTimeout(10_000, cb)
      env.note("listeners", socket.listenerCount("timeout"))
      socket.setTimeout(0, cb)
      env.note("listeners after clearing with the same callback", socket.listenerCount("timeout"))
      env.snap(socket, "client", "cleared")
      await finish(env, socket)
    }
  },
  {
    name: "setTimeout with bad arguments",
    run: async (net, env) => {
      const socket = new net.Socket()
      for (const value of [-1, "50", NaN, Infinity, 1.5, null]) {
        env.attempt(`setTimeout(${String(value)})`, () => socket.setTimeout(value as number) === socket)
        env.note("timeout", socket.timeout)
      }
      env.attempt("setTimeout(10, 'cb')", () => socket.setTimeout(10, "cb" as never) === socket)
      socket.setTimeout(0)
      socket.destroy()
    }
  },
  {
    name: "setTimeout before connect keeps running after connect",
    run: async (net, env) => {
      const peer = await env.silentServer()
      const socket = env.watch(new net.Socket(), "client")
      socket.setTimeout(40)
      env.snap(socket, "client", "before connect")
      socket.connect(peer.port, "127.0.0.1")
      await env.once(socket, "timeout")
      env.snap(socket, "client", "on timeout")
      socket.destroy()
      await env.closed(socket)
    }
  },
  {
    name: "setTypeOfService and getTypeOfService (Node 24.x, >= 25.6)",
    nodeHas: (net) => typeof (net.Socket.prototype as { setTypeOfService?: unknown }).setTypeOfService === "function",
    run: async (net, env) => {
      type Tos = nodeNet.Socket & { setTypeOfService(tos: number): nodeNet.Socket; getTypeOfService(): number }
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket() as Tos, "client")
      env.attempt("before connect: set 0x10", () => socket.setTypeOfService(0x10) === socket)
      env.attempt("before connect: get", () => socket.getTypeOfService())
      socket.connect(peer.port, "127.0.0.1")
      await env.once(socket, "connect")
      env.attempt("connected: get", () => socket.getTypeOfService())
      env.attempt("connected: set 0x20", () => socket.setTypeOfService(0x20) === socket)
      env.attempt("connected: get", () => socket.getTypeOfService())
      for (const bad of [256, -1, 1.5, "16"]) {
        env.attempt(`set ${JSON.stringify(bad)}`, () => socket.setTypeOfService(bad as number))
      }
      await finish(env, socket)
    },
    expected: {
      main: [
        { "before connect: set 0x10": { returned: true } },
        { "before connect: get": { returned: 16 } },
        { "connected: get": { returned: 16 } },
        { "connected: set 0x20": { returned: true } },
        { "connected: get": { returned: 32 } },
        {
          "set 256": {
            threw: {
              kind: "RangeError",
              name: "RangeError",
              message: "The value of \"tos\" is out of range. It must be >= 0 && <= 255. Received 256",
              keys: ["code"],
              code: "ERR_OUT_OF_RANGE"
            }
          }
        },
        {
          "set -1": {
            threw: {
              kind: "RangeError",
              name: "RangeError",
              message: "The value of \"tos\" is out of range. It must be >= 0 && <= 255. Received -1",
              keys: ["code"],
              code: "ERR_OUT_OF_RANGE"
            }
          }
        },
        {
          "set 1.5": {
            threw: {
              kind: "RangeError",
              name: "RangeError",
              message: "The value of \"tos\" is out of range. It must be an integer. Received 1.5",
              keys: ["code"],
              code: "ERR_OUT_OF_RANGE"
            }
          }
        },
        {
          "set \"16\"": {
            threw: {
              kind: "TypeError",
              name: "TypeError",
              message: "The \"tos\" argument must be of type number. Received type string ('16')",
              keys: ["code"],
              code: "ERR_INVALID_ARG_TYPE"
            }
          }
        }
      ],
      client: [
        { connectionAttempt: { ip: "127.0.0.1", port: "<port:echo>", family: 4 } },
        "connect",
        "ready",
        "finish",
        "end",
        { close: { hadError: false } },
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
            // No remote* here: Node caches the peer's name only when a program has read it while connected.
            address: {}
          }
        }
      ]
    }
  },
  {
    name: "typeOfService option (Node 24.x, >= 25.6)",
    nodeHas: (net) => typeof (net.Socket.prototype as { setTypeOfService?: unknown }).setTypeOfService === "function",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(
        net.connect({ port: peer.port, host: "127.0.0.1", typeOfService: 0x10 } as nodeNet.NetConnectOpts),
        "client"
      )
      await env.once(socket, "connect")
      env.note("get", (socket as unknown as { getTypeOfService(): number }).getTypeOfService())
      await finish(env, socket)
    },
    expected: {
      client: [
        { connectionAttempt: { ip: "127.0.0.1", port: "<port:echo>", family: 4 } },
        "connect",
        "ready",
        "finish",
        "end",
        { close: { hadError: false } },
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
            // No remote* here: Node caches the peer's name only when a program has read it while connected.
            address: {}
          }
        }
      ],
      main: [{ get: 16 }]
    }
  },
  {
    name: "address() before connect, connected, after close",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const socket = env.watch(new net.Socket(), "client")
      env.note("new", socket.address())
      socket.connect(peer.port, "127.0.0.1")
      env.note("connecting", socket.address())
      await env.once(socket, "connect")
      env.note("connected", socket.address())
      await finish(env, socket)
      env.note("closed", socket.address())
    }
  },
  {
    name: "bytesRead and bytesWritten count bytes, not characters",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.write("€€€")
      env.snap(socket, "client", "after write")
      socket.end(Buffer.from([0, 255, 1]))
      await finish(env, socket)
    }
  },
  {
    name: "bufferSize and writableLength while data waits for a slow peer",
    run: async (net, env) => {
      const { socket } = await toSilent(net, env)
      for (let i = 0; i < 8; i++) socket.write(Buffer.alloc(1024 * 1024, 1))
      // How much the kernel took at once is the kernel's business: compare what a program can rely on.
      const sizes = () => ({
        same: socket.bufferSize === socket.writableLength,
        positive: socket.bufferSize > 0,
        atMost: socket.bufferSize <= 8 * 1024 * 1024
      })
      env.note("sizes", sizes())
      await env.once(socket, "drain")
      env.note("sizes on drain", sizes())
      await finish(env, socket)
    }
  },
  {
    name: "readyState through a half-closed life",
    run: async (net, env) => {
      const peer = await env.silentServer("127.0.0.1", false)
      const socket = env.watch(net.connect({ port: peer.port, host: "127.0.0.1", allowHalfOpen: true }), "client")
      env.note("connecting", socket.readyState)
      await env.once(socket, "connect")
      env.note("open", socket.readyState)
      socket.end()
      await env.once(socket, "finish")
      env.note("after finish", socket.readyState)
      const connection = await peer.connection(0)
      connection.socket.end("bye")
      await env.once(socket, "end")
      env.note("after end", socket.readyState)
      await env.closed(socket)
      env.note("closed", socket.readyState)
    }
  },
  {
    name: "onread with a buffer: the callback gets every byte, no 'data' events",
    run: async (net, env) => {
      const peer = await env.echoServer()
      const received: Array<Buffer> = []
      let dataEvents = 0
      const buffer = Buffer.alloc(16)
      const socket = env.watch(
        net.connect({
          port: peer.port,
          host: "127.0.0.1",
          onread: {
            buffer,
            callback: (nread, buf) => {
              received.push(Buffer.from(buf.subarray(0, nread)))
              return true
            }
          }
        }),
        "client"
      )
      socket.on("data", () => dataEvents++)
      socket.end("a longer text than sixteen bytes, to need several reads")
      await env.closed(socket)
      env.note("received", Buffer.concat(received).toString())
      env.note("largest read", Math.max(...received.map((b) => b.length)) <= 16)
      env.note("data events", dataEvents)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "onread with a buffer factory and a callback returning false pauses",
    run: async (net, env) => {
      const peer = await env.echoServer()
      let calls = 0
      const received: Array<Buffer> = []
      const socket = env.watch(
        net.connect({
          port: peer.port,
          host: "127.0.0.1",
          onread: {
            buffer: () => Buffer.alloc(8),
            callback: (nread, buf) => {
              calls++
              received.push(Buffer.from(buf.subarray(0, nread)))
              // Only the first read pauses.
              return calls > 1
            }
          }
        }),
        "client"
      )
      socket.end("0123456789abcdef0123456789")
      await new Promise<void>((resolve) => {
        const check = () => calls > 0 ? resolve() : setImmediate(check)
        check()
      })
      env.note("paused after false", socket.isPaused())
      socket.on("end", () => env.rec.note("client", "received", Buffer.concat(received).toString()))
      socket.resume()
      await env.closed(socket)
    }
  },
  {
    name: "fd option: a FIFO opened read-write loops back",
    run: async (net, env) => {
      const fd = loopbackFd(env)
      const socket = env.watch(new net.Socket({ fd, readable: true, writable: true }), "client")
      env.snap(socket, "client", "new")
      socket.write("through the fifo")
      await env.once(socket, "data")
      socket.destroy()
      await env.closed(socket)
      env.snap(socket, "client", "after close")
    }
  },
  {
    name: "fd option without readable/writable",
    run: async (net, env) => {
      const fd = loopbackFd(env)
      const socket = env.watch(new net.Socket({ fd }), "client")
      env.snap(socket, "client", "new")
      socket.destroy()
      await env.closed(socket)
    }
  },
  {
    name: "fd option with a regular file: ERR_INVALID_FD_TYPE",
    run: async (net, env) => {
      const path = env.tmpPath("file")
      execFileSync("touch", [path])
      const fd = openSync(path, "r")
      const socket = env.attempt("new Socket({ fd })", () => new net.Socket({ fd }), () => "socket")
      socket?.destroy()
      execFileSync("true")
      // The descriptor is not the socket's: close it here (a socket would have closed its own).
      if (socket === undefined) (await import("node:fs")).closeSync(fd)
    }
  },
  {
    name: "paused mode: 'readable' and read()",
    run: async (net, env) => {
      const peer = await env.closingServer("read me")
      const socket = env.watch(net.connect(peer.port, "127.0.0.1"), "client", { data: false })
      const chunks: Array<Buffer> = []
      socket.on("readable", () => {
        let chunk: Buffer | null
        while ((chunk = socket.read() as Buffer | null) !== null) chunks.push(chunk)
      })
      await env.closed(socket)
      env.note("read", Buffer.concat(chunks).toString())
    }
  },
  {
    name: "end() twice and end() after destroy: callbacks",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      socket.end(callback(env, "first end"))
      socket.end(callback(env, "second end"))
      await env.closed(socket)
      socket.end(callback(env, "end after close"))
      await new Promise((resolve) => setImmediate(resolve))
    }
  },
  {
    name: "5 MiB of random bytes through an echo peer arrive intact",
    run: async (net, env) => {
      const { socket } = await connected(net, env)
      const { createHash, randomBytes } = await import("node:crypto")
      const payload = randomBytes(5 * 1024 * 1024)
      const hash = createHash("sha256")
      let received = 0
      socket.removeAllListeners("data")
      socket.on("data", (chunk: Buffer) => {
        hash.update(chunk)
        received += chunk.length
      })
      for (let offset = 0; offset < payload.length; offset += 300_000) {
        socket.write(payload.subarray(offset, offset + 300_000))
      }
      socket.end()
      await env.closed(socket)
      env.note("received", {
        bytes: received,
        intact: hash.digest("hex") === createHash("sha256").update(payload).digest("hex")
      })
      env.snap(socket, "client", "after close")
    }
  }
]
