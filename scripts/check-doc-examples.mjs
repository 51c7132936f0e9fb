// Type-checks every `@example` in the JSDoc of packages/*/src and every ```ts block of README.md, so
// that documented code cannot rot.
// Each example becomes a module under build/doc-examples/, compiled with the packages' settings
// (sources resolved through the "@netfx/source" condition).
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"

const root = new URL("..", import.meta.url).pathname
const out = join(root, "build", "doc-examples")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )

let count = 0
for (const pkg of readdirSync(join(root, "packages"))) {
  for (const file of sources(join(root, "packages", pkg, "src"))) {
    const text = readFileSync(file, "utf8")
    for (const [, comment] of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const lines = comment.split("\n").map((line) => line.replace(/^\s*\* ?/, ""))
      let example
      for (const line of lines) {
        if (line.startsWith("@example")) example = []
        else if (line.startsWith("@")) {
          if (example) emit(file, example)
          example = undefined
        } else if (example) example.push(line)
      }
      if (example) emit(file, example)
    }
  }
}

// The README's TypeScript blocks, each a module of its own.
const readme = join(root, "README.md")
for (const [, block] of readFileSync(readme, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)) {
  emit(readme, block.split("\n"))
}

function emit(file, lines) {
  const name = `${relative(root, file).replace(/[/.]/g, "_")}_${count++}.ts`
  writeFileSync(join(out, name), `${lines.join("\n")}\nexport {}\n`)
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
