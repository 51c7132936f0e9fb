import { assert, describe, it } from "@effect/vitest"
import type { NetError } from "@netfx/core"
import { BlockList, Connection, Resolver, TestTransport } from "@netfx/core"
import { Effect, Either, Exit, Fiber, Layer, Schema, TestClock } from "effect"
import * as Clock from "effect/Clock"
import { failure, recordSpans } from "./fixtures.js"

// RFC 8305 §3 in the core's connect, at exact instants: a scripted resolver answers AAAA and A on
// TestClock, the simulated network answers the attempts. Nothing here uses real time.

const v6 = (address: string, after: number) => ({ addresses: [address], after })
const fail = (code: string, after: number) => ({ error: code, after })

/** The simulated network with a script of answers for `dual.test`. */
const network = (script: Resolver.HostScript) =>
  Layer.merge(TestTransport.layer, Layer.orDie(Resolver.layerScripted({ "dual.test": script })))

/** Connects to dual.test:80 in a fiber, recording each event as `<instant> <event>`. */
const startConnect = (options: Partial<Connection.TcpOptions> = {}) =>
  Effect.gen(function*() {
    const events: Array<string> = []
    const clock = yield* Effect.clock
    const onEvent = (event: Connection.ConnectEvent) => {
      const at = clock.unsafeCurrentTimeMillis()
      events.push(
        event._tag === "Lookup"
          ? `${at} Lookup ${event.family === undefined ? "both" : event.family === 6 ? "AAAA" : "A"} ${
            event.addresses.map((a) => a.address).join(",")
          }`
          : `${at} ${event._tag} ${event.address}`
      )
    }
    const fiber = yield* Effect.fork(
      Effect.zip(Connection.connect({ host: "dual.test", port: 80, ...options, onEvent }), Clock.currentTimeMillis)
    )
    return { events, fiber }
  })

const endpoints = (behaviours: Record<string, TestTransport.Behaviour>) =>
  Effect.gen(function*() {
    const net = yield* TestTransport.TestNetwork
    for (const [endpoint, behaviour] of Object.entries(behaviours)) yield* net.set(endpoint, behaviour)
    return net
  })

