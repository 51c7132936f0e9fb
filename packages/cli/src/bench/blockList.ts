/**
 * BlockList `check` throughput: node:net's `BlockList`, `@netfx/core`'s `BlockList.check` and
 * `@netfx/compat`'s `BlockList`, on the same rules and the same 1,024 queries.
 */
import * as BlockList from "@netfx/core/BlockList"
import * as Either from "effect/Either"
import * as net from "node:net"
import type { BlockListImplementation } from "./protocol.js"

type Family = "ipv4" | "ipv6"

interface Rule {
  readonly kind: "address" | "range" | "subnet"
  readonly a: string
  readonly b: string | number
  readonly family: Family
}

type Check = (address: string, family: Family) => boolean

/** The API node:net's BlockList and @netfx/compat's share. */
interface NodeLikeBlockList {
  addAddress(address: string, family: Family): void
  addRange(start: string, end: string, family: Family): void
  addSubnet(network: string, prefix: number, family: Family): void
  check(address: string, family: Family): boolean
}

/** A deterministic generator, so that every run measures the same rules and queries. */
const generator = () => {
  let seed = 0x2545f491
  return (max: number) => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) % max
  }
}

const ipv4 = (n: number) => `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`
const ipv6 = (hi: number, lo: number) => `2001:db8:${hi.toString(16)}::${lo.toString(16)}`

/** A mix of IPv4 addresses, IPv4 ranges and IPv6 subnets; queries are IPv4 and IPv6, hits and misses. */
const makeCase = (count: number) => {
  const random = generator()
  const rules: Array<Rule> = Array.from({ length: count }, (_, i) => {
    const base = (10 << 24) + random(1 << 24)
    switch (i % 3) {
      case 0:
        return { kind: "address", a: ipv4(base), b: 0, family: "ipv4" }
      case 1:
        return { kind: "range", a: ipv4(base), b: ipv4(base + random(64)), family: "ipv4" }
      default:
        return { kind: "subnet", a: ipv6(random(0xffff), 0), b: 64 + random(64), family: "ipv6" }
    }
  })
  const queries: Array<readonly [string, Family]> = Array.from({ length: 1024 }, (_, i) => {
    const rule = rules[random(rules.length)]!
    if (i % 2 === 0 && rule.family === "ipv4") return [rule.a, "ipv4"] // a hit
    if (i % 4 === 1) return [ipv6(random(0xffff), random(0xffff)), "ipv6"]
    return [ipv4((10 << 24) + random(1 << 24)), "ipv4"]
  })
  return { rules, queries }
}

const buildNodeLike = (list: NodeLikeBlockList, rules: ReadonlyArray<Rule>): Check => {
  for (const r of rules) {
    if (r.kind === "address") list.addAddress(r.a, r.family)
    else if (r.kind === "range") list.addRange(r.a, r.b as string, r.family)
    else list.addSubnet(r.a, r.b as number, r.family)
  }
  return (address, family) => list.check(address, family)
}

const buildCore = (rules: ReadonlyArray<Rule>): Check => {
  let list = BlockList.empty
  for (const r of rules) {
    const next = r.kind === "address"
      ? BlockList.addAddress(list, r.a, r.family)
      : r.kind === "range"
      ? BlockList.addRange(list, r.a, r.b as string, r.family)
      : BlockList.addSubnet(list, r.a, r.b as number, r.family)
    list = Either.getOrThrow(next)
  }
  return (address, family) => BlockList.check(list, address, family)
}

const build = async (impl: BlockListImplementation, rules: ReadonlyArray<Rule>): Promise<Check> => {
  switch (impl) {
    case "node:net":
      return buildNodeLike(new net.BlockList(), rules)
    case "@netfx/compat": {
      const compat = await import("@netfx/compat")
      return buildNodeLike(new compat.BlockList(), rules)
    }
    case "@netfx/core":
      return buildCore(rules)
  }
}

const prepared = new Map<
  string,
  { readonly check: Check; readonly queries: ReadonlyArray<readonly [string, Family]> }
>()
/** node:net's answers, per number of rules. */
const references = new Map<number, Check>()

/** Builds (once per implementation and size) and checks every answer against node:net's. */
const prepare = async (impl: BlockListImplementation, count: number) => {
  const key = `${impl}/${count}`
  const found = prepared.get(key)
  if (found !== undefined) return found
  const { queries, rules } = makeCase(count)
  const check = await build(impl, rules)
  let reference = references.get(count)
  if (reference === undefined) {
    reference = impl === "node:net" ? check : buildNodeLike(new net.BlockList(), rules)
    references.set(count, reference)
  }
  for (const [address, family] of queries) {
    if (check(address, family) !== reference(address, family)) {
      throw new Error(`${impl} and node:net disagree on ${address} (${family})`)
    }
  }
  const made = { check, queries }
  prepared.set(key, made)
  return made
}

/** Checks per second over one round of about `millis`. */
export const measure = async (impl: BlockListImplementation, count: number, millis: number): Promise<number> => {
  const { check, queries } = await prepare(impl, count)
  let hits = 0
  let done = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(millis) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (const [address, family] of queries) if (check(address, family)) hits++
    done += queries.length
    now = process.hrtime.bigint()
  }
  if (hits < 0) throw new Error("unreachable: keeps the checks observable")
  return done / (Number(now - start) / 1e9)
}
