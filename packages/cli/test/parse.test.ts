import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as parse from "../src/internal/parse.js"

describe("parse", () => {
  it.effect("ports: 1 to 65535 in decimal, 0 only where a server may let the system choose", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* parse.port("1"), 1)
      assert.strictEqual(yield* parse.port("65535"), 65535)
      assert.strictEqual(yield* parse.port("0", { allowZero: true }), 0)
      for (const bad of ["0", "65536", "-1", "1.5", "0x50", "", " 80", "80a", "1e3", "999999"]) {
        const error = yield* Effect.flip(parse.port(bad))
        assert.strictEqual(error.exitCode, 1, bad)
        assert.strictEqual(error.message, `bad port '${bad}': expected an integer from 1 to 65535`)
      }
    }))

  it.effect("durations: a unit, or seconds as nc -w reads them; positive only", () =>
    Effect.gen(function*() {
      const millis = (text: string) => parse.duration("--timeout", text).pipe(Effect.map(Duration.toMillis))
      assert.strictEqual(yield* millis("500ms"), 500)
      assert.strictEqual(yield* millis("5s"), 5000)
      assert.strictEqual(yield* millis("5"), 5000)
      assert.strictEqual(yield* millis("1.5m"), 90_000)
      assert.strictEqual(yield* millis("1h"), 3_600_000)
      assert.strictEqual(yield* millis(".25s"), 250)
      for (const bad of ["0", "0s", "-1s", "soon", "5 parsecs", "", "1e3"]) {
        const error = yield* Effect.flip(parse.duration("--timeout", bad))
        assert.strictEqual(
          error.message,
          `bad --timeout '${bad}': expected a positive duration such as 500ms, 5s or 2m`
        )
      }
    }))
})
