/**
 * `netfx demo`: what `npm start` shows after a fresh install. In a few seconds, on loopback only:
 * an echo server on the core, a core client and a `node:net`-style compat client talking to it,
 * a Happy Eyeballs race on a simulated network, and a quick throughput comparison with node:net.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as compatStep from "./demo/compatStep.js"
import * as coreStep from "./demo/coreStep.js"
import * as echoServer from "./demo/echoServer.js"
import * as happyEyeballs from "./demo/happyEyeballs.js"
import * as throughput from "./demo/throughput.js"
import { CliError, ExitCode } from "./internal/exitCode.js"
import * as format from "./internal/format.js"
import type * as Help from "./internal/help.js"
import * as live from "./internal/live.js"
import * as Style from "./internal/style.js"

/** The throughput step's sizes: enough to be steady, small enough for the demo's few seconds. */
const THROUGHPUT: throughput.Plan = { bytes: 64 * 1024 * 1024, rounds: 3 }

const failed = (step: string) => (error: unknown) =>
  new CliError({
    message: `demo: ${step}: ${error instanceof Error ? error.message : String(error)}`,
    exitCode: ExitCode.Failed
  })

const indent = (lines: ReadonlyArray<string>, by = 3) => lines.map((line) => line === "" ? "" : " ".repeat(by) + line)

const timelineLines = (race: happyEyeballs.Race, style: Style.Style): Array<string> => {
  const losers = race.timeline.filter((entry) => entry.event._tag === "AttemptCancelled").length
  const rows = race.timeline.filter(({ event }) => event._tag !== "AttemptCancelled").map(({ at, event }) => {
    const time = style.dim(`${at} ms`)
    switch (event._tag) {
      case "Lookup":
        return [time, style.blue("lookup"), event.host, style.dim(`${event.addresses.length} addresses`)]
      case "Attempt":
        return [time, style.cyan("attempt"), format.hostPort(event.address, event.port), ""]
      case "AttemptTimeout":
        return [
          time,
          style.yellow(event.aborted ? "timeout" : "no answer"),
          format.hostPort(event.address, event.port),
          style.dim(event.aborted ? "aborted" : "keeps running; the next attempt starts beside it")
        ]
      case "AttemptFailed":
        return [time, style.red("failed"), format.hostPort(event.address, event.port), style.dim(event.error.message)]
      case "AttemptCancelled":
      case "Connected": {
        return [
          time,
          style.green(style.bold("connected")),
          format.hostPort(event.address, event.port),
          losers > 0
            ? style.dim(`the ${losers === 1 ? "other attempt is" : `${losers} other attempts are`} closed`)
            : ""
        ]
      }
    }
  })
  return Style.columns(rows, ["right", "left", "left", "left"])
}

/**
 * Runs the demo and prints it on stdout. Fails with a `CliError` (exit code 7) naming the step
 * that failed.
 *
 * @since 0.1.0
 * @category handlers
 */
