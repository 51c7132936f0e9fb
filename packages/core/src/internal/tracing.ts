/**
 * Spans only when someone reads them. Effect installs a tracer by default (its native one, which
 * keeps spans in memory for the fiber's own use), so "tracing enabled" is always true; a connect
 * that made its spans for that tracer would pay for three spans nobody exports. netfx makes its spans
 * when tracing is enabled AND the tracer is not that default one: a user who installed a tracer
 * (OpenTelemetry, a test recorder) gets every span; everyone else pays nothing.
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"

/** The tracer of the default services. */
const defaultTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** The tracer to make spans with in this fiber, or `undefined` when nobody would read them. @internal */
export const tracerOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Tracer.Tracer | undefined => {
  if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return undefined
  const tracer = fiber.currentTracer
  return tracer === defaultTracer ? undefined : tracer
}

/** Whether this fiber makes netfx's spans. @internal */
export const enabled: Effect.Effect<boolean> = Effect.withFiberRuntime((fiber) =>
  Effect.succeed(tracerOf(fiber) !== undefined)
)

/** `Effect.withSpan`, skipped when nobody would read the span. @internal */
export const withSpan =
  (name: string, options?: Tracer.SpanOptions) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(enabled, (on) => on ? Effect.withSpan(self, name, options) : self)
