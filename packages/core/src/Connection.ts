/**
 * A TCP or IPC connection as a scoped resource: its bytes arrive as a backpressured `Stream`,
 * leave through `write` or a `Sink`, and closing the scope closes the socket.
 *
 * `connect` resolves the host with the `Resolver` (the runtime's own lookup unless you provide
 * another), drops what the `blockList` blocks, and races the addresses with Happy Eyeballs
 * (RFC 8305) through the `Transport`. Every way it can fail to reach the peer is one `ConnectError`.
 *
 * @since 0.1.0
 */
import type * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import * as Predicate from "effect/Predicate"
import type * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import type * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as BlockList from "./BlockList.js"
import * as connection from "./internal/connection.js"
import * as dialer from "./internal/dialer.js"
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkInt,
  checkNonEmptyString,
  checkPath,
  checkPort,
  invalid,
  optionalBoolean,
  optionalDuration,
  optionalFunction
} from "./internal/options.js"
import * as timer from "./internal/timer.js"
import * as tlsInternal from "./internal/tls.js"
import * as tracing from "./internal/tracing.js"
import * as IP from "./IP.js"
import type { ConnectError, ConnectionError, SocketError, TlsError } from "./NetError.js"
import { InvalidArgument } from "./NetError.js"
import * as Resolver from "./Resolver.js"
import type { SocketAddress } from "./SocketAddress.js"
import type * as Tls from "./Tls.js"
import type { Handle } from "./Transport.js"
import { Transport } from "./Transport.js"

/**
 * The brand of a `Connection` (`Symbol.for("@netfx/core/Connection")`): `isConnection` checks for it.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: typeof connection.TypeId = connection.TypeId

/**
 * The type of `TypeId`.
 *
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
  /**
   * Writes the chunks in order, as `write` does each, in one effect; waits while the write buffer is
   * over its high-water mark.
   */
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
  /**
   * What TLS negotiated (protocol, cipher, ALPN, the peer's certificate), on a connection secured by
   * a connect with `tls`, a TLS server or an upgrade (`Tls.upgradeClient`); `undefined` on a plain one.
   */
  readonly tls: Tls.Session | undefined
  /** Bytes received so far. */
  readonly bytesRead: Effect.Effect<number>
  /** Bytes written so far, those still queued (`bufferSize`) included, as Node's `socket.bytesWritten`. */
  readonly bytesWritten: Effect.Effect<number>
  /** Bytes queued for writing and not yet handed to the system. */
  readonly bufferSize: Effect.Effect<number>
  /** Where the connection is in its life: both ways open, half-closed either way, or closed. */
  readonly state: Effect.Effect<State>
  /**
   * What belongs to this connection. A server's connection has a scope of its own, closed once the
   * connection is done (its handler ended; for `Server.listen`, once its socket closed), or at
   * shutdown; it costs nothing until something is added. A connection from `connect` belongs to
   * the scope that connected.
   */
  readonly scope: Scope.Scope
  /** Disables Nagle's algorithm (`true`, the default) so that small writes go out at once, or enables it. */
  readonly setNoDelay: (noDelay?: boolean) => Effect.Effect<void>
  /**
   * Turns TCP keep-alive probes on (the first after `initialDelay` idle, in whole seconds; under a
   * second leaves the system's default) or off.
   */
  readonly setKeepAlive: (
    enable?: boolean,
    initialDelay?: Duration.DurationInput
  ) => Effect.Effect<void, InvalidArgument>
  /** Sets the IP type of service byte (0-255). Fails where the runtime cannot set it (before Node 24.6). */
  readonly setTypeOfService: (tos: number) => Effect.Effect<void, SocketError>
  /**
   * The IP type of service the kernel applied, read back from the socket (the kernel masks the ECN
   * bits of what was set). Fails where the runtime cannot read it (before Node 24.6).
   */
  readonly getTypeOfService: Effect.Effect<number, SocketError>
  /** Keeps the process alive while the connection is open (the default). */
  readonly ref: Effect.Effect<void>
  /** Lets the process exit while the connection is open, as Node's `socket.unref()`. */
  readonly unref: Effect.Effect<void>
  /**
   * Subscribes to idle periods: the queue receives an item each time nothing was read or written
   * for the idle timeout, as Node's `'timeout'` event (once per idle period; the connection stays
   * open unless `failOnIdle`). The subscription lasts as long as its scope.
   */
  readonly subscribeIdle: Effect.Effect<Queue.Dequeue<void>, never, Scope.Scope>
  /**
   * Sets (or with `undefined` or zero, clears) the idle timeout, counted from now. With
   * `failOnIdle`, the idle timeout fails the connection with `IdleTimeout` and closes it. A negative
   * or unreadable duration fails with `InvalidArgument`.
   */
  readonly setIdleTimeout: (
    timeout: Duration.DurationInput | undefined,
    failOnIdle?: boolean
  ) => Effect.Effect<void, InvalidArgument>
}

