/**
 * What the TLS tests share: the certificates of `fixtures/tls` (made by its `generate.sh`), and
 * `node:tls` / `node:net` peers for the life of a scope.
 */
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { dirname, join } from "node:path"
import * as tls from "node:tls"
import { fileURLToPath } from "node:url"

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "tls")
const read = (name: string) => readFileSync(join(dir, name), "utf8")

/** The test CA, and the certificates it signed (see `fixtures/tls/generate.sh`). */
export const certs = {
  ca: read("ca.crt"),
  /** localhost, 127.0.0.1, ::1 */
  server: { cert: read("server.crt"), key: read("server.key") },
  /** alt.localhost */
  alt: { cert: read("alt.crt"), key: read("alt.key") },
  /** localhost, expired in 2020 */
  expired: { cert: read("expired.crt"), key: read("expired.key") },
  /** wrong.example */
  wrongName: { cert: read("wrong-name.crt"), key: read("wrong-name.key") },
  /** a client certificate */
  client: { cert: read("client.crt"), key: read("client.key") },
  /** localhost, signed by itself */
  selfSigned: { cert: read("self-signed.crt"), key: read("self-signed.key") }
}

const closeServer = (server: net.Server, sockets: Set<net.Socket>) =>
  Effect.async<void>((resume) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resume(Effect.void))
  })

const listening = <S extends net.Server>(server: S, host: string) =>
  Effect.async<number>((resume) => {
    server.listen(0, host, () => resume(Effect.succeed((server.address() as net.AddressInfo).port)))
  })

/** A `node:tls` server for the life of the scope; `onSecure` gets each secured socket. */
export const nodeTlsServer = (
  options: tls.TlsOptions,
  onSecure: (socket: tls.TLSSocket) => void,
  host = "127.0.0.1"
) =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const sockets = new Set<net.Socket>()
      const errors: Array<Error & { code?: string }> = []
      const server = tls.createServer({ allowHalfOpen: true, ...options }, (socket) => {
        socket.on("error", () => {})
        onSecure(socket)
      })
      server.on("connection", (socket: net.Socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
      })
      server.on("tlsClientError", (error) => errors.push(error))
      return Effect.map(listening(server, host), (port) => ({ server, port, sockets, errors }))
    }),
    ({ server, sockets }) => closeServer(server, sockets)
  )

/**
 * A TCP server that accepts and never answers: a TLS handshake with it never completes. `accepted`
 * resolves with each connection as it arrives.
 */
export const silentServer = Effect.acquireRelease(
  Effect.suspend(() => {
    const sockets = new Set<net.Socket>()
    const waiting: Array<() => void> = []
    const server = net.createServer((socket) => {
      sockets.add(socket)
      socket.on("error", () => {})
      socket.on("close", () => sockets.delete(socket))
      socket.resume()
      waiting.splice(0).forEach((wake) => wake())
    })
    const accepted = (count: number) =>
      Effect.async<void>((resume) => {
        const check = () => {
          if (sockets.size >= count) resume(Effect.void)
          else waiting.push(check)
        }
        check()
      })
    return Effect.map(listening(server, "127.0.0.1"), (port) => ({ server, port, sockets, accepted }))
  }),
  ({ server, sockets }) => closeServer(server, sockets)
)

/** Text of bytes. */
export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
