import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { assertSameAsNode, propertyTimeout, returned } from "./differential.js"

// Every value given to isIP, isIPv4 and isIPv6 at once: the three answers are compared.
const assertSameAnswers = (input: unknown) =>
  assertSameAsNode((net) => ({
    isIP: net.isIP(input as string),
    isIPv4: net.isIPv4(input as string),
    isIPv6: net.isIPv6(input as string)
  }))

describe("isIP, isIPv4, isIPv6", () => {
  it("answers the reference's examples as documented", () => {
    // node-net-api.md, net.isIP
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIP("::1")), returned(6))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIP("127.0.0.1")), returned(4))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIP("127.000.000.001")), returned(0))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIP("127.0.0.1/24")), returned(0))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIP("fhqwhgads")), returned(0))
    // net.isIPv4
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIPv4("127.0.0.1")), returned(true))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIPv4("127.000.000.001")), returned(false))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIPv4("127.0.0.1/24")), returned(false))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIPv4("fhqwhgads")), returned(false))
    // net.isIPv6
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIPv6("::1")), returned(true))
    assert.deepStrictEqual(assertSameAsNode((net) => net.isIPv6("fhqwhgads")), returned(false))
  })

  it("reads edge forms of addresses as Node does", () => {
    for (
      const input of [
        "",
        "0.0.0.0",
        "255.255.255.255",
        "256.0.0.0",
        "1.2.3",
        "1.2.3.4.5",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.04",
        "::",
        ":::",
        "::ffff:1.2.3.4",
        "::ffff:7b7b:7b7b",
        "::1.2.3.4",
        "1::2::3",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "FE80::ABCD",
        "fe80::1%eth0",
        "fe80::1%1",
        "fe80::1%",
        "fe80::1%a b",
        "fe80::1%eth0.1:x-y",
        "[::1]",
        "::1/128",
        "0001:2:3:4:5:6:7:8",
        "00001::",
        "1.2.3.4%eth0",
        "::ffff:1.2.3.256"
      ]
    ) {
      assertSameAnswers(input)
    }
  })

  it("turns any value into a string first, as RegExp.prototype.test does", () => {
    for (
      const input of [
        undefined,
        null,
        true,
        12,
        1n,
        NaN,
        ["1.2.3.4"],
        ["::1"],
        [1, 2],
        {},
        { toString: () => "::1" },
        { toString: () => "1.2.3.4" },
        { valueOf: () => "1.2.3.4" },
        new String("127.0.0.1")
      ]
    ) {
      assertSameAnswers(input)
    }
  })

  it("throws what ToString throws: a Symbol, an object without a primitive, a throwing toString", () => {
    for (
      const input of [
        Symbol("1.2.3.4"),
        Object.create(null),
        { toString: () => ({}), valueOf: () => ({}) },
        {
          toString: () => {
            throw new RangeError("boom")
          }
        }
      ]
    ) {
      const observed = assertSameAsNode((net) => net.isIP(input))
      assert.strictEqual(observed._tag, "Threw")
      assertSameAsNode((net) => net.isIPv4(input))
      assertSameAsNode((net) => net.isIPv6(input))
    }
  })

  it("converts the input once per test, IPv4 first, as Node does", () => {
    const calls = (isIP: (input: string) => number) => {
      let count = 0
      const input = {
        toString: () => {
          count++
          return "::1"
        }
      }
      return [isIP(input as unknown as string), count]
    }
    assert.deepStrictEqual(assertSameAsNode((net) => calls(net.isIP)), returned([6, 2]))
  })

  describe("properties, against node:net", () => {
    const octet = fc.integer({ min: 0, max: 255 })
    // Forms close to an address, so that near misses are tried: leading zeros, signs, spaces.
    const mutatedOctet = fc.oneof(
      octet.map(String),
      octet.map((n) => `0${n}`),
      octet.map((n) => String(n).padStart(3, "0")),
      fc.integer({ min: 256, max: 999 }).map(String),
      fc.constantFrom("", " 1", "1 ", "+1", "-1", "0x1", "1e1")
    )
    const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join("."))
    const mutatedIPv4 = fc.array(mutatedOctet, { minLength: 3, maxLength: 5 }).map((parts) => parts.join("."))
    const zoneId = fc.string({
      unit: fc.constantFrom("e", "t", "h", "0", "1", "-", ".", ":", "%", " ", "_", "/", "Z"),
      maxLength: 6
    })
    const ipv6 = fc.oneof(
      fc.ipV6(),
      fc.ipV6().map((s) => s.toUpperCase()),
      ipv4.map((v4) => `::ffff:${v4}`),
      ipv4.map((v4) => `::${v4}`)
    )
    const mutatedIPv6 = fc.oneof(
      fc.tuple(ipv6, zoneId).map(([a, zone]) => `${a}%${zone}`),
      fc.tuple(ipv6, fc.integer({ min: 0, max: 200 })).map(([a, prefix]) => `${a}/${prefix}`),
      fc.tuple(ipv6, fc.constantFrom(":", "::", ":0", ".1", "g", ":12345")).map(([a, tail]) => `${a}${tail}`),
      fc.tuple(fc.constantFrom(":", "::", "0:", "[", "g"), ipv6).map(([head, a]) => `${head}${a}`),
      fc.array(fc.oneof(fc.hexaString({ maxLength: 5 }), fc.constant("")), { minLength: 1, maxLength: 10 })
        .map((groups) => groups.join(":"))
    )
    const whitespace = fc.tuple(fc.constantFrom(" ", "\t", "\n", "\u00a0", ""), fc.oneof(ipv4, ipv6))
      .chain(([space, a]) => fc.constantFrom(`${space}${a}`, `${a}${space}`, `${space}${a}${space}`))
    const cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 40 })).map(([a, prefix]) => `${a}/${prefix}`)
    const randomText = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom("0", "1", "9", "a", "f", "F", ":", ".", "%", "/", " ") })
    )
    const inputs = fc.oneof(ipv4, mutatedIPv4, fc.ipV4Extended(), ipv6, mutatedIPv6, whitespace, cidr, randomText)

    it("gives Node's answers for valid, mutated and random strings", () => {
      fc.assert(
        fc.property(inputs, (input) => {
          assertSameAnswers(input)
        }),
        { numRuns: 5000 }
      )
    }, propertyTimeout)

    it("accepts every generated valid address with the right version", () => {
      fc.assert(
        fc.property(fc.oneof(ipv4.map((a) => [a, 4] as const), ipv6.map((a) => [a, 6] as const)), ([a, version]) => {
          assert.deepStrictEqual(assertSameAsNode((net) => net.isIP(a)), returned(version))
        }),
        { numRuns: 1000 }
      )
    }, propertyTimeout)
  })
})
