// The documentation's code, found once for every tool that checks it: every ```ts block of the
// READMEs (the repository's and each package's) and every `@example` in the JSDoc of
// packages/*/src. `scripts/check-doc-examples.mjs` type-checks them; the snippets test
// (packages/cli/test/snippets.test.ts) runs them.
//
// How a snippet runs (the convention the docs are written to):
// - It is a module of its own, run by Node with tsx on the packages' sources, from the repository
//   root, and must exit by itself: a handle left open (a socket, a server, a timer) keeps the process
//   alive, and the test fails it as a hang.
// - A snippet that defines `program` or `main` (an Effect) and does not run it itself gets it run:
//   scoped, with the Node transport and resolver provided (`NodeTransport.layer`, `Resolver.layerNode`).
//   A failure or a defect fails the snippet.
// - A `program` that moves the `TestClock` also gets Effect's `TestContext`, as a test would.
// - A snippet written as an `@effect/vitest` test (`it.effect(...)`) runs its tests at once, through
//   scripts/snippetVitest.ts (`it.effect`/`it.scoped` with `TestContext`, chai's `assert`).
// - Anything else (classic callback code, a block of definitions) runs as it is.
// - Every snippet listens on 127.0.0.1 (or a Unix socket in a temporary directory) and talks only
//   to what it started itself: a server on port 0, whose port it reads back.
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"

const root = new URL("..", import.meta.url).pathname

const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

/** The name a JSDoc comment documents: the declaration or member that follows it. */
const documented = (text, end) => {
  const after = text.slice(end, end + 400)
  const match = after.match(
    /^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:static\s+)?(?:readonly\s+)?(?:const|let|function\*?|class|interface|type|namespace)?\s*(?:get\s+|set\s+)?([A-Za-z_$][\w$]*)/
  )
  return match?.[1] ?? "(module)"
}

const lineOf = (text, index) => text.slice(0, index).split("\n").length

/**
 * Every snippet: `id` (`<file>#<name>` for JSDoc, with `~2` for a second example of one name;
 * `<file>#<n>` for the n-th block of a README), the file, the line, the code.
 */
export const snippets = () => {
  const found = []
  const ids = new Set()
  const add = (id, file, line, code) => {
    let unique = id
    for (let n = 2; ids.has(unique); n++) unique = `${id}~${n}`
    ids.add(unique)
    found.push({ id: unique, file: relative(root, file), line, code })
  }
  for (const pkg of readdirSync(join(root, "packages")).sort()) {
    for (const file of sources(join(root, "packages", pkg, "src")).sort()) {
      const text = readFileSync(file, "utf8")
      for (const match of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
        const comment = match[1]
        const name = documented(text, match.index + match[0].length)
        const lines = comment.split("\n").map((line) => line.replace(/^\s*\* ?/, ""))
        let example
        let startLine = 0
        const flush = () => {
          if (example !== undefined) {
            const code = example.join("\n").replace(/^\s*```(?:ts|typescript)?\n/, "").replace(/\n```\s*$/, "")
            add(`${relative(root, file)}#${name}`, file, startLine, `${code.trim()}\n`)
          }
          example = undefined
        }
        lines.forEach((line, i) => {
          if (line.startsWith("@example")) {
            flush()
            example = []
            startLine = lineOf(text, match.index) + i
          } else if (line.startsWith("@")) flush()
          else if (example !== undefined) example.push(line)
        })
        flush()
      }
    }
  }
  const readmes = [
    join(root, "README.md"),
    ...readdirSync(join(root, "packages")).sort().map((pkg) => join(root, "packages", pkg, "README.md"))
  ]
  for (const readme of readmes) {
    let text
    try {
      text = readFileSync(readme, "utf8")
    } catch {
      continue
    }
    let n = 0
    for (const match of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      add(`${relative(root, readme)}#${++n}`, readme, lineOf(text, match.index), match[1])
    }
  }
  return found
}

/** The name of the Effect a snippet leaves for the harness to run, if any. */
export const entryPoint = (code) => {
  if (/\bEffect\.run(Promise|Fork|Sync|Callback|PromiseExit|SyncExit)\b|\brunMain\b/.test(code)) return undefined
  return code.match(/^(?:export\s+)?const\s+(program|main)\b/m)?.[1]
}

/** Where a snippet written as an `@effect/vitest` test finds `it`, `describe` and `assert`. */
const vitestShim = join(root, "scripts", "snippetVitest.ts")

/** The module the harness runs for a snippet: the code, then what runs its `program` or `main`. */
export const runnable = (snippet) => {
  const code = snippet.replaceAll(`from "@effect/vitest"`, `from ${JSON.stringify(vitestShim)}`)
  const entry = entryPoint(code)
  if (entry === undefined) return `${code}\nexport {}\n`
  // A program that moves the TestClock runs with Effect's test services, as a test would run it.
  const testServices = /\bTestClock\b/.test(code)
  return `${code}
// Added by the snippet harness (scripts/snippets.mjs): run ${entry}, scoped, on the Node transport.
import * as __Effect from "effect/Effect"
import * as __Layer from "effect/Layer"
import * as __NodeTransport from "@netfx/core/NodeTransport"
import * as __Resolver from "@netfx/core/Resolver"
import * as __TestContext from "effect/TestContext"
// The sockets open before it runs; once it is done (its scope closed), no more may be open.
const __sockets = () => process.getActiveResourcesInfo().filter((name) => /TCP|UDP|PipeServer/.test(name)).length
const __before = __sockets()
await __Effect.runPromise(
  (${entry} as __Effect.Effect<unknown, unknown, any>).pipe(
    __Effect.scoped,
    __Effect.provide(__Layer.merge(__NodeTransport.layer, __Resolver.layerNode)),${
    testServices ? "\n    __Effect.provide(__TestContext.TestContext)," : ""
  }
  ) as __Effect.Effect<unknown, unknown, never>
)
// Two turns of the event loop: handles closed by the scope finish closing in the first one's close phase.
await new Promise((resolve) => setImmediate(resolve))
await new Promise((resolve) => setImmediate(resolve))
if (__sockets() > __before) {
  throw new Error("${entry} left sockets open: " + process.getActiveResourcesInfo().join(", "))
}
export {}
`
}
