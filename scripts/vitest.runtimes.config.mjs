// The vitest configuration of scripts/runtimes.mjs: the core and compat projects as they are, plus
// a setup file that skips the tests listed as hanging on the runtime under test (see
// scripts/runtimeSkips.mjs), so that a test that never ends there does not cost its full timeout.
import { defineConfig } from "vitest/config"

const root = new URL("..", import.meta.url).pathname

export default defineConfig({
  test: {
    projects: ["core", "compat"].map((name) => ({
      extends: `${root}packages/${name}/vitest.config.ts`,
      root: `${root}packages/${name}`,
      test: { setupFiles: [`${root}scripts/runtimeSkips.mjs`] }
    }))
  }
})
