/**
 * The differential harness for sockets and servers: a scenario is a small program written against the
 * `node:net` API; it runs once with `node:net` and once with `@netfx/compat`, records what the program can
 * observe (its sockets' events in order with their arguments, property snapshots, thrown errors, bytes
 * received), and the two records must be equal.
 *
 * Records are plain data and deterministic: every observation is keyed by a "lane" (one socket, one server,
 * or the scenario's own sequential code), so events of different objects, whose interleaving the kernel
 * decides, are never compared with each other. Ports become names (`<port:echo>`, `<ephemeral:1>` in order
 * of first appearance), temporary paths `<tmp>`, buffers text or hex, errors what a program reads of them.
 *
 * The peer on the other side is always the runtime's own `node:net`, never the module under test.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import type { EventEmitter } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import * as nodeNet from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duplex } from "node:stream"

/** The module under test, typed as `node:net`. */
export type NetModule = typeof nodeNet

/** What a run observed: lanes of entries, each entry plain data. */
export type Record = { [lane: string]: Array<unknown> }

/** A program against `node:net`; it must close everything it opens before it resolves. */
export interface Scenario {
  readonly name: string
  readonly run: (net: NetModule, env: Env) => Promise<void>
  /**
   * Whether the running Node has what the scenario needs; when it has not, `expected` (written by hand from
   * the reference) is the record compat must produce.
   */
  readonly nodeHas?: (net: NetModule) => boolean
  readonly expected?: Record
  /**
   * Set when `expected` describes only runtimes that lack the feature (what compat does there), so a Node
   * that has it is not checked against it.
   */
  readonly expectedOnlyWhereNodeLacks?: boolean
}

/** The major version of the running Node. */
export const nodeMajor = Number(process.versions.node.split(".")[0])

/** A node:net listener playing the peer of a client scenario. */
export interface Peer {
  readonly port: number
  readonly host: string
  /** The n-th connection the peer accepted (0-based), when it arrives. */
  readonly connection: (index: number) => Promise<PeerConnection>
}

/** One connection seen by the peer. */
export interface PeerConnection {
  readonly socket: nodeNet.Socket
  /** Every byte received until the connection ended or failed, and how it ended. */
  readonly ended: Promise<{ readonly received: string; readonly how: string }>
}

const isBuffer = (value: unknown): value is Uint8Array => value instanceof Uint8Array

const builtinKind = (error: Error) => {
  for (const ctor of [AggregateError, TypeError, RangeError, SyntaxError, ReferenceError, Error]) {
    if (error instanceof ctor) return ctor.name
  }
  return "Error"
}

const portKey = /port$/i

/** Turns observations into plain, comparable data. */
export class Normaliser {
  private readonly ports = new Map<number, string>()
  private ephemerals = 0
  private readonly paths: Array<[string, string]> = []

  /** Names a port; later observations of it read `<port:name>`. */
  namePort(port: number, name: string) {
    if (!this.ports.has(port)) this.ports.set(port, `<port:${name}>`)
  }

  /** Replaces a path prefix in every string. */
  namePath(path: string, name: string) {
    this.paths.push([path, name])
  }

  port(value: number): string | number {
    if (value === 0 || !Number.isInteger(value) || value < 0 || value > 65535) return value
    let name = this.ports.get(value)
    if (name === undefined) {
      name = `<ephemeral:${++this.ephemerals}>`
      this.ports.set(value, name)
    }
    return name
  }

  string(value: string): string {
    let out = value
    for (const [path, name] of this.paths) out = out.split(path).join(name)
    return out.replace(/:(\d{1,5})\b/g, (all, digits: string) => {
      const name = this.ports.get(Number(digits))
      return name === undefined ? all : `:${name}`
    })
  }

  error(error: Error, depth: number): unknown {
    const fields = error as Error & { [key: string]: unknown }
    const out: { [key: string]: unknown } = {
      kind: builtinKind(error),
      name: error.name,
      message: this.string(error.message),
      keys: Object.keys(error).sort()
    }
    for (const key of ["code", "errno", "syscall", "address", "port", "host", "info"]) {
      if (fields[key] !== undefined) out[key] = this.value(fields[key], key, depth + 1)
    }
    if (error instanceof AggregateError) out.errors = error.errors.map((e) => this.value(e, undefined, depth + 1))
    if (fields.cause !== undefined) out.cause = this.value(fields.cause, "cause", depth + 1)
    return out
  }

