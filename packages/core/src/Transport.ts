/**
 * The one service that touches the operating system. `connect`, `listen` and `open` make sockets
 * only through it: `NodeTransport.layer` uses the runtime's sockets, `TestTransport` simulates a
 * network in memory whose time runs on Effect's `Clock`.
 *
 * A transport deals in `Handle`s: one open socket, with the few operations that netfx builds its
 * `Connection` on. Users rarely meet a handle; they use `Connection`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ListenError, SocketError, TlsError } from "./NetError.js"
import type { SocketAddress } from "./SocketAddress.js"
import type * as Tls from "./Tls.js"

/**
 * Where to connect one attempt: an IP address and port (no name: names are resolved before), or
 * a Unix domain socket path.
 *
 * @since 0.1.0
 * @category models
 */
export type Endpoint =
  | {
    readonly _tag: "Tcp"
    readonly address: string
    readonly port: number
    readonly family: 4 | 6
    readonly localAddress?: string | undefined
    readonly localPort?: number | undefined
  }
  | { readonly _tag: "Ipc"; readonly path: string }

/**
 * What a handle reports while it is open. Each callback is called on the transport's own schedule
 * and must not block.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandleEvents {
  /** Bytes arrived. The handle stops calling this after `pause()` until `resume()`. */
  readonly onData: (chunk: Uint8Array) => void
  /** The peer sent FIN: no more data will arrive. */
  readonly onEnd: () => void
  /** The socket failed (for example `ECONNRESET`). `onClose` follows. */
  readonly onError: (error: SocketError) => void
  /** The write buffer went back under its high-water mark. */
  readonly onDrain: () => void
  /** The socket is closed and its resources released. */
  readonly onClose: () => void
}

/**
 * One open socket. Writes are buffered by the handle: `write` answers whether the buffer is still
 * under its high-water mark, and `onDrain` tells when it is again.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handle {
  /** Starts delivering events. Called once; data that arrived before is delivered then. */
  readonly listen: (events: HandleEvents) => void
  /** Stops reading from the socket (no more `onData`), so that the kernel buffers and the peer backs up. */
  readonly pause: () => void
  /** Reads again after `pause`. */
  readonly resume: () => void
  /**
   * Queues bytes; `false` when the buffer is over its high-water mark (wait for `onDrain`).
   * `callback`, if given, runs once these bytes are handed to the system (or with the error); when
   * the system takes them at once, before `write` returns.
   */
  readonly write: (chunk: Uint8Array | string, callback?: (error?: SocketError) => void) => boolean
  /** Sends FIN once everything queued is written; `callback` runs then (or with the error). */
  readonly end: (callback: (error?: SocketError) => void) => void
  /** Closes at once; queued bytes are dropped. */
  readonly destroy: () => void
  /** Closes at once with a TCP RST (SO_LINGER 0). */
  readonly reset: () => void
  /** Disables Nagle's algorithm (`true`) or enables it (`false`), as Node's `socket.setNoDelay`. */
  readonly setNoDelay: (noDelay: boolean) => void
  /** Keeps the process alive while this socket is open (the default). */
  readonly ref: () => void
  /** Lets the process exit while this socket is open. */
  readonly unref: () => void
  /**
   * Turns TCP keep-alive probes on or off, as Node's `socket.setKeepAlive`: the first probe after
   * `initialDelayMillis` idle, in whole seconds (under a second leaves the system's delay).
   */
  readonly setKeepAlive: (enable: boolean, initialDelayMillis: number) => void
  /** Sets the IP type of service (DSCP/ECN byte); fails where the runtime cannot set it. */
  readonly setTypeOfService: (tos: number) => Effect.Effect<void, SocketError>
  /** The IP type of service the kernel applied (it may mask bits); fails where the runtime cannot read it. */
  readonly getTypeOfService: () => Effect.Effect<number, SocketError>
  /** Bytes received so far. */
  readonly bytesRead: () => number
  /** Bytes written so far, those still queued included, as Node's `socket.bytesWritten`. */
  readonly bytesWritten: () => number
  /** Bytes queued and not yet handed to the system. */
  readonly bufferSize: () => number
  /** The local address (a `SocketAddress`, or the path of a Unix socket); `undefined` if the socket cannot tell. */
  readonly localAddress: () => SocketAddress | string | undefined
  /** The peer's address (a `SocketAddress`, or the path of a Unix socket); `undefined` if the socket cannot tell. */
  readonly remoteAddress: () => SocketAddress | string | undefined
  /** The negotiated TLS session, on a handle that `startTls` secured; absent on a plain one. */
  readonly tls?: Tls.Session | undefined
  /**
   * Hands the runtime's own stream handle (Node's libuv `TCP` or `Pipe` wrap, Deno's `TCPWrap`) to
   * the caller, for adapters whose sockets are the runtime's socket class (`@netfx/compat`): from
   * then on the caller owns the OS socket, and this handle is closed without closing it. Call it
   * before `listen`. Answers `undefined`, and changes nothing, where the transport has no such
   * handle to give (the in-memory transport, Bun's sockets).
   */
  readonly detach?: () => unknown
}

