/**
 * A `Connection` over a transport `Handle`: the read side as a pull-based stream with a bounded
 * buffer (the handle is paused while the buffer is full, so a slow consumer stops the kernel reads),
 * the write side as effects that wait for the handle's drain.
 *
 * A connection is one object whose operations live on its prototype: a server holds thousands of
 * them, and most use a handful of their operations. What a caller may pass around unbound (`write`,
 * `setNoDelay`, ...) and the effects (`read`, `stream`, `close`, ...) are made on first use and then
 * kept, so each costs nothing until it is used and one allocation after.
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberHandle from "effect/FiberHandle"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type * as Connection from "../Connection.js"
import { IdleTimeout, SocketClosed, SocketError } from "../NetError.js"
import type { ConnectionError } from "../NetError.js"
import type { SocketAddress } from "../SocketAddress.js"
import type { Handle } from "../Transport.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("@netfx/core/Connection")

/** @internal */
export interface Options {
  /** When false (Node's default), the peer's FIN ends our side too once our writes are flushed. */
  readonly allowHalfOpen: boolean
  /** Bytes buffered on the read side before the handle is paused. */
  readonly readHighWaterMark: number
  /** How long closing the scope waits for queued writes to be flushed before destroying. */
  readonly closeTimeout: Duration.Duration
  /** Idle time after which `idle` emits (Node's `setTimeout`); none when undefined or zero. */
  readonly idleTimeout: Duration.Duration | undefined
  /** Whether an idle timeout also fails the connection with `IdleTimeout` and closes it. */
  readonly failOnIdle: boolean
  /** Called once the handle has closed, by either side. */
  readonly onClose?: ((connection: Connection.Connection) => void) | undefined
}

/** What users may set of `Options`, each optional; `resolveOptions` fills in the defaults. @internal */
export interface OptionsInput {
  readonly allowHalfOpen?: boolean | undefined
  readonly readHighWaterMark?: number | undefined
  readonly closeTimeout?: Duration.DurationInput | undefined
  readonly idleTimeout?: Duration.DurationInput | undefined
  readonly failOnIdle?: boolean | undefined
}

/** The defaults, shared by connections that `connect` opens and those a server accepts. @internal */
export const resolveOptions = (input: OptionsInput): Options => ({
  allowHalfOpen: input.allowHalfOpen ?? false,
  readHighWaterMark: input.readHighWaterMark ?? 64 * 1024,
  closeTimeout: Duration.decode(input.closeTimeout ?? Duration.seconds(2)),
  idleTimeout: input.idleTimeout === undefined ? undefined : Duration.decode(input.idleTimeout),
  failOnIdle: input.failOnIdle ?? false
})

type Waker = () => void
type Address = SocketAddress | string | undefined

const wakeAll = (wakers: Array<Waker> | undefined) => {
  if (wakers !== undefined) { for (const waker of wakers) waker() }
}

const without = (wakers: Array<Waker> | undefined, waker: Waker) => wakers?.filter((w) => w !== waker)

/** An address not yet asked of the handle. */
const unread: unique symbol = Symbol()

/** The idle machinery, made on first use (see `idleState`). */
interface IdleState {
  readonly events: PubSub.PubSub<void>
  readonly timer: FiberHandle.FiberHandle
}

/** @internal */
export class ConnectionImpl implements Connection.Connection {
  declare readonly [TypeId]: typeof TypeId

