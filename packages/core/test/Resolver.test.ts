import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Connection, NetError, Resolver, Server } from "@netfx/core"
import type { Layer, Tracer } from "effect"
import { Cause, Effect, Exit, Fiber, Option } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as dns from "node:dns"
import { recordSpans, withLive } from "./fixtures.js"

// The runtime's resolver is only asked for names this machine's /etc/hosts answers (localhost, with
// family 0 or 4), so that getaddrinfo never falls through to a name server: tests talk to this
// machine alone. Failures of the runtime's lookup (ENOTFOUND, EAI_AGAIN) are simulated through
// `fromNodeLookup`, which `layerNode` shares its error mapping with; `.invalid` names (RFC 6761 §6.4)
// are only ever given to such fake lookup functions.

const loopbacks = ["127.0.0.1", "::1"]

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) assert.fail(`expected a failure, got ${JSON.stringify(exit.value)}`)
  const error = Cause.failureOption(exit.cause)
  if (Option.isNone(error)) assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

const resolveError = (exit: Exit.Exit<unknown, NetError.ResolveError>): NetError.ResolveError => {
  const error = failure(exit)
  assert.instanceOf(error, NetError.ResolveError)
  assert.strictEqual(error._tag, "ResolveError")
  return error
}

// A lookup function that records its calls and answers with `answer`.
const recording = (answer: (callback: Resolver.NodeLookupCallback) => void) => {
  const calls: Array<{ readonly hostname: string; readonly options: Resolver.NodeLookupOptions }> = []
  const lookup: Resolver.NodeLookupFunction = (hostname, options, callback) => {
    calls.push({ hostname, options })
    answer(callback)
  }
  return { calls, resolver: Resolver.fromNodeLookup(lookup) }
}

// What the runtime itself answers, to compare with: Node's own lookup with the options net.connect uses.
const nodeLookup = (host: string, options: dns.LookupOptions) =>
  Effect.async<ReadonlyArray<dns.LookupAddress>, NodeJS.ErrnoException>((resume) => {
    dns.lookup(
      host,
      { ...options, all: true },
      (error, addresses) => resume(error ? Effect.fail(error) : Effect.succeed(addresses))
    )
  })

