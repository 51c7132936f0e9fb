/**
 * NodeSocket (@effect/platform-node): `NodeSocket.makeNet`, `socket.writer` (each write waits for its
 * callback), `socket.run(handler)`; `NodeSocketServer.make` with `socket.run(write)` to echo.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import type * as net from "node:net"
import type { Client, EchoServer, Implementations } from "./client.js"
import { DUAL_HOST, dualLookup, now } from "./client.js"
import { HOST } from "./protocol.js"

const platformClient: Client = {
  bulk: (port, bytes, writeSize) =>
    Effect.gen(function*() {
      const data = Buffer.alloc(writeSize, 0x5a)
      const socket = yield* NodeSocket.makeNet({ host: HOST, port, noDelay: true })
      const opened = yield* Deferred.make<void>()
      let received = 0
      // The socket opens when it is run.
      const reader = yield* Effect.fork(socket.run((chunk) => {
        received += chunk.length
      }, { onOpen: Deferred.succeed(opened, undefined) }))
      yield* Deferred.await(opened)
      const start = now()
      // Closing the writer's scope ends the socket (FIN); `run` ends with the server's FIN.
      yield* Effect.scoped(Effect.gen(function*() {
        const write = yield* socket.writer
        for (let sent = 0; sent < bytes; sent += writeSize) yield* write(data)
      }))
      yield* Fiber.join(reader)
      const elapsed = now() - start
      if (received !== bytes) return yield* Effect.dieMessage(`NodeSocket: ${received} bytes echoed of ${bytes}`)
      return elapsed
    }).pipe(Effect.scoped, Effect.runPromise),

  roundTrips: (port, count, size) =>
    Effect.gen(function*() {
      const message = Buffer.alloc(size, 0x71)
      const socket = yield* NodeSocket.makeNet({ host: HOST, port, noDelay: true })
      const write = yield* socket.writer
      const opened = yield* Deferred.make<void>()
      const finished = yield* Deferred.make<number>()
      let got = 0
      let done = 0
      let start = 0
      const reader = yield* Effect.fork(socket.run((chunk) => {
        got += chunk.length
        if (got < size) return
        if (got > size) return Effect.dieMessage(`NodeSocket: ${got} bytes in reply to ${size}`)
        got = 0
        if (++done < count) return write(message)
        Deferred.unsafeDone(finished, Exit.succeed(now() - start))
      }, { onOpen: Deferred.succeed(opened, undefined) }))
      yield* Deferred.await(opened)
      start = now()
      yield* write(message)
      // A failed reader (an extra byte, a closed socket) fails the round instead of leaving it waiting.
      const elapsed = yield* Deferred.await(finished).pipe(
        Effect.raceFirst(Fiber.join(reader).pipe(Effect.zipRight(Effect.dieMessage("NodeSocket: the socket ended"))))
      )
      yield* Fiber.interrupt(reader)
      return elapsed
    }).pipe(Effect.scoped, Effect.runPromise),

  connections: (port, count, inFlight, size, target) => {
    const message = Buffer.alloc(size, 0x63)
    const options: net.NetConnectOpts = target?.dual
      ? { host: DUAL_HOST, port, noDelay: true, lookup: dualLookup as unknown as net.LookupFunction }
      : { host: HOST, port, noDelay: true }
    const exchange = Effect.gen(function*() {
      const socket = yield* NodeSocket.makeNet(options)
      const replied = yield* Deferred.make<void>()
      let got = 0
      const reader = yield* Effect.fork(socket.run((chunk) => {
        got += chunk.length
        if (got >= size) Deferred.unsafeDone(replied, Exit.void)
      }))
      // Closing the writer's scope ends the socket once the echo is in; `run` ends with the server's FIN.
      yield* Effect.scoped(Effect.gen(function*() {
        const write = yield* socket.writer
        yield* write(message)
        yield* Deferred.await(replied)
      }))
      yield* Fiber.join(reader)
      if (got !== size) return yield* Effect.dieMessage(`NodeSocket: ${got} bytes echoed of ${size}`)
    }).pipe(Effect.scoped)
    return Effect.gen(function*() {
      const start = now()
      yield* Effect.forEach(Array.from({ length: count }), () => exchange, { concurrency: inFlight, discard: true })
      return now() - start
    }).pipe(Effect.runPromise)
  },

  idle: async (port, count, inFlight) => {
    // Each socket echoes one byte, then its run and its writer are held open in a scope until closed.
    const scope = Effect.runSync(Scope.make())
    const open = Effect.gen(function*() {
      const socket = yield* NodeSocket.makeNet({ host: HOST, port })
      const echoed = yield* Deferred.make<void>()
      // The writer lives as long as the connection: closing a writer's scope ends the socket.
      const write = yield* Scope.extend(socket.writer, scope)
      yield* Effect.forkIn(
        socket.run(() => Deferred.succeed(echoed, undefined), { onOpen: Effect.orDie(write("x")) }),
        scope
      )
      yield* Deferred.await(echoed)
    })
    await Effect.forEach(Array.from({ length: count }), () => open, { concurrency: inFlight, discard: true }).pipe(
      Effect.runPromise
    )
    return () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

const platformListen = async (host = HOST): Promise<EchoServer> => {
  let errors = 0
  let open = 0
  const scope = Effect.runSync(Scope.make())
  const port = await Effect.gen(function*() {
    const server = yield* NodeSocketServer.make({ host, port: 0, noDelay: true, allowHalfOpen: true })
    const echo = (socket: Parameters<Parameters<typeof server.run>[0]>[0]) =>
      Effect.gen(function*() {
        open++
        const write = yield* socket.writer
        yield* socket.run(write)
      }).pipe(
        Effect.scoped,
        Effect.catchAllCause((cause) =>
          Effect.sync(() => {
            if (!Cause.isInterruptedOnly(cause)) errors++
          })
        ),
        Effect.ensuring(Effect.sync(() => open--))
      )
    yield* Effect.forkScoped(server.run(echo))
    if (server.address._tag !== "TcpAddress") return yield* Effect.dieMessage("NodeSocket: a TCP server has a port")
    return server.address.port
  }).pipe(Scope.extend(scope), Effect.runPromise)
  return {
    port,
    open: async () => open,
    errors: () => errors,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

export const platform: Implementations = { ...platformClient, listen: platformListen }
