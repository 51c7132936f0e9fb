/**
 * A `Transport` that simulates a network in memory, for deterministic tests of connection logic.
 *
 * Each endpoint (`"10.0.0.1:80"`, `"[::1]:80"`, or a Unix socket path) behaves as told: it accepts
 * after a latency, refuses after a latency, or never answers (a blackhole). Latencies run on
 * Effect's `Clock`, so a test drives them with `TestClock` and asserts exact instants. Accepted
 * connections appear on the server side as `Handle`s that the test reads and writes (or, where a
 * simulated listener is bound with `Transport.listen`, are delivered to it); `reset` breaks them
 * with an RST.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { ConnectError, ListenError, SocketError } from "./NetError.js"
import * as SocketAddress from "./SocketAddress.js"
import type { Endpoint, Handle, HandleEvents, ListenEndpoint, Listener, ListenerEvents } from "./Transport.js"
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
 * @since 0.1.0
 * @category constructors
 */
export const accept = (latency: Duration.DurationInput = 0): Behaviour => ({ _tag: "Accept", latency })

/**
 * @since 0.1.0
 * @category constructors
 */
export const refuse = (latency: Duration.DurationInput = 0): Behaviour => ({ _tag: "Refuse", latency })

/**
 * @since 0.1.0
 * @category constructors
 */
export const blackhole: Behaviour = { _tag: "Blackhole" }

/**
 * A connection the simulated network accepted, seen from the server's side.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accepted {
  readonly endpoint: string
  readonly handle: Handle
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
  /** The server side of each accepted connection, in order. */
  readonly accepted: Queue.Dequeue<Accepted>
  /** Every connection attempt, in order, with the endpoint it targeted. */
  readonly attempts: Effect.Effect<ReadonlyArray<string>>
  /** How many client and server sockets are open right now: 0 when nothing leaks. */
  readonly openSockets: Effect.Effect<number>
  /** Breaks every open connection to an endpoint with an RST: both sides see `ECONNRESET`. */
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

const HIGH_WATER_MARK = 16 * 1024

/** One end of an in-memory socket pair. */
class End implements Handle {
  peer!: End
  private events: HandleEvents | undefined
  private inbox: Array<Uint8Array> = []
  private inboxBytes = 0
  private paused = false
  private scheduled = false
  private peerEnded = false
  private endDelivered = false
  private writeEnded = false
  private peerWaitsForDrain = false
  closed = false
  private read = 0
  private written = 0

  constructor(
    private readonly local: SocketAddress.SocketAddress | string | undefined,
    private readonly remote: SocketAddress.SocketAddress | string | undefined,
    private readonly onClosed: () => void
  ) {}

  listen(events: HandleEvents) {
    this.events = events
    this.schedule()
  }
  /** An in-memory end has no runtime handle to give. */
  detach(): undefined {
    return undefined
  }
  pause() {
    this.paused = true
  }
  resume() {
    this.paused = false
    this.schedule()
  }
  write(chunk: Uint8Array | string, callback?: (error?: SocketError) => void): boolean {
    if (this.closed || this.writeEnded) {
      if (callback !== undefined) {
        queueMicrotask(() =>
          callback(new SocketError({ code: this.closed ? "ERR_SOCKET_CLOSED" : "EPIPE", syscall: "write" }))
        )
      }
      return false
    }
    if (callback !== undefined) queueMicrotask(() => callback())
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk
    this.written += bytes.length
    this.peer.receive(bytes)
    const below = this.peer.inboxBytes < HIGH_WATER_MARK
    if (!below) this.peer.peerWaitsForDrain = true
    return below
  }
  end(callback: (error?: SocketError) => void) {
    if (!this.writeEnded && !this.closed) {
      this.writeEnded = true
      this.peer.peerEnded = true
      this.peer.schedule()
    }
    queueMicrotask(() => callback())
  }
  destroy() {
    if (this.closed) return
    // A destroyed TCP socket sends FIN if it has not yet.
    if (!this.writeEnded) {
      this.writeEnded = true
      this.peer.peerEnded = true
      this.peer.schedule()
    }
    this.close()
  }
  reset() {
    if (this.closed) return
    this.close()
    this.peer.fail(new SocketError({ code: "ECONNRESET", syscall: "read" }))
  }
  setNoDelay() {}
  ref() {}
  unref() {}
  setKeepAlive() {}
  setTypeOfService(_tos: number) {
    return Effect.void
  }
  bytesRead() {
    return this.read
  }
  bytesWritten() {
    return this.written
  }
  bufferSize() {
    return 0
  }
  localAddress() {
    return this.local
  }
  remoteAddress() {
    return this.remote
  }

