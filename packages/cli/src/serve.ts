/**
 * `netfx serve`: small servers on the core's `Server.serve` — echo, discard and chargen (RFC 862,
 * 863, 864) — for trying clients against. Ctrl-C or SIGTERM shuts the server down gracefully: it
 * stops accepting, lets open connections finish up to a deadline, then closes them and exits 0.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { Connection, Tls, Transport } from "@netfx/core"
import { Server } from "@netfx/core"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { echo as echoConnection } from "./internal/echo.js"
import { type CliError, fromListenFailure, usage } from "./internal/exitCode.js"
import * as format from "./internal/format.js"
import type * as Help from "./internal/help.js"
import * as live from "./internal/live.js"
import * as parse from "./internal/parse.js"
import * as signals from "./internal/signals.js"
import * as Style from "./internal/style.js"
import * as tlsFlags from "./internal/tls.js"

const port = Options.text("port").pipe(Options.withAlias("p"), Options.withPseudoName("port"), Options.optional)
const host = Options.text("host").pipe(Options.withPseudoName("address"), Options.withDefault("127.0.0.1"))
const path = Options.text("path").pipe(Options.withPseudoName("socket"), Options.optional)
const echo = Options.boolean("echo")
const discard = Options.boolean("discard")
const chargen = Options.boolean("chargen")
const maxConnections = Options.text("max-connections").pipe(
  Options.withPseudoName("count"),
  Options.mapEffect(parse.checked(parse.count("--max-connections"))),
  Options.optional
)
const shutdownTimeout = Options.text("shutdown-timeout").pipe(
  Options.withPseudoName("duration"),
  Options.withDefault("5s")
)
const verbose = Options.boolean("verbose").pipe(Options.withAlias("v"))

/**
 * What `netfx serve --help` shows.
 *
 * @internal
 */
export const help: Help.Page = {
  name: "serve",
  summary: "an echo (default), discard or chargen server on a TCP port or a Unix socket.",
  usage: ["--port <port> [options]", "--path <socket> [options]"],
  description: "Prints 'listening on <address>'. Ctrl-C or SIGTERM stops accepting, lets open connections " +
    "finish within --shutdown-timeout, and exits 0. Durations: 500ms, 5s, 2m; a bare number is seconds.",
  options: [
    ["-p, --port <port>", "The TCP port to listen on; 0 lets the system choose (the address is printed)."],
    ["--host <address>", "The address to listen on. Default 127.0.0.1; :: or 0.0.0.0 for every interface."],
    ["--path <socket>", "Listen on this Unix domain socket instead (the file is removed on shutdown)."],
    ["--echo", "Send back what each client sends (the default)."],
    ["--discard", "Read and drop what each client sends."],
    ["--chargen", "Send each client lines of characters until it closes (RFC 864)."],
    ["--max-connections <count>", "Close new connections at once beyond this many open ones."],
    ["--shutdown-timeout <duration>", "On Ctrl-C or SIGTERM, how long open connections may take to finish (5s)."],
    ["-v, --verbose", "Show connections opening and closing, with the count of open ones, on stderr."],
    ["--tls --cert <file> --key <file>", "Serve TLS with this certificate (chain) and private key (PEM)."],
    ["--alpn <p1,p2>", "With --tls: the application protocols to accept, in order (ALPN)."],
    ["--request-cert --ca <file>", "With --tls: require a client certificate signed by a CA of --ca."]
  ]
}

const cert = tlsFlags.cert("With --tls: the server's certificate (chain), PEM.")
const key = tlsFlags.key("With --tls: the private key of --cert, PEM.")
const ca = tlsFlags.ca("With --tls and --request-cert: the CAs client certificates must be signed by (PEM).")
const requestCert = Options.boolean("request-cert").pipe(
  Options.withDescription("With --tls: require a client certificate signed by --ca (mutual TLS).")
)

/**
 * What `netfx serve` was asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeArgs {
  /** `--port`, as typed (checked by `run`); 0 for any free port. */
  readonly port: Option.Option<string>
  /** `--host`: the address to listen on (default `127.0.0.1`). */
  readonly host: string
  /** `--path`: a Unix socket instead of a port. */
  readonly path: Option.Option<string>
  /** `--echo`: send back what each client sends (the default). */
  readonly echo: boolean
  /** `--discard`: read and drop. */
  readonly discard: boolean
  /** `--chargen`: RFC 864 lines until the client closes. */
  readonly chargen: boolean
  /** `--max-connections`: close new connections beyond this many. */
  readonly maxConnections: Option.Option<number>
  /** `--shutdown-timeout`: a duration as typed (default `5s`). */
  readonly shutdownTimeout: string
  /** `--verbose`: connections opening and closing on stderr. */
  readonly verbose: boolean
  /** TLS, and its options (see `--help`); absent means plain TCP. */
  readonly tls?: boolean | undefined
  /** `--cert`: a PEM file of the server's certificate (chain); required with `--tls`. */
  readonly cert?: Option.Option<string> | undefined
  /** `--key`: a PEM file of the private key of `--cert`; required with `--tls`. */
  readonly key?: Option.Option<string> | undefined
  /** `--ca`: a PEM file of the CAs that client certificates must be signed by (with `--request-cert`). */
  readonly ca?: Option.Option<string> | undefined
  /** `--request-cert`: require a client certificate that verifies against `--ca` (mutual TLS). */
  readonly requestCert?: boolean | undefined
  /** `--alpn`: the ALPN protocols the server speaks, comma-separated, by preference. */
  readonly alpn?: Option.Option<string> | undefined
}

