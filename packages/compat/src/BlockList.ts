/**
 * `net.BlockList`: Node's validation in front of the core's immutable `BlockList`, which this
 * class replaces with a new value at each added rule.
 *
 * @since 0.1.0
 */
import * as CoreBlockList from "@netfx/core/BlockList"
import type { InvalidArgument } from "@netfx/core/NetError"
import * as Either from "effect/Either"
import type { InspectOptionsStylized } from "node:util"
import { inspect } from "node:util"
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE } from "./internal/errors.js"
import { validateInt32, validateString } from "./internal/validators.js"
import type { IPVersion } from "./IP.js"
import { SocketAddress, toCore as socketAddressToCore } from "./SocketAddress.js"

// lib/internal/blocklist.js: an address argument is either a SocketAddress, taken as it is (the
// family argument is then ignored), or a string that becomes one with the given family, so that its
// errors are the SocketAddress ones (`options.family`, `Invalid socket address`).
const toSocketAddress = (value: unknown, name: string, family: unknown): SocketAddress => {
  if (SocketAddress.isSocketAddress(value)) return value
  validateString(value, name)
  validateString(family, "family")
  // `family` is only known to be a string: the constructor validates it the way Node does.
  return new SocketAddress({ address: value, family: family as IPVersion })
}

// As in Node, the handle is an own, enumerable symbol property (see SocketAddress.ts): hidden, and
// `util.inspect` prints `[BlockList]` past its depth limit.
const kHandle: unique symbol = Symbol("kHandle")

interface Handle {
  [kHandle]: CoreBlockList.BlockList
}

const coreOf = (self: BlockList): CoreBlockList.BlockList => (self as unknown as Handle)[kHandle]

const setCore = (self: BlockList, list: CoreBlockList.BlockList): void => {
  ;(self as unknown as Handle)[kHandle] = list
}

/**
 * Replaces the core list with `f(list)`. The core refuses only a range whose start comes after its
 * end, or (given two SocketAddress arguments) whose ends are of two families; the refusal becomes
 * Node's `ERR_INVALID_ARG_VALUE` naming the argument and showing its value from `args`.
 */
const update = (
  self: BlockList,
  f: (list: CoreBlockList.BlockList) => Either.Either<CoreBlockList.BlockList, InvalidArgument>,
  args: Readonly<Record<string, unknown>>
): void => {
  const result = f(coreOf(self))
  if (Either.isLeft(result)) {
    const error = result.left
    throw new ERR_INVALID_ARG_VALUE(error.argument, args[error.argument] ?? error.value, error.reason)
  }
  setCore(self, result.right)
}

/**
 * Rules that block IP addresses, ranges and subnets, as `net.BlockList`.
 *
 * An IPv4 address and its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) are the same host for every
 * rule. `rules` lists the newest rule first, like Node.
 *
 * @example
 * import { BlockList } from "@netfx/compat"
 *
 * const blockList = new BlockList()
 * blockList.addAddress("123.123.123.123")
 * blockList.addRange("10.0.0.1", "10.0.0.10")
 * blockList.addSubnet("8592:757c:efae:4e45::", 64, "ipv6")
 *
 * blockList.check("123.123.123.123") // true
 * blockList.check("10.0.0.3") // true
 * blockList.check("222.111.111.222") // false
 * blockList.check("::ffff:7b7b:7b7b", "ipv6") // true
 *
 * @since 0.1.0
 * @category models
 */
export class BlockList {
  constructor() {
    setCore(this, CoreBlockList.empty)
  }

  /**
   * Tells whether `value` is a `BlockList` of this package (a `node:net` one is not).
   *
   * @since 0.1.0
   */
  static isBlockList(value: unknown): value is BlockList {
    // lib/internal/blocklist.js (Node 24): `value?.[kHandle] !== undefined`.
    return (value as Partial<Handle> | null | undefined)?.[kHandle] !== undefined
  }

  /**
   * Adds a rule that blocks one address. `type` defaults to `'ipv4'` and is ignored when `address`
   * is a `SocketAddress`.
   *
   * @since 0.1.0
   */
  addAddress(address: string, type?: IPVersion): void
  addAddress(address: SocketAddress): void
  addAddress(address: unknown, type: unknown = "ipv4"): void {
    const value = toSocketAddress(address, "address", type)
    update(this, CoreBlockList.addAddress(socketAddressToCore(value)), { address: value })
  }

  /**
   * Adds a rule that blocks every address from `start` to `end`, both included. Throws
   * `ERR_INVALID_ARG_VALUE` when `start` comes after `end`.
   *
   * Two `SocketAddress` arguments of different families are refused (`ERR_INVALID_ARG_VALUE` naming
   * `end`); Node accepts them and stores a rule such as `Range: IPv4 1.2.3.4-::1`.
   *
   * @since 0.1.0
   */
  addRange(start: string, end: string, type?: IPVersion): void
  addRange(start: SocketAddress, end: SocketAddress): void
  addRange(start: unknown, end: unknown, type: unknown = "ipv4"): void {
    const from = toSocketAddress(start, "start", type)
    const to = toSocketAddress(end, "end", type)
    update(this, CoreBlockList.addRange(socketAddressToCore(from), socketAddressToCore(to)), { start: from, end: to })
  }

