/**
 * `net.Socket` on the core: the runtime's own `net.Socket`, subclassed, whose connection is made
 * by the core (`Connection.dial`: lookup, block list, the Happy Eyeballs race, timeouts). When the
 * dial has won, the socket takes the winner's runtime handle over (see `runtimeHandle.ts`) and
 * from then on it is the runtime's socket: reading, writing, half-close, timeouts, `ref`, TLS
 * taking over the handle and handle passing are the runtime's own.
 *
 * What compat adds is `connect()` (Node's argument handling, then the core's dial, its events as
 * Node's) and the options Node lacks on older versions (`blockList` before 22.13).
 *
 * On Bun, whose socket cannot take a handle over, `streamSocket.ts` stands in (see README).
 */
import type { Handle } from "@netfx/core/Transport"
import * as net from "node:net"
import { BlockList } from "../BlockList.js"
import { connectArgs, pathTooLong } from "./connectArgs.js"
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_HANDLE_TYPE, ERR_MISSING_ARGS } from "./errors.js"
import { type Dialer, PendingConnect, startConnect } from "./pendingConnect.js"
import {
  adopt,
  afterConnect,
  connectingHandle,
  prepareUserBuffer,
  resetByteCounts,
  type RuntimeHandle,
  type RuntimeSocket
} from "./runtimeHandle.js"
import { validateInt32, validateSocketOptions } from "./validators.js"

/** What a socket was created with. */
export interface SocketOptions {
  readonly [key: string]: unknown
}

/** The runtime's own type-of-service methods (Node 24.6+, 25.6+), if it has them. */
const runtimeTypeOfService = (() => {
  const prototype = net.Socket.prototype as unknown as Record<string, unknown>
  return typeof prototype.setTypeOfService === "function" && typeof prototype.getTypeOfService === "function"
    ? {
      set: prototype.setTypeOfService as (this: net.Socket, tos: number) => net.Socket,
      get: prototype.getTypeOfService as (this: net.Socket) => number
    }
    : undefined
})()
const kTypeOfService = Symbol("netfx.typeOfService")
const kPending = Symbol("netfx.pending")
const kPipe = Symbol("netfx.pipe")
const kAborted = Symbol("netfx.aborted")

/** lib/net.js's own fields of a socket, which this module works with as lib/net.js does. */
const internals = (socket: net.Socket): RuntimeSocket => socket as unknown as RuntimeSocket
const runtimeWrite = net.Socket.prototype.write

/** The runtime handle of a connected core handle, which the core gives up; an error where there is none. */
const detached = (handle: Handle): RuntimeHandle | Error =>
  (handle.detach?.() as RuntimeHandle | undefined) ??
    new Error("@netfx/compat: the transport gave no runtime handle to take over")

/** How a server wants an accepted connection's socket (lib/net.js `onconnection`). */
export interface AcceptOptions {
  readonly allowHalfOpen: boolean
  readonly pauseOnCreate: boolean
  readonly highWaterMark: number
}

/**
 * `net.Socket`. See the module comment.
 */
export class Socket extends net.Socket {
  declare blockList: BlockList | undefined
  // Symbol-keyed rather than private: the stream may call `_destroy` from the runtime's
  // constructor (an aborted `signal`), before private fields exist.
  /** The connect in flight, if any. */
  declare [kPending]: PendingConnect<RuntimeHandle> | undefined
  declare [kPipe]: boolean | undefined
  /** Destroyed by its `signal`: connect() leaves it so (see connect). */
  declare [kAborted]: boolean | undefined

  constructor(options?: SocketOptions | number) {
    // Node's first checks, made here: a runtime's socket (Deno's) may not make them.
    validateSocketOptions(options)
    let opts = options
    let blockList: unknown
    if (typeof opts === "object" && opts !== null && opts.blockList !== undefined) {
      // compat's own BlockList: the runtime's socket (22.13+) would refuse it, and older ones
      // have no such option. Checked after the stream options, as Node does.
      ;({ blockList, ...opts } = opts)
    }
    super(opts as net.SocketConstructorOpts)
    // An aborted signal destroyed the socket in the runtime's constructor, which then revived it
    // (lib/net.js `initSocketHandle`); its AbortError and 'close' are on their way: it stays
    // destroyed, as a program that checks `destroyed` expects.
    if (this[kAborted]) (this as { destroyed: boolean }).destroyed = true
    if (blockList) {
      if (!BlockList.isBlockList(blockList)) {
        throw new ERR_INVALID_ARG_TYPE("options.blockList", "net.BlockList", blockList)
      }
      this.blockList = blockList
    }
    if (!runtimeTypeOfService && typeof opts === "object" && opts !== null && opts.typeOfService !== undefined) {
      validateInt32(opts.typeOfService, "options.typeOfService", 0, 255)
      internals(this)[kTypeOfService] = opts.typeOfService
    }
  }

