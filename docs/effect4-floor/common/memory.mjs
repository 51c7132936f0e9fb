// Heap per suspended program. Usage: node --expose-gc memory.mjs <mode> [N=10000]
// modes: fiber | stream | echo | scoped
import { callback, Effect, Fiber, repeatRead, Sink, Stream, VERSION } from "./adapter.mjs"
const mode = process.argv[2], N = Number(process.argv[3] ?? 1e4)
let registered = 0, target = 0, onAll = null
// a never-resuming async: register only counts (so we can wait for every instance to be suspended)
const never = () =>
  callback(() => {
    if (++registered === target) onAll()
  })
const programs = {
  fiber: () => never(),
  stream: () => Stream.run(Stream.fromEffect(never()), Sink.drain),
  // echo-like: repeat a "read" (never resumes) into a sink that would "write"
  echo: () => {
    const sock = { written: 0 }
    return Stream.run(
      repeatRead(never()),
      Sink.forEach((chunk) =>
        Effect.sync(() => {
          sock.written += chunk.length
        })
      )
    )
  },
  scoped: () =>
    Effect.scoped(
      Effect.acquireRelease(Effect.sync(() => ({ fd: 1 })), (r) =>
        Effect.sync(() => {
          r.fd = -1
        })).pipe(Effect.andThen(never()))
    )
}
const gc = () => {
  for (let i = 0; i < 4; i++) global.gc()
  return process.memoryUsage().heapUsed
}
const spawn = async (n) => {
  registered = 0
  target = n
  const all = new Promise((r) => {
    onAll = r
  })
  const fibers = new Array(n)
  for (let i = 0; i < n; i++) fibers[i] = Effect.runFork(programs[mode]())
  await all // every instance is now parked in its async register
  return fibers
}
const kill = (fibers) => Effect.runPromise(Fiber.interruptAll(fibers))
// warm-up: allocate lazily created module state, JIT
await kill(await spawn(1000))
const h0 = gc()
let fibers = await spawn(N)
const h1 = gc()
await kill(fibers)
const exited = fibers.every((f) => f.pollUnsafe ? f.pollUnsafe() !== undefined : true)
fibers = null
const h2 = gc()
await new Promise((r) => setImmediate(r)) // let the scheduler drain one macrotask turn, then re-check
const h3 = gc()
console.log(
  JSON.stringify({
    v: VERSION,
    mode,
    N,
    bytesEach: Math.round((h1 - h0) / N),
    residualEach: +((h2 - h0) / N).toFixed(1),
    residualAfterTurn: +((h3 - h0) / N).toFixed(1),
    allExited: exited,
    h0,
    h1,
    h2,
    h3
  })
)
