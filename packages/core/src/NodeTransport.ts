/**
 * The `Transport` backed by the runtime's own sockets. This module is the only one in netfx that
 * imports `node:net` and `node:tls`.
 *
 * @since 0.1.0
 */

import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as crypto from "node:crypto"
import * as net from "node:net"
import * as tls from "node:tls"
import * as util from "node:util"
import { counting, sessionKey } from "./internal/tls.js"
import { ListenError, SocketError, TlsError, tlsReasonOf } from "./NetError.js"
import * as SocketAddress from "./SocketAddress.js"
import type * as Tls from "./Tls.js"
import type {
  ConnectCallbacks,
  Endpoint,
  Handle,
  HandleEvents,
  ListenEndpoint,
  Listener,
  ListenerEvents,
  PendingConnect,
  PendingTls,
  TlsCallbacks,
  TlsHandshake
} from "./Transport.js"
import { Transport } from "./Transport.js"

interface NodeError extends Error {
  readonly code?: string
  readonly errno?: number
  readonly syscall?: string
  readonly address?: string
  readonly port?: number
}

/**
 * A system error's number as libuv and Node give it, negative, whichever runtime reported it (Bun's
 * node:net gives the positive errno, 98 for `EADDRINUSE`).
 */
const uvErrno = (errno: number | undefined): number | undefined =>
  typeof errno === "number" && Number.isInteger(errno) ? -Math.abs(errno) : undefined

const toSocketError = (error: NodeError, syscall = "socket"): SocketError => {
  const errno = uvErrno(error.errno)
  return new SocketError({
    code: error.code ?? "EUNKNOWN",
    syscall: error.syscall ?? syscall,
    cause: error,
    ...(errno === undefined ? {} : { errno })
  })
}

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
const kReleased = Symbol("netfx.released")
const kConnecting = Symbol("netfx.connecting")
const kCarrier = Symbol("netfx.carrier")
type HandledSocket = net.Socket & {
  [kHandle]?: NodeHandle
  [kConnecting]?: Connecting | undefined
  /** Set on the sockets `connect` makes: once their handle is detached, they can connect again. */
  [kCarrier]?: boolean
  /** Detached while it told its 'connect' (see `onConnected`). */
  [kReleased]?: boolean
}

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
class NodeHandle implements Handle, PendingConnect {
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
    // The socket was paused until now (see `connect`): data starts to flow to the listener, unless
    // the consumer pauses at once (a server's pauseOnConnect). The resume waits for that: Bun's
    // socket reads from the kernel on resume() itself, where Node's only on its next tick.
    queueMicrotask(() => {
      if (!this.paused) socket.resume()
    })
  }
  /** Whether the consumer paused reading (and has not resumed since). */
  paused = false
  pause(): void {
    this.paused = true
    this.socket.pause()
  }
  resume(): void {
    this.paused = false
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
  /** Set once `detach` gave the runtime handle away: the socket may connect another attempt since. */
  detached = false
  destroy(): void {
    if (!this.detached) this.socket.destroy()
  }
  reset(): void {
    if (this.detached) return
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
  getTypeOfService(): Effect.Effect<number, SocketError> {
    const socket = this.socket
    return Effect.try({
      // What the kernel applied (it masks the ECN bits), as socket.getTypeOfService reads it (Node 24.6+).
      try: () => {
        const get = (socket as unknown as { getTypeOfService?: () => number }).getTypeOfService
        if (typeof get !== "function") {
          throw Object.assign(new Error("getTypeOfService"), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" })
        }
        return get.call(socket)
      },
      catch: (error) => toSocketError({ ...(error as NodeError), syscall: "getsockopt" })
    })
  }
  /** An attempt in progress abandoned: its socket is closed. */
  cancel(): void {
    if (!this.detached) this.socket.destroy()
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
    this.detached = true
    release(socket)
    return handle
  }
}

const tcpPeer: Peer = { _tag: "Tcp" }

/**
 * A connected stream handle of the runtime's own, as its server accepts it (libuv's `TCP` or
 * `Pipe` wrap): what `Handle.detach` gives away, and what a `node:net` socket can take over.
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeStreamHandle {
  /** Fills `out` with the local address; 0, or a negative errno. Absent on a Unix socket's handle. */
  readonly getsockname?: (out: { address?: string; family?: string; port?: number }) => number
  /** Fills `out` with the peer's address; 0, or a negative errno (`ENOTCONN` once the peer reset). */
  readonly getpeername?: (out: { address?: string; family?: string; port?: number }) => number
  /** Closes the handle, and with it the connection. */
  readonly close: (callback?: () => void) => void
}

/**
 * A listening handle of the runtime's own (libuv's `TCP` or `Pipe` wrap): what a `node:net` server
 * keeps in `_handle`, and what `unsafeListenOn` takes over.
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeListenHandle {
  /** Called by the runtime for each accept: status 0 and the accepted handle, or a negative errno. */
  onconnection: ((status: number, client: RuntimeStreamHandle | undefined) => void) | null
  /** Starts (or keeps) listening with this backlog; 0, or a negative errno. */
  readonly listen: (backlog: number) => number
  /** Fills `out` with the address listened on; 0, or a negative errno. Absent on a Unix socket's. */
  readonly getsockname?: (out: { address?: string; family?: string; port?: number }) => number
  /** Stops listening and closes the handle. */
  readonly close: (callback?: () => void) => void
  /** Keeps the process alive while the handle is open (the default). */
  readonly ref?: () => void
  /** Lets the process exit while the handle is open. */
  readonly unref?: () => void
}

