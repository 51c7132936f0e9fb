// v4: after interrupting 10k suspended fibers, how many macrotask turns until the heap returns? (diagnostic)
// Usage: node --expose-gc retain-check.mjs
import { callback, Effect, Fiber } from "./adapter.mjs"
const gc = () => {
  for (let i = 0; i < 4; i++) global.gc()
  return process.memoryUsage().heapUsed
}
let reg = 0, target = 0, onAll
const spawn = async (n) => {
  reg = 0
  target = n
  const all = new Promise((r) => {
    onAll = r
  })
  const f = []
  for (let i = 0; i < n; i++) {
    f.push(Effect.runFork(callback(() => {
      if (++reg === target) onAll()
    })))
  }
  await all
  return f
}
await Effect.runPromise(Fiber.interruptAll(await spawn(1000)))
const h0 = gc()
let f = await spawn(1e4)
await Effect.runPromise(Fiber.interruptAll(f))
f = null
const per = []
for (let t = 0; t < 6; t++) {
  per.push(Math.round((gc() - h0) / 1e4))
  await new Promise((r) => setImmediate(r))
}
console.log("residual B/fiber after 0..5 turns:", per.join(" "))
