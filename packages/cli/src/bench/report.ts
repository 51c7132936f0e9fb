/**
 * Presenting a result: Markdown tables that fit a 100-column terminal, or plain data for JSON.
 *
 * The table has one block per group of rows that measure the same thing (a scenario and a side):
 * a heading, then one line per implementation with each of the group's quantities beside its
 * ratio against node:net (so a throughput and its CPU cost sit on one line), then the errors of the
 * implementations that have no result, as numbered notes. Notes are wrapped to the same width.
 */
import { type BenchJson, jsonSchemaVersion, type Row, type SuiteResult } from "./model.js"
import { tableOrder } from "./protocol.js"

/** The width every line of the table fits in. */
export const WIDTH = 100

const formatNumber = (n: number) => {
  const abs = Math.abs(n)
  const digits = abs >= 100 || abs === 0 ? 0 : abs >= 10 ? 1 : 2
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

const cell = (text: string) => text.replace(/\|/g, "/").replace(/\s+/g, " ").trim()

/** Words wrapped to `width` columns, the first line after `first`, the others after `rest`. */
export const wrap = (text: string, width: number, first = "", rest = first): Array<string> => {
  const lines: Array<string> = []
  let line = first
  let empty = true
  for (const word of text.split(/\s+/).filter((word) => word !== "")) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line)
      line = rest + word
    } else {
      line = empty ? line + word : `${line} ${word}`
    }
    empty = false
  }
  lines.push(line)
  return lines
}

/** A quantity's target (its first netfx row's), and those of rows whose target is their own. */
const targetText = (rows: ReadonlyArray<Row>) => {
  const first = rows.find((row) => row.target !== undefined)
  if (first === undefined) return undefined
  const sign = first.better === "higher" ? "≥" : "≤"
  const ahead = first.target!.aheadOfNodeSocket ? " and ahead of NodeSocket" : ""
  const own = rows
    .filter((row) => row.target !== undefined && row.target.ratio !== first.target!.ratio)
    .map((row) => `${row.implementation} ${sign} ${row.target!.ratio.toFixed(2)}x`)
  return `${first.unit} ${sign} ${first.target!.ratio.toFixed(2)}x node:net${
    own.length === 0 ? "" : ` (${own.join(", ")})`
  }${ahead}`
}

/** The ratio, and for a row with a target whether it is met: `0.91x yes`, `0.64x no`, `0.33x no (NS)`. */
const ratioText = (row: Row) => {
  if (row.ratio === undefined) return "—"
  const ratio = `${row.ratio.toFixed(2)}x`
  if (row.target === undefined || row.met === undefined) return ratio
  if (row.met) return `${ratio} yes`
  const higher = row.better === "higher"
  const ratioMet = higher ? row.ratio >= row.target.ratio : row.ratio <= row.target.ratio
  return `${ratio} ${ratioMet ? "no (NS)" : "no"}`
}

interface Group {
  readonly title: string
  readonly side: Row["side"]
  /** The group's quantities, in the order the suite reported them. */
  readonly units: Array<string>
  readonly rows: Array<Row>
}

/** At most this many quantities side by side, so that a table fits the width. */
const UNITS_PER_TABLE = 2

const groupsOf = (rows: ReadonlyArray<Row>): Array<Group> => {
  const groups: Array<Group> = []
  for (const row of rows) {
    let group = groups.find((group) => group.title === row.title && group.side === row.side)
    if (group === undefined) {
      group = { title: row.title, side: row.side, units: [], rows: [] }
      groups.push(group)
    }
    if (!group.units.includes(row.unit)) group.units.push(row.unit)
    group.rows.push(row)
  }
  // A group of many quantities (both ends in one process) is shown as tables of two, each a block.
  return groups.flatMap((group) => {
    if (group.units.length <= UNITS_PER_TABLE) return [group]
    const parts: Array<Group> = []
    for (let i = 0; i < group.units.length; i += UNITS_PER_TABLE) {
      const units = group.units.slice(i, i + UNITS_PER_TABLE)
      parts.push({ ...group, units, rows: group.rows.filter((row) => units.includes(row.unit)) })
    }
    return parts
  })
}

