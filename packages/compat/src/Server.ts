/**
 * `net.Server` and `net.createServer` on `@netfx/core`: `listen` binds through the core transport,
 * each accepted connection is a compat `Socket`, and the inbound `blockList` is the core's.
 *
 * @since 0.1.0
 */
import type * as net from "node:net"
import { callable } from "./internal/callable.js"
import { Server as ServerImpl } from "./internal/server.js"

/**
 * A TCP or Unix domain socket server (`net.Server`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const Server: typeof net.Server = callable(ServerImpl) as unknown as typeof net.Server

/**
 * @since 0.1.0
 * @category models
 */
export type Server = net.Server

/**
 * Creates a server (`net.createServer([options][, connectionListener])`); the listener is added to
 * `'connection'`.
 *
 * @example
 * import { createServer } from "@netfx/compat"
 *
 * const server = createServer((socket) => socket.pipe(socket))
 * server.listen(0, "127.0.0.1", () => {
 *   console.log("echo server on", server.address())
 *   server.close()
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const createServer: typeof net.createServer =
  ((options?: unknown, connectionListener?: () => void) =>
    new ServerImpl(options, connectionListener)) as unknown as typeof net.createServer
