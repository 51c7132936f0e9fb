/**
 * Classic `node:net` code, unchanged but for its import: a server, a client, their events, and a
 * refused connection reported as Node reports it (an `'error'` event with `code: 'ECONNREFUSED'`).
 * Every socket and server here is `@netfx/compat`'s, built on `@netfx/core`.
 *
 *   npx tsx --conditions=@netfx/source examples/classic-net.ts
 */
import net from "@netfx/compat" // instead of "node:net"

const server = net.createServer((socket) => {
  console.log(`server: connection from ${socket.remoteAddress}:${socket.remotePort}`)
  socket.setEncoding("utf8")
  socket.on("data", (data) => socket.write(String(data).toUpperCase()))
  socket.on("end", () => socket.end())
})

server.on("error", (error) => {
  console.error("server error:", error)
  process.exitCode = 1
})

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error(`unexpected address ${address}`)
  console.log(`server: listening on ${address.address}:${address.port}`)

  const client = net.createConnection({ host: "127.0.0.1", port: address.port }, () => {
    console.log(`client: connected from ${client.localAddress}:${client.localPort}`)
    client.write("hello, ")
    client.end("classic net code")
  })
  let reply = ""
  client.setEncoding("utf8")
  client.on("data", (data) => reply += data)
  client.on("end", () => console.log(`client: got ${JSON.stringify(reply)}`))
  client.on("close", (hadError) => {
    console.log(`client: closed${hadError ? " with an error" : ""}`)
    server.close(() => {
      console.log("server: closed")
      refused(address.port)
    })
  })
})

// The server is gone, so its port refuses: an 'error' event, then 'close' with hadError.
const refused = (port: number) => {
  const socket = net.connect(port, "127.0.0.1")
  socket.on("error", (error: NodeJS.ErrnoException) => console.log(`late client: ${error.code} (${error.message})`))
  socket.on("close", (hadError) => console.log(`late client: closed${hadError ? " with an error" : ""}`))
}
