/**
 * Forks bench workers and talks to them. Every worker forked is tracked until it has exited, so
 * that the suite can kill whatever is left when it ends, whatever happened.
 */
import { type ChildProcess, fork } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { Envelope, Reply, Request } from "./protocol.js"

/**
 * How the workers load netfx:
 * - `source`: the TypeScript sources through tsx (`--import tsx --conditions=@netfx/source`), as
 *   the tests do. tsx compiles with esbuild's `keepNames`, which defines `name` on every named
 *   closure as it is created: some heap per object and some CPU that compiled code does not pay.
 * - `dist`: the compiled packages (`npm run build` first). The suite's own files still run
 *   through tsx when the suite itself runs from source, but without the condition every
 *   `@netfx/*` import resolves to `dist/`, which tsx leaves as it is.
 */
export type Mode = "source" | "dist"

export interface Worker {
  readonly label: string
  readonly request: <A>(request: Request) => Promise<A>
  /** Asks the worker to close its server and waits for it to exit; fails if it does not exit. */
  readonly close: () => Promise<void>
  readonly kill: () => void
  readonly alive: () => boolean
}

/** How long a worker may take to exit once closed: it exits at once unless something is still open. */
const EXIT_MILLIS = 3_000
const STARTUP_MILLIS = 60_000

const live = new Set<ChildProcess>()

/** Kills every worker still running. */
export const killAll = (): void => {
  for (const child of live) child.kill("SIGKILL")
}

const here = fileURLToPath(new URL(".", import.meta.url))
/** This folder's files are `.ts` when run from source, `.js` once compiled. */
const compiled = !import.meta.url.endsWith(".ts")

export const workerScript = (): string => `${here}worker.${compiled ? "js" : "ts"}`

/**
 * The workers' runtime flags. `NETFX_BENCH_WORKER_FLAGS` adds some, for example
 * `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile each side (a worker writes its profile when
 * it exits, which it does once the suite closes it).
 */
const runtimeFlags = (mode: Mode): Array<string> => [
  ...(compiled ? [] : ["--import", "tsx"]),
  ...(mode === "source" ? ["--conditions=@netfx/source"] : []),
  "--expose-gc",
  ...(process.env.NETFX_BENCH_WORKER_FLAGS?.split(" ").filter((flag) => flag !== "") ?? [])
]

/** Which mode to use unless told: a compiled suite runs the compiled packages. */
export const defaultMode = (): Mode => {
  const fromEnv = process.env.NETFX_BENCH_MODE
  if (fromEnv === "source" || fromEnv === "dist") return fromEnv
  return compiled ? "dist" : "source"
}

/** The folder of the cli package, where `tsx` resolves and a `dist` build would be. */
const packageRoot = fileURLToPath(new URL("../../", import.meta.url))

/** In dist mode, fails early with what to do when the packages are not built. */
export const checkDist = (): void => {
  const missing = ["../core/dist/Server.js", "../compat/dist/index.js"].filter((path) =>
    !existsSync(`${packageRoot}${path}`)
  )
  if (missing.length > 0) {
    throw new Error(`dist mode needs the built packages (npm run build): missing ${missing.join(", ")}`)
  }
}

export const spawnWorker = (label: string, mode: Mode, timeoutMillis: number): Promise<Worker> =>
  new Promise<Worker>((resolve, reject) => {
    const child = fork(workerScript(), [], {
      execPath: process.execPath,
      execArgv: runtimeFlags(mode),
      cwd: packageRoot,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, NODE_OPTIONS: "" }
    })
    live.add(child)
    // The last of what the worker wrote on stderr, for the error when it dies.
    let stderr = ""
    child.stderr?.setEncoding("utf8")
    child.stderr?.on("data", (text: string) => {
      stderr = (stderr + text).slice(-2_000)
    })
    let exitCode: number | string | null | undefined
    const exited = new Promise<void>((resolve) =>
      child.once("exit", (code, signal) => {
        exitCode = code ?? signal
        live.delete(child)
        const error = new Error(`the ${label} worker exited (${exitCode})${stderr ? `: ${stderr.trim()}` : ""}`)
        for (const waiting of pending.values()) waiting.reject(error)
        pending.clear()
        reject(error)
        resolve()
      })
    )
    const startup = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the ${label} worker did not start in ${STARTUP_MILLIS / 1000} s`))
    }, STARTUP_MILLIS)
    let nextId = 0
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()

    const request = <A>(request: Request) =>
      new Promise<A>((resolve, reject) => {
        if (!child.connected) return reject(new Error(`the ${label} worker has exited`))
        const id = nextId++
        // A round that hangs (an implementation that never ends a stream) fails instead of the suite.
        const timer = setTimeout(() => {
          pending.delete(id)
          child.kill("SIGKILL")
          reject(new Error(`${request.op} timed out after ${timeoutMillis / 1000} s`))
        }, timeoutMillis)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value as A)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          }
        })
        child.send({ ...request, id } satisfies Envelope)
      })

    child.on("message", (reply: Reply) => {
      if ("op" in reply) {
        clearTimeout(startup)
        return resolve({
          label,
          request,
          close: async () => {
            if (exitCode !== undefined) return
            if (child.connected) await request({ op: "close" })
            const timeout = new Promise<"timeout">((resolve) =>
              setTimeout(() => resolve("timeout"), EXIT_MILLIS).unref()
            )
            if ((await Promise.race([exited, timeout])) === "timeout") {
              child.kill("SIGKILL")
              throw new Error(`the ${label} worker did not exit once closed: something was left open`)
            }
          },
          kill: () => {
            if (exitCode === undefined) child.kill("SIGKILL")
          },
          alive: () => exitCode === undefined && child.connected
        })
      }
      const waiting = pending.get(reply.id)
      pending.delete(reply.id)
      if (reply.ok) waiting?.resolve(reply.result)
      else waiting?.reject(new Error(reply.error))
    })
    child.once("error", (error) => {
      clearTimeout(startup)
      reject(error)
    })
    void exited.then(() => clearTimeout(startup))
  })