const table = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)))
  // Every column but the first (the implementation) holds numbers: right-aligned.
  const format = (line: ReadonlyArray<string>) =>
    `| ${line.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join(" | ")} |`
  const rule = `|${
    widths.map((width, i) => (i === 0 ? "-".repeat(width + 2) : `${"-".repeat(width + 1)}:`)).join("|")
  }|`
  return [format(header), rule, ...lines.map(format)]
}

const groupLines = (group: Group, errors: Array<string>): Array<string> => {
  const sideText = group.side === "in process" ? "in one process" : `${group.side} side`
  const targets = group.units.flatMap((unit) => {
    const text = targetText(group.rows.filter((row) => row.unit === unit))
    return text === undefined ? [] : [text]
  })
  const header = ["implementation", ...group.units.flatMap((unit) => [unit, "vs node:net"])]
  const lines = tableOrder.flatMap((impl) => {
    const rows = group.units.map((unit) => group.rows.find((row) => row.unit === unit && row.implementation === impl))
    if (rows.every((row) => row === undefined)) return []
    return [[
      impl,
      ...rows.flatMap((row) => {
        if (row === undefined) return ["—", "—"]
        if (row.median === undefined) {
          const error = cell(row.error ?? "no result")
          const index = errors.includes(error) ? errors.indexOf(error) : errors.push(error) - 1
          return [`n/a [${index + 1}]`, "—"]
        }
        return [formatNumber(row.median), ratioText(row)]
      })
    ].map(cell)]
  })
  return [
    ...wrap(`${group.title} · ${sideText}`, WIDTH),
    ...(targets.length === 0 ? [] : wrap(`target for netfx: ${targets.join("; ")}`, WIDTH)),
    ...table(header, lines)
  ]
}

/**
 * The result as Markdown tables that fit 100 columns: a line about the run, then for each group of
 * rows (a scenario and a side) a heading, its targets and a table with one line per implementation,
 * each quantity beside its ratio against node:net (with `yes`/`no` where netfx has a target), then
 * the errors of rows without a result and the notes.
 *
 * @since 0.1.0
 */
export const formatTable = (result: SuiteResult): string => {
  const errors: Array<string> = []
  const blocks = groupsOf(result.rows).map((group) => groupLines(group, errors))
  const run = `netfx benchmarks: ${result.node}, ${result.platform}, ${result.cpus} CPUs, ${result.mode} mode, ` +
    `${result.seconds.toFixed(0)} s${result.quick ? "; quick: small sizes, one round, not numbers to compare" : ""}`
  const legend = "yes/no: whether netfx's row meets its target; no (NS): it meets the ratio, but NodeSocket is ahead"
  return [
    ...wrap(run, WIDTH),
    ...blocks.flatMap((block) => ["", ...block]),
    "",
    ...errors.flatMap((error, i) => wrap(error, WIDTH, `[${i + 1}] `, "    ")),
    ...[legend, ...result.notes].flatMap((note) => wrap(note, WIDTH, "- ", "  "))
  ].join("\n")
}

/**
 * The result as plain data for `JSON.stringify`, in the stable schema `BenchJson`
 * (`schema: "netfx-bench/1"`): numbers, strings, `null` for what is missing.
 *
 * @since 0.1.0
 */
export const toJson = (result: SuiteResult): BenchJson => ({
  schema: jsonSchemaVersion,
  node: result.node,
  platform: result.platform,
  cpus: result.cpus,
  mode: result.mode,
  quick: result.quick,
  startedAt: result.startedAt,
  seconds: result.seconds,
  rows: result.rows.map((row) => ({
    scenario: row.scenario,
    title: row.title,
    side: row.side,
    implementation: row.implementation,
    unit: row.unit,
    better: row.better,
    values: row.values,
    median: row.median ?? null,
    error: row.error ?? null,
    ratio: row.ratio ?? null,
    target: row.target ?? null,
    met: row.met ?? null
  })),
  notes: result.notes
})
