/**
 * One core effect run in a scope of its own for a socket or server: a connect, a bind. The owner
 * keeps the run as its current operation and replaces it when it starts another (a second
 * `connect()`, `close()` during a lookup); a run that is no longer current when it ends has its
 * result dropped and its scope closed, so what it acquired is released, never leaked or used.
 */
import type { Resolver } from "@netfx/core"
import type { Transport } from "@netfx/core/Transport"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { runNow } from "./runtime.js"

type Requirements = Transport | Resolver.Resolver | Scope.Scope

/** See the module comment. */
export class ScopedRun<A, E> {
  #fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  #scope: Scope.CloseableScope | undefined = undefined

  /**
   * Starts `effect` now (synchronously up to its first wait, so `onExit` may run before `start`
   * returns). `keep`: the scope outlives the effect (what it acquired stays open until `close`);
   * otherwise it closes as the effect ends. `onExit` runs only while `isCurrent(this)`.
   */
  start(
    effect: Effect.Effect<A, E, Requirements>,
    options: {
      readonly keep: boolean
      readonly isCurrent: (run: ScopedRun<A, E>) => boolean
      readonly onExit: (exit: Exit.Exit<A, E>) => void
      /** Disposes of a stale success that holds something of its own (with `keep: false`). */
      readonly discard?: ((value: A) => void) | undefined
    }
  ): this {
    let done = false
    const settle = (exit: Exit.Exit<A, E>) =>
      Effect.sync(() => {
        done = true
        this.#fiber = undefined
        if (!options.isCurrent(this)) {
          if (Exit.isSuccess(exit)) options.discard?.(exit.value)
          return this.close()
        }
        if (Exit.isFailure(exit)) this.close()
        options.onExit(exit)
      })
    let scoped: Effect.Effect<A, E, Transport | Resolver.Resolver>
    if (options.keep) {
      const scope = Effect.runSync(Scope.make())
      this.#scope = scope
      scoped = Scope.extend(effect, scope)
    } else {
      // One fiber and no scope to make or close from outside: the cheap path of a client connect.
      scoped = Effect.scoped(effect)
    }
    const fiber = runNow(Effect.flatMap(Effect.exit(scoped), settle))
    if (!done) this.#fiber = fiber
    return this
  }

  /** Whether the effect is still running. */
  get running(): boolean {
    return this.#fiber !== undefined
  }

  /** Interrupts the effect if it still runs, and closes the scope: everything it acquired is released. */
  cancel(): void {
    const fiber = this.#fiber
    this.#fiber = undefined
    if (fiber !== undefined) runNow(Fiber.interrupt(fiber))
    this.close()
  }

  /** Closes the kept scope (idempotent). */
  close(): void {
    const scope = this.#scope
    this.#scope = undefined
    if (scope !== undefined) runNow(Scope.close(scope, Exit.void))
  }
}
