/**
 * A program whose only open socket is a paused client, connected to a server of this process
 * whose side is unref'd: node:net lets such a process exit (a handle that neither reads nor writes
 * keeps nothing alive). Run as `pausedClient.ts node:net|@netfx/compat`; prints "connected".
 */
import * as nodeNet from "node:net"

const module = process.argv[2] === "@netfx/compat" ? await import("@netfx/compat") : nodeNet
const server = nodeNet.createServer((accepted) => {
  accepted.unref()
})
server.listen(0, "127.0.0.1", () => {
  server.unref()
  const { port } = server.address() as nodeNet.AddressInfo
  const socket = module.connect({ port, host: "127.0.0.1" }, () => {
    socket.pause()
    process.stdout.write("connected\n")
  })
})