/**
 * Where a connection is in its life: `"Open"` (both ways), `"ReadClosed"` (the peer ended its side;
 * this side can still write, with `allowHalfOpen`), `"WriteClosed"` (this side ended; the peer can
 * still send) or `"Closed"`. A `Connection` exists once connected, so it is never connecting.
 *
 * @since 0.1.0
 * @category models
 */
export type State = "Open" | "ReadClosed" | "WriteClosed" | "Closed"

/**
 * Tells whether a value is a `Connection`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isConnection = (u: unknown): u is Connection => Predicate.hasProperty(u, TypeId)

/**
 * What `connect` reports while it works, for logs, metrics and the compat package's events
 * (`lookup`, `connectionAttempt`, `connectionAttemptFailed`, `connectionAttemptTimeout`). `index`
 * is the attempt's position in the race; `elapsed` of `Connected` counts from the start of the
 * connect, lookup included.
 *
 * - `AttemptTimeout`: the attempt's delay passed with no answer; `aborted` tells whether it was
 *   aborted (the `sequential` policy, as Node does) or keeps running beside the next one
 *   (`staggered`, RFC 8305).
 * - `AttemptFailed`: the attempt failed (refused, unreachable, ...).
 * - `AttemptCancelled`: the attempt was stopped without an answer: it lost the race to another
 *   attempt, or the connect ended (timeout, interruption).
 * - `Connected`: which attempt won, and after how long.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectEvent = dialer.Event

/**
 * Options of both kinds of connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonOptions {
  /** Fail with `ConnectError` (`reason: "Timeout"`) when no connection is made in this time (lookup included). */
  readonly timeout?: Duration.DurationInput | undefined
  /** When false (the default, as in Node), the peer's FIN ends our side too. */
  readonly allowHalfOpen?: boolean | undefined
  /** Bytes read ahead of the consumer before the socket is paused. Default 64 KiB. */
  readonly readHighWaterMark?: number | undefined
  /** Report (on `subscribeIdle`) each period of this long without reads or writes. None by default. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /** With `idleTimeout`: fail the connection with `IdleTimeout` and close it instead. */
  readonly failOnIdle?: boolean | undefined
  /** How long closing the scope waits for queued bytes to be flushed. Default 2 seconds. */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /**
   * Secure the connection with TLS: once connected (the winner of the race), the handshake runs,
   * within the `timeout`; the connection is handed over only once it is secure, and `conn.tls` tells
   * what was negotiated. A TLS failure fails the connect with `TlsError`. See `Tls.ClientOptions`.
   */
  readonly tls?: Tls.ClientOptions | undefined
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
  /** The port to connect to, 0 to 65535. */
  readonly port: number
  /** The local IP address to connect from. As in Node, it turns the race off: the first address is dialled. */
  readonly localAddress?: string | undefined
  /** The local port to connect from. */
  readonly localPort?: number | undefined
  /** 4 or 6 to use one family only; 0 (the default) for both. */
  readonly family?: 0 | 4 | 6 | undefined
  /** `getaddrinfo` hints (`dns.ADDRCONFIG`, ...). */
  readonly hints?: number | undefined
  /** A lookup function in Node's callback shape, used instead of the `Resolver`. */
  readonly lookup?: Resolver.NodeLookupFunction | undefined
  /** Disable Nagle's algorithm once connected, so that small writes go out at once. Default false. */
  readonly noDelay?: boolean | undefined
  /** Turn TCP keep-alive probes on once connected. Default false. */
  readonly keepAlive?: boolean | undefined
  /**
   * With `keepAlive`: how long the connection is idle before the first probe, in whole seconds
   * (Node rounds down). Absent or under a second: the system's default.
   */
  readonly keepAliveInitialDelay?: Duration.DurationInput | undefined
  /**
   * The IP type of service byte (0-255), set once connected; before Node 24.6 the connect fails
   * with `SocketError` `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`.
   */
  readonly typeOfService?: number | undefined
  /** Race the addresses of both families (default true). */
  readonly autoSelectFamily?: boolean | undefined
  /**
   * `staggered` (the default): RFC 8305, earlier attempts keep running when the next starts.
   * `sequential`: Node's own behaviour, each attempt is aborted when its delay passes.
   */
  readonly autoSelectFamilyPolicy?: Policy | undefined
  /**
   * The Connection Attempt Delay (RFC 8305 §5; the attempt timeout of the `sequential` policy).
   * Default: the runtime's (`net.getDefaultAutoSelectFamilyAttemptTimeout()`: 250 ms on Node 20
   * and 24, 500 ms later). At least 10 ms, as in Node; a longer delay is honoured as given (RFC
   * 8305 recommends at most 2 s; the choice is yours).
   */
  readonly autoSelectFamilyAttemptDelay?: Duration.DurationInput | undefined
  /** How many addresses of the first family are tried before the other family (default 1). */
  readonly firstFamilyCount?: number | undefined
  /**
   * The Resolution Delay (RFC 8305 §3): when the resolver looks up each family apart (the runtime's
   * does) and the IPv4 answer comes first, how long to wait for the IPv6 one before connecting.
   * Default 50 ms. Not used by the `sequential` policy, which looks both up at once as Node does.
   */
  readonly resolutionDelay?: Duration.DurationInput | undefined
  /** Addresses this blocks are never dialled. */
  readonly blockList?: BlockList.BlockList | undefined
  /** Called on each step of the connection (lookup, attempts, the winner). Must not throw. */
  readonly onEvent?: ((event: ConnectEvent) => void) | undefined
}