describe("RFC 8305 §3: the resolution delay", () => {
  it.effect("AAAA first: connecting starts at its answer; A's answer joins the race running", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.blackhole, "127.0.0.1:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("259 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 260)
      assert.strictEqual(String(conn.remoteAddress), "127.0.0.1:80")
      assert.deepStrictEqual(events, [
        "10 Lookup AAAA ::1",
        "10 Attempt ::1",
        "30 Lookup A 127.0.0.1",
        // The Connection Attempt Delay of the IPv6 attempt, from when it started.
        "260 AttemptTimeout ::1",
        "260 Attempt 127.0.0.1",
        "260 Connected 127.0.0.1",
        "260 AttemptCancelled ::1"
      ])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 10), A: v6("127.0.0.1", 30) }))))

  it.effect("A first, AAAA within the resolution delay: IPv6 goes first, at AAAA's answer", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept(), "127.0.0.1:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("40 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 40)
      assert.strictEqual(String(conn.remoteAddress), "[::1]:80")
      assert.deepStrictEqual(events, [
        "10 Lookup A 127.0.0.1",
        "40 Lookup AAAA ::1",
        "40 Attempt ::1",
        "40 Connected ::1"
      ])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 40), A: v6("127.0.0.1", 10) }))))

  it.effect("A first, AAAA late: IPv4 starts when the delay passes; IPv6 joins at the next attempt delay", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept(), "127.0.0.1:80": TestTransport.blackhole })
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("309 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 310)
      assert.strictEqual(String(conn.remoteAddress), "[::1]:80")
      assert.deepStrictEqual(events, [
        "10 Lookup A 127.0.0.1",
        // 10 ms + the 50 ms Resolution Delay.
        "60 Attempt 127.0.0.1",
        "200 Lookup AAAA ::1",
        // 250 ms after the IPv4 attempt started.
        "310 AttemptTimeout 127.0.0.1",
        "310 Attempt ::1",
        "310 Connected ::1",
        "310 AttemptCancelled 127.0.0.1"
      ])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 200), A: v6("127.0.0.1", 10) }))))

  it.effect("A late answer keeps a race whose attempts all failed alive, and starts at once", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept(), "127.0.0.1:80": TestTransport.refuse("40 millis") })
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("200 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 200)
      assert.strictEqual(String(conn.remoteAddress), "[::1]:80")
      assert.deepStrictEqual(events, [
        "10 Lookup A 127.0.0.1",
        "60 Attempt 127.0.0.1",
        "100 AttemptFailed 127.0.0.1",
        "200 Lookup AAAA ::1",
        "200 Attempt ::1",
        "200 Connected ::1"
      ])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 200), A: v6("127.0.0.1", 10) }))))

  it.effect("addresses that join are interleaved with those not yet tried, as one answer would have them", () =>
    Effect.gen(function*() {
      yield* endpoints({
        "[::1]:80": TestTransport.blackhole,
        "[::2]:80": TestTransport.blackhole,
        "127.0.0.1:80": TestTransport.blackhole,
        "127.0.0.2:80": TestTransport.accept()
      })
      const { events, fiber } = yield* startConnect({ autoSelectFamilyAttemptDelay: "100 millis" })
      yield* TestClock.adjust("1 second")
      const [conn] = yield* Fiber.join(fiber)
      assert.strictEqual(String(conn.remoteAddress), "127.0.0.2:80")
      assert.deepStrictEqual(events.filter((e) => / (Lookup|Attempt) /.test(e)), [
        "0 Lookup AAAA ::1,::2",
        "0 Attempt ::1",
        "30 Lookup A 127.0.0.1,127.0.0.2",
        "100 Attempt 127.0.0.1",
        "200 Attempt ::2",
        "300 Attempt 127.0.0.2"
      ])
    }).pipe(
      Effect.scoped,
      Effect.provide(network({
        AAAA: { addresses: ["::1", "::2"] },
        A: { addresses: ["127.0.0.1", "127.0.0.2"], after: 30 }
      }))
    ))

  it.effect("one family failing is fine: AAAA's failure ends the wait at once", () =>
    Effect.gen(function*() {
      yield* endpoints({ "127.0.0.1:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("20 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 20)
      assert.strictEqual(String(conn.remoteAddress), "127.0.0.1:80")
      assert.deepStrictEqual(events, ["10 Lookup A 127.0.0.1", "20 Attempt 127.0.0.1", "20 Connected 127.0.0.1"])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: fail("EAI_AGAIN", 20), A: v6("127.0.0.1", 10) }))))

  it.effect("one family failing is fine: A fails, AAAA answers later and connects", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("80 millis")
      const [, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 80)
      assert.deepStrictEqual(events, ["80 Lookup AAAA ::1", "80 Attempt ::1", "80 Connected ::1"])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 80), A: fail("ENOTFOUND", 5) }))))

  it.effect("both failing: one ConnectError (reason Lookup) whose cause lists both errors", () =>
    Effect.gen(function*() {
      const net = yield* endpoints({})
      const { events, fiber } = yield* startConnect()
      yield* TestClock.adjust("19 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      const error = failure(yield* Fiber.await(fiber))
      assert.strictEqual(error._tag, "ConnectError")
      if (error._tag !== "ConnectError") return
      assert.strictEqual(error.reason, "Lookup")
      // The failure that says most: the name servers did not answer A, rather than "no AAAA record".
      assert.strictEqual(error.code, "EAI_AGAIN")
      // One line, as Node says it; each family's error is in the cause.
      assert.strictEqual(error.message, "getaddrinfo EAI_AGAIN dual.test")
      assert.instanceOf(error.cause, AggregateError)
      assert.strictEqual(
        (error.cause as AggregateError).message,
        "getaddrinfo EAI_AGAIN dual.test (AAAA: getaddrinfo ENOTFOUND dual.test; A: getaddrinfo EAI_AGAIN dual.test)"
      )
      const causes = (error.cause as AggregateError).errors as Array<NetError.ResolveError>
      assert.deepStrictEqual(causes.map((e) => [e._tag, e.code, e.hostname]), [
        ["ResolveError", "ENOTFOUND", "dual.test"],
        ["ResolveError", "EAI_AGAIN", "dual.test"]
      ])
      assert.deepStrictEqual(error.attempts, [])
      assert.deepStrictEqual(events, [])
      assert.deepStrictEqual(yield* net.attempts, [])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: fail("ENOTFOUND", 10), A: fail("EAI_AGAIN", 20) }))))

  it.effect("the resolution delay is set per connect", () =>
    Effect.gen(function*() {
      yield* endpoints({ "127.0.0.1:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect({ resolutionDelay: "5 millis" })
      yield* TestClock.adjust("15 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 15)
      assert.strictEqual(String(conn.remoteAddress), "127.0.0.1:80")
      assert.deepStrictEqual(events, ["10 Lookup A 127.0.0.1", "15 Attempt 127.0.0.1", "15 Connected 127.0.0.1"])
      const bad = failure(yield* Effect.exit(Connection.connect({ host: "dual.test", port: 80, resolutionDelay: -1 })))
      assert.strictEqual(bad._tag, "InvalidArgument")
      const decode = Schema.decodeUnknownEither(Connection.TcpOptionsSchema)
      assert.isTrue(Either.isRight(decode({ port: 80, resolutionDelay: "50 millis" })))
      assert.isTrue(Either.isLeft(decode({ port: 80, resolutionDelay: -1 })))
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 100), A: v6("127.0.0.1", 10) }))))

  it.effect("the sequential policy stays Node's: one lookup of both families, no resolution delay", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect({ autoSelectFamilyPolicy: "sequential" })
      yield* TestClock.adjust("40 millis")
      const [, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 40)
      // getaddrinfo answers once both queries have: AAAA's addresses first.
      assert.deepStrictEqual(events, ["40 Lookup both ::1,127.0.0.1", "40 Attempt ::1", "40 Connected ::1"])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 40), A: v6("127.0.0.1", 10) }))))

  it.effect("no autoselection (a family, or autoSelectFamily: false): one lookup, as Node does", () =>
    Effect.gen(function*() {
      yield* endpoints({ "127.0.0.1:80": TestTransport.accept() })
      const { events, fiber } = yield* startConnect({ family: 4 })
      yield* TestClock.adjust("10 millis")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(events, ["10 Lookup both 127.0.0.1", "10 Attempt 127.0.0.1", "10 Connected 127.0.0.1"])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 40), A: v6("127.0.0.1", 10) }))))

  it.effect("an IP literal never looks up; a resolver without lookupFamily is asked once", () =>
    Effect.gen(function*() {
      yield* endpoints({ "127.0.0.1:80": TestTransport.accept() })
      const asked: Array<string> = []
      const counting = Resolver.make(
        (host) => {
          asked.push(`lookup ${host}`)
          return Effect.succeed([{ address: "127.0.0.1", family: 4 }] as const)
        },
        (host, family) => {
          asked.push(`lookupFamily ${host} ${family}`)
          return Effect.succeed([{ address: "127.0.0.1", family: 4 }] as const)
        }
      )
      yield* Effect.provideService(Connection.connect({ host: "127.0.0.1", port: 80 }), Resolver.Resolver, counting)
      assert.deepStrictEqual(asked, [])
      yield* Effect.provideService(Connection.connect({ host: "named.test", port: 80 }), Resolver.Resolver, counting)
      assert.deepStrictEqual(asked, ["lookupFamily named.test 6", "lookupFamily named.test 4"])
      const plain = Resolver.make((host) => {
        asked.push(`plain ${host}`)
        return Effect.succeed([{ address: "127.0.0.1", family: 4 }] as const)
      })
      yield* Effect.provideService(Connection.connect({ host: "named.test", port: 80 }), Resolver.Resolver, plain)
      assert.deepStrictEqual(asked.slice(2), ["plain named.test"])
    }).pipe(Effect.scoped, Effect.provide(TestTransport.layer)))

  it.effect("localhost names (RFC 6761) are the hosts file's: one lookup of both families", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept() })
      const events: Array<string> = []
      const connecting = yield* Effect.fork(Connection.connect({
        host: "LocalHost.",
        port: 80,
        onEvent: (event) => {
          if (event._tag === "Lookup") events.push(`${event.family ?? "both"} ${event.addresses.map((a) => a.address)}`)
        }
      }))
      yield* TestClock.adjust("40 millis")
      yield* Fiber.join(connecting)
      assert.deepStrictEqual(events, ["both ::1,127.0.0.1"])
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(
        TestTransport.layer,
        Layer.orDie(Resolver.layerScripted({ "localhost.": { AAAA: v6("::1", 40), A: v6("127.0.0.1", 10) } }))
      ))
    ))

  it.effect("each family's lookup has its own span under the connect's", () =>
    Effect.gen(function*() {
      yield* endpoints({ "[::1]:80": TestTransport.accept() })
      const { exit, spans } = yield* recordSpans(
        Effect.fork(Connection.connect({ host: "dual.test", port: 80 })).pipe(
          Effect.tap(() => TestClock.adjust("40 millis")),
          Effect.flatMap(Fiber.join)
        )
      )
      assert.isTrue(Exit.isSuccess(exit))
      const lookups = spans.filter((span) => span.name === "netfx.lookup")
      assert.deepStrictEqual(lookups.map((span) => span.attributes.get("family")), [6, 4])
      const connect = spans.find((span) => span.name === "netfx.connect")!
      for (const span of lookups) {
        assert.strictEqual(span.parent._tag === "Some" && span.parent.value.spanId, connect.spanId)
      }
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 40), A: v6("127.0.0.1", 10) }))))

  it.effect("the connect timeout covers the lookups: none answering fails at exactly the timeout", () =>
    Effect.gen(function*() {
      const net = yield* endpoints({})
      const { fiber } = yield* startConnect({ timeout: "30 millis" })
      yield* TestClock.adjust("30 millis")
      const error = failure(yield* Fiber.await(fiber))
      assert.strictEqual(error._tag === "ConnectError" && error.reason, "Timeout")
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(yield* net.attempts, [])
    }).pipe(
      Effect.scoped,
      Effect.provide(network({ AAAA: v6("::1", Infinity), A: v6("127.0.0.1", Infinity) }))
    ))

  it.effect("interrupted during the resolution delay: nothing is dialled, ever", () =>
    Effect.gen(function*() {
      const net = yield* endpoints({ "127.0.0.1:80": TestTransport.accept() })
      const { fiber } = yield* startConnect()
      yield* TestClock.adjust("30 millis")
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* net.attempts, [])
      assert.strictEqual(yield* net.openSockets, 0)
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 500), A: v6("127.0.0.1", 10) }))))

  it.effect("the block list applies to each answer: a blocked first answer waits for the next", () =>
    Effect.gen(function*() {
      yield* endpoints({ "127.0.0.1:80": TestTransport.accept() })
      const blockList = Either.getOrThrow(BlockList.addAddress(BlockList.empty, "::1"))
      const { events, fiber } = yield* startConnect({ blockList })
      yield* TestClock.adjust("30 millis")
      const [conn, at] = yield* Fiber.join(fiber)
      assert.strictEqual(at, 30)
      assert.strictEqual(String(conn.remoteAddress), "127.0.0.1:80")
      assert.deepStrictEqual(events.slice(2), ["30 Attempt 127.0.0.1", "30 Connected 127.0.0.1"])
      // Everything blocked, across both answers: Blocked, listing them all.
      const all = Either.getOrThrow(BlockList.addSubnet(BlockList.empty, "::", 0))
      const blocked = yield* startConnect({ blockList: all })
      yield* TestClock.adjust("30 millis")
      const error = failure(yield* Fiber.await(blocked.fiber))
      assert.strictEqual(error._tag === "ConnectError" && error.reason, "Blocked")
      if (error._tag === "ConnectError") assert.deepStrictEqual(error.blocked, ["::1", "127.0.0.1"])
    }).pipe(Effect.scoped, Effect.provide(network({ AAAA: v6("::1", 10), A: v6("127.0.0.1", 30) }))))
})

