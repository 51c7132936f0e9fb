import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { IPVersion, SocketAddressInitOptions } from "@netfx/compat"
import net, { BlockList, isIP, isIPv4, isIPv6, SocketAddress } from "@netfx/compat"
import * as compat from "@netfx/compat"
import type * as nodeNet from "node:net"
import * as nodeNetModule from "node:net"

describe("@netfx/compat", () => {
  it("exports node:net's public API by name and in a default object, plus the race policy", () => {
    // The reference's API (Node 20's public names; later Node adds undocumented ones, such as
    // Node 24's BoundSocket).
    const publicNames = [
      "BlockList",
      "Server",
      "Socket",
      "SocketAddress",
      "Stream",
      "connect",
      "createConnection",
      "createServer",
      "getDefaultAutoSelectFamily",
      "getDefaultAutoSelectFamilyAttemptTimeout",
      "isIP",
      "isIPv4",
      "isIPv6",
      "setDefaultAutoSelectFamily",
      "setDefaultAutoSelectFamilyAttemptTimeout"
    ]
    for (const name of publicNames) assert.property(nodeNetModule, name)
    const policy = ["getDefaultAutoSelectFamilyPolicy", "setDefaultAutoSelectFamilyPolicy"]
    assert.deepStrictEqual(Object.keys(net).sort(), [...publicNames, ...policy].sort())
    assert.deepStrictEqual(Object.keys(compat).filter((name) => name !== "default").sort(), Object.keys(net).sort())
    for (const name of Object.keys(net) as Array<keyof typeof net>) assert.strictEqual(net[name], compat[name])
    assert.strictEqual(net.Stream, net.Socket)
    assert.strictEqual(net.createConnection, net.connect)
  })

  it("makes Socket and Server with new, without new, and through subclasses", () => {
    const made = [
      new compat.Socket(),
      (compat.Socket as unknown as () => nodeNet.Socket)(),
      Reflect.construct(compat.Socket, [], compat.Socket) as nodeNet.Socket
    ]
    for (const socket of made) {
      assert.instanceOf(socket, compat.Socket)
      // On Bun compat's socket is a stream.Duplex of its own (see the README's departures).
      if (typeof process.versions.bun !== "string") assert.instanceOf(socket, nodeNetModule.Socket)
      assert.strictEqual(Object.getPrototypeOf(socket), compat.Socket.prototype)
      socket.destroy()
    }
    class Mine extends compat.Socket {
      readonly mine = true
    }
    const mine = new Mine()
    assert.instanceOf(mine, Mine)
    assert.instanceOf(mine, compat.Socket)
    assert.isTrue(mine.mine)
    mine.destroy()
    class MyServer extends compat.Server {}
    const servers = [new compat.Server(), (compat.Server as unknown as () => nodeNet.Server)(), new MyServer()]
    for (const server of servers) assert.instanceOf(server, compat.Server)
    assert.instanceOf(servers[2], MyServer)
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
    // Socket and Server are node:net's own types.
    expectTypeOf(compat.Socket).toEqualTypeOf<typeof nodeNet.Socket>()
    expectTypeOf(compat.Server).toEqualTypeOf<typeof nodeNet.Server>()
    expectTypeOf(compat.connect).toEqualTypeOf<typeof nodeNet.connect>()
    expectTypeOf(compat.createConnection).toEqualTypeOf<typeof nodeNet.createConnection>()
    expectTypeOf(compat.createServer).toEqualTypeOf<typeof nodeNet.createServer>()
    expectTypeOf(compat.getDefaultAutoSelectFamily).toEqualTypeOf<typeof nodeNet.getDefaultAutoSelectFamily>()
    // A node:net SocketAddress is not one of ours: BlockList refuses it at run time, so the types do too.
    expectTypeOf<nodeNet.SocketAddress>().not.toMatchTypeOf<SocketAddress>()
  })
})
