// Type-checks every `@example` in the JSDoc of packages/*/src and every ```ts block of the READMEs
// (found by scripts/snippets.mjs), so that documented code cannot rot; the snippets test runs them.
// Each example becomes a module under build/doc-examples/, compiled with the packages' settings
// (sources resolved through the "@netfx/source" condition).
import { execFileSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { snippets } from "./snippets.mjs"

const root = new URL("..", import.meta.url).pathname
const out = join(root, "build", "doc-examples")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

let count = 0
for (const snippet of snippets()) {
  const name = `${snippet.id.replace(/[^A-Za-z0-9]+/g, "_")}.ts`
  writeFileSync(join(out, name), `${snippet.code}\nexport {}\n`)
  count++
}

writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.base.json",
    compilerOptions: {
      noEmit: true,
      composite: false,
      declaration: false,
      declarationMap: false,
      incremental: false,
      noUnusedLocals: false,
      customConditions: ["@netfx/source"]
    },
    include: ["*.ts"]
  })
)
execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", out], { stdio: "inherit" })
console.log(`${count} documentation examples type-check`)
