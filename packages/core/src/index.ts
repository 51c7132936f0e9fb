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
 * An IP socket address as an immutable value (`net.SocketAddress`).
 *
 * @since 0.1.0
 */
export * as SocketAddress from "./SocketAddress.js"