/**
 * Whether `u` is a listening handle of the runtime's own (`RuntimeListenHandle`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isRuntimeListenHandle = (u: unknown): u is RuntimeListenHandle =>
  typeof u === "object" && u !== null && "onconnection" in u &&
  typeof (u as RuntimeListenHandle).listen === "function" && typeof (u as RuntimeListenHandle).close === "function"

/**
 * Whether a `net.Server`'s listening handle can be given an `onconnection` of ours: Node's can;
 * Bun's server has no such handle, and Deno's emulation is left to its own `onconnection`.
 */
const hasRuntimeServerHandles = typeof process.versions.bun !== "string" &&
  (globalThis as { readonly Deno?: unknown }).Deno === undefined

const runtimeAddress = (
  handle: Pick<RuntimeStreamHandle, "getsockname" | "getpeername">,
  read: "getsockname" | "getpeername"
): SocketAddress.SocketAddress | undefined => {
  const out: { address?: string; family?: string; port?: number } = {}
  const call = handle[read]
  return typeof call === "function" && call.call(handle, out) === 0
    ? socketAddress(out.address, out.family, out.port)
    : undefined
}

/**
 * A connection Node's server accepted, for a consumer that takes its runtime handle at once
 * (`ListenerEvents.detachesAtAccept`): no `net.Socket` is made for it, unless something besides
 * `detach`, `destroy` and the addresses is asked of it, and then one is made as Node's server
 * makes it.
 */
class AcceptedHandle implements Handle {
  /** The runtime handle, until it is detached or closed. */
  private client: RuntimeStreamHandle | undefined
  private made: NodeHandle | undefined = undefined

  constructor(client: RuntimeStreamHandle, private readonly endpoint: Peer) {
    this.client = client
  }

  private get node(): NodeHandle {
    if (this.made === undefined) {
      const client = this.client
      this.client = undefined
      const socket = new net.Socket(
        { handle: client, allowHalfOpen: true, pauseOnCreate: true, readable: true, writable: true } as
          & net.SocketConstructorOpts
          & { readonly pauseOnCreate: boolean }
      )
      this.made = new NodeHandle(socket, this.endpoint)
    }
    return this.made
  }

