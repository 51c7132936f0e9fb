/**
 * IP addresses, ports and hosts: the tests Node.js applies (`net.isIP`, `net.isIPv4`,
 * `net.isIPv6`) and schemas that validate and brand them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as internal from "./internal/ip.js"

/**
 * An address family as `net.SocketAddress` and `net.BlockList` spell it.
 *
 * @since 0.1.0
 * @category models
 */
export type Family = internal.Family

/**
 * @since 0.1.0
 * @category schemas
 */
export const Family: Schema.Literal<["ipv4", "ipv6"]> = Schema.Literal("ipv4", "ipv6")

/**
 * Tells whether `input` is an IPv4 address in dotted-decimal form, with Node's exact rules: four
 * decimal octets of at most 255 without leading zeros, nothing before or after (`"127.0.0.1/24"` and
 * `"127.000.000.001"` are not addresses).
 *
 * @example
 * import { IP } from "@netfx/core"
 *
 * IP.isIPv4("127.0.0.1") // true
 * IP.isIPv4("127.000.000.001") // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isIPv4: (input: string) => boolean = internal.isIPv4

/**
 * Tells whether `input` is an IPv6 address, with Node's exact rules: one "::" at most, an optional
 * dotted IPv4 tail, and an optional zone id (`"fe80::1%eth0"`) of letters, digits, `-`, `.` and `:`.
 *
 * @example
 * import { IP } from "@netfx/core"
 *
 * IP.isIPv6("::ffff:127.0.0.1") // true
 * IP.isIPv6("fe80::1%eth0") // true
 * IP.isIPv6("1::2::3") // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isIPv6: (input: string) => boolean = internal.isIPv6

/**
 * Returns `4` for an IPv4 address, `6` for an IPv6 address and `0` for anything else, like
 * `net.isIP`.
 *
 * @example
 * import { IP } from "@netfx/core"
 *
 * IP.isIP("::1") // 6
 * IP.isIP("fhqwhgads") // 0
 *
 * @since 0.1.0
 * @category guards
 */
export const isIP = (input: string): 0 | 4 | 6 => internal.isIPv4(input) ? 4 : internal.isIPv6(input) ? 6 : 0

/**
 * The family of an IP address, or `undefined` when `input` is not one.
 *
 * @since 0.1.0
 * @category accessors
 */
export const familyOf = (input: string): Family | undefined =>
  internal.isIPv4(input) ? "ipv4" : internal.isIPv6(input) ? "ipv6" : undefined

/**
 * An IPv4 address in Node's dotted-decimal form.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IPv4 = Schema.String.pipe(
  Schema.filter(internal.isIPv4, { message: () => "Expected an IPv4 address such as 127.0.0.1" }),
  Schema.brand("@netfx/core/IPv4"),
  Schema.annotations({ identifier: "IPv4" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type IPv4 = typeof IPv4.Type

/**
 * An IPv6 address, with an optional zone id.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IPv6 = Schema.String.pipe(
  Schema.filter(internal.isIPv6, { message: () => "Expected an IPv6 address such as ::1" }),
  Schema.brand("@netfx/core/IPv6"),
  Schema.annotations({ identifier: "IPv6" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type IPv6 = typeof IPv6.Type

/**
 * An IPv4 or an IPv6 address.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Address = Schema.Union(IPv4, IPv6).annotations({ identifier: "IPAddress" })

/**
 * @since 0.1.0
 * @category models
 */
export type Address = typeof Address.Type

/**
 * A TCP port: an integer from 0 to 65535 (0 asks the system for a free port when listening).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Port = Schema.Int.pipe(
  Schema.between(0, 65535, { message: () => "Expected a port, an integer from 0 to 65535" }),
  Schema.brand("@netfx/core/Port"),
  Schema.annotations({ identifier: "Port" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Port = typeof Port.Type

// RFC 1123 §2.1 host names: dot-separated labels of letters, digits and hyphens, no label starting
// or ending with a hyphen, at most 63 characters a label and 253 in all, an optional final dot.
// Underscores are accepted too, since real names carry them (`_sip._tcp`, some internal hosts).
const hostNameReg =
  /^(?=.{1,253}\.?$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/

/**
 * Tells whether `input` is something to connect to: an IP address or a host name.
 *
 * @since 0.1.0
 * @category guards
 */
export const isHost = (input: string): boolean => hostNameReg.test(input) || isIP(input) !== 0

/**
 * A host to connect to: an IPv4 or IPv6 address, or a DNS host name such as `localhost` or
 * `example.com`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Host = Schema.String.pipe(
  Schema.filter(isHost, { message: () => "Expected an IP address or a host name" }),
  Schema.brand("@netfx/core/Host"),
  Schema.annotations({ identifier: "Host" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type Host = typeof Host.Type
