/**
 * `net.SocketAddress`: Node's validation in front of the core's `SocketAddress` value.
 *
 * @since 0.1.0
 */
import * as CoreSocketAddress from "@netfx/core/SocketAddress"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { InspectOptionsStylized } from "node:util"
import { inspect } from "node:util"
import { ERR_INVALID_ADDRESS, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE } from "./internal/errors.js"
import { validateObject, validatePort, validateString, validateUint32 } from "./internal/validators.js"
import type { IPVersion } from "./IP.js"

/**
 * What `new SocketAddress(options)` takes (`net.SocketAddressInitOptions`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketAddressInitOptions {
  /** The address, IPv4 or IPv6. Default: `'127.0.0.1'` for `'ipv4'`, `'::'` for `'ipv6'`. */
  readonly address?: string | undefined
  /** Default: `'ipv4'`; never inferred from `address`. */
  readonly family?: IPVersion | undefined
  /** The IPv6 flow label (0 to 1048575), ignored for IPv4. Default: `0`. */
  readonly flowlabel?: number | undefined
  /** Default: `0`. */
  readonly port?: number | undefined
}

// The largest IPv6 flow label (RFC 6437: 20 bits), the bound the core enforces.
const MAX_FLOWLABEL = 0xfffff

// Node keeps its native handle in an own, enumerable symbol property (`this[kHandle]`); the core
// value sits in the same kind of place. Besides hiding it, that makes `util.inspect` print
// `[SocketAddress]` past its depth limit as Node does (an object without own keys prints `SocketAddress {}`).
const kHandle: unique symbol = Symbol("kHandle")

interface Handle {
  [kHandle]: CoreSocketAddress.SocketAddress
}

const coreOf = (self: SocketAddress): CoreSocketAddress.SocketAddress => (self as unknown as Handle)[kHandle]

/**
 * An IP socket address: address, family, port and flow label, as `net.SocketAddress`.
 *
 * The constructor validates like Node, in Node's order: `options` must be an object
 * (`ERR_INVALID_ARG_TYPE`), `family` is lower-cased and must be `'ipv4'` or `'ipv6'`
 * (`ERR_INVALID_ARG_VALUE`), `address` must be a string (`ERR_INVALID_ARG_TYPE`), `port` a number or
 * numeric string from 0 to 65535 (`ERR_SOCKET_BAD_PORT`), `flowlabel` an unsigned 32-bit integer
 * (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`); an address that is not one of `family` throws an
 * `Error` with code `ERR_INVALID_ADDRESS` (`Invalid socket address`).
 *
 * Where Node aborts the process, netfx does what the validators promise: a numeric-string port
 * (Node 20) is read as its number, as Node 22+ does; a port or flow label of -0 (Node 20) is 0; the
 * flow label of an IPv4 address is ignored even from 2^31 on (Node 24 aborts); an IPv6 flow label
 * above 1048575 (every version aborts) throws `ERR_OUT_OF_RANGE`.
 *
 * @example
 * import { SocketAddress } from "@netfx/compat"
 *
 * const address = new SocketAddress({ address: "::ffff:7b7b:7b7b", family: "ipv6", port: 80 })
 * address.address // "::ffff:123.123.123.123"
 *
 * @since 0.1.0
 * @category models
 */
export class SocketAddress {
  constructor(options: SocketAddressInitOptions = {}) {
    // lib/internal/socketaddress.js, step by step: the default address is chosen from the family
    // as given, before it is lower-cased (so `{ family: 'IPV4' }` gets '::' and is refused).
    validateObject(options, "options")
    const input = options as { readonly [K in keyof SocketAddressInitOptions]?: unknown }
    let { family = "ipv4" } = input
    const { address = family === "ipv4" ? "127.0.0.1" : "::", port = 0, flowlabel = 0 } = input
    if (typeof (family as { readonly toLowerCase?: unknown } | null | undefined)?.toLowerCase === "function") {
      family = (family as { toLowerCase(): unknown }).toLowerCase()
    }
    if (family !== "ipv4" && family !== "ipv6") throw new ERR_INVALID_ARG_VALUE("options.family", input.family)
    validateString(address, "options.address")
    // Node 22+ passes `port | 0` on; Node 20 hands a numeric string (or -0) to C++ as is and aborts.
    const portNumber = validatePort(port, "options.port")
    validateUint32(flowlabel, "options.flowlabel", false)
    // `>>> 0` turns -0 into 0 and leaves every other unsigned 32-bit integer as it is. Node 20 hands
    // -0 to C++, where it is not a Uint32, and aborts (Node 24 hands on `flowlabel | 0`, which aborts
    // from 2^31 on).
    const made = CoreSocketAddress.make({ address, family, port: portNumber, flowlabel: flowlabel >>> 0 })
    if (Either.isLeft(made)) {
      // The port is valid by now: what the core refuses is an address that is not one of `family`,
      // or an IPv6 flow label above 1048575.
      if (made.left.code === "ERR_OUT_OF_RANGE") {
        // A deliberate departure: Node 20-24 abort the whole process there (a failed CHECK in
        // `SocketAddress::set_flow_label`); netfx throws the error its validators would have thrown.
        throw new ERR_OUT_OF_RANGE("options.flowlabel", `>= 0 && <= ${MAX_FLOWLABEL}`, flowlabel)
      }
      throw new ERR_INVALID_ADDRESS()
    }
    ;(this as unknown as Handle)[kHandle] = made.right
  }