  detach(): unknown {
    if (this.made !== undefined) return this.made.detach()
    const client = this.client
    this.client = undefined
    return client
  }
  destroy(): void {
    if (this.made !== undefined) return this.made.destroy()
    this.client?.close()
    this.client = undefined
  }
  localAddress(): SocketAddress.SocketAddress | string | undefined {
    if (this.made !== undefined || this.client === undefined) return this.made?.localAddress()
    return this.endpoint._tag === "Ipc" ? this.endpoint.path : runtimeAddress(this.client, "getsockname")
  }
  remoteAddress(): SocketAddress.SocketAddress | string | undefined {
    if (this.made !== undefined || this.client === undefined) return this.made?.remoteAddress()
    return this.endpoint._tag === "Ipc" ? this.endpoint.path : runtimeAddress(this.client, "getpeername")
  }
  listen(events: HandleEvents): void {
    this.node.listen(events)
  }
  pause(): void {
    this.node.pause()
  }
  resume(): void {
    this.node.resume()
  }
  write(chunk: Uint8Array | string, callback?: (error?: SocketError) => void): boolean {
    return this.node.write(chunk, callback)
  }
  end(callback: (error?: SocketError) => void): void {
    this.node.end(callback)
  }
  reset(): void {
    this.node.reset()
  }
  setNoDelay(noDelay: boolean): void {
    this.node.setNoDelay(noDelay)
  }
  ref(): void {
    this.node.ref()
  }
  unref(): void {
    this.node.unref()
  }
  setKeepAlive(enable: boolean, initialDelay: number): void {
    this.node.setKeepAlive(enable, initialDelay)
  }
  setTypeOfService(tos: number): Effect.Effect<void, SocketError> {
    return this.node.setTypeOfService(tos)
  }
  getTypeOfService(): Effect.Effect<number, SocketError> {
    return this.node.getTypeOfService()
  }
  bytesRead(): number {
    return this.node.bytesRead()
  }
  bytesWritten(): number {
    return this.node.bytesWritten()
  }
  bufferSize(): number {
    return this.node.bufferSize()
  }
}

const makeHandle = (socket: net.Socket, endpoint: Peer): Handle => new NodeHandle(socket, endpoint)

/** A runtime status (a negative errno) as a `SocketError` of `syscall`; anything else is `EINVAL`. */
const statusError = (status: number, syscall: string): SocketError => {
  const code = Number.isInteger(status) && status < 0 ? util.getSystemErrorName(status) : "EINVAL"
  return toSocketError({ name: "Error", message: code, code, errno: status }, syscall)
}

/**
 * Gives the connections `server` accepts to whoever `events()` names, each as an `AcceptedHandle`,
 * as the runtime accepts them; with no one to take them yet, they are closed.
 */
const acceptInto = (server: RuntimeListenHandle, peer: Peer, events: () => ListenerEvents | undefined): void => {
  server.onconnection = (status, client) => {
    const current = events()
    if (status < 0) return current?.onError(statusError(status, "accept"))
    if (client === undefined) return
    if (current === undefined) return client.close()
    current.onConnection(new AcceptedHandle(client, peer))
  }
}

/**
 * Listens on a listening handle of the runtime's own, taking it over as `node:net`'s
 * `server.listen(handle)` does (lib/net.js `setupListenHandle`): what it accepts arrives as
 * `Handle`s made without a `net.Socket` (each makes one only when more than `detach`, `destroy`
 * and the addresses is asked of it). The returned `Listener` is not owned by any scope: its
 * `close` closes the handle. Fails with the runtime's error (`EBADF`, `EINVAL`, ...) when the
 * handle cannot listen. For adapters such as `@netfx/compat`'s `server.listen(handle)`. Node only:
 * elsewhere it fails with `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` (Bun's servers have no such handle,
 * and Deno's tells of a connection without giving it).
 *
 * @example
 * import { NodeTransport } from "@netfx/core"
 * import * as net from "node:net"
 *
 * // A node:net server's listening handle, taken over: its connections arrive as netfx handles.
 * const runtime = net.createServer().listen(0, "127.0.0.1", () => {
 *   const handle: unknown = (runtime as unknown as { _handle: unknown })._handle
 *   if (!NodeTransport.isRuntimeListenHandle(handle)) return
 *   const listener = NodeTransport.unsafeListenOn(handle, 511)
 *   if (listener instanceof Error) throw listener
 *   listener.listen({
 *     onConnection: (accepted) => {
 *       accepted.write("hello\n")
 *       accepted.end(() => {
 *         accepted.destroy()
 *         listener.close()
 *       })
 *     },
 *     onError: (error) => console.error(error)
 *   })
 *   const { port } = runtime.address() as net.AddressInfo
 *   net.connect(port, "127.0.0.1").on("data", (data) => console.log(String(data)))
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsafeListenOn = (handle: RuntimeListenHandle, backlog: number): Listener | SocketError => {
  if (!hasRuntimeServerHandles) {
    // Bun's servers have no such handle; Deno's calls `onconnection(0)` without the accepted handle
    // (its own server takes connections another way), so nothing taken over would ever arrive.
    const unavailable = new Error("Taking a listening handle over is unavailable on this runtime")
    return toSocketError(Object.assign(unavailable, { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" }), "listen")
  }
  const bound = runtimeAddress(handle, "getsockname")
  // A Unix socket's handle has no name to read back: it is known by its path, which is not read
  // back either (Node's `server.address()` is then the empty string).
  const peer: Peer = bound === undefined ? { _tag: "Ipc", path: "" } : tcpPeer
  let current: ListenerEvents | undefined
  acceptInto(handle, peer, () => current)
  let status: number
  try {
    status = handle.listen(backlog)
  } catch (error) {
    return toSocketError(error as NodeError, "listen")
  }
  if (status !== 0) return statusError(status, "listen")
  return {
    address: bound ?? "",
    listen: (events) => {
      current = events
    },
    close: () => handle.close(),
    ref: () => handle.ref?.(),
    unref: () => handle.unref?.()
  }
}

/**
 * Sockets that connected an attempt and gave their handle away (`detach`), kept to connect the
 * next attempts: a socket costs more to make (its stream states, its listeners) and to close than
 * to connect again, and an adapter that takes every handle over (`@netfx/compat`) would otherwise
 * make and close one per connect. At most `MAX_IDLE_CARRIERS`; the rest are closed.
 */
