/**
 * The benchmark suite: node:net, @netfx/compat, @netfx/core and @effect/platform-node (NodeSocket)
 * in the same run, rounds alternating between them, medians and ratios against node:net.
 *
 * Every measured side runs in a worker process of its own (`worker.ts`, forked with `--expose-gc`),
 * so its CPU time and memory are its own and, on two cores, the two ends of a connection do not
 * share one event loop. Everything is on 127.0.0.1. Each scenario says which side varies:
 *
 * - bulk (client side): the client writes 256 MiB in 64 KiB writes to an echo server, half-closes,
 *   and reads the echo up to the server's FIN; the client counts every byte and fails the round if
 *   one is missing. Timed from connected to the last byte: MiB/s each way, and the client's CPU time
 *   per GiB echoed. The server is one node:net echo server in its own worker, the same for every
 *   client, so only the client differs.
 * - round-trips (client side): 20,000 round trips of a 64 B request and its 64 B echo, one at a
 *   time, no-delay on both ends, against the same node:net echo server; a reply of more than 64 B
 *   fails the round. Round trips per second, and client CPU time per round trip.
 * - connections (both sides, two sets of rows): 3,000 connections a round, 50 in flight; each
 *   connects, sends 64 B, reads the 64 B echo, ends, and waits until the socket is closed (both
 *   FINs). Timed from the first connect to the last close: connections per second.
 *   - client rows: the implementation is the client, against the node:net echo server; plus the
 *     client's CPU time per connection.
 *   - server rows: the implementation is the echo server (each in its own worker), driven by
 *     node:net clients in another worker; plus the server's CPU time per connection, counted until
 *     it has closed every socket. The server must report no error and end with none open.
 * - memory (server side): for each measurement a fresh worker runs the implementation's echo
 *   server. After a warm-up (2,000 connections opened and closed), it collects garbage and reads
 *   `process.memoryUsage()`; node:net clients in another worker then open 2,000 connections, each
 *   echoing one byte (so the server is known to be reading it), and the server collects garbage and
 *   reads again. The difference per connection: heap and RSS. RSS counts only pages touched anew,
 *   so it is the noisier of the two. What is left once every connection has closed is reported as
 *   a leak check.
 * - blocklist (in one worker): `check` on 10,000 rules (IPv4 addresses and ranges, IPv6 subnets)
 *   with 1,024 queries (hits and misses, both families): node:net's `BlockList`, `@netfx/core`'s
 *   `BlockList.check`, `@netfx/compat`'s `BlockList`. Every answer is first checked against
 *   node:net's. Checks per second. NodeSocket has no BlockList.
 *
 * How each implementation is written (see `implementations.ts`): node:net with `write`'s return value
 * and `'data'` events; @netfx/compat is that very code given `@netfx/compat` instead of `node:net`
 * as its module; @netfx/core with `Connection.connect`, `conn.write`, `conn.stream` / `conn.read`
 * and `Server.serve` with a `conn.read` / `conn.writeAll` loop (`NETFX_CORE_ECHO=stream` measures
 * `Stream.run(conn.stream, conn.sink)` instead); NodeSocket with `socket.writer`
 * and `socket.run`.
 *
 * Rounds: after 2 warm-up rounds of each implementation (Effect's runtime takes longer than a few
 * callbacks to be optimised; 1 for connections, whose rounds are thousands of connections), 5
 * measured rounds (3 for memory, 7 for blocklist); each round runs every implementation once, in
 * an order rotated from round to round so that none always runs on the machine state another left
 * behind. An implementation that fails (throws, times out, loses a byte, its worker dies) is
 * reported as "n/a (why)" for that scenario, and the others go on. `quick` runs one round of each
 * with no warm-up, 8 MiB, 1,000 round trips, 200 connections, 200 idle connections: a smoke test,
 * not numbers to compare.
 *
 * Targets, for @netfx/compat and @netfx/core against node:net in the same run: bulk at least 0.9x,
 * round trips 0.85x, connections per second 0.85x, memory per connection at most 1.5x, and ahead
 * of NodeSocket on each of those rows (when NodeSocket has a result). They are benchmark targets,
 * not test assertions: the table says whether each is met. CPU rows and the blocklist rows are for
 * information.
 *
 * Sources or build: by default (from source) the workers run the TypeScript sources through tsx,
 * whose esbuild `keepNames` costs some heap and CPU per closure that compiled code does not pay;
 * `NETFX_BENCH_MODE=dist` (or `mode: "dist"`) runs the built packages (`npm run build` first). The
 * result says which. `NETFX_BENCH_WORKER_FLAGS` adds runtime flags to the workers, for example
 * `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile each side.
 *
 *   npx tsx --conditions=@netfx/source packages/cli/src/bench/run.ts [--quick] [--json] [--only bulk,memory]
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import { checkDist, defaultMode, killAll, type Mode, spawnWorker, type Worker } from "./children.js"
import {
  type BlockListImplementation,
  type ClientRound,
  type Implementation,
  implementations,
  type Memory,
  type Stats
} from "./protocol.js"
import * as tlsRows from "./tls.js"

export type { Mode } from "./children.js"
export type { Implementation } from "./protocol.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface BenchOptions {
  /** Small sizes and one round, for a smoke test of a few seconds. */
  readonly quick: boolean
  /** The scenarios to run (names of `scenarioNames`); all when undefined. */
  readonly only: ReadonlyArray<string> | undefined
  readonly onProgress: (event: ProgressEvent) => void
  /** Sources through tsx or the built packages; default `NETFX_BENCH_MODE`, else `source` from source. */
  readonly mode?: Mode | undefined
}

