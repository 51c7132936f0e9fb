/**
 * A `Transport` that simulates a network in memory, for deterministic tests of connection logic and
 * of the protocols built on it.
 *
 * Before a connection exists, each endpoint (`"10.0.0.1:80"`, `"[::1]:80"`, or a Unix socket path)
 * behaves as told: it accepts after a latency, refuses after a latency, or never answers (a
 * blackhole). After, each connection runs over a link with conditions that a test sets at any
 * instant: one-way latency, bandwidth, writes delivered in seeded slices, a pause, a reset or a FIN
 * after byte N, a peer that vanishes without a word, a partition and its heal. Each side has a
 * bounded send and receive buffer, as the kernel has, so backpressure behaves as on a real socket.
 *
 * Time is Effect's `Clock` (a test drives it with `TestClock` and asserts exact instants) and
 * randomness comes from a seed, so a test that fails replays exactly.
 *
 * Accepted connections appear on the server side as `Handle`s that the test reads and writes (or,
 * where a simulated listener is bound with `Transport.listen`, are delivered to it).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { EventQueue } from "./internal/eventQueue.js"
import type { Event } from "./internal/eventQueue.js"
import { checkDuration, checkInt, invalid } from "./internal/options.js"
import * as simulated from "./internal/simulatedLink.js"
import * as testTls from "./internal/testTls.js"
import type { InvalidArgument } from "./NetError.js"
import { ListenError, SocketError } from "./NetError.js"
import * as SocketAddress from "./SocketAddress.js"
import type * as Tls from "./Tls.js"
import type {
  ConnectCallbacks,
  Endpoint,
  Handle,
  ListenEndpoint,
  Listener,
  ListenerEvents,
  PendingConnect
} from "./Transport.js"
import { Transport } from "./Transport.js"

/**
 * How an endpoint answers a connection attempt.
 *
 * @since 0.1.0
 * @category models
 */
export type Behaviour =
  | { readonly _tag: "Accept"; readonly latency: Duration.DurationInput }
  | { readonly _tag: "Refuse"; readonly latency: Duration.DurationInput }
  | { readonly _tag: "Blackhole" }

/**
 * The endpoint accepts: the attempt connects after `latency` (default 0) plus a round trip of the
 * link's latency.
 *
 * @since 0.1.0
 * @category constructors
 */
export const accept = (latency: Duration.DurationInput = 0): Behaviour => ({ _tag: "Accept", latency })

/**
 * The endpoint refuses: the attempt fails with `ECONNREFUSED` (`ENOENT` for a Unix socket path)
 * after `latency` (default 0) plus a round trip of the link's latency.
 *
 * @since 0.1.0
 * @category constructors
 */
export const refuse = (latency: Duration.DurationInput = 0): Behaviour => ({ _tag: "Refuse", latency })

/**
 * The endpoint never answers: the attempt waits until it is cancelled (the race moves on, or the
 * connect timeout passes).
 *
 * @since 0.1.0
 * @category constructors
 */
export const blackhole: Behaviour = { _tag: "Blackhole" }

/**
 * Which way bytes go on a link: from the client to the server, or back.
 *
 * @since 0.1.0
 * @category models
 */
export type Direction = "toServer" | "toClient"

/**
 * One end of a link.
 *
 * @since 0.1.0
 * @category models
 */
export type Side = "client" | "server"

/**
 * The conditions of a link. Each field given replaces the current value; those not given are left
 * as they are. The defaults make a perfect local link: no latency, no bandwidth limit, whole writes
 * (up to 64 KiB a segment), Linux's initial buffer sizes.
 *
 * @since 0.1.0
 * @category models
 */
