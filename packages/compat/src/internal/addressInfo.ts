/**
 * Addresses as Node reports them (`getsockname`, `getpeername`, a server's `address()`):
 * `{ address, family: 'IPv4' | 'IPv6', port }`, from the core's `SocketAddress`.
 */
import type { SocketAddress } from "@netfx/core"

/** Node's name of an address family: `'IPv4'` or `'IPv6'`. */
export const familyName = (address: SocketAddress.SocketAddress): "IPv4" | "IPv6" =>
  address.family === "ipv6" ? "IPv6" : "IPv4"

/** The address record Node reads from getsockname/getpeername. */
export interface AddressInfo {
  readonly address?: string
  readonly family?: string
  readonly port?: number
}

/** A core address as Node's record; a path or nothing gives `{}`. */
export const addressInfo = (address: SocketAddress.SocketAddress | string | undefined): AddressInfo =>
  address === undefined || typeof address === "string"
    ? {}
    : { address: address.address, family: familyName(address), port: address.port }
