import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Ref, TestClock } from "effect"
import * as Clock from "effect/Clock"
import type { Candidate, Policy, RaceEvent } from "../../src/internal/happyEyeballs.js"
import { interleave, race } from "../../src/internal/happyEyeballs.js"

type Behaviour =
  | { readonly _tag: "accept"; readonly after: number }
  | { readonly _tag: "refuse"; readonly after: number }
  | { readonly _tag: "blackhole" }

const v6 = (address: string): Candidate => ({ address, port: 80, family: 6 })
const v4 = (address: string): Candidate => ({ address, port: 80, family: 4 })

/**
 * A simulated network: each address behaves as told; `open` counts the attempts whose resources
 * are still held, `started` records when each attempt started.
 */
const network = (behaviours: Record<string, Behaviour>) =>
  Effect.gen(function*() {
    const open = yield* Ref.make(0)
    const started: Array<[string, number]> = []
    const attempt = (candidate: Candidate) =>
      Effect.gen(function*() {
        started.push([candidate.address, yield* Clock.currentTimeMillis])
        yield* Effect.acquireRelease(Ref.update(open, (n) => n + 1), () => Ref.update(open, (n) => n - 1))
        const behaviour = behaviours[candidate.address]!
        switch (behaviour._tag) {
          case "accept":
            yield* Effect.sleep(Duration.millis(behaviour.after))
            return { address: candidate.address, at: yield* Clock.currentTimeMillis }
          case "refuse":
            yield* Effect.sleep(Duration.millis(behaviour.after))
            return yield* Effect.fail(`ECONNREFUSED ${candidate.address}`)
          case "blackhole":
            return yield* Effect.never
        }
      })
    return { open, started, attempt }
  })

const runRace = (
  candidates: ReadonlyArray<Candidate>,
  behaviours: Record<string, Behaviour>,
  policy: Policy = "staggered",
  delay = 250
) =>
  Effect.gen(function*() {
    const net = yield* network(behaviours)
    const events: Array<string> = []
    const onEvent = (event: RaceEvent<string>) => events.push(`${event._tag} ${event.candidate.address}`)
    const fiber = yield* race(candidates, {
      policy,
      delay: Duration.millis(delay),
      attempt: net.attempt,
      timeoutError: (c) => `ETIMEDOUT ${c.address}`,
      onEvent
    }).pipe(Effect.scoped, Effect.fork)
    return { ...net, events, fiber }
  })

