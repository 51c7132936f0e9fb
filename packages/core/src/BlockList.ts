/**
 * Rules that block IP addresses, ranges and subnets, for outbound connections and inbound peers.
 * The Effect counterpart of `net.BlockList`, as an immutable value.
 *
 * A check is a binary search over merged intervals, so it costs O(log n) with n rules, where
 * Node's own `BlockList` tries every rule in turn.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import { dual } from "effect/Function"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import * as List from "effect/List"
import * as ParseResult from "effect/ParseResult"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { IntervalSet } from "./internal/intervalSet.js"
import * as ip from "./internal/ip.js"
import type { Family } from "./IP.js"
import { InvalidArgument } from "./NetError.js"
import type { SocketAddress } from "./SocketAddress.js"
import { isSocketAddress } from "./SocketAddress.js"

/**
 * The brand of a `BlockList` (`Symbol.for("@netfx/core/BlockList")`): `isBlockList` checks for it.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@netfx/core/BlockList")

/**
 * The type of `TypeId`.
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * One rule of a block list. Addresses are in canonical form (as `SocketAddress` prints them).
 *
 * @since 0.1.0
 * @category models
 */
export type Rule =
  | { readonly _tag: "Address"; readonly family: Family; readonly address: string }
  | { readonly _tag: "Range"; readonly family: Family; readonly start: string; readonly end: string }
  | { readonly _tag: "Subnet"; readonly family: Family; readonly network: string; readonly prefix: number }

/**
 * An immutable list of rules. `rules` lists the newest rule first, as Node's `blockList.rules` does.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockList extends Equal.Equal, Pipeable, Inspectable.Inspectable {
  readonly [TypeId]: TypeId
  /** Every rule, newest first (as `blockList.rules` in Node 20). */
  readonly rules: ReadonlyArray<Rule>
}

/**
 * An address given as text or as a `SocketAddress` (whose port is ignored).
 *
 * @since 0.1.0
 * @category models
 */
export type AddressInput = string | SocketAddress

const familyName = (family: Family): string => family === "ipv4" ? "IPv4" : "IPv6"

