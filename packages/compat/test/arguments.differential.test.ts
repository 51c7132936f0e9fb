/**
 * Argument handling, generated: seeded calls of `connect`, `createConnection`, `new Socket`,
 * `socket.connect`, `createServer`/`listen`, the socket setters and `write`/`end`/`setEncoding`,
 * `BlockList` and `SocketAddress`, with valid, odd and invalid arguments, made the same way on
 * node:net and on `@netfx/compat`. For each call: what it threw or returned, the events up to the
 * first that settles it ('connect', 'listening', 'error' or 'close'), and the callbacks it called.
 * The records must be equal, on whichever Node runs the suite.
 *
 * Every address is on this machine: IP literals, `localhost`, a lookup function of the test's, a
 * path in a temporary directory. `NETFX_ARGS_CASES` and `NETFX_ARGS_SEED` change the run.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { EventEmitter, once } from "node:events"
import { appendFileSync, mkdtempSync, rmSync } from "node:fs"
import * as nodeNet from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { isDeepStrictEqual } from "node:util"
import { node, subject, subjectIsNode } from "./scenarios/differential.js"
import { type NetModule, nodeMajor, Normaliser } from "./scenarios/harness.js"

const cases = Number(process.env.NETFX_ARGS_CASES ?? 3000)
const seed = Number(process.env.NETFX_ARGS_SEED ?? 20261127)
const perTest = 250

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
/** The socket `blockList` option (Node 22.13+); older Nodes ignore it, and compat has it everywhere. */
const nodeHasSocketBlockList = major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13)
/** `typeOfService` (Node 24.6+); older Nodes ignore the option, and compat keeps it everywhere. */
const nodeHasTypeOfService = typeof (nodeNet.Socket.prototype as { setTypeOfService?: unknown }).setTypeOfService ===
  "function"

// ---------------------------------------------------------------------------------------- descriptions

/** An argument, described as plain data and made anew for each module (signals, functions, lists). */
type Arg =
  | { readonly k: "v"; readonly v: unknown }
  | { readonly k: "port"; readonly which: "echo" | "refused" }
  | { readonly k: "signal"; readonly state: "fresh" | "aborted" | "fake" }
  | { readonly k: "cb" }
  | { readonly k: "lookup"; readonly mode: "answers" | "fails at once" | "throws" }
  | { readonly k: "blockList" }
  | { readonly k: "onread"; readonly buffer: "bytes" | "factory" | "dataView" | "none" }
  | { readonly k: "path"; readonly which: "missing" | "long" }
  | { readonly k: "options"; readonly fields: ReadonlyArray<readonly [string, Arg]> }

type Case =
  | { readonly api: "connect" | "createConnection" | "new Socket().connect"; readonly args: ReadonlyArray<Arg> }
  | { readonly api: "new Socket"; readonly args: ReadonlyArray<Arg> }
  | { readonly api: "listen"; readonly options: ReadonlyArray<Arg>; readonly args: ReadonlyArray<Arg> }
  | {
    readonly api: "socket method"
    readonly state: "new" | "connected" | "destroyed"
    readonly method: string
    readonly args: ReadonlyArray<Arg>
  }
  | { readonly api: "BlockList"; readonly method: string; readonly args: ReadonlyArray<Arg> }
  | { readonly api: "SocketAddress"; readonly args: ReadonlyArray<Arg> }

const v = (value: unknown): Arg => ({ k: "v", v: value })
const values = (...list: Array<unknown>) => fc.constantFrom(...list.map(v))
const odd = values(undefined, null, 0, -1, 1.5, NaN, "", "x", true, {}, [])

