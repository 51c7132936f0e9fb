import { assert, describe, it } from "@effect/vitest"
import * as net from "node:net"
import { assertSameAsNode, attempt, netfx, node, nodeError, normalise, observe, returned } from "./differential.js"

describe("differential", () => {
  it("sees a different result", () => {
    assert.throws(() => assertSameAsNode((api) => api === node ? 1 : 2))
    assert.throws(() =>
      assertSameAsNode((api) => {
        const list = new api.BlockList()
        if (api === node) list.addAddress("1.2.3.4")
        return { list, blocked: list.check("1.2.3.4") }
      })
    )
  })

  it("sees an error of another class, code, message or stack header", () => {
    const fail = (error: Error) => () => {
      throw error
    }
    const coded = (code: string) => Object.assign(new TypeError("m"), { code })
    assert.throws(() => assertSameAsNode((api) => fail(api === node ? new TypeError("m") : new RangeError("m"))()))
    assert.throws(() => assertSameAsNode((api) => fail(api === node ? coded("A") : coded("B"))()))
    assert.throws(() => assertSameAsNode((api) => fail(new TypeError(api === node ? "m" : "n"))()))
    const renamed = new TypeError("m")
    renamed.stack = "TypeError [X]: m"
    assert.throws(() => assertSameAsNode((api) => fail(api === node ? new TypeError("m") : renamed)()))
  })

  it("records errors as a program sees them", () => {
    assert.deepStrictEqual(
      attempt(() => new net.SocketAddress({ address: "x" })),
      nodeError("Error", "ERR_INVALID_ADDRESS", "Invalid socket address")
    )
    assert.deepStrictEqual(
      observe(node, (api) => new api.BlockList().addSubnet("::", 129, "ipv6")),
      nodeError(
        "RangeError",
        "ERR_OUT_OF_RANGE",
        "The value of \"prefix\" is out of range. It must be >= 0 && <= 128. Received 129"
      )
    )
  })

  it("normalises addresses and lists of both implementations to the same data", () => {
    for (const api of [node, netfx]) {
      const list = new api.BlockList()
      list.addAddress("1.2.3.4")
      assert.deepStrictEqual(normalise(list), {
        BlockList: ["Address: IPv4 1.2.3.4"],
        inspect: "BlockList { rules: [ 'Address: IPv4 1.2.3.4' ] }"
      })
      assert.deepStrictEqual(normalise([new api.SocketAddress({ address: "::1", family: "ipv6" })]), [{
        SocketAddress: { address: "::1", port: 0, family: "ipv6", flowlabel: 0 },
        json: "{\"address\":\"::1\",\"port\":0,\"family\":\"ipv6\",\"flowlabel\":0}",
        inspect: "SocketAddress { address: '::1', port: 0, family: 'ipv6', flowlabel: 0 }"
      }])
    }
    assert.deepStrictEqual(returned({ a: [1] }), { _tag: "Returned", value: { a: [1] } })
  })
})
