import type * as Socket from "@effect/platform/Socket"
import type * as SocketServer from "@effect/platform/SocketServer"
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type { NetError } from "@netfx/core"
import { BlockList, Connection, NodeTransport, Resolver, Server, TestTransport, Tls, Transport } from "@netfx/core"
import * as PlatformSocket from "@netfx/core/PlatformSocket"
import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
import { Chunk, Clock, Effect, Exit, Fiber, Layer, Option, Queue, Stream, TestClock } from "effect"
import type { Scope } from "effect/Scope"
import * as net from "node:net"
import * as tls from "node:tls"
import { failure, recordSpans, settledHandles, tempDir, withLive } from "./fixtures.js"
import { certs, nodeTlsServer, silentServer, text } from "./tlsFixtures.js"

const serverTls: Tls.ServerOptions = { ...certs.server }
const trusting: Tls.ClientOptions = { ca: certs.ca }

/** Echoes until the peer ends, then ends. */
const echo = (conn: Connection.Connection) => Stream.run(conn.stream, conn.sink)

/** A TLS echo server on 127.0.0.1 (or `host`), and its events as they come. */
const tlsEchoServer = (tlsOptions: Tls.ServerOptions, host = "127.0.0.1") =>
  Effect.gen(function*() {
    const handled: Array<Connection.Connection> = []
    // allowHalfOpen: the echo answers all it read after the client's FIN (see the report: without it,
    // a connection ends its side at the peer's FIN even with bytes it has not yet read).
    const server = yield* Server.serve({ host, port: 0, allowHalfOpen: true, tls: tlsOptions }, (conn) => {
      handled.push(conn)
      return echo(conn)
    })
    const events = yield* server.subscribeEvents
    /** The next `TlsHandshakeFailed` event. */
    const failed = Effect.flatMap(
      Queue.take(events).pipe(Effect.repeat({ until: (e) => e._tag === "TlsHandshakeFailed" })),
      (event) => event._tag === "TlsHandshakeFailed" ? Effect.succeed(event) : Effect.die("unreachable")
    )
    return { server, port: server.address.port, handled, failed }
  })

/** One exchange: writes `message`, ends, reads everything back. */
const exchange = (conn: Connection.Connection, message: string | Uint8Array) =>
  Effect.gen(function*() {
    yield* conn.write(message)
    yield* conn.end
    return yield* Connection.readAll(conn)
  })

/** A TLS connect to `localhost` (::1 and 127.0.0.1, raced), with its events as text. */
const connectToLocalhost = (port: number) =>
  Effect.gen(function*() {
    const events: Array<string> = []
    const conn = yield* Connection.connect({
      host: "localhost",
      port,
      tls: trusting,
      onEvent: (event) => events.push(`${event._tag}${"address" in event ? ` ${event.address}` : ""}`)
    })
    return { conn, events }
  })

