/**
 * What every scenario gets (the sizes, the workers, where progress goes), the names of the shared
 * workers, and `clientPlan`: a scenario whose implementation is the client.
 */
import type { Worker } from "../children.js"
import type { BenchOptions } from "../model.js"
import { type Measured, type Plan, runPlan } from "../plan.js"
import { type Implementation, implementations } from "../protocol.js"
import type { Sizes } from "../sizes.js"
import type { Workers } from "../workerPool.js"

export interface Context {
  readonly sizes: Sizes
  readonly workers: Workers
  readonly onProgress: BenchOptions["onProgress"]
}

/** The node:net echo server that every client scenario talks to. */
export const ECHO = "node:net echo server"

export const clientKey = (impl: Implementation) => `${impl} client`

/** The node:net clients that drive the server scenarios. */
export const LOAD = "node:net load generator"
export const serverKey = (impl: Implementation) => `${impl} server`

/** A client-side plan: the implementation's client worker against the shared node:net echo server. */
export const clientPlan = <M>(
  context: Context,
  plan: Omit<Plan<M>, "side" | "implementations" | "rounds" | "warmUps" | "round" | "onFailure" | "setup"> & {
    readonly round: (client: Worker, port: number, impl: Implementation) => Promise<M>
    readonly warmUps?: number | undefined
  }
): Promise<Array<Measured>> =>
  runPlan({
    ...plan,
    side: "client",
    implementations,
    rounds: context.sizes.rounds,
    warmUps: plan.warmUps ?? context.sizes.warmUps,
    setup: async (impl) => {
      await context.workers.server(ECHO, "node:net")
      await context.workers.get(clientKey(impl))
    },
    round: async (impl) => {
      const { port } = await context.workers.server(ECHO, "node:net")
      return plan.round(await context.workers.get(clientKey(impl)), port, impl)
    },
    // A client that failed may have left sockets open on the shared server: its worker goes.
    onFailure: (impl) => context.workers.kill(clientKey(impl))
  }, context.onProgress)
