/**
 * Runs scenarios as vitest tests: each scenario once with node:net (or its hand-written record where this
 * Node lacks the feature) and once with the module under test, and the records must be equal.
 *
 * The module under test is `@netfx/compat`; `NETFX_SUBJECT=node:net` makes it node:net itself, which proves
 * the scenarios deterministic (two runs of the same module must agree) before compat exists.
 */
import { describe, expect, it } from "@effect/vitest"
import * as compat from "@netfx/compat"
import * as net from "node:net"
import type { NetModule, Scenario } from "./harness.js"
import { expectedRecord, runScenario } from "./harness.js"

/** node:net, the reference. */
export const node: NetModule = net

/** Whether the module under test is node:net itself (a determinism check of the scenarios). */
export const subjectIsNode = process.env.NETFX_SUBJECT === "node:net"

/** The module under test. */
export const subject: NetModule = subjectIsNode ? net : compat as unknown as NetModule

/** One test per scenario: the subject's record equals Node's (or the expected one). */
export const describeScenarios = (title: string, scenarios: ReadonlyArray<Scenario>) =>
  describe(title, () => {
    for (const scenario of scenarios) {
      const nodeLacks = scenario.nodeHas !== undefined && !scenario.nodeHas(node)
      const test = subjectIsNode && nodeLacks ? it.skip : it
      test(scenario.name, async () => {
        const expected = await expectedRecord(scenario, node)
        // Where this Node has the feature, the hand-written record must be what it does.
        if (!nodeLacks && scenario.expected !== undefined && scenario.expectedOnlyWhereNodeLacks !== true) {
          expect(expected).toEqual(scenario.expected)
        }
        const actual = await runScenario(scenario, subject)
        expect(actual).toEqual(expected)
      })
    }
  })
