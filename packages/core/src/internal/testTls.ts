/**
 * TLS on the simulated network (`TestTransport`): no cryptography, the shape of a handshake. The
 * client sends a hello (its server name, ALPN protocols, whether it has a certificate) over the
 * link; the server answers with the session it chose, or an alert. A server with `tls` on the
 * simulated network runs the server side; a test can instead script the peer of an endpoint
 * (`TestTransport.tlsSecure`, `tlsFail`, `tlsSilent`), which answers the client after an exact
 * latency on the `Clock` without bytes on the link. After the handshake, bytes pass as they are.
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import type { SocketError } from "../NetError.js"
import { TlsError, tlsReasonOf } from "../NetError.js"
import { isSocketAddress } from "../SocketAddress.js"
import type * as Tls from "../Tls.js"
import type { Handle, HandleEvents, PendingTls, TlsCallbacks, TlsHandshake, Transport } from "../Transport.js"
import * as timer from "./timer.js"
import { counting } from "./tls.js"

/** How a scripted TLS peer answers a client's handshake. @internal */
export type Behaviour =
  | {
    readonly _tag: "Secure"
    readonly latency: Duration.DurationInput
    readonly session: Partial<Tls.Session> | undefined
  }
  | { readonly _tag: "Fail"; readonly latency: Duration.DurationInput; readonly code: string }
  | { readonly _tag: "Silent" }

const MARK = "\u0016netfx-simtls "

interface Hello {
  readonly servername: string | undefined
  readonly alpn: ReadonlyArray<string>
  readonly certificate: boolean
}

type Answer =
  | { readonly ok: true; readonly session: Tls.Session }
  | { readonly ok: false; readonly code: string }

const defaultCipher: Tls.Cipher = {
  name: "TLS_AES_128_GCM_SHA256",
  standardName: "TLS_AES_128_GCM_SHA256",
  version: "TLSv1.3"
}

const frame = (value: unknown) => new TextEncoder().encode(`${MARK}${JSON.stringify(value)}\n`)

/** Node's descriptions of the codes the simulation uses. */
const descriptions: Record<string, string> = {
  ERR_SSL_NO_APPLICATION_PROTOCOL: "no application protocol",
  ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL: "tlsv1 alert no application protocol",
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: "peer did not return a certificate",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: "tlsv13 alert certificate required",
  ECONNRESET: "Client network socket disconnected before secure TLS connection was established"
}

const failure = (code: string) =>
  new TlsError({ reason: tlsReasonOf(code), code, description: descriptions[code] ?? code }, true)

/** A handle secured by the simulation: the link's handle, counting application bytes from `base`. */
class SimTlsHandle implements Handle {
  private read = 0
  private written = 0
  constructor(
    private readonly inner: Handle,
    readonly tls: Tls.Session,
    private readonly early: Collector,
    private readonly readBase: number,
    private readonly writtenBase: number
  ) {}
  listen(events: HandleEvents): void {
    const counted = counting(events, (bytes) => {
      this.read += bytes
    })
    // What came after the handshake and before this listener, first, in order.
    queueMicrotask(() => {
      this.early.handOver(counted)
      this.inner.listen(counted)
    })
  }
  pause() {
    this.inner.pause()
  }
  resume() {
    this.inner.resume()
  }
  write(chunk: Uint8Array | string, callback?: (error?: SocketError) => void) {
    this.written += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length
    return this.inner.write(chunk, callback)
  }
  end(callback: (error?: SocketError) => void) {
    this.inner.end(callback)
  }
  destroy() {
    this.inner.destroy()
  }
  reset() {
    this.inner.reset()
  }
  setNoDelay(noDelay: boolean) {
    this.inner.setNoDelay(noDelay)
  }
  ref() {
    this.inner.ref()
  }
  unref() {
    this.inner.unref()
  }
  setKeepAlive(enable: boolean, initialDelay: number) {
    this.inner.setKeepAlive(enable, initialDelay)
  }
  setTypeOfService(tos: number) {
    return this.inner.setTypeOfService(tos)
  }
  getTypeOfService() {
    return this.inner.getTypeOfService()
  }
  bytesRead() {
    return this.readBase + this.read
  }
  bytesWritten() {
    return this.writtenBase + this.written
  }
  bufferSize() {
    return this.inner.bufferSize()
  }
  localAddress() {
    return this.inner.localAddress()
  }
  remoteAddress() {
    return this.inner.remoteAddress()
  }
}