  /**
   * Tells whether `value` is a `SocketAddress` of this package (a `node:net` one is not).
   *
   * @since 0.1.0
   */
  static isSocketAddress(value: unknown): value is SocketAddress {
    // lib/internal/socketaddress.js: `value?.[kHandle] !== undefined`.
    return (value as Partial<Handle> | null | undefined)?.[kHandle] !== undefined
  }

  /**
   * Parses `'123.1.2.3:1234'`, `'[1::1]:1234'`, an address without a port (port 0) or a bare IPv6
   * address; returns `undefined` for anything else. Throws `ERR_INVALID_ARG_TYPE` when `input` is
   * not a string.
   *
   * Node 22+ reads the input with the WHATWG URL parser, which drops port 80 and reads `'1.2.3'`
   * as `1.2.0.3`; netfx follows the documented contract: an IP address and an optional port.
   *
   * @example
   * import { SocketAddress } from "@netfx/compat"
   *
   * SocketAddress.parse("[1::1]:1234")?.port // 1234
   * SocketAddress.parse("localhost:80") // undefined
   *
   * @since 0.1.0
   */
  static parse(input: string): SocketAddress | undefined {
    validateString(input, "input")
    const parsed = Option.getOrUndefined(CoreSocketAddress.parse(input))
    return parsed === undefined ? undefined : fromCore(parsed)
  }

  /** The address in canonical form (`'::ffff:1.2.3.4'`, lower-case IPv6, no zone id). */
  get address(): string {
    return coreOf(this).address
  }

  /** The port, 0 to 65535. */
  get port(): number {
    return coreOf(this).port
  }

  /** The address family: `'ipv4'` or `'ipv6'`. */
  get family(): IPVersion {
    return coreOf(this).family
  }

  /** The IPv6 flow label; always 0 for IPv4. */
  get flowlabel(): number {
    return coreOf(this).flowlabel
  }

  /**
   * `{ address, port, family, flowlabel }`, in that order, as Node gives it.
   *
   * @since 0.1.0
   */
  toJSON(): { address: string; port: number; family: IPVersion; flowlabel: number } {
    return { address: this.address, port: this.port, family: this.family, flowlabel: this.flowlabel }
  }

  /** `SocketAddress { address: '1.2.3.4', port: 0, family: 'ipv4', flowlabel: 0 }`, as Node prints it. */
  [inspect.custom](depth: number, options: InspectOptionsStylized): unknown {
    // lib/internal/socketaddress.js: below the depth limit, `this` is printed as `[SocketAddress]`.
    if (depth < 0) return this
    const opts = { ...options, depth: options.depth == null ? null : options.depth - 1 }
    return `SocketAddress ${inspect(this.toJSON(), opts)}`
  }
}

/**
 * Wraps a core `SocketAddress` (already valid) into a compat one, for values that come from the
 * core: parsed addresses, a connection's local and remote address.
 *
 * @internal
 */
export const fromCore = (core: CoreSocketAddress.SocketAddress): SocketAddress => {
  const self = Object.create(SocketAddress.prototype) as SocketAddress
  ;(self as unknown as Handle)[kHandle] = core
  return self
}

/**
 * The core `SocketAddress` inside a compat one.
 *
 * @internal
 */
export const toCore: (self: SocketAddress) => CoreSocketAddress.SocketAddress = coreOf