  // Read side.
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private paused = false
  private readEnded = false
  private reading = false
  private readWaker: Waker | undefined = undefined
  // Write side and life cycle.
  private peerEnded = false
  private closedHere = false
  private writeEnded = false
  private endFinished = false
  private aborting = false
  /** Set by `release`: the socket is destroyed as soon as the FIN is out. */
  private destroyOnEnd = false
  private closed = false
  private failure: ConnectionError | undefined = undefined
  private drainWakers: Array<Waker> | undefined = undefined
  private endWakers: Array<Waker> | undefined = undefined
  private closeWakers: Array<Waker> | undefined = undefined
  private typeOfService = 0
  // Idle tracking (Node's socket.setTimeout): the instant of the last read or write, on the
  // connection's Clock so that TestClock drives it, kept only once an idle timeout has been set;
  // `activityWaker` re-arms the timer after an idle period has been reported.
  private tracksActivity = false
  private lastActivity = 0
  private activityWaker: Waker | undefined = undefined
  private idle: IdleState | undefined = undefined
  /** Where the idle machinery lives: the scope `make` ran in, or one of its own made on first use. */
  private home: Scope.Scope | undefined
  private ownScope: Scope.CloseableScope | undefined = undefined
  // Addresses, asked of the handle on first read: each costs a system call and a parse.
  private local: Address | typeof unread = unread
  private remote: Address | typeof unread = unread
  // Operations made on first use.
  private _read: Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> | undefined = undefined
  private _readable: Effect.Effect<void> | undefined = undefined
  private _stream: Stream.Stream<Uint8Array, ConnectionError> | undefined = undefined
  private _write: ((chunk: Uint8Array | string) => Effect.Effect<void, ConnectionError>) | undefined = undefined
  private _writeAll:
    | ((chunks: Iterable<Uint8Array | string>) => Effect.Effect<void, ConnectionError>)
    | undefined = undefined
  private _awaitDrain: Effect.Effect<void, ConnectionError> | undefined = undefined
  private _end: Effect.Effect<void, ConnectionError> | undefined = undefined
  private _awaitEnd: Effect.Effect<void> | undefined = undefined
  private _close: Effect.Effect<void> | undefined = undefined
  private _abort: Effect.Effect<void> | undefined = undefined
  private _awaitClose: Effect.Effect<void> | undefined = undefined

  constructor(
    private readonly handle: Handle,
    private readonly options: Options,
    private readonly clock: Clock.Clock,
    /** The scope `make` ran in; a server's connection has none (see `idleHome`). */
    scope: Scope.Scope | undefined,
    /** A server's connection: the scope its own scope is forked from when the idle machinery needs one. */
    private readonly parentScope: Scope.Scope | undefined
  ) {
    this.home = scope
    // Bound methods rather than arrow functions: the same, and tsx's keepNames (source mode) gives
    // each named arrow function a property table of its own, 300 B per function and connection.
    handle.listen({
      onData: this.onData.bind(this),
      onEnd: this.onEnd.bind(this),
      onError: this.onError.bind(this),
      onDrain: this.wakeWriters.bind(this),
      onClose: this.onClose.bind(this)
    })
  }

  // Events of the handle.

  private onData(chunk: Uint8Array) {
    if (this.tracksActivity) this.activity()
    this.chunks.push(chunk)
    this.buffered += chunk.length
    // A waiting reader takes this chunk in a microtask, before the handle reads again: pausing
    // would only cost a pause and a resume per chunk, as one 64 KiB read reaches the mark alone.
    if (!this.paused && this.readWaker === undefined && this.buffered >= this.options.readHighWaterMark) {
      this.paused = true
      this.handle.pause()
    }
    this.wakeReader()
  }

  private onEnd() {
    this.readEnded = true
    this.peerEnded = true
    this.wakeReader()
    // Node's allowHalfOpen: false ends the writable side when the readable side ends.
    if (!this.options.allowHalfOpen) this.startEnd()
  }

  private onError(error: ConnectionError) {
    this.failure ??= error
    this.wakeReader()
    this.wakeWriters()
  }

  private onClose() {
    this.closed = true
    this.endFinished = true
    const ending = this.endWakers
    this.endWakers = undefined
    wakeAll(ending)
    this.readEnded = true
    this.wakeReader()
    this.wakeWriters()
    const closing = this.closeWakers
    this.closeWakers = undefined
    wakeAll(closing)
    // A server's connection has a scope of its own only for the idle machinery; nothing waits for it.
    if (this.ownScope !== undefined) Effect.runFork(Scope.close(this.ownScope, Exit.void))
    this.options.onClose?.(this)
  }

