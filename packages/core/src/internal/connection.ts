/**
 * A `Connection` over a transport `Handle`: the read side as a pull-based stream with a bounded
 * buffer (the handle is paused while the buffer is full, so a slow consumer stops the kernel reads),
 * the write side as effects that wait for the handle's drain.
 *
 * A connection is one object whose operations live on its prototype: a server holds thousands of
 * them, and most use a handful of their operations. It is its handle's event listener itself (the
 * `on*` methods), and what a caller may pass around unbound (`write`, `setNoDelay`, ...) and the
 * effects (`read`, `stream`, `close`, ...) are made on first use and then kept, so each costs nothing
 * until it is used and one allocation after.
 *
 * Two small state machines, named: the read side (`ReadState`) and the write side (`WriteState`);
 * the socket's life (`closed`) and how it was closed here (`CloseMode`) beside them.
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type * as Connection from "../Connection.js"
import type { ConnectionError, InvalidArgument } from "../NetError.js"
import { IdleTimeout as IdleTimeoutError, SocketClosed, SocketError } from "../NetError.js"
import type { SocketAddress } from "../SocketAddress.js"
import type * as Tls from "../Tls.js"
import type { Handle, HandleEvents } from "../Transport.js"
import { IdleTimeout } from "./idleTimeout.js"
import * as ioScheduler from "./ioScheduler.js"
import { checkBoolean, checkDuration } from "./options.js"
import * as timer from "./timer.js"

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
  /** Idle time after which `idle` emits (Node's `setTimeout`), in milliseconds; none when 0. */
  readonly idleTimeout: number
  /** Whether an idle timeout also fails the connection with `IdleTimeout` and closes it. */
  readonly failOnIdle: boolean
  /** Called once the handle has closed, by either side. */
  readonly onClose?: ((connection: ConnectionImpl) => void) | undefined
}

/** The defaults, shared by connections that `connect` opens and those a server accepts. @internal */
export const defaultOptions: Options = {
  allowHalfOpen: false,
  readHighWaterMark: 64 * 1024,
  closeTimeout: Duration.seconds(2),
  idleTimeout: 0,
  failOnIdle: false
}

type Waker = () => void
type Address = SocketAddress | string | undefined

const wakeAll = (wakers: Array<Waker> | undefined) => {
  if (wakers !== undefined) { for (const waker of wakers) waker() }
}

const without = (wakers: Array<Waker> | undefined, waker: Waker) => wakers?.filter((w) => w !== waker)

/** An address not yet asked of the handle. */
const unread: unique symbol = Symbol()

/** The read side: bytes flow, or the handle is paused (buffer full), or no more will come. */
const enum ReadState {
  Flowing,
  Paused,
  /** The peer's FIN arrived, or the socket closed: what is buffered is all there is. */
  Ended
}

/** The write side: open, FIN queued behind what is buffered, or FIN sent (or the socket gone). */
const enum WriteState {
  Open,
  Ending,
  Ended
}

/** How the socket is being closed from this side, if it is. */
const enum CloseMode {
  None,
  /** `close`/`release`: flush, FIN, release. */
  Graceful,
  /** `abort`/`reset`: RST. */
  Abort
}

/**
 * What a connection needs only sometimes: its addresses once asked, the wakers of writers, enders
 * and closers, its idle timeout, and the operations besides an echo loop's. A server holds
 * thousands of connections that never need any of it; they do not pay for its fields.
 */
class Extra {
  clock: Clock.Clock = timer.live
  local: Address | typeof unread = unread
  remote: Address | typeof unread = unread
  /** The stream has a consumer (one at a time). */
  streaming = false
  /** Set by `release`: the socket is destroyed as soon as the FIN is out. */
  destroyOnEnd = false
  drainWakers: Array<Waker> | undefined = undefined
  endWakers: Array<Waker> | undefined = undefined
  closeWakers: Array<Waker> | undefined = undefined
  idle: IdleTimeout | undefined = undefined
  _stream: Stream.Stream<Uint8Array, ConnectionError> | undefined = undefined
  _readable: Effect.Effect<void> | undefined = undefined
  _write: ((chunk: Uint8Array | string) => Effect.Effect<void, ConnectionError>) | undefined = undefined
  _awaitDrain: Effect.Effect<void, ConnectionError> | undefined = undefined
  _end: Effect.Effect<void, ConnectionError> | undefined = undefined
  _close: Effect.Effect<void> | undefined = undefined
  _awaitClose: Effect.Effect<void> | undefined = undefined
}

