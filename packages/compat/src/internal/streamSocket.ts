/**
 * `net.Socket` on the core: a `stream.Duplex` whose connection is made by `Connection.dial` (lookup,
 * block list, the Happy Eyeballs race) and whose bytes move through the core transport's `Handle`.
 *
 * The stream logic follows lib/net.js of Node 20 closely: where Node calls its libuv handle
 * (`readStart`, `writeBuffer`, `shutdown`, `close`), this calls the core handle (`resume`, `write`,
 * `end`, `destroy`), so that events, their order and the properties a program can read are Node's.
 */
import type { NetError } from "@netfx/core"
import { type Handle, type HandleEvents, Transport } from "@netfx/core/Transport"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { Duplex } from "node:stream"
import { isUint8Array } from "node:util/types"
import { BlockList } from "../BlockList.js"
import { type AddressInfo, addressInfo } from "./addressInfo.js"
import { connectArgs, pathTooLong } from "./connectArgs.js"
import {
  AbortError,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_HANDLE_TYPE,
  ERR_MISSING_ARGS,
  ERR_OUT_OF_RANGE,
  ERR_SOCKET_CLOSED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION
} from "./errors.js"
import { PendingConnect, startConnect } from "./pendingConnect.js"
import { runSyncExit } from "./runtime.js"
import { exceptionWithHostPort, fromSocketError } from "./systemErrors.js"
import {
  validateAbortSignal,
  validateFunction,
  validateInt32,
  validateNumber,
  validateSocketOptions
} from "./validators.js"

type Callback = (error?: Error | null) => void

const TIMEOUT_MAX = 2 ** 31 - 1

/** lib/internal/timers.js `getTimerDuration`. */
const getTimerDuration = (msecs: unknown, name: string): number => {
  const value = validateNumber(msecs, name)
  if (value < 0 || !Number.isFinite(value)) throw new ERR_OUT_OF_RANGE(name, "a non-negative finite number", msecs)
  if (value > TIMEOUT_MAX) {
    process.emitWarning(
      `${value} does not fit into a 32-bit signed integer.\nTimer duration was truncated to ${TIMEOUT_MAX}.`,
      "TimeoutOverflowWarning"
    )
    return TIMEOUT_MAX
  }
  return value
}

/** What a socket was created with, besides the stream options. */
export interface SocketOptions {
  readonly [key: string]: unknown
}

/** The `onread` option: bytes go into the caller's buffer and to its callback instead of 'data'. */
interface OnRead {
  readonly buffer: Uint8Array | (() => Uint8Array)
  readonly callback: (n: number, buf: Uint8Array) => unknown
}

/** The core handle a server accepted, and how the server wants it set up. */
export interface AcceptedHandle {
  readonly handle: Handle
  readonly pauseOnCreate: boolean
  readonly pipe: boolean
}

const kAccepted: unique symbol = Symbol("netfx.accepted") as never
const kAcceptedKey = kAccepted as unknown as string

/**
 * `net.Socket`. See the module comment.
 */
export class Socket extends Duplex {
  connecting = false
  server: unknown = null
  _server: { _connections: number; _emitCloseIfDrained: () => void } | null = null
  override allowHalfOpen: boolean
  // Set only when used, as Node's own socket does (and no memory for them until then).
  declare timeout: number | undefined
  declare autoSelectFamilyAttemptedAddresses: Array<string> | undefined
  declare blockList: BlockList | undefined
  declare _aborted: boolean | undefined

  #handle: Handle | undefined = undefined
  #handleClosed = false
  /** Whether Node would hold a handle: from `connect()` (or accept) until destroy. */
  #opened = false
  #reading = false
  #scope: Scope.CloseableScope | undefined = undefined
  #peername: AddressInfo | undefined = undefined
  #sockname: AddressInfo | undefined = undefined
  #bytesRead = 0
  #bytesDispatched = 0
  #pendingData: unknown = null
  #pendingEncoding = ""
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  #lastWriteQueueSize = 0
  #noDelay: boolean
  #keepAlive: boolean
  #keepAliveInitialDelay: number
  #typeOfService: number | undefined = undefined
  #unref = false
  #resetAndClosing = false
  #onread: OnRead | undefined

