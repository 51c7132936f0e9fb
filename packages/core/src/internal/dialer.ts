/**
 * The connect machinery as one small state machine: look the host up, drop what the block list
 * blocks, race the addresses (RFC 8305, or Node's sequential variant), bound it all by the connect
 * timeout. Callback-level on purpose: a connect is the hottest path there is, and as effects the
 * race cost a fiber, a scope and a queue per attempt even when the first address answered at once.
 * Time is Effect's `Clock` (see `timer.ts`), so `TestClock` drives every delay exactly.
 *
 * A `Dial` reports once, to `done`: the winning handle, or a `ConnectError` listing every attempt.
 * `cancel` (interruption) stops everything it started and releases every socket but a winner's.
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import * as BlockList from "../BlockList.js"
import { isIP } from "../IP.js"
import { ConnectAttempt, ConnectError, ResolveError, SocketError } from "../NetError.js"
import type * as Resolver from "../Resolver.js"
import * as ResolverModule from "../Resolver.js"
import type { ConnectCallbacks, Endpoint, Handle, PendingConnect, Transport } from "../Transport.js"
import * as familyLookup from "./familyLookup.js"
import * as timer from "./timer.js"

/** One address to try. @internal */
export interface Candidate {
  readonly address: string
  readonly port: number
  readonly family: 4 | 6
}

/**
 * How the addresses race, one shape per policy:
 * - `Staggered` (RFC 8305 §5): the next attempt starts `attemptDelay` after the previous one (or at
 *   once when it fails); earlier attempts keep running.
 * - `Sequential` (Node's `internalConnectMultiple`): each attempt but the last is aborted after
 *   `attemptTimeout` and recorded as `ETIMEDOUT`; then the next starts.
 * @internal
 */
export type RacePolicy =
  | { readonly _tag: "Staggered"; readonly attemptDelay: number; readonly firstFamilyCount: number }
  | { readonly _tag: "Sequential"; readonly attemptTimeout: number; readonly firstFamilyCount: number }

/** What `connect` reports as it goes. @internal */
export type Event =
  | {
    readonly _tag: "Lookup"
    readonly host: string
    readonly addresses: ReadonlyArray<Resolver.ResolvedAddress>
    /** Set when the families are looked up apart (RFC 8305 §3): which one answered. */
    readonly family?: 4 | 6 | undefined
  }
  | {
    readonly _tag: "Attempt"
    readonly index: number
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
  }
  | {
    readonly _tag: "AttemptFailed"
    readonly index: number
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
    readonly error: SocketError
  }
  | {
    readonly _tag: "AttemptTimeout"
    readonly index: number
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
    readonly aborted: boolean
  }
  | {
    readonly _tag: "AttemptCancelled"
    readonly index: number
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
  }
  | {
    readonly _tag: "Connected"
    readonly index: number
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
    readonly elapsed: number
  }

/** A checked connect, ready to dial. @internal */
export type Plan =
  | {
    readonly _tag: "Ipc"
    readonly path: string
    readonly timeout: number | undefined
  }
  | {
    readonly _tag: "Tcp"
    readonly host: string
    readonly port: number
    readonly family: 0 | 4 | 6
    readonly hints: number | undefined
    readonly localAddress: string | undefined
    readonly localPort: number | undefined
    /** Whether several addresses race; otherwise only the first is tried, as Node does. */
    readonly autoSelect: boolean
    /** The policy, or `undefined` to race with the runtime's default delay, staggered. */
    readonly race: RacePolicy | undefined
    readonly firstFamilyCount: number
    readonly blockList: BlockList.BlockList | undefined
    readonly timeout: number | undefined
    readonly resolver: Resolver.Service | undefined
    /**
     * RFC 8305 §3's Resolution Delay, in milliseconds: how long an IPv4 answer waits for the IPv6 one
     * when the resolver looks the families up apart. `undefined`: 50 ms.
     */
    readonly resolutionDelay?: number | undefined
    readonly onEvent: ((event: Event) => void) | undefined
  }

/**
 * Removes repeated addresses and interleaves the families (RFC 8305 §4): `firstFamilyCount`
 * addresses of the first address's family, then one of the other family, then one of the first,
 * and so on; whatever is left of one family when the other runs out comes last, in order.
 * @internal
 */