/** The `tls` option of the server, from the flags: `undefined` without `--tls`. */
const tlsOptions = (args: ServeArgs): Effect.Effect<Tls.ServerOptions | undefined, CliError> =>
  Effect.gen(function*() {
    if (args.tls !== true) {
      yield* tlsFlags.needsTls([
        ["--cert", tlsFlags.given(args.cert)],
        ["--key", tlsFlags.given(args.key)],
        ["--ca", tlsFlags.given(args.ca)],
        ["--request-cert", args.requestCert === true],
        ["--alpn", tlsFlags.given(args.alpn)]
      ])
      return undefined
    }
    if (!tlsFlags.given(args.cert) || !tlsFlags.given(args.key)) {
      return yield* usage("--tls needs --cert <file> and --key <file>")
    }
    const none = Option.none<string>()
    const cert = yield* tlsFlags.readPem("--cert", args.cert ?? none)
    const key = yield* tlsFlags.readPem("--key", args.key ?? none)
    const ca = yield* tlsFlags.readPem("--ca", args.ca ?? none)
    const alpn = tlsFlags.protocols(args.alpn ?? none)
    return {
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(ca === undefined ? {} : { ca }),
      ...(args.requestCert === true ? { requestCert: true } : {}),
      ...(alpn === undefined ? {} : { alpnProtocols: alpn })
    }
  })

/**
 * What the server does with each connection.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "echo" | "discard" | "chargen"

const discardHandler = (conn: Connection.Connection) =>
  Effect.gen(function*() {
    while (Option.isSome(yield* conn.read)) {
      // Dropped: the byte count is all that is kept.
    }
  })

// RFC 864: 72-character lines, each starting one character further along the 95 printable ASCII
// characters. A block of all 95 rotations is made once and written again and again.
const chargenBlock = (() => {
  const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("")
  const twice = printable + printable
  const lines: Array<string> = []
  for (let i = 0; i < 95; i++) lines.push(twice.slice(i, i + 72) + "\r\n")
  return Buffer.from(lines.join(""), "latin1")
})()

const chargenHandler = (conn: Connection.Connection) =>
  // Reading notices the peer's FIN (which ends our side too); writing goes on until then.
  Effect.raceFirst(
    Effect.gen(function*() {
      while (Option.isSome(yield* conn.read)) {
        // What the client sends is ignored, as RFC 864 says.
      }
    }),
    Effect.forever(conn.write(chargenBlock))
  )

const handlers: Record<Mode, (conn: Connection.Connection) => Effect.Effect<void, unknown>> = {
  echo: echoConnection,
  discard: discardHandler,
  chargen: chargenHandler
}

const messageOf = (error: unknown) => error instanceof Error ? error.message : String(error)

const modeOf = (args: ServeArgs): Effect.Effect<Mode, CliError> => {
  const chosen = (["echo", "discard", "chargen"] as const).filter((mode) => args[mode])
  if (chosen.length > 1) {
    return Effect.fail(
      usage(`choose one of --echo, --discard, --chargen (got ${chosen.map((m) => `--${m}`).join(", ")})`)
    )
  }
  return Effect.succeed(chosen[0] ?? "echo")
}

const listenOptions = (args: ServeArgs): Effect.Effect<Server.ListenOptions, CliError> => {
  if (Option.isSome(args.path)) {
    if (Option.isSome(args.port)) return Effect.fail(usage("give either --port or --path, not both"))
    return Effect.succeed({ path: args.path.value })
  }
  if (Option.isNone(args.port)) {
    return Effect.fail(usage("missing --port <port> (0 for any free port) or --path <socket>"))
  }
  return parse.port(args.port.value, { allowZero: true, name: "--port" }).pipe(
    Effect.map((port) => ({ port, host: args.host }))
  )
}

/**
 * Listens, prints `listening on <address>` on stdout, and serves until Ctrl-C or SIGTERM.
 *
 * Fails with a `CliError`: a bad argument (exit code 1), or a server that cannot listen (6).
 *
 * @since 0.1.0
 * @category handlers
 */