const idleCarriers: Array<HandledSocket> = []
const MAX_IDLE_CARRIERS = 64
/** The socket whose 'connect' is being told (see `onConnected`). */
let announcing: HandledSocket | undefined = undefined

/**
 * A socket whose handle was detached: kept to connect again when it is a carrier `connect` made
 * (accepted sockets are a server's, which counts them until they close), closed otherwise. The
 * runtime socket, without a handle, closes without touching the OS socket.
 */
const release = (socket: HandledSocket): void => {
  if (socket[kCarrier] !== true || socket.destroyed || idleCarriers.length >= MAX_IDLE_CARRIERS) {
    socket.destroy()
  } else if (socket === announcing) {
    // The runtime is still in its own 'connect' code for this socket: kept once that is over.
    socket[kReleased] = true
  } else {
    idleCarriers.push(socket)
  }
}

/** Waits for a connecting socket's outcome: a handle for the caller, or the attempt's error. */
class Connecting {
  constructor(readonly handle: NodeHandle, readonly callbacks: ConnectCallbacks) {}
}

function onConnectingError(this: HandledSocket, error: NodeError) {
  const connecting = this[kConnecting]!
  this[kConnecting] = undefined
  this.off("connect", onConnected)
  connecting.handle.socket.destroy()
  connecting.callbacks.onError(toSocketError(error, "connect"))
}

function onConnected(this: HandledSocket) {
  const connecting = this[kConnecting]!
  this[kConnecting] = undefined
  this.off("error", onConnectingError)
  const outer = announcing
  announcing = connecting.handle.socket
  try {
    connecting.callbacks.onConnect(connecting.handle)
  } finally {
    announcing = outer
  }
  if (this[kReleased] === true) {
    this[kReleased] = false
    release(this)
  }
}

const connect = (endpoint: Endpoint, callbacks: ConnectCallbacks): PendingConnect => {
  let socket = idleCarriers.pop()
  if (socket === undefined) {
    // allowHalfOpen: the Connection decides what a peer's FIN does to our side.
    socket = new net.Socket({ allowHalfOpen: true }) as HandledSocket
    socket[kCarrier] = true
    // Reads wait for the Connection's consumer: nothing flows before `listen`.
    socket.pause()
  } else {
    // Connected before, and still paused: only the peer's name it may have cached goes.
    ;(socket as unknown as { _peername: unknown })._peername = null
  }
  const handle = new NodeHandle(socket, endpoint._tag === "Ipc" ? { _tag: "Ipc", path: endpoint.path } : tcpPeer)
  socket[kConnecting] = new Connecting(handle, callbacks)
  // Listeners shared by every socket, which find their attempt on the socket.
  socket.once("error", onConnectingError)
  socket.once("connect", onConnected)
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
  return handle
}

// `reusePort` arrived in Node 22.12 and 23.1; older runtimes ignore the option silently.
const reusePortSupported = (() => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)
})()

