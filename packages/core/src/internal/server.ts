/**
 * A listening server's state and machinery, one object per server: the connections whose socket is
 * open, the handler fibers that run, the accept rule, and the staged shutdown. `Server.listen` and
 * `Server.serve` build one; `PlatformSocketServer` runs its handlers through it.
 *
 * A connection is no scope's: the server closes it when its handler ends or when the server shuts
 * down, and forgets it when its socket closes, whoever closed it. Each has a scope of its own
 * (`LazyScope`), free until something is added to it, closed when the connection is done.
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import { pipeArguments } from "effect/Pipeable"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as BlockList from "../BlockList.js"
import type * as Connection from "../Connection.js"
import type { ConnectionError } from "../NetError.js"
import { IdleTimeout, SocketError } from "../NetError.js"
import type * as ServerModule from "../Server.js"
import type { SocketAddress } from "../SocketAddress.js"
import type { Handle, Listener } from "../Transport.js"
import * as connection from "./connection.js"
import * as ioScheduler from "./ioScheduler.js"
import { LazyScope } from "./lazyScope.js"
import * as overlay from "./overlay.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("@netfx/core/Server")

/** What the server needs of its options, checked. @internal */
export interface Settings {
  readonly maxConnections: number | undefined
  readonly blockList: BlockList.BlockList | undefined
  readonly shutdownTimeout: Duration.Duration
  readonly onEvent: ((event: ServerModule.ServerEvent) => void) | undefined
  readonly noDelay: boolean
  /** Keep-alive's initial delay in milliseconds, or `undefined` for no keep-alive. */
  readonly keepAlive: number | undefined
  readonly connection: connection.Options
}

/** The rule of `Server.dropReason`, here so that the accept path needs no import cycle. @internal */
export type DropRule = (
  options: { readonly maxConnections?: number | undefined; readonly blockList?: BlockList.BlockList | undefined },
  open: number,
  remote: SocketAddress | string | undefined
) => ServerModule.DropReason | undefined

/** Codes of a connection broken by its peer: a handler that fails with one is not at fault. */
const peerCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ETIMEDOUT"])

/** The connection's own failure that ended a handler, if that is what ended it. */
const connectionFailure = (
  conn: connection.ConnectionImpl,
  cause: Cause.Cause<unknown>
): ConnectionError | undefined => {
  if (cause._tag !== "Fail") return undefined
  const error = cause.error
  if (error === conn.failedWith) return conn.failedWith
  if (error instanceof SocketError && peerCodes.has(error.code)) return error
  if (error instanceof IdleTimeout) return error
  return undefined
}

const release = (conn: connection.ConnectionImpl) => conn.unsafeRelease()
const reset = (conn: connection.ConnectionImpl) => conn.unsafeReset()

/**
 * What a handler fiber starts from, made once per program's FiberRefs: those FiberRefs with the I/O
 * scheduler set. A scheduler given to `runFork` instead is one more entry in every handler fiber's
 * own FiberRefs, kept for its whole life; set here, every handler shares it.
 */
const handlerBase = (fiberRefs: FiberRefs.FiberRefs): overlay.RootBase => {
  let base = handlerBases.get(fiberRefs)
  if (base === undefined) {
    base = overlay.rootBase(FiberRefs.updateAs(fiberRefs, {
      fiberId: FiberId.none,
      fiberRef: FiberRef.currentScheduler,
      value: ioScheduler.scheduler
    }))
    handlerBases.set(fiberRefs, base)
  }
  return base
}
const handlerBases = new WeakMap<FiberRefs.FiberRefs, overlay.RootBase>()
const noFiberRefs = FiberRefs.empty()

/** @internal */
export class ServerImpl<Address extends SocketAddress | string> implements ServerModule.Server<Address> {
  declare readonly [TypeId]: typeof TypeId
  /** Connections whose socket is open. */
  readonly open = new Set<connection.ConnectionImpl>()
  /** Handler fibers running (serve's, PlatformSocketServer's). */
  readonly handlers = new Set<Fiber.RuntimeFiber<void, unknown>>()
  private accepting = true
  private drainedWaker: (() => void) | undefined = undefined
  private readonly connectionOptions: connection.Options
  private readonly done: Deferred.Deferred<void>
  readonly events: PubSub.PubSub<ServerModule.ServerEvent>
  readonly accepted: Queue.Queue<Connection.Connection>
  readonly shutdown: Effect.Effect<void>

