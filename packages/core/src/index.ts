/**
 * netfx core: typed, resource-safe networking on Effect.
 *
 * @since 0.1.0
 */

/**
 * Rules that block IP addresses, ranges and subnets (`net.BlockList`, as an immutable value).
 *
 * @since 0.1.0
 */
export * as BlockList from "./BlockList.js"

/**
 * A TCP or IPC connection as a scoped resource, and `connect` with Happy Eyeballs (RFC 8305).
 *
 * @since 0.1.0
 */
export * as Connection from "./Connection.js"

/**
 * IP addresses, ports and hosts: Node's `isIP` rules and schemas.
 *
 * @since 0.1.0
 */
export * as IP from "./IP.js"

/**
 * The typed errors of netfx, each with Node's `code`.
 *
 * @since 0.1.0
 */
export * as NetError from "./NetError.js"

/**
 * The Transport backed by the runtime's own sockets (the only module that imports node:net).
 *
 * @since 0.1.0
 */
export * as NodeTransport from "./NodeTransport.js"

/**
 * Name lookup for `connect`: every address of a host with its family (`dns.lookup`, a table, or your own).
 *
 * @since 0.1.0
 */
export * as Resolver from "./Resolver.js"

/**
 * TCP and IPC servers as scoped resources: listen, serve, graceful shutdown.
 *
 * @since 0.1.0
 */
export * as Server from "./Server.js"

/**
 * An IP socket address as an immutable value (`net.SocketAddress`).
 *
 * @since 0.1.0
 */
export * as SocketAddress from "./SocketAddress.js"

/**
 * A simulated network in memory, driven by Effect's Clock, for deterministic tests.
 *
 * @since 0.1.0
 */
export * as TestTransport from "./TestTransport.js"

/**
 * TLS: client and server options, the negotiated session as data, STARTTLS, session caches.
 *
 * @since 0.1.0
 */
export * as Tls from "./Tls.js"

/**
 * The service that opens sockets: the only door to the operating system.
 *
 * @since 0.1.0
 */
export * as Transport from "./Transport.js"