const toListenError = (error: NodeError, endpoint: ListenEndpoint): ListenError => {
  const errno = uvErrno(error.errno)
  return new ListenError({
    code: error.code ?? "EUNKNOWN",
    syscall: error.syscall ?? "listen",
    cause: error,
    ...(errno === undefined ? {} : { errno }),
    ...(errno === undefined ? {} : { description: util.getSystemErrorMap().get(errno)?.[1] }),
    ...(endpoint._tag === "Tcp"
      ? { address: error.address ?? endpoint.host ?? "::", port: error.port ?? endpoint.port }
      : endpoint._tag === "Ipc"
      ? { address: endpoint.path }
      : {})
  })
}

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
    const peer: Peer = endpoint._tag === "Ipc" ? { _tag: "Ipc", path: endpoint.path } : tcpPeer
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
          server.on("error", (error: NodeError) => current!.onError(toSocketError({ ...error, syscall: "accept" })))
          const runtimeServer = (server as unknown as { readonly _handle?: unknown })._handle
          if (events.detachesAtAccept === true && hasRuntimeServerHandles && isRuntimeListenHandle(runtimeServer)) {
            // Node's own `onconnection` (lib/net.js) makes a net.Socket per connection and emits
            // 'connection'; this one hands the accepted handle on as it is. Node's server has no
            // limit or block list of its own here to apply (the consumer has them).
            acceptInto(runtimeServer, peer, () => current)
            return
          }
          server.on("connection", (socket: net.Socket) => {
            // The peer's address, read now and kept by the socket: once the peer resets the
            // connection the socket can no longer tell it, and a server reports it with every
            // failure (getpeername costs one system call).
            if (peer._tag === "Tcp" && current!.peerAtAccept !== false) void socket.remoteAddress
            current!.onConnection(makeHandle(socket, peer))
          })
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

// TLS: a connected socket taken over by `node:tls`. Nothing here runs for a plain socket.

const kTls = Symbol("netfx.tls")
type TlsSocket = HandledSocket & { [kTls]?: StartingTls | undefined }

/** The `_parent` of a TLS socket that wraps a `net.Socket`: the socket it took over. */
const parentOf = (socket: tls.TLSSocket): TlsSocket | undefined =>
  (socket as unknown as { readonly _parent?: TlsSocket | null })._parent ?? undefined

const ignore = () => {}

/** A TLS socket as a `Handle`: a `NodeHandle` whose counts go on from the plain socket's. */
class NodeTlsHandle extends NodeHandle {
  /** An error between the handshake and `listen`, given to the listener then. */
  early: NodeError | undefined = undefined

  constructor(
    socket: tls.TLSSocket,
    endpoint: Peer,
    readonly tls: Tls.Session,
    private readonly raw: net.Socket,
    private readonly readBase: number,
    private readonly writtenBase: number
  ) {
    super(socket, endpoint)
    socket.on("error", this.onEarlyError)
  }

  private readonly onEarlyError = (error: NodeError) => {
    this.early ??= error
  }

  /** Cleartext bytes delivered: a TLS socket's own `bytesRead` does not count them all. */
  private read = 0

  override listen(events: HandleEvents): void {
    this.socket.off("error", this.onEarlyError)
    super.listen(counting(events, (bytes) => {
      this.read += bytes
    }))
    if (this.early !== undefined) events.onError(toSocketError(this.early))
  }
  override bytesRead(): number {
    return this.readBase + this.read
  }
  override bytesWritten(): number {
    return this.writtenBase + this.socket.bytesWritten
  }
  override reset(): void {
    // A TLS socket has no TCP handle of its own to reset (ERR_INVALID_HANDLE_TYPE): the socket it
    // wraps has, and resetting it closes the TLS socket too.
    const raw = this.raw
    const socket = this.socket
    if (this.endpoint._tag === "Tcp" && !raw.destroyed && !(socket.writableEnded && !socket.writableFinished)) {
      raw.resetAndDestroy()
    } else {
      socket.destroy()
    }
  }
}

const keyMaterial = (pem: Tls.Pem | ReadonlyArray<Tls.Pem> | undefined) =>
  pem === undefined ? undefined : Array.isArray(pem) ? pem.slice() as Array<string | Buffer> : pem as string | Buffer

const contextOptions = (
  options: Tls.ClientOptions | Tls.ServerOptions
): tls.SecureContextOptions => ({
  ...(options.ca === undefined ? {} : { ca: keyMaterial(options.ca) }),
  ...(options.cert === undefined ? {} : { cert: keyMaterial(options.cert) }),
  ...(options.key === undefined ? {} : { key: keyMaterial(options.key) }),
  ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  ...(options.minVersion === undefined ? {} : { minVersion: options.minVersion }),
  ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
  ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers })
})

const pems = (pem: Tls.Pem | ReadonlyArray<Tls.Pem> | undefined): ReadonlyArray<Tls.Pem> =>
  pem === undefined ? [] : Array.isArray(pem) ? pem : [pem as Tls.Pem]

