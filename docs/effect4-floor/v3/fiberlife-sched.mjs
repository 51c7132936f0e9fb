// v3 only: fiber life when the resume runs the fiber at once (a scheduler that runs every task immediately,
// like netfx's ioScheduler for I/O wake-ups), to separate the scheduler hop from the rest of v3's per-fiber cost.
// Run from v3/ after run.sh has copied common/ there. Usage: node fiberlife-sched.mjs [rounds=3] [total=100000] [batch=1000]
import { Effect, Runtime } from "effect"
import { runBatches } from "./batches.mjs"
const rounds = Number(process.argv[2] ?? 3),
  total = Number(process.argv[3] ?? 1e5),
  batch = Number(process.argv[4] ?? 1000)
const now = { scheduleTask: (task) => task(), shouldYield: () => false }
const wait = Effect.async((resume) => {
  setImmediate(() => resume(Effect.void))
})
const variants = {
  "default": () => Effect.runFork(wait),
  "runFork+scheduler:now": () => Runtime.runFork(Runtime.defaultRuntime, wait, { scheduler: now }),
  "runFork+scheduler:now+immediate": () =>
    Runtime.runFork(Runtime.defaultRuntime, wait, { scheduler: now, immediate: true })
}
const measure = async (k) => {
  const c0 = process.cpuUsage()
  await runBatches(total, batch, (m, onEnd) => {
    for (let i = 0; i < m; i++) variants[k]().addObserver(onEnd)
  })
  const c = process.cpuUsage(c0)
  return +((c.user + c.system) / total).toFixed(3)
}
for (const k in variants) await measure(k)
for (let r = 0; r < rounds; r++) {
  const o = { v: "3.22.4", r }
  for (const k in variants) o[k] = await measure(k)
  console.log(JSON.stringify(o))
}