describe("Connection.connect with tls (real sockets)", () => {
  it.live("echo over TLS, Happy Eyeballs across ::1 and 127.0.0.1: the race, then the handshake on the winner", () =>
    Effect.gen(function*() {
      // Dual-stack server: both addresses answer; ::1 comes first and wins.
      const { port } = yield* tlsEchoServer(serverTls, "::")
      const { conn, events } = yield* connectToLocalhost(port)
      assert.strictEqual(text(yield* exchange(conn, "hello over TLS")), "hello over TLS")
      assert.deepStrictEqual(events.slice(0, 3), ["Lookup", "Attempt ::1", "Connected ::1"])
      const session = conn.tls!
      assert.strictEqual(session.protocol, "TLSv1.3")
      assert.strictEqual(session.servername, "localhost")
      assert.strictEqual(session.authorized, true)
      assert.strictEqual(session.peerCertificate?.subject.CN, "localhost")
      assert.strictEqual(session.peerCertificate?.issuer.CN, "netfx test CA")
      assert.match(session.cipher.name, /^TLS_/)
      assert.instanceOf(session.peerCertificate?.raw, Uint8Array)
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerStatic({ localhost: ["::1", "127.0.0.1"] })))
    ))

  it.live("Happy Eyeballs: ::1 refused, the handshake runs on the IPv4 winner", () =>
    Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(serverTls, "127.0.0.1")
      const { conn, events } = yield* connectToLocalhost(port)
      assert.include(events, "AttemptFailed ::1")
      assert.include(events, "Connected 127.0.0.1")
      assert.strictEqual(String(conn.remoteAddress), "127.0.0.1:" + port)
      assert.strictEqual(text(yield* exchange(conn, "v4")), "v4")
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerStatic({ localhost: ["::1", "127.0.0.1"] })))
    ))

  it.live("an IP literal sends no SNI and is checked against the certificate's IP addresses", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(serverTls)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port, tls: trusting })
      assert.strictEqual(conn.tls?.servername, undefined)
      assert.strictEqual(conn.tls?.authorized, true)
      assert.strictEqual(text(yield* exchange(conn, "ip")), "ip")
    })))

  it.live("the server sees what was negotiated: SNI name, protocol; bytes count application data", () =>
    withLive(Effect.gen(function*() {
      const { handled, port } = yield* tlsEchoServer(serverTls)
      const conn = yield* Connection.connect({ host: "localhost", port, family: 4, tls: trusting })
      const payload = new Uint8Array(100_000).fill(1)
      assert.strictEqual((yield* exchange(conn, payload)).length, payload.length)
      assert.strictEqual(handled.length, 1)
      assert.strictEqual(handled[0]!.tls?.servername, "localhost")
      assert.strictEqual(handled[0]!.tls?.peerCertificate, undefined)
      assert.strictEqual(yield* conn.bytesWritten, payload.length)
      assert.strictEqual(yield* conn.bytesRead, payload.length)
    })))

  const refused = (
    name: string,
    server: Tls.ServerOptions,
    client: Tls.ClientOptions,
    code: string,
    reason: NetError.TlsErrorReason,
    description: RegExp
  ) =>
    it.live(`${name}: TlsError ${reason} ${code}`, () =>
      withLive(Effect.gen(function*() {
        const { failed, handled, port } = yield* tlsEchoServer(server)
        const error = failure(
          yield* Effect.exit(Connection.connect({ host: "localhost", port, family: 4, tls: client }))
        )
        assert.strictEqual(error._tag, "TlsError")
        if (error._tag !== "TlsError") return
        assert.strictEqual(error.code, code)
        assert.strictEqual(error.reason, reason)
        assert.match(error.message, description, JSON.stringify(error.message))
        assert.strictEqual(error.host, "localhost")
        assert.strictEqual(error.address, "127.0.0.1")
        assert.strictEqual(error.port, port)
        // The server saw the client leave during the handshake: an event, never a handler.
        const event = yield* failed
        assert.strictEqual(event.error._tag, "TlsError")
        assert.strictEqual(handled.length, 0)
      })))

  refused(
    "a self-signed certificate",
    certs.selfSigned,
    {},
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "Certificate",
    /self-signed/
  )
  refused("an expired certificate", certs.expired, trusting, "CERT_HAS_EXPIRED", "Certificate", /expired/)
  refused(
    "a CA the client does not trust",
    serverTls,
    {},
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "Certificate",
    // Node 24 adds a hint about --use-system-ca to the message.
    /^unable to verify the first certificate.* \(localhost at 127\.0\.0\.1:\d+\)$/
  )
  refused(
    "a certificate for another name",
    certs.wrongName,
    trusting,
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "Certificate",
    /does not match certificate's altnames/
  )
  refused(
    "checkServerIdentity refuses",
    serverTls,
    {
      ...trusting,
      checkServerIdentity: (_host, cert) => cert.subject.CN === "pinned" ? undefined : new Error("not pinned")
    },
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "Certificate",
    /not pinned/
  )
  refused(
    "no protocol version in common",
    { ...serverTls, maxVersion: "TLSv1.2" },
    { ...trusting, minVersion: "TLSv1.3" },
    "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
    "Handshake",
    /alert protocol version/
  )

  it.live("rejectUnauthorized: false lets an unverified server in, and says why it was not verified", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(certs.selfSigned)
      const conn = yield* Connection.connect({ host: "localhost", port, tls: { rejectUnauthorized: false } })
      assert.strictEqual(conn.tls?.authorized, false)
      assert.strictEqual(conn.tls?.authorizationError, "DEPTH_ZERO_SELF_SIGNED_CERT")
      assert.strictEqual(text(yield* exchange(conn, "anyway")), "anyway")
    })))

  it.live("ALPN: the server's choice among what the client offers, seen on both sides", () =>
    withLive(Effect.gen(function*() {
      const { handled, port } = yield* tlsEchoServer({ ...serverTls, alpnProtocols: ["h2", "http/1.1"] })
      const conn = yield* Connection.connect({
        host: "localhost",
        port,
        tls: { ...trusting, alpnProtocols: ["http/1.1", "h2"] }
      })
      assert.strictEqual(conn.tls?.alpnProtocol, "h2")
      yield* exchange(conn, "x")
      assert.strictEqual(handled[0]!.tls?.alpnProtocol, "h2")
      const only = yield* Connection.connect({
        host: "localhost",
        port,
        tls: { ...trusting, alpnProtocols: ["http/1.1"] }
      })
      assert.strictEqual(only.tls?.alpnProtocol, "http/1.1")
      const none = yield* Connection.connect({ host: "localhost", port, tls: trusting })
      assert.strictEqual(none.tls?.alpnProtocol, undefined)
    })))

  it.live("ALPN with nothing in common: the client fails, the server reports it and goes on", () =>
    withLive(Effect.gen(function*() {
      const { failed, port } = yield* tlsEchoServer({ ...serverTls, alpnProtocols: ["h2"] })
      const error = failure(
        yield* Effect.exit(Connection.connect({ host: "localhost", port, tls: { ...trusting, alpnProtocols: ["x"] } }))
      )
      assert.strictEqual(error._tag === "TlsError" && error.code, "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL")
      const event = yield* failed
      assert.strictEqual(event.error.code, "ERR_SSL_NO_APPLICATION_PROTOCOL")
      assert.strictEqual(event.error.reason, "Handshake")
      assert.match(String(event.remote), /^127\.0\.0\.1:\d+$/)
      const conn = yield* Connection.connect({ host: "localhost", port, tls: { ...trusting, alpnProtocols: ["h2"] } })
      assert.strictEqual(text(yield* exchange(conn, "still serving")), "still serving")
    })))

  it.live("SNI selects between two certificates", () =>
    withLive(Effect.gen(function*() {
      const { handled, port } = yield* tlsEchoServer({ ...serverTls, sni: { "alt.localhost": certs.alt } })
      const alt = yield* Connection.connect({
        host: "127.0.0.1",
        port,
        tls: { ...trusting, servername: "alt.localhost" }
      })
      assert.strictEqual(alt.tls?.peerCertificate?.subject.CN, "alt.localhost")
      assert.strictEqual(alt.tls?.servername, "alt.localhost")
      const main = yield* Connection.connect({ host: "localhost", port, family: 4, tls: trusting })
      assert.strictEqual(main.tls?.peerCertificate?.subject.CN, "localhost")
      yield* exchange(alt, "a")
      yield* exchange(main, "b")
      assert.deepStrictEqual(handled.map((c) => c.tls?.servername).sort(), ["alt.localhost", "localhost"])
    })))

  it.live("mutual TLS accepted: the server sees the client's verified certificate", () =>
    withLive(Effect.gen(function*() {
      const { handled, port } = yield* tlsEchoServer({ ...serverTls, ca: certs.ca, requestCert: true })
      const conn = yield* Connection.connect({ host: "localhost", port, tls: { ...trusting, ...certs.client } })
      assert.strictEqual(text(yield* exchange(conn, "mutual")), "mutual")
      const seen = handled[0]!.tls!
      assert.strictEqual(seen.authorized, true)
      assert.strictEqual(seen.peerCertificate?.subject.CN, "netfx test client")
    })))

  it.live("mutual TLS refused: no certificate, or one the server does not trust; the handler never runs", () =>
    withLive(Effect.gen(function*() {
      const { failed, handled, port } = yield* tlsEchoServer({ ...serverTls, ca: certs.ca, requestCert: true })
      // TLS 1.3: the client's handshake is over before the server has seen its (missing)
      // certificate; the server's refusal arrives as an alert on the first read.
      const bare = yield* Connection.connect({ host: "localhost", port, tls: trusting })
      const readError = failure(yield* Effect.exit(Connection.readAll(bare)))
      assert.strictEqual(
        readError._tag === "SocketError" && readError.code,
        "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"
      )
      const missing = yield* failed
      assert.strictEqual(missing.error.code, "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE")
      const untrusted = yield* Connection.connect({
        host: "localhost",
        port,
        tls: { ...trusting, ...certs.selfSigned }
      })
      yield* Effect.exit(Connection.readAll(untrusted))
      const refusedCert = yield* failed
      assert.strictEqual(refusedCert.error.reason, "Certificate")
      assert.strictEqual(refusedCert.error.code, "DEPTH_ZERO_SELF_SIGNED_CERT")
      assert.strictEqual(handled.length, 0)
      // With rejectUnauthorized: false, the same client gets in, marked unverified.
      const lenient = yield* tlsEchoServer({ ...serverTls, ca: certs.ca, requestCert: true, rejectUnauthorized: false })
      const conn = yield* Connection.connect({
        host: "localhost",
        port: lenient.port,
        tls: { ...trusting, ...certs.selfSigned }
      })
      yield* exchange(conn, "x")
      assert.strictEqual(lenient.handled[0]!.tls?.authorized, false)
      assert.strictEqual(lenient.handled[0]!.tls?.authorizationError, "DEPTH_ZERO_SELF_SIGNED_CERT")
    })))

  it.live("a handshake that never completes hits the connect timeout: TlsError Timeout, socket released", () =>
    withLive(Effect.gen(function*() {
      const before = yield* settledHandles
      const error = yield* Effect.scoped(Effect.gen(function*() {
        const { port } = yield* silentServer
        return failure(
          yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port, timeout: "300 millis", tls: {} }))
        )
      }))
      assert.strictEqual(error._tag, "TlsError")
      if (error._tag !== "TlsError") return
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.code, "ERR_TLS_HANDSHAKE_TIMEOUT")
      assert.isAtMost(error.timeout!, 300)
      assert.strictEqual(yield* settledHandles, before)
    })))

  it.live("the handshake timeout of the client bounds the handshake alone", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* silentServer
      const error = failure(
        yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port, tls: { handshakeTimeout: "100 millis" } }))
      )
      assert.strictEqual(error._tag === "TlsError" && error.timeout, 100)
    })))

  it.live("interruption during the handshake leaves no handle", () =>
    withLive(Effect.gen(function*() {
      const before = yield* settledHandles
      yield* Effect.scoped(Effect.gen(function*() {
        const { accepted, port } = yield* silentServer
        const fiber = yield* Effect.fork(Connection.connect({ host: "127.0.0.1", port, tls: {} }))
        yield* accepted(1)
        yield* Fiber.interrupt(fiber)
        assert.isTrue(Exit.isInterrupted(yield* Fiber.await(fiber)))
      }))
      assert.strictEqual(yield* settledHandles, before)
    })))

  it.live("a server's handshake timeout: a silent client is dropped and reported, never handled", () =>
    withLive(Effect.gen(function*() {
      const { failed, handled, port } = yield* tlsEchoServer({ ...serverTls, handshakeTimeout: "200 millis" })
      const plain = yield* Connection.connect({ host: "127.0.0.1", port })
      const event = yield* failed
      assert.strictEqual(event.error.reason, "Timeout")
      assert.strictEqual(event.error.code, "ERR_TLS_HANDSHAKE_TIMEOUT")
      assert.strictEqual(event.error.timeout, 200)
      assert.strictEqual(String(event.remote), String(plain.localAddress))
      assert.strictEqual(handled.length, 0)
      // The server closed it.
      assert.strictEqual((yield* Connection.readAll(plain)).length, 0)
    })))

  it.live("shutdown abandons handshakes in progress", () =>
    withLive(Effect.gen(function*() {
      const before = yield* settledHandles
      yield* Effect.scoped(Effect.gen(function*() {
        const { server, port } = yield* tlsEchoServer(serverTls)
        const plain = yield* Connection.connect({ host: "127.0.0.1", port })
        yield* server.shutdown
        assert.strictEqual((yield* Connection.readAll(plain)).length, 0)
      }))
      assert.strictEqual(yield* settledHandles, before)
    })))

  /**
   * Two connections with one `SessionCache`: the first, whose `talk` must let its tickets arrive,
   * fills the cache; the second resumes from it.
   */
  const resumesWith = (talk: (conn: Connection.Connection) => Effect.Effect<string, unknown>) =>
    withLive(Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(serverTls)
      const options = { ...trusting, sessionCache: Tls.makeSessionCache() }
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* Connection.connect({ host: "localhost", port, family: 4, tls: options })
        assert.strictEqual(yield* talk(conn), "first")
        return conn.tls!.resumed
      }))
      assert.isFalse(first)
      const second = yield* Connection.connect({ host: "localhost", port, family: 4, tls: options })
      assert.isTrue(second.tls!.resumed)
      assert.strictEqual(text(yield* exchange(second, "second")), "second")
    }))

  it.live("session resumption through a SessionCache", () =>
    // TLS 1.3 tickets come after the handshake, before the server's first bytes: the first
    // connection reads some of its echo before it ends, so it has read the tickets by then.
    resumesWith((conn) =>
      Effect.gen(function*() {
        yield* conn.write("first")
        const head = yield* Effect.flatten(conn.read)
        yield* conn.end
        return text(Buffer.concat([...Chunk.toReadonlyArray(head), yield* Connection.readAll(conn)]))
      })
    ))

  it.live("session resumption through a SessionCache, the first connection ending before its tickets arrive", () =>
    // The first connection ends right after writing: the tickets arrive after its FIN, and a TLS
    // client keeps them (OpenSSL's does; BoringSSL's, Bun's, ignores tickets once it has shut down).
    resumesWith((conn) => Effect.map(exchange(conn, "first"), text)))

  it.live("TLS over a Unix socket, with a server name", () =>
    withLive(Effect.gen(function*() {
      const dir = yield* tempDir
      const path = `${dir}/tls.sock`
      yield* Server.serve({ path, tls: serverTls }, echo)
      const conn = yield* Connection.connect({ path, tls: { ...trusting, servername: "localhost" } })
      assert.strictEqual(conn.tls?.servername, "localhost")
      assert.strictEqual(text(yield* exchange(conn, "ipc")), "ipc")
    })))

  it.live("bad TLS options are InvalidArgument, before anything is dialled or bound", () =>
    withLive(Effect.gen(function*() {
      const badCa = failure(
        yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port: 1, tls: { ca: 5 as unknown as string } }))
      )
      assert.strictEqual(badCa._tag === "InvalidArgument" && badCa.argument, "tls.ca")
      const badVersion = failure(
        yield* Effect.exit(
          Connection.connect({ host: "127.0.0.1", port: 1, tls: { minVersion: "SSLv3" as Tls.Version } })
        )
      )
      assert.strictEqual(badVersion._tag === "InvalidArgument" && badVersion.code, "ERR_INVALID_ARG_VALUE")
      const noCert = failure(yield* Effect.exit(Server.listen({ port: 0, tls: {} })))
      assert.strictEqual(noCert._tag === "InvalidArgument" && noCert.argument, "tls.cert")
      const garbage = failure(
        yield* Effect.exit(Server.listen({ port: 0, tls: { cert: "nonsense", key: "nonsense" } }))
      )
      assert.strictEqual(garbage._tag === "InvalidArgument" && garbage.argument, "tls")
      const badClientKey = failure(
        yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port: 1, tls: { cert: "x", key: "y" } }))
      )
      assert.strictEqual(badClientKey._tag === "InvalidArgument" && badClientKey.argument, "tls")
      // A key that is not the certificate's, and garbage in an SNI identity: refused by netfx's
      // own check, so on every runtime (Deno's createSecureContext parses nothing).
      const mismatch = failure(
        yield* Effect.exit(Server.listen({ port: 0, tls: { cert: certs.server.cert, key: certs.alt.key } }))
      )
      assert.strictEqual(mismatch._tag === "InvalidArgument" && mismatch.argument, "tls")
      const badSni = failure(
        yield* Effect.exit(
          Server.listen({ port: 0, tls: { ...certs.server, sni: { "alt.localhost": { cert: "x", key: "y" } } } })
        )
      )
      assert.strictEqual(badSni._tag === "InvalidArgument" && badSni.argument, "tls")
      const badClientCert = failure(
        yield* Effect.exit(
          Connection.connect({ host: "127.0.0.1", port: 1, tls: { cert: "x", key: certs.client.key } })
        )
      )
      assert.strictEqual(badClientCert._tag === "InvalidArgument" && badClientCert.argument, "tls")
    })))

  it.live("what the accept rule drops is dropped before any handshake: a Drop, no TlsHandshakeFailed", () =>
    withLive(Effect.gen(function*() {
      const events: Array<string> = []
      const blockList = yield* BlockList.addAddress(BlockList.empty, "127.0.0.1")
      const server = yield* Server.serve(
        { host: "127.0.0.1", port: 0, blockList, tls: serverTls, onEvent: (e) => events.push(e._tag) },
        echo
      )
      const error = failure(
        yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port: server.address.port, tls: trusting }))
      )
      // The server closed the socket at once: the client's handshake saw the connection go.
      assert.strictEqual(error._tag === "TlsError" && error.code, "ECONNRESET")
      assert.deepStrictEqual(events, ["Drop"])
    })))

  it.live("with a tracer installed, the handshake is a span netfx.tls.handshake", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(serverTls)
      const { exit, spans } = yield* recordSpans(
        Effect.scoped(Connection.connect({ host: "localhost", port, family: 4, tls: trusting }))
      )
      assert.isTrue(Exit.isSuccess(exit))
      const handshake = spans.find((span) => span.name === "netfx.tls.handshake")
      assert.isDefined(handshake)
      assert.strictEqual(handshake!.attributes.get("tls.server_name"), "localhost")
      assert.strictEqual(handshake!.attributes.get("tls.protocol"), "TLSv1.3")
      assert.strictEqual(handshake!.status._tag, "Ended")
    })))

  it.live("a transport without TLS: TlsError ERR_TLS_UNAVAILABLE, and the socket is released", () =>
    Effect.gen(function*() {
      const before = yield* settledHandles
      const error = yield* Effect.scoped(Effect.gen(function*() {
        const { port } = yield* tlsEchoServer(serverTls)
        const { prepareTls: _prepare, startTls: _start, ...plain } = yield* Transport.Transport
        return failure(
          yield* Effect.exit(
            Connection.connect({ host: "127.0.0.1", port, tls: trusting }).pipe(
              Effect.provideService(Transport.Transport, plain)
            )
          )
        )
      })).pipe(Effect.provide(NodeTransport.layer))
      assert.strictEqual(error._tag === "TlsError" && error.code, "ERR_TLS_UNAVAILABLE")
      assert.strictEqual(yield* settledHandles, before)
    }))

  it.live("dial and unsafeDial refuse tls: they give a raw handle", () =>
    withLive(Effect.gen(function*() {
      const dialed = failure(yield* Effect.exit(Connection.dial({ host: "127.0.0.1", port: 1, tls: {} })))
      assert.strictEqual(dialed._tag === "InvalidArgument" && dialed.argument, "tls")
      const transport = yield* Transport.Transport
      const exit = yield* Effect.async<Exit.Exit<unknown, unknown>>((resume) => {
        Connection.unsafeDial({ host: "127.0.0.1", port: 1, tls: {} }, { transport }, (exit) =>
          resume(Effect.succeed(exit)))
      })
      const refused = failure(exit) as NetError.InvalidArgument
      assert.strictEqual(refused.argument, "tls")
    })))

  it.live("an upgrade of a connection already secure is refused", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(serverTls)
      const conn = yield* Connection.connect({ host: "localhost", port, family: 4, tls: trusting })
      const error = failure(yield* Effect.exit(Tls.upgradeClient(conn, trusting)))
      assert.strictEqual(error._tag === "InvalidArgument" && error.reason, "is already secured by TLS")
    })))

  it("a connect without tls has no TlsError in its type; with tls it has", () => {
    const plain = () => Connection.connect({ host: "localhost", port: 1 })
    const secure = () => Connection.connect({ host: "localhost", port: 1, tls: {} })
    expectTypeOf(plain).returns.toEqualTypeOf<
      Effect.Effect<Connection.Connection, Connection.ConnectFailure, Scope | Transport.Transport>
    >()
    expectTypeOf(secure).returns.toEqualTypeOf<
      Effect.Effect<Connection.Connection, Connection.ConnectFailure | NetError.TlsError, Scope | Transport.Transport>
    >()
    const options: Connection.ConnectOptions = { host: "localhost", port: 1 }
    expectTypeOf(Connection.connect(options)).toEqualTypeOf<
      Effect.Effect<Connection.Connection, Connection.ConnectFailure | NetError.TlsError, Scope | Transport.Transport>
    >()
  })
})

