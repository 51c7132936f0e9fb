/**
 * Runs the documentation's code: every ```ts block of the READMEs and every JSDoc `@example` of
 * packages/{core,compat,cli}/src, each in a process of its own, as a reader would run it (the
 * convention is in scripts/snippets.mjs: a `program` or `main` is run scoped on the Node transport;
 * anything else runs as it is). A snippet must exit 0 by itself within the time limit: a hang, or a
 * socket, server or timer left open, fails it. Everything listens on 127.0.0.1.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runnable, type Snippet, snippets } from "../../../scripts/snippets.mjs"

const root = fileURLToPath(new URL("../../..", import.meta.url))

/**
 * Snippets that do not run yet, each with its owner and why: skipped (and shown as skipped) until the
 * owner fixes the snippet and removes its entry. The lead engineer is rewriting these files; their
 * examples need a peer they do not start themselves, or serve until interrupted.
 */
const PENDING: ReadonlyMap<string, string> = new Map([])

/** A snippet alone takes a second or two; the limit is for a machine loaded by the rest of the suite. */
const LIMIT_MILLIS = 30_000

interface Run {
  readonly code: number | null
  readonly timedOut: boolean
  readonly output: string
}

const dir = () => {
  mkdirSync(join(root, "build"), { recursive: true })
  return mkdtempSync(join(root, "build", "snippets-"))
}

const run = (snippet: Snippet, folder: string) =>
  new Promise<Run>((resolve) => {
    const file = join(folder, `${snippet.id.replace(/[^A-Za-z0-9]+/g, "_")}.ts`)
    writeFileSync(file, runnable(snippet.code))
    const args = ["--import", "tsx", "--conditions=@netfx/source", file]
    execFile(process.execPath, args, { cwd: root, timeout: LIMIT_MILLIS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
      resolve({ code, timedOut: error?.killed === true, output: `--- stdout\n${stdout}--- stderr\n${stderr}` })
    })
  })

// Two at a time: the machine has two cores, and each snippet is a process of its own.
const limit = (() => {
  let running = 0
  const waiting: Array<() => void> = []
  return async <A>(task: () => Promise<A>): Promise<A> => {
    if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
})()

describe("documentation snippets", () => {
  const all = snippets()
  const folder = dir()

  it("are found: the READMEs' blocks and the JSDoc examples, with unique ids", () => {
    assert.isAtLeast(all.filter((snippet) => snippet.file.endsWith("README.md")).length, 5)
    assert.isAtLeast(all.filter((snippet) => snippet.file.includes("/src/")).length, 30)
    assert.strictEqual(new Set(all.map((snippet) => snippet.id)).size, all.length)
    for (const id of PENDING.keys()) {
      assert.isTrue(all.some((snippet) => snippet.id === id), `PENDING lists ${id}, which is no longer a snippet`)
    }
  })

  describe.concurrent("run", () => {
    for (const snippet of all) {
      const pending = PENDING.get(snippet.id)
      it.skipIf(pending !== undefined)(`${snippet.id} (${snippet.file}:${snippet.line})`, async () => {
        const result = await limit(() => run(snippet, folder))
        assert.isFalse(
          result.timedOut,
          `${snippet.id} did not exit within ${
            LIMIT_MILLIS / 1000
          } s: it hangs or leaves something open\n${result.output}`
        )
        assert.strictEqual(result.code, 0, `${snippet.id} failed\n${result.output}`)
      }, LIMIT_MILLIS * 3)
    }
  })

  afterAll(() => rmSync(folder, { recursive: true, force: true }))
})
