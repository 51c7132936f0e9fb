/**
 * `server.listen(handle)` with a handle of the runtime's own (a `node:net` server, or its
 * `_handle`): Node takes the listening handle over, and so does compat. The runtime's listening
 * handle (libuv's `TCP` or `Pipe` wrap) is seen as a core `Listener`, and each connection it
 * accepts as a core `Handle` whose `detach` gives the runtime handle to compat's socket.
 */
import { NetError, SocketAddress } from "@netfx/core"
import type { Handle, Listener } from "@netfx/core/Transport"
import * as Either from "effect/Either"
import { getSystemErrorName } from "node:util"

interface AddressRecord {
  address?: string
  family?: string
  port?: number
}

/** A runtime stream handle: what this module calls on it. */
interface RuntimeStream {
  getsockname?: (out: AddressRecord) => number
  getpeername?: (out: AddressRecord) => number
  close: (callback?: () => void) => void
}

/** A runtime listening handle. */
interface RuntimeServer extends RuntimeStream {
  onconnection: ((status: number, client: RuntimeStream | undefined) => void) | null
  listen: (backlog: number) => number
  ref?: () => void
  unref?: () => void
}

/** Whether `u` is a runtime listening handle (what a `node:net` server keeps in `_handle`). */
export const isRuntimeServerHandle = (u: unknown): u is RuntimeServer =>
  typeof u === "object" && u !== null && "onconnection" in u &&
  typeof (u as RuntimeServer).listen === "function" && typeof (u as RuntimeServer).close === "function"

const addressOf = (
  handle: RuntimeStream,
  method: "getsockname" | "getpeername"
): SocketAddress.SocketAddress | undefined => {
  const read = handle[method]
  if (typeof read !== "function") return undefined
  const out: AddressRecord = {}
  if (read.call(handle, out) !== 0 || out.address === undefined || out.port === undefined) return undefined
  const made = SocketAddress.make({
    address: out.address,
    family: out.family === "IPv6" ? "ipv6" : "ipv4",
    port: out.port
  })
  return Either.isRight(made) ? made.right : undefined
}

/** An accepted runtime handle as the core handle compat's server takes connections as. */
const acceptedHandle = (client: RuntimeStream, path: string | undefined): Handle => {
  let owned = true
  return {
    detach: () => {
      owned = false
      return client
    },
    destroy: () => {
      if (owned) client.close()
      owned = false
    },
    localAddress: () => path ?? addressOf(client, "getsockname"),
    remoteAddress: () => path ?? addressOf(client, "getpeername")
  } as Partial<Handle> as Handle
}

/**
 * Listens on a runtime handle, as lib/net.js `setupListenHandle` does with one it is given. Fails
 * with the runtime's error code (a string such as `EBADF`) when the handle cannot listen.
 */
export const listenOnRuntimeHandle = (server: RuntimeServer, backlog: number): Listener | NetError.SocketError => {
  const bound = addressOf(server, "getsockname")
  // A Unix socket's handle has no name to read back: compat reports it as Node does, by path.
  const address = bound ?? ""
  let onConnection: ((handle: Handle) => void) | undefined
  let onError: ((error: NetError.SocketError) => void) | undefined
  server.onconnection = (status, client) => {
    if (status < 0) {
      onError?.(new NetError.SocketError({ code: getSystemErrorName(status), errno: status, syscall: "accept" }))
      return
    }
    if (client === undefined) return
    if (onConnection === undefined) return client.close()
    onConnection(acceptedHandle(client, bound === undefined ? "" : undefined))
  }
  const status = server.listen(backlog)
  if (status !== 0) {
    return new NetError.SocketError({ code: getSystemErrorName(status), errno: status, syscall: "listen" })
  }
  return {
    address,
    listen: (events) => {
      onConnection = events.onConnection
      onError = events.onError
    },
    close: () => server.close(),
    ref: () => server.ref?.(),
    unref: () => server.unref?.()
  }
}
