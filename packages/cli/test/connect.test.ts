import { assert, describe, it } from "@effect/vitest"
import { Resolver, TestTransport } from "@netfx/core"
import { Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { Connect, ExitCode } from "../src/index.js"
import { closedPort, echoServer, run, start, tempDir } from "./fixtures.js"

const args = (overrides: Partial<Connect.ConnectArgs>): Connect.ConnectArgs => ({
  host: Option.none(),
  port: Option.none(),
  path: Option.none(),
  timeout: Option.none(),
  idleTimeout: Option.none(),
  family: Option.none(),
  verbose: false,
  ...overrides
})

describe("netfx connect", () => {
  it("pipes stdin to the socket and the socket to stdout, byte for byte, and exits 0", async () => {
    const server = await echoServer()
    try {
      // Every byte value, and more than a socket buffer: binary safe, with backpressure both ways.
      const input = randomBytes(1024 * 1024)
      const result = await run(["connect", "127.0.0.1", String(server.port)], input)
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      assert.isTrue(result.stdout.equals(input), "the echo differs from the input")
    } finally {
      await server.close()
    }
  })

  it("--path connects to a Unix socket", async () => {
    const dir = await tempDir()
    const path = join(dir.path, "echo.sock")
    const server = await echoServer(path)
    try {
      const result = await run(["connect", "--path", path], "over a Unix socket\n")
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stdout.toString(), "over a Unix socket\n")
    } finally {
      await server.close()
      await dir.remove()
    }
  })

  it("--verbose shows the lookup, every attempt and the byte counts on stderr", async () => {
    const server = await echoServer()
    try {
      const result = await run(["connect", "--verbose", "localhost", String(server.port)], "hi")
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(result.stdout.toString(), "hi")
      const lines = result.stderr.trimEnd().split("\n").map((line) => line.replace(/^\[ *[\d.]+ ms\] /, ""))
      assert.match(lines[0]!, /^lookup localhost: /)
      assert.include(lines, `attempt 127.0.0.1:${server.port} (IPv4)`)
      assert.isTrue(
        lines.some((line) =>
          new RegExp(`^connected to 127\\.0\\.0\\.1:${server.port} from 127\\.0\\.0\\.1:\\d+$`).test(line)
        )
      )
      assert.include(lines, "stdin closed: sent FIN")
      assert.strictEqual(lines.at(-1), "closed: sent 2 B, received 2 B")
    } finally {
      await server.close()
    }
  })

  it("refused: exit code 3 and one line, Node's message", async () => {
    const port = await closedPort()
    const result = await run(["connect", "127.0.0.1", String(port)])
    assert.strictEqual(result.code, ExitCode.Refused)
    assert.strictEqual(result.stderr, `netfx: connect ECONNREFUSED 127.0.0.1:${port}\n`)
    assert.strictEqual(result.stdout.length, 0)
  })

  it("refused with --verbose: the failed attempt is shown before the error", async () => {
    const port = await closedPort()
    const result = await run(["connect", "-v", "127.0.0.1", String(port)])
    assert.strictEqual(result.code, ExitCode.Refused)
    assert.match(result.stderr, new RegExp(`attempt 127\\.0\\.0\\.1:${port} \\(IPv4\\)\\n`))
    assert.match(
      result.stderr,
      new RegExp(`failed  127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\n`)
    )
    assert.isTrue(result.stderr.endsWith(`\nnetfx: connect ECONNREFUSED 127.0.0.1:${port}\n`))
  })

  it("--idle-timeout: exit code 4 once nothing moved for that long", async () => {
    const server = await echoServer()
    try {
      // stdin stays open and silent: the connection is idle from the start.
      const cli = start(["connect", "--idle-timeout", "300ms", "127.0.0.1", String(server.port)])
      const { code } = await cli.exited
      assert.strictEqual(code, ExitCode.Timeout)
      assert.strictEqual(cli.stderr(), "netfx: the connection was idle for 300 ms\n")
    } finally {
      await server.close()
    }
  })

  it("bad arguments: exit code 1 and one line", async () => {
    // Our own messages exactly; @effect/cli's own (a bad choice, an unknown option) on one line.
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string | RegExp]> = [
      [["connect", "127.0.0.1", "70000"], "netfx: bad port '70000': expected an integer from 1 to 65535\n"],
      [["connect", "127.0.0.1", "http"], "netfx: bad port 'http': expected an integer from 1 to 65535\n"],
      [["connect", "127.0.0.1"], "netfx: missing <port>\n"],
      [["connect"], "netfx: missing <host> and <port> (or --path <socket>)\n"],
      [
        ["connect", "--timeout", "soon", "127.0.0.1", "1"],
        "netfx: bad --timeout 'soon': expected a positive duration such as 500ms, 5s or 2m\n"
      ],
      [["connect", "--family", "5", "127.0.0.1", "1"], "netfx: bad --family '5': expected 4 or 6\n"],
      [["connect", "--bogus"], "netfx: unknown option '--bogus'\n"],
      [
        ["connect", "--path", "/tmp/x.sock", "127.0.0.1", "1"],
        "netfx: give either <host> <port> or --path <socket>, not both\n"
      ],
      [["connect", "--frobnicate", "127.0.0.1", "1"], /^netfx: [^\n]+\n$/]
    ]
    const results = await Promise.all(cases.map(([argv]) => run(argv)))
    results.forEach((result, i) => {
      const [argv, message] = cases[i]!
      assert.strictEqual(result.code, ExitCode.Usage, argv.join(" "))
      if (typeof message === "string") assert.strictEqual(result.stderr, message, argv.join(" "))
      else assert.match(result.stderr, message, argv.join(" "))
    })
    // Several processes at once: slow on a loaded 2-core machine.
  }, 120_000)
})

