/**
 * Name lookup: every address of a host, each with its family, in the order the resolver gave them.
 *
 * `Connection.connect` asks the `Resolver` service. Its Node layer is the runtime's own `dns.lookup`
 * (getaddrinfo, `/etc/hosts` included); a table (`layerStatic`) serves tests and fixed setups, a
 * function in the shape of Node's `lookup` option (`fromNodeLookup`) brings an existing resolver, and
 * a script of answers per family with their own delays and failures (`layerScripted`) tests what a
 * connect does while the answers come in. Every implementation answers IP literals at once,
 * validates what it is given the way Node's `net` does, and runs in a `netfx.lookup` tracing span.
 *
 * A resolver that can look up one family alone (`lookupFamily`: the runtime's can, with one
 * `dns.lookup` per family) lets `Connection.connect` ask for both families in parallel and start
 * connecting as soon as the first useful answer arrives (RFC 8305 §3).
 *
 * @since 0.1.0
 */

import * as Arr from "effect/Array"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Dns from "node:dns"
import { isLocalhost, primaryError } from "./internal/familyLookup.js"
import { checkDuration, invalid as invalidArgument } from "./internal/options.js"
import * as tracing from "./internal/tracing.js"
import { isIP } from "./IP.js"
import type { InvalidArgument } from "./NetError.js"
import { ResolveError } from "./NetError.js"

/**
 * What to look up besides the name.
 *
 * @since 0.1.0
 * @category models
 */
export interface LookupOptions {
  /** `4` or `6` for addresses of one family only; `0` or absent for both. */
  readonly family?: 0 | 4 | 6 | undefined
  /**
   * `getaddrinfo` flags (`dns.ADDRCONFIG`, `dns.V4MAPPED`, `dns.ALL`). When neither a family nor
   * hints are given, the Node resolvers use `dns.ADDRCONFIG` (except on Windows), as `net.connect`
   * does.
   */
  readonly hints?: number | undefined
}

/**
 * One address of a host, with its family (`4` or `6`, as `dns.lookup` reports it).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedAddress {
  /** The IP address, as text. */
  readonly address: string
  /** `4` for an IPv4 address, `6` for an IPv6 one. */
  readonly family: 4 | 6
}

/**
 * What to look up besides the name and the family, for `lookupFamily`.
 *
 * @since 0.1.0
 * @category models
 */
export interface FamilyLookupOptions {
  /**
   * `getaddrinfo` flags. Absent or 0, the runtime's resolver uses `dns.ADDRCONFIG` (except on
   * Windows), as for a lookup of both families, so that the two lookups together find what one
   * lookup of both would.
   */
  readonly hints?: number | undefined
}

/**
 * A lookup of one family.
 *
 * @since 0.1.0
 * @category models
 */
export type FamilyLookup = (
  host: string,
  family: 4 | 6,
  options?: FamilyLookupOptions
) => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>

/**
 * What a resolver does: `lookup(host, options)` gives every address of `host` (at least one), or
 * fails with `ResolveError`.
 *
 * `lookupFamily(host, family)`, when a resolver has it, asks for one family alone, as one query (an
 * `AAAA` query for 6, an `A` query for 4), with its own answer time and its own failure. With it,
 * `Connection.connect` runs both in parallel and connects as soon as an answer is useful (RFC 8305
 * §3: at once on an IPv6 answer, after the resolution delay on an IPv4 one); without it, a connect
 * makes one `lookup` of both families and waits for it, as `net.connect` does.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Every address of `host`, at least one, in the resolver's order; or a `ResolveError`. */
  readonly lookup: (
    host: string,
    options?: LookupOptions
  ) => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>
  /** Optional: the addresses of one family alone, as one query of its own. */
  readonly lookupFamily?: FamilyLookup | undefined
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
  /** `4` or `6` for addresses of one family only; `0` or absent for both. */
  readonly family?: 0 | 4 | 6 | undefined
  /**
   * `getaddrinfo` flags: those asked for; without any, `dns.ADDRCONFIG` for a lookup of both families
   * (except on Windows), else 0, as `net.connect` gives them.
   */
  readonly hints: number
  /** Always `true`: the function may answer every address. */
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
  /** The IP address, as text. */
  readonly address: string
  /** `4` or `6`, the family of `address`. */
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