/**
 * How a race of several addresses runs: `staggered` (RFC 8305) or `sequential` (Node's).
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = "staggered" | "sequential"

/**
 * A Unix domain socket (or a Linux abstract socket, a path starting with `\0`).
 *
 * @since 0.1.0
 * @category models
 */
export interface IpcOptions extends CommonOptions {
  /** The socket's path; one too long for the platform (over 107 bytes on Linux) fails with `InvalidArgument`. */
  readonly path: string
}

/**
 * What `connect` takes: a TCP destination, or a Unix socket with `path`.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectOptions = TcpOptions | IpcOptions

/**
 * Why `connect` failed: it could not connect (`ConnectError`, whatever the reason), its options were
 * bad (`InvalidArgument`), or the runtime cannot apply an option (`SocketError`
 * `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`, for `typeOfService` before Node 24.6).
 *
 * @since 0.1.0
 * @category errors
 */
export type ConnectFailure = ConnectError | InvalidArgument | SocketError

/**
 * Why a connect with options `O` fails: `ConnectFailure`, and `TlsError` when `O` may ask for TLS.
 *
 * @since 0.1.0
 * @category errors
 */
export type FailureOf<O> = O extends unknown
  ? "tls" extends keyof O ? O["tls" & keyof O] extends undefined ? ConnectFailure : ConnectFailure | TlsError
  : ConnectFailure
  : never

const commonFields = {
  timeout: optionalDuration,
  allowHalfOpen: optionalBoolean,
  readHighWaterMark: Schema.optional(Schema.Int.pipe(Schema.positive())),
  idleTimeout: optionalDuration,
  failOnIdle: optionalBoolean,
  closeTimeout: optionalDuration
}

/**
 * The schema of TCP options, to decode them from configuration (durations as numbers of
 * milliseconds or as text such as `"5 seconds"`; a negative or unreadable one is rejected).
 * `connect` checks the same rules directly.
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
  resolutionDelay: optionalDuration,
  blockList: Schema.optional(BlockList.BlockListFromSelf),
  onEvent: optionalFunction
})

/**
 * The schema of IPC options, to decode them from configuration.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IpcOptionsSchema = Schema.Struct({
  ...commonFields,
  path: Schema.NonEmptyString
})

const MIN_ATTEMPT_DELAY = 10

/** A connect's options, checked: what to dial, and what the connection is made with. */
interface Checked {
  readonly plan: dialer.Plan
  /** The TLS options, checked; `undefined` for a plain connection. */
  readonly tls: tlsInternal.CheckedClient | undefined
  readonly connection: connection.Options
  readonly noDelay: boolean
  readonly keepAlive: number | undefined
  readonly typeOfService: number | undefined
}

