/**
 * The scenarios, by name, in the order they run. Each is a module of its own; a new scenario is a
 * module here and a name in `scenarioNames`.
 */
import { type Measured, runPlan } from "../plan.js"
import * as tlsRows from "../tls.js"
import { blockList } from "./blockList.js"
import { bothEnds } from "./bothEnds.js"
import { bulk } from "./bulk.js"
import { connections } from "./connections.js"
import type { Context } from "./context.js"
import { dual } from "./dual.js"
import { memory } from "./memory.js"
import { roundTrips } from "./roundTrips.js"

export type { Context } from "./context.js"

/**
 * The scenarios, in the order they run.
 *
 * @since 0.1.0
 */
export const scenarioNames: ReadonlyArray<string> = [
  "bulk",
  "round-trips",
  "connections",
  "connections-dual",
  "memory",
  "both-ends",
  "blocklist",
  "tls"
]

/** How each scenario runs, by name. */
export const scenarios: Record<string, (context: Context) => Promise<Array<Measured>>> = {
  bulk,
  "round-trips": roundTrips,
  connections,
  "connections-dual": dual,
  memory,
  "both-ends": bothEnds,
  blocklist: blockList,
  // The TLS rows (tls.ts), run by the suite's runner.
  tls: (context) => tlsRows.scenario(context, (plan) => runPlan(plan, context.onProgress))
}