  private activity() {
    this.lastActivity = this.clock.unsafeCurrentTimeMillis()
    const waker = this.activityWaker
    this.activityWaker = undefined
    waker?.()
  }

  private wakeReader() {
    const waker = this.readWaker
    this.readWaker = undefined
    waker?.()
  }

  private wakeWriters() {
    const wakers = this.drainWakers
    this.drainWakers = undefined
    wakeAll(wakers)
  }

  // Reading.

  /** A read takes everything buffered at once: a chunk of chunks, and the handle resumes. */
  private take(): Chunk.Chunk<Uint8Array> {
    const taken = this.chunks
    this.chunks = []
    this.buffered = 0
    if (this.paused) {
      this.paused = false
      this.handle.resume()
    }
    return Chunk.unsafeFromArray(taken)
  }

  // No canceler: it would wrap every wait in onInterrupt, which costs more than the rest of a read.
  // A waker left by an interrupted wait is harmless: the runtime ignores a resume that comes after
  // the interruption, and the next wait replaces it.
  private get readable(): Effect.Effect<void> {
    return this._readable ??= Effect.async<void>((resume) => {
      this.readWaker = () => resume(Effect.void)
    })
  }

  get read(): Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> {
    if (this._read !== undefined) return this._read
    const read: Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> = Effect.suspend(() => {
      if (this.chunks.length > 0) return Effect.succeed(Option.some(this.take()))
      if (this.failure !== undefined) return Effect.fail(this.failure)
      if (this.readEnded) return Effect.succeed(Option.none())
      return Effect.zipRight(this.readable, read)
    })
    return this._read = read
  }

  get stream(): Stream.Stream<Uint8Array, ConnectionError> {
    if (this._stream !== undefined) return this._stream
    // A channel rather than repeatEffectChunkOption: what is buffered is written without running an
    // effect, and no Option is built and matched per chunk.
    const readLoop: Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, ConnectionError, unknown, void, unknown> = Channel
      .suspend(() => {
        if (this.chunks.length > 0) return Channel.zipRight(Channel.write(this.take()), readLoop)
        if (this.failure !== undefined) return Channel.fail(this.failure)
        if (this.readEnded) return Channel.void
        return Channel.zipRight(Channel.fromEffect(this.readable), readLoop)
      })
    const release = Effect.sync(() => {
      this.reading = false
    })
    // One reader at a time, checked when a run of the stream starts rather than on every read. A
    // Channel.ensuring rather than Stream.unwrapScoped(acquireRelease): no scope and no extra
    // executor per run, ~7 KB less for each connection whose handler is reading.
    return this._stream = Stream.fromChannel(Channel.suspend(() => {
      if (this.reading) {
        return Channel.failCause(Cause.die(
          new Cause.RuntimeException("Connection.stream is being read by two consumers at once; it has one reader")
        ))
      }
      this.reading = true
      return Channel.ensuring(readLoop, release)
    }))
  }

  // Writing.

  private writeClosedError(operation: string): ConnectionError {
    return this.failure ??
      // Node: "This socket has been ended by the other party" (EPIPE), unless we closed it.
      (this.peerEnded && !this.options.allowHalfOpen && !this.closedHere
        ? new SocketError({ code: "EPIPE", syscall: "write" })
        : new SocketClosed({ operation }))
  }

  private get awaitDrain(): Effect.Effect<void, ConnectionError> {
    return this._awaitDrain ??= Effect.async<void, ConnectionError>((resume) => {
      const waker = () => resume(this.failure !== undefined ? Effect.fail(this.failure) : Effect.void)
      ;(this.drainWakers ??= []).push(waker)
      return Effect.sync(() => {
        this.drainWakers = without(this.drainWakers, waker)
      })
    })
  }

