import { assert, describe, it } from "@effect/vitest"
import * as Style from "../src/internal/style.js"

describe("style", () => {
  it("colours only on a terminal, never with NO_COLOR, always with FORCE_COLOR", () => {
    assert.isTrue(Style.colorEnabled({ isTTY: true }, {}))
    assert.isFalse(Style.colorEnabled({ isTTY: false }, {}))
    assert.isFalse(Style.colorEnabled({ isTTY: true }, { NO_COLOR: "1" }))
    assert.isFalse(Style.colorEnabled({ isTTY: true }, { TERM: "dumb" }))
    assert.isTrue(Style.colorEnabled({ isTTY: false }, { FORCE_COLOR: "1" }))
    assert.isFalse(Style.colorEnabled({ isTTY: true }, { FORCE_COLOR: "0" }))
    assert.isFalse(Style.colorEnabled({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" }))
    assert.strictEqual(Style.make(false).red("x"), "x")
    assert.strictEqual(Style.make(true).red("x"), "\x1b[31mx\x1b[39m")
  })

  it("lays out columns by their visible width, escape codes aside, without trailing spaces", () => {
    const color = Style.make(true)
    const lines = Style.columns(
      [
        [color.bold("node:net"), "1,052", ""],
        ["@netfx/core", color.green("912"), "0.87x"]
      ],
      ["left", "right", "left"]
    )
    assert.deepStrictEqual(lines.map(Style.strip), ["node:net     1,052", "@netfx/core    912  0.87x"])
  })

  it("draws bars in eighths of a cell", () => {
    assert.strictEqual(Style.bar(1, 4), "████")
    assert.strictEqual(Style.bar(0.5, 4), "██")
    assert.strictEqual(Style.bar(1 / 32, 4), "▏")
    assert.strictEqual(Style.bar(0, 4), "")
    assert.strictEqual(Style.bar(2, 2), "██")
  })
})
