/**
 * RFC 8305 §3 for a connect: the `AAAA` and `A` lookups run in parallel (one `lookupFamily` each),
 * and their answers are handed to the race as soon as they are useful:
 *
 * - an `AAAA` answer starts the race at once (with the `A` addresses, if they came first);
 * - an `A` answer that comes first waits for the Resolution Delay (50 ms recommended), unless the
 *   `AAAA` answer (or its failure) comes meanwhile; then the race starts;
 * - an answer that comes while the race runs joins it (`more`);
 * - one family failing is an answer with nothing in it; both failing is the lookup's failure,
 *   with both errors.
 *
 * Callback-level, as the dialer is: the lookups are effects forked on their own, the delay a timer on
 * the dial's clock.
 */
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { ResolveError } from "../NetError.js"
import type * as Resolver from "../Resolver.js"
import * as timer from "./timer.js"

/** RFC 8305 §3: "The recommended value for the Resolution Delay is 50 milliseconds." @internal */
export const DEFAULT_RESOLUTION_DELAY = 50

/**
 * `localhost` and the names under it (RFC 6761 §6.3), with or without the root's dot: this machine's
 * loopback, answered by the hosts file, never by a name server, so there is no answer to race for
 * (and a lookup of one family may fall through to the name servers, see `Resolver.node`). @internal
 */
export const isLocalhost = (host: string): boolean => {
  const name = host.toLowerCase().replace(/\.$/, "")
  return name === "localhost" || name.endsWith(".localhost")
}

/** What the lookups report to the dial. @internal */
export interface Listener {
  /** A family answered (for the `Lookup` event). */
  readonly answered: (family: 4 | 6, addresses: NonEmptyReadonlyArray<Resolver.ResolvedAddress>) => void
  /** The first addresses to race. */
  readonly ready: (addresses: ReadonlyArray<Resolver.ResolvedAddress>) => void
  /** Addresses that came while the race runs; an empty list when the last lookup failed. */
  readonly more: (addresses: ReadonlyArray<Resolver.ResolvedAddress>) => void
  /** Both lookups failed: the `AAAA` error, then the `A` error. */
  readonly failed: (errors: readonly [ResolveError, ResolveError]) => void
  /** A lookup died (a defect of the resolver). */
  readonly died: (cause: Cause.Cause<never>) => void
}

type Outcome =
  | { readonly _tag: "Pending" }
  | { readonly _tag: "Answered"; readonly addresses: NonEmptyReadonlyArray<Resolver.ResolvedAddress> }
  | { readonly _tag: "Failed"; readonly error: ResolveError }

const pending: Outcome = { _tag: "Pending" }

/**
 * Of two lookup failures, the one that says most: a real failure (`EAI_AGAIN`, ...) rather than a
 * name with no record of a family (`ENOTFOUND`). @internal
 */
export const primaryError = (errors: readonly [ResolveError, ResolveError]): ResolveError =>
  errors.find((e) => e.code !== "ENOTFOUND" && e.code !== "ENODATA") ?? errors[0]

/**
 * Both families failed: one error for the connect's `cause`, an `AggregateError` listing each (the
 * `AAAA` lookup's, then the `A` lookup's), with the code of the one that says most, as Node's
 * aggregate errors carry a code. @internal
 */
export const bothFailed = (host: string, errors: readonly [ResolveError, ResolveError]): AggregateError => {
  const primary = primaryError(errors)
  const error = new AggregateError(
    errors,
    `${primary.message} (AAAA: ${errors[0].message}; A: ${errors[1].message})`
  ) as AggregateError & { code?: string; hostname?: string }
  error.code = primary.code
  error.hostname = host
  return error
}

/** The two lookups of one connect. @internal */
export class FamilyLookups {
  private v6: Outcome = pending
  private v4: Outcome = pending
  private started = false
  private done = false
  private delay: timer.Timer | undefined = undefined
  private readonly fibers: Array<Fiber.RuntimeFiber<NonEmptyReadonlyArray<Resolver.ResolvedAddress>, ResolveError>> = []

  constructor(
    private readonly lookupFamily: Resolver.FamilyLookup,
    private readonly host: string,
    private readonly hints: number | undefined,
    private readonly resolutionDelay: number,
    private readonly clock: Clock.Clock,
    private readonly tracing: { readonly tracer: Tracer.Tracer; readonly span: Tracer.Span } | undefined,
    private readonly listener: Listener
  ) {}

  /** Whether a lookup has not answered yet: more addresses may come. */
  get pending(): boolean {
    return !this.done && (this.v6._tag === "Pending" || this.v4._tag === "Pending")
  }

  /** Sends the `AAAA` query, then the `A` query (RFC 8305 §3: in that order, without waiting). */
  start(): void {
    this.fork(6)
    if (!this.done) this.fork(4)
  }

  /** Stops both lookups and the delay; nothing more is reported. */
  cancel(): void {
    this.done = true
    this.delay?.cancel()
    this.delay = undefined
    // A lookup cannot be cancelled (getaddrinfo runs on the thread pool): its answer is dropped.
    for (const fiber of this.fibers) fiber.unsafeInterruptAsFork(FiberId.none)
  }

  private fork(family: 4 | 6): void {
    let lookup = this.lookupFamily(this.host, family, { hints: this.hints })
    const tracing = this.tracing
    if (tracing !== undefined) {
      lookup = lookup.pipe(Effect.withParentSpan(tracing.span), Effect.withTracer(tracing.tracer))
    }
    // A resolver that waits (a scripted one, a retry) waits on the dial's clock: `TestClock` in tests.
    if (!timer.isLive(this.clock)) lookup = Effect.withClock(lookup, this.clock)
    const fiber = Effect.runFork(lookup)
    this.fibers.push(fiber)
    fiber.addObserver((exit) => {
      if (this.done) return
      if (Exit.isSuccess(exit)) return this.answer(family, { _tag: "Answered", addresses: exit.value })
      const failure = Cause.failureOption(exit.cause)
      if (Option.isNone(failure)) {
        this.cancel()
        return this.listener.died(exit.cause as Cause.Cause<never>)
      }
      this.answer(family, { _tag: "Failed", error: failure.value })
    })
  }

  private answer(family: 4 | 6, outcome: Outcome): void {
    if (family === 6) this.v6 = outcome
    else this.v4 = outcome
    if (outcome._tag === "Answered") this.listener.answered(family, outcome.addresses)
    const v6 = this.v6
    const v4 = this.v4
    if (v6._tag === "Failed" && v4._tag === "Failed") {
      this.done = true
      this.delay?.cancel()
      return this.listener.failed([v6.error, v4.error])
    }
    if (this.started) {
      if (!this.pending) this.done = true
      return this.listener.more(outcome._tag === "Answered" ? outcome.addresses : [])
    }
    if (v6._tag === "Answered") return this.begin([...v6.addresses, ...(v4._tag === "Answered" ? v4.addresses : [])])
    if (v4._tag === "Answered") {
      // No IPv6 will come: go now. Else give it the Resolution Delay.
      if (v6._tag === "Failed") return this.begin(v4.addresses)
      this.delay ??= timer.schedule(this.clock, this.resolutionDelay, () => {
        this.delay = undefined
        if (!this.started && !this.done && this.v4._tag === "Answered") this.begin(this.v4.addresses)
      })
    }
  }

  private begin(addresses: ReadonlyArray<Resolver.ResolvedAddress>): void {
    this.started = true
    this.delay?.cancel()
    this.delay = undefined
    if (!this.pending) this.done = true
    this.listener.ready(addresses)
  }
}
