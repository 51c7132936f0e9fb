/**
 * BlockList `check` throughput, netfx against Node's own `net.BlockList`, in the same process.
 *
 *   npm run bench -w @netfx/core            (or: npm run bench at the root)
 *   npm run bench -w @netfx/core -- --json  (machine-readable)
 *
 * For 10, 1,000 and 10,000 rules (a mix of IPv4 addresses, IPv4 ranges and IPv6 subnets), both
 * implementations check the same 1,024 addresses (IPv4 and IPv6, hits and misses). Rounds alternate
 * between the implementations so that both see the same machine state; the median of the rounds is
 * reported with the ratio netfx / node (above 1: netfx is faster).
 */
import { BlockList } from "@netfx/core"
import { Either } from "effect"
import * as net from "node:net"

const RULE_COUNTS = [10, 1_000, 10_000]
const ROUNDS = 7
const ROUND_MILLIS = 200

interface Rule {
  readonly kind: "address" | "range" | "subnet"
  readonly a: string
  readonly b: string | number
  readonly family: "ipv4" | "ipv6"
}

// A deterministic generator, so that every run measures the same rules and queries.
let seed = 0x2545f491
const random = (max: number) => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) % max
}
const ipv4 = (n: number) => `${(n >>> 24) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`
const ipv6 = (hi: number, lo: number) => `2001:db8:${hi.toString(16)}::${lo.toString(16)}`

const makeRules = (count: number): Array<Rule> =>
  Array.from({ length: count }, (_, i) => {
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

const makeQueries = (rules: ReadonlyArray<Rule>): Array<[string, "ipv4" | "ipv6"]> =>
  Array.from({ length: 1024 }, (_, i) => {
    const rule = rules[random(rules.length)]!
    if (i % 2 === 0 && rule.family === "ipv4") return [rule.a, "ipv4"] // a hit
    if (i % 4 === 1) return [ipv6(random(0xffff), random(0xffff)), "ipv6"]
    return [ipv4((10 << 24) + random(1 << 24)), "ipv4"]
  })

const buildNode = (rules: ReadonlyArray<Rule>) => {
  const list = new net.BlockList()
  for (const r of rules) {
    if (r.kind === "address") list.addAddress(r.a, r.family)
    else if (r.kind === "range") list.addRange(r.a, r.b as string, r.family)
    else list.addSubnet(r.a, r.b as number, r.family)
  }
  return (address: string, family: "ipv4" | "ipv6") => list.check(address, family)
}

const buildNetfx = (rules: ReadonlyArray<Rule>) => {
  let list = BlockList.empty
  for (const r of rules) {
    const next = r.kind === "address"
      ? BlockList.addAddress(list, r.a, r.family)
      : r.kind === "range"
      ? BlockList.addRange(list, r.a, r.b as string, r.family)
      : BlockList.addSubnet(list, r.a, r.b as number, r.family)
    list = Either.getOrThrow(next)
  }
  return (address: string, family: "ipv4" | "ipv6") => BlockList.check(list, address, family)
}

/** Checks per second over one round of about ROUND_MILLIS. */
const measure = (
  check: (address: string, family: "ipv4" | "ipv6") => boolean,
  queries: Array<[string, "ipv4" | "ipv6"]>
) => {
  let hits = 0
  let done = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ROUND_MILLIS) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (const [address, family] of queries) if (check(address, family)) hits++
    done += queries.length
    now = process.hrtime.bigint()
  }
  if (hits < 0) throw new Error("unreachable: keeps the checks observable")
  return done / (Number(now - start) / 1e9)
}

const median = (values: Array<number>) => values.slice().sort((a, b) => a - b)[values.length >> 1]!

const rows: Array<{ rules: number; node: number; netfx: number; ratio: number }> = []
for (const count of RULE_COUNTS) {
  const rules = makeRules(count)
  const queries = makeQueries(rules)
  const node = buildNode(rules)
  const netfx = buildNetfx(rules)
  for (const [address, family] of queries) {
    if (node(address, family) !== netfx(address, family)) throw new Error(`disagreement on ${address}`)
  }
  measure(node, queries) // warm up both
  measure(netfx, queries)
  const nodeRounds: Array<number> = []
  const netfxRounds: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    nodeRounds.push(measure(node, queries))
    netfxRounds.push(measure(netfx, queries))
  }
  const row = { rules: count, node: median(nodeRounds), netfx: median(netfxRounds), ratio: 0 }
  row.ratio = row.netfx / row.node
  rows.push(row)
}

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ benchmark: "BlockList.check", node: process.version, rows }, null, 2))
} else {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(13)
  console.log(`BlockList.check, checks per second (median of ${ROUNDS} rounds, ${process.version})`)
  console.log(`${"rules".padStart(7)} ${"node:net".padStart(13)} ${"netfx".padStart(13)}  netfx/node`)
  for (const row of rows) {
    console.log(`${String(row.rules).padStart(7)} ${fmt(row.node)} ${fmt(row.netfx)}  ${row.ratio.toFixed(2)}x`)
  }
}
