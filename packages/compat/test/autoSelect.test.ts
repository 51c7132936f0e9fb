/**
 * The one deliberate difference from node:net: autoselection races addresses as RFC 8305 says
 * (`staggered`, the default), where Node aborts each attempt when its delay passes (`sequential`).
 *
 * A slow but live address is made on loopback with a Python listener whose accept queue (backlog 0)
 * is full: the kernel drops the SYNs of a new connection until the test frees the queue, and the
 * client's SYN retransmission (about a second later) then completes the handshake. Nothing waits on
 * time: the tests wait on the sockets' own events.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import * as net from "@netfx/compat"
import { type ChildProcess, spawn } from "node:child_process"
import type * as dns from "node:dns"
import * as nodeNet from "node:net"

interface SlowListener {
  readonly port: number
  /** Accepts whatever is queued and keeps accepting: held-back handshakes now complete. */
  readonly open: () => void
}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A listener on `host` whose full accept queue drops new SYNs until `open()`. */
const slowListener = async (host: string): Promise<SlowListener> => {
  const family = host.includes(":") ? "socket.AF_INET6" : "socket.AF_INET"
  const child: ChildProcess = spawn("python3", [
    "-c",
    [
      "import socket, sys",
      `s = socket.socket(${family}); s.bind((${JSON.stringify(host)}, 0)); s.listen(0)`,
      "print(s.getsockname()[1], flush=True)",
      "sys.stdin.readline()",
      "held = []",
      "while True: held.append(s.accept())"
    ].join("\n")
  ], { stdio: ["pipe", "pipe", "inherit"] })
  cleanups.push(() => child.kill())
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (data) => resolve(Number(String(data).trim())))
    child.once("exit", (code) => reject(new Error(`python3 exited with ${code}`)))
  })
  // One connection fills the queue; the kernel drops every later SYN.
  const filler = nodeNet.connect({ port, host })
  filler.on("error", () => {})
  cleanups.push(() => filler.destroy())
  await new Promise<void>((resolve) => filler.once("connect", () => resolve()))
  return { port, open: () => child.stdin!.write("accept\n") }
}

/** A socket with its events recorded from the start, then connected (the first attempt starts at once). */
const connectRecorded = (options: nodeNet.NetConnectOpts & { readonly autoSelectFamilyPolicy?: string }) => {
  const socket = new net.Socket()
  cleanups.push(() => socket.destroy())
  const events = record(socket)
  return { socket, events, start: () => socket.connect(options as nodeNet.NetConnectOpts) }
}

/** A lookup that answers the given addresses, in order. */
const answers = (addresses: ReadonlyArray<string>): nodeNet.LookupFunction =>
  ((_host: string, _options: unknown, callback: (error: null, addresses: Array<dns.LookupAddress>) => void) =>
    callback(null, addresses.map((address) => ({ address, family: nodeNet.isIPv6(address) ? 6 : 4 })))) as never

const record = (socket: nodeNet.Socket) => {
  const events: Array<string> = []
  for (const name of ["connectionAttempt", "connectionAttemptFailed", "connectionAttemptTimeout"]) {
    socket.on(name, (address: string) => events.push(`${name} ${address}`))
  }
  return events
}

const connected = (socket: nodeNet.Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve())
    socket.once("error", reject)
  })

