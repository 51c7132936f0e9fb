/**
 * What a compat socket costs against node:net's, side by side in one run (issue #13's compat rows).
 *
 * Each measured side runs in a process of its own (its CPU time and heap are its own); its peer is
 * node:net in another process, except in the `both-*` scenarios, where the implementation is both
 * the client and its echo server in one process (a proxy, a test suite). Rounds alternate between
 * implementations in rotated order; the figure is the median of the rounds.
 *
 * Implementations: `node` (node:net), `compat` (@netfx/compat's built package), and `before`: another
 * build of compat to compare with, whose `dist/index.js` is given by `NETFX_BEFORE` (for example a
 * `git archive` of an earlier commit, built beside this checkout). The design spike of issue #13
 * (node:net's socket subclassed, the core doing the dial) was measured here as `subclass`; see
 * the README's design notes and the history of this file.
 *
 * Run from the repository root on built packages (`npm run build` first; compat is imported from
 * its `dist`):
 *
 *   node --import tsx --expose-gc packages/compat/bench/cost.ts [--rounds 5] [--only client,server]
 *     [--impl node,compat]
 *
 * or, without tsx's per-closure `keepNames` cost in the bench's own code, bundled first:
 *
 *   npx esbuild packages/compat/bench/cost.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=packages/compat/build/cost.mjs
 *   node --expose-gc packages/compat/build/cost.mjs [options]
 *
 * Scenarios: client (3,000 connections, 50 in flight: connect, 64 B echo, end, close), server (the
 * same driven by node:net clients), idle (heap and RSS per idle server connection, 2,000 of them),
 * bulk (256 MiB in 64 KiB writes through an echo, client CPU per GiB), rt (20,000 round trips of
 * 64 B), both-bulk, both-rt, both-conn, both-idle (compat at both ends).
 */
import { fork } from "node:child_process"
import type * as nodeNet from "node:net"
import { fileURLToPath } from "node:url"

type NetLike = {
  connect: (options: { host: string; port: number; noDelay?: boolean }, cb?: () => void) => nodeNet.Socket
  createServer: (options: { allowHalfOpen?: boolean; noDelay?: boolean }, cb: (s: nodeNet.Socket) => void) => {
    listen: (port: number, host: string, cb: () => void) => unknown
    address: () => unknown
    close: (cb?: () => void) => unknown
    getConnections: (cb: (e: Error | null, n: number) => void) => unknown
  }
}

const HOST = "127.0.0.1"
const self = fileURLToPath(import.meta.url)
const now = () => performance.now()
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const gc = () => (globalThis as { gc?: () => void }).gc!()

const load = async (impl: string): Promise<NetLike> => {
  if (impl === "node") return (await import("node:net")) as unknown as NetLike
  if (impl === "compat") return (await import("@netfx/compat")) as unknown as NetLike
  if (impl === "before") {
    const path = process.env.NETFX_BEFORE
    if (path === undefined) throw new Error("before: set NETFX_BEFORE to the dist/index.js of a compat build")
    return (await import(path)) as unknown as NetLike
  }
  throw new Error(`unknown implementation ${impl}`)
}

const pool = async (count: number, inFlight: number, task: () => Promise<void>) => {
  let started = 0
  const worker = async () => {
    while (started < count) {
      started++
      await task()
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
}

// ------------------------------------------------------------------ the programs, on any net module

const echoServer = (net: NetLike) =>
  new Promise<{ port: number; close: () => Promise<void>; open: () => Promise<number> }>((resolve) => {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      socket.on("error", () => {})
      socket.pipe(socket)
    })
    server.listen(0, HOST, () => {
      const port = (server.address() as { port: number }).port
      resolve({
        port,
        close: () => new Promise<void>((r) => server.close(() => r())),
        open: () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)))
      })
    })
  })

const connected = (net: NetLike, port: number) =>
  new Promise<nodeNet.Socket>((resolve, reject) => {
    const socket = net.connect({ host: HOST, port, noDelay: true }, () => resolve(socket))
    socket.once("error", reject)
  })

const exchange = (net: NetLike, port: number, message: Buffer) =>
  new Promise<void>((resolve, reject) => {
    let got = 0
    const socket = net.connect({ host: HOST, port, noDelay: true }, () => socket.write(message))
    socket.on("data", (chunk: Buffer) => {
      got += chunk.length
      if (got === message.length) socket.end()
    })
    socket.on("error", reject)
    socket.on("close", () => got === message.length ? resolve() : reject(new Error(`${got} bytes echoed`)))
  })

const connections = async (net: NetLike, port: number, count: number) => {
  const message = Buffer.alloc(64, 0x63)
  await pool(count, 50, () => exchange(net, port, message))
}