describe("TLS interop with node:tls (real sockets)", () => {
  it.live("the core's TLS client against a node:tls server", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* nodeTlsServer(
        { ...certs.server, ALPNProtocols: ["echo"] },
        (socket) => socket.pipe(socket)
      )
      const conn = yield* Connection.connect({ host: "localhost", port, tls: { ...trusting, alpnProtocols: ["echo"] } })
      assert.strictEqual(conn.tls?.alpnProtocol, "echo")
      const payload = new Uint8Array(1 << 20).fill(7)
      assert.strictEqual((yield* exchange(conn, payload)).length, payload.length)
    })))

  it.live("a node:tls client against the core's TLS server", () =>
    withLive(Effect.gen(function*() {
      const { handled, port } = yield* tlsEchoServer({ ...serverTls, alpnProtocols: ["echo"] })
      const reply = yield* Effect.async<string, Error>((resume) => {
        const socket = tls.connect({
          host: "127.0.0.1",
          port,
          servername: "localhost",
          ca: certs.ca,
          ALPNProtocols: ["echo"]
        })
        const chunks: Array<Buffer> = []
        socket.on("secureConnect", () => socket.end("from node:tls"))
        socket.on("data", (chunk: Buffer) => chunks.push(chunk))
        socket.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString())))
        socket.on("error", (error) => resume(Effect.fail(error)))
      })
      assert.strictEqual(reply, "from node:tls")
      assert.strictEqual(handled[0]!.tls?.alpnProtocol, "echo")
    })))
})

