/**
 * `netfx connect`: a netcat-like client. stdin goes to the socket, the socket goes to stdout,
 * byte for byte; stdin's end of file half-closes the socket, and the command exits when the peer
 * closes its side.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { Resolver, Tls, Transport } from "@netfx/core"
import { Connection } from "@netfx/core"
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type CliError, fromConnectionFailure, usage } from "./internal/exitCode.js"
import * as format from "./internal/format.js"
import type * as Help from "./internal/help.js"
import * as live from "./internal/live.js"
import * as parse from "./internal/parse.js"
import * as stdio from "./internal/stdio.js"
import * as Style from "./internal/style.js"
import * as tlsFlags from "./internal/tls.js"

const host = Args.text({ name: "host" }).pipe(Args.optional)
const port = Args.text({ name: "port" }).pipe(Args.optional)
const path = Options.text("path").pipe(Options.withPseudoName("socket"), Options.optional)
const timeout = Options.text("timeout").pipe(
  Options.withAlias("w"),
  Options.withPseudoName("duration"),
  Options.optional
)
const idleTimeout = Options.text("idle-timeout").pipe(Options.withPseudoName("duration"), Options.optional)
const family = Options.text("family").pipe(
  Options.withPseudoName("4|6"),
  Options.mapEffect(parse.checked(parse.family)),
  Options.optional
)
const verbose = Options.boolean("verbose").pipe(Options.withAlias("v"))

/**
 * What `netfx connect --help` shows.
 *
 * @internal
 */
export const help: Help.Page = {
  name: "connect",
  summary: "a netcat-like client: stdin to the socket, the socket to stdout, byte for byte.",
  usage: ["[options] <host> <port>", "[options] --path <socket>"],
  description: "stdin's end of file half-closes the connection; the command exits when the peer closes. " +
    "Durations: 500ms, 5s, 2m; a bare number is seconds.",
  arguments: [
    ["<host>", "The host to connect to: a name (resolved, every address raced) or an IP address."],
    ["<port>", "The TCP port, 1 to 65535."]
  ],
  options: [
    ["--path <socket>", "Connect to this Unix domain socket instead of a host and port."],
    ["-w, --timeout <duration>", "Give up when no connection is made in this time, lookup included."],
    ["--idle-timeout <duration>", "Close the connection, with exit code 4, after this long without data either way."],
    ["--family <4|6>", "Use IPv4 (4) or IPv6 (6) addresses only. Default: both, raced (Happy Eyeballs)."],
    ["-v, --verbose", "Show the lookup, every connection attempt and the byte counts on stderr."],
    ["--tls", "Speak TLS; the certificate must verify unless --insecure (exit code 8 if it fails)."],
    ["--ca <file>", "With --tls: trust the CAs in this PEM file instead of the system's."],
    ["--cert <file>, --key <file>", "With --tls: a client certificate and its key (PEM), if asked for."],
    ["-k, --insecure", "With --tls: accept a certificate that does not verify (self-signed, ...)."],
    ["--servername <name>", "With --tls: the name to send (SNI) and check. Default: <host>."],
    ["--alpn <p1,p2>", "With --tls: the application protocols to offer (ALPN)."]
  ]
}

const ca = tlsFlags.ca("With --tls: trust the CAs in this PEM file instead of the system's.")
const cert = tlsFlags.cert("With --tls: a client certificate (PEM), for a server that asks for one.")
const key = tlsFlags.key("With --tls: the private key of --cert (PEM).")

const insecure = Options.boolean("insecure").pipe(
  Options.withAlias("k"),
  Options.withDescription("With --tls: accept a server whose certificate does not verify (self-signed, expired, ...).")
)

const servername = Options.text("servername").pipe(
  Options.withPseudoName("name"),
  Options.withDescription(
    "With --tls: the server name to send (SNI) and to check the certificate against. Default: <host>."
  ),
  Options.optional
)

