// CPU per fiber life: Effect.runFork of a fiber that waits on one Effect.async/callback, is resumed, ends.
// Usage: node fiberlife.mjs [rounds=3] [total=100000] [batch=1000]
// Variants: "immediate" = register does setImmediate(() => resume(Effect.void))
//           "emitter"   = register does emitter.once("data", () => resume(Effect.void)) on a per-fiber
//                          EventEmitter (socket-like); the driver emits "data" on all of them from one setImmediate
//           "baseline-*" = the same callbacks with no Effect (harness cost)
import { EventEmitter } from "node:events"
import { callback, Effect, VERSION } from "./adapter.mjs"
import { runBatches } from "./batches.mjs"
const rounds = Number(process.argv[2] ?? 3),
  total = Number(process.argv[3] ?? 1e5),
  batch = Number(process.argv[4] ?? 1000)
const waitImmediate = callback((resume) => {
  setImmediate(() => resume(Effect.void))
})
let emitters = []
const waitEmitter = callback((resume) => {
  const e = new EventEmitter()
  emitters.push(e)
  e.once("data", () => resume(Effect.void))
})
const variants = {
  immediate: (m, onEnd) => {
    for (let i = 0; i < m; i++) Effect.runFork(waitImmediate).addObserver(onEnd)
  },
  emitter: (m, onEnd) => {
    for (let i = 0; i < m; i++) Effect.runFork(waitEmitter).addObserver(onEnd)
    const es = emitters
    emitters = []
    setImmediate(() => {
      for (const e of es) e.emit("data")
    })
  },
  "baseline-immediate": (m, onEnd) => {
    for (let i = 0; i < m; i++) setImmediate(onEnd)
  },
  "baseline-emitter": (m, onEnd) => {
    const es = []
    for (let i = 0; i < m; i++) {
      const e = new EventEmitter()
      es.push(e)
      e.once("data", onEnd)
    }
    setImmediate(() => {
      for (const e of es) e.emit("data")
    })
  }
}
const measure = async (name) => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await runBatches(total, batch, variants[name])
  const cpu = process.cpuUsage(cpu0)
  return {
    us: +((cpu.user + cpu.system) / total).toFixed(3),
    wallUs: +((performance.now() - t0) * 1e3 / total).toFixed(3)
  }
}
for (const name of Object.keys(variants)) await measure(name) // warm-up
for (let r = 0; r < rounds; r++) {
  const out = { v: VERSION, r }
  for (const name of Object.keys(variants)) out[name] = await measure(name)
  console.log(JSON.stringify(out))
}
