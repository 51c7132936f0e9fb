/**
 * Node's `socket.setTimeout` for a connection: after `timeout` without a read or a write, report one
 * idle period (then wait for activity before counting again), or with `failOnIdle` fail the
 * connection. Callback-level and scope-free: a read or a write only records the instant, and the one
 * timer checks, when it fires, whether the connection was really idle for the whole period, as
 * Node's refreshed timer does. Time is the connection's `Clock`, so `TestClock` drives it.
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as timer from "./timer.js"

/** What the idle timeout does to its connection. @internal */
export interface Owner {
  /** An idle period passed and `failOnIdle` is set: fail and close. */
  readonly failIdle: (timeout: number) => void
}

/** @internal */
export class IdleTimeout {
  private lastActivity: number
  private timer: timer.Timer | undefined = undefined
  /** An idle period was reported: the next activity starts a new one. */
  private reported = false
  private timeout = 0
  private failOnIdle = false
  private events: PubSub.PubSub<void> | undefined = undefined

  constructor(private readonly clock: Clock.Clock, private readonly owner: Owner) {
    this.lastActivity = clock.unsafeCurrentTimeMillis()
  }

  /** Whether a timeout is set. */
  get armed(): boolean {
    return this.timeout > 0
  }

  /** Sets the timeout (milliseconds, counted from now); zero or less clears it. */
  set(timeout: number, failOnIdle: boolean): void {
    this.timer?.cancel()
    this.timer = undefined
    this.reported = false
    this.timeout = timeout > 0 && Number.isFinite(timeout) ? timeout : 0
    this.failOnIdle = failOnIdle
    if (this.timeout === 0) return
    this.lastActivity = this.clock.unsafeCurrentTimeMillis()
    this.arm(this.timeout)
  }

  /** A read or a write happened. */
  activity(): void {
    this.lastActivity = this.clock.unsafeCurrentTimeMillis()
    if (this.reported) {
      this.reported = false
      this.arm(this.timeout)
    }
  }

  /** The connection closed: nothing more to time. */
  stop(): void {
    this.timer?.cancel()
    this.timer = undefined
    this.timeout = 0
  }

  /** Idle periods from now on, for the life of the scope. */
  get subscribe(): Effect.Effect<Queue.Dequeue<void>, never, Scope.Scope> {
    return Effect.suspend(() => PubSub.subscribe(this.events ??= Effect.runSync(PubSub.unbounded<void>())))
  }

  private arm(millis: number): void {
    this.timer = timer.schedule(this.clock, millis, () => this.fire(), false)
  }

  private fire(): void {
    this.timer = undefined
    if (this.timeout === 0) return
    const idleFor = this.clock.unsafeCurrentTimeMillis() - this.lastActivity
    if (idleFor < this.timeout) return this.arm(this.timeout - idleFor)
    // Node reports an idle period once; the next read or write starts a new one.
    this.reported = true
    if (this.events !== undefined) this.events.unsafeOffer(undefined)
    if (this.failOnIdle) {
      const timeout = this.timeout
      this.stop()
      this.owner.failIdle(timeout)
    }
  }
}
