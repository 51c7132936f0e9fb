/**
 * round-trips (client side): 64 B requests and their echoes, one at a time, no-delay.
 */
import type { ClientRound } from "../protocol.js"
import { count } from "../sizes.js"
import { clientPlan, type Context } from "./context.js"

export const roundTrips = (context: Context) => {
  const { messageSize, roundTrips: total } = context.sizes
  return clientPlan<ClientRound>(context, {
    scenario: "round-trips",
    title: `${count(total)} round trips of ${messageSize} B, no-delay`,
    round: (client, port, impl) => client.request({ op: "roundTrips", impl, port, count: total, size: messageSize }),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "round trips/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "client CPU µs/round trip", better: "lower" }
    ]
  })
}
