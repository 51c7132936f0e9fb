// Checks that every public export of the published packages is documented, as users see it: in the
// built `.d.ts` files (`npm run build` first), reached through each package's `exports`.
//
// - Each public module's `.d.ts` starts with its module comment (a JSDoc with `@since`). tsc drops
//   a header comment attached to an import it elides; a blank line after the header keeps it.
// - Each export (and each namespace re-exported with `export * as`) has a JSDoc with a description
//   and a `@since` tag, and every `@since` names a version no later than the package's next release
//   (its version, bumped by the pending changesets).
// - Each member of an exported interface, class or object type (properties, methods, accessors)
//   has a JSDoc description. Symbol-keyed members (`[TypeId]`, `[Symbol.iterator]`) and what
//   `@types/node` or `effect` declare are not ours to document.
//
// Gaps in files that this check's author may not edit are listed in scripts/docs-pending.json, each
// with its owner; they are reported but do not fail the check, and an entry that is no longer a gap
// is reported for removal (the owner removes it; `--record` rewrites the list from the gaps found).
// Run: `node scripts/check-docs.mjs` (part of `npm run docs`).
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import ts from "typescript"

const root = new URL("..", import.meta.url).pathname

/**
 * Known gaps (scripts/docs-pending.json), by `<package>/<module>#<export>[.<member>]`, each with its
 * owner: "lead" for the core modules the lead engineer rewrites, "compat" for packages/compat/src.
 * The owner documents the export and removes its entry; `--record` rewrites the file from the
 * gaps found now (after a merge that moved things around, say), keeping the owners already given.
 */
const pendingFile = join(root, "scripts", "docs-pending.json")
const PENDING = new Map(
  Object.entries(JSON.parse(readFileSync(pendingFile, "utf8"))).map(([id, { owner }]) => [id, owner])
)
const record = process.argv.includes("--record")
const leadModules = [
  "Connection",
  "Server",
  "NetError",
  "Transport",
  "NodeTransport",
  "TestTransport",
  "Resolver",
  "PlatformSocket",
  "PlatformSocketServer"
]
const ownerOf = (id) =>
  PENDING.get(id) ??
    (id.startsWith("@netfx/compat")
      ? "compat"
      : leadModules.some((name) => id.startsWith(`@netfx/core/${name}#`))
      ? "lead"
      : "packaging")

const packages = ["core", "compat", "cli"]

/** The public modules of a package: its `exports` entries, as built `.d.ts` files. */
const publicModules = (pkg) => {
  const dir = join(root, "packages", pkg)
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const modules = []
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (target === null) continue
    const types = target.types
    if (subpath.includes("*")) {
      // "./*": every top-level module of dist.
      const [prefix, suffix] = types.split("*")
      const folder = join(dir, prefix)
      for (const file of readdirSync(folder)) {
        if (!file.endsWith(suffix) || file === "index.d.ts") continue
        const name = file.slice(0, -suffix.length)
        modules.push({ name: `@netfx/${pkg}/${name}`, file: join(folder, file) })
      }
    } else {
      modules.push({
        name: subpath === "." ? `@netfx/${pkg}` : `@netfx/${pkg}/${subpath.slice(2)}`,
        file: join(dir, types)
      })
    }
  }
  return modules
}

/** The next version of a package: its version bumped by the pending changesets. */
const nextVersion = (pkg) => {
  const manifest = JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8"))
  const levels = { patch: 0, minor: 1, major: 2 }
  let bump = -1
  const dir = join(root, ".changeset")
  for (const file of readdirSync(dir).filter((file) => file.endsWith(".md"))) {
    const front = readFileSync(join(dir, file), "utf8").match(/^---\n([\s\S]*?)\n---/)?.[1] ?? ""
    for (const [, name, level] of front.matchAll(/^"?([^":]+)"?:\s*(patch|minor|major)\s*$/gm)) {
      if (name === manifest.name) bump = Math.max(bump, levels[level])
    }
  }
  const [major, minor, patch] = manifest.version.split(".").map(Number)
  // Before 1.0.0, changesets bumps a 0.0.x to 0.1.0 for a minor change and to 1.0.0 for a major one.
  if (bump === 2) return [major + 1, 0, 0]
  if (bump === 1) return [major, minor + 1, 0]
  if (bump === 0) return [major, minor, patch + 1]
  return [major, minor, patch]
}

