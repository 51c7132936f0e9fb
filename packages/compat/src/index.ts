/**
 * `@netfx/compat`: the `node:net` API on top of `@netfx/core`. Import it where you imported
 * `node:net`; names, arguments, results and errors are Node's.
 *
 * @since 0.1.0
 */
import { BlockList } from "./BlockList.js"
import { isIP, isIPv4, isIPv6 } from "./IP.js"
import { SocketAddress } from "./SocketAddress.js"

export {
  /** Rules that block addresses, ranges and subnets (`net.BlockList`). */
  BlockList
} from "./BlockList.js"

export {
  /** `6`, `4` or `0`: the IP version of a string (`net.isIP`). */
  isIP,
  /** Whether a string is an IPv4 address (`net.isIPv4`). */
  isIPv4,
  /** Whether a string is an IPv6 address (`net.isIPv6`). */
  isIPv6
} from "./IP.js"

export type {
  /** `'ipv4' | 'ipv6'` (`net.IPVersion`). */
  IPVersion
} from "./IP.js"

export {
  /** An IP address with its port, family and flow label (`net.SocketAddress`). */
  SocketAddress
} from "./SocketAddress.js"

export type {
  /** The options of `new SocketAddress(options)` (`net.SocketAddressInitOptions`). */
  SocketAddressInitOptions
} from "./SocketAddress.js"

/**
 * Everything above in one object, like the default export of `node:net`, for
 * `import net from "@netfx/compat"`.
 *
 * @since 0.1.0
 */
const net: {
  readonly BlockList: typeof BlockList
  readonly isIP: typeof isIP
  readonly isIPv4: typeof isIPv4
  readonly isIPv6: typeof isIPv6
  readonly SocketAddress: typeof SocketAddress
} = { BlockList, isIP, isIPv4, isIPv6, SocketAddress }

export default net
