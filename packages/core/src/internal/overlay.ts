/**
 * A map that is another map plus one entry, without copying it: what a server's handler fiber
 * starts from. Each handler runs with the program's services and FiberRefs, differing from them
 * by one entry each (its `Scope`; its own context), for the whole life of its connection; a copy
 * (`Context.add`, or the runtime's own fork of the FiberRefs) would cost every connection as many
 * entries as the program has, while it is idle. This map answers the one key itself and asks the
 * base map for the rest. It implements what Effect reads of a context's or a FiberRefs' map
 * (`get`, `has`, `size`, `forEach`, iteration); every update Effect makes copies it into a real
 * `Map` first (`new Map(map)`), so the base is never written to.
 */
import * as Context from "effect/Context"
import * as Equal from "effect/Equal"
import type * as FiberId from "effect/FiberId"
import * as FiberIdModule from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import type * as Types from "effect/Types"

class OverlayMap<K, V> {
  constructor(private readonly base: ReadonlyMap<K, V>, private readonly key: K, private readonly value: V) {}
  get(key: K): V | undefined {
    return key === this.key ? this.value : this.base.get(key)
  }
  has(key: K): boolean {
    return key === this.key || this.base.has(key)
  }
  get size(): number {
    return this.base.has(this.key) ? this.base.size : this.base.size + 1
  }
  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.base) if (entry[0] !== this.key) yield entry
    yield [this.key, this.value]
  }
  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key
  }
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value
  }
  forEach(f: (value: V, key: K, map: this) => void): void {
    for (const [key, value] of this.entries()) f(value, key, this)
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries()
  }
  get [Symbol.toStringTag](): string {
    return "Map"
  }
}

/** `Context.add(base, tag, service)` without copying `base`. @internal */
export const addService = <Services, I, S>(
  base: Context.Context<Services>,
  tag: Context.Tag<I, S>,
  service: Types.NoInfer<S>
): Context.Context<Services | I> =>
  Context.unsafeMake(new OverlayMap(base.unsafeMap, tag.key, service) as unknown as Map<string, unknown>)

/**
 * What every handler fiber of one program starts from: the program's FiberRefs, and whether forking
 * them changes no value (no FiberRef in them has a fork of its own), found once.
 * @internal
 */
export interface RootBase {
  readonly fiberRefs: FiberRefs.FiberRefs
  readonly forkKeepsValues: boolean
}

/** @internal */
export const rootBase = (fiberRefs: FiberRefs.FiberRefs): RootBase => {
  const forked = FiberRefs.forkAs(fiberRefs, probeFiberId)
  let forkKeepsValues = true
  for (const fiberRef of fiberRefs.locals.keys()) {
    if (!Equal.equals(FiberRefs.getOrDefault(forked, fiberRef), FiberRefs.getOrDefault(fiberRefs, fiberRef))) {
      forkKeepsValues = false
      break
    }
  }
  return { fiberRefs, forkKeepsValues }
}
const probeFiberId = FiberIdModule.runtime(-1, 0)

/**
 * The FiberRefs of a new root fiber `fiberId` that runs with `context`: `base`'s, with the context
 * its own. Its stack of contexts is one entry deep: a root fiber is never joined, and joining is
 * what the earlier entries are for. The runtime's own fork (`Runtime.runFork`) copies every entry
 * of `base` and grows the context's stack by one, for each fiber.
 * @internal
 */
export const rootFiberRefs = (
  base: RootBase,
  fiberId: FiberId.Single,
  context: Context.Context<never>
): FiberRefs.FiberRefs =>
  FiberRefs.unsafeMake(
    new OverlayMap(
      // A FiberRef with a fork function of its own gives each new fiber a value of its own: those
      // programs get the runtime's copy, as any forked fiber does.
      base.forkKeepsValues ? base.fiberRefs.locals : FiberRefs.forkAs(base.fiberRefs, fiberId).locals,
      FiberRef.currentContext,
      [[fiberId, context]] as const
    ) as unknown as Parameters<typeof FiberRefs.unsafeMake>[0]
  )
