/**
 * The `Transport` backed by the runtime's own sockets. This module is the only one in netfx that
 * imports `node:net`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as net from "node:net"
import { ConnectError, SocketError } from "./NetError.js"
import * as SocketAddress from "./SocketAddress.js"
import type { Endpoint, Handle } from "./Transport.js"
import { Transport } from "./Transport.js"

interface NodeError extends Error {
  readonly code?: string
  readonly errno?: number
  readonly syscall?: string
  readonly address?: string
  readonly port?: number
}

const toSocketError = (error: NodeError): SocketError =>
  new SocketError({
    code: error.code ?? "EUNKNOWN",
    syscall: error.syscall ?? "socket",
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

const makeHandle = (socket: net.Socket, endpoint: Endpoint): Handle => ({
  listen: (events) => {
    socket.on("data", events.onData)
    socket.on("end", events.onEnd)
    socket.on("error", (error: NodeError) => events.onError(toSocketError(error)))
    socket.on("drain", events.onDrain)
    socket.on("close", events.onClose)
    // The socket was paused until now (see `connect`): data starts to flow to the listener.
    socket.resume()
  },
  pause: () => socket.pause(),
  resume: () => socket.resume(),
  write: (chunk) => socket.write(chunk),
  end: (callback) => {
    if (socket.writableFinished) return callback()
    socket.end(() => callback())
  },
  destroy: () => socket.destroy(),
  reset: () => {
    if (endpoint._tag === "Tcp" && !socket.destroyed) socket.resetAndDestroy()
    else socket.destroy()
  },
  setNoDelay: (noDelay) => socket.setNoDelay(noDelay),
  setKeepAlive: (enable, initialDelay) => socket.setKeepAlive(enable, initialDelay),
  setTypeOfService: (tos) =>
    Effect.try({
      // socket.setTypeOfService arrived in Node 24.6; older runtimes have no way to set IP_TOS.
      try: () => {
        const set = (socket as unknown as { setTypeOfService?: (tos: number) => void }).setTypeOfService
        if (typeof set !== "function") {
          throw Object.assign(new Error("setTypeOfService"), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" })
        }
        set.call(socket, tos)
      },
      catch: (error) => toSocketError({ ...(error as NodeError), syscall: "setsockopt" })
    }),
  bytesRead: () => socket.bytesRead,
  bytesWritten: () => socket.bytesWritten,
  bufferSize: () => socket.writableLength,
  localAddress: () =>
    endpoint._tag === "Ipc" ? endpoint.path : socketAddress(socket.localAddress, socket.localFamily, socket.localPort),
  remoteAddress: () =>
    endpoint._tag === "Ipc"
      ? endpoint.path
      : socketAddress(socket.remoteAddress, socket.remoteFamily, socket.remotePort)
})

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

/**
 * The runtime's sockets as a `Transport`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport> = Layer.succeed(Transport, Transport.of({ connect }))