  get write(): (chunk: Uint8Array | string) => Effect.Effect<void, ConnectionError> {
    return this._write ??= (chunk) =>
      Effect.suspend(() => {
        if (this.failure !== undefined || this.writeEnded || this.closed) {
          return Effect.fail(this.writeClosedError("write"))
        }
        if (this.tracksActivity) this.activity()
        return this.handle.write(chunk) ? Effect.void : this.awaitDrain
      })
  }

  /**
   * Writes the chunks in order, each as `write` would, without an effect per chunk: the handle
   * takes them one after the other until its buffer is full, then the rest waits for the drain.
   */
  private writeFrom(chunks: Iterator<Uint8Array | string>): Effect.Effect<void, ConnectionError> {
    for (;;) {
      const next = chunks.next()
      if (next.done === true) return Effect.void
      if (this.failure !== undefined || this.writeEnded || this.closed) {
        return Effect.fail(this.writeClosedError("write"))
      }
      if (this.tracksActivity) this.activity()
      if (!this.handle.write(next.value)) {
        return Effect.zipRight(this.awaitDrain, Effect.suspend(() => this.writeFrom(chunks)))
      }
    }
  }

  get writeAll(): (chunks: Iterable<Uint8Array | string>) => Effect.Effect<void, ConnectionError> {
    return this._writeAll ??= (chunks) => Effect.suspend(() => this.writeFrom(chunks[Symbol.iterator]()))
  }

  get sink(): Sink.Sink<void, Uint8Array | string, never, ConnectionError> {
    // Not kept: a sink is made once per run of a stream into it, and most connections never use one.
    return Sink.forEachChunk(this.writeAll)
  }

  // Ending and closing.

  /**
   * The one FIN: whoever asks first (end, close, or the peer's FIN without allowHalfOpen) sends it
   * once everything queued is written; the others wait for the same flush.
   */
  private startEnd() {
    if (this.writeEnded || this.closed) return
    this.writeEnded = true
    this.handle.end((error) => {
      if (error !== undefined) this.failure ??= error
      this.endFinished = true
      const wakers = this.endWakers
      this.endWakers = undefined
      wakeAll(wakers)
      if (this.destroyOnEnd) this.handle.destroy()
    })
  }

  private get awaitEnd(): Effect.Effect<void> {
    return this._awaitEnd ??= Effect.async<void>((resume) => {
      if (this.endFinished || this.closed) return resume(Effect.void)
      const waker = () => resume(Effect.void)
      ;(this.endWakers ??= []).push(waker)
      return Effect.sync(() => {
        this.endWakers = without(this.endWakers, waker)
      })
    })
  }

  get end(): Effect.Effect<void, ConnectionError> {
    if (this._end !== undefined) return this._end
    const failed = Effect.suspend(() => this.failure === undefined ? Effect.void : Effect.fail(this.failure))
    return this._end = Effect.suspend(() => {
      if (this.failure !== undefined) return Effect.fail(this.failure)
      if (this.closed) return Effect.fail(new SocketClosed({ operation: "end" }))
      this.startEnd()
      return Effect.zipRight(this.awaitEnd, failed)
    })
  }

  get awaitClose(): Effect.Effect<void> {
    return this._awaitClose ??= Effect.async<void>((resume) => {
      if (this.closed) return resume(Effect.void)
      const waker = () => resume(Effect.void)
      ;(this.closeWakers ??= []).push(waker)
      return Effect.sync(() => {
        this.closeWakers = without(this.closeWakers, waker)
      })
    })
  }

  get abort(): Effect.Effect<void> {
    return this._abort ??= Effect.suspend(() => {
      this.closedHere = true
      this.aborting = true
      if (!this.closed) this.handle.reset()
      return this.awaitClose
    })
  }

