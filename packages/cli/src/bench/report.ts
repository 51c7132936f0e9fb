/**
 * Presenting a result: a Markdown table, or plain data for JSON.
 */
import type { Row, SuiteResult } from "./model.js"

const formatNumber = (n: number) => {
  const abs = Math.abs(n)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

const cell = (text: string) => text.replace(/\|/g, "/").replace(/\s+/g, " ").trim()

const shorten = (text: string, length: number) => text.length > length ? `${text.slice(0, length - 1)}…` : text

const targetText = (row: Row) => {
  if (row.target === undefined) return "—"
  const sign = row.better === "higher" ? "≥" : "≤"
  const ahead = row.better === "higher" ? "> NodeSocket" : "< NodeSocket"
  return `${sign} ${row.target.ratio.toFixed(2)}x${row.target.aheadOfNodeSocket ? `, ${ahead}` : ""}`
}

const metText = (row: Row) => {
  if (row.target === undefined) return "—"
  if (row.met === undefined) return "n/a"
  if (row.met) return "yes"
  const higher = row.better === "higher"
  const ratioMet = row.ratio !== undefined && (higher ? row.ratio >= row.target.ratio : row.ratio <= row.target.ratio)
  return ratioMet ? "no (behind NodeSocket)" : "no"
}

/**
 * The result as a Markdown table (scenario, side, implementation, median, unit, ratio against
 * node:net, target, met?), with a line about the run before it and the notes after it.
 *
 * @since 0.1.0
 */
export const formatTable = (result: SuiteResult): string => {
  const header = ["scenario", "side", "implementation", "median", "unit", "vs node:net", "target", "met?"]
  const lines: Array<Array<string>> = []
  let previous = ""
  for (const row of result.rows) {
    const group = `${row.title}/${row.side}`
    lines.push([
      group === previous ? "" : row.title,
      group === previous ? "" : row.side,
      row.implementation,
      row.median === undefined ? `n/a (${shorten(row.error ?? "no result", 100)})` : formatNumber(row.median),
      row.unit,
      row.ratio === undefined ? "—" : `${row.ratio.toFixed(2)}x`,
      targetText(row),
      metText(row)
    ].map(cell))
    previous = group
  }
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)))
  const format = (line: ReadonlyArray<string>) =>
    `| ${
      line.map((text, i) => (i === 3 || i === 5 ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join(" | ")
    } |`
  const rule = `|${
    widths.map((width, i) => (i === 3 || i === 5 ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")
  }|`
  return [
    `netfx benchmarks: ${result.node}, ${result.platform}, ${result.cpus} CPUs, ${result.mode} mode` +
    `${result.quick ? ", quick (small sizes, one round: not for comparing)" : ""}, ${result.seconds.toFixed(0)} s`,
    "",
    format(header),
    rule,
    ...lines.map(format),
    "",
    ...result.notes.map((note) => `- ${note}`)
  ].join("\n")
}

/**
 * The result as plain data for `JSON.stringify`: numbers, strings, `null` for a missing median or ratio.
 *
 * @since 0.1.0
 */
export const toJson = (result: SuiteResult): unknown => ({
  ...result,
  rows: result.rows.map((row) => ({
    ...row,
    median: row.median ?? null,
    ratio: row.ratio ?? null,
    error: row.error ?? null,
    target: row.target ?? null,
    met: row.met ?? null
  }))
})