/**
 * What `netfx connect` was asked.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectArgs {
  /** `<host>`: a name or an IP address. */
  readonly host: Option.Option<string>
  /** `<port>`, as typed (checked by `run`). */
  readonly port: Option.Option<string>
  /** `--path`: a Unix socket instead of a host and port. */
  readonly path: Option.Option<string>
  /** `--timeout`: a duration as typed (`5s`). */
  readonly timeout: Option.Option<string>
  /** `--idle-timeout`: a duration as typed. */
  readonly idleTimeout: Option.Option<string>
  /** `--family`: one address family only. */
  readonly family: Option.Option<4 | 6>
  /** `--verbose`: the lookup, the attempts and the byte counts on stderr. */
  readonly verbose: boolean
  /** TLS, and its options (see `--help`); absent means plain TCP. */
  readonly tls?: boolean | undefined
  /** `--ca`: a PEM file of the CAs to trust instead of the runtime's list. */
  readonly ca?: Option.Option<string> | undefined
  /** `--cert`: a PEM file of the client certificate (chain), for a server that asks for one. */
  readonly cert?: Option.Option<string> | undefined
  /** `--key`: a PEM file of the private key of `--cert`. */
  readonly key?: Option.Option<string> | undefined
  /** `--insecure` (`-k`): accept a server whose certificate does not verify (`rejectUnauthorized: false`). */
  readonly insecure?: boolean | undefined
  /** `--servername`: the name to send (SNI) and check the certificate against; default `<host>` (an IP is not sent). */
  readonly servername?: Option.Option<string> | undefined
  /** `--alpn`: the ALPN protocols to offer, comma-separated, by preference (`h2,http/1.1`). */
  readonly alpn?: Option.Option<string> | undefined
}

/** The `tls` option of the connect, from the flags: `undefined` without `--tls`. */
const tlsOptions = (args: ConnectArgs): Effect.Effect<Tls.ClientOptions | undefined, CliError> =>
  Effect.gen(function*() {
    if (args.tls !== true) {
      yield* tlsFlags.needsTls([
        ["--ca", tlsFlags.given(args.ca)],
        ["--cert", tlsFlags.given(args.cert)],
        ["--key", tlsFlags.given(args.key)],
        ["--insecure", args.insecure === true],
        ["--servername", tlsFlags.given(args.servername)],
        ["--alpn", tlsFlags.given(args.alpn)]
      ])
      return undefined
    }
    const none = Option.none<string>()
    const ca = yield* tlsFlags.readPem("--ca", args.ca ?? none)
    const cert = yield* tlsFlags.readPem("--cert", args.cert ?? none)
    const key = yield* tlsFlags.readPem("--key", args.key ?? none)
    const alpn = tlsFlags.protocols(args.alpn ?? none)
    return {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(args.insecure === true ? { rejectUnauthorized: false } : {}),
      ...(tlsFlags.given(args.servername) ? { servername: Option.getOrThrow(args.servername!) } : {}),
      ...(alpn === undefined ? {} : { alpnProtocols: alpn })
    }
  })

type Target =
  | { readonly _tag: "Tcp"; readonly host: string; readonly port: number }
  | { readonly _tag: "Ipc"; readonly path: string }

const target = (args: ConnectArgs): Effect.Effect<Target, CliError> => {
  if (Option.isSome(args.path)) {
    if (Option.isSome(args.host) || Option.isSome(args.port)) {
      return Effect.fail(usage("give either <host> <port> or --path <socket>, not both"))
    }
    if (Option.isSome(args.family)) return Effect.fail(usage("--family applies to TCP, not to --path"))
    return Effect.succeed({ _tag: "Ipc", path: args.path.value })
  }
  if (Option.isNone(args.host)) return Effect.fail(usage("missing <host> and <port> (or --path <socket>)"))
  // @effect/cli takes an unknown option for an argument: say what it is.
  const unknown = [args.host.value, ...Option.toArray(args.port)].find((arg) => arg.startsWith("-"))
  if (unknown !== undefined) return Effect.fail(usage(`unknown option '${unknown}'`))
  if (Option.isNone(args.port)) return Effect.fail(usage("missing <port>"))
  const host = args.host.value
  return parse.port(args.port.value).pipe(Effect.map((port) => ({ _tag: "Tcp", host, port })))
}

const optionalDuration = (name: string, value: Option.Option<string>) =>
  Option.match(value, {
    onNone: () => Effect.succeed(undefined),
    onSome: (text) => parse.duration(name, text)
  })

