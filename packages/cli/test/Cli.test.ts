import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as RealSuite from "../src/bench/index.js"
import { Bench, ExitCode, exitCodeTable } from "../src/index.js"
import * as benchSuite from "../src/internal/benchSuite.js"
import { run } from "./fixtures.js"

describe("netfx", () => {
  it("alone, or with --help, shows the commands and the exit codes", async () => {
    const [bare, help] = await Promise.all([run([]), run(["--help"])])
    for (const result of [bare, help]) {
      assert.strictEqual(result.code, 0)
      const out = result.stdout.toString()
      for (const command of ["demo", "connect", "serve", "bench"]) assert.match(out, new RegExp(`^  ${command} `, "m"))
      assert.include(out, "Exit codes:")
      for (const [code, meaning] of exitCodeTable) assert.include(out, `${String(code).padStart(5)}  ${meaning}`)
      assert.notInclude(out, "\x1b[")
    }
  })

  it("an unknown command is a usage error on one line", async () => {
    const result = await run(["frobnicate"])
    assert.strictEqual(result.code, ExitCode.Usage)
    assert.match(result.stderr, /^netfx: [^\n]*'demo', 'connect', 'serve', 'bench'\n$/)
  })
})

describe("netfx bench", () => {
  it("the command loads the suite's own module, typed", async () => {
    expectTypeOf<benchSuite.Suite>().toEqualTypeOf<typeof RealSuite>()
    const suite = await Effect.runPromise(benchSuite.load)
    assert.deepStrictEqual(suite.scenarioNames, RealSuite.scenarioNames)
  })

  it("--quick --only <scenario> --json: JSON in the stable schema on stdout, a progress line per round", async () => {
    const result = await run(["bench", "--quick", "--only", "blocklist", "--json"])
    assert.strictEqual(result.code, 0, result.stderr)
    const json = Schema.decodeUnknownSync(RealSuite.BenchJson)(JSON.parse(result.stdout.toString()))
    assert.strictEqual(json.schema, "netfx-bench/1")
    assert.isAbove(json.rows.length, 0)
    for (const row of json.rows) assert.strictEqual(row.scenario, "blocklist")
    assert.match(
      result.stderr,
      /^round 1\/1 of blocklist · node:net: [\d,.]+ checks\/s \((\d+ s left|.*first round)\)$/m
    )
  }, 120_000)

  it("serve --host with a name that does not resolve: exit code 2 and connect's message", async () => {
    const [serve, connect] = await Promise.all([
      run(["serve", "--host", "999.1.1.1", "--port", "0"]),
      run(["connect", "999.1.1.1", "80"])
    ])
    assert.strictEqual(serve.code, ExitCode.Resolve)
    assert.strictEqual(connect.code, ExitCode.Resolve)
    // connect may say more (each family's lookup); both begin with the lookup's own words.
    assert.strictEqual(serve.stderr, "netfx: getaddrinfo ENOTFOUND 999.1.1.1\n")
    assert.isTrue(connect.stderr.startsWith("netfx: getaddrinfo ENOTFOUND 999.1.1.1"), connect.stderr)
  })

  it("an unknown scenario is a usage error that lists the scenarios", async () => {
    const result = await run(["bench", "--only", "nope"])
    assert.strictEqual(result.code, ExitCode.Usage)
    assert.strictEqual(
      result.stderr,
      "netfx: unknown scenario 'nope'; the scenarios are: bulk, round-trips, connections, connections-dual, memory, both-ends, blocklist, tls\n"
    )
  })

  it("on a terminal, progress is one line redrawn in place, cut to the width, and cleared at the end", () => {
    const written: Array<string> = []
    const display = Bench.progress({ isTTY: true, columns: 40, write: (text) => written.push(text) }, () => 0)
    const start = { _tag: "Start", scenario: "bulk", side: "client", round: 1, rounds: 5, steps: 20 } as const
    display.onProgress({ ...start, implementation: "node:net", step: 1 })
    display.onProgress({
      _tag: "Done",
      scenario: "bulk",
      implementation: "node:net",
      round: 1,
      value: 812.34,
      unit: "MiB/s"
    })
    display.clear()
    assert.strictEqual(written.length, 3)
    for (const text of written) assert.isTrue(text.startsWith("\r\x1b[2K"))
    assert.notInclude(written.join(""), "\n")
    const visible = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace("\r", "")
    assert.isAtMost(visible(written[1]!).length, 39)
    assert.strictEqual(written[2], "\r\x1b[2K")
  })

  it("progress says where the run is: the round, the scenario, and the time left at the pace so far", () => {
    const written: Array<string> = []
    let clock = 0
    const display = Bench.progress({ isTTY: true, columns: 200, write: (text) => written.push(text) }, () => clock)
    const visible = () => written.at(-1)!.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace("\r", "")
    const start = { _tag: "Start", scenario: "bulk", side: "client", rounds: 5, steps: 20 } as const
    display.onProgress({ ...start, implementation: "node:net", round: 1, step: 1 })
    assert.strictEqual(visible(), "running round 1/5 of bulk · node:net · time left: after the first round")
    // Four measurements of 2 s each: 16 to go, 32 s.
    clock = 8_000
    display.onProgress({ ...start, implementation: "node:net", round: 2, step: 5 })
    assert.strictEqual(visible(), "running round 2/5 of bulk · node:net · 32 s left")
    // The second side of a scenario says which side it is.
    const server = { _tag: "Start", scenario: "connections", rounds: 5, steps: 20, round: 1, step: 1 } as const
    display.onProgress({ ...server, side: "client", implementation: "node:net" })
    display.onProgress({ ...server, side: "server", implementation: "node:net" })
    assert.match(visible(), /^running round 1\/5 of connections \(server side\) · node:net/)
  })
})
