import { assert, describe, it } from "@effect/vitest"
import {
  formatTable,
  type ProgressEvent,
  runSuite,
  scenarioNames,
  type SuiteResult,
  toJson
} from "../src/bench/index.js"

// Implementations that work today; @netfx/compat's sockets and servers are being written, and its
// rows report "n/a (why)" until then, which the suite must survive.
const working = ["node:net", "@netfx/core", "NodeSocket"] as const

const units: Record<string, ReadonlyArray<string>> = {
  bulk: ["MiB/s each way", "client CPU ms/GiB"],
  "round-trips": ["round trips/s", "client CPU µs/round trip"],
  connections: ["connections/s", "client CPU µs/conn", "server CPU µs/conn"],
  memory: ["heap B/conn", "RSS B/conn"],
  blocklist: ["checks/s"],
  tls: ["handshakes/s", "client CPU µs/handshake", "MiB/s each way", "client CPU ms/GiB"]
}

/** Rows an implementation cannot have: it lacks the feature, and its row says so. */
const unsupported = (scenario: string, implementation: string) =>
  (scenario === "blocklist" && implementation === "NodeSocket") ||
  (scenario === "tls" && (implementation === "NodeSocket" || implementation === "@netfx/compat"))

describe("bench suite", () => {
  // One quick run of every scenario, shared by the tests below: workers take a second or two to start.
  let run: Promise<{ result: SuiteResult; events: Array<ProgressEvent> }> | undefined
  const quickRun = () =>
    run ??= (async () => {
      const events: Array<ProgressEvent> = []
      const result = await runSuite({ quick: true, only: undefined, onProgress: (event) => events.push(event) })
      return { result, events }
    })()

  it("runs every scenario with every working implementation, without an error", async () => {
    const { result } = await quickRun()
    assert.strictEqual(result.quick, true)
    assert.include(["source", "dist"], result.mode)
    for (const scenario of scenarioNames) {
      for (const unit of units[scenario]!) {
        const rows = result.rows.filter((row) => row.scenario === scenario && row.unit === unit)
        const sides = new Set(rows.map((row) => row.side))
        // Every implementation has a row in every group, working or not, so the table is complete.
        assert.strictEqual(rows.length, 4 * sides.size, `${scenario} ${unit}`)
        for (const row of rows) {
          if (unsupported(scenario, row.implementation)) {
            assert.isDefined(row.error)
            continue
          }
          if (!(working as ReadonlyArray<string>).includes(row.implementation)) continue
          assert.isUndefined(row.error, `${scenario} ${unit} ${row.implementation}: ${row.error}`)
          assert.isDefined(row.median)
          assert.isTrue(Number.isFinite(row.median!), `${scenario} ${unit} ${row.implementation}`)
          // Quick: one measured round of everything.
          assert.strictEqual(row.values.length, 1)
        }
      }
    }
  }, 180_000)

  it("reports positive rates and ratios against node:net, and judges netfx's targets", async () => {
    const { result } = await quickRun()
    for (const row of result.rows) {
      if (row.median === undefined || row.better === "lower") continue
      assert.isAbove(row.median, 0, `${row.scenario} ${row.unit} ${row.implementation}`)
      assert.isDefined(row.ratio)
      if (row.implementation === "node:net") assert.closeTo(row.ratio!, 1, 1e-9)
    }
    const core = result.rows.filter((row) => row.implementation === "@netfx/core")
    const bulk = core.find((row) => row.scenario === "bulk" && row.unit === "MiB/s each way")!
    assert.deepStrictEqual(bulk.target, { ratio: 0.9, aheadOfNodeSocket: true })
    assert.isBoolean(bulk.met)
    const memory = core.find((row) => row.unit === "heap B/conn")!
    assert.deepStrictEqual(memory.target, { ratio: 1.5, aheadOfNodeSocket: true })
    // node:net and NodeSocket are what netfx is measured against: no target of their own.
    assert.isTrue(result.rows.filter((row) => !row.implementation.startsWith("@netfx/")).every((row) => !row.target))
  }, 180_000)

  it("reports progress for each measured round", async () => {
    const { events, result } = await quickRun()
    const done = events.filter((event) => event._tag === "Done")
    const starts = events.filter((event) => event._tag === "Start")
    assert.isAtLeast(starts.length, done.length)
    for (const implementation of working) {
      for (const scenario of scenarioNames) {
        if (unsupported(scenario, implementation)) continue
        assert.isTrue(
          done.some((event) => event.scenario === scenario && event.implementation === implementation),
          `${scenario} ${implementation}`
        )
      }
    }
    assert.isAbove(result.seconds, 0)
  }, 180_000)

  it("formats a Markdown table and plain JSON", async () => {
    const { result } = await quickRun()
    const table = formatTable(result)
    const lines = table.split("\n").filter((line) => line.startsWith("|"))
    assert.match(
      lines[0]!,
      /^\|\s*scenario\s*\|.*\|\s*implementation\s*\|\s*median\s*\|.*\|\s*vs node:net\s*\|.*\|\s*met\?\s*\|$/
    )
    assert.match(lines[1]!, /^\|[-:|]+\|$/)
    // A header, its rule, and a line per row; every line has the same columns.
    assert.strictEqual(lines.length, result.rows.length + 2)
    assert.isTrue(lines.every((line) => line.split("|").length === lines[0]!.split("|").length))
    assert.include(table, "n/a (@effect/platform-node has no BlockList)")
    const json = JSON.parse(JSON.stringify(toJson(result))) as { rows: Array<{ median: number | null }> }
    assert.strictEqual(json.rows.length, result.rows.length)
  }, 180_000)

  it("shows an implementation that fails as n/a with its error, and the others as measured", () => {
    const row = {
      scenario: "bulk",
      title: "bulk echo",
      side: "client",
      unit: "MiB/s each way",
      better: "higher",
      values: [],
      target: undefined,
      met: undefined
    } as const
    const table = formatTable({
      node: "v20",
      platform: "linux x64",
      cpus: 2,
      mode: "source",
      quick: true,
      startedAt: new Date(0).toISOString(),
      seconds: 1,
      notes: [],
      rows: [
        { ...row, implementation: "node:net", values: [100], median: 100, ratio: 1, error: undefined },
        {
          ...row,
          implementation: "@netfx/compat",
          median: undefined,
          ratio: undefined,
          error: "net.createServer | is not\na function",
          target: { ratio: 0.9, aheadOfNodeSocket: true }
        },
        {
          ...row,
          implementation: "@netfx/core",
          values: [95],
          median: 95,
          ratio: 0.95,
          error: undefined,
          target: { ratio: 0.9, aheadOfNodeSocket: true },
          met: false
        },
        { ...row, implementation: "NodeSocket", values: [120], median: 120, ratio: 1.2, error: undefined }
      ]
    })
    // The error stays in its cell: no pipe or line break of its own.
    assert.include(table, "n/a (net.createServer / is not a function)")
    assert.include(table, "no (behind NodeSocket)")
    assert.include(table, "0.95x")
  })

  it("rejects an unknown scenario before starting anything", async () => {
    const error = await runSuite({ quick: true, only: ["nope"], onProgress: () => {} }).then(
      () => undefined,
      (error: Error) => error
    )
    assert.include(error?.message, "unknown scenario nope")
  })
})
