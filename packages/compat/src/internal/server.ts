/**
 * `net.Server` on the core: `listen` binds through the core `Transport`, each accepted connection
 * becomes a compat `Socket` around the core `Handle`, and the inbound block list is the core's
 * `BlockList`. The rest follows lib/net.js of Node 20, with `maxConnections = 0` dropping every
 * connection as the reference (Node 21 and later) says.
 */
import { type NetError, NodeTransport, Server as CoreServer } from "@netfx/core"
import type { Handle, ListenEndpoint, Listener } from "@netfx/core/Transport"
import { Transport } from "@netfx/core/Transport"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { EventEmitter } from "node:events"
import { getDefaultHighWaterMark } from "node:stream"
import { BlockList, toCore as blockListToCore } from "../BlockList.js"
import { familyName } from "./addressInfo.js"
import { isPipeName, normalizeArgs, toNumber } from "./connectArgs.js"
import { nodeMajor } from "./connectArgs.js"
import {
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_SERVER_ALREADY_LISTEN,
  ERR_SERVER_NOT_RUNNING
} from "./errors.js"
import { accept } from "./implementation.js"
import { adoptable } from "./runtimeHandle.js"
import { ScopedRun } from "./scoped.js"
import { errnoException, fromSocketError } from "./systemErrors.js"
import { validateAbortSignal, validateNumber, validatePort } from "./validators.js"

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event listeners take any arguments, as in Node
type Listener_ = (...args: Array<any>) => void

/** A listen failure as Node reports it: `listen EADDRINUSE: address already in use 127.0.0.1:80`. */
const fromListenError = (error: NetError.ListenError, endpoint: ListenEndpoint): Error => {
  // A failed lookup of the host is the lookup's own error (`getaddrinfo ENOTFOUND host`).
  if ((error.code.startsWith("ERR_") || error.syscall === "getaddrinfo") && error.cause instanceof Error) {
    return error.cause
  }
  const failure = new Error(error.message) as Error & Record<string, unknown>
  failure.code = error.code
  failure.errno = error.errno
  failure.syscall = error.syscall
  // Node passes what it listened on: a path with port -1, or nothing at all for a descriptor.
  failure.address = endpoint._tag === "Fd" ? null : error.address
  const port = endpoint._tag === "Ipc" ? -1 : error.port
  if (port) failure.port = port
  return failure
}

/**
 * What becomes of an accepted connection (lib/net.js `onconnection`): over `maxConnections` it is
 * dropped (with its addresses for 'drop', none for a pipe), from an address the block list blocks
 * it is closed silently, else accepted. The rule itself is the core's (`Server.dropReason`); this maps
 * its verdict to what compat's server does.
 */
const acceptRule = (
  server: {
    readonly maxConnections: number | undefined
    readonly _connections: number
    readonly blockList: BlockList | undefined
  },
  handle: Handle,
  pipe: boolean
): "accept" | { readonly _tag: "Drop"; readonly data: Record<string, unknown> | undefined } | {
  readonly _tag: "Blocked"
} => {
  // The core's rule (Server.dropReason): over maxConnections first, then a blocked peer.
  const blockList = server.blockList === undefined || pipe ? undefined : blockListToCore(server.blockList)
  const reason = CoreServer.dropReason(
    {
      maxConnections: typeof server.maxConnections === "number" ? server.maxConnections : undefined,
      blockList
    },
    server._connections,
    blockList === undefined ? undefined : handle.remoteAddress()
  )
  if (reason === undefined) return "accept"
  if (reason === "blockList") return { _tag: "Blocked" }
  if (pipe) return { _tag: "Drop", data: undefined }
  const data = Object.create(null) as Record<string, unknown>
  const local = handle.localAddress()
  const remote = handle.remoteAddress()
  if (local !== undefined && typeof local !== "string") {
    data.localAddress = local.address
    data.localPort = local.port
    data.localFamily = familyName(local)
  }
  if (remote !== undefined && typeof remote !== "string") {
    data.remoteAddress = remote.address
    data.remotePort = remote.port
    data.remoteFamily = familyName(remote)
  }
  return { _tag: "Drop", data }
}

/** lib/net.js `listenInCluster`'s key: the address type, the address and the port asked for. */
const connectionKey = (endpoint: ListenEndpoint, listener: Listener): string => {
  if (endpoint._tag !== "Tcp" || typeof listener.address === "string") {
    return endpoint._tag === "Ipc" ? `-1:${endpoint.path}:-1` : "-1:null:-1"
  }
  return `${listener.address.family === "ipv6" ? 6 : 4}:${listener.address.address}:${endpoint.port}`
}

const isListener = (u: unknown): u is Listener =>
  typeof u === "object" && u !== null && "listen" in u && "close" in u && "address" in u && "unref" in u

