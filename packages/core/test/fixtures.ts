/**
 * What the real-socket tests share: the live layers, a node:net peer for the life of a scope,
 * temporary directories for Unix sockets, and the open-handle count that leak checks compare.
 */
import { assert } from "@effect/vitest"
import type { Resolver as ResolverService, Transport } from "@netfx/core"
import { NodeTransport, Resolver } from "@netfx/core"
import { Cause, Effect, Exit, Layer, Option, Tracer } from "effect"
import type { Scope } from "effect/Scope"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The runtime's sockets and resolver. */
export const live = Layer.merge(NodeTransport.layer, Resolver.layerNode)

/** Runs a scoped effect over the runtime's sockets. */
export const withLive = <A, E>(
  effect: Effect.Effect<A, E, Scope | Transport.Transport | ResolverService.Resolver>
) => effect.pipe(Effect.scoped, Effect.provide(live))

/** The typed failure of an exit (a test failure if it succeeded or died). */
export const failure = <E>(exit: Exit.Exit<unknown, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  return Option.getOrThrowWith(Cause.failureOption(exit.cause), () => new Error(Cause.pretty(exit.cause)))
}

/** UTF-8 text of bytes. */
export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** A temporary directory for the life of the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "netfx-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** The sockets and servers this process holds open, as Node counts them. */
export const openHandles = () =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap" || r === "PipeWrap")
    .length

/**
 * The count once handles being closed are gone: a server's 'close' (and a destroyed socket's)
 * comes before libuv has released the handle. Stable for 5 turns of the event loop, not time.
 */
export const settledHandles = Effect.promise(async () => {
  let count = openHandles()
  for (let stable = 0, turn = 0; stable < 5 && turn < 200; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
    const now = openHandles()
    stable = now === count ? stable + 1 : 0
    count = now
  }
  return count
})

/**
 * Polls `effect` until `done` holds, one turn of the event loop between polls, so that sockets make
 * progress meanwhile (a busy loop would starve them).
 */
export const eventually = <A, E, R>(effect: Effect.Effect<A, E, R>, done: (a: A) => boolean) =>
  Effect.repeat(effect.pipe(Effect.zipLeft(Effect.promise(() => new Promise((r) => setImmediate(r))))), {
    until: done
  })

/** Where a node:net peer listens: a host (port 0), or a Unix socket path. */
export type Listen = { readonly host: string } | { readonly path: string }

/** A node:net server for the life of the scope; its connections are destroyed when it closes. */
export const nodeServer = (listen: Listen, onConnection: (socket: net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: net.Server; readonly port: number; readonly sockets: Set<net.Socket> }>(
      (resume) => {
        const sockets = new Set<net.Socket>()
        const srv = net.createServer({ allowHalfOpen: true }, (socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => {})
          onConnection(socket)
        })
        const done = () =>
          resume(Effect.succeed({ server: srv, port: (srv.address() as net.AddressInfo)?.port ?? 0, sockets }))
        if ("path" in listen) srv.listen(listen.path, done)
        else srv.listen(0, listen.host, done)
      }
    ),
    ({ server: srv, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        srv.close(() => resume(Effect.void))
      })
  )

/** A node:net peer that echoes. */
export const nodeEcho = (socket: net.Socket) => socket.pipe(socket)

/**
 * A node:net peer that writes `total` bytes in 64 KiB blocks as fast as its socket takes them, then
 * ends; `blocked()` counts the writes that backed up (backpressure reached the peer).
 */
export const nodeFlood = (total: number) => {
  let blocked = 0
  const onConnection = (socket: net.Socket) => {
    let sent = 0
    const block = Buffer.alloc(64 * 1024, 7)
    const pump = () => {
      while (sent < total) {
        sent += block.length
        if (!socket.write(block)) {
          blocked++
          socket.once("drain", pump)
          return
        }
      }
      socket.end()
    }
    pump()
  }
  return { onConnection, blocked: () => blocked }
}

/** Runs `effect` under a tracer that keeps every span it starts. */
export const recordSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const base = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    const exit = yield* effect.pipe(Effect.withTracer(tracer), Effect.exit)
    return { exit, spans }
  })
