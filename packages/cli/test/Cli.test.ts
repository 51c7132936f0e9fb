import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import type * as RealSuite from "../src/bench/index.js"
import { Bench, ExitCode, exitCodeTable } from "../src/index.js"
import type * as benchSuite from "../src/internal/benchSuite.js"
import { run } from "./fixtures.js"

describe("netfx", () => {
  it("alone, or with --help, shows the commands and the exit codes", async () => {
    const [bare, help] = await Promise.all([run([]), run(["--help"])])
    for (const result of [bare, help]) {
      assert.strictEqual(result.code, 0)
      const out = result.stdout.toString()
      for (const command of ["demo", "connect", "serve", "bench"]) assert.match(out, new RegExp(`- ${command}\\b`))
      assert.include(out, "EXIT CODES")
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
  it("the suite's module has the interface the command loads", () => {
    expectTypeOf<typeof RealSuite>().toMatchTypeOf<benchSuite.Suite<RealSuite.SuiteResult>>()
    expectTypeOf<RealSuite.ProgressEvent>().toEqualTypeOf<benchSuite.ProgressEvent>()
    expectTypeOf<benchSuite.BenchOptions>().toMatchTypeOf<RealSuite.BenchOptions>()
  })

  it("--quick --only <scenario> --json: JSON on stdout, a progress line per round on stderr", async () => {
    const result = await run(["bench", "--quick", "--only", "blocklist", "--json"])
    assert.strictEqual(result.code, 0, result.stderr)
    const json = JSON.parse(result.stdout.toString()) as { rows: ReadonlyArray<{ scenario: string }> }
    assert.isAbove(json.rows.length, 0)
    for (const row of json.rows) assert.strictEqual(row.scenario, "blocklist")
    assert.match(result.stderr, /^blocklist · node:net · round 1: [\d,.]+ checks\/s$/m)
  }, 120_000)

  it("an unknown scenario is a usage error that lists the scenarios", async () => {
    const result = await run(["bench", "--only", "nope"])
    assert.strictEqual(result.code, ExitCode.Usage)
    assert.strictEqual(
      result.stderr,
      "netfx: unknown scenario 'nope'; the scenarios are: bulk, round-trips, connections, memory, blocklist, tls\n"
    )
  })

  it("on a terminal, progress is one line redrawn in place, cut to the width, and cleared at the end", () => {
    const written: Array<string> = []
    const display = Bench.progress({ isTTY: true, columns: 40, write: (text) => written.push(text) })
    display.onProgress({ _tag: "Start", scenario: "bulk", implementation: "node:net", round: 1, rounds: 5 })
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
})