export const run: Effect.Effect<void, CliError> = Effect.gen(function*() {
  const style = Style.forStream(process.stdout)
  const started = performance.now()
  const print = (...lines: ReadonlyArray<string>) =>
    Effect.forEach(lines, (line) => Console.log(line), { discard: true })
  const heading = (n: number, title: string) => print("", `${style.bold(style.cyan(String(n)))}  ${style.bold(title)}`)

  const title = `${style.bold("netfx demo")}  ${
    style.dim(`·  Node ${process.version} on ${process.platform} ${process.arch}  ·  loopback only`)
  }`
  yield* print(title, style.dim("─".repeat(Style.width(title))))

  // 1. The echo server.
  yield* heading(1, "An echo server on the core")
  const { accepted, server } = yield* echoServer.start.pipe(Effect.mapError(failed("echo server")))
  const port = typeof server.address === "string" ? 0 : server.address.port
  yield* print(
    ...indent([
      style.dim(`Server.serve({ host: "127.0.0.1", port: 0 }, echo)`),
      `listening on ${style.cyan(format.address(server.address))}`
    ])
  )

  // 2. Two clients.
  yield* heading(2, "One server, two clients")
  const core = yield* coreStep.run(port, "hello from @netfx/core").pipe(Effect.mapError(failed("core client")))
  const compat = yield* Effect.tryPromise({
    try: () => compatStep.run(port, "hello from @netfx/compat"),
    catch: failed("compat client")
  })
  const clientRow = (name: string, api: string, result: coreStep.EchoResult) => [
    style.bold(name),
    style.dim(api),
    style.green(JSON.stringify(result.reply)),
    `echoed in ${format.millis(result.millis)}`,
    style.dim(result.steps.join(" → "))
  ]
  yield* print(
    ...indent(Style.columns([
      clientRow("@netfx/core", "Connection.connect", core),
      clientRow("@netfx/compat", "net.createConnection", compat)
    ])),
    ...indent([style.dim(`the server accepted ${accepted()} connections; the compat socket emitted Node's events`)])
  )

  // 3. Happy Eyeballs.
  yield* heading(3, "Happy Eyeballs (RFC 8305) on a simulated network")
  const staggered = yield* happyEyeballs.race("staggered").pipe(Effect.mapError(failed("Happy Eyeballs")))
  const sequential = yield* happyEyeballs.race("sequential").pipe(Effect.mapError(failed("Happy Eyeballs")))
  yield* print(
    ...indent([
      `${happyEyeballs.HOST} resolves to three addresses:`,
      ...indent(Style.columns(happyEyeballs.addresses.map((a) => [a.address, style.dim(a.description)])), 2),
      style.dim(
        "attempt delay 250 ms; the network is TestTransport's and the clock TestClock's: the instants are exact"
      ),
      "",
      style.bold("netfx's default: staggered (RFC 8305)"),
      ...indent(timelineLines(staggered, style), 2),
      "",
      style.bold(`Node's policy: sequential`) + style.dim(` (autoSelectFamilyPolicy: "sequential")`),
      ...indent(timelineLines(sequential, style), 2),
      "",
      `${style.green(`connected at ${staggered.connectedAt} ms`)} rather than ${sequential.connectedAt} ms: ` +
      "an attempt that the delay passed keeps running, so a slow address can still win."
    ])
  )

  // 4. Throughput.
  yield* heading(4, `Throughput: ${format.bytes(THROUGHPUT.bytes)} each way through a node:net echo server`)
  const rates = yield* throughput.run(THROUGHPUT).pipe(Effect.mapError(failed("throughput")))
  const best = Math.max(rates.node, rates.compat, rates.core)
  const rate = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 0 })
  yield* print(
    ...indent(Style.columns([
      [style.dim("client"), style.dim("MiB/s"), "", style.dim("vs node:net")],
      [style.bold("node:net"), rate(rates.node), style.dim(Style.bar(rates.node / best, 30)), "1.00x"],
      [
        style.bold("@netfx/compat"),
        rate(rates.compat),
        style.cyan(Style.bar(rates.compat / best, 30)),
        `${(rates.compat / rates.node).toFixed(2)}x`
      ],
      [
        style.bold("@netfx/core"),
        rate(rates.core),
        style.cyan(Style.bar(rates.core / best, 30)),
        `${(rates.core / rates.node).toFixed(2)}x`
      ]
    ], ["left", "right", "left", "right"])),
    ...indent([
      style.dim(`median of ${THROUGHPUT.rounds} rounds each after a warm-up; a glimpse, not a benchmark (netfx bench)`)
    ])
  )

  yield* print("", style.dim(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`))
}).pipe(Effect.scoped, Effect.provide(live.layer))

/**
 * What `netfx demo --help` shows.
 *
 * @internal
 */
export const help: Help.Page = {
  name: "demo",
  summary: "a tour of netfx in a few seconds, on loopback only.",
  usage: [""],
  description: "An echo server on the core, a core client and a node:net-style compat client talking to it, " +
    "a Happy Eyeballs race on a simulated network, and throughput against node:net.",
  options: []
}

/**
 * The `demo` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("demo", {}, () => run).pipe(
  Command.withDescription(help.summary)
)
