/**
 * A TCP or IPC connection as a scoped resource: its bytes arrive as a backpressured `Stream`,
 * leave through `write` or a `Sink`, and closing the scope closes the socket.
 *
 * `connect` resolves the host with the `Resolver`, drops what the `blockList` blocks, and races the
 * addresses with Happy Eyeballs (RFC 8305) through the `Transport`.
 *
 * @since 0.1.0
 */
import type * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import type * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as BlockList from "./BlockList.js"
import * as connection from "./internal/connection.js"
import * as happyEyeballs from "./internal/happyEyeballs.js"
import { optionalBoolean, optionalDuration, optionalFunction, validate, validatePath } from "./internal/options.js"
import * as tracing from "./internal/tracing.js"
import * as IP from "./IP.js"
import type { ConnectionError, InvalidArgument, ResolveError, SocketError } from "./NetError.js"
import { AllAttemptsFailed, Blocked, ConnectError, ConnectTimeout } from "./NetError.js"
import * as Resolver from "./Resolver.js"
import type { SocketAddress } from "./SocketAddress.js"
import type { Handle } from "./Transport.js"
import { Transport } from "./Transport.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof connection.TypeId = connection.TypeId

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * An open connection. Its scope owns it: closing the scope flushes what is queued, sends FIN and
 * releases the socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection extends Pipeable {
  readonly [TypeId]: TypeId
  /**
   * The bytes the peer sends, ending when the peer ends its side. Read it once: it is a single
   * consumer view of the socket. A slow consumer pauses the socket, so the kernel stops reading and
   * the peer's writes back up.
   */
  readonly stream: Stream.Stream<Uint8Array, ConnectionError>
  /**
   * Reads what has arrived: every buffered chunk at once, waiting for at least one; `Option.none()`
   * once the peer has ended. The same bytes as `stream`, for protocols that read in a loop (a
   * request, then its reply) without the cost of a stream per message. Do not mix with a running
   * `stream`: the connection has one reader.
   */
  readonly read: Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError>
  /** Writes bytes (or UTF-8 text); waits while the socket's write buffer is over its high-water mark. */
  readonly write: (chunk: Uint8Array | string) => Effect.Effect<void, ConnectionError>
  readonly writeAll: (chunks: Iterable<Uint8Array | string>) => Effect.Effect<void, ConnectionError>
  /** The write side as a sink. It does not end the connection when the stream ends. */
  readonly sink: Sink.Sink<void, Uint8Array | string, never, ConnectionError>
  /** Half-closes: flushes what is queued and sends FIN. Reading goes on. */
  readonly end: Effect.Effect<void, ConnectionError>
  /** Closes gracefully: flushes, sends FIN and releases the socket without waiting for the peer. */
  readonly close: Effect.Effect<void>
  /** Closes at once with a TCP RST; queued bytes are dropped. */
  readonly abort: Effect.Effect<void>
  /** Completes when the socket is closed, by either side. */
  readonly awaitClose: Effect.Effect<void>
  /** The local address (a `SocketAddress`, or the path of a Unix socket). */
  readonly localAddress: SocketAddress | string | undefined
  /** The peer's address (a `SocketAddress`, or the path of a Unix socket). */
  readonly remoteAddress: SocketAddress | string | undefined
  readonly bytesRead: Effect.Effect<number>
  readonly bytesWritten: Effect.Effect<number>
  /** Bytes queued for writing and not yet handed to the system. */
  readonly bufferSize: Effect.Effect<number>
  readonly setNoDelay: (noDelay?: boolean) => Effect.Effect<void>
  readonly setKeepAlive: (enable?: boolean, initialDelay?: Duration.DurationInput) => Effect.Effect<void>
  /** Sets the IP type of service byte (0-255). Fails where the runtime cannot set it. */
  readonly setTypeOfService: (tos: number) => Effect.Effect<void, SocketError>
  readonly getTypeOfService: Effect.Effect<number>
  /**
   * Subscribes to idle periods: the queue receives an item each time nothing was read or written
   * for the idle timeout, as Node's `'timeout'` event (once per idle period; the connection stays
   * open unless `failOnIdle`). The subscription lasts as long as its scope.
   */
  readonly subscribeIdle: Effect.Effect<Queue.Dequeue<void>, never, Scope.Scope>
  /**
   * Sets (or with `undefined` or zero, clears) the idle timeout, counted from now. With
   * `failOnIdle`, the idle timeout fails the connection with `IdleTimeout` and closes it.
   */
  readonly setIdleTimeout: (timeout: Duration.DurationInput | undefined, failOnIdle?: boolean) => Effect.Effect<void>
}