export interface LinkConditions {
  /**
   * One-way delay of every packet, each direction (data, acknowledgements, FIN, RST); a number is
   * milliseconds. A connect's handshake takes the endpoint's own latency (`accept`) plus a round trip.
   */
  readonly latency?: Duration.DurationInput | undefined
  /**
   * Bytes per second, each direction (`Infinity` for no limit). Segments are then at most 1460 bytes
   * (Ethernet's), so a slow link trickles.
   */
  readonly bandwidth?: number | undefined
  /**
   * Deliver writes in slices of 1 to `chunk` bytes, sizes drawn from the network's seed; each slice
   * arrives as one read (`Infinity` for whole segments).
   */
  readonly chunk?: number | undefined
  /**
   * Nothing departs or arrives until unpaused (what was in flight is late by the pause); data
   * already received can still be read. Set for an endpoint, connection attempts to it wait too.
   */
  readonly paused?: boolean | undefined
  /** Each side's kernel send buffer, in bytes (default 16 KiB), for links opened from then on. */
  readonly sendBuffer?: number | undefined
  /**
   * Each side's kernel receive buffer, in bytes (default 128 KiB), for links opened from then on:
   * the window the peer may fill.
   */
  readonly receiveBuffer?: number | undefined
  /**
   * Once this many bytes of a direction have been sent (counted from the start of the connection),
   * the connection is reset: the receiver gets those bytes then `ECONNRESET`, the sender gets
   * `ECONNRESET` a latency later. A byte count already passed resets at once. `{}` clears the cuts.
   */
  readonly resetAfter?: Partial<Record<Direction, number>> | undefined
  /**
   * That direction ends after this many bytes, as if the sender had sent FIN there: the receiver
   * gets those bytes then its end; what the sender writes next is accepted and lost. `{}` clears
   * the cuts.
   */
  readonly endAfter?: Partial<Record<Direction, number>> | undefined
}

/**
 * What the buffers of one direction of a link hold right now, in bytes: in the sender's socket
 * buffer (`queued`, its `bufferSize`), in its kernel send buffer (not sent, or not yet
 * acknowledged), on the wire, in the receiver's kernel receive buffer, and read so far.
 *
 * @since 0.1.0
 * @category models
 */
export type DirectionStats = simulated.DirectionStats

/**
 * What the buffers of a link hold right now, each direction (`Link.stats`).
 *
 * @since 0.1.0
 * @category models
 */
export interface LinkStats {
  /** From the client to the server. */
  readonly toServer: DirectionStats
  /** From the server to the client. */
  readonly toClient: DirectionStats
}

/**
 * One connection's link, to change its conditions alone or to break it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Link {
  /** The endpoint the client connected to, as `TestNetwork.set` takes it. */
  readonly endpoint: string
  /** The client's address (`"127.0.0.1:40000"`). */
  readonly client: string
  /** Changes this link's conditions only, at once (see `LinkConditions`). */
  readonly condition: (conditions: LinkConditions) => Effect.Effect<void, InvalidArgument>
  /**
   * One side's host vanishes: it sends nothing more (no FIN, no RST) and what is sent to it is lost,
   * never acknowledged, so the other side's writes are accepted until its send buffer and socket
   * buffer fill, then block. The vanished side's handle is closed at once, silently.
   */
  readonly vanish: (side: Side) => Effect.Effect<void>
  /** Both sides fail at once with `ECONNRESET`. */
  readonly reset: Effect.Effect<void>
  /** What the link's buffers hold now, each direction. */
  readonly stats: Effect.Effect<LinkStats>
}

/**
 * A connection the simulated network accepted, seen from the server's side.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accepted {
  /** The endpoint the client connected to, as `TestNetwork.set` takes it. */
  readonly endpoint: string
  /** The server's end of the connection: nothing is delivered until `listen` is called on it. */
  readonly handle: Handle
  /** The connection's link. */
  readonly link: Link
}

/**
 * The control side of the simulated network.
 *
 * @since 0.1.0
 * @category services
 */
