/**
 * The TLS options of `netfx connect` and `netfx serve`: the flags, what they make of the files they
 * name, and the lines `--verbose` prints about a TLS session.
 *
 * @internal
 */
import * as Options from "@effect/cli/Options"
import type { Tls } from "@netfx/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { readFileSync } from "node:fs"
import { type CliError, usage } from "./exitCode.js"

/** `--tls`. */
export const tls = Options.boolean("tls").pipe(Options.withDescription("Speak TLS."))

const file = (name: string, description: string) =>
  Options.text(name).pipe(Options.withPseudoName("file"), Options.withDescription(description), Options.optional)

/** `--ca FILE`. */
export const ca = (description: string) => file("ca", description)

/** `--cert FILE`. */
export const cert = (description: string) => file("cert", description)

/** `--key FILE`. */
export const key = (description: string) => file("key", description)

/** `--alpn P[,P...]`. */
export const alpn = Options.text("alpn").pipe(
  Options.withPseudoName("protocols"),
  Options.withDescription("The ALPN protocols to offer (connect) or speak (serve), by preference: h2,http/1.1."),
  Options.optional
)

/** Reads a PEM file named by a flag; a file that cannot be read is a usage error. */
export const readPem = (flag: string, path: Option.Option<string>): Effect.Effect<string | undefined, CliError> =>
  Option.match(path, {
    onNone: () => Effect.succeed(undefined),
    onSome: (path) =>
      Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: (error) => usage(`cannot read ${flag} ${path}: ${(error as { code?: string }).code ?? String(error)}`)
      })
  })

/** The protocols of `--alpn`, comma-separated. */
export const protocols = (value: Option.Option<string>): ReadonlyArray<string> | undefined =>
  Option.match(value, {
    onNone: () => undefined,
    onSome: (text) => text.split(",").map((p) => p.trim()).filter((p) => p.length > 0)
  })

/** Whether an optional flag was given. */
export const given = (value: Option.Option<string> | undefined): boolean => value !== undefined && Option.isSome(value)

/** A usage error for TLS flags given without `--tls`. */
export const needsTls = (
  given: ReadonlyArray<readonly [flag: string, set: boolean]>
): Effect.Effect<void, CliError> => {
  const without = given.filter(([, set]) => set).map(([flag]) => flag)
  return without.length === 0
    ? Effect.void
    : Effect.fail(usage(`${without.join(", ")} ${without.length === 1 ? "needs" : "need"} --tls`))
}

const name = (fields: Tls.Certificate["subject"]) =>
  Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : v.join("+")}`).join(", ")

/** What `--verbose` says about a TLS session: the protocol, cipher, ALPN, and the peer's certificate. */
export const describeSession = (session: Tls.Session): ReadonlyArray<string> => {
  const lines = [
    `tls ${session.protocol}, ${session.cipher.name}, ALPN ${session.alpnProtocol ?? "none"}${
      session.resumed ? ", resumed" : ""
    }${session.servername === undefined ? "" : `, server name ${session.servername}`}`
  ]
  const peer = session.peerCertificate
  if (peer !== undefined) {
    lines.push(
      `certificate: ${name(peer.subject)} (issuer ${name(peer.issuer)}, valid until ${
        peer.validTo.toISOString().slice(0, 10)
      })` +
        (session.authorized ? ", verified" : `, NOT verified (${session.authorizationError ?? "unknown"})`)
    )
  }
  return lines
}