/**
 * A rule in Node's text form: `Address: IPv4 10.0.0.5`, `Range: IPv4 10.0.0.1-10.0.0.10`,
 * `Subnet: IPv6 8592:757c:efae:4e45::/64`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const formatRule = (rule: Rule): string => {
  switch (rule._tag) {
    case "Address":
      return `Address: ${familyName(rule.family)} ${rule.address}`
    case "Range":
      return `Range: ${familyName(rule.family)} ${rule.start}-${rule.end}`
    case "Subnet":
      return `Subnet: ${familyName(rule.family)} ${rule.network}/${rule.prefix}`
  }
}

// The rules seen as sets of integers. IPv4 addresses are also IPv6 addresses (`::ffff:a.b.c.d`,
// RFC 4291 §2.5.5.2), so that an IPv4 rule blocks the mapped form and an IPv6 rule over the mapped
// block blocks the plain IPv4 form, both ways, as Node's documentation promises.
class Index {
  constructor(readonly v4: IntervalSet<number>, readonly v6: IntervalSet<bigint>) {}

  static empty(): Index {
    return new Index(IntervalSet.empty(1), IntervalSet.empty(1n))
  }

  clone(): Index {
    return new Index(this.v4.clone(), this.v6.clone())
  }

  add(rule: Rule): void {
    const [start, end] = ruleBounds(rule)
    if (rule.family === "ipv4") {
      this.v4.add(start as number, end as number)
      this.v6.add(ip.MAPPED_BASE + BigInt(start), ip.MAPPED_BASE + BigInt(end))
    } else {
      const s = start as bigint
      const e = end as bigint
      this.v6.add(s, e)
      const mappedEnd = ip.MAPPED_BASE + BigInt(ip.MAX_IPV4)
      if (s <= mappedEnd && e >= ip.MAPPED_BASE) {
        const from = s > ip.MAPPED_BASE ? s : ip.MAPPED_BASE
        const to = e < mappedEnd ? e : mappedEnd
        this.v4.add(Number(from - ip.MAPPED_BASE), Number(to - ip.MAPPED_BASE))
      }
    }
  }
}

const ruleBounds = (rule: Rule): [number | bigint, number | bigint] => {
  const family = rule.family
  switch (rule._tag) {
    case "Address": {
      const value = ip.parse(rule.address, family)!
      return [value, value]
    }
    case "Range":
      return [ip.parse(rule.start, family)!, ip.parse(rule.end, family)!]
    case "Subnet": {
      if (family === "ipv4") {
        const value = ip.parseIPv4(rule.network)!
        const hostBits = 32 - rule.prefix
        const size = 2 ** hostBits
        const start = Math.floor(value / size) * size
        return [start, start + size - 1]
      }
      const value = ip.parseIPv6(rule.network)!
      const hostMask = (1n << BigInt(128 - rule.prefix)) - 1n
      const start = value & ~hostMask
      return [start, start | hostMask]
    }
  }
}

class BlockListImpl implements BlockList {
  readonly [TypeId]: TypeId = TypeId
  private cachedRules: ReadonlyArray<Rule> | undefined
  cachedIndex: Index | undefined
  constructor(
    readonly list: List.List<Rule>,
    // The index of the list this one was made from by adding `list.head`, if it was built: the new
    // index is then a copy plus one insertion instead of a full build.
    private baseIndex: Index | undefined
  ) {}
  get rules(): ReadonlyArray<Rule> {
    return this.cachedRules ??= List.toArray(this.list)
  }
  get index(): Index {
    if (this.cachedIndex === undefined) {
      if (this.baseIndex !== undefined && List.isCons(this.list)) {
        const index = this.baseIndex.clone()
        index.add(this.list.head)
        this.cachedIndex = index
        this.baseIndex = undefined
      } else {
        const index = Index.empty()
        for (const rule of this.list) index.add(rule)
        this.cachedIndex = index
      }
    }
    return this.cachedIndex
  }
  [Equal.symbol](that: unknown): boolean {
    if (!isBlockList(that)) return false
    const a = this.rules
    const b = that.rules
    return a.length === b.length && a.every((rule, i) => formatRule(rule) === formatRule(b[i]!))
  }
  [Hash.symbol](): number {
    return Hash.cached(this, Hash.array(this.rules.map(formatRule)))
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString(): string {
    return Inspectable.format(this.toJSON())
  }
  toJSON() {
    return { _id: "BlockList", rules: this.rules.map(formatRule) }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toJSON()
  }
}

const withRule = (self: BlockList, rule: Rule): BlockList => {
  const impl = self as BlockListImpl
  return new BlockListImpl(List.prepend(impl.list, rule), impl.cachedIndex)
}

/**
 * Tells whether a value is a `BlockList`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isBlockList = (u: unknown): u is BlockList => Predicate.hasProperty(u, TypeId)

/**
 * The list without rules: it blocks nothing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: BlockList = new BlockListImpl(List.empty(), undefined)

const invalidAddress = (argument: string, value: unknown, family: Family) =>
  new InvalidArgument({
    code: "ERR_INVALID_ADDRESS",
    argument,
    value,
    reason: `is not an ${familyName(family)} address`
  })

/** Resolves an address argument to its canonical text and integer value. */
const resolveAddress = (
  argument: string,
  input: AddressInput,
  family: Family | undefined
): Either.Either<
  { readonly family: Family; readonly text: string; readonly value: number | bigint },
  InvalidArgument
> => {
  if (isSocketAddress(input)) {
    return Either.right({ family: input.family, text: input.address, value: ip.parse(input.address, input.family)! })
  }
  const resolved = family ?? (ip.isIPv6(input) ? "ipv6" : "ipv4")
  const value = ip.parse(input, resolved)
  return value === undefined
    ? Either.left(invalidAddress(argument, input, resolved))
    : Either.right({ family: resolved, text: ip.format(value, resolved), value })
}