/**
 * Tells whether a value is a `Connection`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isConnection = (u: unknown): u is Connection => Predicate.hasProperty(u, TypeId)

/**
 * What `connect` reports while it works, for logs, metrics and the compat package's events
 * (`lookup`, `connectionAttempt`, `connectionAttemptFailed`, `connectionAttemptTimeout`).
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectEvent =
  | { readonly _tag: "Lookup"; readonly host: string; readonly addresses: ReadonlyArray<Resolver.ResolvedAddress> }
  | { readonly _tag: "Attempt"; readonly address: string; readonly port: number; readonly family: 4 | 6 }
  | {
    readonly _tag: "AttemptFailed"
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
    readonly error: ConnectError
  }
  | { readonly _tag: "AttemptTimeout"; readonly address: string; readonly port: number; readonly family: 4 | 6 }

/**
 * Options of both kinds of connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonOptions {
  /** Fail with `ConnectTimeout` when no connection is made in this time (lookup included). */
  readonly timeout?: Duration.DurationInput | undefined
  /** When false (the default, as in Node), the peer's FIN ends our side too. */
  readonly allowHalfOpen?: boolean | undefined
  /** Bytes read ahead of the consumer before the socket is paused. Default 64 KiB. */
  readonly readHighWaterMark?: number | undefined
  /** Report (on `idle`) each period of this long without reads or writes. None by default. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** With `idleTimeout`: fail the connection with `IdleTimeout` and close it instead. */
  readonly failOnIdle?: boolean | undefined
  /** How long closing the scope waits for queued bytes to be flushed. Default 2 seconds. */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /** Called on each step of the connection (lookup, attempts). Must not throw. */
  readonly onEvent?: ((event: ConnectEvent) => void) | undefined
}

/**
 * How to reach a TCP destination, with Node's names and defaults.
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpOptions extends CommonOptions {
  /** A host name or an IP address. Default `localhost`. */
  readonly host?: string | undefined
  readonly port: number
  readonly localAddress?: string | undefined
  readonly localPort?: number | undefined
  /** 4 or 6 to use one family only; 0 (the default) for both. */
  readonly family?: 0 | 4 | 6 | undefined
  /** `getaddrinfo` hints (`dns.ADDRCONFIG`, ...). */
  readonly hints?: number | undefined
  /** A lookup function in Node's callback shape, used instead of the `Resolver`. */
  readonly lookup?: Resolver.NodeLookupFunction | undefined
  readonly noDelay?: boolean | undefined
  readonly keepAlive?: boolean | undefined
  readonly keepAliveInitialDelay?: Duration.DurationInput | undefined
  readonly typeOfService?: number | undefined
  /** Race the addresses of both families (default true). */
  readonly autoSelectFamily?: boolean | undefined
  /**
   * `staggered` (the default): RFC 8305, earlier attempts keep running when the next starts.
   * `sequential`: Node's own behaviour, each attempt is aborted when its delay passes.
   */
  readonly autoSelectFamilyPolicy?: happyEyeballs.Policy | undefined
  /** The Connection Attempt Delay: default 250 ms, kept within [10 ms, 2 s] (RFC 8305 §5, §8). */
  readonly autoSelectFamilyAttemptDelay?: Duration.DurationInput | undefined
  /** How many addresses of the first family are tried before the other family (default 1). */
  readonly firstFamilyCount?: number | undefined
  /** Addresses this blocks are never dialled. */
  readonly blockList?: BlockList.BlockList | undefined
}

