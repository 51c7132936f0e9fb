/**
 * A `Connection` over a transport `Handle`: the read side as a pull-based stream with a bounded
 * buffer (the handle is paused while the buffer is full, so a slow consumer stops the kernel reads),
 * the write side as effects that wait for the handle's drain.
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberHandle from "effect/FiberHandle"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import type * as Connection from "../Connection.js"
import { IdleTimeout, SocketClosed, SocketError } from "../NetError.js"
import type { ConnectionError } from "../NetError.js"
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
  /** Called once the handle has closed, by either side: the server closes the connection's scope. */
  readonly onClose?: (() => void) | undefined
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

/** @internal */
export const make = (handle: Handle, options: Options): Effect.Effect<Connection.Connection, never, Scope.Scope> =>
  Effect.gen(function*() {
    let chunks: Array<Uint8Array> = []
    let buffered = 0
    let paused = false
    let readEnded = false
    let peerEnded = false
    let closedHere = false
    let writeEnded = false
    let endFinished = false
    let endWakers: Array<Waker> = []
    let aborting = false
    let closed = false
    let failure: ConnectionError | undefined
    let readWaker: Waker | undefined
    let drainWakers: Array<Waker> = []
    let closeWakers: Array<Waker> = []
    let typeOfService = 0
    // Idle tracking (Node's socket.setTimeout): the instant of the last read or write, on the
    // connection's Clock so that TestClock drives it; `activityWaker` re-arms the timer after an
    // idle period has been reported.
    const clock = yield* Effect.clock
    let lastActivity = clock.unsafeCurrentTimeMillis()
    let activityWaker: Waker | undefined
    const activity = () => {
      lastActivity = clock.unsafeCurrentTimeMillis()
      const waker = activityWaker
      activityWaker = undefined
      waker?.()
    }

    const wakeReader = () => {
      const waker = readWaker
      readWaker = undefined
      waker?.()
    }
    const wakeWriters = () => {
      const wakers = drainWakers
      drainWakers = []
      for (const waker of wakers) waker()
    }

    handle.listen({
      onData: (chunk) => {
        activity()
        chunks.push(chunk)
        buffered += chunk.length
        // A waiting reader takes this chunk in a microtask, before the handle reads again: pausing
        // would only cost a pause and a resume per chunk, as one 64 KiB read reaches the mark alone.
        if (!paused && readWaker === undefined && buffered >= options.readHighWaterMark) {
          paused = true
          handle.pause()
        }
        wakeReader()
      },
      onEnd: () => {
        readEnded = true
        peerEnded = true
        wakeReader()
        // Node's allowHalfOpen: false ends the writable side when the readable side ends.
        if (!options.allowHalfOpen) startEnd()
      },
      onError: (error) => {
        failure ??= error
        wakeReader()
        wakeWriters()
      },
      onDrain: wakeWriters,
      onClose: () => {
        closed = true
        endFinished = true
        const ending = endWakers
        endWakers = []
        for (const waker of ending) waker()
        readEnded = true
        wakeReader()
        wakeWriters()
        const wakers = closeWakers
        closeWakers = []
        for (const waker of wakers) waker()
        options.onClose?.()
      }
    })

    // A read takes everything buffered at once: a chunk of chunks, and the handle resumes.
    const take = (): Chunk.Chunk<Uint8Array> => {
      const taken = chunks
      chunks = []
      buffered = 0
      if (paused) {
        paused = false
        handle.resume()
      }
      return Chunk.unsafeFromArray(taken)
    }
    // No canceler: it would wrap every wait in onInterrupt, which costs more than the rest of a read.
    // A waker left by an interrupted wait is harmless: the runtime ignores a resume that comes after
    // the interruption, and the next wait replaces it.
    const readable = Effect.async<void>((resume) => {
      readWaker = () => resume(Effect.void)
    })
    // A channel rather than repeatEffectChunkOption: what is buffered is written without running an
    // effect, and no Option is built and matched per chunk.
    const readLoop: Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, ConnectionError, unknown, void, unknown> = Channel
      .suspend(() => {
        if (chunks.length > 0) return Channel.zipRight(Channel.write(take()), readLoop)
        if (failure !== undefined) return Channel.fail(failure)
        if (readEnded) return Channel.void
        return Channel.zipRight(Channel.fromEffect(readable), readLoop)
      })

    const read: Effect.Effect<Option.Option<Chunk.Chunk<Uint8Array>>, ConnectionError> = Effect.suspend(() => {
      if (chunks.length > 0) return Effect.succeed(Option.some(take()))
      if (failure !== undefined) return Effect.fail(failure)
      if (readEnded) return Effect.succeed(Option.none())
      return Effect.zipRight(readable, read)
    })

    // One reader at a time, checked when a run of the stream starts rather than on every read. A
    // Channel.ensuring rather than Stream.unwrapScoped(acquireRelease): no scope and no extra
    // executor per run, ~7 KB less for each connection whose handler is reading.
    let reading = false
    const stream = Stream.fromChannel(Channel.suspend(() => {
      if (reading) {
        return Channel.failCause(Cause.die(
          new Cause.RuntimeException("Connection.stream is being read by two consumers at once; it has one reader")
        ))
      }
      reading = true
      return Channel.ensuring(
        readLoop,
        Effect.sync(() => {
          reading = false
        })
      )
    }))

    const writeClosedError = (operation: string): ConnectionError =>
      failure ??
        // Node: "This socket has been ended by the other party" (EPIPE), unless we closed it.
        (peerEnded && !options.allowHalfOpen && !closedHere
          ? new SocketError({ code: "EPIPE", syscall: "write" })
          : new SocketClosed({ operation }))

    const awaitDrain = Effect.async<void, ConnectionError>((resume) => {
      const waker = () => resume(failure !== undefined ? Effect.fail(failure) : Effect.void)
      drainWakers.push(waker)
      return Effect.sync(() => {
        drainWakers = drainWakers.filter((w) => w !== waker)
      })
    })

    const write = (chunk: Uint8Array | string): Effect.Effect<void, ConnectionError> =>
      Effect.suspend(() => {
        if (failure !== undefined || writeEnded || closed) return Effect.fail(writeClosedError("write"))
        activity()
        return handle.write(chunk) ? Effect.void : awaitDrain
      })

    const writeAll = (chunks: Iterable<Uint8Array | string>): Effect.Effect<void, ConnectionError> =>
      Effect.forEach(chunks, write, { discard: true })

    const sink: Sink.Sink<void, Uint8Array | string, never, ConnectionError> = Sink.forEachChunk(writeAll)

    const awaitClose = Effect.async<void>((resume) => {
      if (closed) return resume(Effect.void)
      const waker = () => resume(Effect.void)
      closeWakers.push(waker)
      return Effect.sync(() => {
        closeWakers = closeWakers.filter((w) => w !== waker)
      })
    })

    // The one FIN: whoever asks first (end, close, or the peer's FIN without allowHalfOpen) sends it
    // once everything queued is written; the others wait for the same flush.
    function startEnd() {
      if (writeEnded || closed) return
      writeEnded = true
      handle.end((error) => {
        if (error !== undefined) failure ??= error
        endFinished = true
        const wakers = endWakers
        endWakers = []
        for (const waker of wakers) waker()
      })
    }
    const awaitEnd = Effect.async<void>((resume) => {
      if (endFinished || closed) return resume(Effect.void)
      const waker = () => resume(Effect.void)
      endWakers.push(waker)
      return Effect.sync(() => {
        endWakers = endWakers.filter((w) => w !== waker)
      })
    })

    const end: Effect.Effect<void, ConnectionError> = Effect.suspend(() => {
      if (failure !== undefined) return Effect.fail(failure)
      if (closed) return Effect.fail(new SocketClosed({ operation: "end" }))
      startEnd()
      return Effect.zipRight(awaitEnd, Effect.suspend(() => failure === undefined ? Effect.void : Effect.fail(failure)))
    })

    const abort = Effect.suspend(() => {
      closedHere = true
      aborting = true
      if (!closed) handle.reset()
      return awaitClose
    })

    // Graceful close: flush what is queued, send FIN, then release the socket without waiting for
    // the peer. A peer that stops reading cannot hold the close for longer than `closeTimeout`.
    const close = Effect.suspend(() => {
      closedHere = true
      if (closed) return Effect.void
      // An abort in progress closes on its own: there is nothing to flush.
      if (aborting) return awaitClose
      // Nothing left to flush (the FIN is out, or the socket failed): no timeout, whose race costs
      // two fibers and a timer on every close.
      if (endFinished || failure !== undefined) {
        handle.destroy()
        return awaitClose
      }
      startEnd()
      // A FIN already on its way (from `end` or the peer's end) is waited for, not cut short.
      const flush = failure === undefined ? awaitEnd : Effect.void
      // Interruptible: this runs as a finalizer, where the timeout could not stop a stuck flush.
      return flush.pipe(
        Effect.interruptible,
        Effect.timeout(options.closeTimeout),
        Effect.ignore,
        Effect.zipRight(Effect.sync(() => handle.destroy())),
        Effect.zipRight(awaitClose)
      )
    })

    // Scope.addFinalizer: `close` needs none of this fiber's FiberRefs, which Effect.addFinalizer
    // would diff and restore for each connection.
    const scope = yield* Effect.scope
    yield* Scope.addFinalizer(scope, close)

    // The idle machinery is made on first use: most connections never set an idle timeout, and a
    // PubSub and a FiberHandle (with its finalizer) cost ~5 KB and a fifth of an accept.
    let idle: { readonly events: PubSub.PubSub<void>; readonly timer: FiberHandle.FiberHandle } | undefined
    const idleState = Effect.suspend(() =>
      idle !== undefined
        ? Effect.succeed(idle)
        : Effect.all({ events: PubSub.unbounded<void>(), timer: FiberHandle.make() }).pipe(
          Scope.extend(scope),
          Effect.map((made) => (idle ??= made))
        )
    )
    const awaitActivity = Effect.async<void>((resume) => {
      activityWaker = () => resume(Effect.void)
      return Effect.sync(() => {
        activityWaker = undefined
      })
    })
    const idleLoop = (idleEvents: PubSub.PubSub<void>, timeout: number, failOnIdle: boolean) =>
      Effect.gen(function*() {
        while (!closed) {
          const idleFor = (yield* Clock.currentTimeMillis) - lastActivity
          if (idleFor < timeout) {
            yield* Effect.sleep(Duration.millis(timeout - idleFor))
            continue
          }
          yield* PubSub.publish(idleEvents, undefined)
          if (failOnIdle) {
            failure ??= new IdleTimeout({ timeout })
            wakeReader()
            wakeWriters()
            handle.destroy()
            return
          }
          // Node reports an idle period once; the next read or write starts a new one.
          yield* awaitActivity
        }
      })
    const setIdleTimeout = (timeout: Duration.DurationInput | undefined, failOnIdle = false) =>
      Effect.suspend(() => {
        const millis = timeout === undefined ? 0 : Duration.toMillis(Duration.decode(timeout))
        if (millis <= 0 || !Number.isFinite(millis)) {
          return idle === undefined
            ? Effect.void
            : FiberHandle.clear(idle.timer)
        }
        lastActivity = clock.unsafeCurrentTimeMillis()
        return Effect.flatMap(idleState, ({ events, timer }) =>
          FiberHandle.run(timer, idleLoop(events, millis, failOnIdle)).pipe(Effect.asVoid))
      })
    if (options.idleTimeout !== undefined) yield* setIdleTimeout(options.idleTimeout, options.failOnIdle)

    const connection: Connection.Connection = {
      [TypeId]: TypeId,
      stream,
      read,
      write,
      writeAll,
      sink,
      end,
      close,
      abort,
      awaitClose,
      localAddress: handle.localAddress(),
      remoteAddress: handle.remoteAddress(),
      bytesRead: Effect.sync(() => handle.bytesRead()),
      bytesWritten: Effect.sync(() => handle.bytesWritten()),
      bufferSize: Effect.sync(() => handle.bufferSize()),
      setNoDelay: (noDelay = true) => Effect.sync(() => handle.setNoDelay(noDelay)),
      setKeepAlive: (enable = false, initialDelay = Duration.zero) =>
        Effect.sync(() => handle.setKeepAlive(enable, Duration.toMillis(Duration.decode(initialDelay)))),
      setTypeOfService: (tos) =>
        handle.setTypeOfService(tos).pipe(Effect.tap(() =>
          Effect.sync(() => {
            typeOfService = tos
          })
        )),
      getTypeOfService: Effect.sync(() => typeOfService),
      subscribeIdle: Effect.flatMap(idleState, ({ events }) => PubSub.subscribe(events)),
      setIdleTimeout,
      pipe() {
        return pipeArguments(this, arguments)
      }
    }
    return connection
  })
