import { assert, describe, it } from "@effect/vitest"
import { existsSync } from "node:fs"
import * as net from "node:net"
import { join } from "node:path"
import { client, run, start, tempDir } from "./fixtures.js"

describe("netfx serve", () => {
  it("--port 0 --echo prints its address, echoes, and exits 0 on SIGTERM", async () => {
    const cli = start(["serve", "--port", "0", "--echo"])
    const [, port] = await cli.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m)
    const peer = await client({ host: "127.0.0.1", port: Number(port) })
    peer.socket.end("ping over TCP")
    await peer.ended
    assert.strictEqual(peer.received().toString(), "ping over TCP")
    cli.child.kill("SIGTERM")
    const { code } = await cli.exited
    assert.strictEqual(code, 0)
    assert.strictEqual(cli.stdout().toString(), `listening on 127.0.0.1:${port}\n`)
  })

  it("--path serves a Unix socket, and removes it on shutdown", async () => {
    const dir = await tempDir()
    try {
      const path = join(dir.path, "s.sock")
      const cli = start(["serve", "--path", path])
      await cli.waitFor(new RegExp(`^listening on ${path.replace(/[.]/g, "\\.")}$`, "m"))
      const peer = await client({ path })
      peer.socket.end("ping over IPC")
      await peer.ended
      assert.strictEqual(peer.received().toString(), "ping over IPC")
      cli.child.kill("SIGINT")
      assert.strictEqual((await cli.exited).code, 0)
      assert.isFalse(existsSync(path))
    } finally {
      await dir.remove()
    }
  })

  it("on SIGTERM stops accepting, lets an open connection finish, then exits 0", async () => {
    const cli = start(["serve", "--port", "0", "--verbose"])
    const [, port] = await cli.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m)
    const peer = await client({ host: "127.0.0.1", port: Number(port) })
    await cli.waitFor(/\+ 127\.0\.0\.1:\d+ {2}1 open/, "stderr")
    cli.child.kill("SIGTERM")
    await cli.waitFor(/shutting down: 1 connection open, waiting up to 5s/, "stderr")
    // No longer accepting...
    const refused = await new Promise<string>((resolve) => {
      const late = net.connect({ host: "127.0.0.1", port: Number(port) })
      late.on("connect", () => resolve("connected"))
      late.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"))
    })
    assert.strictEqual(refused, "ECONNREFUSED")
    // ...but the open connection is still served until its client is done.
    peer.socket.write("still here")
    assert.strictEqual((await peer.receivedBytes(10)).toString(), "still here")
    peer.socket.end()
    await peer.ended
    const { code } = await cli.exited
    assert.strictEqual(code, 0)
    assert.match(cli.stderr(), /- 127\.0\.0\.1:\d+ {2}0 open {2}in 10 B, out 10 B/)
  })

  it("closes what is still open when the shutdown deadline passes", async () => {
    const cli = start(["serve", "--port", "0", "--shutdown-timeout", "200ms", "--verbose"])
    const [, port] = await cli.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m)
    const peer = await client({ host: "127.0.0.1", port: Number(port) })
    await cli.waitFor(/1 open/, "stderr")
    cli.child.kill("SIGTERM")
    // The client never ends: after the deadline the server closes the connection (the core aborts
    // what is left), and exits 0.
    await peer.closed
    assert.strictEqual((await cli.exited).code, 0)
    assert.match(cli.stderr(), /- 127\.0\.0\.1:\d+ {2}0 open {2}in 0 B, out 0 B, .* \(closed by the shutdown\)/)
  })

  it("--discard reads and drops; --chargen sends RFC 864 lines", async () => {
    const discard = start(["serve", "--port", "0", "--discard"])
    const chargen = start(["serve", "--port", "0", "--chargen"])
    const [, discardPort] = await discard.waitFor(/listening on 127\.0\.0\.1:(\d+)/)
    const [, chargenPort] = await chargen.waitFor(/listening on 127\.0\.0\.1:(\d+)/)

    const dropped = await client({ host: "127.0.0.1", port: Number(discardPort) })
    dropped.socket.end("into the void")
    await dropped.ended
    assert.strictEqual(dropped.received().length, 0)

    const lines = await client({ host: "127.0.0.1", port: Number(chargenPort) })
    // Each line: 72 printable characters, starting one further along than the line before.
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("").repeat(2)
    const received = (await lines.receivedBytes(74 * 96)).toString("latin1")
    for (let line = 0; line < 96; line++) {
      const start = line % 95
      assert.strictEqual(received.slice(line * 74, line * 74 + 74), printable.slice(start, start + 72) + "\r\n")
    }
    lines.socket.destroy()

    discard.child.kill("SIGTERM")
    chargen.child.kill("SIGTERM")
    assert.strictEqual((await discard.exited).code, 0)
    assert.strictEqual((await chargen.exited).code, 0)
  })

  it("a port in use is exit code 6 with Node's message", async () => {
    const first = start(["serve", "--port", "0"])
    const [, port] = await first.waitFor(/listening on 127\.0\.0\.1:(\d+)/)
    const second = start(["serve", "--port", port!])
    const { code } = await second.exited
    assert.strictEqual(code, 6)
    assert.strictEqual(second.stderr(), `netfx: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`)
    first.child.kill("SIGTERM")
    assert.strictEqual((await first.exited).code, 0)
  })

  it("bad arguments are usage errors (exit code 1), on one line", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["serve", "--port", "65536"], "netfx: bad --port '65536': expected an integer from 0 to 65535\n"],
      [
        ["serve", "--port", "0", "--max-connections", "many"],
        "netfx: bad --max-connections 'many': expected an integer, 0 or more\n"
      ],
      [["serve"], "netfx: missing --port <port> (0 for any free port) or --path <socket>\n"],
      [
        ["serve", "--port", "0", "--echo", "--chargen"],
        "netfx: choose one of --echo, --discard, --chargen (got --echo, --chargen)\n"
      ],
      [["serve", "--port", "0", "--path", "/tmp/x.sock"], "netfx: give either --port or --path, not both\n"],
      [
        ["serve", "--port", "0", "--shutdown-timeout", "never"],
        "netfx: bad --shutdown-timeout 'never': expected a positive duration such as 500ms, 5s or 2m\n"
      ]
    ]
    const results = await Promise.all(cases.map(([argv]) => run(argv)))
    results.forEach((result, i) => {
      const [argv, message] = cases[i]!
      assert.strictEqual(result.code, 1, argv.join(" "))
      assert.strictEqual(result.stderr, message, argv.join(" "))
    })
    // Several processes at once: slow on a loaded 2-core machine.
  }, 120_000)
})
