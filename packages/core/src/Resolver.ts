/**
 * Name lookup: every address of a host, each with its family, in the order the resolver gave them.
 *
 * `Connection.connect` asks the `Resolver` service. Its Node layer is the runtime's own `dns.lookup`
 * (getaddrinfo, `/etc/hosts` included); a table (`layerStatic`) serves tests and fixed setups, and a
 * function in the shape of Node's `lookup` option (`fromNodeLookup`) brings an existing resolver.
 * Every implementation answers IP literals at once, validates what it is given the way Node's `net`
 * does, and runs in a `netfx.lookup` tracing span.
 *
 * @since 0.1.0
 */

import * as Arr from "effect/Array"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Dns from "node:dns"
import * as tracing from "./internal/tracing.js"
import { isIP } from "./IP.js"
import { ResolveError } from "./NetError.js"

/**
 * What to look up besides the name.
 *
 * - `family`: `4` or `6` for addresses of one family only; `0` or absent for both.
 * - `hints`: `getaddrinfo` flags (`dns.ADDRCONFIG`, `dns.V4MAPPED`, `dns.ALL`). When neither a family
 *   nor hints are given, the Node resolvers use `dns.ADDRCONFIG` (except on Windows), as `net.connect`
 *   does.
 *
 * @since 0.1.0
 * @category models
 */
export interface LookupOptions {
  readonly family?: 0 | 4 | 6 | undefined
  readonly hints?: number | undefined
}

/**
 * One address of a host, with its family (`4` or `6`, as `dns.lookup` reports it).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/**
 * What a resolver does: `lookup(host, options)` gives every address of `host` (at least one), or
 * fails with `ResolveError`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly lookup: (
    host: string,
    options?: LookupOptions
  ) => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>
}

/**
 * The name lookup service. Optional: without one in the context, names are looked up with the
 * runtime's own `dns.lookup` (`node`), as `net.connect` does; provide another (`layerStatic`,
 * `layerFromNodeLookup`, your own) to change that. A connect to an IP address or a Unix socket never
 * asks it.
 *
 * An IP literal is its own answer, with the family of the literal: like `net.connect` and
 * `dns.lookup`, the `family` option does not apply to it (`127.0.0.1` with `family: 6` gives
 * `127.0.0.1`, family 4).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const resolver = yield* Resolver.Resolver
 *   const addresses = yield* resolver.lookup("localhost", { family: 4 })
 *   return addresses.map((a) => a.address)
 * })
 *
 * @since 0.1.0
 * @category services
 */
export class Resolver extends Context.Reference<Resolver>()("@netfx/core/Resolver", {
  defaultValue: (): Service => node
}) {}

/**
 * The options a `NodeLookupFunction` receives: those `net.connect` gives its `lookup` option, with
 * `all: true` always (so the function may answer every address).
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeLookupOptions {
  readonly family?: 0 | 4 | 6 | undefined
  readonly hints: number
  readonly all: true
}

/**
 * One address as a `NodeLookupFunction` reports it. Anything may arrive at run time: entries that
 * are not IP addresses of family 4 or 6 are checked as Node checks them.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeLookupAddress {
  readonly address: string
  readonly family: number
}

/**
 * The callback of a `NodeLookupFunction`, in either of `dns.lookup`'s shapes:
 * `callback(null, [{ address, family }, ...])` or `callback(null, address, family)`.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeLookupCallback = (
  error: Error | null,
  address?: string | ReadonlyArray<NodeLookupAddress>,
  family?: number
) => void

/**
 * A lookup function in the shape of `net.connect`'s `lookup` option (and of `dns.lookup` itself).
 *
 * @since 0.1.0
 * @category models
 */
export type NodeLookupFunction = (hostname: string, options: NodeLookupOptions, callback: NodeLookupCallback) => void

