/**
 * Generators of address text for property tests: valid addresses in every spelling Node accepts,
 * and near misses (leading zeros, whitespace, CIDR suffixes, bad zone ids, stray colons).
 */
import { FastCheck as fc } from "effect"

export const octet = fc.integer({ min: 0, max: 255 })

export const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join("."))

const hextet = fc.integer({ min: 0, max: 0xffff })

const hexText = (n: number, upper: boolean, pad: boolean) => {
  const text = n.toString(16)
  const padded = pad ? text.padStart(4, "0") : text
  return upper ? padded.toUpperCase() : padded
}

/** An IPv6 address from eight groups, written with or without "::", padding and upper case. */
export const ipv6 = fc
  .record({
    groups: fc.array(fc.oneof(hextet, fc.constant(0), fc.constant(0)), { minLength: 8, maxLength: 8 }),
    upper: fc.boolean(),
    pad: fc.boolean(),
    compress: fc.boolean(),
    tail: fc.option(ipv4, { nil: undefined })
  })
  .map(({ compress, groups, pad, tail, upper }) => {
    const words = groups.map((g) => hexText(g, upper, pad))
    if (tail !== undefined) words.splice(6, 2, tail)
    if (!compress) return words.join(":")
    // Compress the longest run of "0" groups (or any run), as a writer might.
    let best = -1
    let bestLen = 0
    for (let i = 0; i < words.length; i++) {
      let j = i
      while (j < words.length && /^0+$/.test(words[j]!)) j++
      if (j - i > bestLen) {
        best = i
        bestLen = j - i
      }
    }
    if (bestLen === 0) return words.join(":")
    return `${words.slice(0, best).join(":")}::${words.slice(best + bestLen).join(":")}`
  })

/** An IPv4-mapped IPv6 address, dotted or in hex. */
export const mappedIPv6 = fc.tuple(ipv4, fc.boolean()).map(([v4, hex]) => {
  if (!hex) return `::ffff:${v4}`
  const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number]
  return `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
})

const zone = fc.stringMatching(/^[0-9a-zA-Z.:-]{1,6}$/)

/** Valid and near-miss strings around IP addresses. */
export const addressLike: fc.Arbitrary<string> = fc.oneof(
  ipv4,
  ipv6,
  mappedIPv6,
  fc.tuple(ipv6, zone).map(([a, z]) => `${a}%${z}`),
  fc.tuple(ipv4, fc.integer({ min: 0, max: 3 })).map(([a, i]) => {
    const parts = a.split(".")
    parts[i] = `0${parts[i]}`
    return parts.join(".")
  }),
  fc.tuple(fc.oneof(ipv4, ipv6), fc.constantFrom(" ", "\t", "\n", "/24", "/64", ":80", "%", "%a b", ".", "::")).chain((
    [a, extra]
  ) => fc.constantFrom(`${a}${extra}`, `${extra}${a}`)),
  fc.tuple(ipv6, fc.constantFrom(":", "::", ":1", "1:")).map(([a, extra]) => `${a}${extra}`),
  fc.stringMatching(/^[0-9a-fA-F:.%]{0,20}$/),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "",
    "::",
    "::1",
    "1::",
    "0.0.0.0",
    "255.255.255.255",
    "256.0.0.0",
    "1.2.3",
    "1.2.3.4.5",
    "::ffff:1.2.3.4"
  )
)
