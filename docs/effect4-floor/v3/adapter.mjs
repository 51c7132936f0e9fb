// Effect 3.22.4 names
import { Effect, Fiber, Option, Sink, Stream } from "effect"
export { Effect, Fiber, Sink, Stream }
export const VERSION = "3.22.4"
export const callback = Effect.async // v3: Effect.async
export const repeatRead = (read) => Stream.repeatEffectOption(read) // end = fail(Option.none())
export const endOfStream = Effect.fail(Option.none())
