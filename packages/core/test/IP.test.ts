import { assert, describe, it } from "@effect/vitest"
import { IP } from "@netfx/core"
import { Either, FastCheck as fc, Schema } from "effect"
import * as net from "node:net"
import { addressLike } from "./arbitraries.js"

describe("IP", () => {
  it("answers the reference examples", () => {
    assert.strictEqual(IP.isIP("::1"), 6)
    assert.strictEqual(IP.isIP("127.0.0.1"), 4)
    assert.strictEqual(IP.isIP("127.000.000.001"), 0)
    assert.strictEqual(IP.isIP("127.0.0.1/24"), 0)
    assert.strictEqual(IP.isIP("fhqwhgads"), 0)
    assert.isTrue(IP.isIPv4("127.0.0.1"))
    assert.isFalse(IP.isIPv4("127.000.000.001"))
    assert.isFalse(IP.isIPv4("127.0.0.1/24"))
    assert.isFalse(IP.isIPv4("fhqwhgads"))
    assert.isTrue(IP.isIPv6("::1"))
    assert.isFalse(IP.isIPv6("fhqwhgads"))
  })

  it("accepts zone ids as Node does", () => {
    assert.isTrue(IP.isIPv6("fe80::1%eth0"))
    assert.isTrue(IP.isIPv6("fe80::1%en0.1-a:b"))
    assert.isFalse(IP.isIPv6("fe80::1%"))
    assert.isFalse(IP.isIPv6("fe80::1%a b"))
  })

  it("agrees with node:net on generated valid and malformed input", () => {
    fc.assert(
      fc.property(addressLike, (input) => {
        assert.strictEqual(IP.isIP(input), net.isIP(input), input)
        assert.strictEqual(IP.isIPv4(input), net.isIPv4(input), input)
        assert.strictEqual(IP.isIPv6(input), net.isIPv6(input), input)
      }),
      { numRuns: 5000 }
    )
  })

  it("names the family", () => {
    assert.strictEqual(IP.familyOf("10.0.0.1"), "ipv4")
    assert.strictEqual(IP.familyOf("::"), "ipv6")
    assert.isUndefined(IP.familyOf("localhost"))
  })

  it("schemas brand valid values and reject the rest", () => {
    assert.isTrue(Either.isRight(Schema.decodeUnknownEither(IP.IPv4)("10.1.2.3")))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(IP.IPv4)("10.1.2.03")))
    assert.isTrue(Either.isRight(Schema.decodeUnknownEither(IP.IPv6)("2001:db8::1")))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(IP.IPv6)("2001:db8:::1")))
    assert.isTrue(Either.isRight(Schema.decodeUnknownEither(IP.Address)("::ffff:10.0.0.1")))
    for (const port of [0, 80, 65535]) assert.isTrue(Either.isRight(Schema.decodeUnknownEither(IP.Port)(port)))
    for (const port of [-1, 65536, 1.5, "80", Number.NaN]) {
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(IP.Port)(port)), String(port))
    }
    for (const host of ["localhost", "example.com", "example.com.", "_sip._tcp.example.org", "10.0.0.1", "::1"]) {
      assert.isTrue(Either.isRight(Schema.decodeUnknownEither(IP.Host)(host)), host)
    }
    for (const host of ["", "-bad.example", "bad-.example", "a..b", "with space", "a".repeat(64), "x/y"]) {
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(IP.Host)(host)), host)
    }
  })
})