const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

const files = packages.flatMap((pkg) => publicModules(pkg).map((module) => ({ ...module, pkg })))
const program = ts.createProgram(files.map((module) => module.file), {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"]
})
const checker = program.getTypeChecker()

const gaps = []
const found = new Map()
const gap = (id, what) => {
  found.set(id, what)
  if (!PENDING.has(id)) gaps.push(`${id}: ${what}`)
}

const ours = (declaration) => {
  const file = declaration.getSourceFile().fileName
  return file.startsWith(join(root, "packages")) && !file.includes("/node_modules/")
}

const jsDocsOf = (node) => {
  // A variable's JSDoc sits on its statement.
  const target = ts.isVariableDeclaration(node) ? node.parent.parent : node
  return ts.getJSDocCommentsAndTags(target).filter(ts.isJSDoc)
}

const describedBy = (docs) => docs.some((doc) => ts.getTextOfJSDocComment(doc.comment)?.trim())
const sinceOf = (docs) =>
  docs.flatMap((doc) => (doc.tags ?? []).filter((tag) => tag.tagName.text === "since"))
    .map((tag) => ts.getTextOfJSDocComment(tag.comment)?.trim() ?? "")

const checkSince = (id, pkg, versions) => {
  const next = nextVersion(pkg)
  for (const version of versions) {
    const parts = version.split(".").map(Number)
    if (parts.length !== 3 || parts.some((part) => !Number.isInteger(part))) {
      gap(id, `@since ${version} is not a version`)
    } else if (compare(parts, next) > 0) gap(id, `@since ${version} is after the next release, ${next.join(".")}`)
  }
}

const memberName = (member) => {
  const name = member.name
  if (name === undefined) return undefined
  if (ts.isComputedPropertyName(name)) return undefined // [TypeId], [Symbol.iterator], ...
  if (ts.isPrivateIdentifier(name)) return undefined
  return name.getText()
}

const checkMembers = (id, declaration) => {
  let members = []
  if (ts.isInterfaceDeclaration(declaration) || ts.isClassDeclaration(declaration)) members = [...declaration.members]
  else if (ts.isTypeAliasDeclaration(declaration) && ts.isTypeLiteralNode(declaration.type)) {
    members = [...declaration.type.members]
  }
  const seen = new Set()
  for (const member of members) {
    if (ts.isConstructorDeclaration(member) || ts.isIndexSignatureDeclaration(member)) continue
    if (ts.isCallSignatureDeclaration(member) || ts.isConstructSignatureDeclaration(member)) continue
    const modifiers = ts.getCombinedModifierFlags(member)
    if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue
    const name = memberName(member)
    if (name === undefined || seen.has(name)) continue
    // An error's `message` and `name` mean what `Error` says they mean.
    if (ts.isClassDeclaration(declaration) && (name === "message" || name === "name")) continue
    // Overloads and get/set pairs: one documented declaration is enough.
    const all = members.filter((other) => memberName(other) === name)
    seen.add(name)
    if (!all.some((other) => describedBy(ts.getJSDocCommentsAndTags(other).filter(ts.isJSDoc)))) {
      gap(`${id}.${name}`, "member without a doc comment")
    }
  }
}