/** The connection options, from checked common options; the shared defaults when none is set. */
const connectionOptions = (
  options: CommonOptions,
  closeTimeout: Duration.Duration | undefined,
  idleTimeout: Duration.Duration | undefined
): connection.Options =>
  options.allowHalfOpen === undefined && options.readHighWaterMark === undefined && closeTimeout === undefined &&
    idleTimeout === undefined
    ? connection.defaultOptions
    : {
      allowHalfOpen: options.allowHalfOpen ?? false,
      readHighWaterMark: options.readHighWaterMark ?? connection.defaultOptions.readHighWaterMark,
      closeTimeout: closeTimeout ?? connection.defaultOptions.closeTimeout,
      idleTimeout: idleTimeout === undefined ? 0 : Duration.toMillis(idleTimeout),
      failOnIdle: options.failOnIdle ?? false
    }

const isDuration = (u: Duration.Duration | InvalidArgument | undefined): u is Duration.Duration | undefined =>
  u === undefined || Duration.isDuration(u)

/**
 * Checks `connect`'s options directly (a schema decode costs more than the rest of a connect), with
 * Node's codes: `ERR_SOCKET_BAD_PORT`, `ERR_INVALID_IP_ADDRESS`, `ERR_OUT_OF_RANGE`, ...
 */
const check = (options: ConnectOptions): Checked | InvalidArgument => {
  if (typeof options !== "object" || options === null) {
    return invalid("ERR_INVALID_ARG_TYPE", "options", options, "must be of type object")
  }
  const bad = checkBoolean(options.allowHalfOpen, "allowHalfOpen") ??
    checkInt(options.readHighWaterMark, "readHighWaterMark", 1) ??
    checkBoolean(options.failOnIdle, "failOnIdle")
  if (bad !== undefined) return bad
  const timeout = checkDuration(options.timeout, "timeout")
  if (!isDuration(timeout)) return timeout
  const idleTimeout = checkDuration(options.idleTimeout, "idleTimeout")
  if (!isDuration(idleTimeout)) return idleTimeout
  const closeTimeout = checkDuration(options.closeTimeout, "closeTimeout")
  if (!isDuration(closeTimeout)) return closeTimeout
  const timeoutMillis = timeout === undefined ? undefined : Duration.toMillis(timeout)
  const made = connectionOptions(options, closeTimeout, idleTimeout)
  const tls = options.tls === undefined ? undefined : tlsInternal.checkClientOptions(options.tls, "tls")
  if (tls instanceof InvalidArgument) return tls

  if ("path" in options && options.path !== undefined) {
    const path = options.path
    const badPath = checkNonEmptyString(path, "path") ?? checkPath(path)
    if (badPath !== undefined) return badPath
    return {
      plan: { _tag: "Ipc", path, timeout: timeoutMillis },
      tls,
      connection: made,
      noDelay: false,
      keepAlive: undefined,
      typeOfService: undefined
    }
  }

  const tcp = options as TcpOptions
  const family = tcp.family ?? 0
  const policy = tcp.autoSelectFamilyPolicy ?? "staggered"
  const badTcp = checkPort(tcp.port, "port") ??
    (tcp.host === undefined ? undefined : checkNonEmptyString(tcp.host, "host")) ??
    (tcp.localAddress === undefined || (typeof tcp.localAddress === "string" && IP.isIP(tcp.localAddress) !== 0)
      ? undefined
      : invalid("ERR_INVALID_IP_ADDRESS", "localAddress", tcp.localAddress, "must be an IP address")) ??
    (tcp.localPort === undefined ? undefined : checkPort(tcp.localPort, "localPort")) ??
    (family === 0 || family === 4 || family === 6
      ? undefined
      : invalid("ERR_INVALID_ARG_VALUE", "family", family, "must be 0, 4 or 6")) ??
    checkInt(tcp.hints, "hints", 0) ??
    checkFunction(tcp.lookup, "lookup") ??
    checkBoolean(tcp.noDelay, "noDelay") ??
    checkBoolean(tcp.keepAlive, "keepAlive") ??
    checkInt(tcp.typeOfService, "typeOfService", 0, 255) ??
    checkBoolean(tcp.autoSelectFamily, "autoSelectFamily") ??
    (policy === "staggered" || policy === "sequential"
      ? undefined
      : invalid("ERR_INVALID_ARG_VALUE", "autoSelectFamilyPolicy", policy, "must be 'staggered' or 'sequential'")) ??
    checkInt(tcp.firstFamilyCount, "firstFamilyCount", 1) ??
    (tcp.blockList === undefined || BlockList.isBlockList(tcp.blockList)
      ? undefined
      : invalid("ERR_INVALID_ARG_TYPE", "blockList", tcp.blockList, "must be a BlockList")) ??
    checkFunction(tcp.onEvent, "onEvent")
  if (badTcp !== undefined) return badTcp
  const keepAliveDelay = checkDuration(tcp.keepAliveInitialDelay, "keepAliveInitialDelay")
  if (!isDuration(keepAliveDelay)) return keepAliveDelay
  const attemptDelay = checkDuration(tcp.autoSelectFamilyAttemptDelay, "autoSelectFamilyAttemptDelay")
  if (!isDuration(attemptDelay)) return attemptDelay
  const resolutionDelay = checkDuration(tcp.resolutionDelay, "resolutionDelay")
  if (!isDuration(resolutionDelay)) return resolutionDelay

  const firstFamilyCount = tcp.firstFamilyCount ?? 1
  const delay = attemptDelay === undefined ? undefined : Math.max(MIN_ATTEMPT_DELAY, Duration.toMillis(attemptDelay))
  return {
    plan: {
      _tag: "Tcp",
      host: tcp.host ?? "localhost",
      port: tcp.port,
      family,
      hints: tcp.hints,
      localAddress: tcp.localAddress,
      localPort: tcp.localPort,
      // Node autoselects only without a family or a local address (lib/net.js lookupAndConnect).
      autoSelect: (tcp.autoSelectFamily ?? true) && family === 0 && tcp.localAddress === undefined,
      race: delay === undefined && policy === "staggered"
        ? undefined
        : policy === "staggered"
        ? { _tag: "Staggered", attemptDelay: delay!, firstFamilyCount }
        : { _tag: "Sequential", attemptTimeout: delay ?? 250, firstFamilyCount },
      firstFamilyCount,
      blockList: tcp.blockList,
      timeout: timeoutMillis,
      resolver: tcp.lookup === undefined ? undefined : Resolver.fromNodeLookup(tcp.lookup),
      resolutionDelay: resolutionDelay === undefined ? undefined : Duration.toMillis(resolutionDelay),
      onEvent: tcp.onEvent
    },
    tls,
    connection: made,
    noDelay: tcp.noDelay === true,
    keepAlive: tcp.keepAlive === true
      ? (keepAliveDelay === undefined ? 0 : Duration.toMillis(keepAliveDelay))
      : undefined,
    typeOfService: tcp.typeOfService
  }
}

