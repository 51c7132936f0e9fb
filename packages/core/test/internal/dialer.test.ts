import { assert, describe, it } from "@effect/vitest"
import { Resolver } from "@netfx/core"
import type { Handle, PendingConnect, Transport } from "@netfx/core/Transport"
import { Effect, Exit, Fiber, TestClock } from "effect"
import type * as Clock from "effect/Clock"
import type { Candidate } from "../../src/internal/dialer.js"
import { Dial, interleave } from "../../src/internal/dialer.js"
import * as timer from "../../src/internal/timer.js"
import { SocketError } from "../../src/NetError.js"

type Behaviour =
  | { readonly _tag: "accept"; readonly after: number }
  | { readonly _tag: "refuse"; readonly after: number }
  | { readonly _tag: "blackhole" }

const v6 = (address: string): Candidate => ({ address, port: 80, family: 6 })
const v4 = (address: string): Candidate => ({ address, port: 80, family: 4 })

/** A connected handle that only knows who it is and whether it was closed. */
const fakeHandle = (address: string, at: number, onClose: () => void) =>
  ({ address, at, destroy: onClose }) as unknown as Handle & { readonly address: string; readonly at: number }

/**
 * A simulated transport, callback-level as the dialer needs: each address behaves as told on the
 * clock; `open` counts attempts whose socket is held (pending, or connected and not yet closed),
 * `started` records when each attempt started.
 */
const network = (clock: Clock.Clock, behaviours: Record<string, Behaviour>) => {
  const state = { open: 0, started: [] as Array<[string, number]> }
  const transport: Transport["Type"] = {
    defaultAttemptDelay: () => 250,
    listen: () => Effect.die("no listen"),
    open: () => Effect.die("no open"),
    connect: (endpoint, callbacks): PendingConnect => {
      const address = endpoint._tag === "Tcp" ? endpoint.address : endpoint.path
      state.started.push([address, clock.unsafeCurrentTimeMillis()])
      state.open++
      let settled = false
      const behaviour = behaviours[address]!
      const task = behaviour._tag === "blackhole" ? undefined : timer.schedule(clock, behaviour.after, () => {
        settled = true
        if (behaviour._tag === "refuse") {
          state.open--
          return callbacks.onError(new SocketError({ code: `ECONNREFUSED`, syscall: "connect" }))
        }
        let closed = false
        callbacks.onConnect(fakeHandle(address, clock.unsafeCurrentTimeMillis(), () => {
          if (!closed) state.open--
          closed = true
        }))
      })
      return {
        cancel: () => {
          if (settled) return
          settled = true
          task?.cancel()
          state.open--
        }
      }
    }
  }
  return { state, transport }
}

/** Races the candidates under the policy, in a fiber; the winner's handle is closed at once. */
const runRace = (
  candidates: ReadonlyArray<Candidate>,
  behaviours: Record<string, Behaviour>,
  policy: "staggered" | "sequential" = "staggered",
  delay = 250
) =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const net = network(clock, behaviours)
    const events: Array<string> = []
    const resolver = Resolver.make(() => Effect.succeed([...candidates] as [Candidate, ...Array<Candidate>]))
    const fiber = yield* Effect.async<{ address: string; at: number }, ReadonlyArray<[string, string]>>((resume) => {
      const dial = new Dial(
        {
          _tag: "Tcp",
          host: "race.test",
          port: 80,
          family: 0,
          hints: undefined,
          localAddress: undefined,
          localPort: undefined,
          autoSelect: true,
          race: policy === "staggered"
            ? { _tag: "Staggered", attemptDelay: delay, firstFamilyCount: 1 }
            : { _tag: "Sequential", attemptTimeout: delay, firstFamilyCount: 1 },
          firstFamilyCount: 1,
          blockList: undefined,
          timeout: undefined,
          resolver,
          onEvent: (event) => {
            if (event._tag !== "Lookup") events.push(`${event._tag} ${event.address}`)
          }
        },
        { transport: net.transport, resolver, clock, tracer: undefined, parentSpan: undefined },
        (exit) => {
          if (Exit.isSuccess(exit)) {
            const handle = exit.value as Handle & { readonly address: string; readonly at: number }
            handle.destroy()
            return resume(Effect.succeed({ address: handle.address, at: handle.at }))
          }
          const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
          resume(Effect.fail((error?.attempts ?? []).map((a) => [a.address, a.code] as [string, string])))
        }
      )
      dial.start()
      return Effect.sync(() => dial.cancel())
    }).pipe(Effect.fork)
    return { open: () => net.state.open, started: net.state.started, events, fiber }
  })

describe("the dialer's race", () => {
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
        assert.deepStrictEqual(r.events, [
          "Attempt ::1",
          "AttemptTimeout ::1",
          "Attempt 127.0.0.1",
          "Connected 127.0.0.1",
          "AttemptCancelled ::1"
        ])
        assert.strictEqual(r.open(), 0)
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
        assert.strictEqual(r.open(), 0)
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
        assert.deepStrictEqual(r.events, [
          "Attempt ::1",
          "AttemptFailed ::1",
          "Attempt 127.0.0.1",
          "Connected 127.0.0.1"
        ])
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
        assert.strictEqual(r.open(), 0)
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
          Exit.fail<ReadonlyArray<[string, string]>>([["::1", "ECONNREFUSED"], ["127.0.0.1", "ECONNREFUSED"], [
            "::2",
            "ECONNREFUSED"
          ]])
        )
        assert.strictEqual(r.open(), 0)
      }))

    it.effect("interrupting the race mid-way closes every attempt", () =>
      Effect.gen(function*() {
        const r = yield* runRace([v6("::1"), v4("127.0.0.1"), v6("::2")], {
          "::1": { _tag: "blackhole" },
          "127.0.0.1": { _tag: "blackhole" },
          "::2": { _tag: "blackhole" }
        })
        yield* TestClock.adjust("300 millis")
        assert.strictEqual(r.open(), 2)
        yield* Fiber.interrupt(r.fiber)
        assert.strictEqual(r.open(), 0)
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
        assert.deepStrictEqual(r.events, [
          "Attempt ::1",
          "AttemptTimeout ::1",
          "Attempt 127.0.0.1",
          "Connected 127.0.0.1"
        ])
        assert.strictEqual(r.open(), 0)
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
          Exit.fail<ReadonlyArray<[string, string]>>([["::1", "ETIMEDOUT"], ["127.0.0.1", "ECONNREFUSED"]])
        )
        assert.deepStrictEqual(r.events, [
          "Attempt ::1",
          "AttemptTimeout ::1",
          "Attempt 127.0.0.1",
          "AttemptFailed 127.0.0.1"
        ])
        assert.strictEqual(r.open(), 0)
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
