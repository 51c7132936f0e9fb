/**
 * What compat's socket relies on to be the runtime's own `net.Socket` with a connection the core
 * made. Node's (and Deno's) socket keeps a libuv-style stream handle in `_handle`, and the handle
 * finds its socket through an owner symbol; when the core's dial has won, the socket takes the
 * winner's handle over as lib/net.js does for the winner of its own race (`initSocketHandle`,
 * then `afterConnect`). The symbols are found by their descriptions, once.
 */
import * as net from "node:net"
import { getSystemErrorName } from "node:util"
import { isUint8Array } from "node:util/types"
import { errnoException } from "./systemErrors.js"

/** A runtime stream handle (libuv's `TCP` / `Pipe` wrap, Deno's `TCPWrap`). */
export interface RuntimeHandle {
  [key: string | symbol]: unknown
  reading?: boolean
  readStart: () => number
  getAsyncId?: () => number
  useUserBuffer?: (buffer: Uint8Array) => void
  setNoDelay?: (enable: boolean) => number
  setKeepAlive?: (enable: boolean, delay: number) => number
  setTypeOfService?: (tos: number) => number
  getpeername?: (out: { address?: string; port?: number }) => number
  close?: (callback?: () => void) => void
}

/** The parts of a runtime socket that lib/net.js keeps under underscores and symbols. */
export type RuntimeSocket = Omit<net.Socket, "connecting"> & {
  [key: string | symbol]: unknown
  connecting: boolean
  _handle: RuntimeHandle | null
  _sockname: unknown
  _peername: unknown
  _unrefTimer: () => void
  _undestroy: () => void
  _reset: () => void
}

/**
 * Whether the runtime's sockets can take over a handle: Node and Deno. Bun's socket keeps a
 * handle of its own kind, which no other socket can drive; compat there uses a `stream.Duplex` of
 * its own over the core's handle (see `streamSocket.ts`).
 */
export const adoptable = typeof process.versions.bun !== "string"

const named = (object: object, ...names: ReadonlyArray<string>): symbol | undefined =>
  Object.getOwnPropertySymbols(object).find((symbol) => names.includes(symbol.description ?? ""))

interface Symbols {
  readonly asyncId: symbol | undefined
  readonly buffer: symbol | undefined
  readonly bufferGen: symbol | undefined
  readonly setNoDelay: symbol | undefined
  readonly setKeepAlive: symbol | undefined
  readonly setKeepAliveInitialDelay: symbol | undefined
  readonly setTOS: symbol | undefined
  readonly bytesRead: symbol | undefined
  readonly bytesWritten: symbol | undefined
}

let symbols: Symbols | undefined
let ownerSymbol: symbol | undefined

const socketSymbols = (): Symbols => {
  if (symbols === undefined) {
    const probe = new net.Socket()
    symbols = {
      asyncId: named(probe, "async_id_symbol", "asyncIdSymbol"),
      buffer: named(probe, "kBuffer"),
      bufferGen: named(probe, "kBufferGen"),
      setNoDelay: named(probe, "kSetNoDelay"),
      setKeepAlive: named(probe, "kSetKeepAlive"),
      setKeepAliveInitialDelay: named(probe, "kSetKeepAliveInitialDelay"),
      setTOS: named(probe, "kSetTOS"),
      bytesRead: named(probe, "kBytesRead"),
      bytesWritten: named(probe, "kBytesWritten")
    }
  }
  return symbols
}

/**
 * What Node's socket reports while it connects: the counters of the handle it has just made (0),
 * not those of its previous connection (lib/net.js reads `bytesRead` and `bytesWritten` from the
 * handle while there is one).
 */
export const resetByteCounts = (socket: RuntimeSocket): void => {
  const { bytesRead, bytesWritten } = socketSymbols()
  if (bytesRead !== undefined) socket[bytesRead] = 0
  if (bytesWritten !== undefined) socket[bytesWritten] = 0
}

/**
 * lib/net.js `initSocketHandle`'s user buffer: with `onread: { buffer: fn }`, Node asks the
 * function for the buffer when it creates the handle (at `connect()`).
 */
export const prepareUserBuffer = (socket: RuntimeSocket): void => {
  const { buffer, bufferGen } = socketSymbols()
  if (buffer === undefined || bufferGen === undefined || !socket[buffer]) return
  const generate = socket[bufferGen] as (() => unknown) | null
  if (generate === null) return
  const made = generate()
  if (isUint8Array(made)) socket[buffer] = made
}

/** Makes `handle` the socket's own, as `initSocketHandle` does. */
export const adopt = (socket: RuntimeSocket, handle: RuntimeHandle): void => {
  const { asyncId, buffer } = socketSymbols()
  ownerSymbol ??= named(handle, "owner_symbol", "ownerSymbol")
  // Without it the handle would report to the socket the core made: say so, rather than hang.
  if (ownerSymbol === undefined) throw new Error("@netfx/compat: this runtime's socket handles have no owner symbol")
  handle[ownerSymbol] = socket
  socket._handle = handle
  if (asyncId !== undefined) socket[asyncId] = typeof handle.getAsyncId === "function" ? handle.getAsyncId() : -1
  const userBuffer = buffer === undefined ? undefined : socket[buffer]
  if (isUint8Array(userBuffer) && typeof handle.useUserBuffer === "function") handle.useUserBuffer(userBuffer)
}

/** lib/net.js `afterConnect` on success: the options set while connecting, then 'connect' and the first read. */
export const afterConnect = (socket: RuntimeSocket, handle: RuntimeHandle): void => {
  const { setKeepAlive, setKeepAliveInitialDelay, setNoDelay, setTOS } = socketSymbols()
  socket.connecting = false
  socket._sockname = null
  socket._unrefTimer()
  if (setNoDelay !== undefined && socket[setNoDelay] && handle.setNoDelay) handle.setNoDelay(true)
  if (setKeepAlive !== undefined && socket[setKeepAlive] && handle.setKeepAlive) {
    handle.setKeepAlive(true, socket[setKeepAliveInitialDelay!] as number)
  }
  if (setTOS !== undefined && socket[setTOS] !== undefined && handle.setTypeOfService) {
    handle.setTypeOfService(socket[setTOS] as number)
  }
  socket.emit("connect")
  socket.emit("ready")
  // lib/net.js `tryReadStart`, unless a 'connect' listener started reading already.
  if (!socket.isPaused() && !socket.destroyed && socket._handle === handle && !handle.reading) {
    handle.reading = true
    const err = handle.readStart()
    if (err) socket.destroy(errnoException(getSystemErrorName(err), err, "read"))
  }
}

/**
 * What a socket holds while the core dials: Node holds the handle it connects, so a destroy then
 * reports 'close' only once the handle is closed, a turn later; this stands in for it.
 */
export const connectingHandle = (): RuntimeHandle =>
  ({
    bytesRead: 0,
    bytesWritten: 0,
    onread: null,
    readStart: () => 0,
    close: (callback: () => void) => setImmediate(callback)
  }) as unknown as RuntimeHandle
