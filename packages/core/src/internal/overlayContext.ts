/**
 * A context that is another context plus one service, without copying it. `Context.add` copies the
 * whole map of services; a server gives each connection's handler a context that differs from the
 * server's only by its `Scope`, so the copy would cost every connection as many entries as the
 * program has services, for its whole life. This map answers the one key itself and asks the base
 * map for the rest. It implements what Effect reads of a context's map (`get`, `has`, `size`,
 * iteration), and is handed to `Context.unsafeMake`, whose contract is a `Map`.
 */
import * as Context from "effect/Context"

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
export const add = <Services, I, S>(
  base: Context.Context<Services>,
  tag: Context.Tag<I, S>,
  service: Types.NoInfer<S>
): Context.Context<Services | I> =>
  Context.unsafeMake(new OverlayMap(base.unsafeMap, tag.key, service) as unknown as Map<string, unknown>)

import type * as Types from "effect/Types"
