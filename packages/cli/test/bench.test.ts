import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  BenchJson,
  formatTable,
  type ProgressEvent,
  runSuite,
  scenarioNames,
  type SuiteResult,
  toJson
} from "../src/bench/index.js"

// Implementations that work today; @netfx/compat's sockets and servers are being written, and its
// rows report "n/a (why)" until then, which the suite must survive.
const working = ["node:net", "@netfx/core", "@netfx/core Stream.run", "NodeSocket"] as const

/** The implementations of a scenario's rows: every one, and in the memory scenario the core's Stream.run echo too. */
const rowsPerSide = (scenario: string) => scenario === "memory" ? 5 : 4

const units: Record<string, ReadonlyArray<string>> = {
  bulk: ["MiB/s each way", "client CPU ms/GiB"],
  "round-trips": ["round trips/s", "client CPU µs/round trip"],
  connections: ["connections/s", "client CPU µs/conn", "server CPU µs/conn"],
  "connections-dual": ["connections/s", "client CPU µs/conn"],
  memory: ["heap B/conn", "RSS B/conn"],
  "both-ends": [
    "bulk MiB/s each way",
    "round trips/s",
    "connections/s",
    "CPU µs/conn (both ends)",
    "heap B/idle pair",
    "RSS B/idle pair"
  ],
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
        assert.strictEqual(rows.length, rowsPerSide(scenario) * sides.size, `${scenario} ${unit}`)
        for (const row of rows) {
          if (unsupported(scenario, row.implementation)) {
            assert.isDefined(row.error)
            continue
          }
          if (unit === "RSS B/conn" || unit === "RSS B/idle pair") {
            // A few hundred connections are within RSS's noise: a quick run says so instead of a number.
            assert.strictEqual(row.error, "not measured in a quick run: too few connections for RSS")
            assert.isUndefined(row.ratio)
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
    // The Stream.run echo's row has the target of its own: a stream echo within 2x node:net's memory.
    const streamEcho = result.rows.find((row) =>
      row.implementation === "@netfx/core Stream.run" && row.unit === "heap B/conn"
    )!
    assert.deepStrictEqual(streamEcho.target, { ratio: 2, aheadOfNodeSocket: true })
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
        if (implementation === "@netfx/core Stream.run" && scenario !== "memory") continue
        assert.isTrue(
          done.some((event) => event.scenario === scenario && event.implementation === implementation),
          `${scenario} ${implementation}`
        )
      }
    }
    assert.isAbove(result.seconds, 0)
  }, 180_000)

  it("formats Markdown tables within 100 columns, and JSON in the stable schema", async () => {
    const { result } = await quickRun()
    const table = formatTable(result)
    for (const line of table.split("\n")) assert.isAtMost(line.length, 100, line)
    const headers = table.split("\n").filter((line) => line.startsWith("| implementation"))
    // One table per scenario and side, each quantity of the group beside its ratio; a group of
    // more than two quantities (both ends: six) in tables of two; TLS: handshakes and bulk.
    assert.strictEqual(headers.length, 12)
    assert.match(
      headers[0]!,
      /^\| implementation +\| +MiB\/s each way +\| +vs node:net +\| +client CPU ms\/GiB +\| +vs node:net +\|$/
    )
    const lines = table.split("\n").filter((line) => line.startsWith("|"))
    assert.isTrue(lines.every((line) => line.split("|").length >= 5))
    const [, note] = table.match(/\| NodeSocket +\| +n\/a \[(\d)\] \| +— \|$/m) ?? []
    assert.include(table, `[${note}] @effect/platform-node has no BlockList`)
    // No ratio of a row that was not measured (or measured as nothing) shows as 0.00x.
    assert.notMatch(table, /\b0\.00x/)
    const json = Schema.decodeUnknownSync(BenchJson)(JSON.parse(JSON.stringify(toJson(result))))
    assert.strictEqual(json.schema, "netfx-bench/1")
    assert.strictEqual(json.rows.length, result.rows.length)
    assert.deepStrictEqual(Object.keys(json).sort(), Object.keys(BenchJson.fields).sort())
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
    // The error is a numbered note under the table, without a pipe or line break of its own.
    assert.match(table, /\| @netfx\/compat +\| +n\/a \[1\] \|/)
    assert.include(table, "[1] net.createServer / is not a function")
    assert.include(table, "0.95x no (NS)")
    assert.include(table, "target for netfx: MiB/s each way ≥ 0.90x node:net and ahead of NodeSocket")
  })

  it("rejects an unknown scenario before starting anything", async () => {
    const error = await runSuite({ quick: true, only: ["nope"], onProgress: () => {} }).then(
      () => undefined,
      (error: Error) => error
    )
    assert.include(error?.message, "unknown scenario nope")
  })
})