describe("autoselection", () => {
  it("is staggered by default: the first address wins after the second attempt started", async () => {
    assert.strictEqual(net.getDefaultAutoSelectFamilyPolicy(), "staggered")
    // ::1 holds its handshake back until the race has moved on; 127.0.0.1 has nothing on the port.
    const slow = await slowListener("::1")
    const { events, socket, start } = connectRecorded({
      host: "slow.test",
      port: slow.port,
      lookup: answers(["::1", "127.0.0.1"]),
      autoSelectFamilyAttemptTimeout: 50
    })
    socket.on("connectionAttempt", (address: string) => {
      if (address === "127.0.0.1") slow.open()
    })
    const done = connected(socket)
    start()
    await done
    assert.deepStrictEqual(events, [
      "connectionAttempt ::1",
      "connectionAttemptTimeout ::1",
      "connectionAttempt 127.0.0.1",
      "connectionAttemptFailed 127.0.0.1"
    ])
    assert.strictEqual(socket.remoteAddress, "::1")
    assert.strictEqual(socket.remotePort, slow.port)
    // The winner is the last entry, though it was tried first.
    assert.deepStrictEqual(socket.autoSelectFamilyAttemptedAddresses, [
      `127.0.0.1:${slow.port}`,
      `::1:${slow.port}`
    ])
  })

  it("is Node's sequential race with autoSelectFamilyPolicy: 'sequential': the timed-out attempt is aborted", async () => {
    const last = await slowListener("127.0.0.1")
    const { events, socket, start } = connectRecorded({
      host: "slow.test",
      port: last.port,
      lookup: answers(["::1", "127.0.0.1"]),
      autoSelectFamilyAttemptTimeout: 50,
      autoSelectFamilyPolicy: "sequential"
    })
    // ::1 has nothing on this port: refused at once, and the race moves on to 127.0.0.1, which
    // holds its handshake back until it is released.
    socket.on("connectionAttempt", (address: string) => {
      if (address === "127.0.0.1") last.open()
    })
    const done = connected(socket)
    start()
    await done
    assert.deepStrictEqual(events.filter((e) => !e.startsWith("connectionAttemptFailed")), [
      "connectionAttempt ::1",
      "connectionAttempt 127.0.0.1"
    ])
    assert.strictEqual(socket.remoteAddress, "127.0.0.1")
    assert.deepStrictEqual(socket.autoSelectFamilyAttemptedAddresses, [`::1:${last.port}`, `127.0.0.1:${last.port}`])
  })

  it("sequential: an attempt the delay passed is aborted and cannot win later", async () => {
    const slow = await slowListener("::1")
    const { events, socket, start } = connectRecorded({
      host: "slow.test",
      port: slow.port,
      lookup: answers(["::1", "127.0.0.1"]),
      autoSelectFamilyAttemptTimeout: 50,
      autoSelectFamilyPolicy: "sequential"
    })
    // 127.0.0.1 has nothing on this port: refused. ::1 was aborted at its timeout, so releasing its
    // queue now changes nothing: every attempt failed.
    socket.on("connectionAttempt", (address: string) => {
      if (address === "127.0.0.1") slow.open()
    })
    const failed = new Promise<Error & { code?: string; errors?: Array<Error & { code?: string }> }>((resolve) =>
      socket.once("error", resolve)
    )
    start()
    const error = await failed
    assert.strictEqual(error.name, "AggregateError")
    assert.strictEqual(error.code, "ETIMEDOUT")
    assert.deepStrictEqual(error.errors?.map((e) => e.code), ["ETIMEDOUT", "ECONNREFUSED"])
    assert.deepStrictEqual(events, [
      "connectionAttempt ::1",
      "connectionAttemptTimeout ::1",
      "connectionAttempt 127.0.0.1",
      "connectionAttemptFailed 127.0.0.1"
    ])
  })

  it("the default policy can be switched, and is validated", () => {
    net.setDefaultAutoSelectFamilyPolicy("sequential")
    try {
      assert.strictEqual(net.getDefaultAutoSelectFamilyPolicy(), "sequential")
    } finally {
      net.setDefaultAutoSelectFamilyPolicy("staggered")
    }
    assert.throws(
      () => net.setDefaultAutoSelectFamilyPolicy("fastest" as never),
      /The argument 'policy' must be 'staggered' or 'sequential'. Received 'fastest'/
    )
    assert.throws(
      () => net.connect({ port: 1, host: "x.test", autoSelectFamilyPolicy: 1 } as nodeNet.NetConnectOpts),
      /The property 'options.autoSelectFamilyPolicy' must be 'staggered' or 'sequential'. Received 1/
    )
  })
})