/** @internal */
export class ConnectionImpl implements Connection.Connection, HandleEvents {
  declare readonly [TypeId]: typeof TypeId

  /** What arrived and was not read yet; none while nothing is (an idle connection holds no array). */
  private chunks: Array<Uint8Array> | undefined = undefined
  private buffered = 0
  private readState = ReadState.Flowing
  /** The reader waiting for bytes: its `Effect.async` resume, and what it resumes with. */
  private readResume: ((effect: Effect.Effect<never, never>) => void) | undefined = undefined
  private readWake: Effect.Effect<never, never> = Effect.void as Effect.Effect<never, never>
  private writeState = WriteState.Open
  private closeMode = CloseMode.None
  /** The peer ended its side (for the EPIPE of a write after its FIN). */
  private peerEnded = false
  private closed = false
  private failure: ConnectionError | undefined = undefined
  // The operations an echo loop uses, made on first use and kept.
  private _read: Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> | undefined = undefined
  private _readWait: Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> | undefined = undefined
  private _writeAll:
    | ((chunks: Iterable<Uint8Array | string>) => Effect.Effect<void, ConnectionError>)
    | undefined = undefined
  /** Everything else, made the first time any of it is needed (see `Extra`). */
  private extra: Extra | undefined = undefined

  constructor(
    /** Replaced only by a STARTTLS upgrade (`swapHandle`). */
    private handle: Handle,
    private readonly options: Options,
    clock: Clock.Clock,
    /** What belongs to this connection; a server's connection's own lazy scope, or the connect's. */
    readonly scope: Scope.Scope
  ) {
    if (!timer.isLive(clock)) this.x.clock = clock
    handle.listen(this)
  }

  /** The rarely used state, made now if it was not. */
  private get x(): Extra {
    return this.extra ??= new Extra()
  }

  // Events of the handle: the connection is its handle's listener.

  onData(chunk: Uint8Array): void {
    this.extra?.idle?.activity()
    if (this.chunks === undefined) this.chunks = [chunk]
    else this.chunks.push(chunk)
    this.buffered += chunk.length
    // A waiting reader takes this chunk in a microtask, before the handle reads again: pausing
    // would only cost a pause and a resume per chunk, as one 64 KiB read reaches the mark alone.
    if (
      this.readState === ReadState.Flowing && this.readResume === undefined &&
      this.buffered >= this.options.readHighWaterMark
    ) {
      this.readState = ReadState.Paused
      this.handle.pause()
    }
    this.wakeReader()
  }

  onEnd(): void {
    this.readState = ReadState.Ended
    this.peerEnded = true
    this.wakeReader()
    // Node's allowHalfOpen: false ends the writable side when the readable side ends, which is once
    // the reader is done with every byte the peer sent before its FIN (an echo still has them to
    // answer): now if nothing is left unread, else when the reader comes back for more (`ended`).
    if (!this.options.allowHalfOpen && this.chunks === undefined) this.startEnd()
  }

  onError(error: SocketError): void {
    this.failure ??= error
    this.wakeReader()
    this.wakeWriters()
  }

  onDrain(): void {
    this.wakeWriters()
  }

  onClose(): void {
    this.closed = true
    this.readState = ReadState.Ended
    this.writeState = WriteState.Ended
    const extra = this.extra
    extra?.idle?.stop()
    const ending = extra?.endWakers
    if (extra !== undefined) extra.endWakers = undefined
    wakeAll(ending)
    this.wakeReader()
    this.wakeWriters()
    const closing = extra?.closeWakers
    if (extra !== undefined) extra.closeWakers = undefined
    wakeAll(closing)
    this.options.onClose?.(this)
  }

  /** The idle timeout passed with `failOnIdle`: fail and close. @internal */
  failIdle(timeout: number): void {
    this.failure ??= new IdleTimeoutError({ timeout }, true)
    this.wakeReader()
    this.wakeWriters()
    this.handle.destroy()
  }