/** A STARTTLS server: reads `STARTTLS\n`, answers `GO\n`, upgrades, then echoes until the peer ends. */
const startTlsServer = (options: Tls.ServerOptions) =>
  Server.serve({ host: "127.0.0.1", port: 0, allowHalfOpen: true }, (conn) =>
    Effect.gen(function*() {
      let asked = ""
      while (!asked.includes("\n")) {
        const chunk = yield* conn.read
        if (Option.isNone(chunk)) return
        asked += text(Buffer.concat(Chunk.toReadonlyArray(chunk.value)))
      }
      if (asked !== "STARTTLS\n") return yield* conn.write("NO\n")
      yield* conn.write("GO\n")
      yield* Tls.upgradeServer(conn, options)
      yield* echo(conn)
    }))

/** Asks a STARTTLS server for TLS in plaintext and waits for its go-ahead. */
const askForTls = (conn: Connection.Connection) =>
  Effect.gen(function*() {
    yield* conn.write("STARTTLS\n")
    const answer = yield* conn.read
    assert.strictEqual(Option.isSome(answer) && text(Buffer.concat(Chunk.toReadonlyArray(answer.value))), "GO\n")
  })

describe("STARTTLS (real sockets)", () => {
  it.live("both sides netfx: 1 MiB each way and half-close; byte counts, scope and idle timeout carry over", () =>
    withLive(Effect.gen(function*() {
      const server = yield* startTlsServer(serverTls)
      const conn = yield* Connection.connect({
        host: "127.0.0.1",
        port: server.address.port,
        allowHalfOpen: true,
        idleTimeout: "200 millis"
      })
      const idle = yield* conn.subscribeIdle
      yield* askForTls(conn)
      const plainRead = yield* conn.bytesRead
      const plainWritten = yield* conn.bytesWritten
      assert.deepStrictEqual([plainRead, plainWritten], [3, 9])
      assert.strictEqual(conn.tls, undefined)
      const session = yield* Tls.upgradeClient(conn, { ...trusting, host: "localhost" })
      assert.strictEqual(session.protocol, "TLSv1.3")
      assert.strictEqual(conn.tls, session)
      // The idle timeout set before the upgrade reports on the secured connection.
      yield* Queue.take(idle)
      const payload = new Uint8Array(1 << 20).map((_, i) => i & 0xff)
      // Half-close: our FIN (close_notify) after 1 MiB; the server's echo keeps coming after it.
      const echoed = yield* exchange(conn, payload)
      assert.deepStrictEqual(echoed, payload)
      assert.strictEqual(yield* conn.bytesRead, plainRead + payload.length)
      assert.strictEqual(yield* conn.bytesWritten, plainWritten + payload.length)
    })))

  it.live("writes made during the handshake wait for it, and go out encrypted", () =>
    withLive(Effect.gen(function*() {
      const server = yield* startTlsServer(serverTls)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port, allowHalfOpen: true })
      yield* askForTls(conn)
      const upgrading = yield* Effect.fork(Tls.upgradeClient(conn, { ...trusting, host: "localhost" }))
      yield* Effect.yieldNow()
      yield* conn.write("early ")
      yield* Fiber.join(upgrading)
      assert.strictEqual(text(yield* exchange(conn, "and late")), "early and late")
    })))

  it.live("the core's client upgrade against a node:tls server-side upgrade", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* Effect.acquireRelease(
        Effect.async<{ server: net.Server; port: number }>((resume) => {
          const server = net.createServer({ allowHalfOpen: true }, (socket) => {
            socket.once("data", () => {
              socket.write("GO\n", () => {
                const secure = new tls.TLSSocket(socket, {
                  isServer: true,
                  secureContext: tls.createSecureContext(certs.server)
                })
                secure.on("error", () => {})
                secure.pipe(secure)
              })
            })
          })
          server.listen(0, "127.0.0.1", () =>
            resume(Effect.succeed({ server, port: (server.address() as { port: number }).port })))
        }),
        ({ server }) =>
          Effect.async<void>((resume) => {
            server.close(() =>
              resume(Effect.void)
            )
          })
      )
      const conn = yield* Connection.connect({ host: "127.0.0.1", port, allowHalfOpen: true })
      yield* askForTls(conn)
      yield* Tls.upgradeClient(conn, { ...trusting, host: "localhost" })
      assert.strictEqual(text(yield* exchange(conn, "to node")), "to node")
    })))

  it.live("a node:tls client upgrading against the core's server-side upgrade", () =>
    withLive(Effect.gen(function*() {
      const server = yield* startTlsServer(serverTls)
      const reply = yield* Effect.async<string, Error>((resume) => {
        const raw = net.connect({ host: "127.0.0.1", port: server.address.port, allowHalfOpen: true }, () =>
          raw.write("STARTTLS\n"))
        raw.once("data", () => {
          const secure = tls.connect({ socket: raw, servername: "localhost", ca: certs.ca })
          const chunks: Array<Buffer> = []
          secure.on("secureConnect", () =>
            secure.end("from node"))
          secure.on("data", (chunk: Buffer) => chunks.push(chunk))
          secure.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString())))
          secure.on("error", (error) => resume(Effect.fail(error)))
        })
      })
      assert.strictEqual(reply, "from node")
    })))

  it.live("a failed upgrade fails with TlsError and closes the connection", () =>
    withLive(Effect.gen(function*() {
      const server = yield* startTlsServer(certs.wrongName)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port })
      yield* askForTls(conn)
      const error = failure(yield* Effect.exit(Tls.upgradeClient(conn, { ...trusting, host: "localhost" })))
      assert.strictEqual(error._tag === "TlsError" && error.code, "ERR_TLS_CERT_ALTNAME_INVALID")
      yield* conn.awaitClose
      assert.strictEqual(yield* conn.state, "Closed")
      const write = failure(yield* Effect.exit(conn.write("x")))
      assert.strictEqual(write._tag, "SocketError")
    })))

  it.live("an interrupted upgrade closes the connection and leaves no handle", () =>
    withLive(Effect.gen(function*() {
      const before = yield* settledHandles
      yield* Effect.scoped(Effect.gen(function*() {
        const { accepted, port } = yield* silentServer
        const conn = yield* Connection.connect({ host: "127.0.0.1", port })
        yield* accepted(1)
        const fiber = yield* Effect.fork(Tls.upgradeClient(conn, { host: "localhost" }))
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(fiber)
        yield* conn.awaitClose
      }))
      assert.strictEqual(yield* settledHandles, before)
    })))

  it.live("an upgrade of a connection that is not open both ways fails with SocketClosed", () =>
    withLive(Effect.gen(function*() {
      const server = yield* startTlsServer(serverTls)
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port, allowHalfOpen: true })
      yield* conn.end
      const error = failure(yield* Effect.exit(Tls.upgradeClient(conn, { host: "localhost" })))
      assert.strictEqual(error._tag, "SocketClosed")
    })))
})

