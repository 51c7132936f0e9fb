/**
 * Running the `netfx` executable in a child process, as a user would, and the loopback peers the
 * tests talk to it through. Everything waits on events (output, exit, sockets); nothing sleeps.
 */
import { onTestFinished } from "@effect/vitest"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../..", import.meta.url))

/** A running `netfx`: the process, and its output so far. */
export interface Cli {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdout: () => Buffer
  readonly stderr: () => string
  /** Resolves with the first match of `pattern` in stdout (or stderr), as soon as it appears. */
  readonly waitFor: (pattern: RegExp, stream?: "stdout" | "stderr") => Promise<RegExpMatchArray>
  /** Resolves with the exit code (or the signal) once the process has exited and its output is read. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/**
 * Starts `netfx <args>` from the repository root, on the TypeScript sources, without colour. A
 * process still running when its test finishes (a failed assertion) is killed.
 */
export const start = (args: ReadonlyArray<string>): Cli => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" }
  delete env.FORCE_COLOR
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@netfx/source", "packages/cli/src/bin.ts", ...args],
    { cwd: root, env, stdio: "pipe" }
  )
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  })
  const out: Array<Buffer> = []
  let err = ""
  const watchers = new Set<() => void>()
  const notify = () => {
    for (const watcher of [...watchers]) watcher()
  }
  child.stdout.on("data", (chunk: Buffer) => {
    out.push(chunk)
    notify()
  })
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8")
    notify()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      notify()
      resolve({ code, signal })
    })
  })
  const stdout = () => Buffer.concat(out)
  const stderr = () => err
  const waitFor = (pattern: RegExp, stream: "stdout" | "stderr" = "stdout") =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = (stream === "stdout" ? stdout().toString("utf8") : stderr()).match(pattern)
        if (match !== null) {
          watchers.delete(check)
          resolve(match)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          watchers.delete(check)
          reject(
            new Error(
              `netfx exited (${child.exitCode ?? child.signalCode}) before ${pattern} on ${stream}\n` +
                `stdout: ${stdout().toString("utf8")}\nstderr: ${stderr()}`
            )
          )
        }
      }
      watchers.add(check)
      check()
    })
  return { child, stdout, stderr, waitFor, exited }
}

/** Runs `netfx <args>` to the end, with `input` on stdin (then end of file). */
export const run = async (args: ReadonlyArray<string>, input: Uint8Array | string = "") => {
  const cli = start(args)
  cli.child.stdin.on("error", () => {}) // the CLI may exit before reading its input
  cli.child.stdin.end(input)
  const { code, signal } = await cli.exited
  return { code, signal, stdout: cli.stdout(), stderr: cli.stderr() }
}

/** A node:net server on 127.0.0.1 (or a Unix socket) that echoes what it gets, for the test's life. */
export const echoServer = async (path?: string) => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    socket.pipe(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    if (path === undefined) server.listen(0, "127.0.0.1", resolve)
    else server.listen(path, resolve)
  })
  const address = server.address()
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** A port on 127.0.0.1 where nothing listens: bound by the system, then released. */
export const closedPort = async () => {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A connected node:net client and everything it has received. */
export const client = async (options: net.NetConnectOpts) => {
  const socket = net.connect(options)
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve)
    socket.once("error", reject)
  })
  const received: Array<Buffer> = []
  const watchers = new Set<() => void>()
  socket.on("data", (chunk: Buffer) => {
    received.push(chunk)
    for (const watcher of [...watchers]) watcher()
  })
  const ended = new Promise<void>((resolve) => socket.once("end", resolve))
  socket.on("error", () => {})
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
  /** Resolves once `count` bytes have arrived in all. */
  const receivedBytes = (count: number) =>
    new Promise<Buffer>((resolve) => {
      const check = () => {
        const all = Buffer.concat(received)
        if (all.length < count) return
        watchers.delete(check)
        resolve(all)
      }
      watchers.add(check)
      check()
    })
  return { socket, received: () => Buffer.concat(received), receivedBytes, ended, closed }
}

/** A temporary directory for the test's Unix sockets, removed afterwards. */
export const tempDir = async () => {
  const path = await mkdtemp(join(tmpdir(), "netfx-cli-"))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}