/**
 * Builds a Resolver service from the lookup of names.
 *
 * The function is only asked for names: IP literals are answered at once. Every lookup, literal or
 * not, runs in a `netfx.lookup` span with the attributes `host`, `family` (the one asked for, `0` for
 * both) and `addresses` (how many were found).
 *
 * @example
 * import { NetError, Resolver } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * // Every name is the loopback address.
 * const loopback = Resolver.make((host) =>
 *   host.endsWith(".test")
 *     ? Effect.succeed([{ address: "127.0.0.1", family: 4 }] as const)
 *     : Effect.fail(new NetError.ResolveError({ code: "ENOTFOUND", syscall: "getaddrinfo", hostname: host }))
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  lookup: (
    host: string,
    options: LookupOptions
  ) => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>
): Service => ({
  lookup: (host, options = {}) => {
    // lib/net.js lookupAndConnect: `if (isIP(host))` connects at once, whatever `family` says.
    const literal = isIP(host)
    const addresses: Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError> = literal === 0
      ? lookup(host, options)
      : Effect.succeed([{ address: host, family: literal }])
    return Effect.flatMap(tracing.enabled, (on) =>
      on
        ? Effect.useSpan(
          "netfx.lookup",
          { attributes: { host, family: options.family ?? 0 }, captureStackTrace: false },
          (span) =>
            Effect.tap(addresses, (found) => span.attribute("addresses", found.length)).pipe(
              Effect.withParentSpan(span)
            )
        )
        : addresses)
  }
})

const isWindows = process.platform === "win32"

// lib/net.js lookupAndConnect: `hints: options.hints || 0`, then ADDRCONFIG when no single family is
// asked for and no hints are given, except on Windows.
const nodeOptions = (options: LookupOptions): NodeLookupOptions => {
  const hints = options.hints || 0
  return {
    family: options.family,
    hints: hints === 0 && options.family !== 4 && options.family !== 6 && !isWindows ? Dns.ADDRCONFIG : hints,
    all: true
  }
}

// Like util.format's `%s` and template literals, without throwing on objects that have no toString.
const text = (value: unknown): string => {
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

const fromError = (hostname: string, error: unknown): ResolveError => {
  const fields = typeof error === "object" && error !== null ?
    error as { readonly code?: unknown; readonly errno?: unknown; readonly syscall?: unknown } :
    {}
  return new ResolveError({
    code: typeof fields.code === "string" ? fields.code : "UNKNOWN",
    ...(typeof fields.errno === "number" ? { errno: fields.errno } : {}),
    ...(typeof fields.syscall === "string" ? { syscall: fields.syscall } : {}),
    hostname,
    cause: error
  })
}

const notFound = (hostname: string, syscall?: string): ResolveError =>
  new ResolveError({ code: "ENOTFOUND", hostname, ...(syscall === undefined ? {} : { syscall }) })

const entryOf = (address: unknown, family: unknown): ResolvedAddress | undefined =>
  typeof address === "string" && (family === 4 || family === 6) && isIP(address) === family ?
    { address, family } :
    undefined

// The errors of lib/net.js for a lookup answer that is not an address: ERR_INVALID_IP_ADDRESS when the
// address is not an IP, else ERR_INVALID_ADDRESS_FAMILY. Node does not compare the family with the
// address; we do, since a ResolvedAddress must not lie about its family.
const invalid = (hostname: string, address: unknown, family: unknown): ResolveError =>
  typeof address === "string" && isIP(address) !== 0 ?
    new ResolveError({ code: "ERR_INVALID_ADDRESS_FAMILY", hostname, address, family: text(family) }) :
    new ResolveError({ code: "ERR_INVALID_IP_ADDRESS", hostname, address: text(address) })

const field = (entry: unknown, name: "address" | "family"): unknown =>
  typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[name] : undefined

/**
 * Checks a lookup answer as lib/net.js does: a single address must be an IP with family 4 or 6
 * (`lookupAndConnect`); from a list, the valid entries are kept, in order and without duplicates, and
 * the first entry's error is reported only when none is valid (`lookupAndConnectMultiple`).
 */
const validate = (
  hostname: string,
  answer: unknown,
  family: unknown
): Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError> => {
  if (!Array.isArray(answer)) {
    const single = entryOf(answer, family)
    return single === undefined ? Effect.fail(invalid(hostname, answer, family)) : Effect.succeed([single])
  }
  const found: Array<ResolvedAddress> = []
  const seen = new Set<string>()
  for (const item of answer as ReadonlyArray<unknown>) {
    const entry = entryOf(field(item, "address"), field(item, "family"))
    if (entry !== undefined && !seen.has(entry.address)) {
      seen.add(entry.address)
      found.push(entry)
    }
  }
  if (Arr.isNonEmptyReadonlyArray(found)) return Effect.succeed(found)
  // Node would throw a TypeError reading `addresses[0]` of an empty list; no address is "not found".
  if (answer.length === 0) return Effect.fail(notFound(hostname))
  return Effect.fail(invalid(hostname, field(answer[0], "address"), field(answer[0], "family")))
}

const fromCallback = (lookup: NodeLookupFunction): Service =>
  make((host, options) =>
    Effect.suspend(() => {
      // The lookup cannot be cancelled (getaddrinfo runs on the libuv thread pool): after an
      // interruption its answer is simply dropped. A second call of the callback is dropped too.
      // A function that answers at once is answered at once: the connection goes on in the same
      // turn, as `net.connect` does with such a function.
      type Result = Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>
      let settled: Result | undefined
      let waiting: ((result: Result) => void) | undefined
      const settle = (result: Result) => {
        if (settled !== undefined) return
        settled = result
        waiting?.(result)
      }
      try {
        lookup(host, nodeOptions(options), (error, address, family) => {
          settle(error ? Effect.fail(fromError(host, error)) : validate(host, address, family))
        })
      } catch (error) {
        // Node lets this throw out of `connect()`; here it is a failure of the lookup, not a defect.
        settle(Effect.fail(fromError(host, error)))
      }
      if (settled !== undefined) return settled
      return Effect.async<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>((resume) => {
        waiting = resume
      })
    })
  )