// On the simulated network: TestTransport's TLS, at exact instants on TestClock.
const simulated = Layer.merge(
  TestTransport.layer,
  Resolver.layerStatic({ "dual.test": ["::1", "127.0.0.1"], "v4.test": ["127.0.0.1"] })
)
const onSimulated = <A, E>(
  effect: Effect.Effect<
    A,
    E,
    TestTransport.TestNetwork | TestTransport.TestTls | Scope | Resolver.Resolver | Transport.Transport
  >
) => effect.pipe(Effect.scoped, Effect.provide(simulated))

/**
 * The client's socket is closed: only the server side of the one connection, which the test holds
 * (`network.accepted`), is open, and once it is closed nothing is.
 */
const closedClientSide = (network: TestTransport.TestNetwork["Type"]) =>
  Effect.gen(function*() {
    assert.strictEqual(yield* network.openSockets, 1)
    const accepted = yield* Queue.take(network.accepted)
    accepted.handle.destroy()
    assert.strictEqual(yield* network.openSockets, 0)
  })

/** Connects in a fiber of its own; `at` is the instant it finished. */
const forkConnect = (options: Connection.TcpOptions) =>
  Effect.fork(Effect.gen(function*() {
    const exit = yield* Effect.exit(Connection.connect(options))
    return { exit, at: yield* Clock.currentTimeMillis }
  }))

