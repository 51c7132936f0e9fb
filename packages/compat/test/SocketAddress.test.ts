import { assert, describe, it } from "@effect/vitest"
import { SocketAddress } from "@netfx/compat"
import * as CoreSocketAddress from "@netfx/core/SocketAddress"
import { FastCheck as fc } from "effect"
import * as net from "node:net"
import { inspect } from "node:util"
import { fromCore, toCore } from "../src/SocketAddress.js"
import { address, nearAddress, zoneId } from "./arbitraries.js"
import type { Net } from "./differential.js"
import {
  assertSameAsNode,
  attempt,
  libuvZoneQuirk,
  netfx,
  node,
  nodeError,
  observe,
  propertyTimeout,
  returned
} from "./differential.js"

const make = (options: unknown) => (api: Net) => new api.SocketAddress(options as net.SocketAddressInitOptions)

const fields = (address: string, port: number, family: "ipv4" | "ipv6", flowlabel: number) =>
  returned(new net.SocketAddress({ address, port, family, flowlabel }))

describe("SocketAddress", () => {
  describe("constructor, against node:net", () => {
    it("applies Node's defaults", () => {
      // @types/node 20 requires the argument; Node does not.
      assert.deepStrictEqual(
        assertSameAsNode((net) => Reflect.construct(net.SocketAddress, [])),
        fields("127.0.0.1", 0, "ipv4", 0)
      )
      assertSameAsNode(make(undefined))
      assertSameAsNode(make({}))
      assert.deepStrictEqual(assertSameAsNode(make({ family: "ipv6" })), fields("::", 0, "ipv6", 0))
      assertSameAsNode(make({ address: undefined, port: undefined, family: undefined, flowlabel: undefined }))
    })

    it("keeps the address, port, family and flow label, the address in canonical form", () => {
      for (
        const options of [
          { address: "1.2.3.4" },
          { address: "1.2.3.4", port: 80 },
          { address: "255.255.255.255", port: 65535 },
          { address: "::1", family: "ipv6", port: 443, flowlabel: 5 },
          { address: "::1", family: "ipv6", flowlabel: 0xfffff },
          { address: "::FFFF:7B7B:7B7B", family: "ipv6" },
          { address: "::ffff:1.2.3.4", family: "ipv6" },
          { address: "0:0:0:0:0:ffff:1.2.3.4", family: "ipv6" },
          { address: "::1.2.3.4", family: "ipv6" },
          { address: "0:0:0:0:0:0:0:1", family: "ipv6" },
          { address: "2001:DB8:0:0:1:0:0:1", family: "ipv6" },
          { address: "2001:db8:0:1:1:1:1:1", family: "ipv6" },
          { address: "fe80::1%eth0", family: "ipv6" },
          { address: "8592:757c:efae:4e45:fb5d:d62a:0d00:8e17", family: "ipv6" },
          // An IPv4 address has no flow label: Node reports 0 whatever was given (below 2^31, since
          // Node 24 hands `flowlabel | 0` to C++ and aborts on a negative one; see below).
          { address: "1.2.3.4", flowlabel: 7 },
          { address: "1.2.3.4", flowlabel: 2 ** 20 },
          { address: "1.2.3.4", flowlabel: 2 ** 31 - 1 },
          { port: 80.0 }
        ]
      ) {
        assertSameAsNode(make(options))
      }
      assert.deepStrictEqual(
        assertSameAsNode(make({ address: "::FFFF:7B7B:7B7B", family: "ipv6", port: 8080 })),
        fields("::ffff:123.123.123.123", 8080, "ipv6", 0)
      )
    })

    it("lower-cases the family when it has toLowerCase, and reads the default address before that", () => {
      assertSameAsNode(make({ family: "IPv6" }))
      assertSameAsNode(make({ family: "IPV4", address: "1.2.3.4" }))
      assertSameAsNode(make({ family: new String("ipv6") }))
      assertSameAsNode(make({ family: { toLowerCase: () => "ipv6" } }))
      // The default address is chosen with the family as given: 'IPV4' is not 'ipv4', so it is '::'.
      assert.deepStrictEqual(
        assertSameAsNode(make({ family: "IPV4" })),
        nodeError("Error", "ERR_INVALID_ADDRESS", "Invalid socket address")
      )
    })

    it("never infers the family from the address", () => {
      assertSameAsNode(make({ address: "::1" }))
      assertSameAsNode(make({ address: "::1", family: undefined }))
      assertSameAsNode(make({ address: "1.2.3.4", family: "ipv6" }))
    })

    it("refuses options that are not an object", () => {
      for (const options of [null, [], ["1.2.3.4"], "1.2.3.4", 5, true, 5n, Symbol("x"), () => 1]) {
        assertSameAsNode(make(options))
      }
      assert.deepStrictEqual(
        assertSameAsNode(make(null)),
        nodeError("TypeError", "ERR_INVALID_ARG_TYPE", "The \"options\" argument must be of type object. Received null")
      )
    })

    it("refuses a family other than ipv4 and ipv6, showing it as given", () => {
      for (
        const family of [
          "x",
          "",
          "ipv5",
          "inet6",
          "x".repeat(200),
          5,
          4,
          6,
          null,
          true,
          Symbol("ipv4"),
          { toLowerCase: () => "ipv5" },
          { toLowerCase: "ipv4" },
          ["ipv4"]
        ]
      ) {
        assertSameAsNode(make({ family }))
      }
      assert.deepStrictEqual(
        assertSameAsNode(make({ family: "x" })),
        nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The property 'options.family' is invalid. Received 'x'")
      )
    })

    it("refuses an address that is not a string", () => {
      for (
        const address of [
          5,
          null,
          true,
          10n,
          {},
          Object.create(null),
          ["1.2.3.4"],
          new String("1.2.3.4"),
          Symbol("x"),
          function address() {},
          new Map()
        ]
      ) {
        assertSameAsNode(make({ address }))
      }
      assert.deepStrictEqual(
        assertSameAsNode(make({ address: 5 })),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_TYPE",
          "The \"options.address\" property must be of type string. Received type number (5)"
        )
      )
    })

    it("refuses an address that is not one of the family with ERR_INVALID_ADDRESS", () => {
      for (
        const options of [
          { address: "x" },
          { address: "" },
          { address: "1.2.3" },
          { address: "1.2.3.04" },
          { address: "127.000.000.001" },
          { address: "1.2.3.4 " },
          { address: "1.2.3.4/24" },
          { address: "1.2.3.4%eth0" },
          { address: "::1", family: "ipv4" },
          { address: "1.2.3.4", family: "ipv6" },
          { address: "[::1]", family: "ipv6" },
          { address: " ::1", family: "ipv6" },
          { address: "1::2::3", family: "ipv6" },
          { address: "it's a long string, longer than 28 characters" },
          // Node parses the address before it sets the flow label: no abort here.
          { address: "x", family: "ipv6", flowlabel: 2 ** 20 }
        ]
      ) {
        assert.deepStrictEqual(
          assertSameAsNode(make(options)),
          nodeError("Error", "ERR_INVALID_ADDRESS", "Invalid socket address")
        )
      }
    })

    it("refuses a bad port with ERR_SOCKET_BAD_PORT", () => {
      for (
        const port of [
          "",
          " ",
          -1,
          1.5,
          65536,
          2 ** 40,
          null,
          true,
          NaN,
          Infinity,
          -Infinity,
          "abc",
          "65536",
          "-1",
          "1.5",
          "0x10000",
          {},
          [],
          [80],
          10n,
          Symbol("80")
        ]
      ) {
        assertSameAsNode(make({ port }))
      }
      assert.deepStrictEqual(
        assertSameAsNode(make({ port: -1 })),
        nodeError(
          "RangeError",
          "ERR_SOCKET_BAD_PORT",
          "options.port should be >= 0 and < 65536. Received type number (-1)."
        )
      )
      assert.deepStrictEqual(
        assertSameAsNode(make({ port: "" })),
        nodeError(
          "RangeError",
          "ERR_SOCKET_BAD_PORT",
          "options.port should be >= 0 and < 65536. Received type string ('')."
        )
      )
    })

    it("refuses a flow label that is not an unsigned 32-bit integer", () => {
      for (const flowlabel of [-1, 1.5, "1", NaN, Infinity, 2 ** 32, 2 ** 33, -(2 ** 33), null, true, 10n, {}]) {
        assertSameAsNode(make({ address: "::1", family: "ipv6", flowlabel }))
        assertSameAsNode(make({ flowlabel }))
      }
      assert.deepStrictEqual(
        assertSameAsNode(make({ flowlabel: 2 ** 33 })),
        nodeError(
          "RangeError",
          "ERR_OUT_OF_RANGE",
          "The value of \"options.flowlabel\" is out of range. It must be >= 0 && <= 4294967295. Received 8_589_934_592"
        )
      )
    })

    it("validates in Node's order: options, family, address, port, flow label, then the address itself", () => {
      for (
        const options of [
          { family: "x", address: 5, port: -1, flowlabel: -1 },
          { address: 5, port: -1, flowlabel: -1 },
          { address: "x", port: -1, flowlabel: -1 },
          { address: "x", flowlabel: -1 },
          { address: "x", family: "ipv6", flowlabel: 1.5 }
        ]
      ) {
        assertSameAsNode(make(options))
      }
    })

    it("reads each option once, and family twice when it is refused, as Node does", () => {
      const reads = (family: string) => (net: Net) => {
        const log: Array<string> = []
        const options = {
          get family() {
            log.push("family")
            return family
          },
          get address() {
            log.push("address")
            return family === "ipv6" ? "::1" : "1.2.3.4"
          },
          get port() {
            log.push("port")
            return 1
          },
          get flowlabel() {
            log.push("flowlabel")
            return 2
          }
        }
        const result = attempt(() => new net.SocketAddress(options as net.SocketAddressInitOptions))
        return { result, log }
      }
      assertSameAsNode(reads("ipv4"))
      assertSameAsNode(reads("ipv6"))
      assertSameAsNode(reads("ipv9"))
    })
  })

  describe("where Node 20 or 24 aborts the process (checked against the documented behaviour, never in-process)", () => {
    // Node 20 validates a numeric-string port with validatePort and then hands the string to C++,
    // which CHECKs that it is an Int32 and aborts. Node 22+ passes `port | 0`: the port is the number.
    it("takes a numeric-string port as its number, as Node 22+ does", () => {
      for (
        const [port, expected] of [["80", 80], [" 80 ", 80], ["0x50", 80], ["1e2", 100], ["65535", 65535], [
          "-0",
          0
        ]] as const
      ) {
        assert.deepStrictEqual(observe(netfx, make({ port })), fields("127.0.0.1", expected, "ipv4", 0))
      }
    })

    // -0 passes validatePort and validateUint32, but it is not an Int32 (nor a Uint32) for V8's C++
    // API, so Node 20 aborts; netfx reads it as 0.
    it("reads a port or flow label of -0 as 0", () => {
      assert.deepStrictEqual(observe(netfx, make({ port: -0 })), fields("127.0.0.1", 0, "ipv4", 0))
      assert.deepStrictEqual(
        observe(netfx, make({ address: "::1", family: "ipv6", flowlabel: -0 })),
        fields("::1", 0, "ipv6", 0)
      )
      assert.isTrue(Object.is(new SocketAddress({ address: "::1", family: "ipv6", flowlabel: -0 }).flowlabel, 0))
    })

    // A deliberate departure: a flow label is 20 bits (RFC 6437). Node 20-24 accept any Uint32 in
    // JavaScript and then fail a CHECK in SocketAddress::set_flow_label, aborting the process; netfx
    // throws the RangeError its validators would throw for that range.
    // Node 20 reports 0 for an IPv4 address with any Uint32 flow label; Node 24 passes `flowlabel | 0`
    // to C++, so that from 2^31 on it is negative there and the process aborts. netfx reports 0.
    it("ignores the flow label of an IPv4 address, up to 2^32 - 1", () => {
      for (const flowlabel of [2 ** 31, 2 ** 32 - 1]) {
        assert.deepStrictEqual(observe(netfx, make({ address: "1.2.3.4", flowlabel })), fields("1.2.3.4", 0, "ipv4", 0))
      }
    })

    it("throws ERR_OUT_OF_RANGE for an IPv6 flow label above 1048575", () => {
      for (const flowlabel of [2 ** 20, 2 ** 32 - 1]) {
        assert.deepStrictEqual(
          observe(netfx, make({ address: "::1", family: "ipv6", flowlabel })),
          nodeError(
            "RangeError",
            "ERR_OUT_OF_RANGE",
            `The value of "options.flowlabel" is out of range. It must be >= 0 && <= 1048575. Received ${flowlabel}`
          )
        )
      }
    })
  })

  describe("known difference: the zone id of an IPv6 address", () => {
    // Node hands the address to libuv, which takes whatever follows '%' as an interface name and
    // drops it. The core accepts an IPv6 address only when isIPv6 does, so junk after '%' (or
    // nothing) is refused with ERR_INVALID_ADDRESS. A well-formed zone id is dropped by both.
    it("refuses junk after '%' where Node drops it", () => {
      for (const address of ["fe80::1%a b", "fe80::1%", "fe80::1%eth0%1", "fe80::1%/"]) {
        assert.deepStrictEqual(observe(node, make({ address, family: "ipv6" })), fields("fe80::1", 0, "ipv6", 0))
        assert.deepStrictEqual(
          observe(netfx, make({ address, family: "ipv6" })),
          nodeError("Error", "ERR_INVALID_ADDRESS", "Invalid socket address")
        )
      }
      assert.deepStrictEqual(
        assertSameAsNode(make({ address: "fe80::1%eth0", family: "ipv6" })),
        fields("fe80::1", 0, "ipv6", 0)
      )
    })

    // Found by the properties below: with a zone id, libuv's uv_ip6_addr copies the part before '%'
    // into a 40-byte buffer and cuts it at 39 characters, silently. A valid address written with a
    // dotted tail can be longer, so Node refuses it, or reads ANOTHER address (1.1.10.100 becomes
    // 1.1.10.10). netfx reads the whole address and drops the zone id, as without a zone.
    it("keeps an address longer than 39 characters whole, where Node cuts it", () => {
      const long = "ffff:ffff:ffff:ffff:ffff:ffff:1.1.10.100"
      assert.deepStrictEqual(
        observe(node, make({ address: `${long}%eth0`, family: "ipv6" })),
        fields("ffff:ffff:ffff:ffff:ffff:ffff:101:a0a", 0, "ipv6", 0)
      )
      assert.deepStrictEqual(
        observe(netfx, make({ address: `${long}%eth0`, family: "ipv6" })),
        fields("ffff:ffff:ffff:ffff:ffff:ffff:101:a64", 0, "ipv6", 0)
      )
      assert.deepStrictEqual(
        assertSameAsNode(make({ address: long, family: "ipv6" })),
        fields("ffff:ffff:ffff:ffff:ffff:ffff:101:a64", 0, "ipv6", 0)
      )
      const refused = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.241%e"
      assert.deepStrictEqual(
        observe(node, make({ address: refused, family: "ipv6" })),
        nodeError("Error", "ERR_INVALID_ADDRESS", "Invalid socket address")
      )
      assert.deepStrictEqual(
        observe(netfx, make({ address: refused, family: "ipv6" })),
        fields("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff1", 0, "ipv6", 0)
      )
    })
  })

  describe("the object, against node:net", () => {
    it("prints as Node prints it, at every depth and with colors", () => {
      const sa = (net: Net) => new net.SocketAddress({ address: "1.2.3.4" })
      assert.deepStrictEqual(
        assertSameAsNode((net) => inspect(sa(net))),
        returned("SocketAddress { address: '1.2.3.4', port: 0, family: 'ipv4', flowlabel: 0 }")
      )
      assert.deepStrictEqual(
        assertSameAsNode((net) => inspect({ a: { b: sa(net) } }, { depth: 1 })),
        returned("{ a: { b: [SocketAddress] } }")
      )
      assertSameAsNode((net) => inspect({ a: { b: sa(net) } }, { depth: 2 }))
      assertSameAsNode((net) => inspect([sa(net)], { depth: 0 }))
      assertSameAsNode((net) => inspect(sa(net), { depth: 0 }))
      assertSameAsNode((net) => inspect(sa(net), { depth: -1 }))
      assertSameAsNode((net) => inspect(sa(net), { colors: true }))
      assertSameAsNode((net) => inspect(sa(net), { depth: null }))
      assertSameAsNode((net) => `${sa(net)}`)
    })

    it("gives its fields through prototype getters and toJSON, in Node's order", () => {
      const sa = (net: Net) => new net.SocketAddress({ address: "::1", family: "ipv6", port: 8, flowlabel: 9 })
      assertSameAsNode((net) => Object.keys(sa(net)))
      assertSameAsNode((net) => JSON.stringify(sa(net)))
      assertSameAsNode((net) => Object.keys(JSON.parse(JSON.stringify(sa(net)))))
      assertSameAsNode((net) => ({ ...sa(net) }))
      assertSameAsNode((net) => Object.getOwnPropertyNames(Object.getPrototypeOf(sa(net))).sort())
      assertSameAsNode((net) => sa(net) instanceof net.SocketAddress)
      assertSameAsNode((net) => sa(net).constructor.name)
      assert.deepStrictEqual(Object.keys(new SocketAddress().toJSON()), ["address", "port", "family", "flowlabel"])
    })

    it("tells its own addresses apart from anything else with isSocketAddress", () => {
      type WithGuard = { isSocketAddress(value: unknown): boolean }
      const guard = (net: Net) => net.SocketAddress as unknown as WithGuard
      for (const value of [undefined, null, "1.2.3.4", 5, {}, { address: "1.2.3.4" }, Object.create(null)]) {
        assertSameAsNode((net) => guard(net).isSocketAddress(value))
      }
      assertSameAsNode((net) => guard(net).isSocketAddress(new net.SocketAddress({})))
      assertSameAsNode((net) => guard(net).isSocketAddress(Object.create(net.SocketAddress.prototype)))
      // Neither implementation takes the other's objects for its own.
      assert.isFalse(SocketAddress.isSocketAddress(new net.SocketAddress({})))
      assert.isFalse(guard(node).isSocketAddress(new SocketAddress()))
    })
  })

  describe("SocketAddress.parse (Node 22.13+; checked against the reference)", () => {
    it("parses the documented forms", () => {
      // node-net-api.md: "An input string containing an IP address and optional port, e.g.
      // `123.1.2.3:1234` or `[1::1]:1234`".
      assert.deepStrictEqual(SocketAddress.parse("123.1.2.3:1234")?.toJSON(), {
        address: "123.1.2.3",
        port: 1234,
        family: "ipv4",
        flowlabel: 0
      })
      assert.deepStrictEqual(SocketAddress.parse("[1::1]:1234")?.toJSON(), {
        address: "1::1",
        port: 1234,
        family: "ipv6",
        flowlabel: 0
      })
      assert.deepStrictEqual(SocketAddress.parse("1.2.3.4")?.toJSON(), {
        address: "1.2.3.4",
        port: 0,
        family: "ipv4",
        flowlabel: 0
      })
      assert.deepStrictEqual(SocketAddress.parse("[::FFFF:7B7B:7B7B]")?.toJSON(), {
        address: "::ffff:123.123.123.123",
        port: 0,
        family: "ipv6",
        flowlabel: 0
      })
      const parsed = SocketAddress.parse("[::1]:65535")
      assert.isTrue(parsed instanceof SocketAddress)
      assert.isTrue(SocketAddress.isSocketAddress(parsed))
      assert.strictEqual(inspect(parsed), "SocketAddress { address: '::1', port: 65535, family: 'ipv6', flowlabel: 0 }")
    })

    // Known difference 3: Node 22+ goes through the WHATWG URL parser (`new URL('http://' + input)`),
    // which drops port 80 (http's default), reads '1.2.3' as 1.2.0.3 and refuses a bare '::1'.
    // netfx follows the documented contract: an IP address and an optional port.
    it("follows the documented contract where Node's URL parser does otherwise", () => {
      assert.strictEqual(SocketAddress.parse("1.2.3.4:80")?.port, 80)
      assert.strictEqual(SocketAddress.parse("::1")?.address, "::1")
      assert.isUndefined(SocketAddress.parse("1.2.3"))
    })

    it("returns undefined for anything else", () => {
      for (
        const input of [
          "",
          "garbage",
          "localhost:80",
          "1.2.3.4:65536",
          "1.2.3.4:",
          "1.2.3.4:x",
          "[::1]:x",
          "[::1",
          "::1:80:",
          "1.2.3.256",
          "[1.2.3.4]:80",
          "example.com"
        ]
      ) {
        assert.isUndefined(SocketAddress.parse(input), input)
      }
    })

    it("throws ERR_INVALID_ARG_TYPE when the input is not a string", () => {
      assert.deepStrictEqual(
        attempt(() => SocketAddress.parse(5 as unknown as string)),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_TYPE",
          "The \"input\" argument must be of type string. Received type number (5)"
        )
      )
      assert.deepStrictEqual(
        attempt(() => SocketAddress.parse(undefined as unknown as string)),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_TYPE",
          "The \"input\" argument must be of type string. Received undefined"
        )
      )
    })
  })

  it("wraps and unwraps core values (internal)", () => {
    const core = CoreSocketAddress.unsafeMake({ address: "::1", port: 80, flowlabel: 3 })
    const wrapped = fromCore(core)
    assert.isTrue(SocketAddress.isSocketAddress(wrapped))
    assert.isTrue(wrapped instanceof SocketAddress)
    assert.deepStrictEqual(wrapped.toJSON(), { address: "::1", port: 80, family: "ipv6", flowlabel: 3 })
    assert.strictEqual(toCore(wrapped), core)
    assert.strictEqual(inspect(wrapped), "SocketAddress { address: '::1', port: 80, family: 'ipv6', flowlabel: 3 }")
  })

  describe("properties, against node:net", () => {
    const family = (f: "ipv4" | "ipv6") => fc.constantFrom(f, f.toUpperCase(), f === "ipv4" ? "IPv4" : "IPv6")

    it("builds the same address from every valid input", () => {
      const valid = address.chain((a) =>
        fc.record({
          address: fc.constant(a.text),
          family: family(a.family),
          port: fc.integer({ min: 0, max: 65535 }),
          flowlabel: fc.integer({ min: 0, max: 0xfffff })
        })
      )
      fc.assert(
        fc.property(valid, (options) => {
          const observed = assertSameAsNode(make(options))
          assert.strictEqual(observed._tag, "Returned")
        }),
        { numRuns: 1000 }
      )
    }, propertyTimeout)

    // Strings near addresses, in both families. Known difference 1 and its kin are left out: IPv6
    // text with a zone id that libuv reads otherwise (see libuvZoneQuirk and the fixed tests).
    it("accepts and refuses the same address strings", () => {
      const input = fc.record({
        address: fc.oneof(nearAddress, fc.tuple(nearAddress, zoneId).map(([a, zone]) => `${a}%${zone}`)),
        family: fc.constantFrom("ipv4", "ipv6")
      })
      fc.assert(
        fc.property(input, (options) => {
          fc.pre(!libuvZoneQuirk(options.address))
          assertSameAsNode(make(options))
        }),
        { numRuns: 2000 }
      )
    }, propertyTimeout)

    // Node's "Received ..." part: determineSpecificType for ERR_INVALID_ARG_TYPE and
    // ERR_SOCKET_BAD_PORT, util.inspect cut at 128 characters for ERR_INVALID_ARG_VALUE, and
    // inspect or numeric separators for ERR_OUT_OF_RANGE. Values that abort Node 20 are left out.
    it("reports any received value as Node does", () => {
      const anything = fc.anything({
        withBigInt: true,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        maxDepth: 2
      })
      const abortsAsPort = (port: unknown) =>
        Object.is(port, -0) ||
        (typeof port === "string" && port.trim() !== "" && +port === +port >>> 0 && +port <= 0xffff)
      // (Above 0xfffff with IPv6 on every version; from 2^31 on with any family on Node 24.)
      const abortsAsFlowLabel = (flowlabel: unknown) =>
        Object.is(flowlabel, -0) ||
        (Number.isInteger(flowlabel) && (flowlabel as number) > 0xfffff && (flowlabel as number) <= 2 ** 32 - 1)
      fc.assert(
        fc.property(anything, (value) => {
          assertSameAsNode(make(value))
          assertSameAsNode(make({ family: value }))
          assertSameAsNode(make({ address: value }))
          if (!abortsAsPort(value)) assertSameAsNode(make({ port: value }))
          if (!abortsAsFlowLabel(value)) assertSameAsNode(make({ address: "::1", family: "ipv6", flowlabel: value }))
        }),
        { numRuns: 1500 }
      )
    }, propertyTimeout)

    // Any mix of valid and invalid options, to check the order of the validations. Values that
    // abort Node 20 (numeric-string ports, -0, IPv6 flow labels above 1048575) are not generated.
    it("throws the same first error for any mix of options", () => {
      const notMinusZero = (n: number) => !Object.is(n, -0)
      const options = fc.record(
        {
          family: fc.oneof(
            fc.constantFrom("ipv4", "ipv6", "IPv6", "IPV4", "ipv5", "", undefined, null, 4, 6),
            fc.constant({ toLowerCase: () => "ipv6" })
          ),
          address: fc.oneof(
            nearAddress,
            fc.constantFrom(undefined, null, 5, true, ["1.2.3.4"]),
            fc.constant({ toString: () => "1.2.3.4" })
          ),
          port: fc.oneof(
            fc.integer({ min: -5, max: 70000 }),
            fc.double().filter(notMinusZero),
            fc.constantFrom(undefined, null, true, "", " ", "abc", "1.5", "-1", "65536", NaN, 10n)
          ),
          flowlabel: fc.oneof(
            fc.integer({ min: 0, max: 0xfffff }),
            fc.integer({ min: -5, max: -1 }),
            fc.double().filter(notMinusZero).filter((n) => !(Number.isInteger(n) && n > 0xfffff && n <= 2 ** 32 - 1)),
            fc.constantFrom(undefined, null, "1", NaN, 2 ** 32, 10n)
          )
        },
        { requiredKeys: [] }
      )
      fc.assert(
        fc.property(options, (options) => {
          const address = options.address
          fc.pre(!(typeof address === "string" && libuvZoneQuirk(address)))
          assertSameAsNode(make(options))
        }),
        { numRuns: 2000 }
      )
    }, propertyTimeout)
  })
})