  constructor(
    readonly address: Address,
    private readonly listener: Listener,
    private readonly settings: Settings,
    private readonly clock: Clock.Clock,
    private readonly dropRule: DropRule,
    /** The handler of `serve`, with what it runs in; none for `listen`. */
    private readonly serving:
      | {
        readonly handler: (conn: Connection.Connection) => Effect.Effect<void, unknown, unknown>
        readonly runtime: Runtime.Runtime<unknown>
        readonly semaphore: Effect.Semaphore | undefined
      }
      | undefined
  ) {
    this.connectionOptions = { ...settings.connection, onClose: (conn) => this.onClose(conn) }
    this.done = Effect.runSync(Deferred.make<void>())
    this.events = Effect.runSync(PubSub.unbounded<ServerModule.ServerEvent>())
    this.accepted = Effect.runSync(Queue.unbounded<Connection.Connection>())
    this.shutdown = Effect.runSync(Effect.cached(this.runShutdown()))
    listener.listen({
      onConnection: (handle) => this.onConnection(handle),
      onError: (error) => this.report({ _tag: "AcceptError", error })
    })
  }

  report(event: ServerModule.ServerEvent): void {
    this.settings.onEvent?.(event)
    this.events.unsafeOffer(event)
  }

  private onConnection(handle: Handle): void {
    if (!this.accepting) return handle.destroy()
    const settings = this.settings
    if (settings.maxConnections !== undefined || settings.blockList !== undefined) {
      // The peer's address only when a rule needs it: it costs a getpeername and a parse.
      const remote = settings.blockList === undefined ? undefined : handle.remoteAddress()
      const reason = this.dropRule(settings, this.open.size, remote)
      if (reason !== undefined) {
        const local = handle.localAddress()
        const peer = remote ?? handle.remoteAddress()
        handle.destroy()
        return this.report({ _tag: "Drop", reason, local, remote: peer })
      }
    }
    const conn = connection.make(handle, this.connectionOptions, this.clock, new LazyScope())
    this.open.add(conn)
    if (settings.noDelay) handle.setNoDelay(true)
    if (settings.keepAlive !== undefined) handle.setKeepAlive(true, settings.keepAlive)
    const serving = this.serving
    if (serving === undefined) {
      this.accepted.unsafeOffer(conn)
      return
    }
    const run = serving.semaphore === undefined
      ? serving.handler(conn)
      : serving.semaphore.withPermits(1)(serving.handler(conn))
    this.fork(conn, run, serving.runtime, true)
  }

  /**
   * Runs a handler for a connection in a fiber of its own, with the connection's scope as its
   * `Scope`. When it ends, the scope is closed and the connection released (success) or reset
   * (failure, reported unless it is an interruption), unless `finishes` is false (the caller
   * closes the connection itself). The end is observed from outside the fiber, so nothing can
   * interrupt it and the handler's program carries no wrapper of its own.
   */
  fork<R>(
    conn: connection.ConnectionImpl,
    effect: Effect.Effect<void, unknown, R>,
    runtime: Runtime.Runtime<R>,
    finishes: boolean
  ): Fiber.RuntimeFiber<void, unknown> {
    const context = overlay.addService(runtime.context, Scope.Scope, conn.scope)
    const base = handlerBase(runtime.fiberRefs)
    // The runtime given to runFork has no FiberRefs of its own (nothing to copy); `updateRefs`
    // hands the fiber its own, made without a copy.
    const fiber = Runtime.runFork(
      Runtime.make({ context, fiberRefs: noFiberRefs, runtimeFlags: runtime.runtimeFlags }),
      effect,
      { updateRefs: (_, fiberId) => overlay.rootFiberRefs(base, fiberId, context) }
    )
    const exit = fiber.unsafePoll()
    if (exit !== null) this.finish(conn, exit, finishes)
    else {
      this.handlers.add(fiber)
      fiber.addObserver((exit) => {
        this.handlers.delete(fiber)
        this.finish(conn, exit, finishes)
      })
    }
    return fiber
  }

