/**
 * Whole programs in a process of their own, where what is checked is the process itself: whether
 * it exits. Each program runs with node:net and with `@netfx/compat`.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { subjectIsNode } from "./scenarios/differential.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

/** Runs `program` with `module`; resolves with its exit code and output once it exits. */
const run = (program: string, module: string) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@netfx/source", "--import", "tsx", `test/programs/${program}`, module],
      { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] }
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => output += chunk.toString())
    child.on("error", reject)
    child.on("exit", (code) => resolve({ code, output }))
  })

const modules = subjectIsNode ? ["node:net"] : ["node:net", "@netfx/compat"]

describe("programs", () => {
  for (const module of modules) {
    it(`a paused client socket lets the process exit (${module})`, async () => {
      const { code, output } = await run("pausedClient.ts", module)
      assert.strictEqual(output, "connected\n")
      assert.strictEqual(code, 0)
    })
  }
})