const DEFAULT_BACKLOG = 511

/**
 * The backlog lib/net.js hands to the system: the first truthy of the option and the argument (else
 * 511), made an int32 as its binding does (`'x'` is 0, 1.5 is 1), so that no runtime gets a string.
 */
const backlogOf = (option: unknown, fromArgs: number | undefined): number =>
  ((option || fromArgs || DEFAULT_BACKLOG) as number) | 0

/** The list child_process keeps of the sockets one child was handed (lib/internal/socket_list.js). */
interface WorkerSocketList {
  readonly once: (event: "exit", listener: (list: WorkerSocketList) => void) => unknown
  readonly getConnections: (callback: (error: Error | null, count: number) => void) => void
  readonly close: (callback: () => void) => void
}

/** `net.Server`. See the module comment. */
export class Server extends EventEmitter {
  _connections = 0
  /** The core listener while listening (Node keeps its libuv handle here; some code checks it). */
  _handle: Listener | null = null
  maxConnections: number | undefined = undefined
  dropMaxConnection = false
  allowHalfOpen: boolean
  pauseOnConnect: boolean
  noDelay: boolean
  keepAlive: boolean
  keepAliveInitialDelay: number
  highWaterMark: number
  blockList: BlockList | undefined = undefined

  /** Node's key of what the server listens on: `'6::::PORT'`, `'4:0.0.0.0:PORT'`, `'-1:PATH:-1'`. */
  _connectionKey: string | undefined = undefined

  #isPipe = false
  /** The bind in flight, while the core binds (after a lookup of the host). */
  #binding: ScopedRun<Listener, NetError.ListenError> | undefined = undefined
  /** The bind whose scope holds the listener. */
  #bound: ScopedRun<Listener, NetError.ListenError> | undefined = undefined
  #pipeName: string | undefined = undefined
  #unref = false
  #listeningId = 0

  constructor(options?: unknown, connectionListener?: Listener_) {
    super()
    let opts: Record<string, unknown>
    if (typeof options === "function") {
      opts = {}
      this.on("connection", options as Listener_)
    } else if (options == null || typeof options === "object") {
      opts = { ...options as object }
      if (typeof connectionListener === "function") this.on("connection", connectionListener)
    } else {
      throw new ERR_INVALID_ARG_TYPE("options", "Object", options)
    }
    if (opts.keepAliveInitialDelay !== undefined) {
      if (validateNumber(opts.keepAliveInitialDelay, "options.keepAliveInitialDelay") < 0) {
        opts.keepAliveInitialDelay = 0
      }
    }
    if (opts.highWaterMark !== undefined) {
      if (validateNumber(opts.highWaterMark, "options.highWaterMark") < 0) {
        opts.highWaterMark = getDefaultHighWaterMark(false)
      }
    }
    // Node keeps the value given (any truthy value means true wherever it is read).
    this.allowHalfOpen = (opts.allowHalfOpen || false) as boolean
    this.pauseOnConnect = Boolean(opts.pauseOnConnect)
    this.noDelay = Boolean(opts.noDelay)
    this.keepAlive = Boolean(opts.keepAlive)
    this.keepAliveInitialDelay = ~~((opts.keepAliveInitialDelay as number | undefined ?? 0) / 1000)
    this.highWaterMark = (opts.highWaterMark as number | undefined) ?? getDefaultHighWaterMark(false)
    // Node (22.13+) checks only a value that is there (a falsy one is no list).
    if (opts.blockList) {
      if (!BlockList.isBlockList(opts.blockList)) {
        throw new ERR_INVALID_ARG_TYPE("options.blockList", "net.BlockList", opts.blockList)
      }
      this.blockList = opts.blockList
    }
  }

  get listening(): boolean {
    return this._handle !== null
  }