  /**
   * Graceful close: flush what is queued, send FIN, then release the socket without waiting for
   * the peer. A peer that stops reading cannot hold the close for longer than `closeTimeout`.
   */
  get close(): Effect.Effect<void> {
    if (this._close !== undefined) return this._close
    const destroy = Effect.sync(() => this.handle.destroy())
    return this._close = Effect.suspend(() => {
      this.closedHere = true
      if (this.closed) return Effect.void
      // An abort in progress closes on its own: there is nothing to flush.
      if (this.aborting) return this.awaitClose
      // Nothing left to flush (the FIN is out, or the socket failed): release it now.
      if (this.endFinished || this.failure !== undefined) {
        this.handle.destroy()
        return this.awaitClose
      }
      this.startEnd()
      // Nothing queued: the FIN goes out at once, and nothing the peer does can hold it, so the
      // flush needs no timeout, whose race costs two fibers and a timer on every close.
      if (this.handle.bufferSize() === 0) {
        return Effect.zipRight(Effect.zipRight(this.awaitEnd, destroy), this.awaitClose)
      }
      // A FIN already on its way (from `end` or the peer's end) is waited for, not cut short.
      // Interruptible: this runs as a finalizer, where the timeout could not stop a stuck flush.
      return this.awaitEnd.pipe(
        Effect.interruptible,
        Effect.timeout(this.options.closeTimeout),
        Effect.ignore,
        Effect.zipRight(destroy),
        Effect.zipRight(this.awaitClose)
      )
    })
  }

  /**
   * `close` for a server whose handler has ended, which has nothing to wait for: when nothing is
   * queued it sends FIN and returns, and the socket is destroyed once the FIN is out, with no fiber
   * left waiting; only queued bytes are waited for, as `close` waits for them (up to
   * `closeTimeout`). The server knows when the socket has closed from `onClose`.
   */
  get release(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.closed || this.aborting) {
        this.closedHere = true
        return Effect.void
      }
      if (this.endFinished || this.failure !== undefined || this.handle.bufferSize() > 0) return this.close
      this.closedHere = true
      this.destroyOnEnd = true
      this.startEnd()
      return Effect.void
    })
  }

  /** `abort` for a server whose handler has failed: resets the socket and returns at once. */
  get reset(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.closedHere = true
      this.aborting = true
      if (!this.closed) this.handle.reset()
    })
  }

  // Addresses and counters.

  get localAddress(): Address {
    if (this.local === unread) this.local = this.handle.localAddress()
    return this.local
  }

  get remoteAddress(): Address {
    if (this.remote === unread) this.remote = this.handle.remoteAddress()
    return this.remote
  }

  get bytesRead(): Effect.Effect<number> {
    return Effect.sync(() => this.handle.bytesRead())
  }

  get bytesWritten(): Effect.Effect<number> {
    return Effect.sync(() => this.handle.bytesWritten())
  }

  get bufferSize(): Effect.Effect<number> {
    return Effect.sync(() => this.handle.bufferSize())
  }

  // Options of the socket.

  get setNoDelay(): (noDelay?: boolean) => Effect.Effect<void> {
    return (noDelay = true) => Effect.sync(() => this.handle.setNoDelay(noDelay))
  }

  get setKeepAlive(): (enable?: boolean, initialDelay?: Duration.DurationInput) => Effect.Effect<void> {
    return (enable = false, initialDelay = Duration.zero) =>
      Effect.sync(() => this.handle.setKeepAlive(enable, Duration.toMillis(Duration.decode(initialDelay))))
  }

  get setTypeOfService(): (tos: number) => Effect.Effect<void, SocketError> {
    return (tos) =>
      Effect.tap(this.handle.setTypeOfService(tos), () =>
        Effect.sync(() => {
          this.typeOfService = tos
        }))
  }

  get getTypeOfService(): Effect.Effect<number> {
    return Effect.sync(() => this.typeOfService)
  }

  // Idle timeout. The machinery is made on first use: most connections never set an idle timeout,
  // and a PubSub and a FiberHandle (with its finalizer) cost ~5 KB and a fifth of an accept.

  /** The scope the idle machinery lives in: the one `make` ran in, or one of a server's connection's own. */
  private get idleHome(): Effect.Effect<Scope.Scope> {
    if (this.home !== undefined) return Effect.succeed(this.home)
    return Effect.map(Scope.fork(this.parentScope!, ExecutionStrategy.sequential), (own) => {
      if (this.home !== undefined) return this.home
      this.ownScope = own
      this.home = own
      // Closed already: nothing would close the scope later.
      if (this.closed) Effect.runFork(Scope.close(own, Exit.void))
      return own
    })
  }

  private get idleState(): Effect.Effect<IdleState> {
    return Effect.suspend(() =>
      this.idle !== undefined
        ? Effect.succeed(this.idle)
        : Effect.flatMap(this.idleHome, (home) =>
          Effect.all({ events: PubSub.unbounded<void>(), timer: FiberHandle.make() }).pipe(
            Scope.extend(home),
            Effect.map((made) => (this.idle ??= made))
          ))
    )
  }

  private get awaitActivity(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      this.activityWaker = () => resume(Effect.void)
      return Effect.sync(() => {
        this.activityWaker = undefined
      })
    })
  }

  private idleLoop(idleEvents: PubSub.PubSub<void>, timeout: number, failOnIdle: boolean): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      while (!this.closed) {
        const idleFor = (yield* Clock.currentTimeMillis) - this.lastActivity
        if (idleFor < timeout) {
          yield* Effect.sleep(Duration.millis(timeout - idleFor))
          continue
        }
        yield* PubSub.publish(idleEvents, undefined)
        if (failOnIdle) {
          this.failure ??= new IdleTimeout({ timeout })
          this.wakeReader()
          this.wakeWriters()
          this.handle.destroy()
          return
        }
        // Node reports an idle period once; the next read or write starts a new one.
        yield* this.awaitActivity
      }
    })
  }

  get setIdleTimeout(): (timeout: Duration.DurationInput | undefined, failOnIdle?: boolean) => Effect.Effect<void> {
    return (timeout, failOnIdle = false) =>
      Effect.suspend(() => {
        const millis = timeout === undefined ? 0 : Duration.toMillis(Duration.decode(timeout))
        if (millis <= 0 || !Number.isFinite(millis)) {
          return this.idle === undefined ? Effect.void : FiberHandle.clear(this.idle.timer)
        }
        this.tracksActivity = true
        this.lastActivity = this.clock.unsafeCurrentTimeMillis()
        return Effect.flatMap(this.idleState, ({ events, timer }) =>
          FiberHandle.run(timer, this.idleLoop(events, millis, failOnIdle)).pipe(Effect.asVoid))
      })
  }

  get subscribeIdle(): Effect.Effect<Queue.Dequeue<void>, never, Scope.Scope> {
    return Effect.flatMap(this.idleState, ({ events }) => PubSub.subscribe(events))
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
}

