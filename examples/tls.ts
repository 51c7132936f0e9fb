/**
 * TLS with netfx: a TLS echo server (a certificate per server name, ALPN), a client that races the
 * addresses of `localhost` and then secures the winner, a certificate refused with a typed error,
 * and STARTTLS: a plaintext exchange, then both sides upgrade the same connection.
 *
 * The certificates are the test ones (`packages/core/test/fixtures/tls`, made by its `generate.sh`):
 * a CA, and certificates it signed for localhost and alt.localhost.
 *
 *   npx tsx --conditions=@netfx/source examples/tls.ts
 */
import { Connection, NodeTransport, Server, Tls } from "@netfx/core"
import { Console, Effect, Option, Stream } from "effect"
import { readFileSync } from "node:fs"

const pem = (name: string) => readFileSync(`packages/core/test/fixtures/tls/${name}`, "utf8")
const ca = pem("ca.crt")
const serverTls: Tls.ServerOptions = {
  cert: pem("server.crt"),
  key: pem("server.key"),
  sni: { "alt.localhost": { cert: pem("alt.crt"), key: pem("alt.key") } },
  alpnProtocols: ["echo/1"]
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** Sends a message, half-closes, and reads the whole answer. */
const ask = (conn: Connection.Connection, message: string) =>
  Effect.gen(function*() {
    yield* conn.write(message)
    yield* conn.end
    return text(yield* Connection.readAll(conn))
  })

const program = Effect.gen(function*() {
  // A TLS echo server: each connection reaches the handler secured, with what was negotiated.
  const server = yield* Server.serve(
    { host: "127.0.0.1", port: 0, allowHalfOpen: true, tls: serverTls },
    (conn) =>
      Effect.zipRight(
        Console.log(`server: ${conn.tls?.protocol} for ${conn.tls?.servername}, ALPN ${conn.tls?.alpnProtocol}`),
        Stream.run(conn.stream, conn.sink)
      )
  )
  const port = server.address.port

  // The race first (RFC 8305, as for any connect), then the handshake on the winner.
  const conn = yield* Connection.connect({ host: "localhost", port, family: 4, tls: { ca, alpnProtocols: ["echo/1"] } })
  yield* Console.log(`client: certificate of ${conn.tls?.peerCertificate?.subject.CN}, ${conn.tls?.cipher.name}`)
  yield* Console.log(`client: got back "${yield* ask(conn, "hello over TLS")}"`)

  // Another name, another certificate (SNI).
  const alt = yield* Connection.connect({ host: "127.0.0.1", port, tls: { ca, servername: "alt.localhost" } })
  yield* Console.log(`client: certificate of ${alt.tls?.peerCertificate?.subject.CN}`)
  yield* ask(alt, "x")

  // A certificate that does not verify: one tag for "TLS failed", Node's code inside.
  yield* Connection.connect({ host: "localhost", port, family: 4, tls: {} }).pipe(
    Effect.catchTag("TlsError", (error) => Console.log(`client: refused: ${error.reason} ${error.code}`))
  )

  // STARTTLS: plaintext first, then both sides upgrade the connection they have.
  const smtpish = yield* Server.serve(
    { host: "127.0.0.1", port: 0, allowHalfOpen: true },
    (conn) =>
      Effect.gen(function*() {
        yield* conn.read // "STARTTLS"
        yield* conn.write("220 go ahead\r\n")
        yield* Tls.upgradeServer(conn, serverTls)
        yield* Stream.run(conn.stream, conn.sink)
      })
  )
  const plain = yield* Connection.connect({ host: "127.0.0.1", port: smtpish.address.port, allowHalfOpen: true })
  yield* plain.write("STARTTLS\r\n")
  const answer = yield* plain.read
  yield* Console.log(
    `client: server said "${
      Option.match(answer, {
        onNone: () => "",
        onSome: (c) => text(Buffer.concat([...c]))
      }).trim()
    }"`
  )
  const session = yield* Tls.upgradeClient(plain, { ca, host: "localhost" })
  yield* Console.log(`client: upgraded to ${session.protocol}; got back "${yield* ask(plain, "secret")}"`)
  yield* Console.log(`client: ${yield* plain.bytesWritten} bytes written on that connection, plaintext and TLS`)
}).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))

Effect.runPromise(program).then(() => console.log("done"))