describe("Resolver.scripted", () => {
  it.effect("answers each family after its own delay, and both at once as getaddrinfo would", () =>
    Effect.gen(function*() {
      const resolver = yield* Resolver.Resolver
      const both = yield* Effect.fork(Effect.zip(resolver.lookup("DUAL.test"), Clock.currentTimeMillis))
      const aaaa = yield* Effect.fork(resolver.lookupFamily!("dual.test", 6))
      yield* TestClock.adjust("80 millis")
      assert.deepStrictEqual(yield* Fiber.join(aaaa), [{ address: "::1", family: 6 }])
      const [addresses, at] = yield* Fiber.join(both)
      assert.strictEqual(at, 80)
      assert.deepStrictEqual(addresses.map((a) => a.address), ["::1"])
      const a = yield* Effect.fork(Effect.exit(resolver.lookup("dual.test", { family: 4 })))
      yield* TestClock.adjust("10 millis")
      assert.strictEqual(failure(yield* Fiber.join(a)).message, "getaddrinfo EAI_AGAIN dual.test")
      assert.strictEqual(failure(yield* Effect.exit(resolver.lookup("other.test"))).code, "ENOTFOUND")
      assert.strictEqual(failure(yield* Effect.exit(resolver.lookupFamily!("other.test", 6))).code, "ENOTFOUND")
    }).pipe(
      Effect.provide(Layer.orDie(Resolver.layerScripted({
        "dual.test": { AAAA: v6("::1", 80), A: fail("EAI_AGAIN", 10) }
      })))
    ))

  it.effect("a script that is not one fails with InvalidArgument", () =>
    Effect.gen(function*() {
      const code = (script: Record<string, Resolver.HostScript>) =>
        Effect.map(Effect.flip(Resolver.scripted(script)), (e) => [e.code, e.argument])
      assert.deepStrictEqual(yield* code({ "a.test": { A: { addresses: ["::1"] } } }), [
        "ERR_INVALID_ARG_VALUE",
        "a.test.A.addresses"
      ])
      assert.deepStrictEqual(yield* code({ "a.test": { AAAA: { addresses: ["::1"], after: -1 } } }), [
        "ERR_OUT_OF_RANGE",
        "a.test.AAAA.after"
      ])
      assert.deepStrictEqual(yield* code({ "a.test": { A: { error: "" } } }), [
        "ERR_INVALID_ARG_TYPE",
        "a.test.A.error"
      ])
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(Resolver.scripted({ "a.test": {} }))))
    }))
})
