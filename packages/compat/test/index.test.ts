import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { IPVersion, SocketAddressInitOptions } from "@netfx/compat"
import net, { BlockList, isIP, isIPv4, isIPv6, SocketAddress } from "@netfx/compat"
import * as compat from "@netfx/compat"
import type * as nodeNet from "node:net"

describe("@netfx/compat", () => {
  it("exports the address toolkit by name and in a default object, like node:net", () => {
    assert.deepStrictEqual(Object.keys(net).sort(), ["BlockList", "SocketAddress", "isIP", "isIPv4", "isIPv6"])
    assert.strictEqual(net.BlockList, BlockList)
    assert.strictEqual(net.SocketAddress, SocketAddress)
    assert.strictEqual(net.isIP, isIP)
    assert.strictEqual(net.isIPv4, isIPv4)
    assert.strictEqual(net.isIPv6, isIPv6)
    assert.deepStrictEqual(Object.keys(compat).sort(), [
      "BlockList",
      "SocketAddress",
      "default",
      "isIP",
      "isIPv4",
      "isIPv6"
    ])
  })

  it("has types that fit @types/node's node:net", () => {
    expectTypeOf<IPVersion>().toEqualTypeOf<nodeNet.IPVersion>()
    expectTypeOf<SocketAddressInitOptions>().toMatchTypeOf<nodeNet.SocketAddressInitOptions>()
    expectTypeOf<nodeNet.SocketAddressInitOptions>().toMatchTypeOf<SocketAddressInitOptions>()
    expectTypeOf<SocketAddress>().toMatchTypeOf<nodeNet.SocketAddress>()
    expectTypeOf<BlockList>().toMatchTypeOf<nodeNet.BlockList>()
    expectTypeOf(SocketAddress).toMatchTypeOf<typeof nodeNet.SocketAddress>()
    expectTypeOf(BlockList).toMatchTypeOf<typeof nodeNet.BlockList>()
    expectTypeOf(isIP).toMatchTypeOf<typeof nodeNet.isIP>()
    expectTypeOf(isIPv4).toMatchTypeOf<typeof nodeNet.isIPv4>()
    expectTypeOf(isIPv6).toMatchTypeOf<typeof nodeNet.isIPv6>()
    // The additions of Node 22+, with the types later @types/node give them.
    expectTypeOf(SocketAddress.parse).toEqualTypeOf<(input: string) => SocketAddress | undefined>()
    expectTypeOf(BlockList.isBlockList).toEqualTypeOf<(value: unknown) => value is BlockList>()
    expectTypeOf<BlockList["toJSON"]>().toEqualTypeOf<() => ReadonlyArray<string>>()
    expectTypeOf<BlockList["fromJSON"]>().toEqualTypeOf<(data: string | ReadonlyArray<string>) => void>()
    expectTypeOf<SocketAddress["toJSON"]>().returns.toEqualTypeOf<
      { address: string; port: number; family: IPVersion; flowlabel: number }
    >()
    // A node:net SocketAddress is not one of ours: BlockList refuses it at run time, so the types do too.
    expectTypeOf<nodeNet.SocketAddress>().not.toMatchTypeOf<SocketAddress>()
  })
})