  // Wake-ups from the handle's events come from I/O callbacks: a handler fiber runs at once there
  // (see ioScheduler); any other fiber is queued on its own scheduler as usual.
  private wakeReader() {
    const resume = this.readResume
    if (resume === undefined) return
    this.readResume = undefined
    ioScheduler.resumeFromIo(resume, this.readWake)
  }

  private wakeWriters() {
    const wakers = this.extra?.drainWakers
    if (wakers === undefined) return
    this.extra!.drainWakers = undefined
    ioScheduler.resumeFromIo(wakeAll, wakers)
  }

  // Reading.

  /** A read takes everything buffered at once: a chunk of chunks, and the handle resumes. */
  private take(): Chunk.Chunk<Uint8Array> {
    const taken = this.chunks!
    this.chunks = undefined
    this.buffered = 0
    if (this.readState === ReadState.Paused) {
      this.readState = ReadState.Flowing
      this.handle.resume()
    }
    return Chunk.unsafeFromArray(taken)
  }

  /** The reader found the end of the peer's bytes: without allowHalfOpen, our side ends too. */
  private ended(): void {
    if (!this.options.allowHalfOpen) this.startEnd()
  }

  // No canceler: it would wrap every wait in onInterrupt, which costs more than the rest of a read.
  // A waker left by an interrupted wait is harmless: the runtime ignores a resume that comes after
  // the interruption, and the next wait replaces it.
  //
  // The stream's wait resumes with nothing (its loop looks again); `read`'s resumes with the read
  // itself, so a woken reader takes the bytes without a continuation of its own on the fiber's
  // stack.
  private get readable(): Effect.Effect<void> {
    return this.x._readable ??= Effect.async<void>((resume) => {
      this.readResume = resume
      this.readWake = Effect.void as Effect.Effect<never, never>
    })
  }

  private readNow(): Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> {
    if (this.chunks !== undefined) return Effect.succeed(Option.some(this.take()))
    if (this.failure !== undefined) return Effect.fail(this.failure)
    if (this.readState === ReadState.Ended) {
      this.ended()
      return Effect.succeed(Option.none())
    }
    return this._readWait!
  }

  private waitToRead(resume: (effect: Effect.Effect<never, never>) => void): void {
    this.readResume = resume
    this.readWake = this._read as Effect.Effect<never, never>
  }

  get read(): Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> {
    if (this._read !== undefined) return this._read
    // Bound methods rather than closures: two objects kept per connection, not two closures and
    // the context they share.
    this._readWait = Effect.async(this.waitToRead.bind(this))
    return this._read = Effect.suspend(this.readNow.bind(this))
  }

  get stream(): Stream.Stream<Uint8Array, ConnectionError> {
    if (this.extra?._stream !== undefined) return this.extra._stream
    // A channel rather than repeatEffectChunkOption: what is buffered is written without running an
    // effect, and no Option is built and matched per chunk.
    const readLoop: Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, ConnectionError, unknown, void, unknown> = Channel
      .suspend(() => {
        if (this.chunks !== undefined) return Channel.zipRight(Channel.write(this.take()), readLoop)
        if (this.failure !== undefined) return Channel.fail(this.failure)
        if (this.readState === ReadState.Ended) {
          this.ended()
          return Channel.void
        }
        return Channel.zipRight(Channel.fromEffect(this.readable), readLoop)
      })
    const release = Effect.sync(() => {
      this.x.streaming = false
    })
    // One reader at a time, checked when a run of the stream starts rather than on every read. A
    // Channel.ensuring rather than Stream.unwrapScoped(acquireRelease): no scope and no extra
    // executor per run.
    return this.x._stream = Stream.fromChannel(Channel.suspend(() => {
      if (this.x.streaming) {
        return Channel.failCause(Cause.die(
          new Cause.RuntimeException("Connection.stream is being read by two consumers at once; it has one reader")
        ))
      }
      this.x.streaming = true
      return Channel.ensuring(readLoop, release)
    }))
  }

  // Writing.

  private writeClosedError(operation: string): ConnectionError {
    return this.failure ??
      // Node: "This socket has been ended by the other party" (EPIPE), unless we closed it.
      (this.peerEnded && !this.options.allowHalfOpen && this.closeMode === CloseMode.None
        ? new SocketError({ code: "EPIPE", syscall: "write" }, true)
        : new SocketClosed({ operation }, true))
  }

