/**
 * Timers for callback-level machinery (the connect race, the simulated network) on Effect's
 * `Clock`: with the runtime's own clock, a plain `setTimeout`; with any other clock (`TestClock`, a
 * user's), a fiber that sleeps on that clock, so that tests move time by hand and see each timer
 * fire at its exact instant.
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

/** A scheduled callback; `cancel` stops it if it has not run. @internal */
export interface Timer {
  readonly cancel: () => void
}

/** The clock of the default services: the runtime's own time. */
const liveClock: Clock.Clock = Effect.runSync(Effect.clock)

/** Node's timers hold at most a 32-bit signed number of milliseconds; longer ones fire at once. */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

const never: Timer = { cancel: () => {} }

class NodeTimer implements Timer {
  private readonly id: ReturnType<typeof setTimeout>
  constructor(millis: number, f: () => void, ref: boolean) {
    this.id = setTimeout(f, millis)
    if (!ref) this.id.unref()
  }
  cancel(): void {
    clearTimeout(this.id)
  }
}

class MicrotaskTimer implements Timer {
  private cancelled = false
  constructor(f: () => void) {
    queueMicrotask(() => {
      if (!this.cancelled) f()
    })
  }
  cancel(): void {
    this.cancelled = true
  }
}

class ClockTimer implements Timer {
  private readonly fiber: Fiber.RuntimeFiber<void>
  constructor(clock: Clock.Clock, millis: number, f: () => void) {
    this.fiber = Effect.runFork(Effect.flatMap(clock.sleep(Duration.millis(millis)), () => Effect.sync(f)))
  }
  cancel(): void {
    this.fiber.unsafeInterruptAsFork(FiberId.none)
  }
}

/**
 * Runs `f` once `millis` have passed on `clock`. A delay too long for the runtime's timers (over
 * about 24.8 days) never fires: nothing waits that long on a connection attempt.
 *
 * `ref` (the default) keeps the process alive while the timer waits, as a fiber sleeping in
 * `Effect.sleep` does (a connect waiting for its next attempt). An idle timeout is not `ref`: as
 * Node's socket timeouts, it must not keep alive a process whose sockets would let it exit.
 * @internal
 */
export const schedule = (clock: Clock.Clock, millis: number, f: () => void, ref = true): Timer => {
  // No time to wait, on any clock: after the current turn, never before `schedule` returns.
  if (!(millis > 0)) return new MicrotaskTimer(f)
  if (clock === liveClock) return millis > MAX_TIMER_MILLIS ? never : new NodeTimer(millis, f, ref)
  return new ClockTimer(clock, millis, f)
}

/** The runtime's own clock. @internal */
export const live: Clock.Clock = liveClock

/** Whether `clock` is the runtime's own, whose time is `Date.now()`. @internal */
export const isLive = (clock: Clock.Clock): boolean => clock === liveClock
