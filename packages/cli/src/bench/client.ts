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

export interface Client {
  /** Writes `bytes` in `writeSize` writes, half-closes, reads the echo to the server's FIN: elapsed ms. */
  readonly bulk: (port: number, bytes: number, writeSize: number) => Promise<number>
  /** `count` round trips of `size` bytes, one at a time: elapsed ms. */
  readonly roundTrips: (port: number, count: number, size: number) => Promise<number>
  /** `count` connections, `inFlight` at once, each exchanging one message of `size` bytes: elapsed ms. */
  readonly connections: (port: number, count: number, inFlight: number, size: number) => Promise<number>
}

export interface Implementations extends Client {
  readonly listen: () => Promise<EchoServer>
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
