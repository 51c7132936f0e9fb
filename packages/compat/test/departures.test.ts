/**
 * What compat cannot do as node:net does from user land (README, "What cannot be closed from user
 * land"): each test shows what happens instead, and that it fails cleanly.
 */
import { assert, describe, it } from "@effect/vitest"
import * as compat from "@netfx/compat"
import { fork } from "node:child_process"
import { once } from "node:events"
import * as net from "node:net"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

const listen = async (server: net.Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return (server.address() as net.AddressInfo).port
}

describe("departures from node:net that user land cannot close", () => {
  it("_handle is null while the core dials, the runtime's handle once connected, null after close", async () => {
    const server = net.createServer((socket) => socket.end())
    const port = await listen(server)
    const reference = net.connect(port, "127.0.0.1")
    const socket = compat.connect(port, "127.0.0.1")
    // Node holds the handle it connects; compat's socket gets the winner's at 'connect'.
    assert.strictEqual(typeof (reference as unknown as { _handle: unknown })._handle, "object")
    assert.isNull((socket as unknown as { _handle: unknown })._handle)
    await once(socket, "connect")
    assert.instanceOf(socket, net.Socket)
    assert.strictEqual(
      (socket as unknown as { _handle: object })._handle.constructor,
      (reference as unknown as { _handle: object })._handle.constructor
    )
    socket.destroy()
    reference.destroy()
    await once(socket, "close")
    assert.isNull((socket as unknown as { _handle: unknown })._handle)
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it("dropMaxConnection is kept and, outside a cluster, changes nothing: over the limit is dropped", async () => {
    for (const dropMaxConnection of [false, true]) {
      const server = compat.createServer()
      ;(server as unknown as { dropMaxConnection: boolean }).dropMaxConnection = dropMaxConnection
      server.maxConnections = 1
      const drops: Array<unknown> = []
      server.on("drop", (data) => drops.push(data))
      const port = await listen(server)
      const first = net.connect(port, "127.0.0.1")
      await once(server, "connection")
      const second = net.connect(port, "127.0.0.1")
      second.on("error", () => {})
      await once(second, "close")
      assert.strictEqual(drops.length, 1)
      assert.strictEqual((server as unknown as { dropMaxConnection: boolean }).dropMaxConnection, dropMaxConnection)
      first.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it("a compat server cannot be handed to a child process: child.send throws ERR_INVALID_HANDLE_TYPE", async () => {
    const child = fork("test/programs/socketReceiver.ts", [], {
      cwd: packageDir,
      execArgv: ["--conditions=@netfx/source", "--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const server = compat.createServer()
    await listen(server)
    let thrown: unknown
    try {
      child.send("server", server)
    } catch (error) {
      thrown = error
    }
    assert.strictEqual((thrown as { code?: unknown } | undefined)?.code, "ERR_INVALID_HANDLE_TYPE")
    child.disconnect()
    await once(child, "exit")
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it("a BlockList or SocketAddress through structuredClone is an empty plain object; toJSON travels", () => {
    const list = new compat.BlockList()
    list.addAddress("1.2.3.4")
    const cloned = structuredClone(list)
    assert.deepStrictEqual(Object.getPrototypeOf(cloned), Object.prototype)
    assert.isFalse(compat.BlockList.isBlockList(cloned))
    assert.throws(() => (cloned as unknown as { check: (a: string) => boolean }).check("1.2.3.4"), TypeError)
    const received = new compat.BlockList()
    received.fromJSON(structuredClone(list.toJSON()))
    assert.isTrue(received.check("1.2.3.4"))
    const address = new compat.SocketAddress({ address: "1.2.3.4", port: 80 })
    assert.deepStrictEqual(Object.getPrototypeOf(structuredClone(address)), Object.prototype)
    assert.deepStrictEqual(structuredClone(address.toJSON()), {
      address: "1.2.3.4",
      port: 80,
      family: "ipv4",
      flowlabel: 0
    })
  })
})
