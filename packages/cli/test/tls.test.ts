import { assert, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import type * as net from "node:net"
import * as tls from "node:tls"
import { fileURLToPath } from "node:url"
import { run, start } from "./fixtures.js"

// The certificates the core's TLS tests use (packages/core/test/fixtures/tls/generate.sh).
const dir = fileURLToPath(new URL("../../core/test/fixtures/tls/", import.meta.url))
const file = (name: string) => `${dir}${name}`
const pem = (name: string) => readFileSync(file(name), "utf8")

/** A node:tls echo server on 127.0.0.1 for the test's life. */
const tlsEchoServer = async (options: tls.TlsOptions = {}) => {
  const sockets = new Set<net.Socket>()
  const server = tls.createServer({ key: pem("server.key"), cert: pem("server.crt"), ...options }, (socket) => {
    socket.on("error", () => {})
    socket.pipe(socket)
  })
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

const withoutTimes = (stderr: string) =>
  stderr.trimEnd().split("\n").map((line) => line.replace(/^\[ *[\d.]+ ms\] /, ""))

describe("netfx connect --tls", () => {
  it("pipes stdin and stdout over TLS, byte for byte; --verbose shows the session and the certificate", async () => {
    const server = await tlsEchoServer({ ALPNProtocols: ["echo"] })
    try {
      const input = randomBytes(256 * 1024)
      const result = await run(
        ["connect", "--tls", "--ca", file("ca.crt"), "--alpn", "echo", "--verbose", "localhost", String(server.port)],
        input
      )
      assert.strictEqual(result.code, 0, result.stderr)
      assert.isTrue(result.stdout.equals(input), "the echo differs from the input")
      const lines = withoutTimes(result.stderr)
      assert.isTrue(
        lines.some((l) => /^tls TLSv1\.3, TLS_\w+, ALPN echo, server name localhost$/.test(l)),
        result.stderr
      )
      assert.isTrue(
        lines.some((l) =>
          /^certificate: CN=localhost \(issuer CN=netfx test CA, valid until \d{4}-\d\d-\d\d\), verified$/.test(l)
        ),
        result.stderr
      )
    } finally {
      await server.close()
    }
  })

  it("a certificate that does not verify: exit code 8 and Node's reason; --insecure goes on", async () => {
    const server = await tlsEchoServer()
    try {
      const refused = await run(["connect", "--tls", "localhost", String(server.port)], "x")
      assert.strictEqual(refused.code, 8)
      // Node 24 adds a hint about --use-system-ca to the message.
      assert.match(
        refused.stderr,
        new RegExp(
          `^netfx: TLS: unable to verify the first certificate.* \\(localhost at 127\\.0\\.0\\.1:${server.port}\\) ` +
            "\\[UNABLE_TO_VERIFY_LEAF_SIGNATURE\\]\\n$"
        )
      )
      const insecure = await run(["connect", "--tls", "--insecure", "localhost", String(server.port)], "anyway")
      assert.strictEqual(insecure.code, 0, insecure.stderr)
      assert.strictEqual(insecure.stdout.toString(), "anyway")
    } finally {
      await server.close()
    }
  })

  it("--servername names the server to check the certificate against", async () => {
    const server = await tlsEchoServer()
    try {
      const wrong = await run(
        ["connect", "--tls", "--ca", file("ca.crt"), "--servername", "wrong.example", "127.0.0.1", String(server.port)],
        "x"
      )
      assert.strictEqual(wrong.code, 8)
      assert.match(wrong.stderr, /\[ERR_TLS_CERT_ALTNAME_INVALID\]/)
    } finally {
      await server.close()
    }
  })

  it("TLS flags without --tls are a usage error", async () => {
    const result = await run(["connect", "--ca", "ca.pem", "--alpn", "h2", "localhost", "443"])
    assert.strictEqual(result.code, 1)
    assert.strictEqual(result.stderr, "netfx: --ca, --alpn need --tls\n")
    const missing = await run(["connect", "--tls", "--ca", "/nonexistent/ca.pem", "localhost", "443"])
    assert.strictEqual(missing.code, 1)
    assert.strictEqual(missing.stderr, "netfx: cannot read --ca /nonexistent/ca.pem: ENOENT\n")
  })
})

describe("netfx serve --tls", () => {
  it("serves TLS with --cert and --key; --verbose shows each session and each failed handshake", async () => {
    const cli = start([
      "serve",
      "--port",
      "0",
      "--tls",
      "--cert",
      file("server.crt"),
      "--key",
      file("server.key"),
      "--alpn",
      "h2,echo",
      "--verbose"
    ])
    const [, port] = await cli.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m)
    const result = await run(
      ["connect", "--tls", "--ca", file("ca.crt"), "--alpn", "echo", "--verbose", "localhost", port!],
      "ping over TLS"
    )
    assert.strictEqual(result.code, 0, result.stderr)
    assert.strictEqual(result.stdout.toString(), "ping over TLS")
    assert.match(result.stderr, /tls TLSv1\.3, \w+, ALPN echo/)
    await cli.waitFor(/\+ 127\.0\.0\.1:\d+ {2}1 open {2}tls TLSv1\.3, \w+, ALPN echo, server name localhost/, "stderr")
    // A client that refuses the server's certificate: the server says so and goes on.
    const refused = await run(["connect", "--tls", "localhost", port!], "x")
    assert.strictEqual(refused.code, 8)
    await cli.waitFor(/x 127\.0\.0\.1:\d+ {2}TLS handshake failed: .*\[ECONNRESET\]/, "stderr")
    cli.child.kill("SIGTERM")
    const { code } = await cli.exited
    assert.strictEqual(code, 0)
  })

  it("--tls without --cert and --key is a usage error", async () => {
    const result = await run(["serve", "--port", "0", "--tls"])
    assert.strictEqual(result.code, 1)
    assert.strictEqual(result.stderr, "netfx: --tls needs --cert <file> and --key <file>\n")
  })
})
