/**
 * `net.Socket`, `net.connect` and `net.createConnection` on `@netfx/core`: a `stream.Duplex` with
 * Node's events, properties and errors, whose connection (lookup, block list, Happy Eyeballs race)
 * is made by the core's `Connection.dial` and whose bytes move through the core's transport.
 *
 * @since 0.1.0
 */
import type * as net from "node:net"
import { callable } from "./internal/callable.js"
import { normalizeArgs } from "./internal/connectArgs.js"
import { SocketClass as SocketImpl } from "./internal/implementation.js"

/**
 * A TCP or Unix domain socket (`net.Socket`). Create one with `connect` / `createConnection`, or
 * receive one from a `Server`'s `'connection'` event.
 *
 * @example
 * import { Socket } from "@netfx/compat"
 *
 * const socket = new Socket()
 * socket.on("error", (error) => console.error(error.message))
 * socket.connect(8080, "127.0.0.1", () => socket.end("hello\n"))
 *
 * @since 0.1.0
 * @category constructors
 */
export const Socket: typeof net.Socket = callable(SocketImpl) as unknown as typeof net.Socket

/**
 * @since 0.1.0
 * @category models
 */
export type Socket = net.Socket

/**
 * The old name of `Socket` (`net.Stream`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const Stream: typeof net.Socket = Socket

/**
 * @since 0.1.0
 * @category models
 */
export type Stream = net.Socket

/**
 * Opens a connection and returns its socket at once (`net.connect`): `(options[, listener])`,
 * `(path[, listener])` or `(port[, host][, listener])`. The listener is added to `'connect'`.
 *
 * Besides Node's options, `autoSelectFamilyPolicy: "sequential"` selects Node's own race for this
 * socket (see `setDefaultAutoSelectFamilyPolicy`).
 *
 * @example
 * import { connect } from "@netfx/compat"
 *
 * const socket = connect({ port: 8080, host: "127.0.0.1" }, () => socket.end("ping"))
 * socket.on("data", (data) => console.log(data.toString()))
 * socket.on("error", (error) => console.error(error.message))
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect: typeof net.connect = ((...args: Array<unknown>) => {
  const normalized = normalizeArgs(args)
  const options = normalized[0]
  const socket = new SocketImpl(options)
  if (options.timeout) socket.setTimeout(options.timeout as number)
  return socket.connect(normalized)
}) as unknown as typeof net.connect

/**
 * The same function as `connect` (`net.createConnection`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const createConnection: typeof net.createConnection = connect