const port = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Arg>({ k: "port", which: "echo" }, { k: "port", which: "refused" }) },
  { weight: 1, arbitrary: fc.oneof(values(65536, "abc", "65536", " ", 2 ** 53), odd) }
)
const host = fc.oneof(
  { weight: 4, arbitrary: values("127.0.0.1", "localhost", "::1", undefined) },
  // A NUL in a name goes to getaddrinfo on Node 20 (which would ask the network); 22+ refuse it first.
  { weight: 1, arbitrary: nodeMajor >= 22 ? fc.oneof(values("local\0host", 5, {}, "", null)) : values(5, {}, "", null) }
)
const signal = fc.oneof(
  fc.constantFrom<Arg>({ k: "signal", state: "fresh" }, { k: "signal", state: "aborted" }, {
    k: "signal",
    state: "fake"
  }),
  values(null, 5)
)
const lookup = fc.oneof(
  fc.constantFrom<Arg>({ k: "lookup", mode: "answers" }, { k: "lookup", mode: "fails at once" }, {
    k: "lookup",
    mode: "throws"
  }),
  values(5, null)
)
const onread = fc.oneof(
  fc.constantFrom<Arg>(
    { k: "onread", buffer: "bytes" },
    { k: "onread", buffer: "factory" },
    { k: "onread", buffer: "dataView" },
    { k: "onread", buffer: "none" }
  ),
  values(5, null)
)

/** Options of a socket and its connect, each field present or not. */
const connectFields: ReadonlyArray<readonly [string, fc.Arbitrary<Arg>]> = [
  ["port", port],
  ["host", host],
  ["family", fc.oneof(values(4, 6, 0, 5, "IPv4", "IPv6", "x"), odd)],
  ["localAddress", fc.oneof(values("127.0.0.1", "1.2.3", {}), odd)],
  // Not -1 or 1.5, which Node binds as ports 65535 and 1 (see the scenario "localPort -1"): two
  // connections from one local port to the echo in a row would meet the first one's TIME_WAIT.
  ["localPort", values(0, "x", null)],
  ["lookup", lookup],
  ["signal", signal],
  ["timeout", values(0, -1, "x", NaN, 1.5)],
  ["autoSelectFamily", values(true, false, "x", null)],
  ["autoSelectFamilyAttemptTimeout", values(5, 0, "x", 1.5, 300)],
  ["keepAlive", values(true, false, "x")],
  ["keepAliveInitialDelay", values(1000, -1, "x", null)],
  ["noDelay", values(true, 0, "x")],
  ["allowHalfOpen", values(true, 1, "x")],
  ["onread", onread],
  ["fd", values(-1, "x", 1.5, null)],
  ["hints", values(0, "x", -1, 1024)],
  ["readable", values(true, false)],
  ["writable", values(true, false)],
  ["highWaterMark", values(16, -1, "x")],
  ["objectMode", values(true, false)],
  ...(nodeHasSocketBlockList
    ? [["blockList", fc.oneof(fc.constant<Arg>({ k: "blockList" }), values(null, "", 0, {}, true))] as const]
    : []),
  ...(nodeHasTypeOfService ? [["typeOfService", values(16, 256, "x", -1)] as const] : [])
]

/** Up to `most` fields of `fields`, each with a value of its own arbitrary. */
const optionsOf = (fields: ReadonlyArray<readonly [string, fc.Arbitrary<Arg>]>, most: number) =>
  fc.subarray(fields.map(([name]) => name), { maxLength: most }).chain((names) =>
    fc.tuple(...names.map((name) => fields.find(([field]) => field === name)![1])).map((args): Arg => ({
      k: "options",
      fields: names.map((name, i) => [name, args[i]!] as const)
    }))
  )

const connectArgs = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(optionsOf(connectFields, 4)).map((options): Array<Arg> => options) },
  { weight: 2, arbitrary: fc.tuple(port, host, fc.constant<Arg>({ k: "cb" })).map((args): Array<Arg> => args) },
  { weight: 1, arbitrary: fc.tuple(port).map((args): Array<Arg> => args) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Arg>({ k: "path", which: "missing" }, { k: "path", which: "long" }, v(5), v(""))
      .map((path): Array<Arg> => [{ k: "options", fields: [["path", path]] }])
  },
  { weight: 1, arbitrary: fc.constant<Array<Arg>>([]) }
)

