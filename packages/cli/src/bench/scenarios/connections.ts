/**
 * connections (both sides): connect, 64 B echoed, close; client rows against the node:net echo
 * server, server rows under node:net clients.
 */
import { runPlan } from "../plan.js"
import { type ClientRound, implementations, type Stats } from "../protocol.js"
import { count, type Sizes } from "../sizes.js"
import { clientPlan, type Context, LOAD, serverKey } from "./context.js"

const connectionsTitle = (sizes: Sizes) =>
  `connections: connect, ${sizes.messageSize} B echoed, close; ${
    count(sizes.connections)
  } a round, ${sizes.inFlight} in flight`

const connectionsClient = (context: Context) => {
  const { connections: total, inFlight, messageSize } = context.sizes
  return clientPlan<ClientRound>(context, {
    scenario: "connections",
    title: connectionsTitle(context.sizes),
    warmUps: context.sizes.connectionWarmUps,
    round: (client, port, impl) =>
      client.request({ op: "connections", impl, port, count: total, inFlight, size: messageSize }),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "connections/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "client CPU µs/conn", better: "lower" }
    ]
  })
}

interface ServerRound {
  readonly millis: number
  readonly cpu: number
}

const connectionsServer = async (context: Context) => {
  const { connections: total, inFlight, messageSize } = context.sizes
  const rows = await runPlan<ServerRound>({
    scenario: "connections",
    title: connectionsTitle(context.sizes),
    side: "server",
    implementations,
    rounds: context.sizes.rounds,
    warmUps: context.sizes.connectionWarmUps,
    setup: async (impl) => {
      await context.workers.get(LOAD)
      await context.workers.server(serverKey(impl), impl)
    },
    round: async (impl) => {
      const load = await context.workers.get(LOAD)
      const { port, worker: server } = await context.workers.server(serverKey(impl), impl)
      const before = await server.request<Stats>({ op: "stats" })
      const { millis } = await load.request<ClientRound>({
        op: "connections",
        impl: "node:net",
        port,
        count: total,
        inFlight,
        size: messageSize
      })
      const after = await server.request<Stats>({ op: "settle" })
      if (after.open !== 0) throw new Error(`the server still has ${after.open} connections open`)
      if (after.errors !== before.errors) throw new Error(`the server reported ${after.errors - before.errors} errors`)
      return { millis, cpu: after.cpu - before.cpu }
    },
    onFailure: (impl) => context.workers.kill(serverKey(impl)),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "connections/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "server CPU µs/conn", better: "lower" }
    ]
  }, context.onProgress)
  for (const impl of implementations) await context.workers.close(serverKey(impl))
  return rows
}

/** The client rows, then the server rows. */
export const connections = async (context: Context) => [
  ...await connectionsClient(context),
  ...await connectionsServer(context)
]