const bulk = async (net: NetLike, port: number, bytes: number) => {
  const socket = await connected(net, port)
  const data = Buffer.alloc(65536, 0x5a)
  await new Promise<void>((resolve, reject) => {
    let sent = 0
    let received = 0
    socket.on("error", reject)
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length
    })
    socket.on("end", () => {
      socket.destroy()
      if (received === bytes) resolve()
      else reject(new Error(`${received} of ${bytes}`))
    })
    const pump = () => {
      while (sent < bytes) {
        sent += data.length
        if (!socket.write(data)) return void socket.once("drain", pump)
      }
      socket.end()
    }
    pump()
  })
}

const roundTrips = async (net: NetLike, port: number, count: number) => {
  const socket = await connected(net, port)
  const message = Buffer.alloc(64, 0x71)
  await new Promise<void>((resolve, reject) => {
    let got = 0
    let done = 0
    socket.on("error", reject)
    socket.on("data", (chunk: Buffer) => {
      got += chunk.length
      if (got < 64) return
      got = 0
      if (++done < count) return void socket.write(message)
      socket.destroy()
      resolve()
    })
    socket.write(message)
  })
}

/** Opens `count` connections that each echo one byte, and keeps them open. */
const idleClients = async (net: NetLike, port: number, count: number) => {
  const sockets: Array<nodeNet.Socket> = []
  await pool(count, 50, () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: HOST, port }, () => socket.write("x"))
      socket.once("data", () => resolve())
      socket.once("error", reject)
      sockets.push(socket)
    }))
  return () => {
    for (const socket of sockets) socket.destroy()
  }
}

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 50))
    gc()
  }
}

// ------------------------------------------------------------------ child processes

type Message = { readonly [key: string]: unknown }

const child = (role: string, impl: string, args: Message = {}) => {
  // The children run as this process runs (through tsx, or bundled), with gc exposed.
  const proc = fork(self, ["--child", role, impl, JSON.stringify(args)], {
    execArgv: [...process.execArgv.filter((flag) => flag !== "--expose-gc"), "--expose-gc"]
  })
  const inbox: Array<Message> = []
  const waiting: Array<(m: Message) => void> = []
  proc.on("message", (m: Message) => {
    const w = waiting.shift()
    if (w) w(m)
    else inbox.push(m)
  })
  return {
    next: () =>
      new Promise<Message>((resolve, reject) => {
        const m = inbox.shift()
        if (m) return resolve(m)
        waiting.push(resolve)
        proc.once("exit", (code) =>
          code === 0 ? resolve({ exited: true }) : reject(new Error(`${role} ${impl} exited ${code}`)))
      }),
    send: (m: Message) => proc.send(m),
    kill: () => proc.kill()
  }
}

const send = (m: Message) => process.send!(m)
const receive = () => new Promise<Message>((resolve) => process.once("message", resolve))

const childMain = async (role: string, impl: string, args: Message) => {
  const net = await load(impl)
  switch (role) {
    case "echo": {
      const server = await echoServer(net)
      send({ port: server.port })
      await receive()
      await server.close()
      break
    }
    case "client": {
      const port = args.port as number
      const kind = args.kind as string
      const work = kind === "client"
        ? () => connections(net, port, 3000)
        : kind === "bulk"
        ? () => bulk(net, port, 256 * 2 ** 20)
        : () => roundTrips(net, port, 20000)
      await work() // warm-up
      const c0 = cpu()
      const t0 = now()
      await work()
      send({ ms: now() - t0, cpu: cpu() - c0 })
      break
    }
    case "server": {
      const server = await echoServer(net)
      await connections(await load("node"), server.port, 500) // warm-up, through node:net clients here
      send({ port: server.port })
      await receive()
      const c0 = cpu()
      send({ started: true })
      await receive()
      while (await server.open() > 0) await new Promise((r) => setTimeout(r, 5))
      send({ cpu: cpu() - c0 })
      await server.close()
      break
    }
    case "drive": {
      await receive()
      const t0 = now()
      await connections(net, args.port as number, 3000)
      send({ ms: now() - t0 })
      break
    }
    case "idle": {
      const server = await echoServer(net)
      await connections(await load("node"), server.port, 1000)
      await settle()
      const before = process.memoryUsage()
      send({ port: server.port })
      await receive()
      await settle()
      const after = process.memoryUsage()
      send({ heap: (after.heapUsed - before.heapUsed) / 2000, rss: (after.rss - before.rss) / 2000 })
      await receive()
      await server.close()
      break
    }
    case "hold": {
      const release = await idleClients(net, args.port as number, 2000)
      send({ ready: true })
      await receive()
      release()
      break
    }
    case "both": {
      const kind = args.kind as string
      const server = await echoServer(net)
      if (kind === "both-idle") {
        await connections(net, server.port, 1000)
        await settle()
        const before = process.memoryUsage()
        const release = await idleClients(net, server.port, 1000)
        await settle()
        const after = process.memoryUsage()
        send({ heap: (after.heapUsed - before.heapUsed) / 1000, rss: (after.rss - before.rss) / 1000 })
        release()
      } else {
        const work = kind === "both-conn"
          ? () => connections(net, server.port, 3000)
          : kind === "both-bulk"
          ? () => bulk(net, server.port, 128 * 2 ** 20)
          : () => roundTrips(net, server.port, 20000)
        await work()
        const c0 = cpu()
        const t0 = now()
        await work()
        send({ ms: now() - t0, cpu: cpu() - c0 })
      }
      await server.close()
      break
    }
  }
  process.exit(0)
}