const listenFields: ReadonlyArray<readonly [string, fc.Arbitrary<Arg>]> = [
  ["port", fc.oneof(values(0, -1, 65536, "0", "x", null, undefined, 1.5))],
  [
    "host",
    fc.oneof(
      values("127.0.0.1", "::1", "localhost", "0.0.0.0", "", 5, null),
      nodeMajor >= 22 ? values("local\0host") : values("")
    )
  ],
  ["backlog", values(1, -1, "x")],
  ["exclusive", values(true, "x")],
  ["ipv6Only", values(true, "x")],
  ["signal", signal],
  ["readableAll", values(true)],
  ["path", fc.constantFrom<Arg>({ k: "path", which: "missing" }, v(5))]
]
const serverFields: ReadonlyArray<readonly [string, fc.Arbitrary<Arg>]> = [
  ["allowHalfOpen", values(true, 1, "x")],
  ["pauseOnConnect", values(true, "x")],
  ["noDelay", values(true, 0)],
  ["keepAlive", values(true, "x")],
  ["keepAliveInitialDelay", values(1000, -1, "x")],
  ["highWaterMark", values(16, -1, "x")],
  ...(nodeHasSocketBlockList ? [["blockList", fc.oneof(values(null, "", {}, true))] as const] : [])
]

const chunk = fc.oneof(values("abc", "", 5, null, true, {}), fc.constant(v(Buffer.from("xy"))))
const encoding = values("utf8", "hex", "buffer", "nope", null, 5, undefined)
const socketMethod = fc.oneof(
  fc.tuple(fc.constant("setTimeout"), fc.tuple(values(0, -1, "x", NaN, 2 ** 31), fc.constant<Arg>({ k: "cb" }))),
  fc.tuple(fc.constant("setKeepAlive"), fc.tuple(values(true, false, "x"), values(1000, -1, "x", undefined))),
  fc.tuple(fc.constant("setNoDelay"), fc.tuple(values(true, false, undefined, "x"))),
  fc.tuple(fc.constant("setEncoding"), fc.tuple(encoding)),
  fc.tuple(fc.constant("write"), fc.tuple(chunk, encoding, fc.constant<Arg>({ k: "cb" }))),
  fc.tuple(fc.constant("write"), fc.tuple(chunk, fc.constant<Arg>({ k: "cb" }))),
  fc.tuple(fc.constant("end"), fc.tuple(chunk, encoding, fc.constant<Arg>({ k: "cb" }))),
  fc.tuple(fc.constant("end"), fc.tuple(fc.constant<Arg>({ k: "cb" })))
)
const address = values("1.2.3.4", "::1", "::ffff:1.2.3.4", "1.2.3", "x", 5, null, undefined)
const family = values("ipv4", "ipv6", "IPv4", "x", 5, undefined)
const blockListMethod = fc.oneof(
  fc.tuple(fc.constant("addAddress"), fc.tuple(address, family)),
  fc.tuple(fc.constant("addRange"), fc.tuple(address, address, family)),
  fc.tuple(fc.constant("addSubnet"), fc.tuple(address, values(8, 33, -1, "x", 1.5, 129), family)),
  fc.tuple(fc.constant("check"), fc.tuple(address, family))
)
const socketAddressFields: ReadonlyArray<readonly [string, fc.Arbitrary<Arg>]> = [
  ["address", address],
  ["family", family],
  // Not the inputs that abort Node 20 or 24 (see SocketAddress.test.ts): a numeric-string port, -0,
  // a flow label on an IPv4 address or above 2^20 - 1.
  ["port", values(0, 80, -1, 65536, "x", 1.5)],
  ["flowlabel", values(0, -1, "x")]
]