const checkSymbol = (module, name, symbol, depth) => {
  const id = `${module.name}#${name}`
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
  const declarations = (target.declarations ?? []).filter(ours)
  if (declarations.length === 0) return // node:net's or effect's own, documented there
  // `export * as X from "./X.js"` and `export { a } from`: the export statement's JSDoc counts too.
  const aliases = (symbol.declarations ?? []).filter((declaration) =>
    ts.isNamespaceExport(declaration) || ts.isExportSpecifier(declaration)
  )
  const docs = [
    ...declarations.flatMap(jsDocsOf),
    ...aliases.flatMap((alias) => jsDocsOf(ts.isNamespaceExport(alias) ? alias.parent : alias)),
    ...aliases.flatMap((alias) => (ts.isExportSpecifier(alias) ? jsDocsOf(alias.parent.parent) : []))
  ]
  // `@internal`: exported for the package's own tests and commands, not part of the API.
  if (docs.some((doc) => (doc.tags ?? []).some((tag) => tag.tagName.text === "internal"))) return
  const isModule = declarations.some(ts.isSourceFile)
  if (isModule) {
    // A namespace re-export (`export * as Connection`): the barrel's line and the module itself.
    if (!describedBy(docs)) gap(id, "namespace re-export without a doc comment")
    if (depth === 0) {
      // A module that is public on its own (`@netfx/core/Connection`) is checked as itself.
      const own = new Set(files.map((other) => other.file))
      for (
        const file of declarations.filter((declaration) =>
          ts.isSourceFile(declaration) && !own.has(declaration.fileName)
        )
      ) {
        const moduleSymbol = checker.getSymbolAtLocation(file)
        for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
          checkSymbol(module, `${name}.${exported.name}`, exported, depth + 1)
        }
      }
    }
    return
  }
  if (!describedBy(docs)) gap(id, "export without a doc comment")
  const since = sinceOf(docs)
  if (since.length === 0 && !aliases.length) gap(id, "export without @since")
  checkSince(id, module.pkg, since)
  for (const declaration of declarations) checkMembers(id, declaration)
}

for (const module of files) {
  const source = program.getSourceFile(module.file)
  if (source === undefined) {
    gaps.push(`${module.name}: ${relative(root, module.file)} is missing (npm run build first)`)
    continue
  }
  // The module comment: the first comment of the file, a JSDoc with @since.
  const header = ts.getLeadingCommentRanges(source.text, 0)?.[0]
  const headerText = header === undefined ? "" : source.text.slice(header.pos, header.end)
  if (!headerText.startsWith("/**") || !/@since/.test(headerText)) {
    gap(`${module.name}#(module)`, "no module comment in the .d.ts")
  }
  const moduleSymbol = checker.getSymbolAtLocation(source)
  for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
    checkSymbol(module, exported.name, exported, 0)
  }
}

if (record) {
  const entries = [...found].sort(([a], [b]) => a.localeCompare(b)).map((
    [id, gap]
  ) => [id, { owner: ownerOf(id), gap }])
  writeFileSync(pendingFile, `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`)
  console.log(`recorded ${entries.length} gaps in ${relative(root, pendingFile)}`)
  process.exit(0)
}

const fixed = [...PENDING.keys()].filter((id) => !found.has(id))
const pending = [...PENDING].filter(([id]) => found.has(id))
if (pending.length > 0) {
  console.log(`${pending.length} known gaps left to their owners (scripts/docs-pending.json):`)
  for (const [id, owner] of pending) console.log(`  ${owner}: ${id}`)
}
// Listed but not found: documented now, or not in this tree (the list also names gaps of a branch
// about to be merged). Reported, not failed, so that a merge does not break the check.
if (fixed.length > 0) {
  console.log(
    `documented now or not here: remove them from scripts/docs-pending.json once fixed:\n  ${fixed.join("\n  ")}`
  )
}
if (gaps.length > 0) console.error(`undocumented public API (${gaps.length}):\n  ${gaps.join("\n  ")}`)
if (gaps.length > 0) process.exit(1)
console.log(
  `every public export of ${files.length} modules is documented` +
    (pending.length > 0 ? `, but for the ${pending.length} known gaps above` : "")
)
