/**
 * Step 2b of the demo: the same message through the echo server with `@netfx/compat`, the node:net
 * API on the core. The code is what one would write against `node:net`; only the import differs.
 *
 * @internal
 */
import * as net from "@netfx/compat"
import type { EchoResult } from "./coreStep.js"

/**
 * Connects with `net.createConnection`, writes the message, ends, and collects the echo, recording
 * the socket's events in the order Node would emit them.
 */
export const run = (port: number, message: string): Promise<EchoResult> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const steps: Array<string> = []
    const chunks: Array<Buffer> = []
    const socket = net.createConnection({ port, host: "127.0.0.1" })
    socket.on("connect", () => {
      steps.push("connect")
      socket.end(message)
    })
    socket.on("data", (chunk: Buffer) => {
      if (steps.at(-1) !== "data") steps.push("data")
      chunks.push(chunk)
    })
    socket.on("end", () => steps.push("end"))
    socket.on("error", reject)
    socket.on("close", (hadError: boolean) => {
      steps.push("close")
      if (hadError) return
      resolve({ reply: Buffer.concat(chunks).toString("utf8"), millis: performance.now() - started, steps })
    })
  })