  constructor(options?: SocketOptions | number) {
    let opts: Record<string, unknown>
    if (typeof options === "number") opts = { fd: options }
    else opts = { ...options }
    validateSocketOptions(opts)
    if ((opts.keepAliveInitialDelay as number) < 0) opts.keepAliveInitialDelay = 0
    const accepted = opts[kAcceptedKey] as AcceptedHandle | undefined
    delete opts[kAcceptedKey]
    const allowHalfOpen = Boolean(opts.allowHalfOpen)
    // The signal is the socket's own business (see #addAbortSignal), not the stream's; the stream
    // checks it, under its own name, after its other options, and so does this.
    const { signal: _signal, ...streamOptions } = opts
    super(
      {
        ...streamOptions,
        allowHalfOpen,
        // Node's own choices for sockets: 'close' comes from the handle, strings go down as they are.
        emitClose: false,
        autoDestroy: true,
        decodeStrings: false
      } as ConstructorParameters<typeof Duplex>[0]
    )
    this.allowHalfOpen = allowHalfOpen
    // In Node's order: the stream's checks (above), the signal's, then the descriptor's.
    if (opts.signal) validateAbortSignal(opts.signal, "signal")
    if (opts.fd !== undefined) validateInt32(opts.fd, "fd", 0)

    const onread = opts.onread as { buffer?: unknown; callback?: unknown } | null | undefined
    if (
      onread !== null && typeof onread === "object" &&
      // Node's check (lib/net.js): a Uint8Array or a function; any other view (a DataView) leaves
      // onread unused, and the bytes come as 'data'.
      (isUint8Array(onread.buffer) || typeof onread.buffer === "function") &&
      typeof onread.callback === "function"
    ) {
      this.#onread = {
        buffer: onread.buffer as Uint8Array | (() => Uint8Array),
        callback: onread.callback as (n: number, buf: Uint8Array) => unknown
      }
    }
    this.#noDelay = Boolean(opts.noDelay)
    this.#keepAlive = Boolean(opts.keepAlive)
    this.#keepAliveInitialDelay = ~~((opts.keepAliveInitialDelay as number | undefined ?? 0) / 1000)
    if (opts.typeOfService !== undefined) {
      validateInt32(opts.typeOfService, "options.typeOfService", 0, 255)
      this.#typeOfService = opts.typeOfService
    }
    // A falsy blockList (null, 0, '') is no list at all, as in Node.
    if (opts.blockList) {
      if (!BlockList.isBlockList(opts.blockList)) {
        throw new ERR_INVALID_ARG_TYPE("options.blockList", "net.BlockList", opts.blockList)
      }
      this.blockList = opts.blockList as BlockList
    }
    this.on("end", onReadableStreamEnd)

