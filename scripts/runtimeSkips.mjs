// Skips, on the runtime that scripts/runtimes.mjs runs, the tests that scripts/runtime-differences.json
// lists under "hangs" for it: they would only wait for their timeout. Skipped tests are reported as
// skipped, with the list's reason, by scripts/runtimes.mjs.
import { beforeEach } from "vitest"

const skip = new Set(JSON.parse(process.env.NETFX_RUNTIME_SKIP ?? "[]"))

beforeEach((context) => {
  if (skip.size === 0) return
  const names = []
  for (let task = context.task; task !== undefined; task = task.suite) if (task.name) names.unshift(task.name)
  const file = context.task.file?.filepath ?? ""
  const id = `${file.slice(file.indexOf("/packages/") + "/packages/".length)}: ${names.join(" ")}`
  if (skip.has(id)) context.skip()
})
