/**
 * `@netfx/compat`: the `node:net` API on top of `@netfx/core`. Import it where you imported
 * `node:net`; names, arguments, results and errors are Node's.
 *
 * @since 0.1.0
 */
import {
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  getDefaultAutoSelectFamilyPolicy,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyPolicy
} from "./AutoSelect.js"
import { BlockList } from "./BlockList.js"
import { isIP, isIPv4, isIPv6 } from "./IP.js"
import { createServer, Server } from "./Server.js"
import { connect, createConnection, Socket, Stream } from "./Socket.js"
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

export {
  /** Opens a connection (`net.connect`). */
  connect,
  /** Opens a connection (`net.createConnection`). */
  createConnection,
  /** A TCP or Unix domain socket (`net.Socket`). */
  Socket,
  /** The old name of `Socket` (`net.Stream`). */
  Stream
} from "./Socket.js"

export {
  /** Creates a server (`net.createServer`). */
  createServer,
  /** A TCP or Unix domain socket server (`net.Server`). */
  Server
} from "./Server.js"

export {
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  /** netfx only: the race policy, `"staggered"` (RFC 8305, default) or `"sequential"` (Node). */
  getDefaultAutoSelectFamilyPolicy,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
  /** netfx only: sets the race policy. */
  setDefaultAutoSelectFamilyPolicy
} from "./AutoSelect.js"

export type { AutoSelectFamilyPolicy } from "./AutoSelect.js"

export type {
  AddressInfo,
  ConnectOpts,
  DropArgument,
  IpcNetConnectOpts,
  IpcSocketConnectOpts,
  ListenOptions,
  LookupFunction,
  NetConnectOpts,
  OnReadOpts,
  ServerOpts,
  SocketConnectOpts,
  SocketConstructorOpts,
  SocketReadyState,
  TcpNetConnectOpts,
  TcpSocketConnectOpts
} from "node:net"

/**
 * Everything above in one object, like the default export of `node:net`, for
 * `import net from "@netfx/compat"`.
 *
 * @since 0.1.0
 */
const net: {
  readonly BlockList: typeof BlockList
  readonly connect: typeof connect
  readonly createConnection: typeof createConnection
  readonly createServer: typeof createServer
  readonly getDefaultAutoSelectFamily: typeof getDefaultAutoSelectFamily
  readonly getDefaultAutoSelectFamilyAttemptTimeout: typeof getDefaultAutoSelectFamilyAttemptTimeout
  readonly getDefaultAutoSelectFamilyPolicy: typeof getDefaultAutoSelectFamilyPolicy
  readonly isIP: typeof isIP
  readonly isIPv4: typeof isIPv4
  readonly isIPv6: typeof isIPv6
  readonly Server: typeof Server
  readonly setDefaultAutoSelectFamily: typeof setDefaultAutoSelectFamily
  readonly setDefaultAutoSelectFamilyAttemptTimeout: typeof setDefaultAutoSelectFamilyAttemptTimeout
  readonly setDefaultAutoSelectFamilyPolicy: typeof setDefaultAutoSelectFamilyPolicy
  readonly Socket: typeof Socket
  readonly SocketAddress: typeof SocketAddress
  readonly Stream: typeof Stream
} = {
  BlockList,
  connect,
  createConnection,
  createServer,
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  getDefaultAutoSelectFamilyPolicy,
  isIP,
  isIPv4,
  isIPv6,
  Server,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyPolicy,
  Socket,
  SocketAddress,
  Stream
}

export default net
