/**
 * What the suite (the parent process) and a bench worker (a child process) say to each other over
 * the IPC channel of `fork`, and the names both sides share.
 */
import type { TlsRequest } from "./tls.js"

/** The implementations the suite compares. */
export type Implementation = "node:net" | "@netfx/compat" | "@netfx/core" | typeof coreStreamEcho | "NodeSocket"

/**
 * The implementations every scenario compares. `NodeSocket` is `@effect/platform-node`:
 * `NodeSocket.makeNet` as a client, `NodeSocketServer.make` as a server, the Effect alternative a
 * user would pick instead of netfx.
 */
export const implementations: ReadonlyArray<Implementation> = ["node:net", "@netfx/compat", "@netfx/core", "NodeSocket"]

/**
 * `@netfx/core`'s server with the echo the docs show first, `Stream.run(conn.stream, conn.sink)`,
 * where `@netfx/core`'s rows run a `conn.read` / `conn.writeAll` loop: a row of its own where what a
 * connection holds is measured (memory), so that what the idiomatic form costs stays in sight.
 */
export const coreStreamEcho = "@netfx/core Stream.run"

/** Every implementation, in the order of the tables. */
export const tableOrder: ReadonlyArray<Implementation> = [
  "node:net",
  "@netfx/compat",
  "@netfx/core",
  coreStreamEcho,
  "NodeSocket"
]

/** Loopback only: the suite never dials or binds any other address. */
export const HOST = "127.0.0.1"

/** The ways a BlockList can be checked (NodeSocket has none). */
export type BlockListImplementation = Exclude<Implementation, "NodeSocket" | typeof coreStreamEcho>

export type Request =
  /** Starts this worker's echo server (one per worker) with `impl`, on `host` (default 127.0.0.1). */
  | { readonly op: "listen"; readonly impl: Implementation; readonly host?: string | undefined }
  /** The server's open connections, errors and CPU time. */
  | { readonly op: "stats" }
  /** As `stats`, once the server has closed every connection (bounded wait). */
  | { readonly op: "settle" }
  /** `process.memoryUsage()` after collecting garbage. */
  | { readonly op: "memory" }
  /** Closes the server; the worker then exits once nothing is left open. */
  | { readonly op: "close" }
  /** One round of bulk echo as a client: write `bytes` in `writeSize` writes, half-close, read the echo. */
  | {
    readonly op: "bulk"
    readonly impl: Implementation
    readonly port: number
    readonly bytes: number
    readonly writeSize: number
  }
  /** One round of `count` request/reply round trips of `size` bytes as a client. */
  | {
    readonly op: "roundTrips"
    readonly impl: Implementation
    readonly port: number
    readonly count: number
    readonly size: number
  }
  /** `count` connections, `inFlight` at once: connect, send `size` bytes, read the echo, end, closed. */
  | {
    readonly op: "connections"
    readonly impl: Implementation
    readonly port: number
    readonly count: number
    readonly inFlight: number
    readonly size: number
    /** To a name with two addresses (`::1`, `127.0.0.1`), raced; the server listens on `::`. */
    readonly dual?: boolean | undefined
  }
  /** node:net clients: opens `count` connections that echo one byte and then stay open, idle. */
  | { readonly op: "openIdle"; readonly port: number; readonly count: number; readonly inFlight: number }
  /** Closes every idle connection `openIdle` opened, and waits until they are closed. */
  | { readonly op: "closeIdle" }
  /** As `openIdle`, with `impl`'s own client (in the worker that may run `impl`'s server too). */
  | {
    readonly op: "openIdleWith"
    readonly impl: Implementation
    readonly port: number
    readonly count: number
    readonly inFlight: number
  }
  /** Closes what `openIdleWith` opened. */
  | { readonly op: "closeIdleWith" }
  /** The TLS rows' requests (see `tls.ts`). */
  | { readonly op: "tls"; readonly request: TlsRequest }
  /** One round of BlockList checks with `rules` rules, for about `millis`: checks per second. */
  | {
    readonly op: "blockList"
    readonly impl: BlockListImplementation
    readonly rules: number
    readonly millis: number
  }

export interface Stats {
  readonly open: number
  /** Socket errors and failed handlers: zero in a sound run. */
  readonly errors: number
  /** `process.cpuUsage()`, user and system, in microseconds. */
  readonly cpu: number
}

export interface Memory {
  readonly rss: number
  readonly heapUsed: number
  readonly external: number
  /** Whether garbage was collected first (the worker runs with --expose-gc). */
  readonly gc: boolean
}

/** A client round: its elapsed time and the CPU time the worker spent in it. */
export interface ClientRound {
  readonly millis: number
  /** Microseconds, user and system. */
  readonly cpu: number
}

export type Reply =
  | { readonly op: "ready" }
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string }

export type Envelope = Request & { readonly id: number }
