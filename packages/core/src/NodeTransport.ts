/**
 * The `Transport` backed by the runtime's own sockets. This module is the only one in netfx that
 * imports `node:net`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as net from "node:net"
import * as util from "node:util"
import { ConnectError, ListenError, SocketError } from "./NetError.js"
import * as SocketAddress from "./SocketAddress.js"
import type { Endpoint, Handle, HandleEvents, ListenEndpoint, Listener, ListenerEvents } from "./Transport.js"
import { Transport } from "./Transport.js"

interface NodeError extends Error {
  readonly code?: string
  readonly errno?: number
  readonly syscall?: string
  readonly address?: string
  readonly port?: number
}

const toSocketError = (error: NodeError, syscall = "socket"): SocketError =>
  new SocketError({
    code: error.code ?? "EUNKNOWN",
    syscall: error.syscall ?? syscall,
    cause: error,
    ...(error.errno === undefined ? {} : { errno: error.errno })
  })

const toConnectError = (error: NodeError, endpoint: Endpoint): ConnectError =>
  new ConnectError({
    code: error.code ?? "EUNKNOWN",
    syscall: error.syscall ?? "connect",
    cause: error,
    ...(error.errno === undefined ? {} : { errno: error.errno }),
    ...(endpoint._tag === "Tcp" ? { address: endpoint.address, port: endpoint.port } : { address: endpoint.path })
  })

const socketAddress = (
  address: string | undefined,
  family: string | undefined,
  port: number | undefined
): SocketAddress.SocketAddress | undefined => {
  if (address === undefined || port === undefined) return undefined
  const made = SocketAddress.make({ address, family: family === "IPv6" ? "ipv6" : "ipv4", port })
  return made._tag === "Right" ? made.right : undefined
}

/** What a handle needs of where its socket leads: TCP, or the path of a Unix socket. */
type Peer = { readonly _tag: "Tcp" } | { readonly _tag: "Ipc"; readonly path: string }

const kHandle = Symbol("netfx.handle")
type HandledSocket = net.Socket & { [kHandle]?: NodeHandle }

function onData(this: HandledSocket, chunk: Uint8Array) {
  this[kHandle]!.events!.onData(chunk)
}
function onEnd(this: HandledSocket) {
  this[kHandle]!.events!.onEnd()
}
function onError(this: HandledSocket, error: NodeError) {
  this[kHandle]!.events!.onError(toSocketError(error))
}
function onDrain(this: HandledSocket) {
  this[kHandle]!.events!.onDrain()
}
function onClose(this: HandledSocket) {
  this[kHandle]!.events!.onClose()
}

/**
 * A runtime socket as a `Handle`. A class rather than an object of closures: servers hold
 * thousands of these, and methods on the prototype cost nothing per socket.
 */
class NodeHandle implements Handle {
  constructor(readonly socket: net.Socket, readonly endpoint: Peer) {}

  events: HandleEvents | undefined = undefined

