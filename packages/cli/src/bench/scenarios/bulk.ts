/**
 * bulk (client side): 256 MiB each way in 64 KiB writes against the node:net echo server.
 */
import type { ClientRound } from "../protocol.js"
import { MiB } from "../sizes.js"
import { clientPlan, type Context } from "./context.js"

export const bulk = (context: Context) => {
  const { bulkBytes, writeSize } = context.sizes
  const GiB = 1024 * MiB
  return clientPlan<ClientRound>(context, {
    scenario: "bulk",
    title: `bulk echo, ${bulkBytes / MiB} MiB each way in ${writeSize / 1024} KiB writes`,
    round: (client, port, impl) => client.request({ op: "bulk", impl, port, bytes: bulkBytes, writeSize }),
    metrics: [
      { value: (r) => bulkBytes / MiB / (r.millis / 1000), unit: "MiB/s each way", better: "higher", target: 0.9 },
      { value: (r) => r.cpu / 1000 / (bulkBytes / GiB), unit: "client CPU ms/GiB", better: "lower" }
    ]
  })
}