describe("TLS on the simulated network (TestTransport, TestClock)", () => {
  it.effect("Happy Eyeballs, then the handshake on the winner: secure at exactly 250 + 30 ms", () =>
    onSimulated(Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const peers = yield* TestTransport.TestTls
      yield* network.set("[::1]:443", TestTransport.blackhole)
      yield* network.set("127.0.0.1:443", TestTransport.accept())
      yield* peers.set("127.0.0.1:443", TestTransport.tlsSecure("30 millis", { alpnProtocol: "h2" }))
      const fiber = yield* forkConnect({ host: "dual.test", port: 443, tls: { alpnProtocols: ["h2"] } })
      yield* TestClock.adjust("279 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const { at, exit } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 280)
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) {
        assert.strictEqual(exit.value.tls?.alpnProtocol, "h2")
        assert.strictEqual(exit.value.tls?.servername, "dual.test")
      }
    })))

  it.effect("the handshake counts in the connect timeout: a silent peer fails it at exactly the timeout", () =>
    onSimulated(Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const peers = yield* TestTransport.TestTls
      yield* network.set("127.0.0.1:443", TestTransport.accept("100 millis"))
      yield* peers.set("127.0.0.1:443", TestTransport.tlsSilent)
      const fiber = yield* forkConnect({ host: "v4.test", port: 443, timeout: "1 second", tls: {} })
      yield* TestClock.adjust("1 second")
      const { at, exit } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 1000)
      const error = failure(exit)
      assert.strictEqual(error._tag === "TlsError" && error.reason, "Timeout")
      // What the handshake had: the connect timeout less the 100 ms the connection took.
      assert.strictEqual(error._tag === "TlsError" && error.timeout, 900)
      yield* closedClientSide(network)
    })))

  it.effect("the client's handshake timeout, shorter than the connect timeout, applies alone", () =>
    onSimulated(Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const peers = yield* TestTransport.TestTls
      yield* network.set("127.0.0.1:443", TestTransport.accept("10 millis"))
      yield* peers.set("127.0.0.1:443", TestTransport.tlsSilent)
      const fiber = yield* forkConnect({
        host: "127.0.0.1",
        port: 443,
        timeout: "5 seconds",
        tls: { handshakeTimeout: "300 millis" }
      })
      yield* TestClock.adjust("310 millis")
      const { at, exit } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 310)
      assert.strictEqual(failure(exit)._tag === "TlsError" && (failure(exit) as NetError.TlsError).timeout, 300)
    })))

  it.effect("a peer that refuses the handshake: TlsError with its code at exactly its instant", () =>
    onSimulated(Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const peers = yield* TestTransport.TestTls
      yield* network.set("127.0.0.1:443", TestTransport.accept("10 millis"))
      yield* peers.set("127.0.0.1:443", TestTransport.tlsFail("CERT_HAS_EXPIRED", "40 millis"))
      const fiber = yield* forkConnect({ host: "127.0.0.1", port: 443, tls: {} })
      yield* TestClock.adjust("50 millis")
      const { at, exit } = yield* Fiber.join(fiber)
      assert.strictEqual(at, 50)
      const error = failure(exit)
      assert.strictEqual(error._tag, "TlsError")
      if (error._tag === "TlsError") {
        assert.strictEqual(error.reason, "Certificate")
        assert.strictEqual(error.code, "CERT_HAS_EXPIRED")
        assert.strictEqual(error.address, "127.0.0.1")
      }
      yield* closedClientSide(network)
    })))

  it.effect("interrupted mid-handshake: nothing is left open", () =>
    onSimulated(Effect.gen(function*() {
      const network = yield* TestTransport.TestNetwork
      const peers = yield* TestTransport.TestTls
      yield* network.set("127.0.0.1:443", TestTransport.accept())
      yield* peers.set("127.0.0.1:443", TestTransport.tlsSecure("1 second"))
      const fiber = yield* forkConnect({ host: "127.0.0.1", port: 443, tls: {} })
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(yield* network.openSockets, 2)
      yield* Fiber.interrupt(fiber)
      yield* closedClientSide(network)
    })))

  it.effect("a TLS server drops a client that never says hello, at exactly its handshake timeout", () =>
    onSimulated(Effect.gen(function*() {
      const handled: Array<Connection.Connection> = []
      const events: Array<Server.ServerEvent> = []
      yield* Server.serve(
        {
          host: "127.0.0.1",
          port: 443,
          tls: { cert: "simulated", key: "simulated", handshakeTimeout: "5 seconds" },
          onEvent: (event) => events.push(event)
        },
        (conn) => Effect.sync(() => handled.push(conn))
      )
      const plain = yield* Connection.connect({ host: "127.0.0.1", port: 443 })
      yield* TestClock.adjust("4999 millis")
      assert.deepStrictEqual(events, [])
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(events.length, 1)
      const event = events[0]!
      assert.strictEqual(event._tag, "TlsHandshakeFailed")
      if (event._tag === "TlsHandshakeFailed") {
        assert.strictEqual(event.error.reason, "Timeout")
        assert.strictEqual(String(event.remote), String(plain.localAddress))
      }
      assert.strictEqual(handled.length, 0)
      // The server closed it: the client reads its end.
      assert.strictEqual((yield* Connection.readAll(plain)).length, 0)
    })))

  it.effect("a netfx TLS client and server on the simulated network: ALPN, SNI, client certificates", () =>
    onSimulated(Effect.gen(function*() {
      const events: Array<Server.ServerEvent> = []
      const seen: Array<Tls.Session | undefined> = []
      yield* Server.serve(
        {
          host: "127.0.0.1",
          port: 443,
          allowHalfOpen: true,
          tls: { cert: "simulated", key: "simulated", alpnProtocols: ["h2", "http/1.1"] },
          onEvent: (event) => events.push(event)
        },
        (conn) => {
          seen.push(conn.tls)
          return echo(conn)
        }
      )
      const conn = yield* Connection.connect({
        host: "127.0.0.1",
        port: 443,
        tls: { servername: "api.test", alpnProtocols: ["http/1.1"] }
      })
      assert.strictEqual(conn.tls?.alpnProtocol, "http/1.1")
      assert.strictEqual(text(yield* exchange(conn, "simulated")), "simulated")
      assert.strictEqual(seen[0]?.servername, "api.test")
      assert.strictEqual(yield* conn.bytesWritten, "simulated".length)

      yield* Server.serve(
        {
          host: "127.0.0.1",
          port: 444,
          tls: { cert: "s", key: "s", requestCert: true },
          onEvent: (e) => events.push(e)
        },
        echo
      )
      const refused = failure(yield* Effect.exit(Connection.connect({ host: "127.0.0.1", port: 444, tls: {} })))
      assert.strictEqual(refused._tag === "TlsError" && refused.code, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")
      const event = events.find((e) => e._tag === "TlsHandshakeFailed")
      assert.strictEqual(
        event?._tag === "TlsHandshakeFailed" && event.error.code,
        "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"
      )
      const mutual = yield* Connection.connect({ host: "127.0.0.1", port: 444, tls: { cert: "c", key: "c" } })
      assert.strictEqual(mutual.tls?.protocol, "TLSv1.3")
    })))

  it.effect("STARTTLS on the simulated network, both sides netfx", () =>
    onSimulated(Effect.gen(function*() {
      yield* Server.serve({ host: "127.0.0.1", port: 25, allowHalfOpen: true }, (conn) =>
        Effect.gen(function*() {
          yield* conn.read
          yield* conn.write("GO\n")
          yield* Tls.upgradeServer(conn, { cert: "s", key: "s" })
          yield* echo(conn)
        }))
      const conn = yield* Connection.connect({ host: "127.0.0.1", port: 25, allowHalfOpen: true })
      yield* askForTls(conn)
      const session = yield* Tls.upgradeClient(conn, { host: "mail.test" })
      assert.strictEqual(session.servername, "mail.test")
      assert.strictEqual(text(yield* exchange(conn, "secret")), "secret")
      assert.strictEqual(yield* conn.bytesWritten, "STARTTLS\n".length + "secret".length)
      assert.strictEqual(yield* conn.bytesRead, "GO\n".length + "secret".length)
    })))
})

