/**
 * Generators shared by the property tests: IP addresses as values (so that a test knows what an
 * address is without parsing it) written in the textual forms Node accepts, and strings close to
 * addresses.
 */
import { FastCheck as fc } from "effect"

/** An address with its integer value and one of its textual forms. */
export type Address =
  | { readonly family: "ipv4"; readonly value: number; readonly text: string }
  | { readonly family: "ipv6"; readonly value: bigint; readonly text: string }

/** The IPv4-mapped IPv6 block `::ffff:0:0/96` (RFC 4291 §2.5.5.2) starts here. */
export const MAPPED_BASE = 0xffff00000000n

const MAX_IPV4 = 0xffffffff
const MAX_IPV6 = (1n << 128n) - 1n

/** Whether an IPv6 value is an IPv4-mapped address. */
export const isMapped = (value: bigint): boolean => value >> 32n === 0xffffn

export const formatIPv4 = (value: number): string =>
  `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`

const groupsOf = (value: bigint): Array<number> => {
  const groups: Array<number> = []
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn))
  return groups
}

/** The runs of zero groups, as [start, length]. */
const zeroRuns = (groups: ReadonlyArray<number>): Array<readonly [number, number]> => {
  const runs: Array<readonly [number, number]> = []
  for (let i = 0; i < groups.length; i++) {
    if (groups[i] !== 0) continue
    let j = i
    while (j < groups.length && groups[j] === 0) j++
    runs.push([i, j - i])
    i = j
  }
  return runs
}

/**
 * The ways to write an IPv6 value that Node's grammar accepts: all eight groups (plain or padded to
 * four digits), one run of zeros compressed to `::` (any run, not only the longest), upper case,
 * and a dotted IPv4 tail for IPv4-mapped and other addresses.
 */
const ipv6Forms = (value: bigint): Array<string> => {
  const groups = groupsOf(value)
  const hex = groups.map((g) => g.toString(16))
  const forms = [hex.join(":"), groups.map((g) => g.toString(16).padStart(4, "0")).join(":")]
  for (const [start, length] of zeroRuns(groups)) {
    forms.push(`${hex.slice(0, start).join(":")}::${hex.slice(start + length).join(":")}`)
  }
  forms.push(forms[forms.length - 1]!.toUpperCase())
  const tail = formatIPv4(Number(value & 0xffffffffn))
  const head = hex.slice(0, 6)
  forms.push(`${head.join(":")}:${tail}`)
  const headRuns = zeroRuns(groups.slice(0, 6))
  if (headRuns.length > 0) {
    const [start, length] = headRuns[headRuns.length - 1]!
    forms.push(
      `${head.slice(0, start).join(":")}::${head.slice(start + length).join(":")}${
        start + length === 6 ? "" : ":"
      }${tail}`
    )
  }
  return forms
}

const ipv4Bases = [0, 0x0a000000, 0x0a0000f0, 0x7b7b7b70, 0x7f000000, 0xc0a80100, 0xc0a802f8, MAX_IPV4 - 15]

/** IPv4 values, mostly in a few small neighbourhoods so that rules and checks meet. */
export const ipv4Value: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...ipv4Bases), fc.integer({ min: 0, max: 15 })), weight: 3 },
  { arbitrary: fc.tuple(fc.constant(0), fc.integer({ min: 0, max: MAX_IPV4 })), weight: 1 }
).map(([base, offset]) => Math.min(base + offset, MAX_IPV4))

const ipv6Bases = [
  0n,
  0x8592757cefae4e45n << 64n,
  0xfe80n << 112n,
  0x20010db8n << 96n,
  MAPPED_BASE - 8n,
  MAPPED_BASE + BigInt(MAX_IPV4) - 7n,
  MAX_IPV6 - 15n
]

/**
 * IPv6 values: IPv4-mapped and IPv4-compatible forms of the IPv4 values, a few neighbourhoods (the
 * edges of the mapped block among them), and random ones.
 */
export const ipv6Value: fc.Arbitrary<bigint> = fc.oneof(
  ipv4Value.map((v4) => MAPPED_BASE + BigInt(v4)),
  ipv4Value.map((v4) => BigInt(v4)),
  fc.tuple(fc.constantFrom(...ipv6Bases), fc.bigInt({ min: 0n, max: 15n })).map(([base, offset]) =>
    base + offset > MAX_IPV6 ? MAX_IPV6 : base + offset
  ),
  fc.bigInt({ min: 0n, max: MAX_IPV6 })
)

export const ipv4Address: fc.Arbitrary<Address> = ipv4Value.map((value) => ({
  family: "ipv4",
  value,
  text: formatIPv4(value)
}))

export const ipv6Address: fc.Arbitrary<Address> = ipv6Value.chain((value) =>
  fc.constantFrom(...ipv6Forms(value)).map((text): Address => ({ family: "ipv6", value, text }))
)

export const address: fc.Arbitrary<Address> = fc.oneof(ipv4Address, ipv6Address)

/** A CIDR prefix for a family, biased to the edges. */
export const prefix = (family: "ipv4" | "ipv6"): fc.Arbitrary<number> =>
  family === "ipv4"
    ? fc.oneof(fc.constantFrom(0, 1, 8, 16, 24, 31, 32), fc.integer({ min: 0, max: 32 }))
    : fc.oneof(fc.constantFrom(0, 1, 64, 80, 95, 96, 97, 100, 120, 127, 128), fc.integer({ min: 0, max: 128 }))

/** A zone id made of what Node's grammar allows, and of what it does not. */
export const zoneId: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom("e", "t", "h", "0", "1", "-", ".", ":", "%", " ", "_", "/", "Z"),
  maxLength: 6
})

/** Strings close to addresses: valid ones with something added, cut or changed, and random text. */
export const nearAddress: fc.Arbitrary<string> = fc.oneof(
  address.map((a) => a.text),
  fc.tuple(address, fc.constantFrom(" ", "\t", "/24", "/", ":", "::", ".0", ".", ":80", "]", "g")).map(([a, s]) =>
    `${a.text}${s}`
  ),
  fc.tuple(fc.constantFrom(" ", "[", ":", "0", "::", "."), address).map(([s, a]) => `${s}${a.text}`),
  fc.tuple(address, fc.nat()).map(([a, n]) => a.text.slice(0, n % (a.text.length + 1))),
  fc.tuple(ipv4Address, fc.integer({ min: 0, max: 3 })).map(([a, i]) => {
    const octets = a.text.split(".")
    octets[i] = `0${octets[i]}`
    return octets.join(".")
  }),
  fc.ipV4Extended(),
  fc.string({ unit: fc.constantFrom("0", "1", "9", "a", "f", "F", ":", ".", "%", "/", " "), maxLength: 16 }),
  fc.string({ maxLength: 12 })
)