/** Answers IP literals at once, and runs the lookup in a `netfx.lookup` span when tracing is on. */
const traced = (
  host: string,
  family: 0 | 4 | 6,
  lookup: () => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>
): Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError> => {
  // lib/net.js lookupAndConnect: `if (isIP(host))` connects at once, whatever `family` says.
  const literal = isIP(host)
  const addresses: Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError> = literal === 0
    ? lookup()
    : Effect.succeed([{ address: host, family: literal }])
  return Effect.flatMap(tracing.enabled, (on) =>
    on
      ? Effect.useSpan(
        "netfx.lookup",
        { attributes: { host, family }, captureStackTrace: false },
        (span) =>
          Effect.tap(addresses, (found) => span.attribute("addresses", found.length)).pipe(
            Effect.withParentSpan(span)
          )
      )
      : addresses)
}

/**
 * Builds a Resolver service from the lookup of names, and optionally from the lookup of one family
 * (see `Service`).
 *
 * The functions are only asked for names: IP literals are answered at once. Every lookup, literal or
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
  ) => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>,
  lookupFamily?: (
    host: string,
    family: 4 | 6,
    options: FamilyLookupOptions
  ) => Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>
): Service => ({
  lookup: (host, options = {}) => traced(host, options.family ?? 0, () => lookup(host, options)),
  ...(lookupFamily === undefined ? {} : {
    lookupFamily: (host, family, options = {}) => traced(host, family, () => lookupFamily(host, family, options))
  })
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
 * the first entry's error is reported only when none is valid (`lookupAndConnectMultiple`). Gives the
 * addresses, or the error.
 */