/**
 * The runtime's own name lookup: `dns.lookup(host, { all: true, family, hints, order: "verbatim" })`,
 * that is getaddrinfo with `/etc/hosts`, in the order the system resolver gives (as `net.connect` has
 * since Node 17). Hints default to `dns.ADDRCONFIG` when no family and no hints are given, except on
 * Windows, as in `net.connect`.
 *
 * Fails with `ResolveError` carrying Node's code, errno and syscall (`getaddrinfo ENOTFOUND
 * nosuch.invalid`). An interrupted lookup keeps running on the thread pool; its answer is dropped.
 *
 * @example
 * import { Resolver } from "@netfx/core"
 *
 * const addresses = Resolver.node.lookup("localhost")
 *
 * @since 0.1.0
 * @category services
 */
export const node: Service = fromCallback((hostname, options, callback) => {
  // dns.lookup answers an empty name with an empty list (ENOTFOUND here) and a DEP0118 warning.
  if (hostname === "") return callback(null, [])
  // `order` exists since Node 20.13 and 22.1 and wins over `verbatim`; older runtimes read `verbatim`.
  Dns.lookup(hostname, { ...options, order: "verbatim", verbatim: true }, callback)
})

/**
 * Provides the `Resolver` with the runtime's `dns.lookup` (see `node`).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Resolver.Resolver, (resolver) => resolver.lookup("localhost")).pipe(
 *   Effect.provide(Resolver.layerNode)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode: Layer.Layer<Resolver> = Layer.succeed(Resolver, node)

/**
 * A Resolver service from a function in the shape of `net.connect`'s `lookup` option.
 *
 * The function is called with `{ family, hints, all: true }` (hints defaulted as in `net.connect`) and
 * may answer either way `dns.lookup` does: a list of `{ address, family }`, or one address and its
 * family. The answer is checked as Node checks it: an address that is not an IP fails with
 * `ERR_INVALID_IP_ADDRESS`, a family other than 4 or 6 (or not that of the address) with
 * `ERR_INVALID_ADDRESS_FAMILY`; from a list, invalid entries and duplicates are dropped and the error
 * is only reported when nothing valid remains. An error given to the callback, or thrown by the
 * function, becomes a `ResolveError` with its `code`, `errno` and `syscall`, and the error as `cause`.
 * A second call of the callback is ignored.
 *
 * @example
 * import { Resolver } from "@netfx/core"
 *
 * const resolver = Resolver.fromNodeLookup((hostname, _options, callback) =>
 *   hostname === "db.internal" ? callback(null, "10.0.0.5", 4) : callback(new Error(`unknown host ${hostname}`))
 * )
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNodeLookup = (lookup: NodeLookupFunction): Service => fromCallback(lookup)

/**
 * Provides the `Resolver` with a function in the shape of `net.connect`'s `lookup` option (see
 * `fromNodeLookup`).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 * import * as dns from "node:dns"
 *
 * const layer = Resolver.layerFromNodeLookup(dns.lookup)
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromNodeLookup = (lookup: NodeLookupFunction): Layer.Layer<Resolver> =>
  Layer.succeed(Resolver, fromNodeLookup(lookup))

/**
 * A Resolver service that answers from a table of names and their addresses, for tests and fixed
 * setups. Names match without regard to case; each address's family is that of the address.
 *
 * `family` keeps the addresses of that family only; `hints` are ignored. A name that is not in the
 * table, or has no address of the family asked for, fails with `ENOTFOUND`, with getaddrinfo's message
 * (`getaddrinfo ENOTFOUND name`). A table entry that is not an IP address is checked like any lookup
 * answer (`ERR_INVALID_IP_ADDRESS` when no valid address remains).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 *
 * const resolver = Resolver.fromTable({ "db.test": ["::1", "127.0.0.1"] })
 * const ipv4Only = resolver.lookup("db.test", { family: 4 })
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromTable = (table: Readonly<Record<string, ReadonlyArray<string>>>): Service => {
  // A Map, not the record itself, so that names such as `constructor` or `__proto__` are only names.
  const names = new Map<string, ReadonlyArray<string>>()
  for (const [name, addresses] of Object.entries(table)) names.set(name.toLowerCase(), [...addresses])
  return make((host, options) => {
    const addresses = names.get(host.toLowerCase()) ?? []
    const entries = addresses
      .map((address) => ({ address, family: isIP(address) }))
      .filter((entry) => (options.family !== 4 && options.family !== 6) || entry.family === options.family)
    return entries.length === 0 ? Effect.fail(notFound(host, "getaddrinfo")) : validate(host, entries, undefined)
  })
}

/**
 * Provides the `Resolver` with a table of names and their addresses (see `fromTable`).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.flatMap(Resolver.Resolver, (resolver) => resolver.lookup("api.test")).pipe(
 *   Effect.provide(Resolver.layerStatic({ "api.test": ["::1", "127.0.0.1"] }))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStatic = (table: Readonly<Record<string, ReadonlyArray<string>>>): Layer.Layer<Resolver> =>
  Layer.succeed(Resolver, fromTable(table))
