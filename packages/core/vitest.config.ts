import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

// Tests run against the TypeScript sources: the "@netfx/source" export condition points every
// workspace import at src/ instead of dist/, so no build is needed before `npm test`.
export default defineProject({
  ssr: { resolve: { conditions: ["@netfx/source", ...defaultServerConditions] } },
  test: { name: "core", include: ["test/**/*.test.ts"] }
})