/** The services of the connecting fiber, as a dial needs them. */
const servicesOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): dialer.Services => {
  const context = fiber.currentContext
  const tracer = tracing.tracerOf(fiber)
  return {
    transport: Context.unsafeGet(context as Context.Context<Transport>, Transport),
    resolver: Context.get(context as Context.Context<never>, Resolver.Resolver),
    clock: Context.get(fiber.currentDefaultServices, Clock.Clock),
    tracer,
    parentSpan: tracer === undefined ? undefined : fiber.currentSpan
  }
}

/**
 * What a connect leaves to its scope: nothing yet, the raw handle (`dial`), or the connection.
 * Registered before the dial starts, so that whatever the dial gives is always released.
 */
class Owned {
  handle: Handle | undefined = undefined
  connection: connection.ConnectionImpl | undefined = undefined
  readonly release: Effect.Effect<void> = Effect.suspend(() => {
    if (this.connection !== undefined) return this.connection.close
    this.handle?.destroy()
    return Effect.void
  })
}

/** Runs a checked dial in the current fiber, its result owned by the fiber's scope. */
const run = <A>(
  options: ConnectOptions,
  made: (handle: Handle, checked: Checked, owned: Owned, clock: Clock.Clock, scope: Scope.Scope) => A
): Effect.Effect<A, ConnectFailure | TlsError, Scope.Scope | Transport> =>
  Effect.withFiberRuntime((fiber) => {
    const checked = check(options)
    if (checked instanceof InvalidArgument) return Effect.fail(checked)
    const services = servicesOf(fiber)
    const scope = Context.unsafeGet(fiber.currentContext as Context.Context<Scope.Scope>, Scope.Scope)
    const owned = new Owned()
    return Effect.zipRight(
      Scope.addFinalizer(scope, owned.release),
      Effect.async<A, ConnectError | TlsError | InvalidArgument>((resume) => {
        const done = (exit: Exit.Exit<Handle, ConnectError | TlsError | InvalidArgument>) => {
          if (Exit.isFailure(exit)) return resume(Exit.failCause(exit.cause))
          owned.handle = exit.value
          resume(Effect.succeed(made(exit.value, checked, owned, services.clock, scope)))
        }
        // TLS hook: with `tls`, the dial is followed by the handshake on the winner.
        const dial = checked.tls === undefined
          ? new dialer.Dial(checked.plan, services, done)
          : new tlsInternal.TlsDial(checked.plan, checked.tls, services, done)
        dial.start()
        return Effect.sync(() => dial.cancel())
      })
    )
  })

