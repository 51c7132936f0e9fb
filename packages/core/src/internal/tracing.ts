/**
 * Spans that cost nothing when tracing is off: `Effect.withSpan` still builds a span object and a
 * context per call when the tracer is disabled, which a connect pays three times.
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"

/** Whether this fiber traces. @internal */
export const enabled: Effect.Effect<boolean> = FiberRef.get(FiberRef.currentTracerEnabled)

/** `Effect.withSpan`, skipped when tracing is off. @internal */
export const withSpan =
  (name: string, options?: Tracer.SpanOptions) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(enabled, (on) => on ? Effect.withSpan(self, name, options) : self)