  private get awaitDrain(): Effect.Effect<void, ConnectionError> {
    return this.x._awaitDrain ??= Effect.async<void, ConnectionError>((resume) => {
      const waker = () => resume(this.failure !== undefined ? Effect.fail(this.failure) : Effect.void)
      ;(this.x.drainWakers ??= []).push(waker)
      return Effect.sync(() => {
        this.x.drainWakers = without(this.x.drainWakers, waker)
      })
    })
  }

  /**
   * A write over the high-water mark that the system took at once (the usual case for one large
   * write to a socket with room) leaves nothing queued: there is no backpressure to wait for, and
   * waiting for the drain that follows would cost an async turn per write.
   */
  private get backedUp(): boolean {
    return this.handle.bufferSize() > 0
  }

  private get writable(): boolean {
    return this.failure === undefined && this.writeState === WriteState.Open
  }

  get write(): (chunk: Uint8Array | string) => Effect.Effect<void, ConnectionError> {
    return this.x._write ??= (chunk) =>
      Effect.suspend(() => {
        if (!this.writable) return Effect.fail(this.writeClosedError("write"))
        this.extra?.idle?.activity()
        return this.handle.write(chunk) || !this.backedUp ? Effect.void : this.awaitDrain
      })
  }

  /**
   * Writes the chunks in order, each as `write` would, without an effect per chunk: the handle
   * takes them one after the other until its buffer is full, then the rest waits for the drain.
   * An array (or a chunk's array) is walked by index, without an iterator.
   */
  private writeFrom(chunks: ReadonlyArray<Uint8Array | string>, from: number): Effect.Effect<void, ConnectionError> {
    for (let i = from; i < chunks.length; i++) {
      if (!this.writable) return Effect.fail(this.writeClosedError("write"))
      this.extra?.idle?.activity()
      if (!this.handle.write(chunks[i]!) && this.backedUp) {
        const next = i + 1
        return next === chunks.length
          ? this.awaitDrain
          : Effect.zipRight(this.awaitDrain, Effect.suspend(() => this.writeFrom(chunks, next)))
      }
    }
    return Effect.void
  }

  private writeAllOf(chunks: Iterable<Uint8Array | string>): Effect.Effect<void, ConnectionError> {
    return Effect.suspend(() =>
      this.writeFrom(
        Array.isArray(chunks)
          ? chunks
          : Chunk.isChunk(chunks)
          ? Chunk.toReadonlyArray(chunks as Chunk.Chunk<Uint8Array | string>)
          : Array.from(chunks),
        0
      )
    )
  }

  get writeAll(): (chunks: Iterable<Uint8Array | string>) => Effect.Effect<void, ConnectionError> {
    // Bound rather than a closure: one object kept per connection, not a closure and its context.
    return this._writeAll ??= this.writeAllOf.bind(this)
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
    if (this.writeState !== WriteState.Open || this.closed) return
    this.writeState = WriteState.Ending
    this.handle.end((error) => {
      if (error !== undefined) this.failure ??= error
      if (this.writeState === WriteState.Ending) this.writeState = WriteState.Ended
      const extra = this.extra
      const wakers = extra?.endWakers
      if (extra !== undefined) extra.endWakers = undefined
      wakeAll(wakers)
      if (extra?.destroyOnEnd === true) this.handle.destroy()
    })
  }