  /**
   * Adds a rule that blocks the addresses whose first `prefix` bits are those of `net`. `prefix` is
   * an integer from 0 to 32 for IPv4 and 0 to 128 for IPv6 (`ERR_OUT_OF_RANGE` otherwise).
   *
   * @since 0.1.0
   */
  addSubnet(net: SocketAddress, prefix: number): void
  addSubnet(net: string, prefix: number, type?: IPVersion): void
  addSubnet(net: unknown, prefix: unknown, type: unknown = "ipv4"): void {
    const network = toSocketAddress(net, "network", type)
    validateInt32(prefix, "prefix", 0, network.family === "ipv4" ? 32 : 128)
    update(this, CoreBlockList.addSubnet(socketAddressToCore(network), prefix), { network, prefix })
  }

  /**
   * Tells whether an address is blocked by any rule. Text that is not an address of `type`
   * (default `'ipv4'`) is not blocked: the answer is `false`, as in Node.
   *
   * Unlike Node, an IPv4 address is also checked against IPv6 ranges that cover its IPv4-mapped
   * form when the range's ends are not both IPv4-mapped (Node answers `false` there).
   *
   * @since 0.1.0
   */
  check(address: SocketAddress): boolean
  check(address: string, type?: IPVersion): boolean
  check(address: unknown, type: unknown = "ipv4"): boolean {
    let value: SocketAddress
    if (SocketAddress.isSocketAddress(address)) {
      value = address
    } else {
      validateString(address, "address")
      validateString(type, "family")
      try {
        value = new SocketAddress({ address, family: type as IPVersion })
      } catch {
        // lib/internal/blocklist.js: "If it's not a valid address, return false."
        return false
      }
    }
    return CoreBlockList.check(coreOf(this), socketAddressToCore(value))
  }

  /**
   * The rules, newest first as in Node 20 (Node 24 lists them in another order):
   * `'Address: IPv4 10.0.0.5'`, `'Range: IPv4 10.0.0.1-10.0.0.10'`,
   * `'Subnet: IPv6 8592:757c:efae:4e45::/64'`. A new array at each read.
   *
   * @since 0.1.0
   */
  get rules(): ReadonlyArray<string> {
    return CoreBlockList.toJSON(coreOf(this))
  }

  /**
   * The rules (what `rules` gives), so that `JSON.stringify(blockList)` saves them.
   *
   * @since 0.1.0
   */
  toJSON(): ReadonlyArray<string> {
    return this.rules
  }

  /**
   * Adds rules in the form `toJSON` gives, as an array or as its JSON text, to this list.
   *
   * Arguments are checked as in Node 24: anything but a string or an array of strings, or JSON text
   * that is not an array of strings, throws `ERR_INVALID_ARG_TYPE`; text that is not JSON throws
   * JSON's `SyntaxError`. Unlike Node 24, the lines keep their order (`fromJSON(list.toJSON())`
   * gives back the same `rules`, where Node adds the lines one by one, the last becoming the newest),
   * every rule `toJSON` writes is read back (Node's patterns miss IPv6 rules with a dotted tail such
   * as `Subnet: IPv6 ::ffff:1.2.3.0/120`), and a line that is not a valid rule throws
   * `ERR_INVALID_ARG_VALUE` naming it (`data[1]`) and adds nothing, where Node skips the lines it
   * cannot match and keeps the rules added before a line that throws.
   *
   * @example
   * import { BlockList } from "@netfx/compat"
   *
   * const blockList = new BlockList()
   * blockList.fromJSON(["Subnet: IPv4 192.168.1.0/24", "Address: IPv4 10.0.0.5"])
   * blockList.check("192.168.1.7") // true
   *
   * @since 0.1.0
   */
  fromJSON(data: string | ReadonlyArray<string>): void {
    const lines = parseData(data)
    const parsed = CoreBlockList.fromJSON(lines)
    if (Either.isLeft(parsed)) {
      const error = parsed.left
      throw new ERR_INVALID_ARG_VALUE(error.argument, error.value, error.reason)
    }
    setCore(this, CoreBlockList.concat(coreOf(this), parsed.right))
  }

  /** `BlockList { rules: [ ... ] }`, as Node prints it. */
  [inspect.custom](depth: number, options: InspectOptionsStylized): unknown {
    // lib/internal/blocklist.js: below the depth limit, `this` is printed as `[BlockList]`.
    if (depth < 0) return this
    const opts = { ...options, depth: options.depth == null ? null : options.depth - 1 }
    return `BlockList ${inspect({ rules: this.rules }, opts)}`
  }
}

// lib/internal/blocklist.js (Node 24) `fromJSON`: a string is JSON text, and the array (given or
// parsed) must hold strings only; the error shows the value as given, or as parsed from the text.
const parseData = (data: unknown): ReadonlyArray<string> => {
  let value = data
  if (!Array.isArray(value)) {
    if (typeof value !== "string") throw new ERR_INVALID_ARG_TYPE("data", ["string", "string[]"], value)
    value = JSON.parse(value)
    if (!Array.isArray(value)) throw new ERR_INVALID_ARG_TYPE("data", ["string", "string[]"], value)
  }
  for (const line of value as ReadonlyArray<unknown>) {
    if (typeof line !== "string") throw new ERR_INVALID_ARG_TYPE("data", ["string", "string[]"], value)
  }
  return value as ReadonlyArray<string>
}

/**
 * The core `BlockList` value a compat one holds now, for the parts of netfx that take a core list
 * (connect and listen options).
 *
 * @internal
 */
export const toCore: (self: BlockList) => CoreBlockList.BlockList = coreOf
