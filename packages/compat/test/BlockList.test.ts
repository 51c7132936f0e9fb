import { assert, describe, it } from "@effect/vitest"
import type { IPVersion } from "@netfx/compat"
import { BlockList, SocketAddress } from "@netfx/compat"
import * as CoreBlockList from "@netfx/core/BlockList"
import { FastCheck as fc } from "effect"
import * as net from "node:net"
import { inspect } from "node:util"
import { toCore } from "../src/BlockList.js"
import type { Address } from "./arbitraries.js"
import { formatIPv4, ipv4Address, ipv6Address, isMapped, MAPPED_BASE, prefix } from "./arbitraries.js"
import type { Net } from "./differential.js"
import {
  assertSameAsNode,
  attempt,
  netfx,
  node,
  nodeError,
  observe,
  propertyTimeout,
  returned
} from "./differential.js"

// Runs `steps` on a new list, each step's outcome recorded, and returns the outcomes and the rules.
const withList = (steps: (list: net.BlockList, net: Net) => ReadonlyArray<() => unknown>) => (api: Net) => {
  const list = new api.BlockList()
  const outcomes = steps(list, api).map(attempt)
  return { outcomes, rules: [...list.rules], inspect: inspect(list) }
}

// The reference's example list (node-net-api.md, blockList.check).
const referenceList = (api: Net) => {
  const blockList = new api.BlockList()
  blockList.addAddress("123.123.123.123")
  blockList.addRange("10.0.0.1", "10.0.0.10")
  blockList.addSubnet("8592:757c:efae:4e45::", 64, "ipv6")
  return blockList
}

const bad = <A>(value: unknown): A => value as A