  fail(error: SocketError) {
    if (this.closed) return
    this.events?.onError(error)
    this.close()
  }
  private close() {
    this.closed = true
    this.inbox = []
    this.inboxBytes = 0
    this.onClosed()
    const events = this.events
    if (events !== undefined) queueMicrotask(() => events.onClose())
  }
  private receive(bytes: Uint8Array) {
    if (this.closed) return
    this.inbox.push(bytes)
    this.inboxBytes += bytes.length
    this.schedule()
  }
  private schedule() {
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      this.flush()
    })
  }
  private flush() {
    const events = this.events
    if (events === undefined || this.closed) return
    while (!this.paused && this.inbox.length > 0) {
      const chunk = this.inbox.shift()!
      this.inboxBytes -= chunk.length
      this.read += chunk.length
      events.onData(chunk)
    }
    if (this.peerWaitsForDrain && this.inboxBytes < HIGH_WATER_MARK) {
      this.peerWaitsForDrain = false
      this.peer.events?.onDrain()
    }
    if (this.inbox.length === 0 && this.peerEnded && !this.endDelivered) {
      this.endDelivered = true
      events.onEnd()
    }
  }
}

const localAddressFor = (endpoint: Endpoint, port: number) =>
  endpoint._tag === "Ipc"
    ? ""
    : SocketAddress.unsafeMake({ address: endpoint.family === 6 ? "::1" : "127.0.0.1", port })

const remoteAddressFor = (endpoint: Endpoint) =>
  endpoint._tag === "Ipc" ? endpoint.path : SocketAddress.unsafeMake({ address: endpoint.address, port: endpoint.port })

/**
 * A simulated network: its `Transport` and its `TestNetwork` control. Endpoints not set refuse at
 * once (`ECONNREFUSED`).
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
export const layer: Layer.Layer<Transport | TestNetwork> = Layer.effectContext(
  Effect.gen(function*() {
    const behaviours = new Map<string, Behaviour>()
    const accepted = yield* Queue.unbounded<Accepted>()
    const attempts: Array<string> = []
    const open = new Map<string, Set<End>>()
    let openCount = 0
    let nextPort = 40000

    const register = (key: string, end: End) => {
      openCount++
      let set = open.get(key)
      if (set === undefined) open.set(key, set = new Set())
      set.add(end)
    }
    const unregister = (key: string, end: End) => () => {
      openCount--
      open.get(key)?.delete(end)
    }

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

    const connect = (endpoint: Endpoint) =>
      Effect.gen(function*() {
        const key = endpointKey(endpoint)
        attempts.push(key)
        const listener = listenerFor(endpoint)
        const behaviour = behaviours.get(key) ?? (listener === undefined ? refuse() : accept())
        const refused = () =>
          new ConnectError({
            code: endpoint._tag === "Ipc" ? "ENOENT" : "ECONNREFUSED",
            syscall: "connect",
            ...(endpoint._tag === "Tcp"
              ? { address: endpoint.address, port: endpoint.port }
              : { address: endpoint.path })
          })
        switch (behaviour._tag) {
          case "Blackhole":
            return yield* Effect.never
          case "Refuse":
            yield* Effect.sleep(behaviour.latency)
            return yield* Effect.fail(refused())
          case "Accept": {
            yield* Effect.sleep(behaviour.latency)
            const localPort = nextPort++
            return yield* Effect.acquireRelease(
              Effect.sync(() => {
                const server: End = new End(remoteAddressFor(endpoint), localAddressFor(endpoint, localPort), () => {
                  unregister(key, server)()
                })
                const client: End = new End(localAddressFor(endpoint, localPort), remoteAddressFor(endpoint), () => {
                  unregister(key, client)()
                })
                client.peer = server
                server.peer = client
                register(key, client)
                register(key, server)
                const events = listenerFor(endpoint)?.events
                if (events !== undefined) events.onConnection(server)
                else Queue.unsafeOffer(accepted, { endpoint: key, handle: server })
                return client as Handle
              }),
              (handle) => Effect.sync(() => handle.destroy())
            )
          }
        }
      })

    const network = TestNetwork.of({
      set: (endpoint, behaviour) => Effect.sync(() => void behaviours.set(endpoint, behaviour)),
      accepted,
      attempts: Effect.sync(() => attempts.slice()),
      openSockets: Effect.sync(() => openCount),
      failAccept: (endpoint, code) =>
        Effect.sync(() => listeners.get(endpoint)?.events?.onError(new SocketError({ code, syscall: "accept" }))),
      reset: (endpoint) =>
        Effect.sync(() => {
          for (const end of [...(open.get(endpoint) ?? [])]) {
            end.fail(new SocketError({ code: "ECONNRESET", syscall: "read" }))
          }
        })
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
    return Context.make(TestNetwork, network).pipe(
      Context.add(Transport, Transport.of({ connect, listen, open: openFd }))
    )
  })
)