/**
 * Parses certificates and keys with node:crypto, and checks that a lone certificate is its key's:
 * Node's `createSecureContext` does so, Deno's takes any text and fails only at the handshake, so
 * netfx checks them itself and refuses bad key material on every runtime before anything is dialled.
 */
const checkKeyMaterial = (identity: {
  readonly cert?: Tls.Pem | ReadonlyArray<Tls.Pem> | undefined
  readonly key?: Tls.Pem | ReadonlyArray<Tls.Pem> | undefined
  readonly passphrase?: string | undefined
}): void => {
  const certs = pems(identity.cert).map((pem) => new crypto.X509Certificate(pem))
  const keys = pems(identity.key).map((pem) =>
    crypto.createPrivateKey({
      key: typeof pem === "string" ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength),
      ...(identity.passphrase === undefined ? {} : { passphrase: identity.passphrase })
    })
  )
  if (certs.length === 1 && keys.length === 1 && !certs[0]!.checkPrivateKey(keys[0]!)) {
    throw new Error("the key is not the certificate's (key values mismatch)")
  }
}

// A secure context costs the parsing of every key and certificate (and of the CA list): one per
// options object, not one per connection as `tls.connect` without `secureContext` makes.
const clientContexts = new WeakMap<Tls.ClientOptions, tls.SecureContext>()
const clientContext = (options: Tls.ClientOptions): tls.SecureContext => {
  let context = clientContexts.get(options)
  if (context === undefined) {
    context = tls.createSecureContext(contextOptions(options))
    checkKeyMaterial(options)
    clientContexts.set(options, context)
  }
  return context
}

function onServerSecure(this: tls.Server, socket: tls.TLSSocket) {
  const raw = parentOf(socket)
  const starting = raw?.[kTls]
  if (raw === undefined || starting === undefined) {
    socket.destroy()
    return
  }
  raw[kTls] = undefined
  starting.secured(socket)
}

function onServerTlsError(this: tls.Server, error: NodeError, socket: tls.TLSSocket) {
  const raw = parentOf(socket)
  const starting = raw?.[kTls]
  if (raw === undefined || starting === undefined) return
  raw[kTls] = undefined
  // A client certificate that does not verify: Node closes the socket after the handshake, and
  // reports the close (ECONNRESET); what was wrong is the socket's authorizationError.
  const refused = (socket as { authorizationError?: unknown }).authorizationError
  starting.failed(
    refused !== undefined && refused !== null && error.code === "ECONNRESET"
      ? { code: String(refused), description: `client certificate refused: ${String(refused)}`, cause: error }
      : failureOf(error)
  )
}

// A `tls.Server` that never listens, to run the server side of handshakes (`emit("connection")`,
// as Node's documentation shows): its SNI contexts, ALPN, client certificates, session tickets. One
// per options object. Its handshake timeout is off: netfx times handshakes on Effect's Clock.
const tlsServers = new WeakMap<Tls.ServerOptions, tls.Server>()
const serverFor = (options: Tls.ServerOptions): tls.Server => {
  let server = tlsServers.get(options)
  if (server === undefined) {
    server = tls.createServer({
      ...contextOptions(options),
      allowHalfOpen: true,
      handshakeTimeout: 0,
      requestCert: options.requestCert ?? false,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: options.alpnProtocols.slice() })
    })
    for (const [name, identity] of Object.entries(options.sni ?? {})) {
      server.addContext(name, {
        cert: keyMaterial(identity.cert),
        key: keyMaterial(identity.key),
        ...(identity.passphrase === undefined ? {} : { passphrase: identity.passphrase })
      })
    }
    checkKeyMaterial(options)
    for (const identity of Object.values(options.sni ?? {})) checkKeyMaterial(identity)
    server.on("secureConnection", onServerSecure)
    server.on("tlsClientError", onServerTlsError)
    tlsServers.set(options, server)
  }
  return server
}