  listen(events: HandleEvents): void {
    const socket = this.socket as HandledSocket
    this.events = events
    socket[kHandle] = this
    // Listeners shared by every socket, which find their handle on the socket: nothing per socket.
    socket.on("data", onData)
    socket.on("end", onEnd)
    socket.on("error", onError)
    socket.on("drain", onDrain)
    socket.on("close", onClose)
    // The socket was paused until now (see `connect`): data starts to flow to the listener.
    socket.resume()
  }
  pause(): void {
    this.socket.pause()
  }
  resume(): void {
    this.socket.resume()
  }
  write(chunk: Uint8Array | string, callback?: (error?: SocketError) => void): boolean {
    const socket = this.socket
    if (callback === undefined) return socket.write(chunk)
    let done = false
    const more = socket.write(chunk, (error?: NodeError | null) => {
      if (done) return
      done = true
      callback(error ? toSocketError(error) : undefined)
    })
    // Handed to the system at once (nothing left queued): say so now, as Node's own socket does,
    // rather than a tick later.
    if (!done && socket.writableLength === 0 && !socket.destroyed) {
      done = true
      callback()
    }
    return more
  }
  end(callback: (error?: SocketError) => void): void {
    if (this.socket.writableFinished) return callback()
    this.socket.end(() => callback())
  }
  destroy(): void {
    this.socket.destroy()
  }
  reset(): void {
    const socket = this.socket
    // resetAndDestroy fails (EINVAL) while an end() is still being flushed, and the socket then
    // never closes; a plain destroy is all that is left to do there.
    if (this.endpoint._tag === "Tcp" && !socket.destroyed && !(socket.writableEnded && !socket.writableFinished)) {
      socket.resetAndDestroy()
    } else {
      socket.destroy()
    }
  }
  setNoDelay(noDelay: boolean): void {
    this.socket.setNoDelay(noDelay)
  }
  ref(): void {
    this.socket.ref()
  }
  unref(): void {
    this.socket.unref()
  }
  setKeepAlive(enable: boolean, initialDelay: number): void {
    this.socket.setKeepAlive(enable, initialDelay)
  }
  setTypeOfService(tos: number): Effect.Effect<void, SocketError> {
    const socket = this.socket
    return Effect.try({
      // socket.setTypeOfService arrived in Node 24.6; older runtimes have no way to set IP_TOS.
      try: () => {
        const set = (socket as unknown as { setTypeOfService?: (tos: number) => void }).setTypeOfService
        if (typeof set !== "function") {
          throw Object.assign(new Error("setTypeOfService"), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" })
        }
        set.call(socket, tos)
      },
      catch: (error) => toSocketError({ ...(error as NodeError), syscall: "setsockopt" })
    })
  }
  bytesRead(): number {
    return this.socket.bytesRead
  }
  bytesWritten(): number {
    return this.socket.bytesWritten
  }
  bufferSize(): number {
    return this.socket.writableLength
  }
  localAddress(): SocketAddress.SocketAddress | string | undefined {
    const socket = this.socket
    return this.endpoint._tag === "Ipc"
      ? this.endpoint.path
      : socketAddress(socket.localAddress, socket.localFamily, socket.localPort)
  }
  remoteAddress(): SocketAddress.SocketAddress | string | undefined {
    const socket = this.socket
    return this.endpoint._tag === "Ipc"
      ? this.endpoint.path
      : socketAddress(socket.remoteAddress, socket.remoteFamily, socket.remotePort)
  }
  detach(): unknown {
    const socket = this.socket as net.Socket & { _handle?: { readStart?: unknown } | null }
    const handle = socket._handle
    // Node's and Deno's stream handles (libuv-style: readStart, writeBuffer, close); Bun's socket
    // keeps a handle of another kind, which nothing else could drive.
    if (this.events !== undefined || handle == null || typeof handle.readStart !== "function") return undefined
    socket._handle = null
    // The runtime socket, now without a handle, closes without touching the OS socket (and a
    // server's count of its connections goes down as for any closed socket).
    socket.destroy()
    return handle
  }
}

const makeHandle = (socket: net.Socket, endpoint: Peer): Handle => new NodeHandle(socket, endpoint)

const connect = (endpoint: Endpoint) =>
  Effect.acquireRelease(
    // allowHalfOpen: the Connection decides what a peer's FIN does to our side.
    Effect.sync(() => new net.Socket({ allowHalfOpen: true })),
    (socket) => Effect.sync(() => socket.destroy())
  ).pipe(
    Effect.flatMap((socket) =>
      Effect.async<Handle, ConnectError>((resume) => {
        const onError = (error: NodeError) => {
          socket.off("connect", onConnect)
          resume(Effect.fail(toConnectError(error, endpoint)))
        }
        const onConnect = () => {
          socket.off("error", onError)
          resume(Effect.succeed(makeHandle(socket, endpoint)))
        }
        socket.once("error", onError)
        socket.once("connect", onConnect)
        // Reads wait for the Connection's consumer: nothing flows before `listen`.
        socket.pause()
        if (endpoint._tag === "Ipc") {
          socket.connect({ path: endpoint.path })
        } else {
          socket.connect({
            host: endpoint.address,
            port: endpoint.port,
            family: endpoint.family,
            autoSelectFamily: false,
            ...(endpoint.localAddress === undefined ? {} : { localAddress: endpoint.localAddress }),
            ...(endpoint.localPort === undefined ? {} : { localPort: endpoint.localPort })
          })
        }
        // Interrupted while connecting: abandon the attempt and close its socket now.
        return Effect.sync(() => socket.destroy())
      })
    )
  )

// `reusePort` arrived in Node 22.12 and 23.1; older runtimes ignore the option silently.
const reusePortSupported = (() => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)
})()

