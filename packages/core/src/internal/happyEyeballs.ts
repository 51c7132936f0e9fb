/**
 * Address selection and the connection race: RFC 8305 ("Happy Eyeballs v2") and Node's own
 * sequential variant (`internalConnectMultiple` in lib/net.js).
 *
 * The race knows nothing of sockets: it starts `attempt(candidate)` effects, each in a scope of its
 * own, and keeps the winner's scope open (it belongs to the caller's scope) while the losers' scopes
 * are closed, which closes their sockets.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as tracing from "./tracing.js"

/** One address to try. @internal */
export interface Candidate {
  readonly address: string
  readonly port: number
  readonly family: 4 | 6
}

/** What the race reports as it goes; `index` is the attempt's position in the race. @internal */
export type RaceEvent<E> =
  | { readonly _tag: "Attempt"; readonly index: number; readonly candidate: Candidate }
  | { readonly _tag: "AttemptFailed"; readonly index: number; readonly candidate: Candidate; readonly error: E }
  | { readonly _tag: "AttemptTimeout"; readonly index: number; readonly candidate: Candidate }

/** A failed attempt, as the race's failure lists them (in the order the attempts started). @internal */
export interface AttemptFailure<E> {
  readonly candidate: Candidate
  readonly error: E
}

/** @internal */
export type Policy = "staggered" | "sequential"

/** @internal */
export interface RaceOptions<A, E, R> {
  readonly policy: Policy
  /** staggered: the delay before the next attempt starts; sequential: each attempt's timeout. */
  readonly delay: Duration.Duration
  readonly attempt: (candidate: Candidate, index: number) => Effect.Effect<A, E, R | Scope.Scope>
  /** sequential only: the error recorded for an attempt that its timeout aborted (Node's ETIMEDOUT). */
  readonly timeoutError: (candidate: Candidate) => E
  readonly onEvent?: ((event: RaceEvent<E>) => void) | undefined
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

/** Runs one attempt in its tracing span. @internal */
export const withAttemptSpan = (candidate: Candidate) =>
  tracing.withSpan("netfx.connect.attempt", {
    attributes: { "net.peer.address": candidate.address, "net.peer.port": candidate.port, family: candidate.family },
    captureStackTrace: false
  })

interface Running {
  readonly fiber: Fiber.RuntimeFiber<unknown>
  readonly scope: Scope.CloseableScope
}

/**
 * Races the candidates under `policy` and succeeds with the first attempt that succeeds. Fails with
 * every attempt's error, in the order the attempts started, when none succeeds. Interrupting the
 * race interrupts every attempt and closes its scope.
 * @internal
 */
export const race = <A, E, R>(
  candidates: ReadonlyArray<Candidate>,
  options: RaceOptions<A, E, R>
): Effect.Effect<A, Array<AttemptFailure<E>>, R | Scope.Scope> =>
  Effect.gen(function*() {
    const outer = yield* Effect.scope
    const results = yield* Queue.unbounded<{ readonly index: number; readonly exit: Exit.Exit<A, E> }>()
    const running = new Map<number, Running>()
    const failures: Array<AttemptFailure<E> & { readonly index: number }> = []
    const delayMillis = Duration.toMillis(options.delay)
    const emit = options.onEvent ?? (() => {})

    const launch = (index: number) =>
      Effect.gen(function*() {
        const candidate = candidates[index]!
        const scope = yield* Scope.fork(outer, ExecutionStrategy.sequential)
        emit({ _tag: "Attempt", index, candidate })
        const fiber = yield* options.attempt(candidate, index).pipe(
          Scope.extend(scope),
          withAttemptSpan(candidate),
          Effect.exit,
          Effect.flatMap((exit) => Queue.offer(results, { index, exit })),
          Effect.forkDaemon
        )
        running.set(index, { fiber, scope })
      })

    // Stops an attempt: its fiber first (an attempt in progress is abandoned), then its scope.
    const stop = (index: number) =>
      Effect.suspend(() => {
        const attempt = running.get(index)
        if (attempt === undefined) return Effect.void
        running.delete(index)
        return Fiber.interrupt(attempt.fiber).pipe(Effect.zipRight(Scope.close(attempt.scope, Exit.void)))
      })

    const stopAll = Effect.suspend(() => Effect.forEach([...running.keys()], stop, { discard: true }))

    /** Handles a finished attempt: the value on success, `undefined` after a failure. */
    const settle = (index: number, exit: Exit.Exit<A, E>) =>
      Effect.gen(function*() {
        const attempt = running.get(index)
        running.delete(index)
        if (Exit.isSuccess(exit)) return Option.some(exit.value)
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
        // A failed attempt's scope is closed now: whatever it opened is released at once.
        if (attempt !== undefined) yield* Scope.close(attempt.scope, exit)
        const candidate = candidates[index]!
        failures.push({ index, candidate, error: failure.value })
        emit({ _tag: "AttemptFailed", index, candidate, error: failure.value })
        return Option.none<A>()
      })

    const failed = Effect.suspend(() =>
      Effect.fail(
        failures
          .slice()
          .sort((a, b) => a.index - b.index)
          .map(({ candidate, error }) => ({ candidate, error }))
      )
    )

    const staggered = Effect.gen(function*() {
      let next = 0
      let lastStart = 0
      const startNext = Effect.gen(function*() {
        lastStart = yield* Clock.currentTimeMillis
        yield* launch(next++)
      })
      yield* startNext
      while (true) {
        let result: Option.Option<{ readonly index: number; readonly exit: Exit.Exit<A, E> }>
        if (next < candidates.length) {
          const now = yield* Clock.currentTimeMillis
          const wait = Math.max(0, lastStart + delayMillis - now)
          result = yield* Queue.take(results).pipe(Effect.timeoutOption(Duration.millis(wait)))
        } else {
          if (running.size === 0) return yield* failed
          result = Option.some(yield* Queue.take(results))
        }
        if (Option.isNone(result)) {
          // The delay passed: the latest attempt keeps running, and the next one starts beside it.
          const index = next - 1
          emit({ _tag: "AttemptTimeout", index, candidate: candidates[index]! })
          yield* startNext
          continue
        }
        const { exit, index } = result.value
        const value = yield* settle(index, exit)
        if (Option.isSome(value)) return value.value
        if (next < candidates.length) yield* startNext
        else if (running.size === 0) return yield* failed
      }
    })

    const sequential = Effect.gen(function*() {
      for (let index = 0; index < candidates.length; index++) {
        yield* launch(index)
        const isLast = index === candidates.length - 1
        // Node arms no timer for the last address (nodejs/node#47860).
        const result = isLast
          ? Option.some(yield* Queue.take(results))
          : yield* Queue.take(results).pipe(Effect.timeoutOption(Duration.millis(delayMillis)))
        if (Option.isNone(result)) {
          const candidate = candidates[index]!
          emit({ _tag: "AttemptTimeout", index, candidate })
          // Node aborts the attempt (handle.close()) and records ETIMEDOUT. A success that raced
          // with the timer is dropped with it, as Node ignores a late success.
          yield* stop(index)
          yield* Queue.takeAll(results)
          failures.push({ index, candidate, error: options.timeoutError(candidate) })
          continue
        }
        const value = yield* settle(result.value.index, result.value.exit)
        if (Option.isSome(value)) return value.value
      }
      return yield* failed
    })

    // Whatever ends the race (a winner, a failure, an interruption), every other attempt stops.
    return yield* (options.policy === "staggered" ? staggered : sequential).pipe(Effect.ensuring(stopAll))
  })