const prepareTls = (
  prepared: { readonly _tag: "Client"; readonly options: Tls.ClientOptions } | {
    readonly _tag: "Server"
    readonly options: Tls.ServerOptions
  }
): string | undefined => {
  try {
    if (prepared._tag === "Client") clientContext(prepared.options)
    else serverFor(prepared.options)
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

const names = (fields: tls.Certificate | undefined): Record<string, string | ReadonlyArray<string>> => {
  const out: Record<string, string | ReadonlyArray<string>> = {}
  for (const [name, value] of Object.entries(fields ?? {})) if (value !== undefined) out[name] = value
  return out
}

const certificateOf = (cert: tls.PeerCertificate | undefined): Tls.Certificate | undefined =>
  cert === undefined || cert === null || cert.raw === undefined ? undefined : {
    subject: names(cert.subject),
    issuer: names(cert.issuer),
    subjectAltName: cert.subjectaltname,
    validFrom: new Date(cert.valid_from),
    validTo: new Date(cert.valid_to),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    raw: new Uint8Array(cert.raw)
  }

const sessionOf = (socket: tls.TLSSocket, servername: string | undefined): Tls.Session => {
  const cipher = socket.getCipher()
  const refused = (socket as { authorizationError?: unknown }).authorizationError
  return {
    protocol: socket.getProtocol() ?? "unknown",
    cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
    alpnProtocol: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : undefined,
    servername,
    peerCertificate: certificateOf(socket.getPeerCertificate()),
    authorized: socket.authorized,
    authorizationError: refused === undefined || refused === null ? undefined : String(refused),
    resumed: socket.isSessionReused()
  }
}

/** A TLS failure as the transport reports it; `Handshake` adds the peer. */
interface Failure {
  readonly reason?: Tls.TlsError["reason"] | undefined
  readonly code: string
  readonly description: string
  readonly cause: unknown
}

const kIdentity = Symbol("netfx.identity")

const failureOf = (error: NodeError & { readonly reason?: string; readonly library?: string }): Failure => ({
  // A refusal of the user's `checkServerIdentity` is a certificate's, whatever its code.
  reason: kIdentity in error ? "Certificate" : undefined,
  code: error.code ?? "ERR_TLS_HANDSHAKE",
  // OpenSSL's errors carry a short reason ("sslv3 alert handshake failure") beside a long message.
  description: error.library !== undefined && error.reason !== undefined ? error.reason : error.message.trim(),
  cause: error
})

/** One handshake over a socket taken from a `NodeHandle`. */
class StartingTls implements PendingTls {
  private settled = false
  private socket: tls.TLSSocket | undefined = undefined

  constructor(
    private readonly raw: TlsSocket,
    private readonly peer: Peer,
    private readonly handshake: TlsHandshake,
    private readonly callbacks: TlsCallbacks,
    private readonly readBase: number,
    private readonly writtenBase: number
  ) {}

  begin(): void {
    if (this.settled) return
    const raw = this.raw
    const handshake = this.handshake
    if (handshake._tag === "Server") {
      raw[kTls] = this
      try {
        serverFor(handshake.options).emit("connection", raw)
      } catch (error) {
        raw[kTls] = undefined
        this.failed(failureOf(error as NodeError))
      }
      return
    }
    const options = handshake.options
    const cache = options.sessionCache
    const key = cache === undefined ? "" : sessionKey(handshake)
    const ticket = options.session ?? cache?.get(key)
    const check = options.checkServerIdentity
    let socket: tls.TLSSocket
    try {
      socket = tls.connect({
        socket: raw,
        // What Node checks the certificate against when no server name is sent.
        host: handshake.host,
        ...(handshake.servername === undefined ? {} : { servername: handshake.servername }),
        secureContext: clientContext(options),
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        ...(options.alpnProtocols === undefined ? {} : { ALPNProtocols: options.alpnProtocols.slice() }),
        ...(ticket === undefined ? {} : { session: Buffer.from(ticket.buffer, ticket.byteOffset, ticket.byteLength) }),
        ...(check === undefined ? {} : {
          checkServerIdentity: (host: string, cert: tls.PeerCertificate) => {
            const refused = check(host, certificateOf(cert)!)
            return refused === undefined ? undefined : Object.assign(refused, {
              [kIdentity]: true,
              code: (refused as NodeError).code ?? "ERR_TLS_CERT_ALTNAME_INVALID"
            })
          }
        })
      })
    } catch (error) {
      return this.failed(failureOf(error as NodeError))
    }
    this.socket = socket
    // Reads wait for the Connection's consumer, as on a plain socket; the handshake goes on.
    socket.pause()
    if (cache !== undefined) socket.on("session", (session: Buffer) => cache.set(key, new Uint8Array(session)))
    socket.on("secureConnect", this.onSecureConnect)
    socket.on("error", this.onHandshakeError)
    socket.on("close", this.onHandshakeClose)
  }

  // A client's handshake listeners, removed once it is over (a server's are the tls.Server's).
  private readonly onSecureConnect = () => this.secured(this.socket!)
  private readonly onHandshakeError = (error: NodeError) => this.failed(failureOf(error))
  private readonly onHandshakeClose = () =>
    this.failed({
      code: "ECONNRESET",
      description: "Client network socket disconnected before secure TLS connection was established",
      cause: undefined
    })

  secured(socket: tls.TLSSocket): void {
    if (this.settled) {
      socket.destroy()
      return
    }
    this.settled = true
    socket.off("secureConnect", this.onSecureConnect)
    socket.off("error", this.onHandshakeError)
    socket.off("close", this.onHandshakeClose)
    // Half-open from now on, as every netfx socket is: the Connection decides what a FIN does.
    socket.allowHalfOpen = true
    const servername = this.handshake._tag === "Client"
      ? this.handshake.servername
      : typeof socket.servername === "string"
      ? socket.servername
      : undefined
    this.callbacks.onSecure(
      new NodeTlsHandle(socket, this.peer, sessionOf(socket, servername), this.raw, this.readBase, this.writtenBase)
    )
  }

  failed(failure: Failure): void {
    if (this.settled) return
    this.settled = true
    this.socket?.destroy()
    this.raw.destroy()
    this.callbacks.onError(
      new TlsError({
        reason: failure.reason ?? tlsReasonOf(failure.code),
        code: failure.code,
        description: failure.description,
        ...(failure.cause === undefined ? {} : { cause: failure.cause })
      }, true)
    )
  }

  cancel(): void {
    if (this.settled) return
    this.settled = true
    this.raw[kTls] = undefined
    this.socket?.destroy()
    this.raw.destroy()
  }
}

const empty = new Uint8Array(0)

const startTls = (
  handle: Handle,
  unread: ReadonlyArray<Uint8Array>,
  handshake: TlsHandshake,
  callbacks: TlsCallbacks
): PendingTls => {
  if (!(handle instanceof NodeHandle) || handle instanceof NodeTlsHandle) {
    handle.destroy()
    const error = new TlsError({
      reason: "Handshake",
      code: "ERR_INVALID_HANDLE_TYPE",
      description: "the handle is not a plain socket of this transport"
    }, true)
    queueMicrotask(() => callbacks.onError(error))
    return { cancel: ignore }
  }
  const raw = handle.socket as TlsSocket
  // Taken over: the plain handle's listener (a Connection, for STARTTLS) hears nothing more.
  if (raw[kHandle] !== undefined) {
    raw.off("data", onData)
    raw.off("end", onEnd)
    raw.off("error", onError)
    raw.off("drain", onDrain)
    raw.off("close", onClose)
    delete raw[kHandle]
  }
  raw.pause()
  // During the handshake, a peer's FIN must end it (the TLS socket takes this from the socket it
  // wraps); the secured socket is half-open again.
  raw.allowHalfOpen = false
  // The TLS socket reports the wrapped socket's failures; this one must not throw them.
  raw.on("error", ignore)
  let unreadBytes = 0
  if (unread.length > 0) {
    // What a STARTTLS peer sent before its turn goes to the handshake (Node reads it from the
    // wrapped socket's buffer).
    const bytes = Buffer.concat(unread)
    unreadBytes = bytes.length
    raw.unshift(bytes)
  }
  const starting = new StartingTls(
    raw,
    handle.endpoint,
    handshake,
    callbacks,
    handle.bytesRead() - unreadBytes,
    handle.bytesWritten()
  )
  // Bytes queued in plaintext go out before the handshake, as they were written.
  if (raw.writableLength > 0) raw.write(empty, () => starting.begin())
  else queueMicrotask(() => starting.begin())
  return starting
}

// Node 20+ (and Bun, Deno) have it; a runtime without it gets RFC 8305's recommended 250 ms.
const defaultAttemptDelay = (): number =>
  typeof net.getDefaultAutoSelectFamilyAttemptTimeout === "function"
    ? net.getDefaultAutoSelectFamilyAttemptTimeout()
    : 250

/**
 * The runtime's sockets as a `Transport`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport> = Layer.succeed(
  Transport,
  Transport.of({ connect, listen, open, defaultAttemptDelay, startTls, prepareTls })
)