const isBlockListArgs = (args: IArguments) => isBlockList(args[0])

/**
 * Adds a rule that blocks one address. `family` is inferred from the address when omitted.
 *
 * Fails with `InvalidArgument` (`ERR_INVALID_ADDRESS`) when the address is not one of `family`.
 *
 * @example
 * import { BlockList } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const list = yield* BlockList.addAddress(BlockList.empty, "123.123.123.123")
 *   return BlockList.check(list, "::ffff:7b7b:7b7b") // true: the IPv4-mapped form is blocked too
 * })
 *
 * @since 0.1.0
 * @category combinators
 */
export const addAddress: {
  (address: AddressInput, family?: Family): (self: BlockList) => Either.Either<BlockList, InvalidArgument>
  (self: BlockList, address: AddressInput, family?: Family): Either.Either<BlockList, InvalidArgument>
} = dual(
  isBlockListArgs,
  (self: BlockList, address: AddressInput, family?: Family): Either.Either<BlockList, InvalidArgument> =>
    Either.map(
      resolveAddress("address", address, family),
      (a) => withRule(self, { _tag: "Address", family: a.family, address: a.text })
    )
)

/**
 * Adds a rule that blocks every address from `start` to `end`, both included.
 *
 * Fails with `InvalidArgument`: `ERR_INVALID_ADDRESS` for a malformed address,
 * `ERR_INVALID_ARG_VALUE` when `start` comes after `end` or the two are of different families.
 *
 * @since 0.1.0
 * @category combinators
 */
export const addRange: {
  (
    start: AddressInput,
    end: AddressInput,
    family?: Family
  ): (self: BlockList) => Either.Either<BlockList, InvalidArgument>
  (self: BlockList, start: AddressInput, end: AddressInput, family?: Family): Either.Either<BlockList, InvalidArgument>
} = dual(
  isBlockListArgs,
  (
    self: BlockList,
    start: AddressInput,
    end: AddressInput,
    family?: Family
  ): Either.Either<BlockList, InvalidArgument> =>
    Either.gen(function*() {
      const from = yield* resolveAddress("start", start, family)
      const to = yield* resolveAddress("end", end, family ?? from.family)
      if (from.family !== to.family) {
        return yield* Either.left(
          new InvalidArgument({
            code: "ERR_INVALID_ARG_VALUE",
            argument: "end",
            value: to.text,
            reason: `must be of the same family as start (${familyName(from.family)})`
          })
        )
      }
      if (from.value > to.value) {
        return yield* Either.left(
          new InvalidArgument({
            code: "ERR_INVALID_ARG_VALUE",
            argument: "start",
            value: from.text,
            reason: "must come before end"
          })
        )
      }
      return withRule(self, { _tag: "Range", family: from.family, start: from.text, end: to.text })
    })
)

/**
 * Adds a rule that blocks a subnet in CIDR terms: the addresses whose first `prefix` bits are
 * those of `network` (0 to 32 for IPv4, 0 to 128 for IPv6).
 *
 * Fails with `InvalidArgument`: `ERR_INVALID_ADDRESS` for a malformed network, `ERR_OUT_OF_RANGE`
 * for a prefix that is not an integer in its family's range.
 *
 * @example
 * import { BlockList } from "@netfx/core"
 * import { Either } from "effect"
 *
 * const list = BlockList.empty.pipe(BlockList.addSubnet("8592:757c:efae:4e45::", 64))
 * // Either.right(...)
 *
 * @since 0.1.0
 * @category combinators
 */