const caseArbitrary: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.constantFrom<"connect" | "createConnection" | "new Socket().connect">(
        "connect",
        "createConnection",
        "new Socket().connect"
      ),
      connectArgs
    )
      .map(([api, args]): Case => ({ api, args }))
  },
  {
    weight: 1,
    arbitrary: optionsOf(connectFields.filter(([name]) => name !== "port"), 3).map((o): Case => ({
      api: "new Socket",
      args: [o]
    }))
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      optionsOf(serverFields, 2),
      fc.oneof(
        optionsOf(listenFields, 3).map((o): Array<Arg> => [o]),
        fc.tuple(values(0, "0", -1, "x"), values("127.0.0.1", "localhost", undefined)).map((a): Array<Arg> => a)
      )
    ).map(([options, args]): Case => ({ api: "listen", options: [options], args }))
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("new" as const, "connected" as const, "destroyed" as const), socketMethod)
      .map(([state, [method, args]]): Case => ({ api: "socket method", state, method, args }))
  },
  {
    weight: 2,
    arbitrary: blockListMethod.map(([method, args]): Case => ({ api: "BlockList", method, args }))
  },
  {
    weight: 1,
    arbitrary: optionsOf(socketAddressFields, 4).map((o): Case => ({ api: "SocketAddress", args: [o] }))
  }
)

// ---------------------------------------------------------------------------------------- running

interface Peers {
  readonly echo: number
  readonly refused: number
  readonly dir: string
}

/** Notes in the run whose calls are being made: the 'error' events nobody listens to go there. */
let current: ((label: string, value: unknown) => void) | undefined

/**
 * A socket a call made and did not return (the call threw after `new Socket(options)` with an
 * aborted `signal`) emits its AbortError with no listener, an uncaught exception in either
 * module: while a run is on, such an 'error' is recorded in the run instead.
 */
const recordUnhandledErrors = () => {
  const emit = EventEmitter.prototype.emit
  EventEmitter.prototype.emit = function(this: EventEmitter, event: string | symbol, ...args: Array<unknown>) {
    // compat's own sockets too: on Bun they are a stream of compat's, not the runtime's net.Socket.
    const owned = this instanceof nodeNet.Socket || this instanceof subject.Socket || this instanceof node.Server ||
      this instanceof subject.Server
    if (event === "error" && current !== undefined && owned && this.listenerCount("error") === 0) {
      current("unhandled error", args[0])
      return false
    }
    return emit.call(this, event, ...args)
  }
  return () => {
    EventEmitter.prototype.emit = emit
  }
}

/** The next 'close' (`events.once` would reject on an 'error' before it). */
const closeOf = (emitter: nodeNet.Socket) => new Promise<void>((resolve) => emitter.once("close", () => resolve()))

/** One run of a case on one module: what a program observes, as plain data. */
class Run {
  readonly record: Array<unknown> = []
  readonly normaliser = new Normaliser()
  /** Whether the case made a signal that is aborted already. */
  aborted = false

  constructor(readonly net: NetModule, readonly peers: Peers) {
    this.normaliser.namePort(peers.echo, "echo")
    this.normaliser.namePort(peers.refused, "refused")
    this.normaliser.namePath(peers.dir, "<tmp>")
  }

  note(label: string, value?: unknown) {
    this.record.push(value === undefined ? label : { [label]: this.normaliser.value(value) })
  }

  make(arg: Arg): unknown {
    switch (arg.k) {
      case "v":
        return arg.v
      case "port":
        return this.peers[arg.which]
      case "signal": {
        if (arg.state === "fake") return { aborted: false }
        const controller = new AbortController()
        if (arg.state === "aborted") {
          controller.abort()
          this.aborted = true
        }
        return controller.signal
      }
      case "cb":
        return (...args: Array<unknown>) => this.note("callback", args)
      case "lookup":
        return (hostname: string, options: { all?: boolean }, callback: (...args: Array<unknown>) => void) => {
          this.note("lookup called", { hostname, all: options.all === true })
          if (arg.mode === "throws") throw new Error("lookup threw")
          if (arg.mode === "fails at once") return callback(Object.assign(new Error("no"), { code: "ENOTFOUND" }))
          process.nextTick(() =>
            options.all === true
              ? callback(null, [{ address: "127.0.0.1", family: 4 }])
              : callback(null, "127.0.0.1", 4)
          )
        }
      case "blockList":
        return new this.net.BlockList()
      case "onread":
        return {
          buffer: arg.buffer === "bytes"
            ? Buffer.alloc(8)
            : arg.buffer === "factory"
            ? () => Buffer.alloc(8)
            : arg.buffer === "dataView"
            ? new DataView(new ArrayBuffer(8))
            : undefined,
          callback: (n: number) => {
            this.note("onread", n)
            return true
          }
        }
      case "path":
        return arg.which === "missing" ? join(this.peers.dir, "missing.sock") : join(this.peers.dir, "p".repeat(120))
      case "options":
        return Object.fromEntries(arg.fields.map(([name, value]) => [name, this.make(value)]))
    }
  }