/** Listens to the link during the handshake: frames for the handshake, then what comes early. */
class Collector implements HandleEvents {
  private buffer = ""
  private after: Array<Uint8Array> = []
  private ended = false
  private closed = false
  private error: SocketError | undefined = undefined
  handshaking = true
  constructor(private readonly onFrame: (value: unknown) => void, private readonly onGone: () => void) {}
  onData(chunk: Uint8Array): void {
    if (!this.handshaking) {
      this.after.push(chunk)
      return
    }
    this.buffer += Buffer.from(chunk).toString("latin1")
    const end = this.buffer.indexOf("\n")
    if (end < 0) return
    const line = this.buffer.slice(0, end)
    const rest = this.buffer.slice(end + 1)
    this.buffer = ""
    if (rest.length > 0) this.after.push(Buffer.from(rest, "latin1"))
    let value: unknown = undefined
    if (line.startsWith(MARK)) {
      try {
        value = JSON.parse(Buffer.from(line.slice(MARK.length), "latin1").toString("utf8"))
      } catch {
        value = undefined
      }
    }
    this.onFrame(value)
  }
  onEnd(): void {
    this.ended = true
    if (this.handshaking) this.onGone()
  }
  onError(error: SocketError): void {
    this.error ??= error
  }
  onDrain(): void {}
  onClose(): void {
    this.closed = true
    if (this.handshaking) this.onGone()
  }
  /** Gives the secured handle's listener what arrived before it. */
  handOver(events: HandleEvents): void {
    for (const chunk of this.after) events.onData(chunk)
    this.after = []
    if (this.ended) events.onEnd()
    if (this.error !== undefined) events.onError(this.error)
    if (this.closed) events.onClose()
  }
}

const keyOf = (handle: Handle): string | undefined => {
  const remote = handle.remoteAddress()
  if (isSocketAddress(remote)) {
    return remote.family === "ipv6" ? `[${remote.address}]:${remote.port}` : `${remote.address}:${remote.port}`
  }
  return typeof remote === "string" ? remote : undefined
}