export const interleave = <C extends { readonly address: string; readonly family: 4 | 6 }>(
  addresses: ReadonlyArray<C>,
  firstFamilyCount = 1
): Array<C> => {
  const seen = new Set<string>()
  const unique = addresses.filter((a) => !seen.has(a.address) && (seen.add(a.address), true))
  if (unique.length === 0) return []
  const firstFamily = unique[0]!.family
  const first = unique.filter((a) => a.family === firstFamily)
  const second = unique.filter((a) => a.family !== firstFamily)
  const out: Array<C> = first.splice(0, Math.max(1, firstFamilyCount))
  while (first.length > 0 || second.length > 0) {
    if (second.length > 0) out.push(second.shift()!)
    if (first.length > 0) out.push(first.shift()!)
  }
  return out
}

/** How a dial ends: the connected handle, or why not (a resolver's defect stays a defect). @internal */
export type Done = (exit: Exit.Exit<Handle, ConnectError>) => void

/** The services a dial runs with, taken from the connecting fiber. @internal */
export interface Services {
  readonly transport: Transport["Type"]
  readonly resolver: Resolver.Service
  readonly clock: Clock.Clock
  /** Set when spans are wanted (a tracer is installed), with the span to parent them to. */
  readonly tracer: Tracer.Tracer | undefined
  readonly parentSpan: Tracer.AnySpan | undefined
}

type State = "Starting" | "Resolving" | "Racing" | "Done"

const timedOut = new SocketError({ code: "ETIMEDOUT", syscall: "connect" }, true)
const interrupted = Exit.interrupt(FiberId.none)

/** One connection attempt of a race: its callbacks are the transport's `ConnectCallbacks`. */
class Attempt implements ConnectCallbacks {
  pending: PendingConnect | undefined = undefined
  settled = false
  span: Tracer.Span | undefined = undefined
  constructor(
    readonly dial: Dial,
    readonly index: number,
    readonly candidate: Candidate,
    readonly startedAt: number
  ) {}
  onConnect(handle: Handle): void {
    this.dial.attemptConnected(this, handle)
  }
  onError(error: SocketError): void {
    this.dial.attemptFailed(this, error, false)
  }
  /** Stops the attempt if it has not reported; its socket is released. */
  stop(): void {
    if (this.settled) return
    this.settled = true
    this.pending?.cancel()
  }
}

/** One dial: what `Connection.connect` and `Connection.dial` run. @internal */
export class Dial {
  private state: State = "Starting"
  private readonly startedAt: number
  private candidates: ReadonlyArray<Candidate> = []
  private readonly attempts: Array<Attempt> = []
  private readonly failures: Array<ConnectAttempt> = []
  private next = 0
  private running = 0
  private delayTimer: timer.Timer | undefined = undefined
  private timeoutTimer: timer.Timer | undefined = undefined
  private lookupFiber: Fiber.RuntimeFiber<NonEmptyReadonlyArray<Resolver.ResolvedAddress>, ResolveError> | undefined =
    undefined
  /** The lookups of each family, when they run apart (RFC 8305 §3); addresses may join the race. */
  private lookups: familyLookup.FamilyLookups | undefined = undefined
  /** What the block list dropped so far (addresses may arrive in more than one answer). */
  private blocked: Array<string> | undefined = undefined
  private policy: RacePolicy | undefined = undefined
  /** Bumped when a callback-level lookup is dropped (`stopAll`): its late answer is ignored. */
  private lookupGeneration = 0
  private span: Tracer.Span | undefined = undefined
  /** For an IPC dial: its one pending connect. */
  private ipc: { pending: PendingConnect | undefined; settled: boolean } | undefined = undefined

  constructor(
    private readonly plan: Plan,
    private readonly services: Services,
    private readonly done: Done
  ) {
    this.startedAt = services.clock.unsafeCurrentTimeMillis()
  }

  private get now(): number {
    return this.services.clock.unsafeCurrentTimeMillis() - this.startedAt
  }

  private emit(event: Event): void {
    if (this.plan._tag === "Tcp") this.plan.onEvent?.(event)
  }

