/**
 * What a documentation snippet written as an `@effect/vitest` test needs to run on its own, outside
 * vitest (the snippets harness, scripts/snippets.mjs, points its `@effect/vitest` import here):
 * `it.effect` and `it.scoped` run their effect with Effect's `TestContext` (a `TestClock` that moves
 * only when told), `it.live` and `it.scopedLive` with the live services, `describe` runs its body,
 * and `assert` is chai's, as vitest's is. A failing test rejects, which fails the snippet.
 */
import { assert } from "chai"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestContext from "effect/TestContext"

// As @effect/vitest: the test services, and no default logger.
const TestEnv = TestContext.TestContext.pipe(Layer.provide(Logger.remove(Logger.defaultLogger)))

type Body = () => Effect.Effect<unknown, unknown, never>

const register =
  (prepare: (effect: Effect.Effect<unknown, unknown, never>) => Effect.Effect<unknown, unknown, never>) =>
  (_name: string, body: Body): void => {
    void Effect.runPromise(prepare(body()))
  }

/** `it.effect`, `it.scoped`, `it.live`, `it.scopedLive`: each runs its test at once. */
export const it = {
  effect: register((effect) => Effect.provide(effect, TestEnv)),
  scoped: register((effect) => Effect.provide(Effect.scoped(effect), TestEnv)),
  live: register((effect) => effect),
  scopedLive: register((effect) => Effect.scoped(effect))
}

/** Runs the suite's body, which registers (and so runs) its tests. */
export const describe = (_name: string, body: () => void): void => body()

export { assert }