const check = (
  hostname: string,
  answer: unknown,
  family: unknown
): NonEmptyReadonlyArray<ResolvedAddress> | ResolveError => {
  if (!Array.isArray(answer)) {
    const single = entryOf(answer, family)
    return single === undefined ? invalid(hostname, answer, family) : [single]
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
  if (Arr.isNonEmptyReadonlyArray(found)) return found
  // Node would throw a TypeError reading `addresses[0]` of an empty list; no address is "not found".
  if (answer.length === 0) return notFound(hostname)
  return invalid(hostname, field(answer[0], "address"), field(answer[0], "family"))
}

/** `check`, as an effect. */
const validate = (
  hostname: string,
  answer: unknown,
  family: unknown
): Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError> => {
  const checked = check(hostname, answer, family)
  return checked instanceof ResolveError ? Effect.fail(checked) : Effect.succeed(checked)
}

/**
 * Where a resolver made from a lookup function in Node's shape keeps a way to call it without an
 * effect (the connect's hot path, when no span is wanted): `(host, options, done)`, `done` called
 * once with the checked addresses or the error, at once when the function answers at once.
 * @internal
 */
export const unsafeLookupKey: unique symbol = Symbol.for("@netfx/core/Resolver/unsafeLookup")

/** @internal */
export type UnsafeLookup = (
  host: string,
  options: LookupOptions,
  done: (result: NonEmptyReadonlyArray<ResolvedAddress> | ResolveError) => void
) => void

const unsafeLookupOf = (lookup: NodeLookupFunction): UnsafeLookup => (host, options, done) => {
  const literal = isIP(host)
  if (literal !== 0) return done([{ address: host, family: literal }])
  let settled = false
  const settle = (result: NonEmptyReadonlyArray<ResolvedAddress> | ResolveError) => {
    if (settled) return
    settled = true
    done(result)
  }
  try {
    lookup(host, nodeOptions(options), (error, address, family) => {
      settle(error ? fromError(host, error) : check(host, address, family))
    })
  } catch (error) {
    settle(fromError(host, error))
  }
}

/** One call of a lookup function in Node's shape, as an effect, its answer checked as Node checks it. */
const callLookup = (
  lookup: NodeLookupFunction,
  host: string,
  options: NodeLookupOptions
): Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError> =>
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
      lookup(host, options, (error, address, family) => {
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

const fromCallback = (lookup: NodeLookupFunction): Service =>
  Object.assign(make((host, options) => callLookup(lookup, host, nodeOptions(options))), {
    [unsafeLookupKey]: unsafeLookupOf(lookup)
  })

const dnsLookup: NodeLookupFunction = (hostname, options, callback) => {
  // dns.lookup answers an empty name with an empty list (ENOTFOUND here) and a DEP0118 warning.
  if (hostname === "") return callback(null, [])
  // `order` exists since Node 20.13 and 22.1 and wins over `verbatim`; older runtimes read `verbatim`.
  Dns.lookup(hostname, { ...options, order: "verbatim", verbatim: true }, callback)
}

/**
 * The runtime's own name lookup: `dns.lookup(host, { all: true, family, hints, order: "verbatim" })`,
 * that is getaddrinfo with `/etc/hosts`, in the order the system resolver gives (as `net.connect` has
 * since Node 17). Hints default to `dns.ADDRCONFIG` when no family and no hints are given, except on
 * Windows, as in `net.connect`.
 *
 * Fails with `ResolveError` carrying Node's code, errno and syscall (`getaddrinfo ENOTFOUND
 * nosuch.invalid`). An interrupted lookup keeps running on the thread pool; its answer is dropped.
 *
 * It can look up one family alone (`lookupFamily`: `dns.lookup` with `family` 4 or 6 and the same
 * hints), so `Connection.connect` makes two lookups in parallel, one per family (RFC 8305 §3). Two
 * things to know: a name that the hosts file lists for one family only is then also asked of the
 * name servers for the other (getaddrinfo does that for a lookup of one family, not for a lookup of
 * both); and `localhost` names (RFC 6761) are always looked up for both families at once, from the
 * hosts file, so that they never wait on a name server.
 *
 * @example
 * import { Resolver } from "@netfx/core"
 *
 * const addresses = Resolver.node.lookup("localhost")
 *
 * @since 0.1.0
 * @category services
 */
export const node: Service = make(
  (host, options) => callLookup(dnsLookup, host, nodeOptions(options)),
  (host, family, options) =>
    callLookup(
      dnsLookup,
      host,
      // RFC 6761 §6.3: localhost names are this machine's, and its hosts file answers them. Asked for
      // one family, getaddrinfo goes on to the name servers for a family that file lacks (`hosts:
      // files dns`: `::1` is often missing), and such a query can hold a thread of the pool for the
      // resolver's whole timeout (5 s), for a name no name server has. One lookup of both families,
      // as `net.connect` makes, answers from the file alone.
      isLocalhost(host)
        ? nodeOptions({ hints: options.hints })
        // One family alone, with the hints a lookup of both would use: together, the two lookups
        // find what `net.connect`'s one lookup finds.
        : { family, hints: options.hints || (isWindows ? 0 : Dns.ADDRCONFIG), all: true }
    ).pipe(
      Effect.flatMap((found) => {
        const own = found.filter((a) => a.family === family)
        return Arr.isNonEmptyReadonlyArray(own) ? Effect.succeed(own) : Effect.fail(notFound(host, "getaddrinfo"))
      })
    )
)

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

/**
 * How a scripted resolver answers one query (`A` or `AAAA`) for a host: with addresses, or with a
 * failure (a getaddrinfo code such as `ENOTFOUND` or `EAI_AGAIN`), `after` a delay on Effect's
 * `Clock` (default 0; `Infinity` never answers).
 *
 * @since 0.1.0
 * @category models
 */
export type ScriptedAnswer =
  | { readonly addresses: ReadonlyArray<string>; readonly after?: Duration.DurationInput | undefined }
  | { readonly error: string; readonly after?: Duration.DurationInput | undefined }

/**
 * The answers for one host, per query: `A` (IPv4) and `AAAA` (IPv6). A query the script leaves out
 * fails at once with `ENOTFOUND`, as a name with no record of that type does.
 *
 * @since 0.1.0
 * @category models
 */
export interface HostScript {
  /** How the `A` (IPv4) query answers. */
  readonly A?: ScriptedAnswer | undefined
  /** How the `AAAA` (IPv6) query answers. */
  readonly AAAA?: ScriptedAnswer | undefined
}

type Checked = Effect.Effect<NonEmptyReadonlyArray<ResolvedAddress>, ResolveError>

interface Query {
  readonly delay: Duration.Duration
  readonly answer: (host: string) => Checked
}

const noRecord: Query = {
  delay: Duration.zero,
  answer: (host) => Effect.fail(notFound(host, "getaddrinfo"))
}

const checkAnswer = (
  answer: ScriptedAnswer | undefined,
  family: 4 | 6,
  argument: string
): Query | InvalidArgument => {
  if (answer === undefined) return noRecord
  if (typeof answer !== "object" || answer === null) {
    return invalidArgument("ERR_INVALID_ARG_TYPE", argument, answer, "must be { addresses } or { error }")
  }
  const delay = checkDuration(answer.after ?? 0, `${argument}.after`)
  if (!Duration.isDuration(delay)) return delay!
  if ("error" in answer) {
    if (typeof answer.error !== "string" || answer.error === "") {
      return invalidArgument(
        "ERR_INVALID_ARG_TYPE",
        `${argument}.error`,
        answer.error,
        "must be a code such as ENOTFOUND"
      )
    }
    const code = answer.error
    return {
      delay,
      answer: (host) => Effect.fail(new ResolveError({ code, syscall: "getaddrinfo", hostname: host }))
    }
  }
  const addresses = (answer as { readonly addresses?: unknown }).addresses
  if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== "string" || isIP(a) !== family)) {
    return invalidArgument(
      "ERR_INVALID_ARG_VALUE",
      `${argument}.addresses`,
      addresses,
      `must be a list of IPv${family} addresses`
    )
  }
  const entries = addresses.map((address: string) => ({ address, family }))
  return {
    delay,
    answer: (host) =>
      Arr.isNonEmptyReadonlyArray(entries) ? Effect.succeed(entries) : Effect.fail(notFound(host, "getaddrinfo"))
  }
}

/** After the query's delay (never, for an infinite one), its answer. */
const answered = (query: Query, host: string): Checked =>
  Duration.isZero(query.delay)
    ? query.answer(host)
    : Duration.isFinite(query.delay)
    ? Effect.zipRight(Effect.sleep(query.delay), query.answer(host))
    : Effect.never

/**
 * A Resolver service that answers from a script, per host and per family, each answer after its own
 * delay on Effect's `Clock` (so `TestClock` drives it) or with its own failure: for testing what a
 * connect does while the answers come in (RFC 8305's resolution delay, one family failing, ...).
 * Names match without regard to case; a host not in the script is not found.
 *
 * It can look up one family alone (`lookupFamily`), so `Connection.connect` asks both queries in
 * parallel, as it does with the runtime's resolver. A lookup of both families (the `sequential`
 * policy, `autoSelectFamily: false`) is one getaddrinfo: it answers when both queries have, with the
 * `AAAA` addresses then the `A` ones, and fails only when both fail. Fails with `InvalidArgument` for
 * a script that is not one (an address of the wrong family, a bad delay).
 *
 * @example
 * import { Resolver } from "@netfx/core"
 *
 * // AAAA answers after 80 ms; the A query fails after 10 ms.
 * const layer = Resolver.layerScripted({
 *   "dual.test": {
 *     AAAA: { addresses: ["2001:db8::1"], after: "80 millis" },
 *     A: { error: "EAI_AGAIN", after: "10 millis" }
 *   }
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const scripted = (
  script: Readonly<Record<string, HostScript>>
): Effect.Effect<Service, InvalidArgument> =>
  Effect.suspend(() => {
    if (typeof script !== "object" || script === null) {
      return Effect.fail(invalidArgument("ERR_INVALID_ARG_TYPE", "script", script, "must be of type object"))
    }
    const hosts = new Map<string, { readonly v4: Query; readonly v6: Query }>()
    for (const [name, entry] of Object.entries(script)) {
      if (typeof entry !== "object" || entry === null) {
        return Effect.fail(invalidArgument("ERR_INVALID_ARG_TYPE", name, entry, "must be { A, AAAA }"))
      }
      const v4 = checkAnswer(entry.A, 4, `${name}.A`)
      if (!("answer" in v4)) return Effect.fail(v4)
      const v6 = checkAnswer(entry.AAAA, 6, `${name}.AAAA`)
      if (!("answer" in v6)) return Effect.fail(v6)
      hosts.set(name.toLowerCase(), { v4, v6 })
    }
    const queriesOf = (host: string) => hosts.get(host.toLowerCase()) ?? { v4: noRecord, v6: noRecord }
    const one = (host: string, family: 4 | 6): Checked => {
      const queries = queriesOf(host)
      return answered(family === 4 ? queries.v4 : queries.v6, host)
    }
    return Effect.succeed(make(
      (host, options) => {
        if (options.family === 4 || options.family === 6) return one(host, options.family)
        // One getaddrinfo for both: it waits for both queries.
        return Effect.map(
          Effect.all([Effect.either(one(host, 6)), Effect.either(one(host, 4))], { concurrency: 2 }),
          ([v6, v4]) => ({ v6, v4 })
        ).pipe(Effect.flatMap(({ v4, v6 }): Checked => {
          if (v6._tag === "Left" && v4._tag === "Left") return Effect.fail(primaryError([v6.left, v4.left]))
          const found = [...(v6._tag === "Right" ? v6.right : []), ...(v4._tag === "Right" ? v4.right : [])]
          return Arr.isNonEmptyReadonlyArray(found) ? Effect.succeed(found) : Effect.fail(notFound(host, "getaddrinfo"))
        }))
      },
      (host, family) => one(host, family)
    ))
  })

/**
 * Provides the `Resolver` with a script of answers (see `scripted`).
 *
 * @example
 * import { Connection, Resolver, TestTransport } from "@netfx/core"
 * import { Clock, Effect, Fiber, Layer, TestClock, TestContext } from "effect"
 *
 * // AAAA answers after 80 ms, A at once: A waits the resolution delay (50 ms), then connects.
 * const network = Layer.merge(
 *   TestTransport.layer,
 *   Resolver.layerScripted({
 *     "api.test": { AAAA: { addresses: ["::1"], after: "80 millis" }, A: { addresses: ["127.0.0.1"] } }
 *   })
 * )
 * const program = Effect.gen(function*() {
 *   const net = yield* TestTransport.TestNetwork
 *   yield* net.set("127.0.0.1:443", TestTransport.accept())
 *   const connecting = yield* Effect.fork(Connection.connect({ host: "api.test", port: 443 }))
 *   yield* TestClock.adjust("1 second")
 *   const conn = yield* Fiber.join(connecting)
 *   return `${conn.remoteAddress} at ${yield* Clock.currentTimeMillis} ms`
 * }).pipe(Effect.scoped, Effect.provide(network), Effect.provide(TestContext.TestContext))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerScripted = (
  script: Readonly<Record<string, HostScript>>
): Layer.Layer<Resolver, InvalidArgument> => Layer.effect(Resolver, scripted(script))