const makeConnection = (
  handle: Handle,
  checked: Checked,
  owned: Owned,
  clock: Clock.Clock,
  scope: Scope.Scope
): connection.ConnectionImpl => {
  const conn = connection.make(handle, checked.connection, clock, scope)
  owned.connection = conn
  if (checked.noDelay) handle.setNoDelay(true)
  if (checked.keepAlive !== undefined) handle.setKeepAlive(true, checked.keepAlive)
  return conn
}

/**
 * Opens a connection and keeps it open for the life of the enclosing scope.
 *
 * TCP: the host is resolved with the `Resolver` (IP literals skip it; without a `Resolver` in the
 * context, the runtime's own lookup), addresses the `blockList` blocks are dropped, and the rest
 * are raced with Happy Eyeballs (RFC 8305) unless `autoSelectFamily: false`, a `family` or a
 * `localAddress` is given. IPC: `path` names a Unix socket; a path too long for the platform fails
 * before any system call.
 *
 * Whatever stops it from connecting (the name does not resolve, every address is blocked or
 * refused, the `timeout` passes) fails with one `ConnectError`, whose `reason` and `attempts` say
 * what happened; bad options fail with `InvalidArgument`.
 *
 * @example
 * import { Connection, NodeTransport, Server } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => conn.end)
 *   const conn = yield* Connection.connect({ host: "127.0.0.1", port: server.address.port })
 *   yield* conn.write("ping")
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = <const O extends ConnectOptions>(
  options: O
): Effect.Effect<Connection, FailureOf<O>, Scope.Scope | Transport> => {
  const connected = run(options, makeConnection)
  // Applied once connected, as Node does; a runtime that cannot set it fails the connect with a
  // typed SocketError (ERR_FEATURE_UNAVAILABLE_ON_PLATFORM) rather than ignoring the option.
  const tos = "path" in options ? undefined : (options as TcpOptions).typeOfService
  return (tos === undefined
    ? connected
    : Effect.tap(connected, (conn) => conn.setTypeOfService(tos))) as unknown as Effect.Effect<
      Connection,
      FailureOf<O>,
      Scope.Scope | Transport
    >
}

/**
 * Everything `connect` does to reach the peer (validation, lookup, block list, the Happy Eyeballs
 * race, the connect timeout) without building a `Connection`: the result is the transport's raw
 * `Handle`, which belongs to the enclosing scope. For adapters that put their own socket model on
 * top of netfx's connection logic, such as `@netfx/compat`'s `net.Socket`. The options that only
 * apply to a `Connection` (`allowHalfOpen`, `readHighWaterMark`, idle timeouts, `noDelay`,
 * `keepAlive`, `typeOfService`) are left to the caller; `tls` is refused (`InvalidArgument`): TLS is
 * `connect`'s.
 *
 * @example
 * import { Connection, NodeTransport, Server } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) => conn.end)
 *   const handle = yield* Connection.dial({ host: "127.0.0.1", port: server.address.port })
 *   handle.write("ping")
 *   // Sends FIN once "ping" is written; the scope then closes the socket.
 *   yield* Effect.async<void>((resume) => handle.end(() => resume(Effect.void)))
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category constructors
 */
export const dial = (options: ConnectOptions): Effect.Effect<Handle, ConnectFailure, Scope.Scope | Transport> =>
  "tls" in options && options.tls !== undefined
    ? Effect.fail(invalid("ERR_INVALID_ARG_VALUE", "tls", "[options]", "is not supported by dial; use connect"))
    : run(options, (handle) => handle) as Effect.Effect<Handle, ConnectFailure, Scope.Scope | Transport>