describe("BlockList", () => {
  describe("against node:net", () => {
    it("answers the reference's example as documented", () => {
      const checks = (api: Net) => {
        const blockList = referenceList(api)
        return [
          blockList.check("123.123.123.123"),
          blockList.check("10.0.0.3"),
          blockList.check("222.111.111.222"),
          // IPv6 notation for IPv4 addresses works:
          blockList.check("::ffff:7b7b:7b7b", "ipv6"),
          blockList.check("::ffff:123.123.123.123", "ipv6")
        ]
      }
      assert.deepStrictEqual(assertSameAsNode(checks), returned([true, true, false, true, true]))
      assert.deepStrictEqual(
        assertSameAsNode((api) => referenceList(api).rules),
        returned([
          "Subnet: IPv6 8592:757c:efae:4e45::/64",
          "Range: IPv4 10.0.0.1-10.0.0.10",
          "Address: IPv4 123.123.123.123"
        ])
      )
    })

    it("prints as Node prints it, at every depth", () => {
      assert.deepStrictEqual(
        assertSameAsNode((api) => inspect(referenceList(api))),
        returned(
          "BlockList {\n  rules: [\n    'Subnet: IPv6 8592:757c:efae:4e45::/64',\n" +
            "    'Range: IPv4 10.0.0.1-10.0.0.10',\n    'Address: IPv4 123.123.123.123'\n  ]\n}"
        )
      )
      assertSameAsNode((api) => inspect(new api.BlockList()))
      assert.deepStrictEqual(
        assertSameAsNode((api) => inspect({ a: { b: referenceList(api) } }, { depth: 1 })),
        returned("{ a: { b: [BlockList] } }")
      )
      assertSameAsNode((api) => inspect(referenceList(api), { depth: 0 }))
      assertSameAsNode((api) => inspect([referenceList(api)], { depth: 0 }))
      assertSameAsNode((api) => inspect(referenceList(api), { colors: true, breakLength: Infinity }))
      assertSameAsNode((api) => Object.keys(referenceList(api)))
      assertSameAsNode((api) => referenceList(api).constructor.name)
    })

    it("refuses arguments of the wrong type, as test-blocklist.js does", () => {
      for (const i of [1, [], {}, null, 1n, undefined, Symbol("x")]) {
        assertSameAsNode(withList((list) => [
          () => list.addAddress(bad(i)),
          () => list.addRange(bad(i), "1.1.1.2"),
          () => list.addRange("1.1.1.1", bad(i)),
          () => list.addSubnet(bad(i), 8),
          () => list.check(bad(i))
        ]))
        if (i === undefined) continue // the default family
        assertSameAsNode(withList((list) => [
          () => list.addAddress("1.1.1.1", bad(i)),
          () => list.addRange("1.1.1.1", "1.1.1.2", bad(i)),
          () => list.addSubnet("1.1.1.1", 8, bad(i)),
          () => list.check("1.1.1.1", bad(i))
        ]))
      }
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addAddress(bad(5))),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_TYPE",
          "The \"address\" argument must be of type string. Received type number (5)"
        )
      )
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addSubnet(bad(5), 1)),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_TYPE",
          "The \"network\" argument must be of type string. Received type number (5)"
        )
      )
    })

    it("refuses a bad family or address with the SocketAddress errors", () => {
      assertSameAsNode(withList((list) => [
        () => list.addAddress("1.1.1.1", bad("foo")),
        () => list.addRange("1.1.1.1", "1.1.1.2", bad("foo")),
        () => list.addSubnet("1.1.1.1", 8, bad("foo")),
        () => list.addAddress("1.1.1.1", bad("IPV4")),
        () => list.addAddress("::1", bad("IPv6")),
        () => list.addAddress("x"),
        () => list.addAddress("::1"),
        () => list.addAddress("1.1.1.1", "ipv6"),
        () => list.addRange("1.1.1.1", "x"),
        () => list.addRange("x", "y"),
        () => list.addSubnet("1.1.1.256", 8),
        () => list.addSubnet("1.1.1.1", 8, "ipv6")
      ]))
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addAddress("1.1.1.1", bad("foo"))),
        nodeError("TypeError", "ERR_INVALID_ARG_VALUE", "The property 'options.family' is invalid. Received 'foo'")
      )
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addRange("1.1.1.1", "x")),
        nodeError("Error", "ERR_INVALID_ADDRESS", "Invalid socket address")
      )
    })

    it("checks the prefix of a subnet against its family, at the edges", () => {
      assertSameAsNode(withList((list) => [
        ...[0, 32, 33, -1, 1.5, "1", undefined, null, NaN, Infinity, 2 ** 40, 8n].map((p) => () =>
          list.addSubnet("10.0.0.0", bad(p))
        ),
        ...[0, 128, 129, 32, -1, 64.5].map((p) => () => list.addSubnet("8592:757c:efae:4e45::", bad(p), "ipv6"))
      ]))
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addSubnet("10.0.0.0", 33)),
        nodeError(
          "RangeError",
          "ERR_OUT_OF_RANGE",
          "The value of \"prefix\" is out of range. It must be >= 0 && <= 32. Received 33"
        )
      )
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addSubnet("::", 129, "ipv6")),
        nodeError(
          "RangeError",
          "ERR_OUT_OF_RANGE",
          "The value of \"prefix\" is out of range. It must be >= 0 && <= 128. Received 129"
        )
      )
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addSubnet("10.0.0.0", 1.5)),
        nodeError(
          "RangeError",
          "ERR_OUT_OF_RANGE",
          "The value of \"prefix\" is out of range. It must be an integer. Received 1.5"
        )
      )
    })

    it("refuses a range whose start comes after its end, showing the start", () => {
      assertSameAsNode(withList((list, api) => [
        () => list.addRange("10.0.0.10", "10.0.0.1"),
        () => list.addRange("10.0.0.1", "10.0.0.1"),
        () => list.addRange("::2", "::1", "ipv6"),
        () => list.addRange("::ffff:1.2.3.4", "::ffff:1.2.3.3", "ipv6"),
        () =>
          list.addRange(
            new api.SocketAddress({ address: "10.0.0.9", port: 80 }),
            new api.SocketAddress({ address: "10.0.0.8" })
          )
      ]))
      assert.deepStrictEqual(
        observe(netfx, (api) => new api.BlockList().addRange("10.0.0.10", "10.0.0.1")),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_VALUE",
          "The argument 'start' must come before end. " +
            "Received SocketAddress { address: '10.0.0.10', port: 0, family: 'ipv4', flowlabel: 0 }"
        )
      )
    })

    it("takes SocketAddress arguments as they are, ignoring the family argument", () => {
      const sa = (api: Net, address: string, family: IPVersion = "ipv4") => new api.SocketAddress({ address, family })
      assertSameAsNode((api) => {
        const list = new api.BlockList()
        const outcomes = [
          () => list.addAddress(sa(api, "1.1.1.1")),
          () => list.addAddress(bad<string>(sa(api, "::1", "ipv6")), bad("bogus")),
          () => list.addRange(sa(api, "2.2.2.1"), sa(api, "2.2.2.9")),
          () => list.addSubnet(sa(api, "3.3.3.0"), 24),
          () => list.addSubnet(bad(sa(api, "3.3.3.0")), 24, "ipv6"),
          () => list.addSubnet(sa(api, "4::", "ipv6"), 33),
          () => list.addSubnet(sa(api, "3.3.3.0"), 33)
        ].map(attempt)
        const checks = [
          list.check(sa(api, "1.1.1.1")),
          list.check(bad(sa(api, "1.1.1.1")), bad("bogus")),
          list.check(sa(api, "::ffff:1.1.1.1", "ipv6")),
          list.check(sa(api, "2.2.2.5")),
          list.check(sa(api, "3.3.3.77")),
          list.check(sa(api, "4::1", "ipv6")),
          list.check(sa(api, "4:0:0:1::", "ipv6")),
          list.check(sa(api, "::1", "ipv6")),
          list.check(sa(api, "5.5.5.5"))
        ]
        return { outcomes, checks, rules: list.rules }
      })
    })

    it("treats an IPv4 address and its IPv4-mapped form as the same host, both ways", () => {
      assertSameAsNode((api) => {
        const v4 = new api.BlockList()
        v4.addAddress("1.2.3.4")
        v4.addRange("10.0.0.1", "10.0.0.10")
        v4.addSubnet("192.168.1.0", 24)
        const v6 = new api.BlockList()
        v6.addAddress("::ffff:1.2.3.4", "ipv6")
        v6.addRange("::ffff:10.0.0.1", "::ffff:a00:a", "ipv6")
        v6.addSubnet("::ffff:192.168.1.0", 120, "ipv6")
        v6.addSubnet("::ffff:0:0", 100, "ipv6")
        const wide = new api.BlockList()
        wide.addSubnet("::", 64, "ipv6")
        const compatible = new api.BlockList()
        compatible.addSubnet("::", 96, "ipv6")
        compatible.addAddress("::1.2.3.4", "ipv6")
        const probes: ReadonlyArray<readonly [string, IPVersion]> = [
          ["1.2.3.4", "ipv4"],
          ["::ffff:1.2.3.4", "ipv6"],
          ["::ffff:102:304", "ipv6"],
          ["::1.2.3.4", "ipv6"],
          ["10.0.0.5", "ipv4"],
          ["::ffff:10.0.0.5", "ipv6"],
          ["10.0.0.11", "ipv4"],
          ["192.168.1.200", "ipv4"],
          ["::ffff:192.168.1.200", "ipv6"],
          ["192.168.2.1", "ipv4"],
          ["15.255.255.255", "ipv4"],
          ["16.0.0.0", "ipv4"],
          ["1.2.3.4", "ipv6"],
          ["::ffff:1.2.3.4", "ipv4"]
        ]
        return [v4, v6, wide, compatible].map((list) => probes.map(([a, family]) => list.check(a, family)))
      })
    })

    it("answers false for text that is not an address of the family, and throws for non-strings", () => {
      assertSameAsNode((api) => {
        const list = referenceList(api)
        list.addSubnet("0.0.0.0", 0)
        list.addSubnet("::", 0, "ipv6")
        return [
          list.check("x"),
          list.check(""),
          list.check("1.2.3"),
          list.check("::1"),
          list.check("123.123.123.123", "ipv6"),
          list.check("123.123.123.123", bad("ipv5")),
          list.check("123.123.123.123", bad("IPV4")),
          list.check("::ffff:7b7b:7b7b", bad("IPv6")),
          list.check("fe80::1%eth0", "ipv6"),
          attempt(() => list.check("1.2.3.4", bad(4))),
          attempt(() => list.check(bad(null)))
        ]
      })
    })

    it("drops the zone id of an IPv6 rule, as Node does", () => {
      assertSameAsNode(withList((list) => [
        () => list.addAddress("fe80::1%eth0", "ipv6"),
        () => list.addSubnet("fe80::%1", 10, "ipv6"),
        () => list.check("fe80::1", "ipv6")
      ]))
    })

    it("tells its own lists apart from node:net's", () => {
      assert.isFalse(BlockList.isBlockList(new net.BlockList()))
      assert.isTrue(BlockList.isBlockList(new BlockList()))
    })
  })

  describe("known differences from node:net", () => {
    // Known difference 2: Node's C++ compares an IPv4 address with an IPv6 range only when both ends
    // of the range are IPv4-mapped; otherwise the two are "not comparable" and the rule does not
    // apply, even though the range covers the address's IPv4-mapped form. netfx treats an IPv4
    // address and its mapped form as the same host for every rule.
    it("blocks an IPv4 address whose mapped form is inside an IPv6 range with an unmapped end", () => {
      const program = (api: Net) => {
        const list = new api.BlockList()
        list.addRange("::", "ffff::", "ipv6")
        list.addRange("::ffff:9.0.0.0", "1::", "ipv6")
        return [
          list.check("1.2.3.4"),
          list.check("9.9.9.9"),
          list.check("::ffff:1.2.3.4", "ipv6"),
          list.check("::ffff:9.9.9.9", "ipv6")
        ]
      }
      assert.deepStrictEqual(observe(node, program), returned([false, false, true, true]))
      assert.deepStrictEqual(observe(netfx, program), returned([true, true, true, true]))
    })

    // Found while writing these tests: Node accepts a range of two SocketAddress objects of
    // different families when they are "not comparable" or in order (`Range: IPv4 1.2.3.4-::1`, a
    // rule that then blocks nothing of either family, or `Range: IPv4 1.2.3.4-::ffff:1.2.3.9`). The
    // core refuses a range whose ends are of two families; compat reports it as Node reports a bad
    // range, naming `end`.
    it("refuses a range whose ends are of two families", () => {
      const program = (api: Net) =>
        new api.BlockList().addRange(
          new api.SocketAddress({ address: "1.2.3.4" }),
          new api.SocketAddress({ address: "::1", family: "ipv6" })
        )
      assert.deepStrictEqual(observe(node, program), returned(undefined))
      assert.deepStrictEqual(
        observe(netfx, program),
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_VALUE",
          "The argument 'end' must be of the same family as start (IPv4). " +
            "Received SocketAddress { address: '::1', port: 0, family: 'ipv6', flowlabel: 0 }"
        )
      )
      const mapped = (api: Net) => {
        const list = new api.BlockList()
        list.addRange(
          new api.SocketAddress({ address: "1.2.3.4" }),
          new api.SocketAddress({ address: "::ffff:1.2.3.9", family: "ipv6" })
        )
        return list.rules
      }
      assert.deepStrictEqual(observe(node, mapped), returned(["Range: IPv4 1.2.3.4-::ffff:1.2.3.9"]))
      assert.strictEqual(observe(netfx, mapped)._tag, "Threw")
    })

    // See SocketAddress.test.ts: with a zone id, libuv cuts the address at 39 characters, so Node
    // checks another address than the one given.
    it("checks the whole address when a zone id follows a long address", () => {
      const program = (api: Net) => {
        const list = new api.BlockList()
        list.addAddress("ffff:ffff:ffff:ffff:ffff:ffff:1.1.10.100", "ipv6")
        return list.check("ffff:ffff:ffff:ffff:ffff:ffff:1.1.10.100%eth0", "ipv6")
      }
      assert.deepStrictEqual(observe(node, program), returned(false))
      assert.deepStrictEqual(observe(netfx, program), returned(true))
    })
  })

  describe("Node 22+ additions (checked against the reference)", () => {
    const data = [
      "Subnet: IPv4 192.168.1.0/24",
      "Address: IPv4 10.0.0.5",
      "Range: IPv4 192.168.2.1-192.168.2.10",
      "Range: IPv4 10.0.0.1-10.0.0.10"
    ]

    it("isBlockList tells a BlockList from anything else", () => {
      assert.isTrue(BlockList.isBlockList(new BlockList()))
      for (
        const value of [
          undefined,
          null,
          {},
          "x",
          1,
          new SocketAddress(),
          { rules: [] },
          Object.create(BlockList.prototype)
        ]
      ) {
        assert.isFalse(BlockList.isBlockList(value))
      }
    })

    it("toJSON gives the rules, newest first, so JSON.stringify saves them", () => {
      const list = new BlockList()
      list.addAddress("1.2.3.4")
      list.addSubnet("::ffff:10.0.0.0", 104, "ipv6")
      assert.deepStrictEqual(list.toJSON(), ["Subnet: IPv6 ::ffff:10.0.0.0/104", "Address: IPv4 1.2.3.4"])
      assert.deepStrictEqual(list.toJSON(), list.rules)
      assert.strictEqual(JSON.stringify(list), JSON.stringify(list.rules))
      assert.notStrictEqual(list.rules, list.rules)
    })

    it("fromJSON reads the reference's example, as an array or as JSON text", () => {
      for (const value of [data, JSON.stringify(data)]) {
        const blockList = new BlockList()
        blockList.fromJSON(value)
        assert.deepStrictEqual(blockList.rules, data)
        assert.deepStrictEqual(
          ["192.168.1.50", "10.0.0.5", "192.168.2.10", "10.0.0.1", "10.0.0.6", "192.168.2.11", "10.0.0.11"].map((a) =>
            blockList.check(a)
          ),
          [true, true, true, true, true, false, false]
        )
        assert.isTrue(blockList.check("::ffff:192.168.1.50", "ipv6"))
      }
    })

    it("fromJSON after toJSON gives back the same rules, of both families", () => {
      const list = new BlockList()
      list.addAddress("123.123.123.123")
      list.addRange("10.0.0.1", "10.0.0.10")
      list.addSubnet("8592:757c:efae:4e45::", 64, "ipv6")
      list.addAddress("::ffff:1.2.3.4", "ipv6")
      list.addRange("::ffff:1.2.3.4", "::ffff:1.2.3.9", "ipv6")
      list.addSubnet("::ffff:10.0.0.0", 104, "ipv6")
      list.addAddress("fe80::1%eth0", "ipv6")
      const copy = new BlockList()
      copy.fromJSON(list.toJSON())
      assert.deepStrictEqual(copy.rules, list.rules)
      const fromText = new BlockList()
      fromText.fromJSON(JSON.stringify(list))
      assert.deepStrictEqual(fromText.rules, list.rules)
    })

    it("fromJSON adds the rules to those already there, as newer rules", () => {
      const list = new BlockList()
      list.addAddress("1.1.1.1")
      list.fromJSON(["Address: IPv4 2.2.2.2", "Address: IPv4 3.3.3.3"])
      assert.deepStrictEqual(list.rules, ["Address: IPv4 2.2.2.2", "Address: IPv4 3.3.3.3", "Address: IPv4 1.1.1.1"])
      assert.isTrue(list.check("1.1.1.1") && list.check("2.2.2.2") && list.check("3.3.3.3"))
    })

    // Node 24 (lib/internal/blocklist.js `fromJSON`): "The data argument must be a string, or an array
    // of strings that is JSON parseable"; text that is not JSON throws JSON.parse's SyntaxError.
    it("fromJSON refuses what is not a string or an array of strings, as Node 24 does", () => {
      const type = (received: string) =>
        nodeError(
          "TypeError",
          "ERR_INVALID_ARG_TYPE",
          `The "data" argument must be of type string or string[]. Received ${received}`
        )
      const fromJSON = (value: unknown) => attempt(() => new BlockList().fromJSON(bad(value)))
      assert.deepStrictEqual(fromJSON(5), type("type number (5)"))
      assert.deepStrictEqual(fromJSON(undefined), type("undefined"))
      assert.deepStrictEqual(fromJSON({ length: 0 }), type("an instance of Object"))
      assert.deepStrictEqual(fromJSON(["Address: IPv4 1.1.1.1", 1]), type("an instance of Array"))
      assert.deepStrictEqual(fromJSON("{\"a\":1}"), type("an instance of Object"))
      assert.deepStrictEqual(fromJSON("\"Address: IPv4 1.1.1.1\""), type("type string ('Address: IPv4 1.1.1.1')"))
      assert.deepStrictEqual(fromJSON("[1]"), type("an instance of Array"))
      const notJSON = fromJSON("nope")
      assert.strictEqual(notJSON._tag === "Threw" && notJSON.error.constructor, "SyntaxError")
    })

    // A deliberate difference from Node 24, which skips the lines its regular expressions do not
    // match (silently dropping, for example, 'Subnet: IPv6 ::ffff:1.2.3.0/120', which its own
    // toJSON writes) and keeps the rules added before a line that throws. netfx refuses a line that
    // is not a rule, names it, and adds nothing.
    it("fromJSON refuses a malformed rule, naming the line, and adds nothing", () => {
      const list = new BlockList()
      list.addAddress("1.1.1.1")
      const line = (value: unknown, received: string, reason: string) => {
        const observed = attempt(() => list.fromJSON(bad(value)))
        assert.deepStrictEqual(
          observed,
          nodeError("TypeError", "ERR_INVALID_ARG_VALUE", `The argument ${reason}. Received ${received}`)
        )
      }
      line(
        ["Address: IPv4 2.2.2.2", "garbage"],
        "'garbage'",
        "'data[1]' is not a rule such as 'Address: IPv4 10.0.0.5', 'Range: IPv4 10.0.0.1-10.0.0.10' or 'Subnet: IPv6 ::/64'"
      )
      line(["Address: IPv4 10.0.0.256"], "'10.0.0.256'", "'data[0]' is not an IPv4 address")
      line(["Subnet: IPv4 10.0.0.0/33"], "33", "'data[0]' must be >= 0 && <= 32")
      line(["Range: IPv4 10.0.0.9-10.0.0.1"], "'10.0.0.9'", "'data[0]' must come before end")
      line(["Range: IPv4 10.0.0.9"], "'Range: IPv4 10.0.0.9'", "'data[0]' is not a valid Range rule")
      assert.deepStrictEqual(list.rules, ["Address: IPv4 1.1.1.1"])
    })

    it("shows its core list to the rest of netfx (internal)", () => {
      const list = new BlockList()
      list.addSubnet("10.0.0.0", 8)
      assert.deepStrictEqual(CoreBlockList.toJSON(toCore(list)), ["Subnet: IPv4 10.0.0.0/8"])
      assert.isTrue(CoreBlockList.check(toCore(list), "10.1.2.3"))
    })
  })

  describe("properties, against node:net", () => {
    type Form = "text" | "socketAddress"
    type Rule =
      | { readonly kind: "address"; readonly address: Address; readonly form: Form; readonly type: string | undefined }
      | {
        readonly kind: "range"
        readonly start: Address
        readonly end: Address
        readonly form: Form
        readonly type: string | undefined
      }
      | {
        readonly kind: "subnet"
        readonly network: Address
        readonly prefix: number
        readonly form: Form
        readonly type: string | undefined
      }
    type Check = { readonly address: Address; readonly form: Form; readonly type: string | undefined }

    const form = fc.constantFrom<Form>("text", "text", "socketAddress")
    // The family argument: mostly right (omitted for IPv4, since 'ipv4' is the default), sometimes in
    // upper case, sometimes the other family or none at all.
    const typeFor = (a: Address) =>
      a.family === "ipv4"
        ? fc.constantFrom(undefined, undefined, "ipv4", "IPV4", "ipv6", "ipv5")
        : fc.constantFrom("ipv6", "ipv6", "ipv6", "IPv6", "ipv4", undefined)
    const sameFamily = (family: "ipv4" | "ipv6") => family === "ipv4" ? ipv4Address : ipv6Address
    const anyAddress = fc.oneof(ipv4Address, ipv6Address)

    const rule: fc.Arbitrary<Rule> = fc.oneof(
      fc.tuple(anyAddress, form).chain(([address, form]) =>
        typeFor(address).map((type): Rule => ({ kind: "address", address, form, type }))
      ),
      fc.constantFrom<"ipv4" | "ipv6">("ipv4", "ipv6").chain((family) =>
        fc.tuple(sameFamily(family), sameFamily(family), fc.integer({ min: 0, max: 5 }), form).chain(
          ([a, b, order, form]) => {
            // Mostly in order; sometimes reversed, to compare the 'must come before end' error.
            const [start, end] = order > 0 && a.value > b.value ? [b, a] : [a, b]
            return typeFor(start).map((type): Rule => ({ kind: "range", start, end, form, type }))
          }
        )
      ),
      anyAddress.chain((network) =>
        fc.tuple(prefix(network.family), form, typeFor(network)).map(([prefix, form, type]): Rule => ({
          kind: "subnet",
          network,
          prefix,
          form,
          type
        }))
      )
    )

    const check: fc.Arbitrary<Check> = fc.tuple(anyAddress, form).chain(([address, form]) =>
      typeFor(address).map((type): Check => ({ address, form, type }))
    )

    const sa = (api: Net, a: Address) => new api.SocketAddress({ address: a.text, family: a.family })

    const addRule = (api: Net, list: net.BlockList, rule: Rule): void => {
      const type = rule.type as IPVersion | undefined
      switch (rule.kind) {
        case "address":
          return rule.form === "text"
            ? list.addAddress(rule.address.text, type)
            : list.addAddress(sa(api, rule.address))
        case "range":
          return rule.form === "text"
            ? list.addRange(rule.start.text, rule.end.text, type)
            : list.addRange(sa(api, rule.start), sa(api, rule.end))
        case "subnet":
          return rule.form === "text"
            ? list.addSubnet(rule.network.text, rule.prefix, type)
            : list.addSubnet(sa(api, rule.network), rule.prefix)
      }
    }

    const runCheck = (api: Net, list: net.BlockList, check: Check): boolean =>
      check.form === "socketAddress"
        ? list.check(sa(api, check.address))
        : list.check(check.address.text, check.type as IPVersion | undefined)

    // Known difference 2: an IPv4 address checked against an IPv6 range that covers its mapped form
    // but whose ends are not both IPv4-mapped. Such checks are left out (and tested above).
    const hitsKnownDifference = (rules: ReadonlyArray<Rule>, check: Check): boolean => {
      const a = check.address
      const checkedAsIPv4 = a.family === "ipv4" &&
        (check.form === "socketAddress" || (check.type ?? "ipv4").toLowerCase() === "ipv4")
      if (!checkedAsIPv4) return false
      const mapped = MAPPED_BASE + BigInt(a.value)
      return rules.some((rule) =>
        rule.kind === "range" && rule.start.family === "ipv6" && rule.end.family === "ipv6" &&
        !(isMapped(rule.start.value) && isMapped(rule.end.value)) &&
        rule.start.value <= mapped && mapped <= rule.end.value
      )
    }

    it("keeps the same rules and answers every check the same", () => {
      fc.assert(
        fc.property(
          fc.array(rule, { maxLength: 8 }),
          fc.array(check, { minLength: 1, maxLength: 12 }),
          (rules, checks) => {
            const compared = checks.filter((c) => !hitsKnownDifference(rules, c))
            assertSameAsNode((api) => {
              const list = new api.BlockList()
              const added = rules.map((rule) => attempt(() => addRule(api, list, rule)))
              return { added, rules: [...list.rules], checks: compared.map((c) => runCheck(api, list, c)) }
            })
          }
        ),
        { numRuns: 3000 }
      )
    }, propertyTimeout)

    it("refuses any argument of the wrong type as Node does", () => {
      const anything = fc.anything({ withBigInt: true, withBoxedValues: true, withNullPrototype: true, maxDepth: 2 })
      fc.assert(
        fc.property(anything, (value) => {
          assertSameAsNode(withList((list) => [
            () => list.addAddress(bad(value)),
            () => list.addAddress("1.2.3.4", bad(value)),
            () => list.addRange(bad(value), "1.2.3.4"),
            () => list.addRange("1.2.3.4", bad(value)),
            () => list.addRange("1.2.3.4", "1.2.3.5", bad(value)),
            () => list.addSubnet(bad(value), 8),
            () => list.addSubnet("1.2.3.4", bad(value)),
            () => list.addSubnet("::", bad(value), "ipv6"),
            () => list.addSubnet("1.2.3.4", 8, bad(value)),
            () => list.check(bad(value)),
            () => list.check("1.2.3.4", bad(value))
          ]))
        }),
        { numRuns: 400 }
      )
    }, propertyTimeout)

    it("blocks exactly the addresses of one rule, at its edges", () => {
      // One range or subnet, and checks at its first and last address and just outside them.
      const edges = fc.oneof(
        fc.constantFrom<"ipv4" | "ipv6">("ipv4", "ipv6").chain((family) =>
          fc.tuple(sameFamily(family), sameFamily(family)).map(([a, b]): Rule => {
            const [start, end] = a.value <= b.value ? [a, b] : [b, a]
            return { kind: "range", start, end, form: "text", type: family }
          })
        ),
        anyAddress.chain((network) =>
          prefix(network.family).map((prefix): Rule => ({
            kind: "subnet",
            network,
            prefix,
            form: "text",
            type: network.family
          }))
        )
      )
      const bounds = (rule: Rule): ReadonlyArray<Address> => {
        switch (rule.kind) {
          case "range":
            return [rule.start, rule.end]
          case "subnet": {
            const net = rule.network
            if (net.family === "ipv4") {
              const size = 2 ** (32 - rule.prefix)
              const first = Math.floor(net.value / size) * size
              return [ipv4(first), ipv4(first + size - 1)]
            }
            const hostMask = (1n << BigInt(128 - rule.prefix)) - 1n
            return [ipv6(net.value & ~hostMask), ipv6((net.value & ~hostMask) | hostMask)]
          }
          case "address":
            return [rule.address]
        }
      }
      const around = (a: Address): Array<Check> =>
        a.family === "ipv4"
          ? [a.value - 1, a.value, a.value + 1].filter((v) => v >= 0 && v <= 0xffffffff).map((v) => ({
            address: ipv4(v),
            form: "text",
            type: "ipv4"
          }))
          : [a.value - 1n, a.value, a.value + 1n].filter((v) => v >= 0n && v < 1n << 128n).map((v) => ({
            address: ipv6(v),
            form: "text",
            type: "ipv6"
          }))
      fc.assert(
        fc.property(edges, fc.array(check, { maxLength: 6 }), (rule, checks) => {
          const all = [...bounds(rule).flatMap(around), ...checks].filter((c) => !hitsKnownDifference([rule], c))
          assertSameAsNode((api) => {
            const list = new api.BlockList()
            const added = attempt(() => addRule(api, list, rule))
            return { added, checks: all.map((c) => runCheck(api, list, c)) }
          })
        }),
        { numRuns: 2000 }
      )
    }, propertyTimeout)
  })
})

const ipv4 = (value: number): Address => ({ family: "ipv4", value, text: formatIPv4(value) })

// All eight groups, no compression: a form every parser reads the same way.
const ipv6 = (value: bigint): Address => {
  const groups: Array<string> = []
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16))
  return { family: "ipv6", value, text: groups.join(":") }
}
