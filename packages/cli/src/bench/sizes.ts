/**
 * The sizes of a run: full, or `quick` (a smoke test of a few seconds, not numbers to compare).
 */

export interface Sizes {
  /** A smoke run: small sizes, one round. */
  readonly quick: boolean
  readonly rounds: number
  readonly warmUps: number
  /** A round of connections is thousands of them: one warm-up round is enough to optimise. */
  readonly connectionWarmUps: number
  readonly bulkBytes: number
  readonly writeSize: number
  readonly roundTrips: number
  readonly messageSize: number
  readonly connections: number
  readonly inFlight: number
  readonly idle: number
  readonly memoryRounds: number
  readonly blockListRules: number
  readonly blockListMillis: number
  readonly blockListRounds: number
  /** The longest one request to a worker may take before its implementation is failed. */
  readonly requestMillis: number
}

export const MiB = 1024 * 1024

export const sizesOf = (quick: boolean): Sizes => ({
  quick,
  rounds: quick ? 1 : 5,
  warmUps: quick ? 0 : 2,
  connectionWarmUps: quick ? 0 : 1,
  bulkBytes: (quick ? 8 : 256) * MiB,
  writeSize: 64 * 1024,
  roundTrips: quick ? 1_000 : 20_000,
  messageSize: 64,
  connections: quick ? 200 : 3_000,
  inFlight: 50,
  idle: quick ? 200 : 2_000,
  memoryRounds: quick ? 1 : 3,
  blockListRules: 10_000,
  blockListMillis: quick ? 50 : 200,
  blockListRounds: quick ? 1 : 7,
  requestMillis: quick ? 20_000 : 60_000
})

/** A count with thousands separators: 20,000. */
export const count = (n: number): string => n.toLocaleString("en-US")
