/**
 * Runs every program in examples/ in a process of its own, as a reader would, so that none can rot:
 * each must exit 0 by itself and print, in order, the lines that show its scenario worked. A new
 * example is picked up by itself; list its lines below to check more than its exit code.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const examplesDir = join(root, "examples")
const examples = readdirSync(examplesDir).filter((file) => file.endsWith(".ts")).sort()

/** What each example must print, in this order. */
const expected: Record<string, ReadonlyArray<string | RegExp>> = {
  "address-toolkit.ts": ["check(10.0.0.3)             = true", "compat check('10.0.0.5')   = true"],
  "echo.ts": [
    `client: sent "hello, netfx", got back "hello, netfx"`,
    /client: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(code ECONNREFUSED\)/,
    "server: closed"
  ],
  "framing.ts": [
    `client: reply "NETFX"`,
    `client: reply "SPLIT ACROSS TWO WRITES"`,
    "server: frame of 4294967295 bytes refused, closing",
    "client: the server closed the connection"
  ],
  "happy-eyeballs.ts": [
    "AttemptTimeout ::1",
    "Attempt 127.0.0.1",
    "connected to 127.0.0.1:80",
    /span {3}netfx\.connect\.attempt ::1 +\d+ ms {2}lost the race/,
    /AttemptFailed ::1: E[A-Z]+/,
    /connected to 127\.0\.0\.1:\d+/
  ],
  "simulated-network.ts": [
    "+  50 ms  naive client: connected from 127.0.0.1:40000",
    `+ 209 ms  naive client: got "VALUE AL" in 3 reads (3+3+2 bytes)`,
    "+ 209 ms  careful client: read ECONNRESET; retrying",
    "+ 259 ms  careful client: connected from 127.0.0.1:40001",
    `+ 420 ms  careful client: got "VALUE ALPHA" in 6 reads (3+1+1+2+3+2 bytes)`,
    `careful client: answer "VALUE ALPHA" after 2 connection(s)`
  ],
  "graceful-shutdown.ts": [
    `server: working on "slow request"`,
    "server: no longer accepting; 1 connection still open",
    /late client: connect ECONNREFUSED 127\.0\.0\.1:\d+/,
    `slow client: got "done"`,
    "server: shut down"
  ],
  "classic-net.ts": [
    /server: listening on 127\.0\.0\.1:\d+/,
    `client: got "HELLO, CLASSIC NET CODE"`,
    "server: closed",
    /late client: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/,
    "late client: closed with an error"
  ],
  "tls.ts": [
    /client: certificate of localhost, TLS_\w+/,
    `client: got back "hello over TLS"`,
    "client: certificate of alt.localhost",
    "client: refused: Certificate UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    `client: upgraded to TLSv1.3; got back "secret"`,
    "client: 16 bytes written on that connection, plaintext and TLS"
  ],
  "platform-interop.ts": [
    `client: got "HELLO FROM @EFFECT/PLATFORM"`,
    /client: Open failed: ConnectError: connect ENOENT .*missing\.sock/,
    "server: shut down"
  ]
}

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs an example as `node --import tsx`, from the repository root, killing it if it hangs. */
const run = (file: string) =>
  new Promise<Run>((resolve) => {
    const args = ["--import", "tsx", "--conditions=@netfx/source", join("examples", file)]
    execFile(process.execPath, args, { cwd: root, timeout: 45_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
      resolve({ code, signal: error?.signal ?? null, stdout, stderr })
    })
  })

/** The index after `pattern`'s first match at or after `from`, or -1. */
const matchFrom = (text: string, pattern: string | RegExp, from: number) => {
  const rest = text.slice(from)
  if (typeof pattern === "string") {
    const at = rest.indexOf(pattern)
    return at === -1 ? -1 : from + at + pattern.length
  }
  const match = pattern.exec(rest)
  return match === null ? -1 : from + match.index + match[0].length
}

// One at a time: on a 2-core machine, side by side is hardly faster and each run is slower. The
// timeouts are for a machine loaded by the rest of the suite; an example alone takes a few seconds.
describe("examples", () => {
  it("are all listed in examples/README.md", () => {
    const readme = readFileSync(join(examplesDir, "README.md"), "utf8")
    for (const file of examples) assert.include(readme, `(${file})`, `examples/README.md does not list ${file}`)
  })

  for (const file of examples) {
    it(file, async () => {
      const { code, signal, stderr, stdout } = await run(file)
      const output = `--- stdout\n${stdout}--- stderr\n${stderr}`
      assert.strictEqual(code, 0, `examples/${file} exited with ${code ?? signal}\n${output}`)
      assert.isNotEmpty(stdout.trim(), `examples/${file} printed nothing`)
      let from = 0
      for (const line of expected[file] ?? []) {
        from = matchFrom(stdout, line, from)
        assert.notStrictEqual(from, -1, `examples/${file} did not print ${line} (in order)\n${output}`)
      }
    }, 60_000)
  }
})