  /** Calls `f`; notes what it threw, or what kind of thing it returned. */
  call<A>(label: string, f: () => A): A | undefined {
    try {
      const result = f()
      this.note(label, {
        returned: result === undefined ? "undefined" : typeof result === "object" ? "object" : result
      })
      return result
    } catch (error) {
      this.note(label, { threw: error })
      return undefined
    }
  }

  /** Notes a socket's events up to the first that settles it, then destroys it and waits for 'close'. */
  async settleSocket(socket: nodeNet.Socket) {
    if (this.aborted) {
      // A socket made with a signal aborted already: Node revives it and connects anyway, and
      // emits 'close' twice; compat keeps it destroyed (README, departures). What the call threw
      // or returned is compared; its events are not.
      this.note("made with an aborted signal")
      socket.on("error", () => {})
      socket.destroy()
      await new Promise<void>((resolve) => setImmediate(resolve))
      return
    }
    // `socket.closed` turns true before 'close' is emitted: wait for the event itself.
    const closed = closeOf(socket)
    const settled = new Promise<void>((resolve) => {
      for (const event of ["lookup", "connectionAttempt", "connectionAttemptFailed", "connect", "error", "close"]) {
        socket.on(event, (...args: Array<unknown>) => {
          if (event === "connect" || event === "error" || event === "close") resolve()
          this.note(`event ${event}`, event === "lookup" || event === "error" ? args : undefined)
        })
      }
    })
    // A socket that was never asked to connect has nothing to wait for.
    if (socket.connecting) await settled
    socket.on("error", () => {})
    socket.destroy()
    await closed
    this.note("after close", { destroyed: socket.destroyed, bytesRead: socket.bytesRead })
  }

  async run(c: Case) {
    current = (label, value) => this.note(label, value)
    try {
      await this.#run(c)
      // An 'error' a throwing call left behind (a socket it made and never returned) comes later.
      await new Promise<void>((resolve) => setImmediate(resolve))
    } finally {
      current = undefined
    }
  }