  value(value: unknown, key?: string, depth = 0): unknown {
    if (depth > 6) return "<deep>"
    if (typeof value === "number" && key !== undefined && portKey.test(key)) return this.port(value)
    if (typeof value === "string") return this.string(value)
    if (typeof value === "bigint") return `${value}n`
    if (typeof value === "symbol") return value.toString()
    if (typeof value === "function") return "<function>"
    if (typeof value !== "object" || value === null) return value
    if (isBuffer(value)) {
      const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      const text = buffer.toString("utf8")
      return Buffer.from(text, "utf8").equals(buffer) ? { utf8: text } : { hex: buffer.toString("hex") }
    }
    if (value instanceof Error) return this.error(value, depth)
    if (value instanceof Duplex) return "<Socket>"
    if (Array.isArray(value)) return value.map((v) => this.value(v, key, depth + 1))
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return `<${proto?.constructor?.name ?? "object"}>`
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, this.value(v, k, depth + 1)])
    )
  }
}

/** What a run records. */
export class Recorder {
  readonly record: Record = {}
  constructor(readonly normaliser: Normaliser) {}

  private lane(lane: string) {
    let entries = this.record[lane]
    if (entries === undefined) {
      entries = []
      this.record[lane] = entries
    }
    return entries
  }

  /** An event and its arguments, named. */
  event(lane: string, name: string, args?: { [key: string]: unknown }) {
    this.lane(lane).push(args === undefined ? name : { [name]: this.normaliser.value(args) })
  }

  /** Any observation. */
  note(lane: string, label: string, value: unknown) {
    this.lane(lane).push({ [label]: this.normaliser.value(value) })
  }

  /** Runs `f` and notes what it returned (normalised by `view`) or threw. */
  attempt<A>(lane: string, label: string, f: () => A, view: (a: A) => unknown = (a) => a): A | undefined {
    try {
      const a = f()
      this.note(lane, label, { returned: view(a) })
      return a
    } catch (error) {
      this.note(lane, label, { threw: error })
      return undefined
    }
  }
}

const socketProps = (socket: nodeNet.Socket) => {
  const s = socket as nodeNet.Socket & { [key: string]: unknown }
  return {
    readyState: s.readyState,
    pending: s.pending,
    connecting: s.connecting,
    destroyed: s.destroyed,
    readable: s.readable,
    writable: s.writable,
    bytesRead: s.bytesRead,
    bytesWritten: s.bytesWritten,
    bufferSize: s.bufferSize,
    timeout: s.timeout,
    remoteAddress: s.remoteAddress,
    remotePort: s.remotePort,
    remoteFamily: s.remoteFamily,
    localAddress: s.localAddress,
    localPort: s.localPort,
    localFamily: s.localFamily,
    address: s.address(),
    autoSelectFamilyAttemptedAddresses: s.autoSelectFamilyAttemptedAddresses
  }
}

const serverProps = (server: nodeNet.Server) => ({
  listening: server.listening,
  address: server.address(),
  maxConnections: server.maxConnections
})

/** Events recorded by `watch` for a socket: all of net.Socket's own plus the stream ones a program sees. */
export const socketEvents = [
  "lookup",
  "connectionAttempt",
  "connectionAttemptFailed",
  "connectionAttemptTimeout",
  "connect",
  "ready",
  "drain",
  "end",
  "finish",
  "timeout",
  "error",
  "close"
] as const

const eventArgs: { [event: string]: ReadonlyArray<string> } = {
  lookup: ["err", "address", "family", "host"],
  connectionAttempt: ["ip", "port", "family"],
  connectionAttemptFailed: ["ip", "port", "family", "error"],
  connectionAttemptTimeout: ["ip", "port", "family"],
  error: ["error"],
  close: ["hadError"],
  listening: [],
  connection: ["socket"],
  drop: ["data"]
}