/**
 * A Unix domain socket (or a Linux abstract socket, a path starting with `\0`).
 *
 * @since 0.1.0
 * @category models
 */
export interface IpcOptions extends CommonOptions {
  readonly path: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type ConnectOptions = TcpOptions | IpcOptions

/**
 * Why `connect` failed.
 *
 * @since 0.1.0
 * @category errors
 */
export type ConnectFailure =
  | ConnectError
  | AllAttemptsFailed
  | Blocked
  | ConnectTimeout
  | ResolveError
  | InvalidArgument
  | SocketError

const DEFAULT_DELAY = Duration.millis(250)
const MIN_DELAY = Duration.millis(10)
const MAX_DELAY = Duration.seconds(2)

const isIpc = (options: ConnectOptions): options is IpcOptions => "path" in options && options.path !== undefined

const commonFields = {
  timeout: optionalDuration,
  allowHalfOpen: optionalBoolean,
  readHighWaterMark: Schema.optional(Schema.Int.pipe(Schema.positive())),
  idleTimeout: optionalDuration,
  failOnIdle: optionalBoolean,
  closeTimeout: optionalDuration,
  onEvent: optionalFunction
}

/**
 * The schema `connect` validates TCP options with. Also usable to decode options from
 * configuration (durations as numbers of milliseconds or as text such as `"5 seconds"`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TcpOptionsSchema = Schema.Struct({
  ...commonFields,
  host: Schema.optional(Schema.NonEmptyString),
  port: IP.Port,
  localAddress: Schema.optional(IP.Address),
  localPort: Schema.optional(IP.Port),
  family: Schema.optional(Schema.Literal(0, 4, 6)),
  hints: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  lookup: optionalFunction,
  noDelay: optionalBoolean,
  keepAlive: optionalBoolean,
  keepAliveInitialDelay: optionalDuration,
  typeOfService: Schema.optional(Schema.Int.pipe(Schema.between(0, 255))),
  autoSelectFamily: optionalBoolean,
  autoSelectFamilyPolicy: Schema.optional(Schema.Literal("staggered", "sequential")),
  autoSelectFamilyAttemptDelay: optionalDuration,
  firstFamilyCount: Schema.optional(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))),
  blockList: Schema.optional(BlockList.BlockListFromSelf)
})

/**
 * The schema `connect` validates IPC options with.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IpcOptionsSchema = Schema.Struct({
  ...commonFields,
  path: Schema.NonEmptyString
})

// Which of Node's codes a bad field gets (lib/net.js validators; see node-net-behaviour.md §5.2).
const fieldCodes: Record<string, InvalidArgument["code"]> = {
  port: "ERR_SOCKET_BAD_PORT",
  localPort: "ERR_SOCKET_BAD_PORT",
  localAddress: "ERR_INVALID_IP_ADDRESS",
  family: "ERR_INVALID_ARG_VALUE",
  autoSelectFamilyPolicy: "ERR_INVALID_ARG_VALUE",
  typeOfService: "ERR_OUT_OF_RANGE",
  firstFamilyCount: "ERR_OUT_OF_RANGE",
  readHighWaterMark: "ERR_OUT_OF_RANGE",
  hints: "ERR_INVALID_ARG_VALUE"
}

const clampDelay = (delay: Duration.DurationInput | undefined, policy: happyEyeballs.Policy): Duration.Duration => {
  const decoded = Duration.decode(delay ?? DEFAULT_DELAY)
  const atLeast = Duration.max(decoded, MIN_DELAY)
  // Node only has a floor of 10 ms; RFC 8305 also caps the delay at 2 s.
  return policy === "staggered" ? Duration.min(atLeast, MAX_DELAY) : atLeast
}

const dialIpc = (options: IpcOptions) =>
  Effect.gen(function*() {
    yield* validate(IpcOptionsSchema, options, fieldCodes)
    yield* validatePath(options.path)
    const transport = yield* Transport
    return yield* transport.connect({ _tag: "Ipc", path: options.path })
  })

const dialTcp = (options: TcpOptions) =>
  Effect.gen(function*() {
    yield* validate(TcpOptionsSchema, options, fieldCodes)
    const transport = yield* Transport
    const emit = options.onEvent ?? (() => {})
    const host = options.host ?? "localhost"
    const port = options.port
    const family = options.family ?? 0

    const resolver = options.lookup === undefined ? yield* Resolver.Resolver : Resolver.fromNodeLookup(options.lookup)
    const resolved = yield* resolver.lookup(host, { family, hints: options.hints })
    if (IP.isIP(host) === 0) emit({ _tag: "Lookup", host, addresses: resolved })

    const allowed = options.blockList === undefined
      ? resolved
      : resolved.filter((a) => !BlockList.check(options.blockList!, a.address, a.family === 4 ? "ipv4" : "ipv6"))
    if (allowed.length === 0) {
      return yield* new Blocked({ host, addresses: resolved.map((a) => a.address) })
    }

    const local = { localAddress: options.localAddress, localPort: options.localPort }
    const attempt = (candidate: happyEyeballs.Candidate) => transport.connect({ _tag: "Tcp", ...candidate, ...local })

    // Node autoselects only without a family or a local address (lib/net.js lookupAndConnect).
    const autoSelect = (options.autoSelectFamily ?? true) && family === 0 && options.localAddress === undefined
    let handle
    if (!autoSelect || allowed.length === 1) {
      const first = allowed[0]!
      const candidate = { address: first.address, port, family: first.family }
      emit({ _tag: "Attempt", ...candidate })
      handle = yield* attempt(candidate).pipe(
        happyEyeballs.withAttemptSpan(candidate),
        Effect.tapError((error) => Effect.sync(() => emit({ _tag: "AttemptFailed", ...candidate, error })))
      )
    } else {
      const policy = options.autoSelectFamilyPolicy ?? "staggered"
      const candidates = happyEyeballs
        .interleave(allowed, options.firstFamilyCount ?? 1)
        .map((a) => ({ address: a.address, port, family: a.family }))
      handle = yield* happyEyeballs.race(candidates, {
        policy,
        delay: clampDelay(options.autoSelectFamilyAttemptDelay, policy),
        attempt,
        timeoutError: (c) =>
          new ConnectError({ code: "ETIMEDOUT", syscall: "connect", address: c.address, port: c.port }),
        onEvent: (event) =>
          emit(
            {
              _tag: event._tag,
              ...event.candidate,
              ...("error" in event ? { error: event.error } : {})
            } as ConnectEvent
          )
      }).pipe(
        Effect.mapError((failures) =>
          new AllAttemptsFailed({
            host,
            port,
            attempts: failures.map((f) => ({ ...f.candidate, error: f.error })) as [
              AllAttemptsFailed["attempts"][0],
              ...Array<AllAttemptsFailed["attempts"][0]>
            ]
          })
        )
      )
    }

    return handle
  })

const connectTcp = (options: TcpOptions) =>
  Effect.gen(function*() {
    const handle = yield* dialTcp(options)
    const conn = yield* connection.make(handle, connection.resolveOptions(options))
    if (options.noDelay) yield* conn.setNoDelay(true)
    if (options.keepAlive) yield* conn.setKeepAlive(true, options.keepAliveInitialDelay ?? 0)
    // Applied once connected, as Node does; a runtime that cannot set it fails the connect with a
    // typed SocketError (ERR_FEATURE_UNAVAILABLE_ON_PLATFORM) rather than ignoring the option.
    if (options.typeOfService !== undefined) yield* conn.setTypeOfService(options.typeOfService)
    return conn
  })

/**
 * Opens a connection and keeps it open for the life of the enclosing scope.
 *
 * TCP: the host is resolved with the `Resolver` (IP literals skip it), addresses the `blockList`
 * blocks are dropped, and the rest are raced with Happy Eyeballs (RFC 8305) unless
 * `autoSelectFamily: false`, a `family` or a `localAddress` is given. IPC: `path` names a Unix
 * socket; a path too long for the platform fails before any system call.
 *
 * @example
 * import { Connection, NodeTransport, Resolver } from "@netfx/core"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const conn = yield* Connection.connect({ host: "localhost", port: 8080 })
 *   yield* conn.write("ping")
 * }).pipe(Effect.scoped, Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)))
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (
  options: ConnectOptions
): Effect.Effect<Connection, ConnectFailure, Scope.Scope | Transport | Resolver.Resolver> =>
  withConnectTimeout(
    options,
    isIpc(options)
      ? Effect.flatMap(dialIpc(options), (handle) => connection.make(handle, connection.resolveOptions(options)))
      : connectTcp(options)
  )

/**
 * Everything `connect` does to reach the peer (validation, lookup, block list, the Happy Eyeballs
 * race, the connect timeout) without building a `Connection`: the result is the transport's raw
 * `Handle`, which belongs to the enclosing scope. For adapters that put their own socket model on
 * top of netfx's connection logic, such as `@netfx/compat`'s `net.Socket`. The options that only
 * apply to a `Connection` (`allowHalfOpen`, `readHighWaterMark`, idle timeouts, `noDelay`,
 * `keepAlive`, `typeOfService`) are left to the caller.
 *
 * @example
 * import { Connection, NodeTransport, Resolver } from "@netfx/core"
 * import { Effect, Layer } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const handle = yield* Connection.dial({ host: "127.0.0.1", port: 8080 })
 *   handle.write("ping")
 *   // Sends FIN once "ping" is written; the scope then closes the socket.
 *   yield* Effect.async<void>((resume) => handle.end(() => resume(Effect.void)))
 * }).pipe(Effect.scoped, Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)))
 *
 * @since 0.1.0
 * @category constructors
 */
export const dial = (
  options: ConnectOptions
): Effect.Effect<Handle, ConnectFailure, Scope.Scope | Transport | Resolver.Resolver> =>
  withConnectTimeout(options, isIpc(options) ? dialIpc(options) : dialTcp(options))

const withConnectTimeout = <A>(
  options: ConnectOptions,
  open: Effect.Effect<A, ConnectFailure, Scope.Scope | Transport | Resolver.Resolver>
): Effect.Effect<A, ConnectFailure, Scope.Scope | Transport | Resolver.Resolver> => {
  if (options.timeout === undefined) return open.pipe(tracing.withSpan("netfx.connect", { captureStackTrace: false }))
  const timeout = Duration.decode(options.timeout)
  return open.pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new ConnectTimeout({
          host: isIpc(options) ? options.path : options.host ?? "localhost",
          ...(isIpc(options) ? {} : { port: options.port }),
          timeout: Duration.toMillis(timeout)
        })
    }),
    tracing.withSpan("netfx.connect", { captureStackTrace: false })
  )
}

/**
 * The bytes of a connection until the peer ends, as one array. For tests and small protocols.
 *
 * @since 0.1.0
 * @category combinators
 */
export const readAll = (self: Connection): Effect.Effect<Uint8Array, ConnectionError> =>
  Stream.runFold(self.stream, [] as Array<Uint8Array>, (chunks, chunk) => {
    chunks.push(chunk)
    return chunks
  }).pipe(Effect.map((chunks) => Buffer.concat(chunks)))
