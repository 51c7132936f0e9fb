/**
 * Which socket compat is on this runtime: the runtime's own socket, subclassed (`socket.ts`, Node
 * and Deno), or, where the runtime's socket cannot take a handle over (Bun), a `stream.Duplex` of
 * compat's own over the core's handle (`streamSocket.ts`). Chosen once, at load.
 */
import type { Handle } from "@netfx/core/Transport"
import { adoptable } from "./runtimeHandle.js"
import { type AcceptOptions, acceptSocket, Socket as RuntimeBasedSocket } from "./socket.js"
import { Socket as StreamSocket } from "./streamSocket.js"

/** compat's socket class on this runtime. */
export const SocketClass: typeof RuntimeBasedSocket = adoptable
  ? RuntimeBasedSocket
  : StreamSocket as unknown as typeof RuntimeBasedSocket

/** The socket of an accepted connection (`undefined`: closed, there was no handle to take over). */
export const accept: (handle: Handle, pipe: boolean, options: AcceptOptions) => RuntimeBasedSocket | undefined =
  adoptable
    ? (handle, _pipe, options) => acceptSocket(handle, options)
    : (handle, pipe, options) =>
      StreamSocket.fromAccepted({ handle, pauseOnCreate: options.pauseOnCreate, pipe }, {
        allowHalfOpen: options.allowHalfOpen,
        readableHighWaterMark: options.highWaterMark,
        writableHighWaterMark: options.highWaterMark
      }) as unknown as RuntimeBasedSocket
