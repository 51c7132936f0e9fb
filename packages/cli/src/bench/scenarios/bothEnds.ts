/**
 * both ends in one process: an implementation's client against its own echo server, in one worker
 * (a proxy, or a test suite, runs both ends of its connections). Rows: bulk MiB/s, round trips/s,
 * connections/s with the CPU time of the whole process per connection, and heap and RSS per idle
 * connection pair (both sockets of it in the process).
 */
import { type Measured, runPlan } from "../plan.js"
import { type ClientRound, type Implementation, implementations, type Memory } from "../protocol.js"
import { count, MiB } from "../sizes.js"
import type { Context } from "./context.js"

const pairKey = (impl: Implementation) => `${impl} both ends`

interface PairRound {
  readonly bulk: ClientRound
  readonly roundTrips: ClientRound
  readonly connections: ClientRound
  readonly heap: number
  readonly rss: number
}

export const bothEnds = async (context: Context): Promise<Array<Measured>> => {
  const { bulkBytes, connections: total, idle, inFlight, messageSize, roundTrips, writeSize } = context.sizes
  // A quarter of the bulk and idle sizes: both ends share one process and one core's worth of work.
  const bytes = Math.max(writeSize, Math.floor(bulkBytes / 4 / writeSize) * writeSize)
  const pairs = Math.max(100, Math.floor(idle / 2))
  return runPlan<PairRound>({
    scenario: "both-ends",
    title: `both ends in one process: ${bytes / MiB} MiB bulk, ${count(roundTrips)} round trips, ${
      count(total)
    } connections, ${count(pairs)} idle pairs on ${count(pairs)} more`,
    side: "in process",
    implementations,
    rounds: context.sizes.memoryRounds,
    warmUps: 0,
    round: async (impl) => {
      const key = pairKey(impl)
      try {
        const { port, worker } = await context.workers.server(key, impl)
        // Warm-up: what the first connections leave for good (compiled code, grown tables).
        await worker.request({
          op: "connections",
          impl,
          port,
          count: Math.min(total, 1000),
          inFlight,
          size: messageSize
        })
        await worker.request({ op: "openIdleWith", impl, port, count: pairs, inFlight })
        await worker.request({ op: "closeIdleWith" })
        await worker.request({ op: "settle" })
        // Memory before the bulk, and at the margin: the pairs that the warm-up freed are reused
        // by the next as many (RSS then reads 0 or below, as it did after 64 MiB of bulk), so the
        // cost per pair is what a second set of as many pairs adds to the first.
        await worker.request({ op: "openIdleWith", impl, port, count: pairs, inFlight })
        const before = await worker.request<Memory>({ op: "memory" })
        await worker.request({ op: "openIdleWith", impl, port, count: pairs, inFlight })
        const held = await worker.request<Memory>({ op: "memory" })
        await worker.request({ op: "closeIdleWith" })
        await worker.request({ op: "settle" })
        const bulk = await worker.request<ClientRound>({ op: "bulk", impl, port, bytes, writeSize })
        const trips = await worker.request<ClientRound>({
          op: "roundTrips",
          impl,
          port,
          count: roundTrips,
          size: messageSize
        })
        const connections = await worker.request<ClientRound>({
          op: "connections",
          impl,
          port,
          count: total,
          inFlight,
          size: messageSize
        })
        return {
          bulk,
          roundTrips: trips,
          connections,
          heap: (held.heapUsed - before.heapUsed) / pairs,
          rss: (held.rss - before.rss) / pairs
        }
      } finally {
        await context.workers.close(key)
      }
    },
    onFailure: (impl) => context.workers.kill(pairKey(impl)),
    metrics: [
      {
        value: (r) => bytes / MiB / (r.bulk.millis / 1000),
        unit: "bulk MiB/s each way",
        better: "higher",
        target: 0.85
      },
      {
        value: (r) => roundTrips / (r.roundTrips.millis / 1000),
        unit: "round trips/s",
        better: "higher",
        target: 0.85
      },
      {
        value: (r) => total / (r.connections.millis / 1000),
        unit: "connections/s",
        better: "higher",
        target: 0.85
      },
      { value: (r) => r.connections.cpu / total, unit: "CPU µs/conn (both ends)", better: "lower" },
      { value: (r) => r.heap, unit: "heap B/idle pair", better: "lower", target: 1.5 },
      {
        value: (r) => r.rss,
        unit: "RSS B/idle pair",
        better: "lower",
        target: 1.5,
        notMeasured: context.sizes.quick ? "not measured in a quick run: too few connections for RSS" : undefined
      }
    ]
  }, context.onProgress)
}
