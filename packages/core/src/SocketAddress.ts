/**
 * An IP socket address: an address, its family, a port and (for IPv6) a flow label, as an
 * immutable value with structural equality. The Effect counterpart of `net.SocketAddress`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import { dual } from "effect/Function"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as ip from "./internal/ip.js"
import type { Family } from "./IP.js"
import { InvalidArgument } from "./NetError.js"

/**
 * The brand of a `SocketAddress` (`Symbol.for("@netfx/core/SocketAddress")`): `isSocketAddress` checks for it.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@netfx/core/SocketAddress")

/**
 * The type of `TypeId`.
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * An IP socket address. `address` is in canonical form, as Node prints it: lower-case IPv6 with
 * the longest run of zeros compressed, no zone id, `::ffff:a.b.c.d` for IPv4-mapped addresses.
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketAddress extends Equal.Equal, Pipeable, Inspectable.Inspectable {
  readonly [TypeId]: TypeId
  /** The IP address, in its canonical form (`::1`, `127.0.0.1`). */
  readonly address: string
  /** `"ipv4"` or `"ipv6"`. */
  readonly family: Family
  /** The port, 0 to 65535. */
  readonly port: number
  /** The IPv6 flow label (RFC 6437, 20 bits); always 0 for IPv4. */
  readonly flowlabel: number
}

/**
 * What `make` takes, with Node's defaults: `family` is inferred from `address` (or `"ipv4"` when
 * there is no address), `address` defaults to `127.0.0.1` or `::`, `port` and `flowlabel` to 0.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** An IP address of `family`; default `127.0.0.1` for IPv4, `::` for IPv6. */
  readonly address?: string | undefined
  /** `"ipv4"` or `"ipv6"`; default: the family of `address`, else `"ipv4"`. */
  readonly family?: Family | undefined
  /** 0 to 65535; default 0. */
  readonly port?: number | undefined
  /** The IPv6 flow label, 0 to 2^20 − 1; default 0. Only for IPv6. */
  readonly flowlabel?: number | undefined
}

/** The largest IPv6 flow label: the field is 20 bits wide (RFC 6437). */
const MAX_FLOWLABEL = 0xfffff