describe("Resolver", () => {
  describe("layerNode", () => {
    it.effect("resolves localhost to a loopback address", () =>
      Effect.gen(function*() {
        const resolver = yield* Resolver.Resolver
        const addresses = yield* resolver.lookup("localhost")
        assert.isTrue(addresses.some((a) => loopbacks.includes(a.address)), JSON.stringify(addresses))
        for (const a of addresses) assert.strictEqual(a.family, a.address.includes(":") ? 6 : 4)
        // The runtime's answer with net.connect's options, in the resolver's order.
        const expected = yield* nodeLookup("localhost", { hints: dns.ADDRCONFIG, order: "verbatim" })
        assert.deepStrictEqual(addresses, expected)
      }).pipe(Effect.provide(Resolver.layerNode)))

    it.effect("looks up each family apart; together they find what one lookup of both finds (localhost)", () =>
      Effect.gen(function*() {
        const both = yield* Resolver.node.lookup("localhost")
        // A family this machine's localhost lacks is "not found", as dns.lookup says.
        const family = (f: 4 | 6) =>
          Resolver.node.lookupFamily!("localhost", f).pipe(
            Effect.map((found): ReadonlyArray<Resolver.ResolvedAddress> => found),
            Effect.catchIf((e) => e.code === "ENOTFOUND", () => Effect.succeed([]))
          )
        const [v6, v4] = yield* Effect.all([family(6), family(4)], { concurrency: 2 })
        assert.deepStrictEqual(v6, both.filter((a) => a.family === 6))
        assert.deepStrictEqual(v4, both.filter((a) => a.family === 4))
        // Each is what the runtime's own lookup of both families, with net.connect's hints, has of it
        // (for localhost, that one lookup is how it is asked: a lookup of one family would go on to
        // the name servers when the hosts file lacks that family, and tests talk to this machine only).
        const expected = yield* nodeLookup("localhost", { hints: dns.ADDRCONFIG, order: "verbatim" })
        assert.deepStrictEqual<ReadonlyArray<unknown>>(v6, expected.filter((a) => a.family === 6))
        assert.deepStrictEqual<ReadonlyArray<unknown>>(v4, expected.filter((a) => a.family === 4))
      }))

    it.effect("connects over real sockets: localhost with one lookup, other names with one per family", () =>
      withLive(Effect.gen(function*() {
        const server = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => conn.end)
        const lookups: Array<string> = []
        const connect = (host: string) =>
          Connection.connect({
            host,
            port: server.address.port,
            onEvent: (event) => {
              if (event._tag === "Lookup") {
                lookups.push(`${event.family ?? "both"} ${event.addresses.map((a) => a.address)}`)
              }
            }
          })
        // RFC 6761: localhost is the hosts file's; one lookup, as net.connect makes.
        const local = yield* connect("localhost")
        assert.strictEqual(String(local.remoteAddress), `127.0.0.1:${server.address.port}`)
        assert.lengthOf(lookups, 1)
        assert.isTrue(lookups[0]!.startsWith("both "), lookups[0])
        // A name looked up family by family, with the runtime's own lookups (of localhost, so that no
        // name server is asked: tests talk to this machine alone).
        lookups.length = 0
        const perFamily = Resolver.make(
          (_host, options) => Resolver.node.lookup("localhost", options),
          (_host, family, options) => Resolver.node.lookupFamily!("localhost", family, options)
        )
        const named = yield* Effect.provideService(connect("loopback.test"), Resolver.Resolver, perFamily)
        assert.strictEqual(String(named.remoteAddress), `127.0.0.1:${server.address.port}`)
        assert.include(lookups, "4 127.0.0.1")
        assert.isTrue(lookups.every((line) => line.startsWith("4 ") || line.startsWith("6 ")), String(lookups))
      })))

    it.effect("honours family 4", () =>
      Effect.gen(function*() {
        const addresses = yield* Resolver.node.lookup("localhost", { family: 4 })
        assert.include(addresses.map((a) => a.address), "127.0.0.1")
        assert.isTrue(addresses.every((a) => a.family === 4))
      }))

    it.effect("turns a bad argument that dns.lookup throws into a failure, not a defect", () =>
      Effect.gen(function*() {
        const error = resolveError(yield* Resolver.node.lookup("localhost", { hints: 12345 }).pipe(Effect.exit))
        assert.strictEqual(error.code, "ERR_INVALID_ARG_VALUE")
        assert.instanceOf(error.cause, TypeError)
      }))

    it.effect("finds nothing for an empty name (net.connect would look up localhost instead)", () =>
      Effect.gen(function*() {
        assert.strictEqual(resolveError(yield* Resolver.node.lookup("").pipe(Effect.exit)).code, "ENOTFOUND")
      }))

    it.effect("accepts dns.lookup itself as a Node lookup function", () =>
      Effect.gen(function*() {
        const addresses = yield* Resolver.fromNodeLookup(dns.lookup).lookup("localhost")
        assert.isTrue(addresses.some((a) => loopbacks.includes(a.address)))
      }))

    it("has the service's types", () => {
      expectTypeOf(Resolver.node.lookup).returns.toEqualTypeOf<
        Effect.Effect<NonEmptyReadonlyArray<Resolver.ResolvedAddress>, NetError.ResolveError>
      >()
      expectTypeOf(Resolver.layerNode).toEqualTypeOf<Layer.Layer<Resolver.Resolver>>()
    })
  })

  describe("IP literals", () => {
    it.effect("are answered without a lookup, with their own family whatever family is asked", () =>
      Effect.gen(function*() {
        const { calls, resolver } = recording((callback) => callback(null, "192.0.2.1", 4))
        assert.deepStrictEqual(yield* resolver.lookup("127.0.0.1"), [{ address: "127.0.0.1", family: 4 }])
        assert.deepStrictEqual(yield* resolver.lookup("::1"), [{ address: "::1", family: 6 }])
        assert.deepStrictEqual(yield* resolver.lookup("fe80::1%lo"), [{ address: "fe80::1%lo", family: 6 }])
        // As net.connect and dns.lookup: `family` does not apply to a literal.
        assert.deepStrictEqual(yield* resolver.lookup("127.0.0.1", { family: 6 }), [
          { address: "127.0.0.1", family: 4 }
        ])
        assert.deepStrictEqual(yield* resolver.lookup("::1", { family: 4 }), [{ address: "::1", family: 6 }])
        assert.strictEqual(calls.length, 0)
        // Not literals (Node's isIP rules): these are names, and are looked up.
        yield* resolver.lookup("127.000.000.001")
        yield* resolver.lookup("[::1]")
        assert.deepStrictEqual(calls.map((c) => c.hostname), ["127.000.000.001", "[::1]"])
      }))

    it.effect("are answered by the table resolver without being in the table", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* Resolver.fromTable({}).lookup("::1"), [{ address: "::1", family: 6 }])
      }))
  })

  describe("fromNodeLookup", () => {
    it.effect("calls the function with net.connect's options and all: true", () =>
      Effect.gen(function*() {
        const { calls, resolver } = recording((callback) => callback(null, "127.0.0.1", 4))
        yield* resolver.lookup("a.invalid")
        yield* resolver.lookup("b.invalid", { family: 0, hints: 0 })
        yield* resolver.lookup("c.invalid", { family: 4 })
        yield* resolver.lookup("d.invalid", { family: 6 })
        yield* resolver.lookup("e.invalid", { hints: dns.V4MAPPED })
        // lib/net.js lookupAndConnect: ADDRCONFIG by default when no family is asked for, but not on Windows.
        const addrconfig = process.platform === "win32" ? 0 : dns.ADDRCONFIG
        assert.deepStrictEqual(calls, [
          { hostname: "a.invalid", options: { family: undefined, hints: addrconfig, all: true } },
          { hostname: "b.invalid", options: { family: 0, hints: addrconfig, all: true } },
          { hostname: "c.invalid", options: { family: 4, hints: 0, all: true } },
          { hostname: "d.invalid", options: { family: 6, hints: 0, all: true } },
          { hostname: "e.invalid", options: { family: undefined, hints: dns.V4MAPPED, all: true } }
        ])
      }))

    it.effect("accepts a list of addresses, in order, without duplicates", () =>
      Effect.gen(function*() {
        const { resolver } = recording((callback) =>
          callback(null, [
            { address: "::1", family: 6 },
            { address: "127.0.0.1", family: 4 },
            { address: "::1", family: 6 },
            { address: "127.0.0.2", family: 4 }
          ])
        )
        assert.deepStrictEqual(yield* resolver.lookup("many.invalid"), [
          { address: "::1", family: 6 },
          { address: "127.0.0.1", family: 4 },
          { address: "127.0.0.2", family: 4 }
        ])
      }))

    it.effect("accepts one address and its family", () =>
      Effect.gen(function*() {
        const { resolver } = recording((callback) => callback(null, "::1", 6))
        assert.deepStrictEqual(yield* resolver.lookup("one.invalid"), [{ address: "::1", family: 6 }])
      }))

    it.effect("accepts an answer given before the function returns", () =>
      Effect.gen(function*() {
        const resolver = Resolver.fromNodeLookup((_hostname, _options, callback) => callback(null, "127.0.0.1", 4))
        assert.deepStrictEqual(yield* resolver.lookup("sync.invalid"), [{ address: "127.0.0.1", family: 4 }])
      }))

    it.effect("keeps the code, errno and syscall of the error it is given", () =>
      Effect.gen(function*() {
        const cause = Object.assign(new Error("getaddrinfo EAI_AGAIN slow.invalid"), {
          code: "EAI_AGAIN",
          errno: -3001,
          syscall: "getaddrinfo",
          hostname: "slow.invalid"
        })
        const { resolver } = recording((callback) => callback(cause))
        const error = resolveError(yield* resolver.lookup("slow.invalid").pipe(Effect.exit))
        assert.strictEqual(error.code, "EAI_AGAIN")
        assert.strictEqual(error.errno, -3001)
        assert.strictEqual(error.syscall, "getaddrinfo")
        assert.strictEqual(error.hostname, "slow.invalid")
        assert.strictEqual(error.cause, cause)
        assert.strictEqual(error.message, "getaddrinfo EAI_AGAIN slow.invalid")
      }))

    it.effect("names an error without a code UNKNOWN and keeps its message", () =>
      Effect.gen(function*() {
        const cause = new Error("no route to the name servers")
        const { resolver } = recording((callback) => callback(cause))
        const error = resolveError(yield* resolver.lookup("x.invalid").pipe(Effect.exit))
        assert.strictEqual(error.code, "UNKNOWN")
        assert.isUndefined(error.syscall)
        assert.strictEqual(error.cause, cause)
        assert.strictEqual(error.message, "lookup UNKNOWN x.invalid: no route to the name servers")
      }))

    it.effect("turns a function that throws into a failure, not a defect", () =>
      Effect.gen(function*() {
        const thrown = Object.assign(new TypeError("lookup exploded"), { code: "ERR_BOOM" })
        const resolver = Resolver.fromNodeLookup(() => {
          throw thrown
        })
        const exit = yield* resolver.lookup("throws.invalid").pipe(Effect.exit)
        const error = resolveError(exit)
        assert.strictEqual(error.code, "ERR_BOOM")
        assert.strictEqual(error.cause, thrown)
        assert.isFalse(Exit.isFailure(exit) && Cause.isDie(exit.cause))
        // Even a thrown value that is not an Error.
        const odd = Resolver.fromNodeLookup(() => {
          throw "nope"
        })
        const oddError = resolveError(yield* odd.lookup("throws.invalid").pipe(Effect.exit))
        assert.strictEqual(oddError.code, "UNKNOWN")
        assert.strictEqual(oddError.cause, "nope")
      }))

    it.effect("ignores the second call of the callback, and a throw after the answer", () =>
      Effect.gen(function*() {
        const { resolver } = recording((callback) => {
          callback(null, "127.0.0.1", 4)
          callback(null, "::1", 6)
          callback(new Error("late"))
        })
        assert.deepStrictEqual(yield* resolver.lookup("twice.invalid"), [{ address: "127.0.0.1", family: 4 }])

        const failing = recording((callback) => {
          callback(Object.assign(new Error("first"), { code: "ENOTFOUND" }))
          callback(null, "127.0.0.1", 4)
        })
        assert.strictEqual(
          resolveError(yield* failing.resolver.lookup("twice.invalid").pipe(Effect.exit)).code,
          "ENOTFOUND"
        )

        const throwsAfter = Resolver.fromNodeLookup((_hostname, _options, callback) => {
          callback(null, "127.0.0.1", 4)
          throw new Error("after the answer")
        })
        assert.deepStrictEqual(yield* throwsAfter.lookup("x.invalid"), [{ address: "127.0.0.1", family: 4 }])
      }))

    it.effect("drops an answer that arrives after the lookup was interrupted", () =>
      Effect.gen(function*() {
        let answer: Resolver.NodeLookupCallback | undefined
        const { calls, resolver } = recording((callback) => {
          answer = callback
        })
        const fiber = yield* Effect.fork(resolver.lookup("slow.invalid"))
        yield* Effect.yieldNow()
        assert.strictEqual(calls.length, 1)
        const exit = yield* Fiber.interrupt(fiber)
        assert.isTrue(Exit.isInterrupted(exit))
        // The late answers go nowhere and break nothing.
        answer!(null, "127.0.0.1", 4)
        answer!(new Error("later still"))
        assert.isTrue(Exit.isInterrupted(yield* Fiber.await(fiber)))
      }))

    it.effect("rejects an answer that is not an IP address: ERR_INVALID_IP_ADDRESS", () =>
      Effect.gen(function*() {
        const single = recording((callback) => callback(null, "nonsense", 4))
        const error = resolveError(yield* single.resolver.lookup("bad.invalid").pipe(Effect.exit))
        assert.strictEqual(error.code, "ERR_INVALID_IP_ADDRESS")
        assert.strictEqual(error.address, "nonsense")
        assert.strictEqual(error.message, "Invalid IP address: nonsense")

        const missing = recording((callback) => callback(null))
        const noAddress = resolveError(yield* missing.resolver.lookup("bad.invalid").pipe(Effect.exit))
        assert.strictEqual(noAddress.message, "Invalid IP address: undefined")

        // From a list, the first entry's error, only when no entry is valid (lookupAndConnectMultiple).
        const list = recording((callback) =>
          callback(null, [{ address: "127.0.0.256", family: 4 }, { address: "::1", family: 5 }])
        )
        assert.strictEqual(
          resolveError(yield* list.resolver.lookup("bad.invalid").pipe(Effect.exit)).message,
          "Invalid IP address: 127.0.0.256"
        )
      }))

    it.effect("rejects a family other than 4 or 6, or not the address's: ERR_INVALID_ADDRESS_FAMILY", () =>
      Effect.gen(function*() {
        const five = recording((callback) => callback(null, "127.0.0.1", 5))
        const error = resolveError(yield* five.resolver.lookup("bad.invalid").pipe(Effect.exit))
        assert.strictEqual(error.code, "ERR_INVALID_ADDRESS_FAMILY")
        assert.strictEqual(error.family, "5")
        assert.strictEqual(error.hostname, "bad.invalid")
        assert.strictEqual(error.message, "Invalid address family: 5 bad.invalid")

        const named = recording((callback) => callback(null, [{ address: "::1", family: "IPv6" as unknown as number }]))
        assert.strictEqual(
          resolveError(yield* named.resolver.lookup("bad.invalid").pipe(Effect.exit)).message,
          "Invalid address family: IPv6 bad.invalid"
        )

        const mismatch = recording((callback) => callback(null, "::1", 4))
        assert.strictEqual(
          resolveError(yield* mismatch.resolver.lookup("bad.invalid").pipe(Effect.exit)).code,
          "ERR_INVALID_ADDRESS_FAMILY"
        )
      }))

    it.effect("keeps the valid entries of a list that has invalid ones", () =>
      Effect.gen(function*() {
        const { resolver } = recording((callback) =>
          callback(null, [
            { address: "nonsense", family: 4 },
            { address: "127.0.0.1", family: 7 },
            null as unknown as Resolver.NodeLookupAddress,
            { address: "127.0.0.1", family: 4 }
          ])
        )
        assert.deepStrictEqual(yield* resolver.lookup("mixed.invalid"), [{ address: "127.0.0.1", family: 4 }])
      }))

    it.effect("fails with ENOTFOUND on an empty list", () =>
      Effect.gen(function*() {
        const { resolver } = recording((callback) => callback(null, []))
        const error = resolveError(yield* resolver.lookup("empty.invalid").pipe(Effect.exit))
        assert.strictEqual(error.code, "ENOTFOUND")
        assert.strictEqual(error.message, "lookup ENOTFOUND empty.invalid")
      }))

    it.effect("provides the service with layerFromNodeLookup", () =>
      Effect.gen(function*() {
        const resolver = yield* Resolver.Resolver
        assert.deepStrictEqual(yield* resolver.lookup("layer.invalid"), [{ address: "::1", family: 6 }])
      }).pipe(
        Effect.provide(Resolver.layerFromNodeLookup((_hostname, _options, callback) => callback(null, "::1", 6)))
      ))
  })

  describe("layerStatic", () => {
    const table = {
      "db.test": ["::1", "127.0.0.1", "::2", "127.0.0.2"],
      "v4.test": ["127.0.0.1"],
      "broken.test": ["not an address"]
    }

    it.effect("answers from the table, in its order", () =>
      Effect.gen(function*() {
        const resolver = yield* Resolver.Resolver
        assert.deepStrictEqual(yield* resolver.lookup("db.test"), [
          { address: "::1", family: 6 },
          { address: "127.0.0.1", family: 4 },
          { address: "::2", family: 6 },
          { address: "127.0.0.2", family: 4 }
        ])
        assert.deepStrictEqual(yield* resolver.lookup("DB.Test"), yield* resolver.lookup("db.test"))
      }).pipe(Effect.provide(Resolver.layerStatic(table))))

    it.effect("honours family", () =>
      Effect.gen(function*() {
        const resolver = Resolver.fromTable(table)
        assert.deepStrictEqual(yield* resolver.lookup("db.test", { family: 4 }), [
          { address: "127.0.0.1", family: 4 },
          { address: "127.0.0.2", family: 4 }
        ])
        assert.deepStrictEqual(yield* resolver.lookup("db.test", { family: 6 }), [
          { address: "::1", family: 6 },
          { address: "::2", family: 6 }
        ])
        const error = resolveError(yield* resolver.lookup("v4.test", { family: 6 }).pipe(Effect.exit))
        assert.strictEqual(error.message, "getaddrinfo ENOTFOUND v4.test")
      }))

    it.effect("fails with ENOTFOUND for an unknown name, including the names of Object's prototype", () =>
      Effect.gen(function*() {
        const resolver = Resolver.fromTable(table)
        for (const name of ["nosuch.test", "constructor", "__proto__", "toString"]) {
          const error = resolveError(yield* resolver.lookup(name).pipe(Effect.exit))
          assert.strictEqual(error.code, "ENOTFOUND")
          assert.strictEqual(error.syscall, "getaddrinfo")
          assert.strictEqual(error.message, `getaddrinfo ENOTFOUND ${name}`)
        }
      }))

    it.effect("checks its entries as any answer", () =>
      Effect.gen(function*() {
        const error = resolveError(yield* Resolver.fromTable(table).lookup("broken.test").pipe(Effect.exit))
        assert.strictEqual(error.code, "ERR_INVALID_IP_ADDRESS")
      }))
  })

  describe("tracing", () => {
    it.effect("runs every lookup in a netfx.lookup span with host, family and the number of addresses", () =>
      Effect.gen(function*() {
        const resolver = Resolver.fromTable({ "db.test": ["::1", "127.0.0.1"] })
        const name = yield* recordSpans(resolver.lookup("db.test"))
        const literal = yield* recordSpans(resolver.lookup("127.0.0.1", { family: 4 }))
        const missing = yield* recordSpans(resolver.lookup("nosuch.test", { family: 6 }))

        for (const { spans } of [name, literal, missing]) {
          assert.deepStrictEqual(spans.map((s) => s.name), ["netfx.lookup"])
          assert.strictEqual(spans[0]!.status._tag, "Ended")
        }
        const attributes = (spans: ReadonlyArray<Tracer.Span>) => Object.fromEntries(spans[0]!.attributes)
        assert.deepStrictEqual(attributes(name.spans), { host: "db.test", family: 0, addresses: 2 })
        assert.deepStrictEqual(attributes(literal.spans), { host: "127.0.0.1", family: 4, addresses: 1 })
        // A failed lookup found nothing to count (Effect adds its own `code.stacktrace` on failure).
        const failed = attributes(missing.spans)
        assert.deepStrictEqual([failed.host, failed.family, "addresses" in failed], ["nosuch.test", 6, false])
        const status = missing.spans[0]!.status
        assert.isTrue(status._tag === "Ended" && Exit.isFailure(status.exit))
      }))

    it.effect("traces the Node lookup too", () =>
      Effect.gen(function*() {
        const { exit, spans } = yield* recordSpans(Resolver.node.lookup("localhost"))
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(spans.map((s) => s.name), ["netfx.lookup"])
        assert.strictEqual(spans[0]!.attributes.get("host"), "localhost")
        assert.isAtLeast(spans[0]!.attributes.get("addresses") as number, 1)
      }))
  })
})