export const run = (args: ServeArgs): Effect.Effect<void, CliError, Transport.Transport> =>
  Effect.gen(function*() {
    const mode = yield* modeOf(args)
    const listen = yield* listenOptions(args)
    const tls = yield* tlsOptions(args)
    const deadline = yield* parse.duration("--shutdown-timeout", args.shutdownTimeout)
    if (Option.isSome(args.maxConnections) && args.maxConnections.value < 0) {
      return yield* usage(`bad --max-connections ${args.maxConnections.value}: expected 0 or more`)
    }
    const style = Style.forStream(process.stderr)
    const log = (line: string) => args.verbose ? Console.error(line) : Effect.void
    let open = 0
    const handler = handlers[mode]

    const tracked = (conn: Connection.Connection) => {
      const peer = format.address(conn.remoteAddress)
      const opened = performance.now()
      const closed = (why: string) =>
        Effect.gen(function*() {
          const read = yield* conn.bytesRead
          const written = yield* conn.bytesWritten
          yield* log(
            `${style.red("-")} ${peer}  ${style.dim(`${open} open`)}  in ${format.bytes(read)}, out ${
              format.bytes(written)
            }, ${format.millis(performance.now() - opened)}${why === "" ? "" : style.yellow(`  (${why})`)}`
          )
        })
      const why = (exit: Exit.Exit<void, unknown>) =>
        Exit.isSuccess(exit)
          ? ""
          : Cause.isInterruptedOnly(exit.cause)
          // The shutdown deadline passed: the server interrupted the handler to close the connection.
          ? "closed by the shutdown"
          : messageOf(Cause.squash(exit.cause))
      return Effect.suspend(() => {
        open++
        const session = conn.tls === undefined ? "" : `  ${style.dim(tlsFlags.describeSession(conn.tls).join("; "))}`
        return log(`${style.green("+")} ${peer}  ${style.dim(`${open} open`)}${session}`)
      }).pipe(
        Effect.zipRight(handler(conn)),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            open--
            return closed(why(exit))
          })
        ),
        // A client that resets or vanishes ends its connection: it is not the server's failure.
        Effect.catchAll(() => Effect.void)
      )
    }

    const options: Server.ServeOptions = {
      ...listen,
      shutdownTimeout: deadline,
      ...(tls === undefined ? {} : { tls }),
      ...(Option.isSome(args.maxConnections) ? { maxConnections: args.maxConnections.value } : {}),
      onEvent: (event) => {
        switch (event._tag) {
          case "Drop":
            if (args.verbose) {
              process.stderr.write(`${style.yellow("x")} ${format.address(event.remote)}  dropped (${event.reason})\n`)
            }
            break
          case "AcceptError":
            process.stderr.write(`netfx: accept: ${event.error.message}\n`)
            break
          case "HandlerFailed":
            process.stderr.write(`netfx: handler failed: ${messageOf(Cause.squash(event.cause))}\n`)
            break
          case "TlsHandshakeFailed":
            if (args.verbose) {
              process.stderr.write(
                `${style.yellow("x")} ${
                  format.address(event.remote)
                }  TLS handshake failed: ${event.error.message} [${event.error.code}]\n`
              )
            }
            break
        }
      }
    }

    // Ctrl-C and SIGTERM are how a server is meant to stop: exit 0 once it has shut down.
    yield* signals.exitCodeOnInterrupt(0)
    yield* Effect.gen(function*() {
      const server = yield* Server.serve(options, tracked).pipe(Effect.mapError(fromListenFailure))
      yield* Console.log(`listening on ${format.address(server.address)}`)
      yield* log(style.dim(`${mode} server; Ctrl-C or SIGTERM stops it`))
      yield* Effect.never.pipe(
        Effect.onInterrupt(() =>
          Effect.gen(function*() {
            // Start the shutdown now, and say so once the server has stopped accepting (its
            // `connections` stream ends then); closing the scope then waits for the same shutdown.
            yield* Effect.forkDaemon(server.shutdown)
            yield* Stream.runDrain(server.connections)
            yield* Console.error(
              open === 0
                ? "shutting down"
                : `shutting down: ${open} connection${open === 1 ? "" : "s"} open, waiting up to ${
                  Duration.format(deadline)
                }`
            )
          })
        )
      )
    }).pipe(
      Effect.scoped,
      Effect.onInterrupt(() => log("stopped"))
    )
  })

/**
 * The `serve` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "serve",
  {
    port,
    host,
    path,
    echo,
    discard,
    chargen,
    maxConnections,
    shutdownTimeout,
    verbose,
    tls: tlsFlags.tls,
    cert,
    key,
    ca,
    requestCert,
    alpn: tlsFlags.alpn
  },
  (args) => run(args).pipe(Effect.provide(live.layer))
).pipe(
  Command.withDescription(help.summary)
)