  start(): void {
    const plan = this.plan
    const tracer = this.services.tracer
    if (tracer !== undefined) {
      this.span = tracer.span(
        "netfx.connect",
        Option.fromNullable(this.services.parentSpan),
        Context.empty(),
        [],
        this.services.clock.unsafeCurrentTimeNanos(),
        "client",
        { captureStackTrace: false }
      )
      if (plan._tag === "Ipc") this.span.attribute("net.peer.name", plan.path)
      else {
        this.span.attribute("net.peer.name", plan.host)
        this.span.attribute("net.peer.port", plan.port)
      }
    }
    if (plan.timeout !== undefined && Number.isFinite(plan.timeout)) {
      this.timeoutTimer = timer.schedule(this.services.clock, plan.timeout, () => this.onTimeout())
    }
    if (plan._tag === "Ipc") {
      this.state = "Racing"
      const ipc: { pending: PendingConnect | undefined; settled: boolean } = { pending: undefined, settled: false }
      this.ipc = ipc
      const startedAt = this.now
      ipc.pending = this.services.transport.connect({ _tag: "Ipc", path: plan.path }, {
        onConnect: (handle) => {
          if (ipc.settled) return
          ipc.settled = true
          this.finish(undefined, handle)
        },
        onError: (error) => {
          if (ipc.settled) return
          ipc.settled = true
          this.failures.push(
            new ConnectAttempt({ address: plan.path, error, startedAt, duration: this.now - startedAt }, true)
          )
          this.finish(this.error("Attempts"), undefined)
        }
      })
      return
    }
    const literal = isIP(plan.host)
    if (literal !== 0) return this.race([{ address: plan.host, family: literal }])
    this.state = "Resolving"
    const resolver = plan.resolver ?? this.services.resolver
    // RFC 8305 §3 where the resolver can ask each family apart and the race is RFC 8305's; the
    // sequential policy stays Node's: one lookup of both families, no resolution delay. Localhost
    // names are the hosts file's: one lookup, nothing to race for.
    if (
      resolver.lookupFamily !== undefined && plan.autoSelect && plan.race?._tag !== "Sequential" &&
      !familyLookup.isLocalhost(plan.host)
    ) {
      return this.resolveFamilies(resolver.lookupFamily)
    }
    // A lookup function in Node's shape, with no span to make: called as it is, without a fiber.
    const unsafeLookup = (resolver as { readonly [ResolverModule.unsafeLookupKey]?: ResolverModule.UnsafeLookup })[
      ResolverModule.unsafeLookupKey
    ]
    if (unsafeLookup !== undefined && tracer === undefined) {
      const lookups = ++this.lookupGeneration
      return unsafeLookup(plan.host, { family: plan.family, hints: plan.hints }, (result) => {
        if (this.lookupGeneration !== lookups || this.state !== "Resolving") return
        if (result instanceof ResolveError) {
          return this.finish(
            new ConnectError({ reason: "Lookup", host: plan.host, port: plan.port, attempts: [], cause: result }, true),
            undefined
          )
        }
        this.emit({ _tag: "Lookup", host: plan.host, addresses: result })
        this.race(result)
      })
    }
    let lookup = resolver.lookup(plan.host, { family: plan.family, hints: plan.hints })
    if (tracer !== undefined && this.span !== undefined) {
      lookup = lookup.pipe(Effect.withParentSpan(this.span), Effect.withTracer(tracer))
    }
    // A resolver that waits (a scripted one, a retry) waits on the dial's clock: `TestClock` in tests.
    if (!timer.isLive(this.services.clock)) lookup = Effect.withClock(lookup, this.services.clock)
    const fiber = Effect.runFork(lookup)
    this.lookupFiber = fiber
    fiber.addObserver((exit) => {
      if (this.lookupFiber !== fiber) return
      this.lookupFiber = undefined
      if (this.state !== "Resolving") return
      if (Exit.isSuccess(exit)) {
        this.emit({ _tag: "Lookup", host: plan.host, addresses: exit.value })
        return this.race(exit.value)
      }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isNone(failure)) return this.end(Exit.failCause(exit.cause as Cause.Cause<never>))
      this.finish(
        new ConnectError(
          { reason: "Lookup", host: plan.host, port: plan.port, attempts: [], cause: failure.value },
          true
        ),
        undefined
      )
    })
  }

  /** Looks up each family apart and feeds the race as the answers come (RFC 8305 §3). */
  private resolveFamilies(lookupFamily: Resolver.FamilyLookup): void {
    const plan = this.plan as Extract<Plan, { _tag: "Tcp" }>
    const tracer = this.services.tracer
    this.lookups = new familyLookup.FamilyLookups(
      lookupFamily,
      plan.host,
      plan.hints,
      plan.resolutionDelay ?? familyLookup.DEFAULT_RESOLUTION_DELAY,
      this.services.clock,
      tracer !== undefined && this.span !== undefined ? { tracer, span: this.span } : undefined,
      {
        answered: (family, addresses) => this.emit({ _tag: "Lookup", host: plan.host, addresses, family }),
        ready: (addresses) => {
          if (this.state === "Resolving") this.race(addresses)
        },
        more: (addresses) => this.join(addresses),
        failed: (errors) => {
          if (this.state !== "Resolving") return
          const cause = familyLookup.bothFailed(plan.host, errors)
          this.finish(
            new ConnectError({ reason: "Lookup", host: plan.host, port: plan.port, attempts: [], cause }, true),
            undefined
          )
        },
        died: (cause) => this.end(Exit.failCause(cause))
      }
    )
    this.lookups.start()
  }

  /** The addresses the block list allows; those it drops are remembered for a `Blocked` error. */
  private allowed(resolved: ReadonlyArray<Resolver.ResolvedAddress>): ReadonlyArray<Resolver.ResolvedAddress> {
    const blockList = (this.plan as Extract<Plan, { _tag: "Tcp" }>).blockList
    if (blockList === undefined) return resolved
    return resolved.filter((a) => {
      const blocked = BlockList.check(blockList, a.address, a.family === 4 ? "ipv4" : "ipv6")
      if (blocked) (this.blocked ??= []).push(a.address)
      return !blocked
    })
  }

  private race(resolved: ReadonlyArray<Resolver.ResolvedAddress>): void {
    const plan = this.plan
    if (plan._tag !== "Tcp") return
    this.state = "Racing"
    const allowed = this.allowed(resolved)
    const more = this.lookups?.pending === true
    if (allowed.length === 0 && !more) return this.finishIfExhausted()
    if (!plan.autoSelect || (allowed.length === 1 && !more)) {
      const first = allowed[0]!
      this.candidates = [{ address: first.address, port: plan.port, family: first.family }]
    } else {
      this.candidates = interleave(allowed, plan.firstFamilyCount).map((a) => ({
        address: a.address,
        port: plan.port,
        family: a.family
      }))
      this.policy = plan.race ?? {
        _tag: "Staggered",
        attemptDelay: Math.max(10, this.services.transport.defaultAttemptDelay()),
        firstFamilyCount: plan.firstFamilyCount
      }
    }
    // Everything blocked so far, and another answer to come: wait for it.
    if (this.candidates.length > 0) this.startNext()
  }

  /**
   * Addresses that arrived while the race runs join it (RFC 8305 §3), in the order they would have
   * had in one answer (§4); an empty list says that no more will come.
   */
  private join(resolved: ReadonlyArray<Resolver.ResolvedAddress>): void {
    const plan = this.plan
    if (plan._tag !== "Tcp" || this.state !== "Racing") return
    const allowed = this.allowed(resolved)
    if (allowed.length > 0) {
      const started = this.candidates.slice(0, this.next)
      const tried = new Set(started.map((c) => c.address))
      const all = [
        ...this.candidates,
        ...allowed.map((a) => ({ address: a.address, port: plan.port, family: a.family }))
      ]
      this.candidates = [...started, ...interleave(all, plan.firstFamilyCount).filter((c) => !tried.has(c.address))]
    }
    if (this.next >= this.candidates.length) return this.finishIfExhausted()
    // The next attempt starts when the latest one's Connection Attempt Delay passes (§5), at once
    // if it already has, if the latest attempt failed, or if none has started.
    if (this.delayTimer !== undefined) return
    const latest = this.attempts[this.attempts.length - 1]
    const delay = this.policy?._tag === "Staggered" ? this.policy.attemptDelay : 0
    const wait = latest === undefined || latest.settled ? 0 : delay - (this.now - latest.startedAt)
    if (wait <= 0) return this.startNext()
    this.delayTimer = timer.schedule(this.services.clock, wait, () => this.onAttemptDelay(latest!))
  }

  /** Starts the next candidate, and arms the timer that follows it under the policy. */
  private startNext(): void {
    const plan = this.plan
    if (plan._tag !== "Tcp") return
    const index = this.next++
    const candidate = this.candidates[index]!
    const attempt = new Attempt(this, index, candidate, this.now)
    this.attempts.push(attempt)
    this.running++
    this.emit({ _tag: "Attempt", index, ...candidate })
    const tracer = this.services.tracer
    if (tracer !== undefined) {
      attempt.span = tracer.span(
        "netfx.connect.attempt",
        Option.fromNullable(this.span),
        Context.empty(),
        [],
        this.services.clock.unsafeCurrentTimeNanos(),
        "client",
        { captureStackTrace: false }
      )
      attempt.span.attribute("net.peer.address", candidate.address)
      attempt.span.attribute("net.peer.port", candidate.port)
      attempt.span.attribute("family", candidate.family)
    }
    const endpoint: Endpoint = {
      _tag: "Tcp",
      address: candidate.address,
      port: candidate.port,
      family: candidate.family,
      localAddress: plan.localAddress,
      localPort: plan.localPort
    }
    attempt.pending = this.services.transport.connect(endpoint, attempt)
    // A transport may fail an attempt before `connect` returns (a bad local address, say).
    if (this.state !== "Racing") return
    const policy = this.policy
    if (policy === undefined || this.next >= this.candidates.length || attempt.settled) return
    const delay = policy._tag === "Staggered" ? policy.attemptDelay : policy.attemptTimeout
    this.delayTimer = timer.schedule(this.services.clock, delay, () => this.onAttemptDelay(attempt))
  }

  private clearDelay(): void {
    this.delayTimer?.cancel()
    this.delayTimer = undefined
  }

  /** The latest attempt's delay passed without an answer. */
  private onAttemptDelay(attempt: Attempt): void {
    this.delayTimer = undefined
    if (this.state !== "Racing" || attempt.settled) return
    const aborted = this.policy?._tag === "Sequential"
    const { address, family, port } = attempt.candidate
    this.emit({ _tag: "AttemptTimeout", index: attempt.index, address, port, family, aborted })
    // Node aborts the attempt and records ETIMEDOUT; RFC 8305 lets it run beside the next one.
    if (aborted) this.attemptFailed(attempt, timedOut, true)
    else this.startNext()
  }

  /** @internal */
  attemptFailed(attempt: Attempt, error: SocketError, aborted: boolean): void {
    if (attempt.settled || this.state !== "Racing") return
    if (aborted) attempt.stop()
    attempt.settled = true
    this.running--
    this.failures.push(this.attemptRecord(attempt, error))
    attempt.span?.end(this.services.clock.unsafeCurrentTimeNanos(), Exit.fail(error))
    if (!aborted) this.emit({ _tag: "AttemptFailed", index: attempt.index, ...attempt.candidate, error })
    if (this.state !== "Racing") return
    // A failure starts the next attempt now, not when the latest one's delay would have passed.
    if (this.next < this.candidates.length) {
      this.clearDelay()
      return this.startNext()
    }
    this.finishIfExhausted()
  }

  /** Every address tried and failed (or blocked), and no more to come: the connect fails. */
  private finishIfExhausted(): void {
    const plan = this.plan as Extract<Plan, { _tag: "Tcp" }>
    if (this.running > 0 || this.next < this.candidates.length || this.lookups?.pending === true) return
    this.finish(
      this.attempts.length === 0
        ? new ConnectError(
          { reason: "Blocked", host: plan.host, port: plan.port, attempts: [], blocked: this.blocked ?? [] },
          true
        )
        : new ConnectError(
          { reason: "Attempts", host: plan.host, port: plan.port, attempts: this.sortedFailures() },
          true
        ),
      undefined
    )
  }

  /** @internal */
  attemptConnected(attempt: Attempt, handle: Handle): void {
    if (attempt.settled || this.state !== "Racing") {
      // A success that lost (the race was decided, or the attempt was aborted): release it.
      handle.destroy()
      return
    }
    attempt.settled = true
    this.running--
    attempt.span?.end(this.services.clock.unsafeCurrentTimeNanos(), Exit.void)
    this.emit({ _tag: "Connected", index: attempt.index, ...attempt.candidate, elapsed: this.now })
    this.finish(undefined, handle)
  }

  private attemptRecord(attempt: Attempt, error: SocketError): ConnectAttempt {
    const plan = this.plan as Extract<Plan, { _tag: "Tcp" }>
    const { address, family, port } = attempt.candidate
    return new ConnectAttempt({
      address,
      port,
      family,
      ...(plan.localAddress === undefined ? {} : { localAddress: plan.localAddress }),
      ...(plan.localPort === undefined ? {} : { localPort: plan.localPort }),
      error,
      startedAt: attempt.startedAt,
      duration: this.now - attempt.startedAt
    }, true)
  }

  private sortedFailures(): Array<ConnectAttempt> {
    return this.failures.slice().sort((a, b) => a.startedAt - b.startedAt)
  }

  private error(reason: "Attempts"): ConnectError {
    const plan = this.plan
    return plan._tag === "Ipc"
      ? new ConnectError({ reason, host: plan.path, attempts: this.failures }, true)
      : new ConnectError({ reason, host: plan.host, port: plan.port, attempts: this.sortedFailures() }, true)
  }

  private onTimeout(): void {
    this.timeoutTimer = undefined
    if (this.state === "Done") return
    const plan = this.plan
    const timeout = plan.timeout!
    // What is still running is part of the story: each is reported as timed out.
    for (const attempt of this.attempts) {
      if (attempt.settled) continue
      this.failures.push(this.attemptRecord(attempt, timedOut))
    }
    if (this.ipc !== undefined && !this.ipc.settled && plan._tag === "Ipc") {
      this.failures.push(
        new ConnectAttempt({ address: plan.path, error: timedOut, startedAt: 0, duration: this.now }, true)
      )
    }
    this.finish(
      plan._tag === "Ipc"
        ? new ConnectError({ reason: "Timeout", host: plan.path, attempts: this.failures, timeout }, true)
        : new ConnectError({
          reason: "Timeout",
          host: plan.host,
          port: plan.port,
          attempts: this.sortedFailures(),
          timeout
        }, true),
      undefined
    )
  }

  /** Stops everything still running: timers, the lookup, every attempt but a winner. */
  private stopAll(): void {
    this.clearDelay()
    this.timeoutTimer?.cancel()
    this.timeoutTimer = undefined
    this.lookupGeneration++
    const lookup = this.lookupFiber
    this.lookupFiber = undefined
    // The lookup cannot be cancelled (getaddrinfo runs on the thread pool): its answer is dropped.
    lookup?.unsafeInterruptAsFork(FiberId.none)
    this.lookups?.cancel()
    if (this.ipc !== undefined && !this.ipc.settled) {
      this.ipc.settled = true
      this.ipc.pending?.cancel()
    }
    for (const attempt of this.attempts) {
      if (attempt.settled) continue
      attempt.stop()
      this.running--
      attempt.span?.end(this.services.clock.unsafeCurrentTimeNanos(), interrupted)
      const { address, family, port } = attempt.candidate
      if (this.state === "Done") this.emit({ _tag: "AttemptCancelled", index: attempt.index, address, port, family })
    }
  }

  private finish(error: ConnectError | undefined, handle: Handle | undefined): void {
    this.end(error === undefined ? Exit.succeed(handle!) : Exit.fail(error))
  }

  private end(exit: Exit.Exit<Handle, ConnectError>): void {
    if (this.state === "Done") return
    this.state = "Done"
    this.stopAll()
    this.span?.end(this.services.clock.unsafeCurrentTimeNanos(), exit)
    this.done(exit)
  }

  /** Interruption: stops everything; nothing is reported. */
  cancel(): void {
    if (this.state === "Done") return
    this.state = "Done"
    this.stopAll()
    this.span?.end(this.services.clock.unsafeCurrentTimeNanos(), interrupted)
  }
}