describe("TLS through @effect/platform (real sockets)", () => {
  it.live("a TLS SocketServer and a TLS platform Socket: echo, each written against the platform only", () =>
    withLive(Effect.gen(function*() {
      const server = yield* PlatformSocketServer.make({
        host: "127.0.0.1",
        port: 0,
        allowHalfOpen: true,
        tls: serverTls
      })
      yield* Effect.forkScoped(
        server.run((socket) => Effect.scoped(Effect.flatMap(socket.writer, (write) => socket.run(write))))
      )
      const port = (server.address as SocketServer.TcpAddress).port
      const reply = yield* Stream.make("over TLS, the platform's way").pipe(
        Stream.encodeText,
        Stream.pipeThroughChannelOrFail(PlatformSocket.makeNetChannel({ host: "localhost", port, tls: trusting })),
        Stream.decodeText(),
        Stream.mkString
      )
      assert.strictEqual(reply, "over TLS, the platform's way")
    })))

  it.live("a TLS failure of a platform Socket is SocketGenericError Open, whose cause is the TlsError", () =>
    withLive(Effect.gen(function*() {
      const { port } = yield* tlsEchoServer(certs.selfSigned)
      const socket = yield* PlatformSocket.makeNet({ host: "localhost", port, tls: trusting })
      const error = failure(yield* Effect.exit(socket.run(() => {})))
      assert.strictEqual(error._tag, "SocketError")
      const cause = (error as Socket.SocketGenericError).cause as NetError.TlsError
      assert.strictEqual((error as Socket.SocketGenericError).reason, "Open")
      assert.strictEqual(cause.code, "DEPTH_ZERO_SELF_SIGNED_CERT")
    })))
})