  /**
   * `socket.setTypeOfService(tos)` (Node 24.6+, 25.6+). Where the runtime has no way to set IP_TOS
   * the value is checked and kept, and `getTypeOfService()` reports it.
   */
  setTypeOfService(tos: number): this {
    if (runtimeTypeOfService) return runtimeTypeOfService.set.call(this, tos) as this
    validateInt32(tos, "tos", 0, 255)
    internals(this)[kTypeOfService] = tos
    return this
  }

  /** `socket.getTypeOfService()`: what was set (see `setTypeOfService`). */
  getTypeOfService(): number {
    if (runtimeTypeOfService) return runtimeTypeOfService.get.call(this) as number
    return (internals(this)[kTypeOfService] as number | undefined) ?? 0
  }

  override connect(...args: Array<unknown>): this {
    const [options, cb] = connectArgs(args)
    if (pathTooLong(options.path) && !this[kAborted]) {
      // A path longer than a Unix socket address holds, which the core refuses before any system
      // call: left to the runtime, which fails it as its version does (Node 24 at once with EINVAL,
      // Node 20 and 22 by connecting to the cut path). There is nothing to resolve or race.
      return super.connect(options as net.IpcSocketConnectOpts, cb ?? undefined)
    }
    if (options.port === undefined && options.path == null) throw new ERR_MISSING_ARGS("options", "port", "path")
    // Node 20-24 revive a socket that its signal destroyed and connect it anyway, after its
    // AbortError and 'close' (or crash on its missing handle); here it stays destroyed.
    if (this[kAborted]) return this
    if (this.write !== runtimeWrite) this.write = runtimeWrite
    const self = internals(this)
    if (this.destroyed) {
      self._handle = null
      self._peername = null
      self._sockname = null
      self._undestroy()
    }
    const path = options.path
    this[kPipe] = Boolean(path)
    if (self._handle === null) {
      // Where Node makes the handle it connects (lib/net.js `initSocketHandle`).
      prepareUserBuffer(self)
      resetByteCounts(self)
    }
    if (cb !== null) this.once("connect", cb)
    self._unrefTimer()
    self.connecting = true
    startConnect(options, this.blockList, () => this.#begin())
    return this
  }

  #begin(): PendingConnect<RuntimeHandle> {
    this[kPending]?.cancel()
    const dialer: Dialer<RuntimeHandle> = {
      take: detached,
      keep: false,
      current: () => this[kPending],
      connected: (handle, pending) => {
        this[kPending] = undefined
        // connect() on a socket that was connected: the old connection is not left open behind it
        // (Node re-connects its one handle in place and emits 'connect' again).
        internals(this)._handle?.close?.()
        try {
          adopt(internals(this), handle)
        } catch (error) {
          handle.close?.()
          this.destroy(error as Error)
          return
        }
        if (this.autoSelectFamilyAttemptedAddresses !== undefined) {
          // From the handle: the socket caches its peer's name only once a program reads it.
          const peer: { address?: string; port?: number } = {}
          handle.getpeername?.(peer)
          pending.settleAttempts(peer.address, peer.port)
        }
        afterConnect(internals(this), handle)
      }
    }
    const pending = new PendingConnect(this, dialer)
    this[kPending] = pending
    return pending
  }

  override _destroy(exception: Error | null, cb: (error?: Error | null) => void): void {
    if (exception?.name === "AbortError" && !this.connecting && internals(this)._handle === null) {
      this[kAborted] = true
    }
    const pending = this[kPending]
    if (pending !== undefined) {
      this[kPending] = undefined
      pending.cancel()
      const self = internals(this)
      if (self._handle === null) self._handle = connectingHandle()
    }
    super._destroy(exception, cb)
  }

  override resetAndDestroy(): this {
    if (this[kPending] !== undefined && !this.destroyed) {
      // Node checks its connecting handle's kind, and resets once connected.
      if (this[kPipe]) throw new ERR_INVALID_HANDLE_TYPE()
      this.once("connect", () => internals(this)._reset())
      return this
    }
    return super.resetAndDestroy()
  }
}

// `socket.bufferSize`: Node holds its handle while it connects, this socket gets its handle at
// 'connect'; either way the bytes written so far are what is buffered. Read on the prototype
// itself, as Node's accessors can be, it is undefined.
Object.defineProperty(Socket.prototype, "bufferSize", {
  configurable: true,
  enumerable: false,
  get(this: Socket) {
    return internals(this)._handle || this.connecting ? this.writableLength : undefined
  }
})

/**
 * The socket of a connection the core's listener accepted: the runtime's handle, taken over from
 * the core, in a socket made as lib/net.js `onconnection` makes it. `undefined` (and the
 * connection closed) where the transport has no runtime handle to give.
 */
export const acceptSocket = (handle: Handle, options: AcceptOptions): Socket | undefined => {
  const runtime = handle.detach?.()
  if (runtime === undefined) {
    handle.destroy()
    return undefined
  }
  return new Socket({
    handle: runtime,
    allowHalfOpen: options.allowHalfOpen,
    pauseOnCreate: options.pauseOnCreate,
    readable: true,
    writable: true,
    readableHighWaterMark: options.highWaterMark,
    writableHighWaterMark: options.highWaterMark
  })
}
