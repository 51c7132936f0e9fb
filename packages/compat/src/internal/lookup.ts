/**
 * The lookup step of a TCP connect to a name: the lookup function Node would call (the user's
 * `lookup` option or `dns.lookup`), called with Node's options, its answers reported as Node's
 * `'lookup'` events, and handed to the core's resolver step (`Connection` options `lookup`).
 */
import type { Resolver } from "@netfx/core"
import * as dns from "node:dns"
import { isIP } from "../IP.js"
import type { ConnectOptions, Listener } from "./connectArgs.js"
import { ERR_INVALID_ADDRESS_FAMILY, ERR_INVALID_ARG_TYPE } from "./errors.js"
import { validateFunction } from "./validators.js"

/** What the lookup step reports to the connect it belongs to. */
export interface LookupOwner {
  /** Whether the connect is still the socket's current one, and still connecting. */
  readonly live: () => boolean
  readonly emit: (event: string, ...args: Array<unknown>) => void
  /** The answer holds more than one usable address: Node races them. */
  readonly racing: (racing: boolean) => void
  /** Fails the connect on the next tick with an error of Node's (not a lookup error). */
  readonly failSoon: (error: Error) => void
  /** The lookup function threw: while connect() runs, the error is thrown out of it, as in Node. */
  readonly threw: (error: unknown) => void
}

/** How the core should look the name up, as lib/net.js `lookupAndConnect` sets it up. */
export interface LookupStep {
  readonly lookup: Resolver.NodeLookupFunction
  /** 4 or 6 when the lookup asks for one family; 0 otherwise. */
  readonly family: 0 | 4 | 6
  /** Whether Node asks for every address (`all: true`) and races them. */
  readonly all: boolean
}

/**
 * Builds the lookup step. Throws, as `connect()` would, for a bad `lookup` option (and, on Node 20,
 * a host that is not a string with no lookup function to pass it to).
 */
export const lookupStep = (
  owner: LookupOwner,
  options: ConnectOptions,
  host: string,
  localAddress: string | undefined,
  autoSelectFamily: boolean
): LookupStep => {
  if (typeof host !== "string" && options.lookup == null) throw new ERR_INVALID_ARG_TYPE("hostname", "string", host)
  const lookup = options.lookup != null
    ? validateFunction(options.lookup, "options.lookup") as Listener
    : dns.lookup as unknown as Listener
  const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family
  const dnsopts: Record<string, unknown> = { family, hints: (options.hints as number | undefined) || 0 }
  if (process.platform !== "win32" && family !== 4 && family !== 6 && dnsopts.hints === 0) {
    dnsopts.hints = dns.ADDRCONFIG
  }
  const all = family !== 4 && family !== 6 && !localAddress && autoSelectFamily
  if (all) dnsopts.all = true
  const onAnswer = (
    callback: Resolver.NodeLookupCallback,
    hostname: string,
    err: Error | null,
    address: unknown,
    addressType: unknown
  ) => {
    if (!owner.live()) return
    if (err) {
      owner.emit("lookup", err, undefined, undefined, hostname)
    } else if (Array.isArray(address)) {
      const entries = address as Array<{ address: string; family: number }>
      for (const entry of entries) {
        owner.emit("lookup", null, entry.address, entry.family, hostname)
        if (!owner.live()) return
      }
      const valid = new Set(
        entries.filter((a) => isIP(a.address) && (a.family === 4 || a.family === 6)).map((a) => a.address)
      )
      owner.racing(valid.size > 1)
      if (valid.size === 0 && entries.length > 0 && isIP(entries[0]!.address)) {
        return owner.failSoon(new ERR_INVALID_ADDRESS_FAMILY(entries[0]!.family, options.host, options.port))
      }
    } else {
      owner.emit("lookup", err, address, addressType, hostname)
      if (!owner.live()) return
      if (isIP(address as string) && addressType !== 4 && addressType !== 6) {
        return owner.failSoon(new ERR_INVALID_ADDRESS_FAMILY(addressType, options.host, options.port))
      }
    }
    callback(err, address as string, addressType as number)
  }
  return {
    lookup: (hostname, _options, callback) => {
      try {
        lookup(hostname, dnsopts, (err: Error | null, address: unknown, addressType: unknown) => {
          onAnswer(callback, hostname, err, address, addressType)
        })
      } catch (error) {
        owner.threw(error)
        throw error
      }
    },
    family: all ? 0 : family === 4 || family === 6 ? family : 0,
    all
  }
}