  private get awaitEnd(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.writeState === WriteState.Ended || this.closed) return resume(Effect.void)
      const waker = () => resume(Effect.void)
      ;(this.x.endWakers ??= []).push(waker)
      return Effect.sync(() => {
        this.x.endWakers = without(this.x.endWakers, waker)
      })
    })
  }

  get end(): Effect.Effect<void, ConnectionError> {
    if (this.extra?._end !== undefined) return this.extra._end
    const failed = Effect.suspend(() => this.failure === undefined ? Effect.void : Effect.fail(this.failure))
    return this.x._end = Effect.suspend(() => {
      if (this.failure !== undefined) return Effect.fail(this.failure)
      if (this.closed) return Effect.fail(new SocketClosed({ operation: "end" }, true))
      // Nothing queued: the FIN is handed to the system now, as `socket.end()` does, and there is
      // nothing to wait for (a failure to send it fails the connection, for its reads and writes).
      if (this.writeState === WriteState.Open && this.handle.bufferSize() === 0) {
        this.startEnd()
        return Effect.void
      }
      this.startEnd()
      return Effect.zipRight(this.awaitEnd, failed)
    })
  }

  get awaitClose(): Effect.Effect<void> {
    return this.x._awaitClose ??= Effect.async<void>((resume) => {
      if (this.closed) return resume(Effect.void)
      const waker = () => resume(Effect.void)
      ;(this.x.closeWakers ??= []).push(waker)
      return Effect.sync(() => {
        this.x.closeWakers = without(this.x.closeWakers, waker)
      })
    })
  }

  get abort(): Effect.Effect<void> {
    return Effect.zipRight(this.reset, this.awaitClose)
  }

  /**
   * Graceful close: flush what is queued, send FIN, then release the socket without waiting for
   * the peer. A peer that stops reading cannot hold the close for longer than `closeTimeout`.
   */
  get close(): Effect.Effect<void> {
    if (this.extra?._close !== undefined) return this.extra._close
    const destroy = Effect.sync(() => this.handle.destroy())
    return this.x._close = Effect.suspend(() => {
      if (this.closed) return Effect.void
      // An abort in progress closes on its own: there is nothing to flush.
      if (this.closeMode === CloseMode.Abort) return this.awaitClose
      this.closeMode = CloseMode.Graceful
      // Nothing left to flush (the FIN is out, or the socket failed): release it now.
      if (this.writeState === WriteState.Ended || this.failure !== undefined) {
        this.handle.destroy()
        return this.awaitClose
      }
      // Nothing queued: the FIN goes out at once and the socket is released right after it; nothing
      // the peer does can hold that, so there is no timeout to race, only the close to wait for.
      if (this.handle.bufferSize() === 0) {
        this.x.destroyOnEnd = true
        if (this.writeState === WriteState.Open) this.startEnd()
        return this.awaitClose
      }
      this.startEnd()
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
    return Effect.sync(() => this.unsafeRelease())
  }

  /** `release`, now. @internal */
  unsafeRelease(): void {
    if (this.closed || this.closeMode === CloseMode.Abort) return
    if (this.writeState === WriteState.Ended || this.failure !== undefined || this.handle.bufferSize() > 0) {
      // Queued bytes are flushed (up to closeTimeout) by `close`, in a fiber of its own: the server
      // keeps the connection until its socket closes.
      Effect.runFork(this.close)
      return
    }
    this.closeMode = CloseMode.Graceful
    this.x.destroyOnEnd = true
    if (this.writeState === WriteState.Open) this.startEnd()
  }

  /** Resets the socket (RST) and returns at once. */
  get reset(): Effect.Effect<void> {
    return Effect.sync(() => this.unsafeReset())
  }

  /** @internal */
  unsafeReset(): void {
    this.closeMode = CloseMode.Abort
    if (!this.closed) this.handle.reset()
  }

  /** The connection's own failure, if it has one (reset by the peer, idle timeout, ...). @internal */
  get failedWith(): ConnectionError | undefined {
    return this.failure
  }

  get isClosed(): boolean {
    return this.closed
  }

  get state(): Effect.Effect<Connection.State> {
    return Effect.sync(() => {
      if (this.closed) return "Closed"
      const readClosed = this.readState === ReadState.Ended
      const writeClosed = this.writeState !== WriteState.Open
      return readClosed ? (writeClosed ? "Closed" : "ReadClosed") : writeClosed ? "WriteClosed" : "Open"
    })
  }

  // Addresses and counters.

  get localAddress(): Address {
    const x = this.x
    if (x.local === unread) x.local = this.handle.localAddress()
    return x.local
  }

  get remoteAddress(): Address {
    const x = this.x
    if (x.remote === unread) x.remote = this.handle.remoteAddress()
    return x.remote
  }

  /** Remembers the peer's address now, while the socket can still tell it. @internal */
  readRemoteAddress(): Address {
    return this.remoteAddress
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

  get ref(): Effect.Effect<void> {
    return Effect.sync(() => this.handle.ref())
  }

  get unref(): Effect.Effect<void> {
    return Effect.sync(() => this.handle.unref())
  }

  // Options of the socket.

  get setNoDelay(): (noDelay?: boolean) => Effect.Effect<void> {
    return (noDelay = true) => Effect.sync(() => this.handle.setNoDelay(noDelay))
  }

  get setKeepAlive(): (
    enable?: boolean,
    initialDelay?: Duration.DurationInput
  ) => Effect.Effect<void, InvalidArgument> {
    return (enable = false, initialDelay = Duration.zero) =>
      Effect.suspend(() => {
        const bad = checkBoolean(enable, "enable")
        if (bad !== undefined) return Effect.fail(bad)
        const delay = checkDuration(initialDelay, "initialDelay")
        if (delay !== undefined && !Duration.isDuration(delay)) return Effect.fail(delay)
        this.handle.setKeepAlive(enable, delay === undefined ? 0 : Duration.toMillis(delay))
        return Effect.void
      })
  }

  get setTypeOfService(): (tos: number) => Effect.Effect<void, SocketError> {
    return (tos) => this.handle.setTypeOfService(tos)
  }

  get getTypeOfService(): Effect.Effect<number, SocketError> {
    return this.handle.getTypeOfService()
  }

  // Idle timeout.

  /** Sets the idle timeout from checked options. @internal */
  unsafeSetIdleTimeout(millis: number, failOnIdle: boolean): void {
    if (millis <= 0 && this.extra?.idle === undefined) return
    ;(this.x.idle ??= new IdleTimeout(this.x.clock, this)).set(millis, failOnIdle)
  }

  get setIdleTimeout(): (
    timeout: Duration.DurationInput | undefined,
    failOnIdle?: boolean
  ) => Effect.Effect<void, InvalidArgument> {
    return (timeout, failOnIdle = false) =>
      Effect.suspend(() => {
        const duration = checkDuration(timeout, "timeout")
        if (duration !== undefined && !Duration.isDuration(duration)) return Effect.fail(duration)
        const bad = checkBoolean(failOnIdle, "failOnIdle")
        if (bad !== undefined) return Effect.fail(bad)
        if (!this.closed) {
          this.unsafeSetIdleTimeout(duration === undefined ? 0 : Duration.toMillis(duration), failOnIdle)
        }
        return Effect.void
      })
  }

  get subscribeIdle(): Effect.Effect<Queue.Dequeue<void>, never, Scope.Scope> {
    return Effect.suspend(() => (this.x.idle ??= new IdleTimeout(this.x.clock, this)).subscribe)
  }

  // TLS (hooks for `internal/tls.ts`; nothing here runs for a plain connection).

  /** The negotiated TLS session, read from the handle: only a secured handle has one. */
  get tls(): Tls.Session | undefined {
    return this.handle.tls
  }

  /** STARTTLS: whether the connection can be upgraded (open both ways, not failed). @internal */
  get upgradable(): boolean {
    return !this.closed && this.failure === undefined && this.closeMode === CloseMode.None &&
      this.writeState === WriteState.Open && this.readState !== ReadState.Ended
  }

  /** STARTTLS: what arrived and was not read, taken out of the buffer (it goes to the handshake). @internal */
  takeUnread(): Array<Uint8Array> {
    const taken = this.chunks ?? []
    this.chunks = undefined
    this.buffered = 0
    if (this.readState === ReadState.Paused) this.readState = ReadState.Flowing
    return taken
  }

  /**
   * STARTTLS: puts `handle` in place of the current one (which is returned, and no longer listened
   * to by this connection): the stand-in that holds writes during the handshake, then the secured
   * handle. The read side's pause carries over.
   * @internal
   */
  swapHandle(handle: Handle): Handle {
    const old = this.handle
    this.handle = handle
    handle.listen(this)
    if (this.readState === ReadState.Paused) handle.pause()
    return old
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
}

Object.defineProperty(ConnectionImpl.prototype, TypeId, { value: TypeId })

/**
 * A connection over a handle, with its options applied. Its owner closes it: the scope of a
 * `connect`, or a server.
 * @internal
 */
export const make = (
  handle: Handle,
  options: Options,
  clock: Clock.Clock,
  scope: Scope.Scope
): ConnectionImpl => {
  const connection = new ConnectionImpl(handle, options, clock, scope)
  if (options.idleTimeout > 0) connection.unsafeSetIdleTimeout(options.idleTimeout, options.failOnIdle)
  return connection
}
