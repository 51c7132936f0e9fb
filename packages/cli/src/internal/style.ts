/**
 * Terminal styling: colour when the stream is a terminal (and `NO_COLOR` is not set), plain text
 * otherwise, and column layout that measures text without its escape codes.
 *
 * @internal
 */

/** Colours and weights; each is the identity when colour is off. */
export interface Style {
  readonly enabled: boolean
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly blue: (text: string) => string
  readonly magenta: (text: string) => string
  readonly cyan: (text: string) => string
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`
const plain = (text: string) => text

/** A style that colours (`true`) or not (`false`). */
export const make = (enabled: boolean): Style => ({
  enabled,
  bold: enabled ? sgr(1, 22) : plain,
  dim: enabled ? sgr(2, 22) : plain,
  red: enabled ? sgr(31, 39) : plain,
  green: enabled ? sgr(32, 39) : plain,
  yellow: enabled ? sgr(33, 39) : plain,
  blue: enabled ? sgr(34, 39) : plain,
  magenta: enabled ? sgr(35, 39) : plain,
  cyan: enabled ? sgr(36, 39) : plain
})

/**
 * Whether to colour what goes to `stream`: the conventions of https://no-color.org and of
 * `FORCE_COLOR` (as Node's own `util.inspect` and most CLIs read them), else only on a terminal.
 */
export const colorEnabled = (
  stream: { readonly isTTY?: boolean | undefined },
  env: NodeJS.ProcessEnv = process.env
): boolean => {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false"
  return stream.isTTY === true && env.TERM !== "dumb"
}

/** The style for a stream: `forStream(process.stdout)`. */
export const forStream = (stream: { readonly isTTY?: boolean | undefined }): Style => make(colorEnabled(stream))

const ESCAPES = /\x1b\[[0-9;]*[A-Za-z]/g

/** The text without its escape codes. */
export const strip = (text: string): string => text.replace(ESCAPES, "")

/** How many columns the text takes on a terminal (escape codes take none). */
export const width = (text: string): number => strip(text).length

/** Pads to `columns` visible columns, on the right (`"left"` alignment) or on the left (`"right"`). */
export const pad = (text: string, columns: number, align: "left" | "right" = "left"): string => {
  const fill = " ".repeat(Math.max(0, columns - width(text)))
  return align === "left" ? text + fill : fill + text
}

/**
 * Lays rows out in aligned columns, two spaces apart. `align` gives each column's alignment (left
 * by default). Lines carry no trailing spaces.
 */
export const columns = (
  rows: ReadonlyArray<ReadonlyArray<string>>,
  align: ReadonlyArray<"left" | "right"> = []
): Array<string> => {
  const widths: Array<number> = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell))
    })
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const alignment = align[i] ?? "left"
        const last = i === row.length - 1
        return last && alignment === "left" ? cell : pad(cell, widths[i]!, alignment)
      })
      .join("  ")
      .trimEnd()
  )
}

/** A horizontal bar of `fraction` (0 to 1) of `columns` cells, with eighth-block precision. */
export const bar = (fraction: number, columns: number): string => {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * columns * 8)
  const partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]!
  return "█".repeat(Math.floor(eighths / 8)) + partial
}