  async #run(c: Case) {
    const net = this.net
    switch (c.api) {
      case "connect":
      case "createConnection":
      case "new Socket().connect": {
        const args = c.args.map((arg) => this.make(arg))
        const socket = this.call(c.api, () =>
          c.api === "new Socket().connect"
            ? new net.Socket().connect(...(args as [number]))
            : net[c.api](...(args as [number])))
        if (socket !== undefined) await this.settleSocket(socket)
        return
      }
      case "new Socket": {
        const socket = this.call(c.api, () => new net.Socket(this.make(c.args[0]!) as nodeNet.SocketConstructorOpts))
        if (socket !== undefined) await this.settleSocket(socket)
        return
      }
      case "listen":
        return this.listen(c)
      case "socket method":
        return this.method(c)
      case "BlockList": {
        const list = new net.BlockList()
        const args = c.args.map((arg) => this.make(arg))
        this.call(
          c.method,
          () => (list as unknown as Record<string, (...a: Array<unknown>) => unknown>)[c.method]!(...args)
        )
        this.note("rules", list.rules)
        return
      }
      case "SocketAddress": {
        const made = this.call(
          c.api,
          () => new net.SocketAddress(this.make(c.args[0]!) as nodeNet.SocketAddressInitOptions)
        )
        if (made !== undefined) {
          const { address, family, flowlabel, port } = made
          this.note("address", { address, family, flowlabel, port })
        }
        return
      }
    }
  }

  async listen(c: Case & { api: "listen" }) {
    const server = this.call(
      "createServer",
      () => this.net.createServer(this.make(c.options[0]!) as nodeNet.ServerOpts)
    )
    if (server === undefined) return
    const fields = server as unknown as Record<string, unknown>
    this.note("fields", {
      allowHalfOpen: fields.allowHalfOpen,
      pauseOnConnect: fields.pauseOnConnect,
      noDelay: fields.noDelay
    })
    const settled = new Promise<void>((resolve) => {
      server.once("listening", () => {
        this.note("event listening", typeof server.address())
        resolve()
      })
      server.once("error", (error) => {
        this.note("event error", error)
        resolve()
      })
      server.once("close", () => resolve())
    })
    const returned = this.call("listen", () => server.listen(...(c.args.map((arg) => this.make(arg)) as [number])))
    if (returned !== undefined) await settled
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async method(c: Case & { api: "socket method" }) {
    const socket = new this.net.Socket()
    socket.on("error", (error) => this.note("event error", error))
    if (c.state === "connected") {
      socket.connect(this.peers.echo, "127.0.0.1")
      await once(socket, "connect")
    } else if (c.state === "destroyed") {
      socket.destroy()
      await once(socket, "close")
    }
    const args = c.args.map((arg) => this.make(arg))
    const closed = c.state === "destroyed" ? Promise.resolve() : closeOf(socket)
    this.call(
      c.method,
      () => (socket as unknown as Record<string, (...a: Array<unknown>) => unknown>)[c.method]!(...args)
    )
    this.note("state", { destroyed: socket.destroyed, writable: socket.writable, readyState: socket.readyState })
    socket.destroy()
    await closed
    // Callbacks of calls on a destroyed socket come on a later tick.
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

const describeCase = (c: Case) =>
  JSON.stringify(c, (_key, value) => (value === undefined ? "<undefined>" : Number.isNaN(value) ? "<NaN>" : value))

describe.skipIf(subjectIsNode)("arguments, generated (differential)", () => {
  const all = fc.sample(caseArbitrary, { seed, numRuns: cases })
  let peers: Peers | undefined
  let cleanup: (() => Promise<void>) | undefined

  let restoreEmit: (() => void) | undefined
  beforeAll(() => {
    restoreEmit = recordUnhandledErrors()
  })
  afterAll(() => restoreEmit?.())

  const setup = async (): Promise<Peers> => {
    if (peers !== undefined) return peers
    const dir = mkdtempSync(join(tmpdir(), "netfx-args-"))
    const echo = nodeNet.createServer((socket) => {
      socket.on("error", () => {})
      socket.pipe(socket)
    })
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
    const refusedServer = nodeNet.createServer()
    await new Promise<void>((resolve) => refusedServer.listen(0, "127.0.0.1", resolve))
    const refused = (refusedServer.address() as nodeNet.AddressInfo).port
    await new Promise<void>((resolve) => refusedServer.close(() => resolve()))
    peers = { echo: (echo.address() as nodeNet.AddressInfo).port, refused, dir }
    cleanup = async () => {
      await new Promise<void>((resolve) => echo.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    }
    return peers
  }

  for (let start = 0; start < all.length; start += perTest) {
    it(`cases ${start} to ${Math.min(start + perTest, all.length) - 1} (seed ${seed})`, async () => {
      const p = await setup()
      const differences: Array<unknown> = []
      for (const c of all.slice(start, start + perTest)) {
        const expected = new Run(node, p)
        await expected.run(c)
        const actual = new Run(subject, p)
        await actual.run(c)
        if (!isDeepStrictEqual(actual.record, expected.record)) {
          differences.push({ case: describeCase(c), node: expected.record, compat: actual.record })
        }
      }
      // Every differing case, so that one run shows them all (also written to NETFX_ARGS_REPORT).
      const report = process.env.NETFX_ARGS_REPORT
      if (report !== undefined && differences.length > 0) {
        appendFileSync(report, differences.map((d) => JSON.stringify(d)).join("\n") + "\n")
      }
      expect(differences).toEqual([])
      if (start + perTest >= all.length) await cleanup?.()
    }, 120_000)
  }
})
