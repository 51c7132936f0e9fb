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
 * and `Server.serve` with a `conn.read` / `conn.writeAll` loop (and, in the memory scenario, a row
 * `@netfx/core Stream.run` with `Stream.run(conn.stream, conn.sink)`); NodeSocket with
 * `socket.writer` and `socket.run`.
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
 * Where things are: `scenarios/` (one module per scenario, and `scenarios/index.ts`, the list),
 * `plan.ts` (rounds, medians, ratios and targets), `workerPool.ts` (the workers of a run),
 * `report.ts` (table and JSON), `model.ts` (the suite's data), `sizes.ts`; in the workers,
 * `worker.ts`, `implementations.ts` (the loader) and one module per implementation, all on
 * `client.ts` (their types, `pool` and `now`) and `protocol.ts` (what the suite and a worker say).
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import { checkDist, defaultMode, killAll, type Mode } from "./children.js"
import type { BenchOptions, SuiteResult } from "./model.js"
import { judge, type Measured } from "./plan.js"
import { type Context, scenarioNames, scenarios } from "./scenarios/index.js"
import { sizesOf } from "./sizes.js"
import { Workers } from "./workerPool.js"

export type { Mode } from "./children.js"
export type { BenchOptions, ProgressEvent, Row, SuiteResult, Target } from "./model.js"
export { BenchJson, JsonRow, jsonSchemaVersion } from "./model.js"
export type { Implementation } from "./protocol.js"
export { formatTable, toJson } from "./report.js"
export { scenarioNames } from "./scenarios/index.js"

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