class SocketAddressImpl implements SocketAddress {
  readonly [TypeId]: TypeId = TypeId
  constructor(
    readonly address: string,
    readonly family: Family,
    readonly port: number,
    readonly flowlabel: number
  ) {}
  [Equal.symbol](that: unknown): boolean {
    return isSocketAddress(that) && this.address === that.address && this.family === that.family &&
      this.port === that.port && this.flowlabel === that.flowlabel
  }
  [Hash.symbol](): number {
    return Hash.cached(this, Hash.string(`${this.family}/${this.address}/${this.port}/${this.flowlabel}`))
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString(): string {
    return format(this)
  }
  toJSON() {
    return {
      _id: "SocketAddress",
      address: this.address,
      family: this.family,
      port: this.port,
      flowlabel: this.flowlabel
    }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toJSON()
  }
}

/**
 * Tells whether a value is a `SocketAddress`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSocketAddress = (u: unknown): u is SocketAddress => Predicate.hasProperty(u, TypeId)

const isPort = (port: number): boolean => Number.isInteger(port) && port >= 0 && port <= 65535

/**
 * Builds a socket address, validating every field the way `new net.SocketAddress` does.
 *
 * Fails with `InvalidArgument`: `ERR_INVALID_ADDRESS` when `address` is not an address of
 * `family`, `ERR_SOCKET_BAD_PORT` for a port outside 0-65535, `ERR_OUT_OF_RANGE` for a flow label
 * outside 0-1048575 (Node 20-24 abort the whole process on that one; netfx refuses it).
 *
 * @example
 * import { SocketAddress } from "@netfx/core"
 * import { Either } from "effect"
 *
 * const address = SocketAddress.make({ address: "::FFFF:127.0.0.1", port: 80 })
 * // Either.right: { address: "::ffff:127.0.0.1", family: "ipv6", port: 80, flowlabel: 0 }
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Either.Either<SocketAddress, InvalidArgument> => {
  const family: Family = options.family ??
    (options.address !== undefined && ip.isIPv6(options.address) ? "ipv6" : "ipv4")
  const address = options.address ?? (family === "ipv4" ? "127.0.0.1" : "::")
  // `+ 0` turns -0 into 0: a port or a flow label of "-0" is 0.
  const port = (options.port ?? 0) + 0
  const flowlabel = (options.flowlabel ?? 0) + 0
  const value = ip.parse(address, family)
  if (value === undefined) {
    return Either.left(
      new InvalidArgument({
        code: "ERR_INVALID_ADDRESS",
        argument: "address",
        value: address,
        reason: `is not an ${family === "ipv4" ? "IPv4" : "IPv6"} address`
      })
    )
  }
  if (!isPort(port)) {
    return Either.left(
      new InvalidArgument({
        code: "ERR_SOCKET_BAD_PORT",
        argument: "port",
        value: port,
        reason: "must be an integer >= 0 and < 65536"
      })
    )
  }
  if (family === "ipv6" && !(Number.isInteger(flowlabel) && flowlabel >= 0 && flowlabel <= MAX_FLOWLABEL)) {
    return Either.left(
      new InvalidArgument({
        code: "ERR_OUT_OF_RANGE",
        argument: "flowlabel",
        value: flowlabel,
        reason: `must be an integer >= 0 && <= ${MAX_FLOWLABEL}`
      })
    )
  }
  return Either.right(
    new SocketAddressImpl(ip.format(value, family), family, port, family === "ipv6" ? flowlabel : 0)
  )
}

/**
 * Like `make`, but throws the `InvalidArgument` error. For constants known to be valid.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsafeMake = (options: Options = {}): SocketAddress => Either.getOrThrowWith(make(options), (e) => e)

// "[v6]" or "[v6]:port", "v4" or "v4:port", or a bare IPv6 address.
const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/
const ipv4WithPort = /^([0-9.]+)(?::(\d{1,5}))?$/

/**
 * Parses `"1.2.3.4"`, `"1.2.3.4:80"`, `"[::1]:80"`, `"[::1]"` or a bare `"::1"`. The port is
 * decimal and optional (0 when absent). Returns `Option.none()` for anything else, including host
 * names: a socket address holds an IP, never a name to resolve.
 *
 * Node's own `SocketAddress.parse` (v22.13+) goes through the WHATWG URL parser and so drops port
 * 80 (the default port of `http:`), takes `"1.2.3"` for `1.2.0.3` and rejects a bare `"::1"`; netfx
 * follows the documented contract instead: an IP address and an optional port.
 *
 * @example
 * import { SocketAddress } from "@netfx/core"
 *
 * SocketAddress.parse("[::1]:8080") // Option.some({ address: "::1", family: "ipv6", port: 8080, ... })
 * SocketAddress.parse("localhost:80") // Option.none()
 *
 * @since 0.1.0
 * @category constructors
 */
export const parse = (input: string): Option.Option<SocketAddress> => {
  let address: string
  let port: string | undefined
  let family: Family
  const b = bracketed.exec(input)
  if (b !== null) {
    address = b[1]!
    port = b[2]
    family = "ipv6"
  } else {
    const v4 = ipv4WithPort.exec(input)
    if (v4 !== null) {
      address = v4[1]!
      port = v4[2]
      family = "ipv4"
    } else {
      address = input
      family = "ipv6"
    }
  }
  return Either.getRight(make({ address, family, port: port === undefined ? 0 : Number(port) }))
}

/**
 * The address and port as text: `1.2.3.4:80`, or `[::1]:80` for IPv6.
 *
 * @since 0.1.0
 * @category accessors
 */
export const format = (self: SocketAddress): string =>
  self.family === "ipv4" ? `${self.address}:${self.port}` : `[${self.address}]:${self.port}`

/**
 * A copy with another port.
 *
 * @example
 * import { SocketAddress } from "@netfx/core"
 * import { pipe } from "effect"
 *
 * const address = pipe(SocketAddress.unsafeMake({ address: "::1" }), SocketAddress.withPort(8080))
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPort: {
  (port: number): (self: SocketAddress) => Either.Either<SocketAddress, InvalidArgument>
  (self: SocketAddress, port: number): Either.Either<SocketAddress, InvalidArgument>
} = dual(
  2,
  (self: SocketAddress, port: number) =>
    make({ address: self.address, family: self.family, port, flowlabel: self.flowlabel })
)

/**
 * The address as an integer: an unsigned 32-bit `number` for IPv4, a 128-bit `bigint` for IPv6.
 *
 * @since 0.1.0
 * @category accessors
 */
export const toInteger = (self: SocketAddress): number | bigint => ip.parse(self.address, self.family)!

/**
 * A schema for a `SocketAddress` value itself.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SocketAddressFromSelf: Schema.Schema<SocketAddress> = Schema.declare(isSocketAddress, {
  identifier: "SocketAddress",
  pretty: () => format,
  equivalence: () => Equal.equals
})

/**
 * A schema from text (`"1.2.3.4:80"`, `"[::1]:80"`, as `parse` reads it) to a `SocketAddress`, and
 * back with `format`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SocketAddressFromString: Schema.Schema<SocketAddress, string> = Schema.transformOrFail(
  Schema.String,
  SocketAddressFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Option.match(parse(input), {
        onNone: () => ParseResult.fail(new ParseResult.Type(ast, input, "Expected a socket address such as [::1]:80")),
        onSome: ParseResult.succeed
      }),
    encode: (address) => ParseResult.succeed(format(address))
  }
).annotations({ identifier: "SocketAddressFromString" })

/**
 * The fields of a socket address as plain data, as `net.SocketAddress#toJSON` gives them.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Fields = Schema.Struct({
  address: Schema.String,
  family: Schema.Literal("ipv4", "ipv6"),
  port: Schema.Number,
  flowlabel: Schema.Number
})

/**
 * A schema from the plain fields (`{ address, family, port, flowlabel }`) to a `SocketAddress`,
 * validating them as `make` does.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SocketAddressFromFields: Schema.Schema<SocketAddress, typeof Fields.Encoded> = Schema.transformOrFail(
  Fields,
  SocketAddressFromSelf,
  {
    strict: true,
    decode: (fields, _, ast) =>
      Either.mapLeft(make(fields), (error) => new ParseResult.Type(ast, fields, error.message)),
    encode: (address) =>
      ParseResult.succeed({
        address: address.address,
        family: address.family,
        port: address.port,
        flowlabel: address.flowlabel
      })
  }
).annotations({ identifier: "SocketAddressFromFields" })
