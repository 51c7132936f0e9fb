/**
 * Happy Eyeballs (RFC 8305), watched as it runs: every attempt as an `onEvent` timeline, and the
 * `netfx.connect`, `netfx.lookup` and `netfx.connect.attempt` tracing spans, kept by a small
 * in-memory tracer (any Effect tracer, OpenTelemetry's included, receives the same spans).
 *
 * 1. A simulated network (`TestTransport`): IPv6 never answers, IPv4 answers in 30 ms. The IPv6
 *    attempt gets the 250 ms attempt delay, then IPv4 starts beside it and wins.
 * 2. Real loopback sockets: a lookup that answers `::1` (nothing listens there) and `127.0.0.1` (a
 *    server). `::1` is refused at once, so `127.0.0.1` starts at once, without waiting for the delay.
 *
 *   npx tsx --conditions=@netfx/source examples/happy-eyeballs.ts
 */
import { Connection, NodeTransport, Resolver, Server, TestTransport } from "@netfx/core"
import { Console, Effect, Exit, Layer, Option, Tracer } from "effect"

/** Runs `effect` under a tracer that keeps every span it starts. */
const withSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const base = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    return [yield* Effect.withTracer(effect, tracer), spans] as const
  })

const printSpans = (spans: ReadonlyArray<Tracer.Span>) =>
  Effect.forEach(spans, (span) => {
    const name = `${Option.isSome(span.parent) ? "  " : ""}${span.name}`
    const peer = span.attributes.get("net.peer.address") ?? span.attributes.get("host") ?? ""
    if (span.status._tag !== "Ended") return Console.log(`  span ${name} ${peer}`.padEnd(48), "still open")
    const { endTime, exit, startTime } = span.status
    const outcome = Exit.isSuccess(exit) ? "ok" : Exit.isInterrupted(exit) ? "lost the race" : "failed"
    const millis = (Number(endTime - startTime) / 1e6).toFixed(0).padStart(4)
    return Console.log(`  span ${name} ${peer}`.padEnd(48), `${millis} ms  ${outcome}`)
  }, { discard: true })

/** Connects, printing each step of the race as it happens and then the spans. */
const connectAndTrace = (options: Connection.TcpOptions) =>
  Effect.gen(function*() {
    const start = Date.now()
    const at = () => `+${String(Date.now() - start).padStart(3)} ms`
    const onEvent = (event: Connection.ConnectEvent) => {
      if (event._tag === "Lookup") {
        console.log(`  ${at()}  Lookup ${event.host}: ${event.addresses.map((a) => a.address).join(", ")}`)
      } else if (event._tag === "AttemptFailed") {
        console.log(`  ${at()}  AttemptFailed ${event.address}: ${event.error.code}`)
      } else console.log(`  ${at()}  ${event._tag} ${event.address}`)
    }
    const [conn, spans] = yield* withSpans(Connection.connect({ ...options, onEvent }))
    yield* Console.log(`  ${at()}  connected to ${conn.remoteAddress}`)
    yield* printSpans(spans)
  })

const simulated = Effect.gen(function*() {
  yield* Console.log("Simulated network: [::1]:80 is a blackhole, 127.0.0.1:80 answers in 30 ms")
  const network = yield* TestTransport.TestNetwork
  yield* network.set("[::1]:80", TestTransport.blackhole)
  yield* network.set("127.0.0.1:80", TestTransport.accept("30 millis"))
  yield* connectAndTrace({ host: "localhost", port: 80 })
}).pipe(
  Effect.scoped,
  Effect.provide(Layer.merge(TestTransport.layer, Resolver.layerStatic({ localhost: ["::1", "127.0.0.1"] })))
)

const loopback = Effect.gen(function*() {
  const server = yield* Server.listen({ host: "127.0.0.1", port: 0 })
  const port = server.address.port
  yield* Console.log(`Real loopback: nothing listens on [::1]:${port}, a server listens on 127.0.0.1:${port}`)
  yield* connectAndTrace({
    host: "localhost",
    port,
    // A lookup in Node's shape with a fixed answer: nothing is resolved.
    lookup: (_host, _options, callback) =>
      callback(null, [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }])
  })
}).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))

Effect.runPromise(
  Effect.zipRight(simulated, loopback).pipe(
    // A typed failure: had every address failed, here is each attempt with its own error and timing.
    Effect.tapErrorTag(
      "ConnectError",
      (error) =>
        Console.error(
          `${error.reason}: ${error.message}\n` +
            error.attempts.map((a) => `${a.address}: ${a.message} after ${a.duration} ms`).join("\n")
        )
    )
  )
)