    if (opts.fd !== undefined) {
      this.#openFd(opts.fd as number, opts.readable !== false, opts.writable !== false)
      if (opts.readable !== false) this.read(0)
    } else if (accepted !== undefined) {
      this.#opened = true
      this.#isPipe = accepted.pipe
      this.#attach(accepted.handle)
      if (accepted.pauseOnCreate) {
        this.#reading = false
        accepted.handle.pause()
        ;(this as unknown as { _readableState: { flowing: boolean | null } })._readableState.flowing = false
      } else {
        this.read(0)
      }
    }
    if (opts.signal) this.#addAbortSignal(opts.signal)
  }

  /** `new Socket({ fd })`: the core transport wraps the descriptor, synchronously as in Node. */
  #openFd(fd: number, readable: boolean, writable: boolean): void {
    const scope = Effect.runSync(Scope.make())
    const exit = runSyncExit(
      Effect.flatMap(Transport, (transport) => transport.open(fd, { readable, writable })).pipe(Scope.extend(scope))
    )
    if (Exit.isFailure(exit)) {
      Effect.runSync(Scope.close(scope, Exit.void))
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) throw fromSocketError(failure.value)
      throw Cause.squash(exit.cause)
    }
    const handle = exit.value
    this.#scope = scope
    this.#opened = true
    this.#isPipe = handle.localAddress() === undefined || typeof handle.localAddress() === "string"
    this.#attach(handle)
    if (!readable) {
      this.#reading = false
      handle.pause()
    }
  }

  /** Wraps a handle a server accepted (the server's `'connection'`). */
  static fromAccepted(accepted: AcceptedHandle, options: Record<string, unknown>): Socket {
    return new Socket({ ...options, [kAccepted]: accepted } as unknown as SocketOptions)
  }

  // ---------------------------------------------------------------- properties

  // Each accessor first checks that `this` is a socket: read on `Socket.prototype` itself (as some
  // libraries do to probe for a property) it answers as Node's accessors do, not with a TypeError.

  get pending(): boolean {
    if (!(#opened in this)) return true
    return !this.#opened || this.connecting
  }

  /** lib/net.js's old name of `connecting`, which libraries still read. */
  get _connecting(): boolean {
    return this.connecting
  }

  get readyState(): string {
    if (this.connecting) return "opening"
    if (this.readable && this.writable) return "open"
    if (this.readable && !this.writable) return "readOnly"
    if (!this.readable && this.writable) return "writeOnly"
    return "closed"
  }

  get bufferSize(): number | undefined {
    if (!(#opened in this)) return undefined
    // The stream holds every byte until the handle has handed it to the system (one write at a
    // time), so its length is what Node's writableLength + writeQueueSize counts.
    if (this.#handle !== undefined || this.#opened) return this.writableLength
    return undefined
  }

  get bytesRead(): number {
    if (!(#handle in this)) return undefined as unknown as number
    return this.#handle !== undefined ? this.#handle.bytesRead() : this.#bytesRead
  }

  get bytesWritten(): number | undefined {
    if (!(#bytesDispatched in this)) return undefined
    let bytes = this.#bytesDispatched
    const buffered = (this as unknown as { writableBuffer?: unknown }).writableBuffer as
      | Array<{ chunk: unknown; encoding: BufferEncoding }>
      | undefined
    if (!buffered) return undefined
    for (const el of buffered) {
      bytes += Buffer.isBuffer(el.chunk)
        ? el.chunk.length
        : Buffer.byteLength(el.chunk as string, el.encoding)
    }
    const data = this.#pendingData
    if (Array.isArray(data)) {
      for (const chunk of data as Array<{ chunk: unknown; encoding: BufferEncoding }>) {
        bytes += Buffer.isBuffer(chunk.chunk)
          ? chunk.chunk.length
          : Buffer.byteLength(chunk.chunk as string, chunk.encoding)
      }
    } else if (data) {
      bytes += typeof data === "string"
        ? Buffer.byteLength(data, this.#pendingEncoding as BufferEncoding)
        : (data as Uint8Array).length
    }
    return bytes
  }

  get remoteAddress(): string | undefined {
    return #handle in this ? this.#getpeername().address : undefined
  }
  get remoteFamily(): string | undefined {
    return #handle in this ? this.#getpeername().family : undefined
  }
  get remotePort(): number | undefined {
    return #handle in this ? this.#getpeername().port : undefined
  }
  get localAddress(): string | undefined {
    return #handle in this ? this.#getsockname().address : undefined
  }
  get localPort(): number | undefined {
    return #handle in this ? this.#getsockname().port : undefined
  }
  get localFamily(): string | undefined {
    return #handle in this ? this.#getsockname().family : undefined
  }

  address(): AddressInfo {
    return this.#getsockname()
  }

  #getpeername(): AddressInfo {
    if (this.#handle === undefined || this.connecting) return this.#peername ?? {}
    if (this.#peername === undefined) {
      const info = addressInfo(this.#handle.remoteAddress())
      if (info.address === undefined) return info
      this.#peername = info
    }
    return this.#peername
  }

  #getsockname(): AddressInfo {
    if (this.#handle === undefined) return {}
    if (this.#sockname === undefined) this.#sockname = addressInfo(this.#handle.localAddress())
    return this.#sockname
  }

  // ---------------------------------------------------------------- connect

  connect(...args: Array<unknown>): this {
    const [options, cb] = connectArgs(args)
    if (options.port === undefined && options.path == null) throw new ERR_MISSING_ARGS("options", "port", "path")
    // Node 20-24 revive a socket whose signal was aborted before connect() and connect it anyway
    // after its AbortError and 'close' (or crash on its missing handle); it stays destroyed here.
    if (this._aborted) return this
    if (this.write !== Socket.prototype.write) this.write = Socket.prototype.write
    if (this.destroyed) {
      this.#peername = undefined
      this.#sockname = undefined
      this.#handleClosed = false
      ;(this as unknown as { _undestroy: () => void })._undestroy()
    }
    const path = options.path
    this.#isPipe = Boolean(path)
    this.#opened = true
    if (cb !== null) this.once("connect", cb)
    if (pathTooLong(path)) {
      // Node 24+ (and Bun) fail it in connect() itself, as the system call does: the socket is
      // destroyed before connect() returns, with no connection attempt to report.
      this.destroy(exceptionWithHostPort("EINVAL", undefined, "connect", path, undefined))
      return this
    }
    this.#refreshTimer()
    this.connecting = true
    startConnect(options, this.blockList, () => this.#begin())
    return this
  }

  #begin(): PendingConnect<Handle> {
    this.#pending?.cancel()
    const pending = new PendingConnect<Handle>(this, {
      take: (handle) => handle,
      keep: true,
      current: () => this.#pending,
      connected: (handle, pending) => this.#connected(handle, pending)
    })
    this.#pending = pending
    return pending
  }

  /** The pending connect while connecting; the one whose scope holds the connection after. */
  #pending: PendingConnect<Handle> | undefined = undefined
  #connection: PendingConnect<Handle> | undefined = undefined

  #connected(handle: Handle, pending: PendingConnect<Handle>): void {
    this.#pending = undefined
    this.#connection = pending
    this.connecting = false
    this.#sockname = undefined
    this.#attach(handle)
    const remote = handle.remoteAddress()
    if (remote !== undefined && typeof remote !== "string") pending.settleAttempts(remote.address, remote.port)
    this.#refreshTimer()
    if (this.#noDelay) handle.setNoDelay(true)
    if (this.#keepAlive) handle.setKeepAlive(true, this.#keepAliveInitialDelay * 1000)
    if (this.#typeOfService !== undefined) this.#applyTypeOfService(this.#typeOfService)
    if (this.#unref) handle.unref()
    this.emit("connect")
    this.emit("ready")
    if (!this.isPaused()) this.read(0)
  }

  #attach(handle: Handle): void {
    this.#handle = handle
    this.#handleClosed = false
    // Nothing is read until the stream asks (`_read`, from `read(0)` once connected or accepted),
    // as Node starts reading only then: a socket paused in its 'connect' listener never reads, and
    // keeps no process alive.
    this.#reading = false
    handle.listen(new Socket.#Events(this, handle))
    handle.pause()
  }

  /**
   * What the handle reports, forwarded to its socket: one small object per socket, its methods on
   * the prototype, rather than five closures (servers hold thousands of sockets).
   */
  static #Events = class implements HandleEvents {
    constructor(readonly socket: Socket, readonly handle: Handle) {}
    onData(chunk: Uint8Array): void {
      this.socket.#onData(this.handle, chunk)
    }
    onEnd(): void {
      const socket = this.socket
      if (socket.#handle !== this.handle) return
      socket.push(null)
      socket.read(0)
    }
    onError(error: NetError.SocketError): void {
      const socket = this.socket
      if (socket.#handle !== this.handle) return
      socket.destroy(fromSocketError(error))
    }
    onDrain(): void {}
    onClose(): void {
      const socket = this.socket
      socket.#handleClosed = true
      if (socket.#closePending !== undefined) {
        const hadError = socket.#closePending
        socket.#closePending = undefined
        socket.emit("close", hadError)
      }
    }
  }

  #closePending: boolean | undefined = undefined

  #onData(handle: Handle, chunk: Uint8Array): void {
    if (this.#handle !== handle) return
    this.#refreshTimer()
    const onread = this.#onread
    if (onread !== undefined) {
      this.#deliverToOnread(handle, onread, chunk)
      return
    }
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    const more = this.push(buffer)
    if (this.#reading && !more) {
      this.#reading = false
      handle.pause()
    }
  }

  #deliverToOnread(handle: Handle, onread: OnRead, chunk: Uint8Array): void {
    let offset = 0
    while (offset < chunk.length) {
      const target: ArrayBufferView = typeof onread.buffer === "function" ? onread.buffer() : onread.buffer
      // Any view of memory, as Node's handle takes it (a DataView too); the callback gets that very
      // buffer, as Node gives it.
      const bytes = target instanceof Uint8Array
        ? target
        : new Uint8Array(target.buffer, target.byteOffset, target.byteLength)
      const n = Math.min(bytes.length, chunk.length - offset)
      if (n === 0) break
      bytes.set(chunk.subarray(offset, offset + n), 0)
      offset += n
      if (onread.callback.call(this, n, target as Uint8Array) === false) {
        this.#reading = false
        handle.pause()
      }
    }
  }

  // ---------------------------------------------------------------- reading

  override _read(n: number): void {
    if (this.connecting || this.#handle === undefined) {
      this.once("connect", () => this._read(n))
    } else if (!this.#reading) {
      this.#reading = true
      this.#handle.resume()
    }
  }

  override pause(): this {
    if (this.#onread !== undefined && !this.connecting && this.#handle !== undefined && this.#reading) {
      this.#reading = false
      if (!this.destroyed) this.#handle.pause()
    }
    return super.pause()
  }

  override resume(): this {
    if (this.#onread !== undefined && !this.connecting && this.#handle !== undefined && !this.#reading) {
      this.#reading = true
      this.#handle.resume()
    }
    return super.resume()
  }

  // ---------------------------------------------------------------- writing

  override _write(chunk: unknown, encoding: BufferEncoding, cb: Callback): void {
    this.#writeGeneric(false, chunk, encoding, cb)
  }

  override _writev(chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, cb: Callback): void {
    this.#writeGeneric(true, chunks, "", cb)
  }

  #writeGeneric(writev: boolean, data: unknown, encoding: string, cb: Callback): void {
    if (this.connecting) {
      this.#pendingData = data
      this.#pendingEncoding = encoding
      const onClose = () => cb(new ERR_SOCKET_CLOSED_BEFORE_CONNECTION())
      this.once("connect", () => {
        this.off("close", onClose)
        this.#writeGeneric(writev, data, encoding, cb)
      })
      this.once("close", onClose)
      return
    }
    this.#pendingData = null
    this.#pendingEncoding = ""
    const handle = this.#handle
    if (handle === undefined) {
      cb(new ERR_SOCKET_CLOSED())
      return
    }
    this.#refreshTimer()
    const done = (error?: NetError.SocketError) => cb(error === undefined ? undefined : fromSocketError(error))
    if (writev) {
      const chunks = data as Array<{ chunk: unknown; encoding: BufferEncoding }>
      for (let i = 0; i < chunks.length; i++) {
        const { chunk, encoding: enc } = chunks[i]!
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, enc) : chunk as Uint8Array
        this.#bytesDispatched += bytes.length
        handle.write(bytes, i === chunks.length - 1 ? done : undefined)
      }
    } else {
      const bytes = typeof data === "string" ? Buffer.from(data, encoding as BufferEncoding) : data as Uint8Array
      this.#bytesDispatched += bytes.length
      handle.write(bytes, done)
    }
    this.#lastWriteQueueSize = handle.bufferSize()
  }

  override _final(cb: Callback): void {
    // Node 22+: only a connecting socket waits; one never connected finishes at once.
    if (this.connecting) {
      this.once("connect", () => this._final(cb))
      return
    }
    const handle = this.#handle
    if (handle === undefined) return cb()
    handle.end((error) => cb(error === undefined ? undefined : fromSocketError(error)))
  }

  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once("finish", this.destroy)
  }

  resetAndDestroy(): this {
    if (this.#opened && !this.destroyed) {
      if (this.#isPipe) throw new ERR_INVALID_HANDLE_TYPE()
      if (this.connecting) {
        this.once("connect", () => this.#reset())
      } else {
        this.#reset()
      }
    } else {
      this.destroy(new ERR_SOCKET_CLOSED())
    }
    return this
  }

  #isPipe = false

  #reset(): void {
    this.#resetAndClosing = true
    this.destroy()
  }

  override _destroy(exception: Error | null, cb: (error?: Error | null) => void): void {
    this.connecting = false
    this.#clearTimer()
    const hadError = Boolean(exception)
    const handle = this.#handle
    if (handle !== undefined) {
      this.#bytesRead = handle.bytesRead()
      if (this.#resetAndClosing) {
        this.#resetAndClosing = false
        handle.reset()
      } else {
        handle.destroy()
      }
      this.#handle = undefined
      this.#sockname = undefined
      this.#opened = false
      if (this.#handleClosed) setImmediate(() => this.emit("close", hadError))
      else this.#closePending = hadError
      const scope = this.#scope
      this.#scope = undefined
      if (scope !== undefined) Effect.runSync(Scope.close(scope, Exit.void))
      const connection = this.#connection
      this.#connection = undefined
      connection?.close()
      cb(exception)
    } else if (this.#opened) {
      // Still connecting: abandon the attempt; Node's handle close reports 'close' a turn later.
      this.#opened = false
      const pending = this.#pending
      this.#pending = undefined
      pending?.cancel()
      cb(exception)
      setImmediate(() => this.emit("close", hadError))
    } else {
      cb(exception)
      process.nextTick(() => this.emit("close"))
    }
    const server = this._server
    if (server !== null) {
      server._connections--
      server._emitCloseIfDrained()
    }
  }

  // ---------------------------------------------------------------- options

  setNoDelay(enable?: boolean): this {
    const value = Boolean(enable === undefined ? true : enable)
    if (this.#handle === undefined) {
      this.#noDelay = value
      return this
    }
    if (value !== this.#noDelay) {
      this.#noDelay = value
      this.#handle.setNoDelay(value)
    }
    return this
  }

  setKeepAlive(enable?: boolean, initialDelayMsecs?: number): this {
    const value = Boolean(enable)
    const initialDelay = ~~((initialDelayMsecs ?? 0) / 1000)
    if (this.#handle === undefined) {
      this.#keepAlive = value
      this.#keepAliveInitialDelay = initialDelay
      return this
    }
    if (value !== this.#keepAlive || (value && this.#keepAliveInitialDelay !== initialDelay)) {
      this.#keepAlive = value
      this.#keepAliveInitialDelay = initialDelay
      this.#handle.setKeepAlive(value, initialDelay * 1000)
    }
    return this
  }

  setTypeOfService(tos: number): this {
    validateInt32(tos, "tos", 0, 255)
    this.#typeOfService = tos
    if (this.#handle !== undefined && !this.connecting) this.#applyTypeOfService(tos)
    return this
  }

  getTypeOfService(): number {
    return this.#typeOfService ?? 0
  }

  #applyTypeOfService(tos: number): void {
    const handle = this.#handle
    if (handle === undefined) return
    // Where the runtime cannot set IP_TOS (before Node 25.6) the value is kept and reported by
    // getTypeOfService(), but not applied to the socket.
    Effect.runFork(Effect.ignore(handle.setTypeOfService(tos)))
  }

  setTimeout(msecs: number, callback?: () => void): this {
    if (this.destroyed) return this
    this.timeout = msecs
    const duration = getTimerDuration(msecs, "msecs")
    this.#clearTimer()
    if (duration === 0) {
      if (callback !== undefined) {
        validateFunction(callback, "callback")
        this.removeListener("timeout", callback)
      }
    } else {
      this.#timer = setTimeout(() => this.#onTimeout(), duration)
      this.#timer.unref()
      if (callback !== undefined) {
        validateFunction(callback, "callback")
        this.once("timeout", callback)
      }
    }
    return this
  }

  #onTimeout(): void {
    const handle = this.#handle
    const last = this.#lastWriteQueueSize
    if (last > 0 && handle !== undefined) {
      // A write is still being flushed: that is activity, not idleness.
      const size = handle.bufferSize()
      if (last !== size) {
        this.#lastWriteQueueSize = size
        this.#refreshTimer()
        return
      }
    }
    this.emit("timeout")
  }

  #refreshTimer(): void {
    this.#timer?.refresh()
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  ref(): this {
    if (this.#handle === undefined) {
      this.#unref = false
      return this
    }
    this.#handle.ref()
    return this
  }

  unref(): this {
    if (this.#handle === undefined) {
      this.#unref = true
      return this
    }
    this.#handle.unref()
    return this
  }

  #addAbortSignal(value: unknown): void {
    const signal = validateAbortSignal(value, "options.signal")
    if (signal === undefined) return
    const onAbort = () => {
      signal.removeEventListener("abort", onAbort)
      this._aborted = true
      this.destroy(new AbortError(undefined, { cause: signal.reason }))
    }
    // Aborted already: the socket is destroyed before it has a handle (Node's stream does this in
    // its constructor), and connect() will not revive it.
    if (signal.aborted) onAbort()
    // At once, as lib/net.js does: a signal without addEventListener throws from the constructor,
    // not later as an uncaught exception.
    else {
      signal.addEventListener("abort", onAbort, { once: true })
      // Node's addAbortSignal (lib/internal/streams/add-abort-signal.js) removes it once the stream
      // is finished, so a long-lived signal does not keep every closed socket alive.
      this.once("close", () => signal.removeEventListener("abort", onAbort))
    }
  }
}

/** A socket whose peer has ended: with allowHalfOpen false, writing is an error from now on. */
function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) this.write = writeAfterFIN as Socket["write"]
}

function writeAfterFIN(this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
  if (!this.writableEnded) {
    return (Duplex.prototype.write as (...args: Array<unknown>) => boolean).call(this, chunk, encoding, cb)
  }
  if (typeof encoding === "function") {
    cb = encoding
    encoding = null
  }
  const error = Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" })
  if (typeof cb === "function") process.nextTick(cb as Callback, error)
  this.destroy(error)
  return false
}
