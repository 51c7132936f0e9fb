/**
 * Design spike (issue #13): a socket that IS the runtime's `net.Socket`, subclassed, with the core
 * doing the dial. Only what the cost benchmark needs: a client `connect({ host: IP, port })` whose
 * dial is `Connection.dial` and whose winning handle the socket adopts, and a server on the core's
 * listener whose accepted handles become sockets of the subclass (`new Socket({ handle })`, the way
 * Node's own server makes them). Not a product: argument handling, errors and events are left out.
 */
import { Connection } from "@netfx/core"
import { NodeTransport, Resolver } from "@netfx/core"
import type { Handle, Listener } from "@netfx/core/Transport"
import { Transport } from "@netfx/core/Transport"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as net from "node:net"

const runtime = Effect.runSync(
  Effect.runtime<Transport | Resolver.Resolver>().pipe(
    Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)),
    Effect.withTracerEnabled(false)
  )
)
const runFork = Runtime.runFork(runtime)

type Internal = Omit<net.Socket, "connecting"> & { connecting: boolean } & Record<string | symbol, unknown>
type RawHandle = Record<string | symbol, unknown>

let ownerSymbol: symbol | undefined
let asyncIdSymbol: symbol | undefined
let noDelaySymbol: symbol | undefined

const symbolNamed = (object: object, name: string) =>
  Object.getOwnPropertySymbols(object).find((s) => s.description === name)

/** The runtime socket behind a core handle (NodeTransport's handle keeps it as `socket`). */
const runtimeSocket = (handle: Handle): Internal => (handle as unknown as { socket: Internal }).socket

/** Moves the libuv handle of `from` (connected by the core) to `to`, as Node's race moves its winner's. */
const adopt = (to: Internal, from: Internal) => {
  const raw = from._handle as RawHandle
  ownerSymbol ??= symbolNamed(raw, "owner_symbol")!
  asyncIdSymbol ??= symbolNamed(from, "async_id_symbol")!
  from._handle = null
  raw[ownerSymbol] = to
  to._handle = raw
  to[asyncIdSymbol] = from[asyncIdSymbol]
}

export class Socket extends net.Socket {
  override connect(...args: Array<unknown>): this {
    const options = args[0] as { host: string; port: number; noDelay?: boolean }
    const cb = args[1] as (() => void) | undefined
    if (typeof cb === "function") this.once("connect", cb)
    const self = this as unknown as Internal
    self.connecting = true
    const scope = Effect.runSync(Scope.make())
    runFork(
      Connection.dial({ host: options.host, port: options.port, autoSelectFamily: false }).pipe(
        Scope.extend(scope),
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => {
            if (Exit.isSuccess(exit)) {
              adopt(self, runtimeSocket(exit.value))
              // lib/net.js afterConnect, the part a client of an IP literal needs.
              self.connecting = false
              self._sockname = null
              noDelaySymbol ??= symbolNamed(self, "kSetNoDelay")
              const raw = self._handle as { setNoDelay: (on: boolean) => void }
              if (noDelaySymbol !== undefined && self[noDelaySymbol]) raw.setNoDelay(true)
              this.emit("connect")
              this.emit("ready")
              if (!this.isPaused()) this.read(0)
            } else {
              this.destroy(new Error("connect failed"))
            }
          })
        ),
        Effect.ensuring(Scope.close(scope, Exit.void))
      ),
      { immediate: true }
    )
    return this
  }
}

/** `net.connect(options, cb)` on the subclass. */
export const connect = (options: { host: string; port: number; noDelay?: boolean }, cb?: () => void) =>
  new Socket(options as net.SocketConstructorOpts).connect(options, cb)

/** A server on the core's listener: each accepted handle's libuv handle becomes a subclass socket. */
export class Server extends net.Server {
  #listener: Listener | undefined
  #scope: Scope.CloseableScope | undefined
  #opts: { allowHalfOpen: boolean; noDelay: boolean }
  #connections = 0
  constructor(options: { allowHalfOpen?: boolean; noDelay?: boolean }, onConnection: (socket: Socket) => void) {
    super()
    this.#opts = { allowHalfOpen: Boolean(options.allowHalfOpen), noDelay: Boolean(options.noDelay) }
    this.on("connection", onConnection)
  }

  override listen(...args: Array<unknown>): this {
    const port = args[0] as number
    const host = args[1] as string
    const cb = args[2] as () => void
    const scope = Effect.runSync(Scope.make())
    this.#scope = scope
    void Runtime.runPromise(runtime)(
      Effect.flatMap(
        Transport,
        (t) => t.listen({ _tag: "Tcp", host, port, backlog: 511, ipv6Only: false, reusePort: false, exclusive: false })
      ).pipe(
        Scope.extend(scope)
      )
    ).then((listener) => {
      this.#listener = listener
      listener.listen({
        onConnection: (handle) => {
          const inner = runtimeSocket(handle)
          const raw = inner._handle
          inner._handle = null
          const socket = new Socket(
            { handle: raw, allowHalfOpen: this.#opts.allowHalfOpen } as unknown as net.SocketConstructorOpts
          )
          if (this.#opts.noDelay) socket.setNoDelay(true)
          this.#connections++
          socket.once("close", () => this.#connections--)
          this.emit("connection", socket)
        },
        onError: () => {}
      })
      cb()
    })
    return this
  }

  override address() {
    const a = this.#listener!.address as { address: string; port: number }
    return { address: a.address, port: a.port, family: "IPv4" }
  }

  override getConnections(cb: (error: Error | null, count: number) => void): this {
    process.nextTick(cb, null, this.#connections)
    return this
  }

  override close(cb?: (error?: Error) => void): this {
    if (this.#scope !== undefined) Effect.runSync(Scope.close(this.#scope, Exit.void))
    this.#scope = undefined
    if (cb) process.nextTick(cb)
    return this
  }
}

export const createServer = (options: { allowHalfOpen?: boolean; noDelay?: boolean }, cb: (s: Socket) => void) =>
  new Server(options, cb)