const toListenError = (error: NodeError, endpoint: ListenEndpoint): ListenError =>
  new ListenError({
    code: error.code ?? "EUNKNOWN",
    syscall: error.syscall ?? "listen",
    cause: error,
    ...(error.errno === undefined ? {} : { errno: error.errno }),
    ...(error.errno === undefined ? {} : { description: util.getSystemErrorMap().get(error.errno)?.[1] }),
    ...(endpoint._tag === "Tcp"
      ? { address: error.address ?? endpoint.host ?? "::", port: error.port ?? endpoint.port }
      : endpoint._tag === "Ipc"
      ? { address: endpoint.path }
      : {})
  })

const listen = (endpoint: ListenEndpoint) =>
  Effect.gen(function*() {
    if (endpoint._tag === "Tcp" && endpoint.reusePort && !reusePortSupported) {
      return yield* new ListenError({
        code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
        syscall: "listen",
        description: `reusePort needs Node.js 22.12 or later (this is ${process.version})`,
        ...(endpoint.host === undefined ? {} : { address: endpoint.host }),
        port: endpoint.port
      })
    }
    const peer: Peer = endpoint._tag === "Ipc" ? { _tag: "Ipc", path: endpoint.path } : { _tag: "Tcp" }
    return yield* Effect.acquireRelease(
      Effect.suspend(() => {
        // allowHalfOpen and pauseOnConnect: each Connection decides what a FIN does, and reads only
        // once its consumer is there.
        const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true })
        if (endpoint._tag === "Fd") {
          server.listen({ fd: endpoint.fd, backlog: endpoint.backlog })
        } else if (endpoint._tag === "Ipc") {
          server.listen({
            path: endpoint.path,
            backlog: endpoint.backlog,
            readableAll: endpoint.readableAll,
            writableAll: endpoint.writableAll
          })
        } else {
          server.listen({
            port: endpoint.port,
            backlog: endpoint.backlog,
            ipv6Only: endpoint.ipv6Only,
            exclusive: endpoint.exclusive,
            ...(endpoint.host === undefined ? {} : { host: endpoint.host }),
            ...(endpoint.reusePort ? { reusePort: true } : {})
          })
        }
        // Node binds at once unless the host needs a lookup: the listener is ready now ('listening'
        // only follows on the next tick), so a caller can read the bound port synchronously.
        if (server.listening) return Effect.succeed(server)
        return Effect.async<net.Server, ListenError>((resume) => {
          const onError = (error: NodeError) => {
            server.off("listening", onListening)
            resume(Effect.fail(toListenError(error, endpoint)))
          }
          const onListening = () => {
            server.off("error", onError)
            resume(Effect.succeed(server))
          }
          server.once("error", onError)
          server.once("listening", onListening)
          return Effect.sync(() => server.close())
        })
      }),
      (server) => Effect.sync(() => server.close())
    ).pipe(Effect.map((server): Listener => {
      let current: ListenerEvents | undefined
      const bound = server.address()
      return {
        address: typeof bound === "string" || bound === null || bound.address === undefined
          ? (endpoint._tag === "Ipc" ? endpoint.path : "")
          : socketAddress(bound.address, bound.family, bound.port) ?? "",
        listen: (events) => {
          // A later call takes the listener over (Node's `listen(handle)`): events go to the newest.
          const first = current === undefined
          current = events
          if (!first) return
          server.on("connection", (socket: net.Socket) => current!.onConnection(makeHandle(socket, peer)))
          server.on("error", (error: NodeError) => current!.onError(toSocketError({ ...error, syscall: "accept" })))
        },
        close: () => {
          if (server.listening) server.close()
        },
        ref: () => server.ref(),
        unref: () => server.unref()
      }
    }))
  })

const open = (fd: number, options: { readonly readable: boolean; readonly writable: boolean }) =>
  Effect.acquireRelease(
    Effect.try({
      // Node checks the descriptor's kind (ERR_INVALID_FD_TYPE) and opens it synchronously.
      try: () => new net.Socket({ fd, readable: options.readable, writable: options.writable, allowHalfOpen: true }),
      catch: (error) => toSocketError(error as NodeError, "open")
    }),
    (socket) => Effect.sync(() => socket.destroy())
  ).pipe(Effect.map((socket) => {
    // Reads wait for `listen`, as for a connected socket.
    socket.pause()
    const peer: Peer = socket.localFamily === undefined ? { _tag: "Ipc", path: "" } : { _tag: "Tcp" }
    return makeHandle(socket, peer)
  }))

/**
 * The runtime's sockets as a `Transport`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, Transport.of({ connect, listen, open }))