export class TestNetwork extends Context.Tag("@netfx/core/TestNetwork")<TestNetwork, {
  /** Sets how an endpoint (`"10.0.0.1:80"`, `"[::1]:80"` or a path) answers from now on. */
  readonly set: (endpoint: string, behaviour: Behaviour) => Effect.Effect<void>
  /**
   * Sets the conditions of the links to an endpoint: those open now and those opened later (see
   * `LinkConditions`). Bad values fail with `InvalidArgument`.
   */
  readonly condition: (endpoint: string, conditions: LinkConditions) => Effect.Effect<void, InvalidArgument>
  /** `condition(endpoint, { paused: true })`. */
  readonly pause: (endpoint: string) => Effect.Effect<void>
  /** `condition(endpoint, { paused: false })`. */
  readonly resume: (endpoint: string) => Effect.Effect<void>
  /**
   * Cuts the endpoint off: its open links stall (nothing is lost: what was sent arrives after the
   * heal, as TCP retransmits it) and new connection attempts get no answer until the heal.
   */
  readonly partition: (endpoint: string) => Effect.Effect<void>
  /** Ends a partition: stalled links move again, waiting attempts are answered. */
  readonly heal: (endpoint: string) => Effect.Effect<void>
  /** `Link.vanish` on every open link to the endpoint. */
  readonly vanish: (endpoint: string, side: Side) => Effect.Effect<void>
  /** The open links to an endpoint, in the order they were made. */
  readonly links: (endpoint: string) => Effect.Effect<ReadonlyArray<Link>>
  /** The server side of each accepted connection, in order. */
  readonly accepted: Queue.Dequeue<Accepted>
  /** Every connection attempt, in order, with the endpoint it targeted. */
  readonly attempts: Effect.Effect<ReadonlyArray<string>>
  /** How many client and server sockets are open right now: 0 when nothing leaks. */
  readonly openSockets: Effect.Effect<number>
  /** Breaks every open connection to an endpoint with an RST: both sides see `ECONNRESET` at once. */
  readonly reset: (endpoint: string) => Effect.Effect<void>
  /**
   * Makes the listener bound at `endpoint` (`"127.0.0.1:80"`, `"*:80"` for a wildcard host, or a
   * path) fail an accept with `code` (for example `EMFILE`), as a system out of descriptors does.
   */
  readonly failAccept: (endpoint: string, code: string) => Effect.Effect<void>
}>() {}

/**
 * The text form of an endpoint, as `TestNetwork.set` takes it.
 *
 * @since 0.1.0
 * @category accessors
 */
