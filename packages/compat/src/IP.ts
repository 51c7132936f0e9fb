/**
 * `net.isIP`, `net.isIPv4` and `net.isIPv6`, on the core's `IP` rules.
 *
 * @since 0.1.0
 */
import * as IP from "@netfx/core/IP"

/**
 * An address family as `net.SocketAddress` and `net.BlockList` spell it (`net.IPVersion`).
 *
 * @since 0.1.0
 * @category models
 */
export type IPVersion = IP.Family

// Node tests its regular expressions with `RegExp.prototype.test`, which turns any value into a
// string with ToString: objects through their `toString` (or `valueOf`), a Symbol throws a
// TypeError. A template literal applies the same ToString; `String(value)` would not throw on a Symbol.
const toString = (input: unknown): string => `${input as string}`

/**
 * Returns `true` if `input` is an IPv4 address in dot-decimal notation with no leading zeroes.
 *
 * Like Node, any value is accepted and turned into a string first (`{ toString: () => "1.2.3.4" }`
 * passes); a Symbol throws a `TypeError`.
 *
 * @example
 * import { isIPv4 } from "@netfx/compat"
 *
 * isIPv4("127.0.0.1") // true
 * isIPv4("127.000.000.001") // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isIPv4 = (input: string): boolean => IP.isIPv4(toString(input))

/**
 * Returns `true` if `input` is an IPv6 address (a zone id such as `%eth0` is allowed).
 *
 * Like Node, any value is accepted and turned into a string first; a Symbol throws a `TypeError`.
 *
 * @example
 * import { isIPv6 } from "@netfx/compat"
 *
 * isIPv6("::1") // true
 * isIPv6("fhqwhgads") // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isIPv6 = (input: string): boolean => IP.isIPv6(toString(input))

/**
 * Returns `6` if `input` is an IPv6 address, `4` if it is an IPv4 address in dot-decimal notation
 * with no leading zeroes, `0` otherwise.
 *
 * Like Node (which tests IPv4, then IPv6), the input is turned into a string once for each test.
 *
 * @example
 * import { isIP } from "@netfx/compat"
 *
 * isIP("::1") // 6
 * isIP("127.0.0.1") // 4
 * isIP("127.0.0.1/24") // 0
 *
 * @since 0.1.0
 * @category guards
 */
export const isIP = (input: string): 0 | 4 | 6 => isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0
