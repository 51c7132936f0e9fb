/**
 * What every implementation's client and echo server look like to a worker, and the two helpers
 * every client uses: `pool` (bounded concurrency) and `now` (the clock of every round). A leaf: it
 * imports nothing of the suite, so the implementations and the loader import it without a cycle.
 */
/** An echo server in this process. */
export interface EchoServer {
  readonly port: number
  readonly open: () => Promise<number>
  readonly errors: () => number
  readonly close: () => Promise<void>
}

/**
 * Where a client connects: `127.0.0.1` by default; `dual` is a name with two addresses, `::1` and
 * `127.0.0.1` (as every dual-stack name has), answered by a lookup function, so that the connect
 * races them and the first answers at once. Its server listens on `::`.
 */
export interface Target {
  readonly dual?: boolean | undefined
}

/** The name of `dual` targets. */
export const DUAL_HOST = "dual-stack.test"

/** A lookup in Node's shape that answers `::1` and `127.0.0.1` for any name, on the next tick. */
export const dualLookup = (
  _hostname: string,
  _options: unknown,
  callback: (error: null, addresses: Array<{ address: string; family: number }>) => void
): void => process.nextTick(callback, null, [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }])

export interface Client {
  /** Writes `bytes` in `writeSize` writes, half-closes, reads the echo to the server's FIN: elapsed ms. */
  readonly bulk: (port: number, bytes: number, writeSize: number) => Promise<number>
  /** `count` round trips of `size` bytes, one at a time: elapsed ms. */
  readonly roundTrips: (port: number, count: number, size: number) => Promise<number>
  /** `count` connections, `inFlight` at once, each exchanging one message of `size` bytes: elapsed ms. */
  readonly connections: (
    port: number,
    count: number,
    inFlight: number,
    size: number,
    target?: Target
  ) => Promise<number>
  /**
   * Opens `count` connections (`inFlight` at once) that each echo one byte and then stay open, idle;
   * resolves once all are open, with what closes them all.
   */
  readonly idle: (port: number, count: number, inFlight: number) => Promise<() => Promise<void>>
}

export interface Implementations extends Client {
  /** An echo server on `host` (default 127.0.0.1), port 0. */
  readonly listen: (host?: string) => Promise<EchoServer>
}

/** Runs `task` `total` times with at most `inFlight` at once. */
export const pool = async (total: number, inFlight: number, task: () => Promise<void>): Promise<void> => {
  let started = 0
  const worker = async () => {
    while (started < total) {
      started++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker))
}

/** The elapsed-time clock of every round. */
export const now = (): number => performance.now()