const familyOf = (family: Option.Option<4 | 6>): 0 | 4 | 6 => Option.getOrElse(family, () => 0 as const)

/**
 * Connects, then copies stdin to the socket and the socket to stdout until the peer closes. The
 * command runs it on the runtime's sockets and name lookup; tests can give it a simulated network.
 *
 * Fails with a `CliError` whose exit code says what went wrong (see `ExitCode`): the lookup (2),
 * every attempt refused (3), a timeout (4), the connection broken after it was made (5).
 *
 * @since 0.1.0
 * @category handlers
 */
export const run = (args: ConnectArgs): Effect.Effect<void, CliError, Transport.Transport | Resolver.Resolver> =>
  Effect.gen(function*() {
    const to = yield* target(args)
    const timeout: Duration.Duration | undefined = yield* optionalDuration("--timeout", args.timeout)
    const idle: Duration.Duration | undefined = yield* optionalDuration("--idle-timeout", args.idleTimeout)
    const style = Style.forStream(process.stderr)
    const started = performance.now()
    // Verbose lines go straight to stderr: connect's events arrive in a callback, and their order
    // with the data matters more than going through the Console service.
    const log = (line: string) => {
      if (!args.verbose) return
      const at = style.dim(`[${format.millis(performance.now() - started).padStart(7)}]`)
      process.stderr.write(`${at} ${line}\n`)
    }
    const tls = yield* tlsOptions(args)
    const common = {
      timeout,
      idleTimeout: idle,
      failOnIdle: idle !== undefined,
      onEvent: (event: Connection.ConnectEvent) => log(format.connectEvent(event)),
      ...(tls === undefined ? {} : { tls })
    }
    const conn = yield* Connection.connect(
      to._tag === "Ipc"
        ? { ...common, path: to.path }
        : { ...common, host: to.host, port: to.port, family: familyOf(args.family) }
    ).pipe(Effect.mapError(fromConnectionFailure))
    log(
      style.green(`connected to ${format.address(conn.remoteAddress)}`) +
        (to._tag === "Tcp" ? ` from ${format.address(conn.localAddress)}` : "")
    )
    if (conn.tls !== undefined) tlsFlags.describeSession(conn.tls).forEach(log)

    const stdout = yield* stdio.writer(process.stdout)
    // The socket to stdout, until the peer ends its side (or stdout's reader goes away).
    const receive = Stream.runForEach(conn.stream, stdout.write).pipe(
      Effect.raceFirst(stdout.closed),
      Effect.zipRight(stdout.flush)
    )
    // stdin to the socket; its end of file half-closes the socket (FIN) and reading goes on.
    const sending = yield* Stream.run(stdio.stdin, conn.sink).pipe(
      Effect.zipRight(conn.end),
      Effect.tap(() => log("stdin closed: sent FIN")),
      Effect.forkScoped
    )
    // Done when the peer has closed: the receiving side decides. A broken connection fails it too;
    // a send that failed before that (the peer closed while stdin still had data) is reported
    // after it, and a send still waiting on stdin is simply stopped.
    yield* receive.pipe(Effect.mapError(fromConnectionFailure))
    const sent = yield* Fiber.poll(sending)
    if (Option.isNone(sent)) log("the peer closed before stdin ended: the rest of stdin is not sent")
    if (Option.isSome(sent) && Exit.isFailure(sent.value)) {
      const failure = Cause.failureOption(sent.value.cause)
      if (Option.isSome(failure)) {
        const error = failure.value
        return yield* error._tag === "CliError" ? error : fromConnectionFailure(error)
      }
    }
    log(`closed: sent ${format.bytes(yield* conn.bytesWritten)}, received ${format.bytes(yield* conn.bytesRead)}`)
  }).pipe(Effect.scoped)

/**
 * The `connect` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "connect",
  {
    host,
    port,
    path,
    timeout,
    idleTimeout,
    family,
    verbose,
    tls: tlsFlags.tls,
    ca,
    cert,
    key,
    insecure,
    servername,
    alpn: tlsFlags.alpn
  },
  (args) => run(args).pipe(Effect.provide(live.layer))
).pipe(
  Command.withDescription(help.summary)
)