export const addSubnet: {
  (
    network: AddressInput,
    prefix: number,
    family?: Family
  ): (self: BlockList) => Either.Either<BlockList, InvalidArgument>
  (self: BlockList, network: AddressInput, prefix: number, family?: Family): Either.Either<BlockList, InvalidArgument>
} = dual(
  isBlockListArgs,
  (
    self: BlockList,
    network: AddressInput,
    prefix: number,
    family?: Family
  ): Either.Either<BlockList, InvalidArgument> =>
    Either.flatMap(resolveAddress("network", network, family), (net) => {
      const max = net.family === "ipv4" ? 32 : 128
      if (!(Number.isInteger(prefix) && prefix >= 0 && prefix <= max)) {
        return Either.left(
          new InvalidArgument({
            code: "ERR_OUT_OF_RANGE",
            argument: "prefix",
            value: prefix,
            reason: `must be >= 0 && <= ${max}`
          })
        )
      }
      return Either.right(withRule(self, { _tag: "Subnet", family: net.family, network: net.text, prefix }))
    })
)

/**
 * Tells whether an address is blocked by any rule. An IPv4 address and its IPv4-mapped IPv6 form
 * (`::ffff:a.b.c.d`) are the same host: a rule of either family blocks both.
 *
 * `family` is inferred from the text when omitted. Text that is not an address of `family` is not
 * blocked (Node answers `false` too).
 *
 * @example
 * import { BlockList } from "@netfx/core"
 * import { Either } from "effect"
 *
 * const list = Either.getOrThrow(BlockList.addRange(BlockList.empty, "10.0.0.1", "10.0.0.10"))
 * BlockList.check(list, "10.0.0.3") // true
 * BlockList.check(list, "::ffff:10.0.0.3") // true
 * BlockList.check(list, "222.111.111.222") // false
 *
 * @since 0.1.0
 * @category accessors
 */
export const check: {
  (address: AddressInput, family?: Family): (self: BlockList) => boolean
  (self: BlockList, address: AddressInput, family?: Family): boolean
} = dual(isBlockListArgs, (self: BlockList, address: AddressInput, family?: Family): boolean => {
  const index = (self as BlockListImpl).index
  let resolved: Family
  let text: string
  if (isSocketAddress(address)) {
    resolved = address.family
    text = address.address
  } else {
    resolved = family ?? (ip.isIPv4(address) ? "ipv4" : "ipv6")
    text = address
  }
  if (resolved === "ipv4") {
    const value = ip.parseIPv4(text)
    return value !== undefined && index.v4.has(value)
  }
  const value = ip.parseIPv6(text)
  return value !== undefined && index.v6.has(value)
})

/**
 * Appends the rules of `that` to `self`, as if each had been added to `self` in the order it was
 * added to `that`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const concat: {
  (that: BlockList): (self: BlockList) => BlockList
  (self: BlockList, that: BlockList): BlockList
} = dual(2, (self: BlockList, that: BlockList): BlockList => {
  let out = self
  const rules = that.rules
  for (let i = rules.length - 1; i >= 0; i--) out = withRule(out, rules[i]!)
  return out
})

/**
 * The rules in Node's text form, newest first: what `blockList.rules` and `blockList.toJSON()`
 * return in Node.
 *
 * @since 0.1.0
 * @category accessors
 */
export const toJSON = (self: BlockList): Array<string> => self.rules.map(formatRule)

const ruleLine = /^(Address|Range|Subnet): (IPv4|IPv6) (\S+)$/

