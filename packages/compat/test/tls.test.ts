/**
 * `node:tls` over the module's sockets, the way SMTP, IMAP, PostgreSQL and MySQL use it: STARTTLS,
 * a plaintext exchange and then TLS on the same connection, on a socket a server accepted and on a
 * client socket; 1 MiB each way through a TLS echo, and a half-close that must not lose a byte.
 * Run with node:net (the reference) and with `@netfx/compat`; the peer is node:net and node:tls.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import type * as nodeNet from "node:net"
import * as net from "node:net"
import * as tls from "node:tls"
import { node, subject, subjectIsNode } from "./scenarios/differential.js"
import type { NetModule } from "./scenarios/harness.js"

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
const cert = fixture("tls-cert.pem")
const key = fixture("tls-key.pem")
const secureContext = tls.createSecureContext({ cert, key })

const MiB = 1024 * 1024
const payload = Buffer.alloc(MiB)
for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff

/** Reads one line of the plaintext exchange, leaving the socket paused with no 'data' listener. */
const line = (socket: nodeNet.Socket) =>
  new Promise<string>((resolve, reject) => {
    let text = ""
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1")
      if (!text.includes("\n")) return
      socket.off("data", onData)
      socket.off("error", reject)
      socket.pause()
      resolve(text.trim())
    }
    socket.on("data", onData)
    socket.once("error", reject)
  })

/** Sends 1 MiB over `stream`, half-closes, and resolves with everything read up to the peer's end. */
const sendAndCollect = (stream: tls.TLSSocket) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    stream.on("data", (chunk: Buffer) => chunks.push(chunk))
    stream.on("end", () => resolve(Buffer.concat(chunks)))
    stream.on("error", reject)
    stream.end(payload)
  })

/** A STARTTLS echo server on `module`: "STARTTLS" -> "220 go", then TLS over the accepted socket. */
const startTlsServer = async (module: NetModule) => {
  const errors: Array<string> = []
  const server = module.createServer((socket) => {
    socket.on("error", (error) => errors.push(`plain ${(error as NodeJS.ErrnoException).code}`))
    void line(socket).then((command) => {
      if (command !== "STARTTLS") return socket.destroy()
      socket.write("220 go\r\n")
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext })
      secure.on("error", (error) => errors.push(`tls ${(error as NodeJS.ErrnoException).code}`))
      secure.pipe(secure)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as nodeNet.AddressInfo).port
  return { port, errors, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A STARTTLS client on `module`: the plaintext exchange, then `tls.connect({ socket })`. */
const startTlsClient = async (module: NetModule, port: number) => {
  const socket = module.connect({ port, host: "127.0.0.1" })
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve)
    socket.once("error", reject)
  })
  socket.write("STARTTLS\r\n")
  assert.strictEqual(await line(socket), "220 go")
  const secure = tls.connect({ socket, ca: cert, servername: "localhost" })
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve)
    secure.once("error", reject)
  })
  return secure
}

const modules: ReadonlyArray<readonly [string, NetModule]> = subjectIsNode
  ? [["node:net", node]]
  : [["node:net", node], ["@netfx/compat", subject]]

/** A STARTTLS echo on `serverModule`, a client on `clientModule`: 1 MiB each way, then half-close. */
const roundTrip = async (serverModule: NetModule, clientModule: NetModule) => {
  const server = await startTlsServer(serverModule)
  try {
    const secure = await startTlsClient(clientModule, server.port)
    const echoed = await sendAndCollect(secure)
    assert.strictEqual(echoed.length, MiB)
    assert.isTrue(echoed.equals(payload))
    assert.deepStrictEqual(server.errors, [])
  } finally {
    await server.close()
  }
}

describe("STARTTLS over the module's sockets", () => {
  for (const [name, module] of modules) {
    it(`on accepted sockets (${name} server, node:net client): 1 MiB each way, then half-close`, () =>
      roundTrip(module, node))
    it(`on client sockets (node:net server, ${name} client): 1 MiB each way, then half-close`, () =>
      roundTrip(node, module))
  }

  it("takes the runtime's handle over: a compat socket is a net.Socket with a handle once connected", async () => {
    const server = await startTlsServer(node)
    let secure: tls.TLSSocket | undefined
    try {
      secure = await startTlsClient(subject, server.port)
      const plain = (secure as unknown as { _parent: nodeNet.Socket | null })._parent
      assert.instanceOf(plain, net.Socket)
      // Node's TLS wraps a socket with a handle natively (no JS stream adapter in between).
      assert.notStrictEqual((secure as unknown as { _handle: unknown })._handle, null)
    } finally {
      // Whatever failed: the server closes only once its connection has gone.
      secure?.destroy()
      await server.close()
    }
  })
})