/**
 * Reported before and after each measured round (warm-up rounds are not reported). A round that
 * fails has a `Start` and no `Done`.
 *
 * @since 0.1.0
 * @category models
 */
export type ProgressEvent =
  | {
    readonly _tag: "Start"
    readonly scenario: string
    readonly implementation: string
    readonly round: number
    readonly rounds: number
  }
  | {
    readonly _tag: "Done"
    readonly scenario: string
    readonly implementation: string
    readonly round: number
    readonly value: number
    readonly unit: string
  }

/**
 * The scenarios, in the order they run.
 *
 * @since 0.1.0
 */
export const scenarioNames: ReadonlyArray<string> = ["bulk", "round-trips", "connections", "memory", "blocklist", "tls"]

/**
 * What a row must reach, for netfx's implementations: a ratio against node:net, and better than
 * NodeSocket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly ratio: number
  readonly aheadOfNodeSocket: boolean
}

/**
 * One measured quantity of one implementation in one scenario.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  /** One of `scenarioNames`. */
  readonly scenario: string
  /** What was run, with its sizes. */
  readonly title: string
  /** Which side is the implementation: the client, the server, or neither (blocklist). */
  readonly side: "client" | "server" | "in process"
  readonly implementation: Implementation
  readonly unit: string
  readonly better: "higher" | "lower"
  /** The measured rounds. */
  readonly values: ReadonlyArray<number>
  /** The median of `values`; undefined when the implementation failed. */
  readonly median: number | undefined
  /** Why the implementation has no result. */
  readonly error: string | undefined
  /** median / node:net's median in the same rows. */
  readonly ratio: number | undefined
  /** netfx's rows that have a target. */
  readonly target: Target | undefined
  /** Whether the target is met; undefined without a target or without both medians. */
  readonly met: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SuiteResult {
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly mode: Mode
  readonly quick: boolean
  readonly startedAt: string
  readonly seconds: number
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
}