/** The session a server gives a client's hello, or the alert (the client's code, the server's). */
const answer = (
  options: Tls.ServerOptions,
  hello: Hello
): { readonly client: Answer; readonly server: string | undefined } => {
  const offered = hello.alpn
  const spoken = options.alpnProtocols ?? []
  const alpn = spoken.find((p) => offered.includes(p))
  if (offered.length > 0 && spoken.length > 0 && alpn === undefined) {
    return {
      client: { ok: false, code: "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL" },
      server: "ERR_SSL_NO_APPLICATION_PROTOCOL"
    }
  }
  if (options.requestCert === true && options.rejectUnauthorized !== false && !hello.certificate) {
    return {
      client: { ok: false, code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" },
      server: "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"
    }
  }
  const session: Tls.Session = {
    protocol: "TLSv1.3",
    cipher: defaultCipher,
    alpnProtocol: alpn,
    servername: hello.servername,
    peerCertificate: undefined,
    authorized: true,
    authorizationError: undefined,
    resumed: false
  }
  return { client: { ok: true, session }, server: undefined }
}

const sessionOf = (given: Partial<Tls.Session> | undefined, handshake: TlsHandshake): Tls.Session => ({
  protocol: "TLSv1.3",
  cipher: defaultCipher,
  alpnProtocol: handshake._tag === "Client" ? handshake.options.alpnProtocols?.[0] : undefined,
  servername: handshake._tag === "Client" ? handshake.servername : undefined,
  peerCertificate: undefined,
  authorized: true,
  authorizationError: undefined,
  resumed: false,
  ...given
})

/** One simulated handshake. */
class SimHandshake implements PendingTls {
  private settled = false
  private timer: timer.Timer | undefined = undefined
  private readonly collector: Collector
  private readonly readBase: number
  private readonly writtenBase: number

  constructor(
    private readonly clock: Clock.Clock,
    private readonly handle: Handle,
    unread: ReadonlyArray<Uint8Array>,
    private readonly handshake: TlsHandshake,
    private readonly callbacks: TlsCallbacks,
    scripted: Behaviour | undefined
  ) {
    const unreadBytes = unread.reduce((n, chunk) => n + chunk.length, 0)
    this.readBase = handle.bytesRead() - unreadBytes
    this.writtenBase = handle.bytesWritten()
    this.collector = new Collector((value) => this.onFrame(value), () => this.fail("ECONNRESET"))
    handle.listen(this.collector)
    // Reports come after `startTls` returns, as a transport's do.
    if (unread.length > 0) queueMicrotask(() => unread.forEach((chunk) => this.collector.onData(chunk)))
    if (scripted !== undefined) {
      this.script(scripted)
      return
    }
    if (handshake._tag === "Client") {
      const options = handshake.options
      const hello: Hello = {
        servername: handshake.servername,
        alpn: options.alpnProtocols ?? [],
        certificate: options.cert !== undefined
      }
      handle.write(frame({ hello }))
    }
  }

  private script(behaviour: Behaviour): void {
    if (behaviour._tag === "Silent") return
    const millis = Duration.toMillis(Duration.decode(behaviour.latency))
    this.timer = timer.schedule(this.clock, millis, () => {
      if (behaviour._tag === "Fail") this.fail(behaviour.code)
      else this.secure(sessionOf(behaviour.session, this.handshake))
    })
  }

  private onFrame(value: unknown): void {
    if (this.settled) return
    const handshake = this.handshake
    const data = (typeof value === "object" && value !== null ? value : {}) as {
      readonly hello?: Hello
      readonly answer?: Answer
    }
    if (handshake._tag === "Client") {
      const reply = data.answer
      if (reply === undefined) return this.fail("ERR_SSL_WRONG_VERSION_NUMBER")
      return reply.ok ? this.secure(reply.session) : this.fail(reply.code)
    }
    const hello = data.hello
    if (hello === undefined) return this.fail("ERR_SSL_WRONG_VERSION_NUMBER")
    const { client, server } = answer(handshake.options, hello)
    this.handle.write(frame({ answer: client }))
    if (server !== undefined) return this.fail(server)
    this.secure({ ...(client as Extract<Answer, { ok: true }>).session, peerCertificate: undefined })
  }

  private secure(session: Tls.Session): void {
    if (this.settled) return
    this.settled = true
    this.collector.handshaking = false
    this.callbacks.onSecure(
      new SimTlsHandle(this.handle, session, this.collector, this.readBase, this.writtenBase)
    )
  }

  private fail(code: string): void {
    if (this.settled) return
    this.settled = true
    this.timer?.cancel()
    this.handle.destroy()
    this.callbacks.onError(failure(code))
  }

  cancel(): void {
    if (this.settled) return
    this.settled = true
    this.timer?.cancel()
    this.handle.destroy()
  }
}

/**
 * The simulated network's TLS: `startTls` for its transport, with the scripted peers a test sets.
 * @internal
 */
export const make = (clock: Clock.Clock) => {
  const scripted = new Map<string, Behaviour>()
  const startTls: NonNullable<Transport["Type"]["startTls"]> = (handle, unread, handshake, callbacks) => {
    const key = handshake._tag === "Client" ? keyOf(handle) : undefined
    return new SimHandshake(
      clock,
      handle,
      unread,
      handshake,
      callbacks,
      key === undefined ? undefined : scripted.get(key)
    )
  }
  return {
    startTls,
    // The simulation checks no key material.
    prepareTls: () => undefined,
    setPeer: (endpoint: string, behaviour: Behaviour) => void scripted.set(endpoint, behaviour)
  }
}
