/**
 * IP address machinery: Node's exact textual rules, conversion to integers, canonical formatting.
 *
 * Which strings count as an IP follows Node's `lib/internal/net.js` (the `IPv4Reg` and `IPv6Reg`
 * grammars), because `net.isIP` is a public contract that users depend on. Turning a valid string
 * into numbers is left to ipaddr.js. Addresses are kept as integers: an IPv4 address as an unsigned
 * 32-bit `number`, an IPv6 address as a 128-bit `bigint`.
 */
import ipaddr from "ipaddr.js"

/** @internal */
export type Family = "ipv4" | "ipv6"

// lib/internal/net.js: a decimal octet without leading zeros, four of them.
const v4Seg = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`
const IPv4Reg = new RegExp(`^${v4Str}$`)

// lib/internal/net.js: every legal position of "::" spelled out, an optional trailing dotted IPv4,
// and an optional zone id of letters, digits, '-', '.' and ':'.
const v6Seg = "(?:[0-9a-fA-F]{1,4})"
const IPv6Reg = new RegExp(
  "^(?:" +
    `(?:${v6Seg}:){7}(?:${v6Seg}|:)|` +
    `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|` +
    `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|` +
    `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|` +
    `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|` +
    `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|` +
    `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|` +
    `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))` +
    ")(?:%[0-9a-zA-Z-.:]{1,})?$"
)

/** @internal */
export const isIPv4 = (input: string): boolean => IPv4Reg.test(input)

/** @internal */
export const isIPv6 = (input: string): boolean => IPv6Reg.test(input)

/** @internal */
export const MAX_IPV4 = 0xffffffff

/** @internal */
export const MAX_IPV6 = (1n << 128n) - 1n

/** The IPv4-mapped IPv6 block `::ffff:0:0/96` (RFC 4291 §2.5.5.2) starts here. @internal */
export const MAPPED_BASE = 0xffff00000000n

/** Parses an IPv4 address that passes Node's grammar into an unsigned 32-bit integer. @internal */
export const parseIPv4 = (input: string): number | undefined => {
  if (!IPv4Reg.test(input)) return undefined
  // Node's grammar has validated four decimal octets: fold the digits in one pass (a check's hot
  // path; several times faster than a second parse by ipaddr.js).
  let value = 0
  let octet = 0
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i)
    if (c === 46) {
      value = value * 256 + octet
      octet = 0
    } else {
      octet = octet * 10 + c - 48
    }
  }
  return value * 256 + octet
}

/** Parses an IPv6 address that passes Node's grammar into a 128-bit integer; the zone id is dropped. @internal */
export const parseIPv6 = (input: string): bigint | undefined => {
  if (!IPv6Reg.test(input)) return undefined
  const zone = input.indexOf("%")
  let text = zone === -1 ? input : input.slice(0, zone)
  // ipaddr.js reads the deprecated IPv4-compatible form "::a.b.c.d" as IPv4-mapped
  // ("::ffff:a.b.c.d"); Node (inet_pton) keeps it as written. Spell a dotted tail in hex first.
  const tailStart = text.lastIndexOf(":") + 1
  if (text.indexOf(".", tailStart) !== -1) {
    const v4 = parseIPv4(text.slice(tailStart))!
    text = `${text.slice(0, tailStart)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const p = ipaddr.IPv6.parse(text).parts as [number, number, number, number, number, number, number, number]
  // Two 64-bit halves from exact doubles (each step < 2^53): 4 BigInts instead of 8.
  const hi = (BigInt(p[0] * 0x10000 + p[1]) << 32n) | BigInt(p[2] * 0x10000 + p[3])
  const lo = (BigInt(p[4] * 0x10000 + p[5]) << 32n) | BigInt(p[6] * 0x10000 + p[7])
  return (hi << 64n) | lo
}

/** Parses an address of the given family. @internal */
export const parse = (input: string, family: Family): number | bigint | undefined =>
  family === "ipv4" ? parseIPv4(input) : parseIPv6(input)

/** @internal */
export const formatIPv4 = (value: number): string =>
  `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`

/**
 * Formats an IPv6 address as Node prints it (libuv's `inet_ntop`, from BSD): lower-case hex, the
 * first longest run of two or more zero groups compressed to "::", and a dotted IPv4 tail for
 * IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`, not `::` or `::1`) addresses.
 * @internal
 */
export const formatIPv6 = (value: bigint): string => {
  const words: Array<number> = []
  for (let shift = 112n; shift >= 0n; shift -= 16n) words.push(Number((value >> shift) & 0xffffn))
  let bestBase = -1
  let bestLen = 0
  let curBase = -1
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (curBase === -1) curBase = i
    } else if (curBase !== -1) {
      if (i - curBase > bestLen) {
        bestBase = curBase
        bestLen = i - curBase
      }
      curBase = -1
    }
  }
  if (bestLen < 2) bestBase = -1
  let out = ""
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":"
      continue
    }
    if (i !== 0) out += ":"
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIPv4(Number(value & 0xffffffffn))
      return out
    }
    out += words[i]!.toString(16)
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ":"
  return out
}

/** @internal */
export const format = (value: number | bigint, family: Family): string =>
  family === "ipv4" ? formatIPv4(value as number) : formatIPv6(value as bigint)

/** The IPv4 address inside an IPv4-mapped IPv6 address, if it is one. @internal */
export const unmapIPv6 = (value: bigint): number | undefined =>
  value >> 32n === 0xffffn ? Number(value & 0xffffffffn) : undefined
