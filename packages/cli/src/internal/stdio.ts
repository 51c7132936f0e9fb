/**
 * The process's standard streams as Effect values, binary safe and with backpressure: stdin as a
 * `Stream` of bytes, stdout as a write that waits while the pipe is full.
 *
 * @internal
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import { CliError, ExitCode } from "./exitCode.js"

/** Bytes from stdin until its end of file. Nothing is decoded: what arrives is what is sent. */
export const stdin: Stream.Stream<Uint8Array, CliError> = NodeStream.fromReadable(
  () => process.stdin,
  (error) => new CliError({ message: `stdin: ${String(error)}`, exitCode: ExitCode.Connection }),
  // Leave stdin open when the stream is done: the process exits on its own terms, and a shared
  // terminal is not ours to close.
  { closeOnDone: false }
)

/** A writable stream as the process has them (`process.stdout`, `process.stderr`). */
export type Output = NodeJS.WritableStream & {
  readonly destroyed: boolean
  readonly writableLength: number
}

/**
 * Writes to an output with backpressure, for the life of the scope. `write` waits while the
 * output's buffer is full (a slow reader downstream); when the reader is gone (`EPIPE`, as in
 * `netfx connect ... | head -c 10`), `closed` completes and writes are dropped, so the caller
 * can stop quietly rather than crash on an unhandled 'error'.
 */
export const writer = (output: Output): Effect.Effect<
  {
    readonly write: (chunk: Uint8Array) => Effect.Effect<void>
    readonly closed: Effect.Effect<void>
    readonly flush: Effect.Effect<void>
  },
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    let failed = false
    const waiters = new Set<() => void>()
    const onError = () => {
      failed = true
      for (const wake of waiters) wake()
      waiters.clear()
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => output.on("error", onError)),
      () => Effect.sync(() => output.off("error", onError))
    )
    const closed = Effect.async<void>((resume) => {
      if (failed) return resume(Effect.void)
      const wake = () => resume(Effect.void)
      waiters.add(wake)
      return Effect.sync(() => waiters.delete(wake))
    })
    const write = (chunk: Uint8Array) =>
      Effect.async<void>((resume) => {
        if (failed || output.destroyed) return resume(Effect.void)
        if (output.write(chunk)) return resume(Effect.void)
        const wake = () => {
          output.off("drain", wake)
          waiters.delete(wake)
          resume(Effect.void)
        }
        output.once("drain", wake)
        waiters.add(wake)
        return Effect.sync(() => {
          output.off("drain", wake)
          waiters.delete(wake)
        })
      })
    // An empty write's callback runs once everything written before it has been handed over.
    const flush = Effect.async<void>((resume) => {
      if (failed || output.destroyed || output.writableLength === 0) return resume(Effect.void)
      output.write("", () => resume(Effect.void))
    })
    return { write, closed, flush }
  })

/**
 * Waits until what was written to the output has been handed to the system, so that exiting the
 * process right after loses nothing (stdout is asynchronous when it is a pipe).
 */
export const flushOutput = (output: Output, callback: () => void): void => {
  if (output.destroyed || output.writableLength === 0) return callback()
  output.write("", () => callback())
}