  listen(...args: Array<unknown>): this {
    const [normalizedOptions, cb] = normalizeArgs(args)
    let options = normalizedOptions as Record<string, unknown>
    if (this._handle !== null) throw new ERR_SERVER_ALREADY_LISTEN()
    if (cb !== null) this.once("listening", cb)
    // Node binds after a lookup of the host; a second listen() meanwhile finds no handle yet and
    // changes nothing.
    if (this.#binding !== undefined) return this
    const backlogFromArgs = toNumber(args.length > 1 && args[1]) || toNumber(args.length > 2 && args[2]) ||
      undefined
    const handle = (options._handle || options.handle ||
      (NodeTransport.isRuntimeListenHandle(options) ? options : undefined)) as unknown
    if (handle) {
      if (isListener(handle)) return this.#listenOn(handle, "-1:null:-1")
      if (adoptable && NodeTransport.isRuntimeListenHandle(handle)) {
        return this.#listenOnRuntime(handle, backlogFromArgs)
      }
      options = handle as Record<string, unknown>
    }
    this.#listeningId++
    this.#addAbortSignal(options)
    if (typeof options.fd === "number" && options.fd >= 0) {
      this.#bind({ _tag: "Fd", fd: options.fd, backlog: backlogOf(undefined, backlogFromArgs) })
      return this
    }
    if (
      args.length === 0 || typeof args[0] === "function" ||
      (typeof options.port === "undefined" && "port" in options) || options.port === null
    ) {
      options = { ...options, port: 0 }
    }
    if (typeof options.port === "number" || typeof options.port === "string") {
      const port = validatePort(options.port, "options.port")
      if (options.host && typeof options.host !== "string") {
        // dns.lookup's own check, thrown out of listen() as in Node.
        throw new ERR_INVALID_ARG_TYPE("hostname", "string", options.host)
      }
      if (nodeMajor >= 22 && typeof options.host === "string" && options.host.includes("\0")) {
        // dns.lookup's check of Node 22+ (Node 20 looks the name up, and fails with ENOTFOUND).
        throw new ERR_INVALID_ARG_VALUE("hostname", options.host, "must be a string without null bytes")
      }
      const backlog = backlogOf(options.backlog, backlogFromArgs)
      this.#bind({
        _tag: "Tcp",
        host: (options.host as string | undefined) || undefined,
        port,
        backlog,
        ipv6Only: Boolean(options.ipv6Only),
        reusePort: options.reusePort === true,
        exclusive: Boolean(options.exclusive)
      })
      return this
    }
    if (options.path && isPipeName(options.path)) {
      const path = options.path
      const readableAll = options.readableAll === true
      const writableAll = options.writableAll === true
      if ((readableAll || writableAll) && path.startsWith("\0")) {
        throw new ERR_INVALID_ARG_VALUE(
          "options",
          options,
          "can not set readableAll or writableAllt to true when path is abstract unix socket"
        )
      }
      this.#pipeName = path
      this.#bind({
        _tag: "Ipc",
        path,
        backlog: backlogOf(options.backlog, backlogFromArgs),
        readableAll,
        writableAll
      })
      return this
    }
    if (!("port" in options || "path" in options)) {
      throw new ERR_INVALID_ARG_VALUE("options", options, "must have the property \"port\" or \"path\"")
    }
    throw new ERR_INVALID_ARG_VALUE("options", options)
  }

  /** `listen(otherServer)`: takes over another compat server's listening socket, as Node does. */
  #listenOn(listener: Listener, key: string): this {
    this.#isPipe = typeof listener.address === "string"
    if (this.#isPipe && listener.address !== "") this.#pipeName = listener.address as string
    this.#started(listener, undefined, key)
    return this
  }

  /** `listen(nodeServer)` or `listen(nodeServer._handle)`: the runtime's handle, taken over as Node does. */
  #listenOnRuntime(handle: NodeTransport.RuntimeListenHandle, backlog: number | undefined): this {
    const listener = NodeTransport.unsafeListenOn(handle, backlog || DEFAULT_BACKLOG)
    if (!isListener(listener)) {
      const error = Object.assign(fromSocketError(listener), { address: null })
      process.nextTick(() => this.emit("error", error))
      return this
    }
    return this.#listenOn(listener, "-1:null:-1")
  }

  #bind(endpoint: ListenEndpoint): void {
    const id = this.#listeningId
    this.#isPipe = endpoint._tag === "Ipc"
    const run = new ScopedRun<Listener, NetError.ListenError>()
    this.#binding = run
    // Node binds at once unless the host needs a lookup: then the address is readable as soon as
    // listen() returns (`onExit` runs before `start` returns).
    run.start(Effect.flatMap(Transport, (transport) => transport.listen(endpoint)), {
      keep: true,
      isCurrent: () => this.#binding === run && id === this.#listeningId,
      onExit: (exit) => {
        this.#binding = undefined
        if (Exit.isSuccess(exit)) return this.#started(exit.value, run, connectionKey(endpoint, exit.value))
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) return
        const error = fromListenError(failure.value, endpoint)
        process.nextTick(() => this.emit("error", error))
      }
    })
  }

  #started(listener: Listener, bound: ScopedRun<Listener, NetError.ListenError> | undefined, key: string): void {
    this._handle = listener
    this._connectionKey = key
    if (typeof listener.address === "string" && listener.address === "") this.#isPipe = true
    this.#bound = bound
    if (this.#unref) listener.unref()
    const pipe = this.#isPipe
    listener.listen({
      onConnection: (handle) => this.#onConnection(handle, pipe),
      onError: (error) => this.emit("error", errnoException(error.code, error.errno, "accept")),
      // Node's server reads a peer's address only when asked (a getpeername per connection saved).
      peerAtAccept: false,
      // Each accepted socket takes the runtime handle over at once: the transport need not make a
      // socket of its own around it first.
      detachesAtAccept: adoptable
    })
    process.nextTick(() => {
      if (this._handle !== null) this.emit("listening")
    })
  }

  #onConnection(handle: Handle, pipe: boolean): void {
    const verdict = acceptRule(this, handle, pipe)
    if (verdict !== "accept") {
      if (verdict._tag === "Drop") {
        if (verdict.data === undefined) this.emit("drop")
        else this.emit("drop", verdict.data)
      }
      handle.destroy()
      return
    }
    const socket = accept(handle, pipe, {
      allowHalfOpen: this.allowHalfOpen,
      pauseOnCreate: this.pauseOnConnect,
      highWaterMark: this.highWaterMark
    })
    if (socket === undefined) return
    if (this.noDelay) socket.setNoDelay(true)
    if (this.keepAlive) socket.setKeepAlive(true, this.keepAliveInitialDelay * 1000)
    this._connections++
    const owned = socket as typeof socket & { server: unknown; _server: unknown }
    owned.server = this
    owned._server = this
    this.emit("connection", socket)
  }

  address(): { address: string; family: string; port: number } | string | null {
    const listener = this._handle
    if (listener !== null) {
      const bound = listener.address
      if (typeof bound === "string") return this.#pipeName ?? (bound === "" ? null : bound)
      return { address: bound.address, family: familyName(bound), port: bound.port }
    }
    return this.#pipeName ?? null
  }

  close(cb?: (error?: Error) => void): this {
    if (typeof cb === "function") {
      if (this._handle === null && this.#binding === undefined) {
        this.once("close", () => cb(new ERR_SERVER_NOT_RUNNING()))
      } else {
        this.once("close", cb)
      }
    }
    const binding = this.#binding
    if (binding !== undefined) {
      this.#binding = undefined
      this.#listeningId++
      binding.cancel()
    }
    const listener = this._handle
    if (listener !== null) {
      this._handle = null
      const bound = this.#bound
      this.#bound = undefined
      if (bound !== undefined) bound.close()
      else listener.close()
    }
    const workers = this.#workers
    if (workers.length > 0) {
      // lib/net.js: the children close the sockets they were handed, then 'close' (counted once).
      let left = workers.length
      this._connections++
      const onWorkerClose = () => {
        if (--left !== 0) return
        this._connections = 0
        this._emitCloseIfDrained()
      }
      for (const worker of workers) worker.close(onWorkerClose)
    } else {
      this._emitCloseIfDrained()
    }
    return this
  }

  _emitCloseIfDrained(): void {
    if (this._handle !== null || this._connections) return
    process.nextTick(() => this.emit("close"))
  }

  /**
   * lib/net.js `_setupWorker`: `child.send(message, socket)` hands an accepted socket to another
   * process, and tells the server of the list that counts it there.
   */
  _setupWorker(socketList: WorkerSocketList): void {
    this.#workers.push(socketList)
    socketList.once("exit", (list: WorkerSocketList) => {
      const index = this.#workers.indexOf(list)
      if (index !== -1) this.#workers.splice(index, 1)
    })
  }

  #workers: Array<WorkerSocketList> = []

  getConnections(cb: (error: Error | null, count: number) => void): this {
    const workers = this.#workers
    if (workers.length === 0) {
      process.nextTick(cb, null, this._connections)
      return this
    }
    // Sockets handed to child processes count too: each child is asked (lib/net.js).
    let left = workers.length
    let total = this._connections
    const oncount = (error: Error | null, count: number) => {
      if (left < 0) return
      if (error) {
        left = -1
        return process.nextTick(cb, error, 0)
      }
      total += count
      if (--left === 0) process.nextTick(cb, null, total)
    }
    for (const worker of workers) worker.getConnections(oncount)
    return this
  }

  ref(): this {
    this.#unref = false
    this._handle?.ref()
    return this
  }

  unref(): this {
    this.#unref = true
    this._handle?.unref()
    return this
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this._handle === null) return
    return new Promise<void>((resolve, reject) => this.close((error) => error ? reject(error) : resolve()))
  }

  /** lib/net.js `addServerAbortSignalOption`: the listener goes when the server closes. */
  #addAbortSignal(options: Record<string, unknown>): void {
    const signal = validateAbortSignal(options.signal, "options.signal")
    if (signal === undefined) return
    const onAborted = () => this.close()
    if (signal.aborted) {
      process.nextTick(onAborted)
    } else {
      signal.addEventListener("abort", onAborted)
      this.once("close", () => signal.removeEventListener("abort", onAborted))
    }
  }
}