export const endpointKey = (endpoint: Endpoint): string =>
  endpoint._tag === "Ipc"
    ? endpoint.path
    : endpoint.family === 6
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`

const localAddressFor = (endpoint: Endpoint, port: number) =>
  endpoint._tag === "Ipc"
    ? ""
    : SocketAddress.unsafeMake({ address: endpoint.family === 6 ? "::1" : "127.0.0.1", port })

const remoteAddressFor = (endpoint: Endpoint) =>
  endpoint._tag === "Ipc" ? endpoint.path : SocketAddress.unsafeMake({ address: endpoint.address, port: endpoint.port })

const checkCuts = (
  value: Partial<Record<Direction, number>> | undefined,
  argument: string
): InvalidArgument | undefined => {
  if (value === undefined) return undefined
  if (typeof value !== "object" || value === null) {
    return invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be an object with toServer and/or toClient")
  }
  return checkInt(value.toServer, `${argument}.toServer`, 0) ?? checkInt(value.toClient, `${argument}.toClient`, 0)
}

const checkPositive = (value: unknown, argument: string, integer: boolean): InvalidArgument | undefined => {
  if (value === undefined || value === Infinity) return undefined
  if (typeof value !== "number") return invalid("ERR_INVALID_ARG_TYPE", argument, value, "must be of type number")
  return value > 0 && (!integer || Number.isInteger(value))
    ? undefined
    : invalid("ERR_OUT_OF_RANGE", argument, value, `must be ${integer ? "an integer " : "a number "}> 0, or Infinity`)
}

/** Checks conditions as a test gives them: the resolved fields, or the first bad one. */
const resolveConditions = (
  conditions: LinkConditions
): Partial<simulated.Conditions> | InvalidArgument => {
  if (typeof conditions !== "object" || conditions === null) {
    return invalid("ERR_INVALID_ARG_TYPE", "conditions", conditions, "must be of type object")
  }
  const latency = checkDuration(conditions.latency, "latency")
  if (latency !== undefined && !Duration.isDuration(latency)) return latency
  const bad = checkPositive(conditions.bandwidth, "bandwidth", false) ??
    checkPositive(conditions.chunk, "chunk", true) ??
    checkPositive(conditions.sendBuffer, "sendBuffer", true) ??
    checkPositive(conditions.receiveBuffer, "receiveBuffer", true) ??
    (conditions.paused === undefined || typeof conditions.paused === "boolean"
      ? undefined
      : invalid("ERR_INVALID_ARG_TYPE", "paused", conditions.paused, "must be of type boolean")) ??
    checkCuts(conditions.resetAfter, "resetAfter") ??
    checkCuts(conditions.endAfter, "endAfter")
  if (bad !== undefined) return bad
  if (latency !== undefined && !Duration.isFinite(latency)) {
    return invalid("ERR_OUT_OF_RANGE", "latency", conditions.latency, "must be finite")
  }
  const resolved: Partial<simulated.Conditions> = {}
  if (latency !== undefined) resolved.latency = Duration.toMillis(latency)
  if (conditions.bandwidth !== undefined) resolved.bandwidth = conditions.bandwidth
  if (conditions.chunk !== undefined) resolved.chunk = conditions.chunk
  if (conditions.paused !== undefined) resolved.paused = conditions.paused
  if (conditions.sendBuffer !== undefined) resolved.sendBuffer = conditions.sendBuffer
  if (conditions.receiveBuffer !== undefined) resolved.receiveBuffer = conditions.receiveBuffer
  if (conditions.resetAfter !== undefined) resolved.resetAfter = { ...conditions.resetAfter }
  if (conditions.endAfter !== undefined) resolved.endAfter = { ...conditions.endAfter }
  return resolved
}

const isInvalid = (u: Partial<simulated.Conditions> | InvalidArgument): u is InvalidArgument =>
  "_tag" in u && u._tag === "InvalidArgument"

/** What the network knows of one endpoint besides how it answers. */
class EndpointState {
  conditions: Partial<simulated.Conditions> = {}
  partitioned = false
  readonly links = new Set<simulated.Link>()
  /** Attempts waiting for the endpoint to thaw (partitioned, or its links paused). */
  readonly waiting = new Set<() => void>()

  get frozen(): boolean {
    return this.partitioned || this.conditions.paused === true
  }

  thaw(): void {
    if (this.frozen) return
    const waiting = [...this.waiting]
    this.waiting.clear()
    for (const f of waiting) f()
  }
}

/** A simulated connection attempt until it is answered. */
class Pending implements PendingConnect {
  done = false
  event: Event | undefined = undefined
  waitingIn: { readonly state: EndpointState; readonly f: () => void } | undefined = undefined
  cancel(): void {
    this.done = true
    this.event?.cancel()
    if (this.waitingIn !== undefined) this.waitingIn.state.waiting.delete(this.waitingIn.f)
  }
}

/**
 * Options of a simulated network.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The seed of every random choice (the slices of `chunk`): the same seed replays the same run. Default 1. */
  readonly seed?: number | undefined
  /** The conditions every link starts with (see `LinkConditions`). */
  readonly conditions?: LinkConditions | undefined
}

/**
 * A simulated network with options: its `Transport` and its `TestNetwork` control. Endpoints not set
 * refuse at once (`ECONNREFUSED`). Fails with `InvalidArgument` for bad conditions.
 *
 * @example
 * import { Connection, TestTransport } from "@netfx/core"
 * import { Effect, Fiber, Queue, TestClock, TestContext } from "effect"
 *
 * // A 1 KB/s link with 20 ms of latency, delivering writes 1 to 8 bytes at a time; time is TestClock's.
 * const program = Effect.gen(function*() {
 *   const network = yield* TestTransport.TestNetwork
 *   yield* network.set("10.0.0.1:80", TestTransport.accept())
 *   const connecting = yield* Effect.fork(Connection.connect({ host: "10.0.0.1", port: 80 }))
 *   yield* TestClock.adjust("40 millis") // the handshake: one round trip
 *   const conn = yield* Fiber.join(connecting)
 *   const { link } = yield* Queue.take(network.accepted)
 *   yield* conn.write("hello")
 *   yield* TestClock.adjust("25 millis") // 5 ms to send 5 bytes at 1 KB/s, then 20 ms on the wire
 *   return (yield* link.stats).toServer.receiveBuffer // 5
 * }).pipe(
 *   Effect.scoped,
 *   Effect.provide(TestTransport.layerWith({ seed: 7, conditions: { latency: 20, bandwidth: 1000, chunk: 8 } })),
 *   Effect.provide(TestContext.TestContext)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<Transport | TestNetwork | TestTls, InvalidArgument> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const seed = options.seed ?? 1
      if (typeof seed !== "number" || !Number.isInteger(seed)) {
        return yield* invalid("ERR_INVALID_ARG_TYPE", "seed", seed, "must be an integer")
      }
      const initial = resolveConditions(options.conditions ?? {})
      if (isInvalid(initial)) return yield* initial
      const defaults: simulated.Conditions = { ...simulated.defaultConditions, ...initial }

      const clock = yield* Effect.clock
      const events = new EventQueue(clock)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          for (const state of endpoints.values()) for (const link of [...state.links]) link.teardown()
          events.close()
        })
      )

      const behaviours = new Map<string, Behaviour>()
      const endpoints = new Map<string, EndpointState>()
      const stateOf = (key: string) => {
        let state = endpoints.get(key)
        if (state === undefined) endpoints.set(key, state = new EndpointState())
        return state
      }
      const accepted = yield* Queue.unbounded<Accepted>()
      const attempts: Array<string> = []
      let openCount = 0
      let nextPort = 40000
      let linkCount = 0

      // Listeners, by the key a connection to them has; a wildcard host ("::", "0.0.0.0" or none)
      // is registered as "*:port" and takes connections to any address on that port.
      const listeners = new Map<string, { events: ListenerEvents | undefined }>()
      let nextListenPort = 30000
      const listenerFor = (endpoint: Endpoint) =>
        listeners.get(endpointKey(endpoint)) ??
          (endpoint._tag === "Tcp" ? listeners.get(`*:${endpoint.port}`) : undefined)

      const listen = (endpoint: ListenEndpoint) =>
        Effect.gen(function*() {
          if (endpoint._tag === "Fd") {
            return yield* new ListenError({
              code: "ERR_INVALID_FD_TYPE",
              syscall: "listen",
              description: "no descriptors"
            })
          }
          const port = endpoint._tag === "Tcp" ? (endpoint.port === 0 ? nextListenPort++ : endpoint.port) : 0
          const wildcard = endpoint._tag === "Tcp" &&
            (endpoint.host === undefined || endpoint.host === "::" || endpoint.host === "0.0.0.0")
          const key = endpoint._tag === "Ipc"
            ? endpoint.path
            : wildcard
            ? `*:${port}`
            : endpointKey({ _tag: "Tcp", address: endpoint.host!, port, family: endpoint.host!.includes(":") ? 6 : 4 })
          if (listeners.has(key)) {
            return yield* new ListenError({
              code: "EADDRINUSE",
              syscall: "listen",
              description: "address already in use",
              ...(endpoint._tag === "Tcp" ? { address: endpoint.host ?? "::", port } : { address: endpoint.path })
            })
          }
          const entry: { events: ListenerEvents | undefined } = { events: undefined }
          return yield* Effect.acquireRelease(
            Effect.sync((): Listener => {
              listeners.set(key, entry)
              return {
                address: endpoint._tag === "Ipc"
                  ? endpoint.path
                  : SocketAddress.unsafeMake({ address: endpoint.host === undefined ? "::" : endpoint.host, port }),
                listen: (events) => {
                  entry.events = events
                },
                close: () => {
                  if (listeners.get(key) === entry) listeners.delete(key)
                },
                ref: () => {},
                unref: () => {}
              }
            }),
            (listener) => Effect.sync(() => listener.close())
          )
        })

      const linkControl = (key: string, link: simulated.Link): Link => ({
        endpoint: key,
        client: String(link.client.localAddress()),
        condition: (conditions) =>
          Effect.suspend(() => {
            const resolved = resolveConditions(conditions)
            if (isInvalid(resolved)) return Effect.fail(resolved)
            link.update(resolved)
            return Effect.void
          }),
        vanish: (side) => Effect.sync(() => link.vanish(side)),
        reset: Effect.sync(() => link.reset()),
        stats: Effect.sync(() => link.stats())
      })

      /** The handshake completed: a link joins both sides. */
      const established = (endpoint: Endpoint, key: string, state: EndpointState, callbacks: ConnectCallbacks) => {
        const localPort = nextPort++
        const link = new simulated.Link(
          events,
          { ...defaults, ...state.conditions },
          seed,
          linkCount++,
          { client: localAddressFor(endpoint, localPort), server: remoteAddressFor(endpoint) },
          () => {
            openCount--
          },
          (gone) => {
            state.links.delete(gone)
          }
        )
        if (state.partitioned) link.setPartitioned(true)
        state.links.add(link)
        openCount += 2
        const listenerEvents = listenerFor(endpoint)?.events
        if (listenerEvents !== undefined) listenerEvents.onConnection(link.server)
        else Queue.unsafeOffer(accepted, { endpoint: key, handle: link.server, link: linkControl(key, link) })
        callbacks.onConnect(link.client)
      }

      const connect = (endpoint: Endpoint, callbacks: ConnectCallbacks): PendingConnect => {
        const key = endpointKey(endpoint)
        attempts.push(key)
        const listener = listenerFor(endpoint)
        const behaviour = behaviours.get(key) ?? (listener === undefined ? refuse() : accept())
        const pending = new Pending()
        if (behaviour._tag === "Blackhole") return pending
        const state = stateOf(key)
        const answer = () => {
          if (pending.done) return
          pending.done = true
          if (behaviour._tag === "Accept") return established(endpoint, key, state, callbacks)
          callbacks.onError(
            new SocketError({ code: endpoint._tag === "Ipc" ? "ENOENT" : "ECONNREFUSED", syscall: "connect" })
          )
        }
        // A frozen endpoint (partitioned, or its links paused) answers nothing until it thaws.
        const whenThawed = (f: () => void) => {
          if (!state.frozen) return f()
          pending.waitingIn = { state, f }
          state.waiting.add(f)
        }
        const handshake = () => {
          pending.waitingIn = undefined
          const latency = Duration.toMillis(Duration.decode(behaviour.latency))
          const roundTrip = 2 * (state.conditions.latency ?? defaults.latency)
          pending.event = events.after(latency + roundTrip, () => {
            pending.event = undefined
            whenThawed(answer)
          })
        }
        whenThawed(handshake)
        return pending
      }

      const forEachLink = (endpoint: string, f: (link: simulated.Link) => void) =>
        Effect.sync(() => {
          const state = endpoints.get(endpoint)
          if (state !== undefined) { for (const link of [...state.links]) f(link) }
        })

      const condition = (endpoint: string, conditions: LinkConditions) =>
        Effect.suspend(() => {
          const resolved = resolveConditions(conditions)
          if (isInvalid(resolved)) return Effect.fail(resolved)
          const state = stateOf(endpoint)
          Object.assign(state.conditions, resolved)
          for (const link of [...state.links]) link.update(resolved)
          state.thaw()
          return Effect.void
        })

      const setPartitioned = (endpoint: string, partitioned: boolean) =>
        Effect.sync(() => {
          const state = stateOf(endpoint)
          state.partitioned = partitioned
          for (const link of [...state.links]) link.setPartitioned(partitioned)
          state.thaw()
        })

      const network = TestNetwork.of({
        set: (endpoint, behaviour) => Effect.sync(() => void behaviours.set(endpoint, behaviour)),
        condition,
        pause: (endpoint) => Effect.orDie(condition(endpoint, { paused: true })),
        resume: (endpoint) => Effect.orDie(condition(endpoint, { paused: false })),
        partition: (endpoint) => setPartitioned(endpoint, true),
        heal: (endpoint) => setPartitioned(endpoint, false),
        vanish: (endpoint, side) => forEachLink(endpoint, (link) => link.vanish(side)),
        links: (endpoint) =>
          Effect.sync(() => [...(endpoints.get(endpoint)?.links ?? [])].map((link) => linkControl(endpoint, link))),
        accepted,
        attempts: Effect.sync(() => attempts.slice()),
        openSockets: Effect.sync(() => openCount),
        failAccept: (endpoint, code) =>
          Effect.sync(() => listeners.get(endpoint)?.events?.onError(new SocketError({ code, syscall: "accept" }))),
        reset: (endpoint) => forEachLink(endpoint, (link) => link.reset())
      })
      // A simulated network has no file descriptors.
      const openFd = (fd: number) =>
        Effect.fail(
          new SocketError({
            code: "ERR_INVALID_FD_TYPE",
            syscall: "open",
            cause: new Error(`TestTransport has no file descriptors (fd ${fd})`)
          })
        )
      // TLS on the simulated network (see `TestTls`).
      const tls = testTls.make(clock)
      return Context.make(TestNetwork, network).pipe(
        Context.add(
          Transport,
          Transport.of({
            connect,
            listen,
            open: openFd,
            defaultAttemptDelay: () => 250,
            startTls: tls.startTls,
            prepareTls: tls.prepareTls
          })
        ),
        Context.add(TestTls, TestTls.of({ set: (endpoint, peer) => Effect.sync(() => tls.setPeer(endpoint, peer)) }))
      )
    })
  )

/**
 * A simulated network with perfect links (see `layerWith` to set conditions and the seed): its
 * `Transport` and its `TestNetwork` control. Endpoints not set refuse at once (`ECONNREFUSED`).
 *
 * @example
 * import { Connection, Resolver, TestTransport } from "@netfx/core"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const network = yield* TestTransport.TestNetwork
 *   yield* network.set("[::1]:80", TestTransport.blackhole)
 *   yield* network.set("127.0.0.1:80", TestTransport.accept("10 millis"))
 *   return yield* Connection.connect({ host: "localhost", port: 80 })
 * }).pipe(
 *   Effect.scoped,
 *   Effect.provide(Layer.merge(TestTransport.layer, Resolver.layerStatic({ localhost: ["::1", "127.0.0.1"] })))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Transport | TestNetwork | TestTls> = Layer.orDie(layerWith())

// TLS on the simulated network.

/**
 * How a scripted TLS peer answers a client's handshake (see `TestTls`).
 *
 * @since 0.1.0
 * @category models
 */
export type TlsPeer = testTls.Behaviour

/**
 * A TLS peer that completes the handshake after `latency`, with the session given (the rest is
 * TLS 1.3 with the client's first ALPN protocol and its server name).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tlsSecure = (latency: Duration.DurationInput = 0, session?: Partial<Tls.Session>): TlsPeer => ({
  _tag: "Secure",
  latency,
  session
})

/**
 * A TLS peer that fails the handshake after `latency` with Node's `code` (`CERT_HAS_EXPIRED`,
 * `ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE`, ...), which the client's `TlsError` carries.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tlsFail = (code: string, latency: Duration.DurationInput = 0): TlsPeer => ({
  _tag: "Fail",
  latency,
  code
})

/**
 * A TLS peer that never answers: the handshake runs until a timeout ends it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tlsSilent: TlsPeer = { _tag: "Silent" }

/**
 * The TLS side of the simulated network. Handshakes need no certificates there: a client's
 * handshake with a netfx server that has `tls` runs the simulated protocol over the link (server
 * name, ALPN selection, a client certificate asked for), and one with an endpoint given a scripted
 * peer here answers as told, at exact instants on the `Clock`. After the handshake, bytes pass as
 * they are; `conn.tls` tells the simulated session.
 *
 * @example
 * import { Connection, TestTransport } from "@netfx/core"
 * import { Effect, Fiber, TestClock, TestContext } from "effect"
 *
 * // A handshake that never completes ends with the connect timeout, exactly (time is TestClock's).
 * const program = Effect.gen(function*() {
 *   const network = yield* TestTransport.TestNetwork
 *   const tls = yield* TestTransport.TestTls
 *   yield* network.set("10.0.0.1:443", TestTransport.accept("20 millis"))
 *   yield* tls.set("10.0.0.1:443", TestTransport.tlsSilent)
 *   const fiber = yield* Effect.fork(Connection.connect({ host: "10.0.0.1", port: 443, timeout: "1 second", tls: {} }))
 *   yield* TestClock.adjust("1 second")
 *   return yield* Fiber.await(fiber) // TlsError, reason "Timeout", at 1000 ms
 * }).pipe(Effect.scoped, Effect.provide(TestTransport.layer), Effect.provide(TestContext.TestContext))
 *
 * @since 0.1.0
 * @category services
 */
export class TestTls extends Context.Tag("@netfx/core/TestTls")<TestTls, {
  /** Scripts how the endpoint (`"10.0.0.1:443"`, `"[::1]:443"`, or a path) answers TLS clients from now on. */
  readonly set: (endpoint: string, peer: TlsPeer) => Effect.Effect<void>
}>() {}