// ------------------------------------------------------------------ rounds

const measure = async (scenario: string, impl: string): Promise<Record<string, number>> => {
  if (scenario === "client" || scenario === "bulk" || scenario === "rt") {
    const echo = child("echo", "node")
    const { port } = await echo.next()
    const client = child("client", impl, { port, kind: scenario })
    const r = await client.next()
    echo.send({})
    await echo.next().catch(() => {})
    const ms = r.ms as number
    const c = r.cpu as number
    if (scenario === "client") return { "conn/s": 3000 / ms * 1000, "cpu us/conn": c * 1000 / 3000 }
    if (scenario === "bulk") return { "MiB/s": 256 / ms * 1000, "cpu ms/GiB": c * 4 }
    return { "rt/s": 20000 / ms * 1000, "cpu us/rt": c * 1000 / 20000 }
  }
  if (scenario === "server") {
    const server = child("server", impl)
    const { port } = await server.next()
    const driver = child("drive", "node", { port })
    server.send({})
    await server.next()
    driver.send({})
    const d = await driver.next()
    server.send({})
    const s = await server.next()
    return { "conn/s": 3000 / (d.ms as number) * 1000, "cpu us/conn": (s.cpu as number) * 1000 / 3000 }
  }
  if (scenario === "idle") {
    const server = child("idle", impl)
    const { port } = await server.next()
    const holder = child("hold", "node", { port })
    await holder.next()
    server.send({})
    const m = await server.next()
    holder.send({})
    server.send({})
    return { "heap B/conn": m.heap as number, "rss B/conn": m.rss as number }
  }
  const both = child("both", impl, { kind: scenario })
  const r = await both.next()
  if (scenario === "both-idle") return { "heap B/pair": r.heap as number, "rss B/pair": r.rss as number }
  const ms = r.ms as number
  if (scenario === "both-conn") return { "conn/s": 3000 / ms * 1000, "cpu us/conn": (r.cpu as number) * 1000 / 3000 }
  if (scenario === "both-bulk") return { "MiB/s": 128 / ms * 1000 }
  return { "rt/s": 20000 / ms * 1000 }
}

const median = (xs: Array<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const main = async () => {
  const argv = process.argv.slice(2)
  const option = (name: string, fallback: string) => {
    const at = argv.indexOf(`--${name}`)
    return at === -1 ? fallback : argv[at + 1]!
  }
  const rounds = Number(option("rounds", "5"))
  const impls = option("impl", process.env.NETFX_BEFORE === undefined ? "node,compat" : "node,before,compat").split(",")
  const scenarios = option("only", "client,server,idle,bulk,rt,both-conn,both-bulk,both-rt,both-idle").split(",")
  console.log(`node ${process.version}, ${rounds} rounds, medians; ratios against node`)
  for (const scenario of scenarios) {
    const results = new Map<string, Array<Record<string, number>>>(impls.map((i) => [i, []]))
    for (let round = 0; round < rounds; round++) {
      const order = impls.map((_, i) => impls[(i + round) % impls.length]!)
      for (const impl of order) results.get(impl)!.push(await measure(scenario, impl))
    }
    const base = results.get("node")
    for (const impl of impls) {
      const rows = results.get(impl)!
      const cells = Object.keys(rows[0]!).map((key) => {
        const value = median(rows.map((r) => r[key]!))
        const ratio = base === undefined ? "" : ` (${(value / median(base.map((r) => r[key]!))).toFixed(2)}x)`
        return `${key} ${value.toFixed(value < 100 ? 2 : 0)}${ratio}`
      })
      console.log(`${scenario.padEnd(10)} ${impl.padEnd(9)} ${cells.join("  ")}`)
    }
  }
}

if (process.argv[2] === "--child") {
  await childMain(process.argv[3]!, process.argv[4]!, JSON.parse(process.argv[5]!) as Message)
} else {
  await main()
}
