/**
 * `Socket`, `connect` and `createConnection` of `@netfx/compat` against node:net: every scenario's record
 * (events in order with their arguments, properties, thrown errors, bytes) must be the same.
 */
import { assert, describe, it } from "@effect/vitest"
import * as net from "node:net"
import { connectScenarios } from "./scenarios/connect.js"
import { describeScenarios, node } from "./scenarios/differential.js"
import type { NetModule } from "./scenarios/harness.js"
import { Normaliser, runScenario } from "./scenarios/harness.js"
import { ioScenarios } from "./scenarios/io.js"

describeScenarios("Socket: connecting", connectScenarios)
describeScenarios("Socket: a connection's life", ioScenarios)

describe("the harness", () => {
  it("normalises ports, paths, buffers and errors to plain data", () => {
    const normaliser = new Normaliser()
    normaliser.namePort(4321, "echo")
    normaliser.namePath("/tmp/netfx-sc-abc", "<tmp>")
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4321"), {
      code: "ECONNREFUSED",
      port: 4321,
      address: "127.0.0.1"
    })
    assert.deepStrictEqual(
      normaliser.value({
        localPort: 5555,
        remotePort: 4321,
        again: { port: 5555 },
        path: "/tmp/netfx-sc-abc/x.sock",
        text: Buffer.from("hi"),
        bytes: Buffer.from([0xff]),
        error
      }),
      {
        localPort: "<ephemeral:1>",
        remotePort: "<port:echo>",
        again: { port: "<ephemeral:1>" },
        path: "<tmp>/x.sock",
        text: { utf8: "hi" },
        bytes: { hex: "ff" },
        error: {
          kind: "Error",
          name: "Error",
          message: "connect ECONNREFUSED 127.0.0.1:<port:echo>",
          keys: ["address", "code", "port"],
          code: "ECONNREFUSED",
          address: "127.0.0.1",
          port: "<port:echo>"
        }
      }
    )
  })

  it("sees a module that behaves differently", async () => {
    const scenario = connectScenarios.find((s) => s.name.startsWith("ECONNREFUSED on 127.0.0.1"))!
    const expected = await runScenario(scenario, node)
    assert.deepStrictEqual(await runScenario(scenario, node), expected)
    // node:net, except that connect fails its own way.
    const wrongConnect = {
      ...net,
      connect: (...args: Array<unknown>) =>
        (net.connect as (...args: Array<unknown>) => net.Socket)(...args).destroy(new Error("not Node"))
    } as unknown as NetModule
    assert.notDeepEqual(await runScenario(scenario, wrongConnect), expected)
  })
})