/**
 * What a connection attempt reports, once: the connected handle, or the attempt's error (a
 * `SocketError` with `syscall` `connect`: `ECONNREFUSED`, `ENETUNREACH`, `ENOENT`, ...). Called as
 * methods, on the transport's own schedule, never before `connect` has returned.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectCallbacks {
  /** The attempt connected: the handle is the caller's. */
  readonly onConnect: (handle: Handle) => void
  /** The attempt failed; its socket is already released. */
  readonly onError: (error: SocketError) => void
}

/**
 * A connection attempt in progress. `cancel` abandons it and releases its socket; once the attempt
 * has reported, `cancel` does nothing (a connected handle is the caller's to close).
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingConnect {
  /** Abandons the attempt and releases its socket; no callback follows. */
  readonly cancel: () => void
}

/**
 * A TLS handshake to run over a connected handle, as the client or as the server. The options are
 * checked; `host` is the name the server's certificate is checked against (the connect's host, or
 * the address), `servername` what SNI sends (none for an IP literal, or when turned off).
 *
 * @since 0.1.0
 * @category models
 */
export type TlsHandshake =
  | {
    readonly _tag: "Client"
    readonly options: Tls.ClientOptions
    readonly host: string
    readonly port: number | undefined
    readonly servername: string | undefined
  }
  | { readonly _tag: "Server"; readonly options: Tls.ServerOptions }

/**
 * What a TLS handshake reports, once: the secured handle (which replaces the plain one, and
 * belongs to the caller), or why it failed (the socket is then closed). Called as methods, on the
 * transport's own schedule, never before `startTls` has returned.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsCallbacks {
  /** The handshake succeeded: the secured handle, which replaces the plain one. */
  readonly onSecure: (handle: Handle) => void
  /** The handshake failed; the socket is closed. */
  readonly onError: (error: TlsError) => void
}

/**
 * A TLS handshake in progress; `cancel` abandons it and closes the socket. Once it has reported,
 * `cancel` does nothing.
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingTls {
  /** Abandons the handshake and closes the socket; no callback follows. */
  readonly cancel: () => void
}

/**
 * Where to listen: a TCP port (0 for any free port) on a host (none: every interface, `::` when
 * the system has IPv6, else `0.0.0.0`), or a Unix domain socket path.
 *
 * @since 0.1.0
 * @category models
 */
export type ListenEndpoint =
  | {
    readonly _tag: "Tcp"
    readonly host: string | undefined
    readonly port: number
    readonly backlog: number
    readonly ipv6Only: boolean
    readonly reusePort: boolean
    readonly exclusive: boolean
  }
  | {
    readonly _tag: "Ipc"
    readonly path: string
    readonly backlog: number
    readonly readableAll: boolean
    readonly writableAll: boolean
  }
  | {
    /** A socket already bound (by another process or library), by its file descriptor. */
    readonly _tag: "Fd"
    readonly fd: number
    readonly backlog: number
  }

/**
 * What a listener reports once it is started.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenerEvents {
  /** A connection was accepted; its handle delivers nothing until `listen` is called on it. */
  readonly onConnection: (handle: Handle) => void
  /** Accepting failed (for example `EMFILE`); the listener goes on. */
  readonly onError: (error: SocketError) => void
  /**
   * Whether the transport reads each peer's address at accept, so that a handle can still tell it
   * after the peer reset the connection (a server reports it with every failure). One
   * `getpeername` per connection; `true` when not given. `@netfx/compat` says `false`, as Node's
   * server reads the address only when asked.
   */
  readonly peerAtAccept?: boolean | undefined
  /**
   * Whether the consumer takes each accepted connection's runtime handle at once (`detach`), as
   * `@netfx/compat`'s server does for its sockets. A transport that can then hands out the accepted
   * runtime handle without a socket object made around it first (Node's server makes a `net.Socket`
   * for every connection, which such a consumer would only throw away); anything else asked of the
   * handle makes that socket then. `false` when not given.
   */
  readonly detachesAtAccept?: boolean | undefined
}

