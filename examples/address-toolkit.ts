/**
 * The address toolkit: IP tests, socket addresses and a block list, the Effect way and the
 * `node:net` way.
 *
 *   npx tsx --conditions=@netfx/source examples/address-toolkit.ts
 */
import * as compat from "@netfx/compat"
import { BlockList, IP, SocketAddress } from "@netfx/core"
import { Console, Effect, Option } from "effect"

const program = Effect.gen(function*() {
  yield* Console.log("IP.isIP('::1') =", IP.isIP("::1"), "  IP.isIP('127.000.000.001') =", IP.isIP("127.000.000.001"))

  const address = yield* SocketAddress.make({ address: "::FFFF:7B7B:7B7B", port: 8080 })
  yield* Console.log("SocketAddress.make(...)    =", String(address), `(family ${address.family})`)
  yield* Console.log(
    "SocketAddress.parse(...)   =",
    Option.getOrUndefined(Option.map(SocketAddress.parse("[2001:db8::1]:443"), String))
  )

  // Rules are immutable values: each add returns a new list, or fails with a typed InvalidArgument.
  const blockList = yield* BlockList.empty.pipe(
    BlockList.addAddress("123.123.123.123"),
    Effect.flatMap(BlockList.addRange("10.0.0.1", "10.0.0.10")),
    Effect.flatMap(BlockList.addSubnet("8592:757c:efae:4e45::", 64))
  )
  yield* Console.log("rules                      =", BlockList.toJSON(blockList))
  for (const candidate of ["123.123.123.123", "10.0.0.3", "222.111.111.222", "::ffff:7b7b:7b7b"]) {
    yield* Console.log(`check(${candidate})`.padEnd(27), "=", BlockList.check(blockList, candidate))
  }

  const bad = yield* Effect.either(BlockList.addSubnet(blockList, "10.0.0.0", 33))
  if (bad._tag === "Left") yield* Console.log("addSubnet('10.0.0.0', 33)  =", bad.left.code, "-", bad.left.message)

  // The same toolkit with node:net's API, on every supported Node version.
  const classic = new compat.BlockList()
  classic.fromJSON(BlockList.toJSON(blockList))
  yield* Console.log("compat check('10.0.0.5')   =", classic.check("10.0.0.5"))
  yield* Console.log("compat SocketAddress.parse =", compat.SocketAddress.parse("127.0.0.1:80")?.toJSON())
})

Effect.runSync(program)
