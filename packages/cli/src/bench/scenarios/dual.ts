/**
 * connections to a dual-stack name (client side): as `connections`, but to a name with two
 * addresses, `::1` and `127.0.0.1`, answered by a lookup function; the node:net echo server listens
 * on `::`, so the first address answers at once. Every dual-stack name is like this: the cost is the
 * lookup and the race that starts, and stops, at once.
 */
import { runPlan } from "../plan.js"
import { type ClientRound, implementations } from "../protocol.js"
import { count } from "../sizes.js"
import { clientKey, type Context } from "./context.js"

/** The node:net echo server on `::`, for the dual-stack rows. */
export const DUAL_ECHO = "node:net dual-stack echo server"

export const dual = (context: Context) => {
  const { connections: total, inFlight, messageSize } = context.sizes
  return runPlan<ClientRound>({
    scenario: "connections-dual",
    title: `connections to a name with two addresses (::1 first, answering at once; 127.0.0.1), ${
      count(total)
    } a round, ${inFlight} in flight`,
    side: "client",
    implementations,
    rounds: context.sizes.rounds,
    warmUps: context.sizes.connectionWarmUps,
    setup: async (impl) => {
      await context.workers.server(DUAL_ECHO, "node:net", "::")
      await context.workers.get(clientKey(impl))
    },
    round: async (impl) => {
      const { port } = await context.workers.server(DUAL_ECHO, "node:net", "::")
      const client = await context.workers.get(clientKey(impl))
      return client.request<ClientRound>({
        op: "connections",
        impl,
        port,
        count: total,
        inFlight,
        size: messageSize,
        dual: true
      })
    },
    onFailure: (impl) => context.workers.kill(clientKey(impl)),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "connections/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "client CPU µs/conn", better: "lower" }
    ]
  }, context.onProgress)
}
