/**
 * Step 4 of the demo: bulk throughput over loopback, a `node:net` client against a compat socket
 * and a core `Connection`, all through the same `node:net` echo server in this process, so that
 * only the client differs. The clients and the server are the benchmark suite's own (`netfx
 * bench`); this is a taste of it, not a measurement: a few short rounds.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Client } from "../bench/client.js"
import { load } from "../bench/implementations.js"

const WRITE_SIZE = 64 * 1024

/** The sizes of the comparison. */
export interface Plan {
  /** Bytes each client sends (and gets back) per round. */
  readonly bytes: number
  /** Measured rounds per client, after one warm-up round each. */
  readonly rounds: number
}

/** MiB/s each way, per client: the median of the rounds. */
export interface Result {
  readonly plan: Plan
  readonly node: number
  readonly compat: number
  readonly core: number
}

const median = (values: ReadonlyArray<number>) => values.slice().sort((a, b) => a - b)[values.length >> 1]!

/**
 * Runs the rounds, each starting with another client so that none always runs on a warmer or a
 * colder machine, and gives each client's median rate.
 */
export const run = (plan: Plan): Effect.Effect<Result, unknown> =>
  Effect.tryPromise({
    try: async () => {
      const [node, compat, core] = await Promise.all([load("node:net"), load("@netfx/compat"), load("@netfx/core")])
      const server = await node.listen()
      try {
        const clients: ReadonlyArray<Client> = [node, compat, core]
        const round = (client: Client) => client.bulk(server.port, plan.bytes, WRITE_SIZE)
        // Warm-up: the first rounds pay for JIT compilation, more for Effect's runtime than for Node's.
        for (const client of clients) await round(client)
        const millis: Array<Array<number>> = clients.map(() => [])
        for (let r = 0; r < plan.rounds; r++) {
          for (let i = 0; i < clients.length; i++) {
            const index = (r + i) % clients.length
            millis[index]!.push(await round(clients[index]!))
          }
        }
        const rate = (index: number) => plan.bytes / 1024 / 1024 / (median(millis[index]!) / 1000)
        return { plan, node: rate(0), compat: rate(1), core: rate(2) }
      } finally {
        await server.close()
      }
    },
    catch: (error) => error
  })
