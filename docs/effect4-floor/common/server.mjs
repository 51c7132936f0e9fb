// node:net echo server on loopback (copied from /work/scratch/clientbench.mjs "server" mode)
import * as net from "node:net"
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
  s.on("data", (d) => s.write(d))
  s.on("end", () => s.end())
})
server.listen(0, "127.0.0.1", () => process.send(server.address().port))
process.on("disconnect", () => process.exit(0))