/**
 * Reads one rule in Node's text form.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parseRule = (line: string, argument = "rule"): Either.Either<Rule, InvalidArgument> => {
  const match = ruleLine.exec(line)
  if (match === null) {
    return Either.left(
      new InvalidArgument({
        code: "ERR_INVALID_ARG_VALUE",
        argument,
        value: line,
        reason:
          "is not a rule such as 'Address: IPv4 10.0.0.5', 'Range: IPv4 10.0.0.1-10.0.0.10' or 'Subnet: IPv6 ::/64'"
      })
    )
  }
  const [, kind, name, body] = match as unknown as [string, Rule["_tag"], string, string]
  const family: Family = name === "IPv4" ? "ipv4" : "ipv6"
  const malformed = () =>
    new InvalidArgument({ code: "ERR_INVALID_ARG_VALUE", argument, value: line, reason: `is not a valid ${kind} rule` })
  // Each kind's own constructor validates; only the argument name changes, to point at the line.
  const withArgument = (error: InvalidArgument) => new InvalidArgument({ ...error, argument })
  switch (kind) {
    case "Address":
      return Either.mapBoth(addAddress(empty, body, family), { onLeft: withArgument, onRight: (l) => l.rules[0]! })
    case "Range": {
      const dash = body.indexOf("-")
      if (dash === -1) return Either.left(malformed())
      return Either.mapBoth(addRange(empty, body.slice(0, dash), body.slice(dash + 1), family), {
        onLeft: withArgument,
        onRight: (l) => l.rules[0]!
      })
    }
    case "Subnet": {
      const slash = body.lastIndexOf("/")
      const prefix = body.slice(slash + 1)
      if (slash === -1 || !/^\d{1,3}$/.test(prefix)) return Either.left(malformed())
      return Either.mapBoth(addSubnet(empty, body.slice(0, slash), Number(prefix), family), {
        onLeft: withArgument,
        onRight: (l) => l.rules[0]!
      })
    }
  }
}

/**
 * Builds a list from rules in Node's text form, newest first (what `toJSON` gives), or from that
 * array as a JSON string. The round trip is exact: `toJSON(fromJSON(toJSON(list)))` equals
 * `toJSON(list)`.
 *
 * Fails with `InvalidArgument` (`ERR_INVALID_ARG_VALUE`, argument `data[i]`) on the first line that
 * is not a valid rule, and (`ERR_INVALID_ARG_TYPE`) when the JSON is not an array of strings.
 *
 * @example
 * import { BlockList } from "@netfx/core"
 *
 * const list = BlockList.fromJSON([
 *   "Subnet: IPv4 192.168.1.0/24",
 *   "Address: IPv4 10.0.0.5",
 *   "Range: IPv4 192.168.2.1-192.168.2.10"
 * ])
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJSON = (data: string | ReadonlyArray<string>): Either.Either<BlockList, InvalidArgument> => {
  let lines: unknown = data
  if (typeof data === "string") {
    try {
      lines = JSON.parse(data)
    } catch {
      lines = undefined
    }
  }
  if (!Array.isArray(lines) || !lines.every(Predicate.isString)) {
    return Either.left(
      new InvalidArgument({
        code: "ERR_INVALID_ARG_TYPE",
        argument: "data",
        value: data,
        reason: "must be an array of strings or its JSON text"
      })
    )
  }
  let list = empty
  for (let i = lines.length - 1; i >= 0; i--) {
    const rule = parseRule(lines[i] as string, `data[${i}]`)
    if (Either.isLeft(rule)) return Either.left(rule.left)
    list = withRule(list, rule.right)
  }
  return Either.right(list)
}

/**
 * A schema for a `BlockList` value itself.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BlockListFromSelf: Schema.Schema<BlockList> = Schema.declare(isBlockList, {
  identifier: "BlockList",
  equivalence: () => Equal.equals
})

/**
 * A schema from Node's text form (an array of rules, newest first) to a `BlockList`, and back.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BlockListFromJSON: Schema.Schema<BlockList, ReadonlyArray<string>> = Schema.transformOrFail(
  Schema.Array(Schema.String),
  BlockListFromSelf,
  {
    strict: true,
    decode: (lines, _, ast) =>
      Either.mapLeft(fromJSON(lines), (error) => new ParseResult.Type(ast, lines, error.message)),
    encode: (list) => ParseResult.succeed(toJSON(list))
  }
).annotations({ identifier: "BlockListFromJSON" })