// The failures that need a network this machine must not use (a name server, an address that
// never answers) run on the core's simulated network instead: `Connect.run` takes its Transport
// and Resolver from the context.
describe("Connect.run on a simulated network", () => {
  const network = (hosts: Record<string, ReadonlyArray<string>>) =>
    Layer.merge(TestTransport.layer, Resolver.layerStatic(hosts))

  it.effect("a name that does not resolve: exit code 2, getaddrinfo's message", () =>
    Effect.gen(function*() {
      const result = yield* Connect.run(args({ host: Option.some("nonexistent.invalid"), port: Option.some("80") }))
        .pipe(
          Effect.either,
          Effect.provide(network({}))
        )
      assert.isTrue(Either.isLeft(result))
      const error = Either.getLeft(result).pipe(Option.getOrThrow)
      assert.strictEqual(error.exitCode, ExitCode.Resolve)
      assert.strictEqual(error.message, "getaddrinfo ENOTFOUND nonexistent.invalid")
    }))

  it.effect("no connection within --timeout: exit code 4", () =>
    Effect.gen(function*() {
      const net = yield* TestTransport.TestNetwork
      yield* net.set("[2001:db8::1]:80", TestTransport.blackhole)
      yield* net.set("192.0.2.1:80", TestTransport.blackhole)
      const fiber = yield* Connect.run(
        args({ host: Option.some("blackhole.test"), port: Option.some("80"), timeout: Option.some("2s") })
      ).pipe(Effect.either, Effect.fork)
      yield* TestClock.adjust("2 seconds")
      const error = Either.getLeft(yield* Fiber.join(fiber)).pipe(Option.getOrThrow)
      assert.strictEqual(error.exitCode, ExitCode.Timeout)
      assert.strictEqual(error.message, "connect ETIMEDOUT blackhole.test:80 (no connection after 2000 ms)")
    }).pipe(Effect.provide(network({ "blackhole.test": ["2001:db8::1", "192.0.2.1"] }))))

  it.effect("every address refused: exit code 3, every attempt in the message", () =>
    Effect.gen(function*() {
      const error = yield* Connect.run(args({ host: Option.some("down.test"), port: Option.some("80") })).pipe(
        Effect.flip,
        Effect.provide(network({ "down.test": ["2001:db8::1", "192.0.2.1"] }))
      )
      assert.strictEqual(error.exitCode, ExitCode.Refused)
      assert.strictEqual(
        error.message,
        "connect to down.test:80 failed after 2 attempts: connect ECONNREFUSED 2001:db8::1:80, connect ECONNREFUSED 192.0.2.1:80"
      )
    }))
})
