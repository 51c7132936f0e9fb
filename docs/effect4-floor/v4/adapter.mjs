// Effect 4.1.0 names
import { Cause, Effect, Fiber, Sink, Stream } from "effect"
export { Effect, Fiber, Sink, Stream }
export const VERSION = "4.1.0"
export const callback = Effect.callback // v4: Effect.async -> Effect.callback
export const repeatRead = (read) => Stream.fromEffectRepeat(read) // v4: repeatEffectOption -> fromEffectRepeat, end = Cause.done()
export const endOfStream = Cause.done()