/**
 * The services `unsafeDial` runs with.
 *
 * @since 0.1.0
 * @category models
 */
export interface DialServices {
  /** The transport the attempts are made with (the `Transport` service's value). */
  readonly transport: Transport["Type"]
  /** Default: the runtime's own lookup. */
  readonly resolver?: Resolver.Service | undefined
  /** Default: the runtime's clock. */
  readonly clock?: Clock.Clock | undefined
}

/**
 * `dial` at the level of callbacks, for adapters that have no fiber to run it in (`@netfx/compat`'s
 * `net.Socket`): no fiber, no scope, one small state machine. `onDone` is called once, with the
 * connected handle (the caller's to close) or why it failed, and never before `unsafeDial` returns
 * unless the options are bad or the lookup answered at once. The returned `cancel` stops the dial
 * and releases everything it opened; after `onDone` it does nothing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unsafeDial = (
  options: ConnectOptions,
  services: DialServices,
  onDone: (exit: Exit.Exit<Handle, ConnectError | InvalidArgument>) => void
): { readonly cancel: () => void } => {
  const checked = check(options)
  if (checked instanceof InvalidArgument || checked.tls !== undefined) {
    onDone(Exit.fail(
      checked instanceof InvalidArgument
        ? checked
        : invalid("ERR_INVALID_ARG_VALUE", "tls", "[options]", "is not supported by unsafeDial; use connect")
    ))
    return { cancel: () => {} }
  }
  const dial = new dialer.Dial(checked.plan, {
    transport: services.transport,
    resolver: services.resolver ?? Resolver.node,
    clock: services.clock ?? timer.live,
    tracer: undefined,
    parentSpan: undefined
  }, onDone)
  dial.start()
  return dial
}

/**
 * The order in which a race tries the addresses of a host (RFC 8305 §4): repeated addresses
 * removed, then `firstFamilyCount` addresses of the first address's family, one of the other, one
 * of the first, and so on. What `connect` does, for adapters that must report the same order.
 *
 * @example
 * import { Connection } from "@netfx/core"
 *
 * const order = Connection.raceOrder([
 *   { address: "::1", family: 6 },
 *   { address: "::2", family: 6 },
 *   { address: "127.0.0.1", family: 4 }
 * ]) // ::1, 127.0.0.1, ::2
 *
 * @since 0.1.0
 * @category combinators
 */
export const raceOrder: <A extends { readonly address: string; readonly family: 4 | 6 }>(
  addresses: ReadonlyArray<A>,
  firstFamilyCount?: number
) => Array<A> = dialer.interleave

/**
 * Runs `effect` in a fiber that belongs to the connection: it gets the connection's own `scope`
 * (so what it acquires is released when the connection is done, not when the server stops), and it
 * is interrupted when that scope closes. For the connections of `Server.listen`, whose stream hands
 * them out with no handler around them; `Server.serve` does this for its handler itself.
 *
 * @example
 * import { Connection, NodeTransport, Server } from "@netfx/core"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* Server.listen({ host: "127.0.0.1", port: 0 })
 *   yield* server.connections.pipe(
 *     Stream.runForEach((conn) => Connection.fork(conn, Stream.run(conn.stream, conn.sink))),
 *     Effect.fork
 *   )
 * }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
 *
 * @since 0.1.0
 * @category combinators
 */
export const fork: {
  <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ): (self: Connection) => Effect.Effect<Fiber.RuntimeFiber<A, E>, never, Exclude<R, Scope.Scope>>
  <A, E, R>(
    self: Connection,
    effect: Effect.Effect<A, E, R>
  ): Effect.Effect<Fiber.RuntimeFiber<A, E>, never, Exclude<R, Scope.Scope>>
} = ((...args: Array<unknown>) => {
  if (args.length === 1) {
    const effect = args[0] as Effect.Effect<unknown, unknown, unknown>
    return (self: Connection) => forkIn(self, effect)
  }
  return forkIn(args[0] as Connection, args[1] as Effect.Effect<unknown, unknown, unknown>)
}) as never

const forkIn = <A, E, R>(self: Connection, effect: Effect.Effect<A, E, R>) =>
  Effect.forkIn(Scope.extend(effect, self.scope), self.scope)

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