/**
 * A bound, listening socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Listener {
  /** The bound address: a `SocketAddress` (with the port the system chose), or the path. */
  readonly address: SocketAddress | string
  /** Starts delivering accepted connections; a later call takes them over from the earlier one. */
  readonly listen: (events: ListenerEvents) => void
  /** Stops accepting at once (a Unix socket file is removed); open connections are left alone. */
  readonly close: () => void
  /** Keeps the process alive while this listener is open (the default). */
  readonly ref: () => void
  /** Lets the process exit while this listener is open. */
  readonly unref: () => void
}

/**
 * The transport service: how netfx connects, listens, wraps open descriptors and runs TLS
 * handshakes. Provide `NodeTransport.layer` for real sockets, `TestTransport.layer` for the
 * simulated network.
 *
 * @since 0.1.0
 * @category services
 */
export class Transport extends Context.Tag("@netfx/core/Transport")<Transport, {
  /**
   * Starts one connection attempt to an endpoint and reports its outcome to `callbacks`, once. A
   * callback-level operation, because a connect is the hottest path there is: `Connection.connect`
   * builds its race, timeouts and scope on top of it without a fiber or a scope per attempt. The
   * handle it reports belongs to the caller, who must close it.
   */
  readonly connect: (endpoint: Endpoint, callbacks: ConnectCallbacks) => PendingConnect
  /**
   * The runtime's default Connection Attempt Delay of the Happy Eyeballs race, in milliseconds
   * (`net.getDefaultAutoSelectFamilyAttemptTimeout()` on Node: 250 ms on Node 20 and 24, 500 ms
   * later), read on each connect that races without a delay of its own.
   */
  readonly defaultAttemptDelay: () => number
  /**
   * Binds and listens. The listener belongs to the scope: closing the scope stops accepting and
   * releases the socket (and removes a Unix socket file).
   */
  readonly listen: (endpoint: ListenEndpoint) => Effect.Effect<Listener, ListenError, Scope.Scope>
  /**
   * Wraps a socket that is already open, by its file descriptor (a TCP or Unix socket handed over
   * by a parent process, a service manager or another library). `readable` / `writable` false
   * leave that direction shut. Fails with `ERR_INVALID_FD_TYPE` for a descriptor that is not a
   * socket. The handle belongs to the scope.
   */
  readonly open: (
    fd: number,
    options: { readonly readable: boolean; readonly writable: boolean }
  ) => Effect.Effect<Handle, SocketError, Scope.Scope>
  /**
   * Runs a TLS handshake over a connected handle of this transport and reports the secured handle
   * that replaces it. The handle is taken over from this call on: nothing more reaches its
   * listener, and on failure or `cancel` its socket is closed. `unread` is what arrived on it and
   * was not read (a STARTTLS peer that spoke first): it goes to the handshake. Bytes queued for
   * writing are written before the handshake starts. The secured handle counts bytes on from the
   * plain one's counts: application bytes, not TLS records.
   *
   * Absent on a transport without TLS: a connect or server with `tls` fails there with
   * `TlsError` `ERR_TLS_UNAVAILABLE`.
   */
  readonly startTls?: (
    handle: Handle,
    unread: ReadonlyArray<Uint8Array>,
    handshake: TlsHandshake,
    callbacks: TlsCallbacks
  ) => PendingTls
  /**
   * Makes (and keeps, for the same options object) what handshakes with these options need, so
   * that key material the runtime cannot use fails at once, before any connection: the runtime's
   * error message, or `undefined` when the options are usable.
   */
  readonly prepareTls?: (
    options: { readonly _tag: "Client"; readonly options: Tls.ClientOptions } | {
      readonly _tag: "Server"
      readonly options: Tls.ServerOptions
    }
  ) => string | undefined
}>() {}
