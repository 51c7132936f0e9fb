// Runs the core suite and compat's suite (its differential scenarios included) on another runtime:
// Node 22 and Node 24 (npx node@22, node@24 from the registry), Bun and Deno (from npm, installed in
// .ci/runtimes by `npm ci --prefix .ci/runtimes`). The CLI's tests run once, on the machine's Node
// (`npm test`).
//
// Compat's differential scenarios compare compat with the node:net of the runtime that runs them,
// so where Bun's or Deno's own node:net behaves differently from Node's, the scenario differs; some
// core tests compare with the runtime's node:net or its error messages too. Those differences of
// the runtimes themselves are listed in scripts/runtime-differences.json, test by test, each with
// what differs (from the test's diff), never hidden: a listed test that fails is reported as a
// known difference, a test that fails and is not listed fails the run, and a listed test that
// passes is reported so that its entry goes. A test whose reason starts with "hangs" (it only waits
// for its timeout there) is skipped on that runtime, and counted as such.
//
//   node scripts/runtimes.mjs <node22|node24|bun|deno>...     (all four when none is named)
//   node scripts/runtimes.mjs --record bun deno    (rewrites their lists from a run, keeping the reasons written)
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const runtimes = join(root, ".ci", "runtimes", "node_modules")
const differencesFile = join(root, "scripts", "runtime-differences.json")
const DIFFERENCES = JSON.parse(readFileSync(differencesFile, "utf8"))
/** A run that takes longer than this has hung: it is killed and fails. */
const LIMIT_MILLIS = 12 * 60_000

/** How each runtime runs vitest's entry point. */
const RUNTIMES = {
  node22: { label: "Node 22", command: ["npx", "-y", "node@22"] },
  node24: { label: "Node 24", command: ["npx", "-y", "node@24"] },
  bun: { label: "Bun", command: [join(runtimes, ".bin", "bun"), "--bun"], needs: join(runtimes, ".bin", "bun") },
  deno: {
    label: "Deno",
    command: [join(runtimes, "@deno", "linux-x64-glibc", "deno"), "run", "-A", "--node-modules-dir=manual"],
    needs: join(runtimes, "@deno", "linux-x64-glibc", "deno")
  }
}

const run = (command, args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"], ...options })
    const timer = setTimeout(() => {
      console.log(`killed after ${LIMIT_MILLIS / 60_000} minutes: the run hangs`)
      child.kill("SIGKILL")
    }, LIMIT_MILLIS)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? signal)
    })
  })

/** What a failure shows: the fields its diff changes, or the first lines that differ, or its message. */
const whatDiffers = (test) => {
  if (/timed out/i.test(test.message ?? "")) return `hangs: ${test.message}`
  const lines = (test.diff ?? "").split("\n")
  const keys = new Set()
  for (const line of lines) {
    const field = line.match(/^\s*[-+]\s+"([^"]+)":/)
    if (field) keys.add(field[1])
  }
  if (keys.size > 0) return `differs in ${[...keys].slice(0, 8).join(", ")}`
  const changed = lines
    .filter((line) => /^(Expected|Received):|^[-+] /.test(line) && !/^(- Expected|\+ Received)$/.test(line))
    .slice(0, 2)
  if (changed.length > 0) return changed.map((line) => line.trim().slice(0, 100)).join(" / ")
  return (test.message ?? "failed").slice(0, 160)
}

const check = async (name) => {
  const runtime = RUNTIMES[name]
  if (runtime === undefined) throw new Error(`unknown runtime ${name}; the runtimes are ${Object.keys(RUNTIMES)}`)
  if (runtime.needs !== undefined && !existsSync(runtime.needs)) {
    throw new Error(`${runtime.label} is not installed: npm ci --prefix .ci/runtimes`)
  }
  const out = join(root, "build", "runtimes")
  mkdirSync(out, { recursive: true })
  const report = join(out, `${name}.json`)
  const [command, ...args] = runtime.command
  const started = performance.now()
  // `<runtime> --version` (Deno's `run` takes no `-e`): the runtime's binary, without the run arguments.
  const version = await new Promise((resolve) => {
    const child = spawn(command, command === "npx" ? [...args, "--version"] : ["--version"], { cwd: root })
    let text = ""
    child.stdout.on("data", (chunk) => (text += chunk))
    child.on("close", () => resolve(text.trim().split("\n")[0]))
  })
  console.log(`== ${runtime.label} (${version}): the core and compat suites`)
  const known = DIFFERENCES[name] ?? {}
  // Tests listed as hanging on this runtime are skipped there (scripts/runtimeSkips.mjs): they would
  // only wait for their timeout.
  const hanging = Object.keys(known).filter((id) => known[id].startsWith("hangs"))
  const code = await run(command, [
    ...args,
    join(root, "node_modules", "vitest", "vitest.mjs"),
    "run",
    "--config",
    join(root, "scripts", "vitest.runtimes.config.mjs"),
    "--reporter=dot",
    `--reporter=${join(root, "scripts", "runtimeReporter.mjs")}`
  ], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", NETFX_RUNTIME_REPORT: report, NETFX_RUNTIME_SKIP: JSON.stringify(hanging) }
  })
  if (!existsSync(report)) throw new Error(`${runtime.label}: vitest wrote no report (exit ${code})`)
  const { tests } = JSON.parse(readFileSync(report, "utf8"))
  const failed = []
  const passedButListed = []
  const differences = new Map()
  const observed = {}
  let passed = 0
  let skipped = 0
  for (const test of tests) {
    if (test.state === "skip" && hanging.includes(test.id)) {
      skipped++
      observed[test.id] = known[test.id]
    } else if (test.state === "pass") {
      passed++
      if (known[test.id] !== undefined) passedButListed.push(test.id)
    } else if (test.state === "fail") {
      observed[test.id] = known[test.id] ?? whatDiffers(test)
      if (known[test.id] !== undefined) differences.set(test.id, known[test.id])
      else failed.push(`${test.id}\n      ${whatDiffers(test)}`)
    }
  }
  if (record) {
    DIFFERENCES[name] = Object.fromEntries(Object.entries(observed).sort(([a], [b]) => a.localeCompare(b)))
    writeFileSync(differencesFile, `${JSON.stringify(DIFFERENCES, null, 2)}\n`)
    console.log(`recorded ${Object.keys(observed).length} differences of ${runtime.label} in ${differencesFile}`)
    return true
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0)
  console.log(
    `${runtime.label}: ${passed} passed, ${differences.size} known differences of the runtime, ${skipped} skipped ` +
      `as hanging there, ${failed.length} unexpected failures (${seconds} s)`
  )
  const byFile = new Map()
  for (const id of differences.keys()) {
    const file = id.slice(0, id.indexOf(": "))
    byFile.set(file, (byFile.get(file) ?? 0) + 1)
  }
  for (const [file, count] of byFile) console.log(`  ${count} known differences in ${file}`)
  if (passedButListed.length > 0) {
    console.log(
      `listed as differences of ${runtime.label} but passing now (remove them from scripts/runtime-differences.json):`
    )
    for (const id of passedButListed) console.log(`  ${id}`)
  }
  if (failed.length > 0) {
    console.log(`unexpected failures on ${runtime.label}:`)
    for (const line of failed) console.log(`  ${line}`)
  }
  return failed.length === 0
}

const record = process.argv.includes("--record")
const named = process.argv.slice(2).filter((arg) => arg !== "--record")
const names = named.length > 0 ? named : Object.keys(RUNTIMES)
let ok = true
for (const name of names) ok = (await check(name)) && ok
process.exit(ok ? 0 : 1)