const named = (event: string, args: ReadonlyArray<unknown>) => {
  const names = eventArgs[event] ?? []
  if (args.length === 0) return undefined
  return Object.fromEntries(args.map((arg, i) => [names[i] ?? `arg${i}`, arg]))
}

/** What a scenario can use. */
export class Env {
  readonly rec: Recorder
  readonly normaliser = new Normaliser()
  /** node:net itself, for peers. */
  readonly peerNet: NetModule = nodeNet
  private readonly cleanups: Array<() => Promise<void> | void> = []
  private readonly watched: Array<[string, nodeNet.Socket | nodeNet.Server]> = []
  private dir: string | undefined
  private readonly closes = new WeakMap<nodeNet.Socket, Promise<void>>()

  constructor() {
    this.rec = new Recorder(this.normaliser)
  }

  /** Records an observation in the scenario's own sequential lane ("main"). */
  note(label: string, value: unknown) {
    this.rec.note("main", label, value)
  }

  /** Runs `f` in the main lane, noting its result or the error it threw. */
  attempt<A>(label: string, f: () => A, view?: (a: A) => unknown): A | undefined {
    return this.rec.attempt("main", label, f, view)
  }

  /** Records a socket's events in its lane; 'data' is collected as bytes, noted on 'end' and 'close'. */
  watch<S extends nodeNet.Socket>(socket: S, lane: string, options?: { readonly data?: boolean }): S {
    this.watched.push([lane, socket])
    this.closes.set(socket, new Promise((resolve) => socket.once("close", () => resolve())))
    let received: Array<Buffer | string> = []
    const flush = () => {
      if (received.length === 0) return
      const all = received.every((chunk) => typeof chunk === "string")
        ? received.join("")
        : Buffer.concat(received.map((chunk) => typeof chunk === "string" ? Buffer.from(chunk) : chunk))
      this.rec.note(lane, "data", all)
      received = []
    }
    for (const event of socketEvents) {
      socket.on(event, (...args: Array<unknown>) => {
        if (event === "end" || event === "close" || event === "error") flush()
        this.rec.event(lane, event, named(event, args))
      })
    }
    if (options?.data !== false) socket.on("data", (chunk: Buffer | string) => received.push(chunk))
    return socket
  }

  /** Records a server's events in its lane. */
  watchServer<S extends nodeNet.Server>(server: S, lane: string): S {
    this.watched.push([lane, server])
    for (const event of ["listening", "connection", "error", "close", "drop"]) {
      server.on(event, (...args: Array<unknown>) => this.rec.event(lane, event, named(event, args)))
    }
    return server
  }

  /** Notes a socket's properties in a lane. */
  snap(socket: nodeNet.Socket, lane: string, label: string) {
    this.rec.note(lane, label, socketProps(socket))
  }

  /** Notes a server's properties in a lane. */
  snapServer(server: nodeNet.Server, lane: string, label: string) {
    this.rec.note(lane, label, serverProps(server))
  }

  /** Resolves with the arguments of the next `event`. */
  once(emitter: EventEmitter, event: string): Promise<Array<unknown>> {
    return new Promise((resolve) => emitter.once(event, (...args: Array<unknown>) => resolve(args)))
  }

  /**
   * Resolves on a socket's 'close' event: the one `watch` saw if the socket is watched (even if it came
   * already), else the next one. (`socket.closed` is no help: it turns true before 'close' is emitted.)
   */
  closed(socket: nodeNet.Socket): Promise<void> {
    return this.closes.get(socket) ?? new Promise((resolve) => socket.once("close", () => resolve()))
  }

  /** Closes a server and resolves on its 'close' (the callback's error, if any, is returned). */
  closeServer(server: nodeNet.Server): Promise<Error | undefined> {
    return new Promise((resolve) => server.close((error) => resolve(error)))
  }

  /** Names a port in every later observation. */
  namePort(port: number, name: string) {
    this.normaliser.namePort(port, name)
  }

  /** A fresh temporary directory for this run (removed afterwards), shown as `<tmp>`. */
  tmpDir(): string {
    if (this.dir === undefined) {
      const dir = mkdtempSync(join(tmpdir(), "netfx-sc-"))
      this.dir = dir
      this.normaliser.namePath(dir, "<tmp>")
      this.cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    }
    return this.dir
  }

