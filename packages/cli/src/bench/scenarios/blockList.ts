/**
 * blocklist (in one worker): `check` throughput on 10,000 rules.
 */
import { runPlan } from "../plan.js"
import { type BlockListImplementation, implementations } from "../protocol.js"
import { count } from "../sizes.js"
import type { Context } from "./context.js"

export const blockList = (context: Context) => {
  const { blockListMillis, blockListRules } = context.sizes
  const key = "blocklist"
  return runPlan<number>({
    scenario: "blocklist",
    title: `BlockList check, ${count(blockListRules)} rules`,
    side: "in process",
    implementations,
    rounds: context.sizes.blockListRounds,
    warmUps: 1,
    unsupported: { NodeSocket: "@effect/platform-node has no BlockList" },
    round: async (impl) =>
      (await context.workers.get(key)).request<number>({
        op: "blockList",
        impl: impl as BlockListImplementation,
        rules: blockListRules,
        millis: blockListMillis
      }),
    metrics: [{ value: (rate) => rate, unit: "checks/s", better: "higher" }]
  }, context.onProgress)
}
