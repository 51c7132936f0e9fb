#!/usr/bin/env node
/**
 * The `netfx` executable: runs the command line and exits with its code.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { main } from "./Cli.js"
import { interruptExitCode } from "./internal/signals.js"
import { flushOutput } from "./internal/stdio.js"

main(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    // `main` prints its own failures; the only other outcome is an interruption (Ctrl-C, SIGTERM).
    disableErrorReporting: true,
    teardown: (exit) => {
      const code = Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : interruptExitCode()
      // Exit now, even with stdin still open (connect), but only once stdout and stderr are
      // flushed: they are asynchronous when they are pipes, and process.exit would cut them.
      flushOutput(process.stdout, () => flushOutput(process.stderr, () => process.exit(code)))
    }
  })
)