describe("happyEyeballs", () => {
  describe("interleave", () => {
    const a = (address: string, family: 4 | 6) => ({ address, family })
    it("alternates families starting with the first address's family", () => {
      const list = [a("::1", 6), a("::2", 6), a("::3", 6), a("1.1.1.1", 4), a("2.2.2.2", 4)]
      assert.deepStrictEqual(interleave(list).map((x) => x.address), ["::1", "1.1.1.1", "::2", "2.2.2.2", "::3"])
      assert.deepStrictEqual(interleave(list, 2).map((x) => x.address), ["::1", "::2", "1.1.1.1", "::3", "2.2.2.2"])
      const v4First = [a("1.1.1.1", 4), a("::1", 6), a("2.2.2.2", 4)]
      assert.deepStrictEqual(interleave(v4First).map((x) => x.address), ["1.1.1.1", "::1", "2.2.2.2"])
    })
    it("drops repeated addresses", () => {
      assert.deepStrictEqual(interleave([a("::1", 6), a("::1", 6), a("1.1.1.1", 4)]).map((x) => x.address), [
        "::1",
        "1.1.1.1"
      ])
      assert.deepStrictEqual(interleave([]), [])
    })
  })

  describe("staggered (RFC 8305)", () => {
    it.effect("a blackholed IPv6 address loses to IPv4 at exactly the attempt delay", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1")], {
          "::1": { _tag: "blackhole" },
          "127.0.0.1": { _tag: "accept", after: 0 }
        })
        yield* TestClock.adjust("249 millis")
        assert.isNull(r.fiber.unsafePoll())
        yield* TestClock.adjust("1 millis")
        const winner = yield* Fiber.join(r.fiber)
        assert.deepStrictEqual(winner, { address: "127.0.0.1", at: 250 })
        assert.deepStrictEqual(r.started, [["::1", 0], ["127.0.0.1", 250]])
        assert.deepStrictEqual(r.events, ["Attempt ::1", "AttemptTimeout ::1", "Attempt 127.0.0.1"])
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))

    it.effect("a slow but live IPv6 attempt keeps running and wins at 400 ms over IPv4 at 600 ms", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1")], {
          "::1": { _tag: "accept", after: 400 },
          "127.0.0.1": { _tag: "accept", after: 600 - 250 }
        })
        yield* TestClock.adjust("400 millis")
        assert.deepStrictEqual(yield* Fiber.join(r.fiber), { address: "::1", at: 400 })
        assert.deepStrictEqual(r.started, [["::1", 0], ["127.0.0.1", 250]])
        // The IPv4 loser was closed when IPv6 won; the winner's scope closed with the race's.
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))

    it.effect("a failure starts the next attempt at once", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1")], {
          "::1": { _tag: "refuse", after: 30 },
          "127.0.0.1": { _tag: "accept", after: 10 }
        })
        yield* TestClock.adjust("40 millis")
        assert.deepStrictEqual(yield* Fiber.join(r.fiber), { address: "127.0.0.1", at: 40 })
        assert.deepStrictEqual(r.started, [["::1", 0], ["127.0.0.1", 30]])
        assert.deepStrictEqual(r.events, ["Attempt ::1", "AttemptFailed ::1", "Attempt 127.0.0.1"])
      }))

    it.effect("the delay counts from the latest start, whatever fails in between", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("10.0.0.1"), v6("::2"), v4("10.0.0.2")], {
          "::1": { _tag: "blackhole" },
          "10.0.0.1": { _tag: "refuse", after: 100 },
          "::2": { _tag: "blackhole" },
          "10.0.0.2": { _tag: "accept", after: 5 }
        })
        yield* TestClock.adjust("605 millis")
        assert.deepStrictEqual(yield* Fiber.join(r.fiber), { address: "10.0.0.2", at: 605 })
        // ::1 at 0; 10.0.0.1 at 250 (delay), refused at 350 so ::2 starts at once; 10.0.0.2 at 600.
        assert.deepStrictEqual(r.started, [["::1", 0], ["10.0.0.1", 250], ["::2", 350], ["10.0.0.2", 600]])
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))

    it.effect("all refused: one failure lists every attempt in order", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1"), v6("::2")], {
          "::1": { _tag: "refuse", after: 300 },
          "127.0.0.1": { _tag: "refuse", after: 10 },
          "::2": { _tag: "refuse", after: 1000 }
        })
        yield* TestClock.adjust("2 seconds")
        const exit = yield* Fiber.await(r.fiber)
        assert.deepStrictEqual(
          exit,
          Exit.fail([
            { candidate: v6("::1"), error: "ECONNREFUSED ::1" },
            { candidate: v4("127.0.0.1"), error: "ECONNREFUSED 127.0.0.1" },
            { candidate: v6("::2"), error: "ECONNREFUSED ::2" }
          ])
        )
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))

    it.effect("interrupting the race mid-way closes every attempt", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1"), v6("::2")], {
          "::1": { _tag: "blackhole" },
          "127.0.0.1": { _tag: "blackhole" },
          "::2": { _tag: "blackhole" }
        })
        yield* TestClock.adjust("300 millis")
        assert.strictEqual(yield* Ref.get(r.open), 2)
        yield* Fiber.interrupt(r.fiber)
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))
  })

  describe("sequential (Node's internalConnectMultiple)", () => {
    it.effect("aborts a slow attempt at the timeout, so IPv6 at 400 ms loses to IPv4", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1")], {
          "::1": { _tag: "accept", after: 400 },
          "127.0.0.1": { _tag: "accept", after: 600 }
        }, "sequential")
        yield* TestClock.adjust("850 millis")
        assert.deepStrictEqual(yield* Fiber.join(r.fiber), { address: "127.0.0.1", at: 850 })
        assert.deepStrictEqual(r.events, ["Attempt ::1", "AttemptTimeout ::1", "Attempt 127.0.0.1"])
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))

    it.effect("arms no timer on the last address, and reports timeouts as errors", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1")], {
          "::1": { _tag: "blackhole" },
          "127.0.0.1": { _tag: "refuse", after: 5000 }
        }, "sequential")
        yield* TestClock.adjust("5249 millis")
        assert.isNull(r.fiber.unsafePoll())
        yield* TestClock.adjust("1 millis")
        assert.deepStrictEqual(
          yield* Fiber.await(r.fiber),
          Exit.fail([
            { candidate: v6("::1"), error: "ETIMEDOUT ::1" },
            { candidate: v4("127.0.0.1"), error: "ECONNREFUSED 127.0.0.1" }
          ])
        )
        assert.deepStrictEqual(r.events, [
          "Attempt ::1",
          "AttemptTimeout ::1",
          "Attempt 127.0.0.1",
          "AttemptFailed 127.0.0.1"
        ])
        assert.strictEqual(yield* Ref.get(r.open), 0)
      }))

    it.effect("moves on at once after a failure", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1")], {
          "::1": { _tag: "refuse", after: 20 },
          "127.0.0.1": { _tag: "accept", after: 20 }
        }, "sequential")
        yield* TestClock.adjust("40 millis")
        assert.deepStrictEqual(yield* Fiber.join(r.fiber), { address: "127.0.0.1", at: 40 })
      }))
  })
})
