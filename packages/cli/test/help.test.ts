import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import { assert, describe, it } from "@effect/vitest"
import * as benchCommand from "../src/benchCommand.js"
import { helpPages, version } from "../src/Cli.js"
import * as connect from "../src/connect.js"
import * as demo from "../src/demo.js"
import * as Help from "../src/internal/help.js"
import * as serve from "../src/serve.js"
import { run } from "./fixtures.js"

const every = () => [
  Help.renderRoot(helpPages, version),
  ...helpPages.map((page) => Help.render(page, version))
]

// What @effect/cli adds to its own help, which ours leaves out.
const boilerplate = [
  "A true or false value",
  "A user-defined piece of text",
  "One of the following",
  "This setting is optional",
  "--wizard",
  "--completions",
  "--log-level"
]

/** The long option names a command's parser accepts (its own, without @effect/cli's built-ins). */
const parsedOptions = (command: Command.Command<string, never, unknown, unknown>) => {
  const text = HelpDoc.toAnsiText(Command.getHelp(command, CliConfig.make({ showBuiltIns: false })))
  return [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].sort()
}

describe("help", () => {
  it("every line fits 100 columns, with none of @effect/cli's boilerplate", () => {
    for (const page of every()) {
      for (const line of page.split("\n")) assert.isAtMost(line.length, 100, line)
      for (const text of boilerplate) assert.notInclude(page, text)
    }
  })

  it("each page lists exactly the options its command parses", () => {
    const commands = { demo: demo.command, connect: connect.command, serve: serve.command, bench: benchCommand.command }
    for (const page of helpPages) {
      const command = commands[page.name as keyof typeof commands]
      const listed = [...new Set(page.options.flatMap(([term]) => term.match(/--[a-z][a-z-]*/g) ?? []))].sort()
      // A command whose description mentions an option (--path, --shutdown-timeout) lists it too.
      assert.includeMembers(listed, parsedOptions(command as never), page.name)
      assert.includeMembers(parsedOptions(command as never).concat(listed), listed, page.name)
    }
  })

  it("an option given without its value is a usage error that names it", async () => {
    assert.strictEqual(
      Help.missingValue(["bench", "--quick", "--only"], helpPages),
      "--only needs a value: --only <scenario>"
    )
    assert.strictEqual(
      Help.missingValue(["serve", "--port", "--echo"], helpPages),
      "--port needs a value: --port <port>"
    )
    assert.strictEqual(Help.missingValue(["serve", "-p", "--echo"], helpPages), "-p needs a value: -p <port>")
    // A value that starts with one dash is a value (and then a bad one, reported by its parser).
    assert.isUndefined(Help.missingValue(["serve", "--port", "-1"], helpPages))
    assert.isUndefined(Help.missingValue(["bench", "--only", "bulk", "--json"], helpPages))
    // Terms that name several options: only the one before a value takes it.
    const tls: Help.Page = {
      name: "tls",
      summary: "",
      usage: [],
      options: [["--tls --cert <file> --key <file>", ""], ["--ca <file>, --alpn <list>", ""], ["-k, --insecure", ""]]
    }
    assert.isUndefined(Help.missingValue(["tls", "--tls", "--cert", "c.pem", "--key", "k.pem", "-k"], [tls]))
    assert.strictEqual(
      Help.missingValue(["tls", "--tls", "--cert", "--key", "k.pem"], [tls]),
      "--cert needs a value: --cert <file>"
    )
    assert.strictEqual(Help.missingValue(["tls", "--ca", "x", "--alpn"], [tls]), "--alpn needs a value: --alpn <list>")
    const result = await run(["bench", "--only"])
    assert.strictEqual(result.code, 1)
    assert.strictEqual(result.stderr, "netfx: --only needs a value: --only <scenario>\n")
  })

  it("bench shows --only as optional and repeatable", () => {
    assert.include(Help.render(benchCommand.help, version), "netfx bench [--quick] [--json] [--only <scenario>]...")
  })

  it("netfx <command> --help (or -h) prints the command's page and exits 0", async () => {
    const [serveHelp, benchHelp, bare] = await Promise.all([
      run(["serve", "--help"]),
      run(["bench", "-h"]),
      run([])
    ])
    assert.strictEqual(serveHelp.code, 0)
    assert.strictEqual(serveHelp.stdout.toString(), `${Help.render(serve.help, version)}\n`)
    assert.strictEqual(benchHelp.code, 0)
    assert.strictEqual(benchHelp.stdout.toString(), `${Help.render(benchCommand.help, version)}\n`)
    assert.strictEqual(bare.code, 0)
    assert.strictEqual(bare.stdout.toString(), `${Help.renderRoot(helpPages, version)}\n`)
  })
})
