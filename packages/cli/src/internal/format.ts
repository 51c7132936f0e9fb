/**
 * How addresses, sizes and events read in the commands' output.
 *
 * @internal
 */
import type { Connection, SocketAddress } from "@netfx/core"

/**
 * An address as the user would type it: `127.0.0.1:8080`, `[::1]:8080`, or a socket's path. A
 * Unix socket client has no name (`undefined` or empty): it reads `unnamed socket`.
 */
export const address = (value: SocketAddress.SocketAddress | string | undefined): string =>
  value === undefined || value === "" ? "unnamed socket" : String(value)

/** `host:port`, with IPv6 addresses in brackets. */
export const hostPort = (host: string, port: number): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`

/** A byte count with a binary unit: `512 B`, `12.3 KiB`, `64.0 MiB`. */
export const bytes = (count: number): string => {
  if (count < 1024) return `${count} B`
  const units = ["KiB", "MiB", "GiB", "TiB"]
  let value = count / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** Milliseconds for a log line: `12 ms`, `1.5 ms` under ten. */
export const millis = (value: number): string => value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`

/** One line for a step of `connect`: the lookup and each attempt, as `--verbose` shows them. */
export const connectEvent = (event: Connection.ConnectEvent): string => {
  switch (event._tag) {
    case "Lookup":
      return `lookup ${event.host}: ${event.addresses.map((a) => a.address).join(", ")}`
    case "Attempt":
      return `attempt ${hostPort(event.address, event.port)} (IPv${event.family})`
    case "AttemptFailed":
      return `failed  ${hostPort(event.address, event.port)}: ${event.error.message} ${
        hostPort(event.address, event.port)
      }`
    case "AttemptTimeout":
      return event.aborted
        ? `timeout ${hostPort(event.address, event.port)}: aborted, trying the next address`
        : `no answer yet from ${hostPort(event.address, event.port)}: trying the next address beside it`
    case "AttemptCancelled":
      return `closed  ${hostPort(event.address, event.port)}: another attempt won`
    case "Connected":
      return `connected to ${hostPort(event.address, event.port)} after ${millis(event.elapsed)}`
  }
}
