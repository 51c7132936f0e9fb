/**
 * memory (server side): heap and RSS per idle echo connection, each round in a fresh worker.
 */
import { median, runPlan } from "../plan.js"
import { coreStreamEcho, type Implementation, implementations, type Memory, type Stats } from "../protocol.js"
import { count } from "../sizes.js"
import { type Context, LOAD } from "./context.js"

const memoryKey = (impl: Implementation) => `${impl} memory server`

/** Every implementation, and the core's server with a `Stream.run` echo, the form its docs show first. */
const measured: ReadonlyArray<Implementation> = [...implementations, coreStreamEcho]

interface MemoryRound {
  readonly rss: number
  readonly heapUsed: number
  readonly heapLeft: number
  readonly gc: boolean
}

export const memory = async (context: Context) => {
  const { idle, inFlight } = context.sizes
  const leftAfterClose = new Map<Implementation, Array<number>>()
  let gc = true
  const rows = await runPlan<MemoryRound>({
    scenario: "memory",
    title: `idle echo connections, ${count(idle)} open`,
    side: "server",
    implementations: measured,
    rounds: context.sizes.memoryRounds,
    // Each round has a warm-up of its own, in the fresh worker it measures.
    warmUps: 0,
    setup: () => context.workers.get(LOAD).then(() => undefined),
    // The round's fresh servers start together, before any is measured.
    beforeRound: (impl) => context.workers.server(memoryKey(impl), impl).then(() => undefined),
    round: async (impl) => {
      const load = await context.workers.get(LOAD)
      const key = memoryKey(impl)
      try {
        const { port, worker: server } = await context.workers.server(key, impl)
        // A warm-up of as many connections, opened and closed: what the first ones leave for good
        // (code compiled and optimised, tables grown) would otherwise count per connection.
        await load.request({ op: "openIdle", port, count: idle, inFlight })
        await load.request({ op: "closeIdle" })
        await server.request({ op: "settle" })
        const before = await server.request<Memory>({ op: "memory" })
        await load.request({ op: "openIdle", port, count: idle, inFlight })
        const during = await server.request<Stats>({ op: "stats" })
        if (during.open !== idle) throw new Error(`the server has ${during.open} connections open, not ${idle}`)
        const held = await server.request<Memory>({ op: "memory" })
        await load.request({ op: "closeIdle" })
        const settled = await server.request<Stats>({ op: "settle" })
        if (settled.open !== 0) throw new Error(`the server still has ${settled.open} connections open`)
        if (settled.errors !== 0) throw new Error(`the server reported ${settled.errors} errors`)
        const after = await server.request<Memory>({ op: "memory" })
        gc &&= held.gc
        const heapLeft = (after.heapUsed - before.heapUsed) / idle
        leftAfterClose.set(impl, [...(leftAfterClose.get(impl) ?? []), heapLeft])
        return {
          rss: (held.rss - before.rss) / idle,
          heapUsed: (held.heapUsed - before.heapUsed) / idle,
          heapLeft,
          gc: held.gc
        }
      } finally {
        await load.request({ op: "closeIdle" }).catch(() => context.workers.kill(LOAD))
        await context.workers.close(key)
      }
    },
    metrics: [
      // A stream echo: within 2x node:net's memory (the per-connection fiber of Effect's Stream.run
      // and its channel executors included).
      { value: (r) => r.heapUsed, unit: "heap B/conn", better: "lower", target: 1.5, targets: { [coreStreamEcho]: 2 } },
      {
        value: (r) => r.rss,
        unit: "RSS B/conn",
        better: "lower",
        target: 1.5,
        targets: { [coreStreamEcho]: 2 },
        // RSS counts only pages touched anew: a few hundred connections are within its noise.
        notMeasured: context.sizes.quick ? "not measured in a quick run: too few connections for RSS" : undefined
      }
    ]
  }, context.onProgress)
  const left = measured
    .filter((impl) => leftAfterClose.has(impl))
    .map((impl) => `${impl} ${Math.round(median(leftAfterClose.get(impl)!))} B`)
  if (left.length > 0) {
    context.workers.notes.push(
      `memory leak check, heap left per connection once all ${count(idle)} have closed (near zero): ${left.join(", ")}`
    )
  }
  if (!gc) context.workers.notes.push("memory was measured without collecting garbage (no --expose-gc)")
  return rows
}
