/**
 * Step 3 of the demo: Happy Eyeballs on a simulated network, on a simulated clock.
 *
 * The core's `TestTransport` plays a host with three addresses — an IPv6 address that never
 * answers, a slow IPv6 address and a slow IPv4 address — and `TestClock` moves time, so that the
 * instants printed are exactly those the algorithm chose, not those of a busy machine. The same
 * race runs twice: with netfx's default (RFC 8305: an attempt that the delay passed keeps running
 * beside the next) and with Node's sequential policy (it is aborted).
 *
 * @internal
 */
import { Connection, Resolver, TestTransport } from "@netfx/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"

/** The simulated host: its name, port and addresses, each with how it answers. */
export const HOST = "dual-stack.example"
export const PORT = 443

/** Documentation addresses (RFC 3849, RFC 5737): nothing here leaves the process anyway. */
export const addresses: ReadonlyArray<{
  readonly address: string
  readonly behaviour: TestTransport.Behaviour
  readonly description: string
}> = [
  { address: "2001:db8::1", behaviour: TestTransport.blackhole, description: "never answers" },
  { address: "2001:db8::2", behaviour: TestTransport.accept("400 millis"), description: "answers after 400 ms" },
  { address: "192.0.2.1", behaviour: TestTransport.accept("300 millis"), description: "answers after 300 ms" }
]

/** One line of the timeline: an event of `connect`, and the simulated instant it happened. */
export interface TimelineEntry {
  readonly at: number
  readonly event: Connection.ConnectEvent
}

/** A race: its policy, what happened, when, and the address that won. */
export interface Race {
  readonly policy: "staggered" | "sequential"
  readonly timeline: ReadonlyArray<TimelineEntry>
  readonly connectedAt: number
  readonly winner: string
}

const endpoint = (address: string) => address.includes(":") ? `[${address}]:${PORT}` : `${address}:${PORT}`

const network = Layer.merge(
  TestTransport.layer,
  Resolver.layerStatic({ [HOST]: addresses.map((a) => a.address) })
)

/** Runs one race on the simulated network and clock, and gives its timeline. */
export const race = (policy: "staggered" | "sequential"): Effect.Effect<Race, Connection.ConnectFailure> =>
  Effect.gen(function*() {
    const net = yield* TestTransport.TestNetwork
    for (const { address, behaviour } of addresses) yield* net.set(endpoint(address), behaviour)
    const clock = yield* Effect.clock
    const timeline: Array<TimelineEntry> = []
    const onEvent = (event: Connection.ConnectEvent) => timeline.push({ at: clock.unsafeCurrentTimeMillis(), event })
    const fiber = yield* Connection.connect({ host: HOST, port: PORT, autoSelectFamilyPolicy: policy, onEvent }).pipe(
      Effect.map((conn) => ({ connectedAt: clock.unsafeCurrentTimeMillis(), winner: String(conn.remoteAddress) })),
      Effect.fork
    )
    // Far enough for every latency above: the race is over long before.
    yield* TestClock.adjust("5 seconds")
    const { connectedAt, winner } = yield* Fiber.join(fiber)
    return { policy, timeline, connectedAt, winner }
  }).pipe(
    Effect.scoped,
    Effect.provide(network),
    Effect.provide(TestContext.TestContext)
  )
