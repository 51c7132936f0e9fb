/**
 * Whole programs in a process of their own, where what is checked is the process itself: whether
 * it exits. Each program runs with node:net and with `@netfx/compat`.
 */
import { assert, describe, it } from "@effect/vitest"
import { fork, spawn } from "node:child_process"
import { once } from "node:events"
import * as nodeNet from "node:net"
import { fileURLToPath } from "node:url"
import { node, subject, subjectIsNode } from "./scenarios/differential.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

/**
 * How this runtime runs a TypeScript program of the package's sources: Node (and Bun) with tsx,
 * Deno with its own flags (it runs TypeScript itself, and resolves the sources' `./x.js` imports of
 * `./x.ts` files only with --sloppy-imports).
 */
const runArgs = typeof (process.versions as { deno?: string }).deno === "string"
  ? ["run", "-A", "--sloppy-imports", "--node-modules-dir=manual", "--conditions=@netfx/source"]
  : ["--conditions=@netfx/source", "--import", "tsx"]

/** Runs `program` with `module`; resolves with its exit code and output once it exits. */
const run = (program: string, module: string) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...runArgs, `test/programs/${program}`, module],
      { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] }
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => output += chunk.toString())
    child.on("error", reject)
    child.on("exit", (code) => resolve({ code, output }))
  })

const modules = subjectIsNode ? ["node:net"] : ["node:net", "@netfx/compat"]
const netOf = (module: string) => module === "node:net" ? node : subject

describe("programs", () => {
  for (const module of modules) {
    it(`a paused client socket lets the process exit (${module})`, async () => {
      const { code, output } = await run("pausedClient.ts", module)
      assert.strictEqual(output, "connected\n")
      assert.strictEqual(code, 0)
    })

    it(`an accepted socket handed to a child process with child.send (${module} server)`, async () => {
      const child = fork("test/programs/socketReceiver.ts", [], {
        cwd: packageDir,
        execArgv: ["--conditions=@netfx/source", "--import", "tsx"],
        stdio: ["ignore", "inherit", "inherit", "ipc"]
      })
      const server = netOf(module).createServer({ pauseOnConnect: true }, (socket) => {
        child.send("socket", socket)
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const client = nodeNet.connect((server.address() as nodeNet.AddressInfo).port, "127.0.0.1")
      let answer = ""
      client.on("data", (chunk: Buffer) => answer += chunk.toString())
      await once(client, "end")
      assert.strictEqual(answer, "from the child")
      client.destroy()
      await once(child, "exit")
      // Not waiting for 'close': a server that handed sockets to a child that has gone waits on
      // that child's count of them, in Node as in compat.
      server.close()
    })
  }
})