  /** A handler ended: its scope is closed, then its connection released or reset. */
  private finish(conn: connection.ConnectionImpl, exit: Exit.Exit<void, unknown>, finishes: boolean): void {
    const failed = Exit.isFailure(exit)
    if (failed && finishes && !Cause.isInterruptedOnly(exit.cause)) {
      const broken = connectionFailure(conn, exit.cause)
      this.report(
        broken === undefined
          ? { _tag: "HandlerFailed", remote: conn.remoteAddress, cause: exit.cause }
          : { _tag: "ConnectionFailed", remote: conn.remoteAddress, error: broken }
      )
    }
    this.closeScope(conn, exit, finishes ? (failed ? reset : release) : undefined)
  }

  /**
   * Closes a connection's scope, then runs `after` on the connection. A scope nothing was added to
   * closes now; one with finalizers closes in a fiber that the shutdown waits for, as for a handler.
   */
  private closeScope(
    conn: connection.ConnectionImpl,
    exit: Exit.Exit<unknown, unknown>,
    after: ((conn: connection.ConnectionImpl) => void) | undefined
  ): void {
    const scope = conn.scope as LazyScope
    if (!scope.used) {
      scope.closeUnused()
      after?.(conn)
      return this.checkDrained()
    }
    const closing = Effect.runFork(
      after === undefined ? scope.close(exit) : Effect.zipRight(scope.close(exit), Effect.sync(() => after(conn)))
    )
    this.handlers.add(closing)
    closing.addObserver(() => {
      this.handlers.delete(closing)
      this.checkDrained()
    })
  }

  private onClose(conn: connection.ConnectionImpl): void {
    this.open.delete(conn)
    // A connection of `listen` is done when its socket closes; `serve`'s when its handler ends.
    if (this.serving === undefined) this.closeScope(conn, Exit.void, undefined)
    else this.checkDrained()
  }

  private checkDrained(): void {
    if (this.open.size === 0 && this.handlers.size === 0) this.drainedWaker?.()
  }

  private get awaitDrained(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (this.open.size === 0 && this.handlers.size === 0) return resume(Effect.void)
      this.drainedWaker = () => resume(Effect.void)
      return Effect.sync(() => {
        this.drainedWaker = undefined
      })
    })
  }

  private runShutdown(): Effect.Effect<void> {
    return Effect.gen(this, function*() {
      this.accepting = false
      this.listener.close()
      this.report({ _tag: "Shutdown", stage: "StoppedAccepting", open: this.open.size })
      // Connections accepted but never taken from `connections` have no one to finish them.
      const untaken = yield* Queue.takeAll(this.accepted)
      yield* Queue.shutdown(this.accepted)
      yield* Effect.forEach(untaken, (conn) => conn.close, { discard: true })
      // Open connections (and handlers still running) finish on their own up to the deadline; then
      // handlers are interrupted (which resets their connections) and whatever is open is closed.
      if (this.open.size > 0 || this.handlers.size > 0) {
        this.report({ _tag: "Shutdown", stage: "Draining", open: this.open.size })
        const drained = yield* this.awaitDrained.pipe(
          Effect.interruptible,
          Effect.timeoutTo({ duration: this.settings.shutdownTimeout, onSuccess: () => true, onTimeout: () => false })
        )
        if (!drained) this.report({ _tag: "Shutdown", stage: "DeadlineReached", open: this.open.size })
      }
      yield* Fiber.interruptAll([...this.handlers])
      yield* Effect.forEach([...this.open], (conn) => conn.close, { discard: true })
      this.report({ _tag: "Shutdown", stage: "Closed", open: this.open.size })
      yield* Deferred.succeed(this.done, undefined)
    }).pipe(Effect.uninterruptible)
  }

  get connections(): Stream.Stream<Connection.Connection> {
    return Stream.fromQueue(this.accepted)
  }

  get connectionCount(): Effect.Effect<number> {
    return Effect.sync(() => this.open.size)
  }

  get subscribeEvents(): Effect.Effect<Queue.Dequeue<ServerModule.ServerEvent>, never, Scope.Scope> {
    return PubSub.subscribe(this.events)
  }

  get awaitShutdown(): Effect.Effect<void> {
    return Deferred.await(this.done)
  }

  get ref(): Effect.Effect<void> {
    return Effect.sync(() => this.listener.ref())
  }

  get unref(): Effect.Effect<void> {
    return Effect.sync(() => this.listener.unref())
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
}

Object.defineProperty(ServerImpl.prototype, TypeId, { value: TypeId })

/** Whether a server is netfx's own (and so runs handlers through `fork`). @internal */
export const isServerImpl = (u: unknown): u is ServerImpl<SocketAddress | string> => u instanceof ServerImpl
