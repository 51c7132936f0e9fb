/**
 * A child process that is handed sockets by its parent (`child.send("socket", socket)`) and
 * answers on each: "from the child", then ends it.
 */
import type * as net from "node:net"

process.on("message", (message: unknown, socket: net.Socket | undefined) => {
  if (message !== "socket" || socket === undefined) return
  socket.end("from the child", () => process.disconnect())
})
