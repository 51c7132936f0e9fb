import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as happyEyeballs from "../src/demo/happyEyeballs.js"
import { run } from "./fixtures.js"

describe("netfx demo", () => {
  it("runs to completion with exit code 0 and prints its four sections", async () => {
    const result = await run(["demo"])
    assert.strictEqual(result.code, 0, result.stderr)
    assert.strictEqual(result.stderr, "")
    const out = result.stdout.toString()
    // Plain text when stdout is not a terminal.
    assert.notInclude(out, "\x1b[")
    const sections = [
      /^1 {2}An echo server on the core$/m,
      /^ {3}listening on 127\.0\.0\.1:\d+$/m,
      /^2 {2}One server, two clients$/m,
      /@netfx\/core +Connection\.connect +"hello from @netfx\/core" +echoed in/,
      /@netfx\/compat +net\.createConnection +"hello from @netfx\/compat" +echoed in .* connect → data → end → close$/m,
      /the server accepted 2 connections/,
      /^3 {2}Happy Eyeballs \(RFC 8305\) on a simulated network$/m,
      /connected at 550 ms rather than 900 ms/,
      /^4 {2}Throughput: 64\.0 MiB each way through a node:net echo server$/m,
      /^ {3}node:net +[\d,]+ +█+[▏▎▍▌▋▊▉]? +1\.00x$/m,
      /^ {3}@netfx\/core +[\d,]+ +[█▏▎▍▌▋▊▉]+ +\d+\.\d\dx$/m,
      /^done in [\d.]+ s$/m
    ]
    let from = 0
    for (const section of sections) {
      const match = section.exec(out.slice(from))
      assert.isNotNull(match, `${section} after position ${from} in:\n${out}`)
      from += match!.index + match![0].length
    }
  }, 120_000)
})

describe("the Happy Eyeballs step", () => {
  const timeline = (race: happyEyeballs.Race) =>
    race.timeline.map(({ at, event }) =>
      `${at} ${event._tag}${
        event._tag === "Lookup"
          ? ""
          : ` ${event.address}${event._tag === "AttemptTimeout" && event.aborted ? " aborted" : ""}`
      }`
    )

  it.effect("staggered (RFC 8305): the slow IPv4 attempt keeps running and wins at 550 ms", () =>
    Effect.gen(function*() {
      const race = yield* happyEyeballs.race("staggered")
      assert.deepStrictEqual(timeline(race), [
        "0 Lookup",
        "0 Attempt 2001:db8::1",
        "250 AttemptTimeout 2001:db8::1",
        "250 Attempt 192.0.2.1",
        "500 AttemptTimeout 192.0.2.1",
        "500 Attempt 2001:db8::2",
        "550 Connected 192.0.2.1",
        // The attempts that lost the race, told apart from failures.
        "550 AttemptCancelled 2001:db8::1",
        "550 AttemptCancelled 2001:db8::2"
      ])
    }))

  it.effect("sequential (Node): each attempt is aborted at its delay, the last one wins at 900 ms", () =>
    Effect.gen(function*() {
      const race = yield* happyEyeballs.race("sequential")
      assert.deepStrictEqual(timeline(race), [
        "0 Lookup",
        "0 Attempt 2001:db8::1",
        "250 AttemptTimeout 2001:db8::1 aborted",
        "250 Attempt 192.0.2.1",
        "500 AttemptTimeout 192.0.2.1 aborted",
        "500 Attempt 2001:db8::2",
        "900 Connected 2001:db8::2"
      ])
    }))
})
