/**
 * The Effect runtime compat runs the core on: the runtime's sockets (`NodeTransport`) and name
 * lookups (`Resolver.layerNode`). Built once; it holds no resources of its own.
 */
import { NodeTransport, Resolver } from "@netfx/core"
import { Transport } from "@netfx/core/Transport"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"

const runtime: Runtime.Runtime<Transport | Resolver.Resolver> = Effect.runSync(
  Effect.runtime<Transport | Resolver.Resolver>().pipe(
    Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)),
    // Classic net code has no tracer to report to: spans would only cost time.
    Effect.withTracerEnabled(false)
  )
)

/**
 * Starts an effect on the compat runtime at once: it runs synchronously up to its first
 * asynchronous step, as the `node:net` call it stands for would.
 */
export const runNow = <A, E>(effect: Effect.Effect<A, E, Transport | Resolver.Resolver>) =>
  Runtime.runFork(runtime)(effect, { immediate: true })

/** Runs an effect that never waits (such as wrapping a file descriptor) to its exit, now. */
export const runSyncExit = <A, E>(effect: Effect.Effect<A, E, Transport | Resolver.Resolver>) =>
  Runtime.runSyncExit(runtime)(effect)

/** The services of the runtime, for the core's callback-level dial (`Connection.unsafeDial`). */
export const services: { readonly transport: Transport["Type"]; readonly resolver: Resolver.Service } = {
  transport: Context.get(runtime.context, Transport),
  resolver: Resolver.node
}