Object.defineProperty(ConnectionImpl.prototype, TypeId, { value: TypeId })

/** @internal */
export const make = (handle: Handle, options: Options): Effect.Effect<Connection.Connection, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) =>
    Effect.flatMap(Effect.clock, (clock) => {
      const connection = new ConnectionImpl(handle, options, clock, scope, undefined)
      // Scope.addFinalizer: `close` needs none of this fiber's FiberRefs, which Effect.addFinalizer
      // would diff and restore for each connection.
      const added = Scope.addFinalizer(scope, connection.close)
      return options.idleTimeout === undefined
        ? Effect.as(added, connection)
        : added.pipe(
          Effect.zipRight(connection.setIdleTimeout(options.idleTimeout, options.failOnIdle)),
          Effect.as(connection)
        )
    }))

/**
 * A connection that no scope owns, for a server, which closes it itself (when its handler ends, or
 * when the server shuts down). `parentScope` is where the connection's own scope is forked from if
 * its idle machinery needs one; the server closes that scope last, so nothing is left behind.
 *
 * @internal
 */
export const unsafeMake = (
  handle: Handle,
  options: Options,
  clock: Clock.Clock,
  parentScope: Scope.Scope
): ConnectionImpl => new ConnectionImpl(handle, options, clock, undefined, parentScope)
