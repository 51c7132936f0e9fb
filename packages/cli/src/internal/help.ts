/**
 * The help of `netfx` and its commands, written for people: within 100 columns, each option on a
 * line with its value, and none of @effect/cli's generated boilerplate ("A true or false value.",
 * "This setting is optional.", the built-in `--wizard`, `--completions` and `--log-level`, which
 * still work but are not advertised). @effect/cli still parses the command line; `Cli.main`
 * prints these pages for `--help` and `-h` instead of @effect/cli's.
 *
 * @internal
 */
import { exitCodeTable } from "./exitCode.js"

/** The width every help line fits in. */
export const WIDTH = 100

/** A term (a command, an argument, an option with its value) and what it does. */
export type Entry = readonly [term: string, description: string]

/** The help page of one command. */
export interface Page {
  /** The command's name, as typed after `netfx`. */
  readonly name: string
  /** One sentence: what the command does. */
  readonly summary: string
  /** The forms of the command line, after `netfx <name>`. Optional parts in brackets. */
  readonly usage: ReadonlyArray<string>
  /** What a user must know beyond the summary, as a paragraph. */
  readonly description?: string | undefined
  readonly arguments?: ReadonlyArray<Entry> | undefined
  readonly options: ReadonlyArray<Entry>
}

const HELP: Entry = ["-h, --help", "Show this help."]

/** Words wrapped to `width` columns; every line after the first starts with `indent`. */
const wrap = (text: string, width: number, indent: string): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((word) => word !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = indent + word
    } else {
      line = line === "" ? (lines.length === 0 ? word : indent + word) : `${line} ${word}`
    }
  }
  if (line !== "") lines.push(line)
  return lines
}

const paragraph = (text: string): Array<string> => wrap(text, WIDTH, "")

/** Two columns: the terms, then their descriptions wrapped beside them (or below a long term). */
const entries = (list: ReadonlyArray<Entry>): Array<string> => {
  const column = Math.min(30, Math.max(...list.map(([term]) => term.length)) + 4)
  const indent = " ".repeat(column)
  return list.flatMap(([term, description]) => {
    const lines = wrap(description, WIDTH - column, "").map((line) => indent + line)
    const first = `  ${term}`
    if (first.length + 2 > column) return [first, ...lines]
    return [first.padEnd(column) + (lines[0] ?? "").slice(column), ...lines.slice(1)]
  })
}

const exitCodes = (): Array<string> => [
  "Exit codes:",
  ...exitCodeTable.map(([code, meaning]) => `${String(code).padStart(5)}  ${meaning}`)
]

/** The help of one command. */
export const render = (page: Page, version: string): string =>
  [
    ...paragraph(`netfx ${page.name} (netfx ${version}): ${page.summary}`),
    "",
    "Usage:",
    ...page.usage.flatMap((form) => wrap(`netfx ${page.name} ${form}`, WIDTH - 2, "    ").map((line) => `  ${line}`)),
    ...(page.description === undefined ? [] : ["", ...paragraph(page.description)]),
    ...(page.arguments === undefined || page.arguments.length === 0
      ? []
      : ["", "Arguments:", ...entries(page.arguments)]),
    "",
    "Options:",
    ...entries([...page.options, HELP]),
    "",
    ...exitCodes()
  ].join("\n")

/** The help of `netfx` itself: the commands and the exit codes. */
export const renderRoot = (pages: ReadonlyArray<Page>, version: string): string =>
  [
    ...paragraph(`netfx ${version}: typed, resource-safe TCP and IPC networking on Effect.`),
    "",
    "Usage:",
    "  netfx <command> [options]",
    "  netfx <command> --help",
    "",
    "Commands:",
    ...entries(pages.map((page) => [page.name, page.summary])),
    "",
    "Options:",
    ...entries([HELP, ["--version", "Show the version."]]),
    "",
    ...exitCodes()
  ].join("\n")

/**
 * The help asked for by a command line (the arguments after the runtime and the script), or
 * undefined when it asks for none: `netfx`, `netfx --help`, `netfx <command> --help` (or `-h`
 * anywhere). An unknown command is left to the parser, which reports it.
 */
export const requested = (
  args: ReadonlyArray<string>,
  pages: ReadonlyArray<Page>,
  version: string
): string | undefined => {
  const first = args[0]
  if (first === undefined) return renderRoot(pages, version)
  if (!args.includes("--help") && !args.includes("-h")) return undefined
  if (first.startsWith("-")) return renderRoot(pages, version)
  const page = pages.find((page) => page.name === first)
  return page === undefined ? undefined : render(page, version)
}

/**
 * An option that takes a value but has none (last on the line, or followed by another option), as
 * `netfx bench --only` or `netfx serve --port --echo`: the parser would read it as absent or take
 * the next option for its value. The message says which option and what it takes.
 */
export const missingValue = (args: ReadonlyArray<string>, pages: ReadonlyArray<Page>): string | undefined => {
  const page = pages.find((page) => page.name === args[0])
  if (page === undefined) return undefined
  // A term names one or more options, each followed by its value if it takes one; a comma joins
  // the names of one option: "-p, --port <port>", "--tls --cert <file> --key <file>",
  // "--cert <file>, --key <file>".
  const takesValue = new Map<string, string>()
  for (const [term] of page.options) {
    let names: Array<string> = []
    let aliasFollows = false
    for (const token of term.split(/\s+/)) {
      const text = token.replace(/,$/, "")
      if (/^--?[a-z]/.test(text)) {
        if (!aliasFollows) names = []
        names.push(text)
        aliasFollows = token.endsWith(",")
      } else if (/^<[^>]+>$/.test(text)) {
        for (const name of names) takesValue.set(name, text)
        names = []
        aliasFollows = false
      }
    }
  }
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") break
    const value = takesValue.get(arg)
    const next = args[i + 1]
    if (value !== undefined && (next === undefined || next.startsWith("--"))) {
      return `${arg} needs a value: ${arg} ${value}`
    }
  }
  return undefined
}