  /** A path for a Unix socket in this run's temporary directory. */
  tmpPath(name: string): string {
    return join(this.tmpDir(), name)
  }

  /** Registers a cleanup that runs after the scenario, whatever happened. */
  defer(cleanup: () => Promise<void> | void) {
    this.cleanups.push(cleanup)
  }

  private async peer(
    name: string,
    onConnection: (socket: nodeNet.Socket) => void,
    listen: { readonly host?: string; readonly path?: string; readonly port?: number } = {}
  ): Promise<Peer> {
    const sockets = new Set<nodeNet.Socket>()
    const connections: Array<PeerConnection> = []
    const waiting: Array<[number, (connection: PeerConnection) => void]> = []
    const server = nodeNet.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket)
      const chunks: Array<Buffer> = []
      socket.on("data", (chunk: Buffer) => chunks.push(chunk))
      const ended = new Promise<{ received: string; how: string }>((resolve) => {
        const done = (how: string) => resolve({ received: Buffer.concat(chunks).toString("latin1"), how })
        socket.on("end", () => done("end"))
        socket.on("error", (error: NodeJS.ErrnoException) => done(`error ${error.code}`))
        socket.on("close", () => {
          sockets.delete(socket)
          done("close")
        })
      })
      const connection = { socket, ended }
      connections.push(connection)
      for (const [index, resolve] of waiting) if (index === connections.length - 1) resolve(connection)
      onConnection(socket)
    })
    const host = listen.host ?? "127.0.0.1"
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      if (listen.path !== undefined) server.listen(listen.path, resolve)
      else server.listen(listen.port ?? 0, host, resolve)
    })
    this.cleanups.push(() =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    if (port !== 0) this.namePort(port, name)
    return {
      port,
      host,
      connection: (index) =>
        connections[index] !== undefined
          ? Promise.resolve(connections[index])
          : new Promise((resolve) => waiting.push([index, resolve]))
    }
  }

  /** A node:net peer that echoes every byte and ends when the client ends. */
  echoServer(host = "127.0.0.1", port = 0): Promise<Peer> {
    return this.peer("echo", (socket) => socket.pipe(socket), { host, port })
  }

  /**
   * A node:net peer that accepts and never writes (it reads and records); it ends its side when the client
   * ends, unless `endOnEnd` is false (then the scenario ends it through `connection(i).socket`).
   */
  silentServer(host = "127.0.0.1", endOnEnd = true): Promise<Peer> {
    return this.peer("silent", (socket) => {
      if (endOnEnd) socket.on("end", () => socket.end())
    }, { host })
  }

  /** A node:net peer that writes `greeting` (if any) then ends each connection at once. */
  closingServer(greeting?: string): Promise<Peer> {
    return this.peer("closing", (socket) => greeting === undefined ? socket.end() : socket.end(greeting))
  }

  /** A node:net peer that resets (RST) each connection at once. */
  resetServer(): Promise<Peer> {
    return this.peer("reset", (socket) => socket.resetAndDestroy())
  }

  /** A node:net echo peer on a Unix socket in the temporary directory. */
  unixEchoServer(name = "echo.sock"): Promise<Peer & { readonly path: string }> {
    const path = this.tmpPath(name)
    return this.peer("unix", (socket) => socket.pipe(socket), { path }).then((peer) => ({ ...peer, path }))
  }

  /** A port on 127.0.0.1 where nothing listens: it was listened on, then closed. */
  async refusedPort(): Promise<number> {
    const server = nodeNet.createServer()
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as nodeNet.AddressInfo).port
    await new Promise<void>((resolve) => server.close(() => resolve()))
    this.namePort(port, "refused")
    return port
  }

  /**
   * A listener that never completes a handshake: a Python socket with `listen(0)` whose accept queue one
   * connection fills, after which the kernel drops further SYNs (Node accepts eagerly, so it cannot be node).
   */
  async blackholeServer(host = "127.0.0.1", port = 0): Promise<number> {
    const family = host.includes(":") ? "socket.AF_INET6" : "socket.AF_INET"
    const child: ChildProcess = spawn("python3", [
      "-c",
      [
        "import socket, signal",
        `s = socket.socket(${family}); s.bind((${JSON.stringify(host)}, ${port})); s.listen(0)`,
        "print(s.getsockname()[1], flush=True)",
        "signal.pause()"
      ].join("\n")
    ], { stdio: ["ignore", "pipe", "pipe"] })
    this.cleanups.push(() =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill()
      })
    )
    const bound = await new Promise<number>((resolve, reject) => {
      let errors = ""
      child.stderr?.on("data", (data) => errors += String(data))
      child.stdout?.once("data", (data) => resolve(Number(String(data).trim())))
      child.once("exit", () => reject(new Error(`blackhole listener failed: ${errors}`)))
    })
    // Fill the accept queue: this one completes, every later SYN is dropped.
    const filler = nodeNet.connect({ port: bound, host })
    filler.on("error", () => {})
    this.cleanups.push(() => {
      filler.destroy()
    })
    await new Promise<void>((resolve) => filler.once("connect", () => resolve()))
    this.namePort(bound, "blackhole")
    return bound
  }

  /**
   * A port where `::1` blackholes and `127.0.0.1` echoes, for autoselection between the two.
   */
  async blackholeV6EchoV4(): Promise<number> {
    for (let attempt = 0;; attempt++) {
      const port = await this.blackholeServer("::1")
      try {
        await this.echoServer("127.0.0.1", port)
        return port
      } catch (error) {
        if (attempt > 20) throw error
      }
    }
  }

  /** A node:net client of a server under test, recorded nowhere; destroyed after the scenario. */
  client(options: nodeNet.NetConnectOpts): nodeNet.Socket {
    const socket = nodeNet.connect(options)
    socket.on("error", () => {})
    this.cleanups.push(() => {
      socket.destroy()
    })
    return socket
  }

  /** Resolves with everything a node:net socket receives until it ends or fails, and how. */
  drain(socket: nodeNet.Socket): Promise<{ readonly received: string; readonly how: string }> {
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    return new Promise((resolve) => {
      const done = (how: string) => resolve({ received: Buffer.concat(chunks).toString("latin1"), how })
      socket.once("end", () => done("end"))
      socket.once("error", (error: NodeJS.ErrnoException) => done(`error ${error.code}`))
      socket.once("close", () => done("close"))
    })
  }

  /** Runs after the scenario: notes what it left open (and closes it), then the peers' cleanups. */
  async finish() {
    for (const [lane, target] of this.watched) {
      if (target instanceof nodeNet.Server || !("destroyed" in target)) {
        const server = target as nodeNet.Server
        if (server.listening) {
          this.rec.note(lane, "left listening", true)
          await new Promise<void>((resolve) => server.close(() => resolve()))
        }
      } else if (!target.destroyed) {
        this.rec.note(lane, "left open", true)
        target.destroy()
      }
    }
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup()
      } catch {
        // A cleanup that fails must not hide the others.
      }
    }
  }
}

/** How long a scenario may take before the harness gives up on it and reports what it saw. */
export const scenarioTimeout = 20_000

/** Runs a scenario against a module and returns its record. */
export const runScenario = async (scenario: Scenario, net: NetModule): Promise<Record> => {
  const env = new Env()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      scenario.run(net, env),
      new Promise<void>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`scenario did not finish: ${JSON.stringify(env.rec.record)}`)),
          scenarioTimeout
        )
      })
    ])
  } catch (error) {
    env.rec.note("main", "scenario failed", error)
  } finally {
    clearTimeout(timer)
    await env.finish()
  }
  return env.rec.record
}

/** The scenario's expected record: Node's own, or the hand-written one where this Node lacks the feature. */
export const expectedRecord = async (scenario: Scenario, node: NetModule): Promise<Record> => {
  if (scenario.nodeHas !== undefined && !scenario.nodeHas(node)) {
    if (scenario.expected === undefined) throw new Error(`${scenario.name}: no expected record for this Node`)
    return scenario.expected
  }
  return runScenario(scenario, node)
}
