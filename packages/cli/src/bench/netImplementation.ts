/**
 * node:net and @netfx/compat: the same code (`fromNet`), given `node:net` or `@netfx/compat` as the
 * module: `socket.write` with its return value for backpressure, `'data'` events to read,
 * `socket.pipe(socket)` to echo.
 */
import type * as net from "node:net"
import { DUAL_HOST, dualLookup, type EchoServer, type Implementations, now, pool, type Target } from "./client.js"
import { HOST } from "./protocol.js"

/** What the node:net code needs of its module: `node:net` itself, or `@netfx/compat`. */
export type NetModule = Pick<typeof net, "createServer" | "connect">

/** The node:net implementation, on whichever module has node:net's API. */
export const fromNet = (net: NetModule, name: string): Implementations => {
  const connect = (port: number) =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: HOST, port, noDelay: true }, () => {
        socket.off("error", reject)
        resolve(socket)
      })
      socket.once("error", reject)
    })

  const bulk = async (port: number, bytes: number, writeSize: number) => {
    const socket = await connect(port)
    const data = Buffer.alloc(writeSize, 0x5a)
    return new Promise<number>((resolve, reject) => {
      const start = now()
      let sent = 0
      let received = 0
      socket.on("error", reject)
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length
      })
      socket.on("end", () => {
        const elapsed = now() - start
        socket.destroy()
        if (received !== bytes) reject(new Error(`${name}: ${received} bytes echoed of ${bytes}`))
        else resolve(elapsed)
      })
      const pump = () => {
        while (sent < bytes) {
          sent += writeSize
          if (!socket.write(data)) return void socket.once("drain", pump)
        }
        socket.end()
      }
      pump()
    })
  }

  const roundTrips = async (port: number, count: number, size: number) => {
    const socket = await connect(port)
    const message = Buffer.alloc(size, 0x71)
    return new Promise<number>((resolve, reject) => {
      const start = now()
      let got = 0
      let done = 0
      socket.on("error", reject)
      socket.on("data", (chunk: Buffer) => {
        got += chunk.length
        if (got < size) return
        if (got > size) return reject(new Error(`${name}: ${got} bytes in reply to ${size}`))
        got = 0
        if (++done < count) return void socket.write(message)
        const elapsed = now() - start
        socket.destroy()
        resolve(elapsed)
      })
      socket.write(message)
    })
  }

  /** Connects, sends, reads the echo, ends, and resolves once the socket is closed (both FINs). */
  const exchange = (port: number, message: Buffer, target: Target | undefined) =>
    new Promise<void>((resolve, reject) => {
      let got = 0
      const options: net.NetConnectOpts = target?.dual
        ? { host: DUAL_HOST, port, noDelay: true, lookup: dualLookup as unknown as net.LookupFunction }
        : { host: HOST, port, noDelay: true }
      const socket = net.connect(options, () => socket.write(message))
      socket.on("data", (chunk: Buffer) => {
        got += chunk.length
        if (got === message.length) socket.end()
      })
      socket.on("error", reject)
      socket.on("close", () =>
        got === message.length
          ? resolve()
          : reject(new Error(`${name}: ${got} bytes echoed of ${message.length}`)))
    })

  const connections = async (port: number, count: number, inFlight: number, size: number, target?: Target) => {
    const message = Buffer.alloc(size, 0x63)
    const start = now()
    await pool(count, inFlight, () => exchange(port, message, target))
    return now() - start
  }

  const idle = async (port: number, count: number, inFlight: number) => {
    const sockets: Array<net.Socket> = []
    await pool(count, inFlight, () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host: HOST, port }, () => socket.write("x"))
        socket.once("error", reject)
        socket.once("data", () => {
          sockets.push(socket)
          resolve()
        })
      }))
    return () =>
      Promise.all(sockets.map((socket) =>
        new Promise<void>((resolve) => {
          socket.once("close", () => resolve())
          socket.destroy()
        })
      )).then(() => undefined)
  }

  const listen = (host = HOST) =>
    new Promise<EchoServer>((resolve, reject) => {
      let errors = 0
      // allowHalfOpen: the echo ends its side once the client's FIN has come and the echo is flushed.
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        socket.on("error", () => errors++)
        socket.pipe(socket)
      })
      server.once("error", reject)
      server.listen(0, host, () => {
        const address = server.address()
        if (address === null || typeof address === "string") return reject(new Error(`${name}: no port`))
        resolve({
          port: address.port,
          open: () =>
            new Promise<number>((resolve, reject) =>
              server.getConnections((error, count) => error ? reject(error) : resolve(count))
            ),
          errors: () => errors,
          close: () => new Promise<void>((resolve) => server.close(() => resolve()))
        })
      })
    })

  return { bulk, roundTrips, connections, idle, listen }
}

/**
 * `@netfx/compat` as a net module. It fails, with what is missing, while the package does not
 * export node:net's sockets and servers.
 */
export const loadCompat = async (): Promise<NetModule> => {
  const compat: Record<string, unknown> = await import("@netfx/compat")
  const missing = ["createServer", "connect"].filter((name) => typeof compat[name] !== "function")
  if (missing.length > 0) throw new Error(`@netfx/compat does not export ${missing.join(" and ")}`)
  return compat as unknown as NetModule
}
