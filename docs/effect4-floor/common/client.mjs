// Client CPU per connection: (a) plain node:net, (b) idiomatic scoped Effect around raw node:net.
// Usage: node client.mjs [rounds=3] [n=10000]   (run from v3/ or v4/ copy; adapter.mjs picks the effect version)
import { fork } from "node:child_process"
import * as net from "node:net"
import { callback, Effect, VERSION } from "./adapter.mjs"
const rounds = Number(process.argv[2] ?? 3), n = Number(process.argv[3] ?? 1e4)
const child = fork(new URL("./server.mjs", import.meta.url).pathname)
const port = await new Promise((r) => child.once("message", r))
const host = "127.0.0.1"
const message = Buffer.alloc(64, 99)
const nodeRound = (count) =>
  new Promise((resolve) => {
    let started = 0, done = 0
    const one = () => {
      started++
      const s = net.connect({ port, host }, () => {
        s.setNoDelay(true)
        s.write(message)
      })
      let got = 0
      s.on("data", (d) => {
        got += d.length
        if (got >= 64) s.end()
      })
      s.on("close", () => {
        done++
        if (started < count) one()
        else if (done === count) resolve()
      })
    }
    for (let i = 0; i < 50; i++) one()
  })
// identical to clientbench.mjs rawExchange, with Effect.async spelled via the adapter
const rawExchange = Effect.gen(function*() {
  const s = yield* Effect.acquireRelease(
    callback((resume) => {
      const s2 = net.connect({ port, host }, () => resume(Effect.succeed(s2)))
    }),
    (s2) => Effect.sync(() => s2.destroy())
  )
  s.setNoDelay(true)
  s.write(message)
  yield* callback((resume) => {
    let got = 0
    s.on("data", (d) => {
      got += d.length
      if (got >= 64) {
        s.removeAllListeners("data")
        resume(Effect.void)
      }
    })
  })
  s.end()
  yield* callback((resume) => {
    s.resume()
    s.once("end", () => resume(Effect.void))
  })
}).pipe(Effect.scoped)
const floorRound = (count) =>
  Effect.forEach(Array.from({ length: count }), () => rawExchange, { concurrency: 50, discard: true }).pipe(
    Effect.runPromise
  )
const measure = async (round) => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await round(n)
  const cpu = process.cpuUsage(cpu0)
  const ms = performance.now() - t0
  return { cpuPerConn: (cpu.user + cpu.system) / n, connPerSec: n / ms * 1e3 }
}
await nodeRound(2e3)
await floorRound(2e3) // warm-up
for (let r = 0; r < rounds; r++) {
  const a = await measure(nodeRound), b = await measure(floorRound)
  console.log(JSON.stringify({ v: VERSION, r, node: a, effect: b, ratio: b.cpuPerConn / a.cpuPerConn }))
}
child.kill()
