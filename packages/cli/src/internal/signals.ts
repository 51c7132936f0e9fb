/**
 * What the process exits with when Ctrl-C or SIGTERM interrupts the command.
 *
 * `NodeRuntime.runMain` turns both signals into an interruption of the command; whether that is a
 * failure depends on the command: for `serve` it is the normal way to stop (exit 0 once it has
 * shut down), for the others it cut the work short (exit 130, as a shell reports Ctrl-C). The exit
 * code is read once the command has finished, hence this one piece of process-wide state.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { ExitCode } from "./exitCode.js"

let onInterrupt: number = ExitCode.Interrupted

/** Sets the exit code for an interruption of the running command. */
export const exitCodeOnInterrupt = (code: number): Effect.Effect<void> =>
  Effect.sync(() => {
    onInterrupt = code
  })

/** The exit code for an interruption of the command. */
export const interruptExitCode = (): number => onInterrupt