interface Sizes {
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

const MiB = 1024 * 1024

const sizesOf = (quick: boolean): Sizes => ({
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

const netfx: ReadonlySet<Implementation> = new Set(["@netfx/compat", "@netfx/core"])

const median = (values: ReadonlyArray<number>) => {
  const sorted = values.slice().sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const count = (n: number) => n.toLocaleString("en-US")

const messageOf = (error: unknown) => error instanceof Error ? error.message : String(error)

// Running a scenario: rounds alternating between the implementations.

interface Metric<M> {
  readonly value: (measurement: M) => number
  readonly unit: string
  readonly better: "higher" | "lower"
  readonly target?: number | undefined
}

interface Plan<M> {
  readonly scenario: string
  readonly title: string
  readonly side: Row["side"]
  readonly implementations: ReadonlyArray<Implementation>
  readonly rounds: number
  readonly warmUps: number
  /** Prepares an implementation (its workers), all at once; a failure fails its rows. */
  readonly setup?: ((impl: Implementation) => Promise<void>) | undefined
  /** Before each measured round, with the implementations still running (all at once, errors ignored). */
  readonly beforeRound?: ((impl: Implementation) => Promise<void>) | undefined
  readonly round: (impl: Implementation) => Promise<M>
  /** After a failed round: frees what the implementation held (its workers). */
  readonly onFailure?: ((impl: Implementation) => void) | undefined
  /** The first metric is the one reported as progress. */
  readonly metrics: ReadonlyArray<Metric<M>>
  /** Implementations that cannot run the scenario, and why. */
  readonly unsupported?: Partial<Record<Implementation, string>> | undefined
}

/** A row before the ratios and targets, which need every row of its group. */
type Measured = Omit<Row, "ratio" | "target" | "met"> & { readonly targetRatio: number | undefined }

const runPlan = async <M>(plan: Plan<M>, onProgress: BenchOptions["onProgress"]): Promise<Array<Measured>> => {
  const measurements = new Map<Implementation, Array<M>>()
  const errors = new Map<Implementation, string>()
  for (const impl of plan.implementations) {
    measurements.set(impl, [])
    const unsupported = plan.unsupported?.[impl]
    if (unsupported !== undefined) errors.set(impl, unsupported)
  }
  const attempt = async (impl: Implementation, run: () => Promise<void>) => {
    if (errors.has(impl)) return
    try {
      await run()
    } catch (error) {
      errors.set(impl, messageOf(error))
      plan.onFailure?.(impl)
    }
  }
  // Workers start in parallel: a worker that loads Effect through tsx takes a second or two.
  if (plan.setup !== undefined) {
    await Promise.all(plan.implementations.map((impl) => attempt(impl, () => plan.setup!(impl))))
  }
  for (let round = 0; round < plan.warmUps; round++) {
    for (const impl of plan.implementations) await attempt(impl, () => plan.round(impl).then(() => undefined))
  }
  const primary = plan.metrics[0]!
  for (let round = 0; round < plan.rounds; round++) {
    const shift = round % plan.implementations.length
    const order = [...plan.implementations.slice(shift), ...plan.implementations.slice(0, shift)]
    if (plan.beforeRound !== undefined) {
      await Promise.all(
        order.filter((impl) => !errors.has(impl)).map((impl) => plan.beforeRound!(impl).catch(() => {}))
      )
    }
    for (const impl of order) {
      await attempt(impl, async () => {
        const event = { scenario: plan.scenario, implementation: impl, round: round + 1 }
        onProgress({ _tag: "Start", ...event, rounds: plan.rounds })
        const measurement = await plan.round(impl)
        measurements.get(impl)!.push(measurement)
        onProgress({ _tag: "Done", ...event, value: primary.value(measurement), unit: primary.unit })
      })
    }
  }
  return plan.metrics.flatMap((metric) =>
    plan.implementations.map((impl): Measured => {
      const error = errors.get(impl)
      const values = error === undefined ? measurements.get(impl)!.map(metric.value) : []
      return {
        scenario: plan.scenario,
        title: plan.title,
        side: plan.side,
        implementation: impl,
        unit: metric.unit,
        better: metric.better,
        values,
        median: values.length > 0 ? median(values) : undefined,
        error: error ?? (values.length === 0 ? "no round was measured" : undefined),
        targetRatio: metric.target
      }
    })
  )
}

/** Ratios against node:net and the targets, within each group of rows measuring the same thing. */
const judge = (measured: ReadonlyArray<Measured>): Array<Row> =>
  measured.map(({ targetRatio, ...row }) => {
    const same = (impl: Implementation) =>
      measured.find((other) =>
        other.scenario === row.scenario && other.side === row.side && other.unit === row.unit &&
        other.implementation === impl
      )?.median
    const node = same("node:net")
    const nodeSocket = same("NodeSocket")
    const ratio = row.median !== undefined && node !== undefined && node > 0 ? row.median / node : undefined
    const target = targetRatio !== undefined && netfx.has(row.implementation)
      ? { ratio: targetRatio, aheadOfNodeSocket: true }
      : undefined
    let met: boolean | undefined
    if (target !== undefined && ratio !== undefined && row.median !== undefined) {
      const higher = row.better === "higher"
      const ratioMet = higher ? ratio >= target.ratio : ratio <= target.ratio
      const ahead = nodeSocket === undefined || (higher ? row.median > nodeSocket : row.median < nodeSocket)
      met = ratioMet && ahead
    }
    return { ...row, ratio, target, met }
  })

// The workers of a run.

class Workers {
  private readonly workers = new Map<string, Promise<Worker>>()
  private readonly ports = new Map<string, number>()
  readonly notes: Array<string> = []

  constructor(readonly mode: Mode, readonly sizes: Sizes) {}

  /** The worker named `key`, forked on first use and forked again if it has died. */
  async get(key: string, start?: (worker: Worker) => Promise<void>): Promise<Worker> {
    const existing = this.workers.get(key)
    if (existing !== undefined) {
      const worker = await existing.catch(() => undefined)
      if (worker?.alive()) return worker
      this.workers.delete(key)
    }
    const made = spawnWorker(key, this.mode, this.sizes.requestMillis).then(async (worker) => {
      try {
        await start?.(worker)
        return worker
      } catch (error) {
        worker.kill()
        throw error
      }
    })
    this.workers.set(key, made)
    return made
  }

  /** The worker named `key` running an echo server of `impl`, and its port. */
  async server(key: string, impl: Implementation): Promise<{ readonly worker: Worker; readonly port: number }> {
    const worker = await this.get(key, async (worker) => {
      this.ports.set(key, (await worker.request<{ port: number }>({ op: "listen", impl })).port)
    })
    return { worker, port: this.ports.get(key)! }
  }

  kill(key: string): void {
    const existing = this.workers.get(key)
    this.workers.delete(key)
    void existing?.then((worker) => worker.kill(), () => {})
  }

  /** Closes a worker and checks it exits: a worker that does not has left something open. */
  async close(key: string): Promise<void> {
    const existing = this.workers.get(key)
    this.workers.delete(key)
    const worker = await existing?.catch(() => undefined)
    if (worker === undefined || !worker.alive()) return
    try {
      await worker.close()
    } catch (error) {
      this.notes.push(messageOf(error))
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((key) => this.close(key)))
  }
}

// The scenarios.

interface Context {
  readonly sizes: Sizes
  readonly workers: Workers
  readonly onProgress: BenchOptions["onProgress"]
}

const ECHO = "node:net echo server"

const clientKey = (impl: Implementation) => `${impl} client`

/** A client-side plan: the implementation's client worker against the shared node:net echo server. */
const clientPlan = <M>(
  context: Context,
  plan: Omit<Plan<M>, "side" | "implementations" | "rounds" | "warmUps" | "round" | "onFailure" | "setup"> & {
    readonly round: (client: Worker, port: number, impl: Implementation) => Promise<M>
    readonly warmUps?: number | undefined
  }
): Promise<Array<Measured>> =>
  runPlan({
    ...plan,
    side: "client",
    implementations,
    rounds: context.sizes.rounds,
    warmUps: plan.warmUps ?? context.sizes.warmUps,
    setup: async (impl) => {
      await context.workers.server(ECHO, "node:net")
      await context.workers.get(clientKey(impl))
    },
    round: async (impl) => {
      const { port } = await context.workers.server(ECHO, "node:net")
      return plan.round(await context.workers.get(clientKey(impl)), port, impl)
    },
    // A client that failed may have left sockets open on the shared server: its worker goes.
    onFailure: (impl) => context.workers.kill(clientKey(impl))
  }, context.onProgress)

const bulk = (context: Context) => {
  const { bulkBytes, writeSize } = context.sizes
  const GiB = 1024 * MiB
  return clientPlan<ClientRound>(context, {
    scenario: "bulk",
    title: `bulk echo, ${bulkBytes / MiB} MiB each way in ${writeSize / 1024} KiB writes`,
    round: (client, port, impl) => client.request({ op: "bulk", impl, port, bytes: bulkBytes, writeSize }),
    metrics: [
      { value: (r) => bulkBytes / MiB / (r.millis / 1000), unit: "MiB/s each way", better: "higher", target: 0.9 },
      { value: (r) => r.cpu / 1000 / (bulkBytes / GiB), unit: "client CPU ms/GiB", better: "lower" }
    ]
  })
}

const roundTrips = (context: Context) => {
  const { messageSize, roundTrips: total } = context.sizes
  return clientPlan<ClientRound>(context, {
    scenario: "round-trips",
    title: `${count(total)} round trips of ${messageSize} B, no-delay`,
    round: (client, port, impl) => client.request({ op: "roundTrips", impl, port, count: total, size: messageSize }),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "round trips/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "client CPU µs/round trip", better: "lower" }
    ]
  })
}

const connectionsTitle = (sizes: Sizes) =>
  `connections: connect, ${sizes.messageSize} B echoed, close; ${
    count(sizes.connections)
  } a round, ${sizes.inFlight} in flight`

const connectionsClient = (context: Context) => {
  const { connections: total, inFlight, messageSize } = context.sizes
  return clientPlan<ClientRound>(context, {
    scenario: "connections",
    title: connectionsTitle(context.sizes),
    warmUps: context.sizes.connectionWarmUps,
    round: (client, port, impl) =>
      client.request({ op: "connections", impl, port, count: total, inFlight, size: messageSize }),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "connections/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "client CPU µs/conn", better: "lower" }
    ]
  })
}

const LOAD = "node:net load generator"
const serverKey = (impl: Implementation) => `${impl} server`

interface ServerRound {
  readonly millis: number
  readonly cpu: number
}

const connectionsServer = async (context: Context) => {
  const { connections: total, inFlight, messageSize } = context.sizes
  const rows = await runPlan<ServerRound>({
    scenario: "connections",
    title: connectionsTitle(context.sizes),
    side: "server",
    implementations,
    rounds: context.sizes.rounds,
    warmUps: context.sizes.connectionWarmUps,
    setup: async (impl) => {
      await context.workers.get(LOAD)
      await context.workers.server(serverKey(impl), impl)
    },
    round: async (impl) => {
      const load = await context.workers.get(LOAD)
      const { port, worker: server } = await context.workers.server(serverKey(impl), impl)
      const before = await server.request<Stats>({ op: "stats" })
      const { millis } = await load.request<ClientRound>({
        op: "connections",
        impl: "node:net",
        port,
        count: total,
        inFlight,
        size: messageSize
      })
      const after = await server.request<Stats>({ op: "settle" })
      if (after.open !== 0) throw new Error(`the server still has ${after.open} connections open`)
      if (after.errors !== before.errors) throw new Error(`the server reported ${after.errors - before.errors} errors`)
      return { millis, cpu: after.cpu - before.cpu }
    },
    onFailure: (impl) => context.workers.kill(serverKey(impl)),
    metrics: [
      { value: (r) => total / (r.millis / 1000), unit: "connections/s", better: "higher", target: 0.85 },
      { value: (r) => r.cpu / total, unit: "server CPU µs/conn", better: "lower" }
    ]
  }, context.onProgress)
  for (const impl of implementations) await context.workers.close(serverKey(impl))
  return rows
}

const memoryKey = (impl: Implementation) => `${impl} memory server`

interface MemoryRound {
  readonly rss: number
  readonly heapUsed: number
  readonly heapLeft: number
  readonly gc: boolean
}

const memory = async (context: Context) => {
  const { idle, inFlight } = context.sizes
  const leftAfterClose = new Map<Implementation, Array<number>>()
  let gc = true
  const rows = await runPlan<MemoryRound>({
    scenario: "memory",
    title: `idle echo connections, ${count(idle)} open`,
    side: "server",
    implementations,
    rounds: context.sizes.memoryRounds,
    // Each round has a warm-up of its own, in the fresh worker it measures.
    warmUps: 0,
    setup: () => context.workers.get(LOAD).then(() => undefined),
    // The round's fresh servers start together, before any is measured.
    beforeRound: (impl) => context.workers.server(memoryKey(impl), impl).then(() => undefined),
    round: async (impl) => {
      const load = await context.workers.get(LOAD)
      const key = memoryKey(impl)
      try {
        const { port, worker: server } = await context.workers.server(key, impl)
        // A warm-up of as many connections, opened and closed: what the first ones leave for good
        // (code compiled and optimised, tables grown) would otherwise count per connection.
        await load.request({ op: "openIdle", port, count: idle, inFlight })
        await load.request({ op: "closeIdle" })
        await server.request({ op: "settle" })
        const before = await server.request<Memory>({ op: "memory" })
        await load.request({ op: "openIdle", port, count: idle, inFlight })
        const during = await server.request<Stats>({ op: "stats" })
        if (during.open !== idle) throw new Error(`the server has ${during.open} connections open, not ${idle}`)
        const held = await server.request<Memory>({ op: "memory" })
        await load.request({ op: "closeIdle" })
        const settled = await server.request<Stats>({ op: "settle" })
        if (settled.open !== 0) throw new Error(`the server still has ${settled.open} connections open`)
        if (settled.errors !== 0) throw new Error(`the server reported ${settled.errors} errors`)
        const after = await server.request<Memory>({ op: "memory" })
        gc &&= held.gc
        const heapLeft = (after.heapUsed - before.heapUsed) / idle
        leftAfterClose.set(impl, [...(leftAfterClose.get(impl) ?? []), heapLeft])
        return {
          rss: (held.rss - before.rss) / idle,
          heapUsed: (held.heapUsed - before.heapUsed) / idle,
          heapLeft,
          gc: held.gc
        }
      } finally {
        await load.request({ op: "closeIdle" }).catch(() => context.workers.kill(LOAD))
        await context.workers.close(key)
      }
    },
    metrics: [
      { value: (r) => r.heapUsed, unit: "heap B/conn", better: "lower", target: 1.5 },
      { value: (r) => r.rss, unit: "RSS B/conn", better: "lower", target: 1.5 }
    ]
  }, context.onProgress)
  const left = implementations
    .filter((impl) => leftAfterClose.has(impl))
    .map((impl) => `${impl} ${Math.round(median(leftAfterClose.get(impl)!))} B`)
  if (left.length > 0) {
    context.workers.notes.push(
      `memory leak check, heap left per connection once all ${count(idle)} have closed (near zero): ${left.join(", ")}`
    )
  }
  if (!gc) context.workers.notes.push("memory was measured without collecting garbage (no --expose-gc)")
  return rows
}

const blockList = (context: Context) => {
  const { blockListMillis, blockListRules } = context.sizes
  const key = "blocklist"
  return runPlan<number>({
    scenario: "blocklist",
    title: `BlockList check, ${count(blockListRules)} rules`,
    side: "in process",
    implementations,
    rounds: context.sizes.blockListRounds,
    warmUps: 1,
    unsupported: { NodeSocket: "@effect/platform-node has no BlockList" },
    round: async (impl) =>
      (await context.workers.get(key)).request<number>({
        op: "blockList",
        impl: impl as BlockListImplementation,
        rules: blockListRules,
        millis: blockListMillis
      }),
    metrics: [{ value: (rate) => rate, unit: "checks/s", better: "higher" }]
  }, context.onProgress)
}

const scenarios: Record<string, (context: Context) => Promise<Array<Measured>>> = {
  bulk,
  "round-trips": roundTrips,
  connections: async (context) => [...await connectionsClient(context), ...await connectionsServer(context)],
  memory,
  blocklist: blockList,
  // TLS hook: the rows of tls.ts, run by runPlan.
  tls: (context) => tlsRows.scenario(context, <M>(plan: tlsRows.Plan<M>) => runPlan(plan, context.onProgress))
}

const modeNote = (mode: Mode) =>
  mode === "source"
    ? "mode: source (TypeScript through tsx; its keepNames costs some heap and CPU per closure that a build does not)"
    : "mode: dist (the built packages)"

/**
 * Runs the scenarios (all, or those of `only`) and returns every row. Never throws because an
 * implementation fails: its rows carry the error. Every worker is closed at the end.
 *
 * @since 0.1.0
 * @category constructors
 */
export const runSuite = async (options: BenchOptions): Promise<SuiteResult> => {
  const selected = options.only === undefined || options.only.length === 0 ? scenarioNames : options.only
  const unknown = selected.filter((name) => !scenarioNames.includes(name))
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(", ")}; the scenarios are ${scenarioNames.join(", ")}`)
  }
  const mode = options.mode ?? defaultMode()
  if (mode === "dist") checkDist()
  const sizes = sizesOf(options.quick)
  const startedAt = new Date()
  const workers = new Workers(mode, sizes)
  const context: Context = { sizes, workers, onProgress: options.onProgress }
  const measured: Array<Measured> = []
  try {
    for (const name of scenarioNames) {
      if (selected.includes(name)) measured.push(...await scenarios[name]!(context))
    }
    await workers.closeAll()
  } finally {
    // Whatever failed, no worker outlives the run.
    killAll()
  }
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.availableParallelism(),
    mode,
    quick: options.quick,
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    rows: judge(measured),
    notes: [
      modeNote(mode),
      "client rows: the implementation is the client, in a worker process of its own, against one node:net " +
      "echo server in another; server rows: the implementation is the echo server, in a worker of its own, " +
      "driven by node:net clients in another",
      "NodeSocket: @effect/platform-node's NodeSocket.makeNet (client) and NodeSocketServer.make (server)",
      `median of ${sizes.rounds} rounds after ${sizes.warmUps} warm-up rounds (connections: ` +
      `${sizes.connectionWarmUps}; memory: ${sizes.memoryRounds} rounds, ` +
      `each in a fresh worker; blocklist: ${sizes.blockListRounds}); the order of the implementations rotates ` +
      "from round to round",
      "vs node:net is median / node:net's median: above 1 is faster on higher-is-better rows (/s) and costs " +
      "more on lower-is-better rows (CPU, memory)",
      ...workers.notes
    ]
  }
}

// Presenting the result.

const formatNumber = (n: number) => {
  const abs = Math.abs(n)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

const cell = (text: string) => text.replace(/\|/g, "/").replace(/\s+/g, " ").trim()

const shorten = (text: string, length: number) => text.length > length ? `${text.slice(0, length - 1)}…` : text

const targetText = (row: Row) => {
  if (row.target === undefined) return "—"
  const sign = row.better === "higher" ? "≥" : "≤"
  const ahead = row.better === "higher" ? "> NodeSocket" : "< NodeSocket"
  return `${sign} ${row.target.ratio.toFixed(2)}x${row.target.aheadOfNodeSocket ? `, ${ahead}` : ""}`
}

const metText = (row: Row) => {
  if (row.target === undefined) return "—"
  if (row.met === undefined) return "n/a"
  if (row.met) return "yes"
  const higher = row.better === "higher"
  const ratioMet = row.ratio !== undefined && (higher ? row.ratio >= row.target.ratio : row.ratio <= row.target.ratio)
  return ratioMet ? "no (behind NodeSocket)" : "no"
}

/**
 * The result as a Markdown table (scenario, side, implementation, median, unit, ratio against
 * node:net, target, met?), with a line about the run before it and the notes after it.
 *
 * @since 0.1.0
 */
export const formatTable = (result: SuiteResult): string => {
  const header = ["scenario", "side", "implementation", "median", "unit", "vs node:net", "target", "met?"]
  const lines: Array<Array<string>> = []
  let previous = ""
  for (const row of result.rows) {
    const group = `${row.title}/${row.side}`
    lines.push([
      group === previous ? "" : row.title,
      group === previous ? "" : row.side,
      row.implementation,
      row.median === undefined ? `n/a (${shorten(row.error ?? "no result", 100)})` : formatNumber(row.median),
      row.unit,
      row.ratio === undefined ? "—" : `${row.ratio.toFixed(2)}x`,
      targetText(row),
      metText(row)
    ].map(cell))
    previous = group
  }
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)))
  const format = (line: ReadonlyArray<string>) =>
    `| ${
      line.map((text, i) => (i === 3 || i === 5 ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join(" | ")
    } |`
  const rule = `|${
    widths.map((width, i) => (i === 3 || i === 5 ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")
  }|`
  return [
    `netfx benchmarks: ${result.node}, ${result.platform}, ${result.cpus} CPUs, ${result.mode} mode` +
    `${result.quick ? ", quick (small sizes, one round: not for comparing)" : ""}, ${result.seconds.toFixed(0)} s`,
    "",
    format(header),
    rule,
    ...lines.map(format),
    "",
    ...result.notes.map((note) => `- ${note}`)
  ].join("\n")
}

/**
 * The result as plain data for `JSON.stringify`: numbers, strings, `null` for a missing median or ratio.
 *
 * @since 0.1.0
 */
export const toJson = (result: SuiteResult): unknown => ({
  ...result,
  rows: result.rows.map((row) => ({
    ...row,
    median: row.median ?? null,
    ratio: row.ratio ?? null,
    error: row.error ?? null,
    target: row.target ?? null,
    met: row.met ?? null
  }))
})
