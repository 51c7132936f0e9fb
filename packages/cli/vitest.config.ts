import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

// Tests run against the TypeScript sources: the "@netfx/source" export condition points every
// workspace import at src/ instead of dist/, so no build is needed before `npm test`.
export default defineProject({
  ssr: { resolve: { conditions: ["@netfx/source", ...defaultServerConditions] } },
  // Generous timeouts: the suite must pass on a loaded 2-core machine; no test waits on time itself.
  test: { name: "cli", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 }
})
