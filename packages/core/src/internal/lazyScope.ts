/**
 * A scope that costs nothing until it is used: a connection's own scope, which most handlers never
 * add a finalizer to. It is one small object; the real scope (a map of finalizers) is made the
 * first time something is added or forked, and closing a scope that was never used does nothing.
 */
import type * as Effect from "effect/Effect"
import * as EffectModule from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import type * as Exit from "effect/Exit"
import { pipeArguments } from "effect/Pipeable"
import * as Scope from "effect/Scope"

/** @internal */
export class LazyScope implements Scope.CloseableScope {
  declare readonly [Scope.ScopeTypeId]: Scope.ScopeTypeId
  declare readonly [Scope.CloseableScopeTypeId]: Scope.CloseableScopeTypeId
  /** The real scope once something used this one; `closed` once closed before any use. */
  private inner: Scope.CloseableScope | undefined | typeof closed = undefined

  get strategy(): ExecutionStrategy.ExecutionStrategy {
    return ExecutionStrategy.sequential
  }

  private get real(): Scope.CloseableScope {
    if (this.inner === undefined) this.inner = EffectModule.runSync(Scope.make())
    else if (this.inner === closed) {
      // Used after it closed: a scope that is already closed runs what is added to it at once.
      const scope = EffectModule.runSync(Scope.make())
      EffectModule.runSync(Scope.close(scope, closedExit))
      return scope
    }
    return this.inner
  }

  /**
   * The state of Effect's own scope implementation, which `Effect.forkIn` (and so
   * `Effect.forkScoped`) reads and writes directly: the real scope's, made for it.
   */
  get state(): unknown {
    return (this.real as unknown as { readonly state: unknown }).state
  }

  fork(strategy: ExecutionStrategy.ExecutionStrategy): Effect.Effect<Scope.CloseableScope> {
    return EffectModule.suspend(() => Scope.fork(this.real, strategy))
  }

  addFinalizer(finalizer: Scope.Scope.Finalizer): Effect.Effect<void> {
    return EffectModule.suspend(() => Scope.addFinalizerExit(this.real, finalizer))
  }

  close(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return EffectModule.suspend(() => {
      const inner = this.inner
      this.inner = closed
      return inner === undefined || inner === closed ? EffectModule.void : Scope.close(inner, exit)
    })
  }

  /** Closes a scope nothing was added to: there is nothing to run. */
  closeUnused(): void {
    if (this.inner === undefined) this.inner = closed
  }

  /** Whether something was added to the scope (and it has not closed). */
  get used(): boolean {
    return this.inner !== undefined && this.inner !== closed
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
}

const closed: unique symbol = Symbol("closed")
const closedExit = EffectModule.runSync(EffectModule.exit(EffectModule.void))

Object.defineProperty(LazyScope.prototype, Scope.ScopeTypeId, { value: Scope.ScopeTypeId })
Object.defineProperty(LazyScope.prototype, Scope.CloseableScopeTypeId, { value: Scope.CloseableScopeTypeId })
